// The corner of a ball in 10 dimensions fills a quarter of a percent of the unit cube.
space x in [0, 1]^10 and ball(10, center = 0, radius = 1) - ball(10, center = 0, radius = 0.5) as core //~ pdec::plan::low_acceptance
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
