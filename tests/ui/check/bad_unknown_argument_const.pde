// A constant listed among the unknown's arguments.
const k = 2
time t in [0, 1]
space x in [0, 1]
unknown u(t, x, k) //~ pdec::check::bad_unknown_argument
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
