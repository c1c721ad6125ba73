// The restriction keeps no point of the face `x[1] = -1`: `x[2]` runs over [-1, 1] there.
space x in [-1, 1]^2
unknown u(x)
pde lap(u) = 1
boundary x[1] = -1 where x[2] > 2: u = 1 //~ pdec::check::empty_restriction
boundary on(x): u = 0
