// Component j of a vector unknown's ansatz is U[j]'s, made from U[j]'s own output: here the
// first reads the second's.
time t in [0, 1]
space x in [0, 1]
unknown U(t, x)[2]
pde d(U, t) = 0.1 * lap(U)
initial U = [sin(pi * x), 2 * sin(pi * x)]
boundary on(x): U = 0
ansatz U = [t * x * (1 - x) * net[2], t * x * (1 - x) * net[1]] //~ pdec::check::ansatz_other_component
