// `use` of a whole module, without naming the items.
use std::finance //~ pdec::resolve::module_import
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
