// A keyword from another language (`let`) gets pdec's spelling.
let k = 2 //~ pdec::syntax::foreign_keyword
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = 0
boundary on(x): u = 0
