// A divergence of a second derivative needs a third derivative.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = div(d(u, x, x)) //~ pdec::check::derivative_order
initial u = 0
boundary on(x): u = 0
