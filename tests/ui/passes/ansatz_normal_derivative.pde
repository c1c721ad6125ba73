// A normal derivative cannot be rewritten in the network's derivatives.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = 0.1 * d(u, x, x)
initial u = cos(pi * x)
boundary on(x): dn(u) = 0 //~ pdec::passes::ansatz_normal_derivative
ansatz u = cos(pi * x) + t * net
