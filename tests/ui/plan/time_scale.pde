// A maturity written in days with a yearly volatility: the log-price would spread by
// 0.2 * sqrt(365) = 3.8 over the interval.
const sigma = 0.2
time t in [0, 365] //~ pdec::plan::time_scale
space s in [0.01, 3]
unknown u(t, s)
pde d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0
terminal u = max(s - 1, 0)
boundary s = 0.01: u = 0
boundary s = 3: u = 2
report u(0, s = 1)
