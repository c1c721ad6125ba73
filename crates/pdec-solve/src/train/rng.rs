//! The random streams of a training: points keyed by seed and step ([`step_rng`]), the
//! Monte Carlo noise on a stream of its own ([`NOISE_KEY`]), so that neither depends on
//! anything else (resumed runs and more ranks draw the same).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Separates the Monte Carlo noise's random stream from the points'.
pub(super) const NOISE_KEY: u64 = 0x6e6f_6973_6520_6b65;

/// Sampler RNG for a step: keyed by seed and step, so that a run's points do not depend on
/// anything but these two (resumed runs and more ranks draw the same points).
pub fn step_rng(seed: u64, step: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step);
    rng
}
