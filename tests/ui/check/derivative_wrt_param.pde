// A derivative with respect to a parameter.
param a in [0, 1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + d(u, a) //~ pdec::check::derivative_wrt_param
initial u = 0
boundary on(x): u = 0
