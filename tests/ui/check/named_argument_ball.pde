// A misspelt named argument of `ball`.
time t in [0, 1]
space x in ball(2, centre = 0, radius = 1) //~ pdec::check::named_argument
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
