// A free-boundary constraint reads the network directly: it cannot be combined with an ansatz.
time t in [0, 1]
space x in [0, 2]
unknown u(t, x)
pde d(u, t) + 0.02 * x^2 * d(u, x, x) = 0
terminal u = max(1 - x, 0)
boundary x = 0: u = 1
boundary x = 2: u = 0
constraint u >= max(1 - x, 0)
ansatz u = max(1 - x, 0) + (1 - t) * net //~ pdec::passes::ansatz_with_constraint
