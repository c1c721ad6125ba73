// The left side is heated above x[2] = 0.5 and insulated below 0: the strip between is left
// without a condition, and the error names a point in it.
space x in [-1, 1]^2
unknown u(x)
pde lap(u) = 0
boundary x[1] = -1 where x[2] > 0.5: u = 1 //~ pdec::check::missing_boundary
boundary x[1] = -1 where x[2] < 0: dn(u) = 0
boundary x[1] = 1: u = 0
boundary x[2] = -1: u = 0
boundary x[2] = 1: u = 0
