// A restriction that changes in time is not a part of a face.
time t in [0, 1]
space x in [-1, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary x[1] = -1 where t > 0.5: u = 1 //~ pdec::check::restriction_not_on_point
boundary on(x): u = 0
