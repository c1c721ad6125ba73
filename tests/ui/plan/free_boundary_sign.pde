// A stationary obstacle problem: no time derivative, so the sign of the residual where
// the obstacle binds is not known and the variational loss cannot be set up.
space x in [-1, 1]
unknown u(x)
pde d(u, x, x) + 1 = 0
boundary on(x): u = 0
constraint u >= 0.1 - x^2
solve {
  free_boundary = variational //~ pdec::plan::free_boundary_sign
}
