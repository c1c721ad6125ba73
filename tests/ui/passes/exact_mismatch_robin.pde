// A Robin condition the exact solution does not satisfy (its normal derivative is taken
// symbolically).
space x in [0, 1]
space y in [0, 1]
unknown u(x, y)
pde -(d(u, x, x) + d(u, y, y)) = pi^2 * cos(pi * x) * (1 + y^2) - 2 * cos(pi * x)
boundary x = 0: u = 1 + y^2
boundary x = 1: u = -(1 + y^2)
boundary y = 0: d(u, y) = 0
boundary y = 1: dn(u) + u = 3 * cos(pi * x) //~ pdec::passes::exact_mismatch
exact u = cos(pi * x) * (1 + y^2)
