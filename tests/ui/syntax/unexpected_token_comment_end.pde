// Comments do not nest: the inner `*/` closes the comment, and the outer one is reported.
/* heat equation /* first draft */ by hand */ //~ pdec::syntax::unexpected_token
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
