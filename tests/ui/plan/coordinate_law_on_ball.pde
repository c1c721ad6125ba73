// A law per coordinate for a space variable in a ball, which has no interval per coordinate.
time t in [0, 1]
space x in ball(3, center = 0, radius = 1)
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 1
solve {
  sampling.x = arcsine //~ pdec::plan::coordinate_law_on_ball
}
