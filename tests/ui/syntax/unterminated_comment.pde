// A `/*` never closed is reported where it opens, not as the statements it swallows.
/* heat equation, first draft //~ pdec::syntax::unterminated_comment
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
