// A constant defined in terms of a network input.
const c = 2 * x //~ pdec::check::not_constant
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = c * d(u, x, x)
initial u = 0
boundary on(x): u = 0
