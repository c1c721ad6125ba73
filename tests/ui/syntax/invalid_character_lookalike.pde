// Characters outside ASCII are named by code point and what they look like. Comments may
// hold any text: Péclet, Schrödinger, σ, ∂u/∂t, “quotes” — all fine here.
time t in [0, 1]
space x in [0, 1]
unknown u(t, x)
pde d(u, t) = d(u, x, x) /* ∇²u */
initial u = sin(pi * х) //~ pdec::syntax::invalid_character
boundary on(x): u = 0
const νelocity = 1 //~ pdec::syntax::invalid_character
const σ = 0.2 //~ pdec::syntax::invalid_character
const Péclet = 10 //~ pdec::syntax::invalid_character
const width = （1 + 2) //~ pdec::syntax::invalid_character
const gap = 1 – 2 //~ pdec::syntax::invalid_character
const tab = 1 + 2 //~ pdec::syntax::invalid_character
const zw = 1 +​ 2 //~ pdec::syntax::invalid_character
const cjk = 1 + 中 //~ pdec::syntax::invalid_character
reference “data.csv” //~ pdec::syntax::invalid_character pdec::syntax::invalid_character
