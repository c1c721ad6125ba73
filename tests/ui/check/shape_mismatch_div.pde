// `div` of a scalar in a vector space.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = div(u) //~ pdec::check::shape_mismatch
initial u = 0
boundary on(x): u = 0
