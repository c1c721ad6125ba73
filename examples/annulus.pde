// Laplace's equation in the annulus 1/2 <= |x| <= 1: the value on the outer circle, the
// flux through the inner one. The exact solution is radial, u = log(2) + log(r): on the
// inner circle the domain's outward normal points into the hole, towards the centre, so
// dn(u) = -du/dr = -1/r = -2 there. The ansatz imposes the outer value exactly:
// dist(outer) = (1 - |x|^2) / 2 vanishes on the outer circle only, so the inner flux stays
// a loss term (docs/RESULTS.md: a tenth of the soft-constraint run's error at 2,000 steps).
problem annulus

space   x in ball(center = [0, 0], radius = 1) as outer - ball(center = [0, 0], radius = 0.5) as inner
unknown u(x)

pde      lap(u) = 0
boundary outer: u = log(2)  // Dirichlet on the outer circle
boundary inner: dn(u) = -2  // Neumann on the inner circle
ansatz   u = log(2) + dist(outer) * net
exact    u = log(2) + 0.5 * log(sum(x * x))

report u(x = [0.75, 0])
