// A half-space is unbounded unless intersected with something bounded.
space x in halfspace(normal = [1, 0], offset = 0) - ball(center = [0, 0], radius = 1) //~ pdec::check::unbounded_domain
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
