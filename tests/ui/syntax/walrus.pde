// Pascal's `:=` for definitions gets a hint to use `=`.
const k := 2 //~ pdec::syntax::walrus
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = k * d(u, x, x)
initial u = 0
boundary on(x): u = 0
