// A reference file outside the problem's folder.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
reference "../data.csv" //~ pdec::check::reference_outside_folder
