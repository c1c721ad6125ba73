// A gauge on an unknown the equations read by its value: it is not free up to a constant.
space   x in [0, 1]^2
unknown u(x), p(x)
pde lap(u) = p
pde d(p, x[1]) + d(p, x[2]) = u
boundary on(x): u = 0
boundary x[1] = 0: p = 0
mean p = 0 //~ pdec::check::gauge_not_free
