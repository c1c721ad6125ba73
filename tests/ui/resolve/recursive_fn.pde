// Functions are inlined, so a function cannot call itself.
fn fact(n) = if n <= 1 then 1 else n * fact(n - 1) //~ pdec::resolve::recursive_fn
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = fact(3) * x * (1 - x)
boundary on(x): u = 0
