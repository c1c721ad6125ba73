// `dist` takes `boundary` or names of boundary pieces, not a space variable.
space x in [0, 2]^2 - box([1, 2]^2) as notch
unknown u(x)
pde -lap(u) = 1
boundary on(x): u = 0
ansatz u = dist(x) * net //~ pdec::check::dist_argument
