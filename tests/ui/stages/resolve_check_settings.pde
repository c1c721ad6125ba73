// Independent errors of three stages in one file are all reported in one run, with their
// count; the statement with the unknown name adds nothing of its own.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) + w //~ pdec::resolve::unknown_name
initial u = sin(pi * x)
boundary x = 0: u = 0
boundary x = 1: u = 0
exact u = u + 1 //~ pdec::check::exact_depends_on_unknown
solve {
  stepz = 10 //~ pdec::settings::unknown_setting
}
