// Module paths written with `.` as in Python get a hint to use `::`.
use std.finance //~ pdec::syntax::dot_import
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
