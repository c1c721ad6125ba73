// A function that nothing calls is a warning.
fn bump(y) = y + 1 //~ pdec::resolve::unused_fn
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
