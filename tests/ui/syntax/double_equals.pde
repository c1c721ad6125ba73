// An equation written with `==` instead of `=`.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u == sin(pi * x) //~ pdec::syntax::double_equals
boundary on(x): u = 0
