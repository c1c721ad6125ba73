// A constant followed by parentheses, meant as a product, is not a call.
const k = 2
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = k(d(u, x, x) + u) //~ pdec::resolve::not_callable
initial u = 0
boundary on(x): u = 0
