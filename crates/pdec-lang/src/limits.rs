//! The size limits on inputs and on the work they ask for, in one table: each is checked
//! before anything is allocated, and a refusal names the size, the limit and the
//! `--limit NAME=VALUE` option that raises it (docs/RELIABILITY.md lists them). The values
//! are process-wide: the command line installs them once, before any command runs
//! ([`install`]); until then every limit is its default.

use std::sync::atomic::{AtomicU64, Ordering};

/// One limit: its name on the command line, its default and what it bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Bytes of a `.pde` problem file.
    ProblemBytes,
    /// Bytes of a `reference` table or a `--points` file.
    TableBytes,
    /// Expression nodes a problem expands to (functions calling functions can double it at
    /// every level).
    ExpressionNodes,
    /// Elements of one constant vector or matrix.
    ConstantElements,
    /// Points of an `eval`, `plot` or `export` grid.
    GridPoints,
    /// Rows of a `pdec reference` table.
    ReferenceRows,
    /// Finite-difference profiles of `pdec reference burgers-family`.
    ReferenceProfiles,
    /// Normal draws of `pdec reference hjb` (`--samples` times `--d`).
    ReferenceDraws,
    /// Nodes of `pdec reference american`'s finite-difference grid.
    ReferenceNodes,
    /// Seeds of one `pdec solve --seeds` group.
    Seeds,
}

/// Every limit, in the order docs/RELIABILITY.md lists them.
pub const ALL: [Limit; 10] = [
    Limit::ProblemBytes,
    Limit::TableBytes,
    Limit::ExpressionNodes,
    Limit::ConstantElements,
    Limit::GridPoints,
    Limit::ReferenceRows,
    Limit::ReferenceProfiles,
    Limit::ReferenceDraws,
    Limit::ReferenceNodes,
    Limit::Seeds,
];

const MIB: u64 = 1 << 20;

impl Limit {
    /// The name `--limit NAME=VALUE` takes.
    pub fn name(self) -> &'static str {
        match self {
            Limit::ProblemBytes => "problem_bytes",
            Limit::TableBytes => "table_bytes",
            Limit::ExpressionNodes => "expression_nodes",
            Limit::ConstantElements => "constant_elements",
            Limit::GridPoints => "grid_points",
            Limit::ReferenceRows => "reference_rows",
            Limit::ReferenceProfiles => "reference_profiles",
            Limit::ReferenceDraws => "reference_draws",
            Limit::ReferenceNodes => "reference_nodes",
            Limit::Seeds => "seeds",
        }
    }

    /// The value when `--limit` does not set it: what real problems need, many times over,
    /// and small enough that reaching it costs seconds and a few hundred MB at most.
    pub fn default_value(self) -> u64 {
        match self {
            Limit::ProblemBytes => 4 * MIB,
            Limit::TableBytes => 256 * MIB,
            Limit::ExpressionNodes => 200_000,
            Limit::ConstantElements => 9_000_000,
            Limit::GridPoints => 20_000_000,
            Limit::ReferenceRows => 10_000_000,
            Limit::ReferenceProfiles => 10_000,
            Limit::ReferenceDraws => 10_000_000_000,
            Limit::ReferenceNodes => 10_000_000,
            Limit::Seeds => 1024,
        }
    }

    /// Whether the value is a size in bytes (`--limit` then takes `KiB`, `MiB`, `GiB`).
    pub fn is_bytes(self) -> bool {
        matches!(self, Limit::ProblemBytes | Limit::TableBytes)
    }

    /// What it bounds, in words (for docs and `--limit`'s errors).
    pub fn what(self) -> &'static str {
        match self {
            Limit::ProblemBytes => "bytes of a `.pde` problem file",
            Limit::TableBytes => "bytes of a `reference` table or a `--points` file",
            Limit::ExpressionNodes => "expression nodes a problem expands to",
            Limit::ConstantElements => "elements of one constant vector or matrix",
            Limit::GridPoints => "points of an `eval`, `plot` or `export` grid",
            Limit::ReferenceRows => "rows of a `pdec reference` table",
            Limit::ReferenceProfiles => "finite-difference profiles of `reference burgers-family`",
            Limit::ReferenceDraws => "normal draws of `reference hjb` (`--samples` times `--d`)",
            Limit::ReferenceNodes => "nodes of `reference american`'s finite-difference grid",
            Limit::Seeds => "seeds of one `pdec solve --seeds` group",
        }
    }

    /// The value in force.
    pub fn get(self) -> u64 {
        match VALUES[self as usize].load(Ordering::Relaxed) {
            0 => self.default_value(),
            v => v,
        }
    }

    /// The value in force as a `usize` (saturating on 32-bit targets).
    pub fn get_usize(self) -> usize {
        usize::try_from(self.get()).unwrap_or(usize::MAX)
    }

    /// The value in force as the user writes it (`4 MiB`, `10000000`).
    pub fn shown(self) -> String {
        show(self, self.get())
    }

    /// The sentence a refusal ends with: the limit in force and the option that raises it.
    pub fn raise_hint(self) -> String {
        format!(
            "the limit is {}; `--limit {}={}` raises it",
            self.shown(),
            self.name(),
            show(self, self.get().saturating_mul(4))
        )
    }
}

/// The values set by [`install`]; 0 means the default.
static VALUES: [AtomicU64; ALL.len()] = [const { AtomicU64::new(0) }; ALL.len()];

