// An ansatz without the network leaves nothing to train.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
ansatz u = sin(pi * x) * exp(-t) //~ pdec::check::ansatz_without_net
