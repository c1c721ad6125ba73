// A constant vector whose entries are themselves vectors.
const v[i in 1..3] = [1, 2] //~ pdec::check::entry_not_scalar
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = v[1] * d(u, x, x)
initial u = 0
boundary on(x): u = 0
