// An initial condition in a problem without time.
space x in [0, 1]
unknown u(x)
pde d(u, x, x) = 1
initial u = 0 //~ pdec::check::condition_without_time
boundary on(x): u = 0
