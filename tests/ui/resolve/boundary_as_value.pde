// `boundary` as an argument of a function other than `dist`.
space x in [0, 1]
unknown u(x)
pde d(u, x, x) = 1
boundary on(x): u = 0
ansatz u = sin(boundary) * net //~ pdec::resolve::unknown_name
