// A derivative with respect to a constant.
const k = 2
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, k) //~ pdec::check::derivative_wrt_non_input
initial u = 0
boundary on(x): u = 0
