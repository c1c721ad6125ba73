// Typeset mathematics (`²`) gets its ASCII spelling.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = x² //~ pdec::syntax::unicode_operator
boundary on(x): u = 0
