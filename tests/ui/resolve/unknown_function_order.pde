// Equally close suggestions are chosen by a fixed order (the builtins' table), never by
// chance: `sinn` is one edit from `sin`, `sinh` and `sign`, and gets `sin` on every run.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sinn(pi * x) //~ pdec::resolve::unknown_function
boundary on(x): u = 0
