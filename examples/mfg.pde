// A linear-quadratic mean-field game on R^2, truncated to a box: the value u solves the
// backward HJB equation with a terminal cost, the density m the forward Fokker-Planck
// equation of the players' optimal drift -grad(u), from a Gaussian start. The drift points
// inwards, so the box's faces are inflow boundaries: both unknowns take the closed form's
// values there (under `boundary none` mass flowed in from the faces: m was 37% off in
// rel-L2, with density in the corners, docs/RESULTS.md).
//   HJB: -u_t - nu lap(u) + |grad u|^2 / 2 = |x|^2 / 2 + lam (m - M),   u(1, x) = |x|^2 / 2
//   FP:   m_t - nu lap(m) - div(m grad u) = 0,                          m(0, x) = M(0, x)
// Closed form: u = |x|^2 / 2 + (1 - t), so the drift is -x (Ornstein-Uhlenbeck) and m stays
// the centred Gaussian M with variance S2(t) per coordinate, S2' = -2 S2 + 2 nu, S2(0) = 1.
// The running cost's term -lam M (a function of t and x) keeps the value quadratic; the
// coupling lam m is the network's density, so a wrong m moves u.
problem mfg

const nu  = 0.5
const lam = 1

fn S2(t) = 0.5 + 0.5 * exp(-2 * t)
fn M(t, x) = exp(-norm2(x) / (2 * S2(t))) / (2 * pi * S2(t))

time    t in [0, 1]
space   x in [-3, 3]^2
unknown u(t, x), m(t, x)

pde      hjb: -d(u, t) - nu * lap(u) + 0.5 * norm2(grad(u)) = 0.5 * norm2(x) + lam * (m - M(t, x))
pde      fp: d(m, t) - nu * lap(m) - div(m * grad(u)) = 0
boundary on(x): u = 0.5 * norm2(x) + (1 - t)
boundary on(x): m = M(t, x)
terminal u = 0.5 * norm2(x)
initial  m = M(0, x)
// The time data imposed exactly: m = 0 solves the Fokker-Planck equation and its faces'
// data (tiny), so with the initial density as a loss term the network drifts towards it.
ansatz u = 0.5 * norm2(x) + (1 - t) * net
ansatz m = M(0, x) + t * net
exact  u = 0.5 * norm2(x) + (1 - t)
exact  m = M(t, x)

solve {
  net       = mlp(layers = 3, width = 64)
  steps     = 9000
  batch     = 512
  lr        = 1e-2
  clip      = 1
  weight.fp = 30  // the density's equation is small beside the value's (docs/RESULTS.md)
}
