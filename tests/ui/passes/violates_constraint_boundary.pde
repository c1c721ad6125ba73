// Boundary data above an upper obstacle (`<=`), with parameters.
param cap in [0.5, 1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.2 * d(u, x, x)
initial u = cap * x * (1 - x)
boundary x = 0: u = 0
boundary x = 1: u = 1.2 * cap //~ pdec::passes::violates_constraint
constraint u <= cap
