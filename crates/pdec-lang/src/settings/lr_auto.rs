//! The policy of `lr = auto`, read by the probe that carries it out
//! (`pdec_solve::train::lr_probe`) and by `pdec explain`, which says beforehand what the
//! probe will try.

/// The learning rates the probe tries, in increasing order (a tie goes to the smaller).
pub const CANDIDATES: [f64; 3] = [1e-3, 3e-3, 1e-2];

/// Runs shorter than this take [`WITHOUT_PROBE`] without a probe: the probe would cost
/// more steps than such a run has to gain from it.
pub const MIN_STEPS: u64 = 200;

/// The rate of an `lr = auto` run too short to probe (the default before `auto` existed).
pub const WITHOUT_PROBE: f64 = 1e-3;

/// The probe's length, per candidate, for a run of `steps` steps: a twentieth of the run,
/// 10 to 200 steps.
pub fn probe_steps(steps: u64) -> u64 {
    (steps / 20).clamp(10, 200)
}

/// Whether a new run of `steps` steps with `lr = auto` probes.
pub fn probes(steps: u64) -> bool {
    steps >= MIN_STEPS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_is_a_twentieth_of_the_run_within_bounds() {
        assert_eq!(probe_steps(200), 10);
        assert_eq!(probe_steps(2_000), 100);
        assert_eq!(probe_steps(100_000), 200);
        assert!(!probes(199) && probes(200));
    }
}
