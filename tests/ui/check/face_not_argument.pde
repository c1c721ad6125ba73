// `p(x)` does not change along `y`: a value on a face of `y` would give it at every `x`,
// beside its own equation and conditions.
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
boundary y = 0: p = x * (x - 1) / 2 //~ pdec::check::face_not_argument
