// The adaptive pool lives on the host: pool * batch * inputs values, at most 2^27 (1 GiB).
time t in [0, 1]
space x in [0, 1]^100
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
solve {
  batch    = 65536
  adaptive = residual(pool = 1024) //~ pdec::plan::adaptive_pool_too_large
}
