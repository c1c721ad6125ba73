// Reports outside the trained box: time, a parameter, a box component and a ball.
param nu in [0.01, 0.1]
time t in [0, 1]
space x in [0, 1]^2
space y in ball(2, center = 0, radius = 1)
unknown u(t, x, y)
pde d(u, t) = nu * (lap(u, x) + lap(u, y))
initial u = 0
boundary on(x): u = 0
boundary on(y): u = 0
report u(2, x = 0.5, y = 0, nu = 0.05) //~ pdec::check::report_outside_domain
report u(0.5, x = 0.5, y = 0, nu = 0.2) //~ pdec::check::report_outside_domain
report u(0.5, x = [0.5, 1.5], y = 0, nu = 0.05) //~ pdec::check::report_outside_domain
report u(0.5, x = 0.5, y = [0.8, 0.8], nu = 0.05) //~ pdec::check::report_outside_domain
report u(1, x = 1, y = [1, 0], nu = 0.1)
