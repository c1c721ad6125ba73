// Comparisons cannot be chained as in mathematics: `0.25 < x < 0.75` is rejected.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = if 0.25 < x < 0.75 then 1 else 0 //~ pdec::syntax::chained_comparison
boundary on(x): u = 0
