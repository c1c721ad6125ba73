// Data rows checked before training: pdec::data::unknown_column.
time t in [0, 1]
space x in [-1, 1]
unknown u(t, x)
unknown const k in [0.1, 10]
pde d(u, t) = k * d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
observe u from "unknown_column.csv" //~ pdec::data::unknown_column
