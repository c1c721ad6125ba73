// `lap` given one component of a vector variable instead of the variable.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u, x[1]) //~ pdec::check::derivative_wrt_non_input
initial u = 0
boundary on(x): u = 0
