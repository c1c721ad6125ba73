// A problem that declares no unknown. //~ pdec::check::missing_unknown
time t in [0, 1]
