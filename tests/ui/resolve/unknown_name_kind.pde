// An undeclared `T` beside the time variable `t` is not offered `t`: that would change the
// problem without a word. Derivative slots suggest the unknown and the variables.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(v, t) = d(u, x, X) //~ pdec::resolve::unknown_name pdec::resolve::unknown_name
initial U = sin(pi * x) //~ pdec::resolve::unknown_name
boundary on(x): u = 0
exact u = exp(-T * pi^2) * sin(pi * x) //~ pdec::resolve::unknown_name
