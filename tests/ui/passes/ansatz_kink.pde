// A payoff's kink in an ansatz: its second derivative is a delta at the strike that the
// PDE's pointwise residual would never see, so the problem would change silently.
time t in [0, 1]
space s in [0.2, 3]
unknown u(t, s)
pde d(u, t) + 0.045 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0
terminal u = max(1 - s, 0)
boundary s = 0.2: u = 0.8
boundary s = 3: u = 0
ansatz u = max(1 - s, 0) + (1 - t) * net //~ pdec::passes::ansatz_not_differentiable
