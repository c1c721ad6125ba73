// A misspelt setting, and an argument a network does not take, get a did-you-mean.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  step = 20000 //~ pdec::settings::unknown_setting
  net = dgm(layers = 3, widht = 50) //~ pdec::settings::unknown_setting
}
