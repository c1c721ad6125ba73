// A function used as a value, without arguments.
fn payoff(y) = max(y - 0.5, 0)
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = payoff //~ pdec::resolve::function_as_value
boundary on(x): u = 0
