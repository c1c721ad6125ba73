// An ansatz for a coefficient function, whose range is its ansatz already.
space x in [0, 1]
unknown u(x)
unknown coef k(x) in [0.1, 2]
pde -d(u, x, x) + k * u = 1
boundary on(x): u = 0
observe u from "obs.csv"
ansatz k = 1 + net //~ pdec::check::coefficient_function_ansatz
