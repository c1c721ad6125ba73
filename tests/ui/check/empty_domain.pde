// The ball removes the whole square.
space x in [0, 1]^2 - ball(center = [0.5, 0.5], radius = 1) //~ pdec::check::empty_domain
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
