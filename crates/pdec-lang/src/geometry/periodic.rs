//! Exact periodicity through the network's inputs (`periodic_inputs = auto`).
//!
//! `periodic x[k]` as a loss term asks the network's values and slopes to agree on the two
//! faces: periodicity is then only approximate and competes with the equation. Instead the
//! network reads `cos(theta)` and `sin(theta)`, `theta = 2 pi (x_k - lo) / L`, in place of
//! the column `x_k` (whose input weights the solver holds at zero, as for a column a network
//! does not read): every function of them is periodic in `x_k` with all its derivatives, so
//! the pair terms of an unknown the network gives directly are dropped (`plan::periodic`).

use crate::ir::{Problem, Where};
use serde::Serialize;

/// One periodic coordinate's two inputs, `cos theta` and `sin theta`, after the holes'.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodicFeature {
    /// The coordinate as written (`x`, `x[1]`), for `pdec explain`.
    pub var: String,
    /// Its input column (the one the networks no longer read).
    #[serde(skip)]
    pub column: usize,
    pub lo: f64,
    pub hi: f64,
}

impl PeriodicFeature {
    /// `w = 2 pi / L`: `theta = w (x - lo)`.
    pub fn omega(&self) -> f64 {
        std::f64::consts::TAU / (self.hi - self.lo)
    }

    /// `(cos theta, sin theta)` at the coordinate's value `x`.
    pub fn value(&self, x: f64) -> (f64, f64) {
        let th = self.omega() * (x - self.lo);
        (th.cos(), th.sin())
    }
}

/// The features of the problem's periodic coordinates, in the order of their `periodic`
/// statements (a coordinate once); `space(v)` is space variable `v`'s columns `(offset, len)`
/// (`InputLayout::space`, which holds the features: passed in, not imported).
pub fn periodic_features(
    problem: &Problem,
    space: impl Fn(usize) -> Option<(usize, usize)>,
) -> Vec<PeriodicFeature> {
    let mut out: Vec<PeriodicFeature> = Vec::new();
    for c in &problem.conditions {
        let Where::Periodic { var, comp } = c.region else {
            continue;
        };
        let Some((offset, len)) = space(var) else {
            continue;
        };
        let k = comp.unwrap_or(0);
        let column = offset + k;
        if out.iter().any(|f| f.column == column) {
            continue;
        }
        let (lo, hi) = problem.space[var].domain.bounds()[k];
        let name = &problem.space[var].name;
        out.push(PeriodicFeature {
            var: match (comp, len) {
                (Some(k), n) if n > 1 => format!("{name}[{}]", k + 1),
                _ => name.clone(),
            },
            column,
            lo,
            hi,
        });
    }
    out
}
