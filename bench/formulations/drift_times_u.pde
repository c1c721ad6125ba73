// A drift multiplied by `u` (a Burgers-type transport term): one directional derivative,
// as the linear drift of drift_linear.pde (issue 38: before, the full gradient, d tangents).
problem drift_times_u
const d = 100
time    t in [0, 1]
space   x in [-1, 1]^d
unknown u(t, x)
boundary none
pde     d(u, t) + u * sum(i in 1..d) x[i] * d(u, x[i]) / d = 0.5 * lap(u)
initial u = sum(i in 1..d) x[i]^2 / d
solve {
  batch = 1024
  dtype = f32
}
