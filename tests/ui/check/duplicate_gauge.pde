// Two gauges on one pressure.
space   x in [0, 1]^2
unknown U(x)[2], p(x)
pde momentum: -lap(U) + grad(p) = [1, 0]
pde continuity: div(U) = 0
boundary on(x): U = 0
mean p = 0
mean p = 1 //~ pdec::check::duplicate_gauge
