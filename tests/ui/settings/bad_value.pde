// A setting given a value of the wrong kind: `dtype` takes `f32` or `f64`.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
solve {
  dtype = f16 //~ pdec::settings::bad_value
}
