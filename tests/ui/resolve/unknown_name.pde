// A misspelt parameter gets a did-you-mean.
param nu in [0.01, 0.1]
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = nuu * d(u, x, x) //~ pdec::resolve::unknown_name
initial u = 0
boundary on(x): u = 0
