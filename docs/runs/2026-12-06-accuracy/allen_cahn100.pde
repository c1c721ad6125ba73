// Allen-Cahn in 100 dimensions (Han, Jentzen and E 2018: u(0.3, 0) = 0.052802), as a user
// writes it: a box cut from the whole space, no boundary data.
problem allen_cahn
const d = 100
time t in [0, 0.3]
space x in [-4, 4]^d
unknown u(t, x)
boundary none
pde d(u, t) = lap(u) + u - u^3
initial u = 1 / (2 + 0.4 * norm2(x))
report u(0.3, x = 0)
