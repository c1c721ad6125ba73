// The `sampling` law's arguments are checked: lognormal needs a center above 0.
// (Correlations must lie in [0, 1).)
time t in [0, 1]
space x in [0, 2]^3
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary none
solve {
  sampling = lognormal(center = 0, sd = 0.3) //~ pdec::settings::out_of_range
}
