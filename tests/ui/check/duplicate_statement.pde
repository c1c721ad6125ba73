// Two `problem` statements.
problem heat
problem heat_again //~ pdec::check::duplicate_statement
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
