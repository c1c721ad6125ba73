// `grad(u)` with two space variables does not say which one it differentiates along.
time t in [0, 1]
space x in [0, 1]
space y in [0, 1]
unknown u(t, x, y)
pde d(u, t) = lap(u) + grad(u) //~ pdec::check::ambiguous_operator
initial u = 0
boundary on(x): u = 0
boundary on(y): u = 0
