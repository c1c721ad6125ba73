// A string not closed on its line is reported at its opening quote.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = sin(pi * x)
boundary on(x): u = 0
reference "heat.csv //~ pdec::syntax::unterminated_string
