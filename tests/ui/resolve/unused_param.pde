// A parameter that nothing refers to is a warning: it still widens the network's input.
param nu in [0.01, 0.1] //~ pdec::resolve::unused_param
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
