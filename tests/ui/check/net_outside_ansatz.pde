// `net` is the network's output; it means nothing outside an `ansatz`.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + net //~ pdec::check::net_outside_ansatz
initial u = sin(pi * x)
boundary on(x): u = 0
