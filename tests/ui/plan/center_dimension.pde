// A sampling law centred at a point of the wrong dimension.
const K = 1
space x in [0, 2]^3
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
solve {
  sampling = lognormal(center = [K, K], sd = 0.2) //~ pdec::plan::center_dimension
}
