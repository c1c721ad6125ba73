// An unknown argument of the `sampling` law gets a did-you-mean.
//
time t in [0, 1]
space x in [0, 2]^3
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary none
solve {
  sampling = normal(center = 1, sd = 0.3, cor = 0.5) //~ pdec::settings::unknown_setting
}