fn show(limit: Limit, v: u64) -> String {
    match limit.is_bytes() {
        true if v >= MIB && v.is_multiple_of(MIB) => format!("{}MiB", v / MIB),
        true if v >= 1024 && v.is_multiple_of(1024) => format!("{}KiB", v / 1024),
        true => format!("{v} bytes"),
        false => v.to_string(),
    }
}

/// Why a `--limit NAME=VALUE` was refused (the command line turns it into a diagnostic).
#[derive(Debug, PartialEq, Eq)]
pub enum BadLimit {
    /// No `=`, or nothing on one side of it.
    Form,
    UnknownName(String),
    /// Not a whole number of at least 1 (with a byte suffix for byte limits).
    Value(Limit, String),
}

impl std::fmt::Display for BadLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadLimit::Form => write!(f, "a limit is written NAME=VALUE"),
            BadLimit::UnknownName(n) => write!(f, "there is no limit named `{n}`"),
            BadLimit::Value(l, v) if l.is_bytes() => write!(
                f,
                "`{v}` is not a size for `{}` (a whole number of bytes, or with KiB, MiB, GiB)",
                l.name()
            ),
            BadLimit::Value(l, v) => write!(
                f,
                "`{v}` is not a count for `{}` (a whole number of at least 1, e.g. 20000000 or 2e7)",
                l.name()
            ),
        }
    }
}

/// Reads `NAME=VALUE`: `table_bytes=1GiB`, `grid_points=5e7`.
pub fn parse(text: &str) -> Result<(Limit, u64), BadLimit> {
    let (name, value) = text.split_once('=').ok_or(BadLimit::Form)?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || value.is_empty() {
        return Err(BadLimit::Form);
    }
    let limit = ALL
        .into_iter()
        .find(|l| l.name() == name)
        .ok_or_else(|| BadLimit::UnknownName(name.to_string()))?;
    let bad = || BadLimit::Value(limit, value.to_string());
    let (number, unit) = match limit.is_bytes() {
        true => {
            let split = value
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(value.len());
            let unit = match value[split..].trim() {
                "" | "B" => 1,
                "K" | "KiB" | "k" => 1 << 10,
                "M" | "MiB" => MIB,
                "G" | "GiB" => 1 << 30,
                "T" | "TiB" => 1 << 40,
                _ => return Err(bad()),
            };
            (value[..split].trim(), unit)
        }
        false => (value, 1),
    };
    let x: f64 = number.parse().map_err(|_| bad())?;
    let v = x * unit as f64;
    // Whole, at least 1, and exactly representable (below 2^53).
    if !v.is_finite() || v < 1.0 || v.fract() != 0.0 || v > 9.007_199_254_740_992e15 {
        return Err(bad());
    }
    Ok((limit, v as u64))
}

/// Sets the limits for the rest of the process (the command line's `--limit` options).
pub fn install(limits: &[(Limit, u64)]) {
    for (l, v) in limits {
        VALUES[*l as usize].store(*v, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_limit_is_listed_once() {
        for (i, l) in ALL.iter().enumerate() {
            assert_eq!(*l as usize, i, "ALL is in declaration order");
            assert_eq!(ALL.iter().filter(|m| m.name() == l.name()).count(), 1);
            assert!(l.default_value() >= 1);
        }
    }

    #[test]
    fn values_parse_with_units_for_bytes_and_whole_counts() {
        assert_eq!(parse("table_bytes=1GiB"), Ok((Limit::TableBytes, 1 << 30)));
        assert_eq!(
            parse("table_bytes = 512M"),
            Ok((Limit::TableBytes, 512 * MIB))
        );
        assert_eq!(
            parse("problem_bytes=1.5KiB"),
            Ok((Limit::ProblemBytes, 1536))
        );
        assert_eq!(parse("problem_bytes=100"), Ok((Limit::ProblemBytes, 100)));
        assert_eq!(
            parse("grid_points=5e7"),
            Ok((Limit::GridPoints, 50_000_000))
        );
        assert_eq!(parse("seeds=4096"), Ok((Limit::Seeds, 4096)));
        assert_eq!(parse("seeds"), Err(BadLimit::Form));
        assert_eq!(parse("=3"), Err(BadLimit::Form));
        assert_eq!(parse("seed=3"), Err(BadLimit::UnknownName("seed".into())));
        for bad in [
            "seeds=0",
            "seeds=1.5",
            "seeds=-3",
            "seeds=1e300",
            "seeds=nan",
            "seeds=5MiB",
            "table_bytes=3XB",
            "table_bytes=0.3",
        ] {
            assert!(
                matches!(parse(bad), Err(BadLimit::Value(..))),
                "{bad}: {:?}",
                parse(bad)
            );
        }
    }

    #[test]
    fn the_hint_names_the_limit_and_a_larger_value_that_parses() {
        for l in ALL {
            let hint = l.raise_hint();
            let option = hint.split('`').nth(1).expect("quoted option");
            let option = option.strip_prefix("--limit ").expect("--limit");
            let (got, v) = parse(option).expect("the hint's value parses");
            assert_eq!(got, l);
            assert!(v > l.default_value(), "{hint}");
            assert!(hint.contains(&l.shown()), "{hint}");
        }
        assert_eq!(
            Limit::ProblemBytes.raise_hint(),
            "the limit is 4MiB; `--limit problem_bytes=16MiB` raises it"
        );
    }
}
