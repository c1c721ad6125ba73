// A name whose import failed is reported once, at the import, not again at each use.
use std::finance::{cal} //~ pdec::resolve::unknown_import
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
terminal u = cal(x, 1)
boundary on(x): u = 0
