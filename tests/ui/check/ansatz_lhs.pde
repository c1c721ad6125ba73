// The left side of an ansatz must be the unknown itself.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
ansatz 2 * u = t * net //~ pdec::check::ansatz_lhs
