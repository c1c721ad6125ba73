// Two overlapping discs: each circle runs through the other disc, so a distance to it would
// vanish inside the domain.
space x in ball(center = [0, 0], radius = 1) as left or ball(center = [1, 0], radius = 1) as right
unknown u(x)
pde -lap(u) = 1
boundary on(x): u = 0
ansatz u = dist(left) * net //~ pdec::check::dist_surface_inside
