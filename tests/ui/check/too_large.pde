// An index range too long to expand.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + sum(i in 1..100000000) i //~ pdec::check::too_large
initial u = 0
boundary on(x): u = 0
