// A space variable declared over something that is not a region.
time t in [0, 1]
space x in norm(2) //~ pdec::check::bad_domain
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
