//! Did-you-mean suggestions and habits carried over from other notations.
//!
//! Suggestions are deterministic: the same input gives the same suggestion on every run and
//! machine. The rule (documented in `docs/DIAGNOSTICS.md`): among the plausible candidates,
//! the smallest edit distance (a change of case alone counts as 0), then a candidate of the
//! kind the position wants, then the earliest in the order the caller gives. Callers give
//! candidates in a fixed order (declaration order, a table's order), never a hash map's.

/// How far `c` is from `name`, if it is close enough to be a plausible typo: the
/// Damerau-Levenshtein distance, or 0 when only the case differs.
pub fn typo_distance(name: &str, c: &str) -> Option<usize> {
    if c == name {
        return None;
    }
    if c.eq_ignore_ascii_case(name) {
        return Some(0);
    }
    let dist = strsim::damerau_levenshtein(name, c);
    let limit = (name.len().max(c.len()) / 3).max(1);
    // Replacing every letter of a short name is not a typo (`y` is not "close" to `t`).
    (dist <= limit && dist < name.len().min(c.len())).then_some(dist)
}

/// The closest plausible candidate: the smallest [`typo_distance`], then one that
/// `preferred` accepts, then the first in the order given.
pub fn closest<'a, T: Copy>(
    name: &str,
    candidates: impl IntoIterator<Item = (&'a str, T)>,
    preferred: impl Fn(T) -> bool,
) -> Option<(&'a str, T)> {
    // The key of the best so far: distance, then not preferred (false sorts first).
    let mut best_key = (usize::MAX, true);
    let mut best = None;
    for (c, t) in candidates {
        let Some(dist) = typo_distance(name, c) else {
            continue;
        };
        let key = (dist, !preferred(t));
        if best.is_none() || key < best_key {
            best_key = key;
            best = Some((c, t));
        }
    }
    best
}

/// The closest candidate to `name`, if it is close enough to be a plausible typo; ties go
/// to the earlier candidate.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates.into_iter().map(|c| (c, ())), |_| true).map(|(c, _)| c.to_string())
}

/// A hint for a name written in another notation: `u_xx`, `u_t`, `x1`, `nabla`.
pub fn notation_habit(name: &str, unknown: Option<&str>, vectors: &[String]) -> Option<String> {
    if let Some(u) = unknown
        && let Some(rest) = name.strip_prefix(u).and_then(|r| r.strip_prefix('_'))
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphabetic())
    {
        let vars: Vec<String> = rest.chars().map(|c| c.to_string()).collect();
        return Some(format!(
            "derivatives are written with `d`: write `d({u}, {})`",
            vars.join(", ")
        ));
    }
    for v in vectors {
        if let Some(rest) = name.strip_prefix(v.as_str())
            && !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_digit())
        {
            return Some(format!(
                "`{v}` is a vector: write `{v}[{rest}]` for its component (indices start at 1)"
            ));
        }
    }
    match name {
        "nabla" | "gradient" => Some("write `grad(u)`".into()),
        "laplacian" | "laplace" | "Delta" => Some("write `lap(u)`".into()),
        "ln" => Some("the natural logarithm is `log`".into()),
        "PI" | "Pi" | "M_PI" => Some("the constant is `pi`".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("nuu", ["nu", "alpha"]).as_deref(), Some("nu"));
        assert_eq!(did_you_mean("zeta", ["nu", "alpha"]), None);
        assert_eq!(did_you_mean("Sigma", ["sigma"]).as_deref(), Some("sigma"));
    }

    #[test]
    fn ties_go_to_the_preferred_kind_then_the_first() {
        // `sin`, `sinh` and `sign` are all one edit from `sinn`: the order given decides.
        let order = ["exp", "sin", "sinh", "sign"];
        assert_eq!(did_you_mean("sinn", order).as_deref(), Some("sin"));
        let rev = ["sign", "sinh", "sin"];
        assert_eq!(did_you_mean("sinn", rev).as_deref(), Some("sign"));
        // A closer candidate wins over a preferred one; at equal distance, the preferred.
        let kinds = [("t", false), ("tt", true)];
        assert_eq!(closest("T", kinds, |p| p), Some(("t", false)));
        let kinds = [("nx", false), ("nv", true)];
        assert_eq!(closest("nw", kinds, |p| p), Some(("nv", true)));
    }

    #[test]
    fn derivative_habits() {
        let h = notation_habit("u_xx", Some("u"), &[]).expect("hint");
        assert!(h.contains("d(u, x, x)"), "{h}");
        let h = notation_habit("x1", None, &["x".into()]).expect("hint");
        assert!(h.contains("x[1]"), "{h}");
    }
}
