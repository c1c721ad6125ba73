// Python's `**` for powers gets a hint to use `^`.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = x**2 * (1 - x) //~ pdec::syntax::double_star
boundary on(x): u = 0
