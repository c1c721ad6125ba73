// A system's closed forms are checked as one unknown's are: `exact u` is twice the
// solution, so it misses `u`'s initial data (and both equations, which couple u and v).
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), v(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + 0.5 * v
pde d(v, t) = 0.1 * d(v, x, x) + 2 * u
initial u = sin(pi * x)
initial v = 2 * sin(pi * x)
boundary on(x): u = 0
boundary on(x): v = 0
exact u = 2 * exp((1 - 0.1 * pi^2) * t) * sin(pi * x) //~ pdec::passes::exact_mismatch
exact v = 2 * exp((1 - 0.1 * pi^2) * t) * sin(pi * x)
