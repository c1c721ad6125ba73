// Implicit multiplication `2 x`: a token where an operator or the end is expected.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 2 x //~ pdec::syntax::unexpected_token
boundary on(x): u = 0
