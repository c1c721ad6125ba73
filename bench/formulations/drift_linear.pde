// The reference of the formulations benchmark (scripts/formulations-bench.sh): a linear
// drift, one directional derivative on the fast path. The other files here write a drift
// where a new user would, each with the same kind of work per step.
problem drift_linear
const d = 100
time    t in [0, 1]
space   x in [-1, 1]^d
unknown u(t, x)
boundary none
pde     d(u, t) + sum(i in 1..d) x[i] * d(u, x[i]) / d = 0.5 * lap(u)
initial u = sum(i in 1..d) x[i]^2 / d
solve {
  batch = 1024
  dtype = f32
}
