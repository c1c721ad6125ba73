// A user function called with too few arguments.
fn f(a, b) = a * b
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + f(x) //~ pdec::check::arity
initial u = 0
boundary on(x): u = 0
