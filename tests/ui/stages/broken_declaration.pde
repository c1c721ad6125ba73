// A name-resolution error in a declaration puts every use of what it declares in doubt: only
// the settings are checked besides (the file's other statements would report consequences).
time t in [0, 1]
space x in [0, L] //~ pdec::resolve::unknown_name
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary x = 0: u = 0
solve {
  lr = -1 //~ pdec::settings::out_of_range
}
