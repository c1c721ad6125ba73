// Two `pde` statements.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
pde d(u, t) = 2 * d(u, x, x) //~ pdec::check::duplicate_statement
initial u = 0
boundary on(x): u = 0
