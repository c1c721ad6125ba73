// A comment opened inside an equation and never closed: only the comment is reported.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + /* the source term, to do //~ pdec::syntax::unterminated_comment
initial u = sin(pi * x)
boundary on(x): u = 0
