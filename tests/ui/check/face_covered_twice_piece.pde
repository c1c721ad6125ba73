// The L-shape's notch is covered by `on(x)` and again by its name.
space x in box([0, 2]^2) - box([1, 2]^2) as notch
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
boundary notch: dn(u) = 0 //~ pdec::check::face_covered_twice
