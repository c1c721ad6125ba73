// A constraint with a strict inequality `>`.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = max(x - 0.5, 0)
boundary on(x): u = 0
constraint u > max(x - 0.5, 0) //~ pdec::syntax::strict_constraint
