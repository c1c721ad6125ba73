// An unknown coefficient with no data that could determine it.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10] //~ pdec::check::coefficient_without_data
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
