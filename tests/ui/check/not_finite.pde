// A domain bound that divides by zero.
time t in [0, 1 / 0] //~ pdec::check::not_finite
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
