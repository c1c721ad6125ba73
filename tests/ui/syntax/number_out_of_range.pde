// A literal too large for a 64-bit float.
const k = 1e400 //~ pdec::syntax::number_out_of_range
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = k * d(u, x, x)
initial u = 0
boundary on(x): u = 0
