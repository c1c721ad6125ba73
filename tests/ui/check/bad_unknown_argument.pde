// The same variable listed twice among the unknown's arguments.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x, x) //~ pdec::check::bad_unknown_argument
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
