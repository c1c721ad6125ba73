// The notch's side `x[1] = 1` of the L-shape is covered by `on(x)` and again by its locus.
space x in box([0, 2]^2) - box([1, 2]^2) as notch
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
boundary x[1] = 1: dn(u) = 0 //~ pdec::check::face_covered_twice
