//! Did-you-mean suggestions and habits carried over from other notations.

/// The closest candidate to `name`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let dist = strsim::damerau_levenshtein(name, c);
        let limit = (name.len().max(c.len()) / 3).max(1);
        let case_only = c.eq_ignore_ascii_case(name);
        // Replacing every letter of a short name is not a typo (`y` is not "close" to `t`).
        let plausible = dist <= limit && dist < name.len().min(c.len());
        if (plausible || case_only) && best.is_none_or(|(b, _)| dist < b) {
            best = Some((if case_only { 0 } else { dist }, c));
        }
    }
    best.map(|(_, c)| c.to_string())
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
    fn derivative_habits() {
        let h = notation_habit("u_xx", Some("u"), &[]).expect("hint");
        assert!(h.contains("d(u, x, x)"), "{h}");
        let h = notation_habit("x1", None, &["x".into()]).expect("hint");
        assert!(h.contains("x[1]"), "{h}");
    }
}
