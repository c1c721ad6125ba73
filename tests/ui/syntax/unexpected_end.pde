// An equation whose right side is missing.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = //~ pdec::syntax::unexpected_end
initial u = 0
boundary on(x): u = 0
