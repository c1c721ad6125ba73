// A data set's fixed input outside its range.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10]
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe d(u, x) at t = 2 from "obs.csv" //~ pdec::check::observe_at
