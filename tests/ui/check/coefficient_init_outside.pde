// An unknown coefficient whose initial value lies outside its range.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10] init 20 //~ pdec::check::coefficient_init_outside
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "obs.csv"
