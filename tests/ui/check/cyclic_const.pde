// Two constants defined in terms of each other.
const a = b + 1
const b = 2 * a //~ pdec::check::cyclic_const
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = a * d(u, x, x)
initial u = 0
boundary on(x): u = 0
