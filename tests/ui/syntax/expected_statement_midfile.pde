// A misspelt keyword in the middle of a file is reported on its own line with a suggestion.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pd d(u, t) = d(u, x, x) //~ pdec::syntax::expected_statement
initial u = 0
boundary on(x): u = 0
