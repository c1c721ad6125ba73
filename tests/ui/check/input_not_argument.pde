// A declared space variable that the unknown does not depend on.
time t in [0, 1]
space x in [0, 1]
space y in [0, 1] //~ pdec::check::input_not_argument
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
boundary on(y): u = 0
