// A named argument that is not a parameter of the function.
fn f(a) = 2 * a
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + f(b = x) //~ pdec::check::named_argument
initial u = 0
boundary on(x): u = 0
