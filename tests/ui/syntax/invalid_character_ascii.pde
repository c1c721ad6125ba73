// ASCII the language does not use gets what other languages mean by it.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x)
initial u = if x > 0.25 && x < 0.75 then 1 else 0 //~ pdec::syntax::invalid_character
boundary on(x): u = 0
# solver settings //~ pdec::syntax::invalid_character
