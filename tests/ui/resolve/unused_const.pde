// A constant that nothing refers to is a warning; `_k` would be exempt.
const k = 2 //~ pdec::resolve::unused_const
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
