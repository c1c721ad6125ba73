// The PDE needs d(u, x, x); `abs` has no second derivative here (its derivative `sign` has none).
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
initial u = 1 - abs(x)
boundary on(x): u = 0
ansatz u = 1 - abs(x) + t * (1 - x^2) * net //~ pdec::passes::ansatz_not_differentiable
