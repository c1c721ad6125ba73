// A named argument to a builtin that takes only positional ones.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + sin(z = x) //~ pdec::check::named_argument
initial u = 0
boundary on(x): u = 0
