// Steady heat in the square plate [-1, 1]^2 with a circular hole of radius 0.3 at its centre.
// The hole is insulated (dn(u) = 0 on its edge, the outward normal of the plate pointing
// into the hole), the upper half of the left side is held hot, the lower half takes a given
// flux, and the other sides are held at the temperature of the manufactured solution
//   T = 1 - x1 (1 + R^2 / |x|^2),
// the flow of heat around a cylinder: harmonic, with zero radial derivative at |x| = R.
problem plate_with_hole

const R = 0.3
fn T(x) = 1 - x[1] * (1 + R^2 / norm2(x))

space   x in box([-1, 1]^2) - ball(center = [0, 0], radius = R) as hole
unknown u(x)

pde      lap(u) = 0
boundary hole: dn(u) = 0                     // insulated
boundary x[1] = -1 where x[2] > 0: u = T(x)  // heated part of the left side
boundary x[1] = -1 where x[2] <= 0: dn(u) = 1 + R^2 / norm2(x) - 2 * R^2 * x[1]^2 / norm2(x)^2
boundary x[1] = 1: u = T(x)
boundary x[2] = -1: u = T(x)
boundary x[2] = 1: u = T(x)
exact    u = T(x)

report u(x = [-0.5, 0.5])
report u(x = [0.6, 0])
