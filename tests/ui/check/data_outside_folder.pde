// A data file that leaves the problem's folder.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10]
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "../obs.csv" //~ pdec::check::data_outside_folder
