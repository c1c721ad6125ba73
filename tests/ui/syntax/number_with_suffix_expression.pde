// In an expression, a number glued to a name is a product without its `*`.
const k = 3
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 2k * d(u, x, x) //~ pdec::syntax::number_with_suffix
initial u = sin(pi * x)
boundary on(x): u = 0
