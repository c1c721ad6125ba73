// `net.NAME` gives unknown NAME a network of its own: a name that is no unknown is an error.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x), v(t, x)
pde d(u, t) = 0.1 * d(u, x, x) + v
pde d(v, t) = 0.1 * d(v, x, x) + u
initial u = sin(pi * x)
initial v = sin(pi * x)
boundary on(x): u = 0
boundary on(x): v = 0
solve {
  net.w = mlp(width = 20) //~ pdec::plan::unknown_network
}
