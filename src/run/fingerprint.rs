//! The problem's fingerprint in `settings.json`: a hash of the run's `problem.pde`, recorded
//! when the run is made and checked by `pdec solve --resume`, so that a run whose problem was
//! replaced is refused rather than its network trained on another problem (and its loss.csv
//! given rows of another width).

use pdec_lang::diag::Diag;
use std::path::Path;

/// FNV-1a, 64 bits, as 16 hex digits. It detects an edited or replaced file, not an
/// adversary (who could edit settings.json as well); a stable hash of a few lines needs no
/// dependency, and std's `DefaultHasher` may change between Rust releases.
pub fn of(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `pdec::run::problem_changed`, saying `why`.
pub fn changed(why: &str) -> Diag {
    Diag::error(
        "pdec::run::problem_changed",
        format!("cannot resume: the run's problem changed since it was trained ({why})"),
    )
    .help("a run goes on only with the problem it was trained on: put its problem.pde back, or start a new run with `pdec solve RUN/problem.pde --out NEW_RUN`")
}

/// Checks the run's `problem.pde` against the fingerprint in its `settings.json` (a run from
/// before fingerprints has none, and passes).
pub fn check(dir: &Path, settings: &serde_json::Value) -> Result<(), Box<Diag>> {
    let Some(recorded) = settings.get("problem_fingerprint").and_then(|v| v.as_str()) else {
        return Ok(());
    };
    let text = std::fs::read_to_string(dir.join("problem.pde")).unwrap_or_default();
    match of(&text) == recorded {
        true => Ok(()),
        false => Err(Box::new(changed(
            "problem.pde is not the file settings.json recorded",
        ))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fingerprint_is_stable_and_sees_one_byte() {
        assert_eq!(super::of(""), "cbf29ce484222325");
        assert_ne!(super::of("width = 8"), super::of("width = 9"));
    }
}
