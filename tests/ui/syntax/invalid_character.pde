// A non-ASCII letter in a name.
const α = 0.5 //~ pdec::syntax::invalid_character
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
