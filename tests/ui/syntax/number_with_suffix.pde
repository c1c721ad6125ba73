// A number glued to a word is reported at the token: settings take plain numbers (seconds).
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
solve {
  time_limit = 10min //~ pdec::syntax::number_with_suffix
  steps = 1e4x //~ pdec::syntax::number_with_suffix
  lr = 3e-3abc //~ pdec::syntax::number_with_suffix
  batch = 1_000 //~ pdec::syntax::number_with_suffix
}
