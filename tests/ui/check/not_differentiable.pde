// A divergence of a function without a derivative.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = div(sign(d(u, x))) //~ pdec::check::not_differentiable
initial u = 0
boundary on(x): u = 0
