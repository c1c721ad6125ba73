// A second-order equation with its initial velocity but no initial value.
time t in [0, 1]
space x in [-1, 1]
unknown w(t, x)
pde d(w, t, t) + 0.1 * d(w, t) = 4 * d(w, x, x)
initial d(w, t) = 0 //~ pdec::check::missing_time_condition
boundary on(x): w = 0
