// `dist(boundary)` joins the two circles' levels, whose derivatives are inf / inf where one
// of them vanishes: the inner circle's flux would be NaN at every point of the circle.
space x in ball(center = [0, 0], radius = 1) as outer - ball(center = [0, 0], radius = 0.5) as inner
unknown u(x)
pde lap(u) = 0
boundary outer: u = log(2)
boundary inner: dn(u) = -2 //~ pdec::passes::ansatz_undefined_on_condition
ansatz u = log(2) + dist(boundary) * net
