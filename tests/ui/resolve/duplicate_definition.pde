// A constant defined twice, a function parameter repeated, and a definition that shadows an import.
use std::finance::{call}
const k = 1
const k = 2 //~ pdec::resolve::duplicate_definition
fn bump(y, y) = y + 1 //~ pdec::resolve::duplicate_definition
fn call(s) = max(s - 1, 0) //~ pdec::resolve::duplicate_definition
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = k * d(u, x, x)
initial u = bump(x)
boundary on(x): u = 0
