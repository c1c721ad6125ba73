// Two functions calling each other: one report for the cycle, naming both.
fn f(z) = g(z) + 1
fn g(z) = 2 * f(z) //~ pdec::resolve::recursive_fn
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + f(x)
initial u = 0
boundary on(x): u = 0
