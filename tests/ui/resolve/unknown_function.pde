// A function name from other notations (`ln`) gets pdec's spelling.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = ln(1 + x) //~ pdec::resolve::unknown_function
boundary on(x): u = 0
