// The restriction keeps the corner of the boundary near the origin: 1% of two of the sides.
space x in [0, 1]^2
unknown u(x)
pde lap(u) = 0
boundary on(x) where x[1] < 0.01 and x[2] < 0.01: u = 1 //~ pdec::plan::low_acceptance
boundary on(x) where not (x[1] < 0.01 and x[2] < 0.01): u = 0
