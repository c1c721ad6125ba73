// A constant vector indexed from 0.
const v[i in 0..2] = i //~ pdec::check::bad_range
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + v[1]
initial u = 0
boundary on(x): u = 0
