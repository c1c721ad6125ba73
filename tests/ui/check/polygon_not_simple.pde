// A bow tie: the first and third edges cross.
space x in polygon([0, 0], [1, 1], [1, 0], [0, 1]) //~ pdec::check::polygon_not_simple
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
