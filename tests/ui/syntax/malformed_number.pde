// A number's point out of place is reported at the number, with the spelling that works.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x) * .5 //~ pdec::syntax::malformed_number
boundary on(x): u = 1. //~ pdec::syntax::malformed_number
const c = 1.5.2 //~ pdec::syntax::malformed_number
