// Each unknown's time data against its own equation's direction: `m` runs forward.
time t in [0, 1]
space x in [0, 1]
unknown v(t, x), m(t, x)
pde d(v, t) + 0.1 * d(v, x, x) = m
pde d(m, t) = 0.1 * d(m, x, x) + v
terminal v = x^2
terminal m = 1 //~ pdec::passes::terminal_on_forward
boundary on(x): v = x^2
boundary on(x): m = 1
