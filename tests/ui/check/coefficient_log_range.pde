// An unknown coefficient on a log scale whose range reaches zero.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0, 10] log //~ pdec::check::coefficient_log_range
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "obs.csv"
