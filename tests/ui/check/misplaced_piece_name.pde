// `as` names a primitive of a space domain; here it names the box's dimension.
space x in [0, 1]^2 as plate - ball(center = [0.5, 0.5], radius = 0.2) //~ pdec::check::misplaced_piece_name
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
