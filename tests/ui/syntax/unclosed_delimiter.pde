// A `(` that is never closed costs one statement, not the rest of the file.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t = d(u, x, x) //~ pdec::syntax::unclosed_delimiter
initial u = 0
boundary on(x): u = 0
