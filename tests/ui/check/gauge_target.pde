// A gauge on an expression, not on an unknown.
space   x in [0, 1]^2
unknown U(x)[2], p(x)
pde momentum: -lap(U) + grad(p) = [1, 0]
pde continuity: div(U) = 0
boundary on(x): U = 0
mean 2 * p = 0 //~ pdec::check::gauge_target
