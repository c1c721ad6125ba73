// `p(x)` does not change along `y`: its normal derivative on a face of `y` is an error, not
// a condition that holds by itself.
time t in [0, 1]
space x in [0, 1]
space y in [0, 1]
unknown u(t, x, y)
unknown p(x)
pde d(u, t) = 0.1 * lap(u) + p
pde d(p, x, x) = 1
initial u = 0
boundary on(x): u = 0
boundary on(y): u = 0
boundary on(x): p = 0
boundary y = 0: dn(p) = 0 //~ pdec::check::normal_not_argument
