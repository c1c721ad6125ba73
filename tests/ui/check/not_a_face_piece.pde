// The small ball lies inside the removed one: none of it is on the boundary.
space x in [0, 1]^2 - ball(center = [0.5, 0.5], radius = 0.3) - ball(center = [0.5, 0.5], radius = 0.1) as inner
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
boundary inner: u = 1 //~ pdec::check::not_a_face
