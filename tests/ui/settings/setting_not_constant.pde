// Settings take constant expressions: network inputs and undeclared names are refused where
// they are written.
const T = 2
time t in [0, T]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary x = 0: u = 0
boundary x = 1: u = 0
solve {
  time_limit = 60 * t //~ pdec::check::not_constant
  steps = 100 * N //~ pdec::resolve::unknown_name
  lr = 1e-3 / T
}
