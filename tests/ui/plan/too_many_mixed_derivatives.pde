// A term nonlinear in a full 100 x 100 Hessian needs 4950 mixed second derivatives, each one
// more channel of every network pass: refused while planning, by `pdec check` too.
space x in [0, 1]^100
unknown u(x)
boundary none
pde sum(i in 1..100, j in 1..100) d(u, x[i], x[j])^2 = 1 //~ pdec::plan::too_many_mixed_derivatives
