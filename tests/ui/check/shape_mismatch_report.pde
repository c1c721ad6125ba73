// A report point giving a vector variable the wrong number of components.
time t in [0, 1]
space x in [0, 1]^2
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
report u(0.5, x = [1, 2, 3]) //~ pdec::check::shape_mismatch
