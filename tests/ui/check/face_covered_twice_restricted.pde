// Both restrictions keep the strip 0 < x[2] < 0.5 of the left side.
space x in [-1, 1]^2
unknown u(x)
pde lap(u) = 0
boundary x[1] = -1 where x[2] > 0: u = 1
boundary x[1] = -1 where x[2] < 0.5: dn(u) = 0 //~ pdec::check::face_covered_twice
boundary x[1] = 1: u = 0
boundary x[2] = -1: u = 0
boundary x[2] = 1: u = 0
