// `and` between numbers.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + if x and t then 1 else 0 //~ pdec::check::not_boolean
initial u = 0
boundary on(x): u = 0
