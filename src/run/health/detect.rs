//! The four detectors of [`Health`], each on the windows it has kept, and their thresholds.

use super::{Finding, Health, SpreadReference};
use pdec_lang::plan::TermKind;

/// A term that kept more than 70% of its loss over a span has stopped falling: a term being
/// fitted falls by far more over a fifth of the run, and window medians of minibatch losses
/// wander by 10-20%.
const FLAT: f64 = 0.7;
/// A term still above a tenth of its starting loss has not been met.
const UNMET: f64 = 0.1;
/// Another term dominates when its weighted loss is ten times this one's: its gradient then
/// swamps this term's.
const DOMINATES: f64 = 10.0;
/// A term below 1% of the weighted total does not matter to it (a condition met at the
/// start, such as a Neumann face of a flat network, stays flat at a tiny loss).
const NEGLIGIBLE: f64 = 0.01;
/// The network is near a constant when its output varies by less than a tenth of the exact
/// solution's spread (or of a condition's misfit, its root mean square residual) ...
const CONSTANT_SPREAD: f64 = 0.1;
/// ... at this many window ends in a row.
const CONSTANT_READINGS: usize = 3;
/// The schedule has decayed once the learning rate is below a tenth of `lr`: Adam then
/// moves the weights by a tenth of what it did.
const DECAYED: f64 = 0.1;
/// A condition is far from met when it kept a quarter of its starting loss (and is not
/// negligible in the total), or dominates the total (half of it) having fallen less than
/// twentyfold.
const KEPT: f64 = 0.25;
const DOMINANT_SHARE: f64 = 0.5;
const DOMINANT_KEPT: f64 = 0.05;
/// The constraint's violation grows when its window median rose two windows in a row to
/// four times the lowest it reached before.
const GROWN: f64 = 4.0;

impl Health {
    /// `term_stalled`: terms flat over the span, far from their start, not negligible, while
    /// another term's weighted loss was ten times theirs at the span's start or the run's.
    /// The constraint has its own detector (its violation grows rather than stalls).
    pub(super) fn stalled(&self) -> Option<Finding> {
        let (old, now) = self.span_ends()?;
        let start = self.start.as_ref()?;
        let t = &self.terms;
        let dominant = |k: usize, m: usize, at: &[f64]| {
            t[m].weight * at[m] >= DOMINATES * t[k].weight * at[k] && at[k] > 0.0
        };
        let mut stalled = Vec::new();
        let mut by: Option<(usize, f64)> = None;
        for k in (0..t.len()).filter(|&k| t[k].kind != TermKind::Constraint) {
            let flat = now.medians[k] >= FLAT * old.medians[k];
            let unmet = now.medians[k] >= UNMET * start[k];
            if !(flat && unmet && now.share(t, k) >= NEGLIGIBLE) {
                continue;
            }
            let over = (0..t.len()).filter(|&m| m != k).find_map(|m| {
                let at = [&old.medians[..], &start[..]]
                    .into_iter()
                    .find(|at| dominant(k, m, at))?;
                Some((m, t[m].weight * at[m] / (t[k].weight * at[k])))
            });
            if let Some(o) = over {
                stalled.push(k);
                by = by.filter(|b| b.1 >= o.1).or(Some(o));
            }
        }
        let (m, ratio) = by?;
        let names: Vec<String> = stalled.iter().map(|&k| t[k].name.clone()).collect();
        let k = stalled[0];
        let quoted = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
        Some(Finding {
            code: "pdec::health::term_stalled",
            message: format!(
                "the loss term{} {} stopped falling between steps {} and {} ({} {:.3e} -> {:.3e}, {:.0}% of its start) while `{}` dominated the total ({ratio:.0} times its weighted loss)",
                if names.len() > 1 { "s" } else { "" },
                quoted.join(", "),
                old.end,
                now.end,
                t[k].name,
                old.medians[k],
                now.medians[k],
                100.0 * now.medians[k] / start[k].max(f64::MIN_POSITIVE),
                t[m].name,
            ),
            hint: format!(
                "raise {} (by about the ratio, x{}) so that the terms start balanced, or let `balance = gradients()` keep them so; a condition can also be imposed exactly with an `ansatz`",
                names
                    .iter()
                    .map(|n| format!("`{}`", weight_key(n)))
                    .collect::<Vec<_>>()
                    .join(", "),
                round_ratio(ratio)
            ),
            terms: names,
            step: now.end,
        })
    }

    /// The latest window's spread reading, what it is compared with, and that in words.
    fn spread_reading(&self) -> Option<(f64, f64, String)> {
        let t = &self.terms;
        let now = self.recent.back()?;
        let (reference, against) = match self.reference {
            SpreadReference::Off => return None,
            SpreadReference::Exact(s) => (s, "the exact solution's spread".to_string()),
            SpreadReference::Conditions => {
                let k = (0..t.len())
                    .filter(|&k| is_condition(t[k].kind))
                    .max_by(|&a, &b| now.medians[a].total_cmp(&now.medians[b]))?;
                (
                    now.medians[k].sqrt(),
                    format!("the misfit of `{}` (its root mean square)", t[k].name),
                )
            }
        };
        Some((now.spread?, reference, against))
    }

    /// `constant_output`: the network's spread below a tenth of the reference at
    /// [`CONSTANT_READINGS`] window ends in a row, while the weighted total is flat.
    pub(super) fn constant(&mut self) -> Option<Finding> {
        let (spread, reference, against) = self.spread_reading()?;
        self.low_spread = match spread < CONSTANT_SPREAD * reference {
            true => self.low_spread + 1,
            false => 0,
        };
        let t = &self.terms;
        let (old, now) = self.span_ends()?;
        let flat = now.total(t) >= FLAT * old.total(t);
        if self.low_spread < CONSTANT_READINGS || !flat {
            return None;
        }
        let conditions: Vec<usize> = (0..t.len()).filter(|&k| is_condition(t[k].kind)).collect();
        let names: Vec<String> = conditions.iter().map(|&k| t[k].name.clone()).collect();
        let weights = match names.is_empty() {
            true => "`weight.pde`".to_string(),
            false => names
                .iter()
                .map(|n| format!("`{}`", weight_key(n)))
                .collect::<Vec<_>>()
                .join(", "),
        };
        Some(Finding {
            code: "pdec::health::constant_output",
            message: format!(
                "the network sits near a constant: its output's standard deviation over interior points is {spread:.3e}, under {:.0}% of {against} ({reference:.3e}), at {} window ends in a row while the loss stopped falling",
                CONSTANT_SPREAD * 100.0,
                self.low_spread
            ),
            hint: format!(
                "the equation's term swamped the conditions early on: raise {weights} (or set `balance = gradients()`), impose the conditions with an `ansatz`, or lower `lr`; a larger `net` helps when it is small"
            ),
            terms: names,
            step: now.end,
        })
    }

    /// `lr_decayed_early`: the learning rate below a tenth of `lr` while a condition kept a
    /// quarter of its starting loss, or dominates the total having fallen little.
    pub(super) fn lr_decayed(&self) -> Option<Finding> {
        let now = self.recent.back()?;
        let start = self.start.as_ref()?;
        if now.lr >= DECAYED * self.lr {
            return None;
        }
        let t = &self.terms;
        let unmet: Vec<usize> = (0..t.len())
            .filter(|&k| is_condition(t[k].kind) && start[k] > 0.0)
            .filter(|&k| {
                let (kept, share) = (now.medians[k] / start[k], now.share(t, k));
                (kept >= KEPT && share >= NEGLIGIBLE)
                    || (share >= DOMINANT_SHARE && kept >= DOMINANT_KEPT)
            })
            .collect();
        let &k = unmet.first()?;
        let names: Vec<String> = unmet.iter().map(|&k| t[k].name.clone()).collect();
        Some(Finding {
            code: "pdec::health::lr_decayed_early",
            message: format!(
                "the learning rate fell to {:.1e}, under {:.0}% of `lr` ({:.1e}), while the condition `{}` still has {:.0}% of its starting loss ({:.3e}) and {:.0}% of the total",
                now.lr,
                DECAYED * 100.0,
                self.lr,
                t[k].name,
                100.0 * now.medians[k] / start[k],
                now.medians[k],
                100.0 * now.share(t, k)
            ),
            hint: format!(
                "give the conditions time before the schedule decays: more `steps`, a slower `lr_schedule` (a larger `min_lr`, or `constant`), or raise {}",
                names
                    .iter()
                    .map(|n| format!("`{}`", weight_key(n)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            terms: names,
            step: now.end,
        })
    }

    /// `constraint_growing`: the constraint's window median rose two windows in a row to
    /// [`GROWN`] times the lowest before them, and is not negligible in the total.
    pub(super) fn constraint_growing(&mut self) -> Option<Finding> {
        let t = &self.terms;
        let k = t.iter().position(|t| t.kind == TermKind::Constraint)?;
        let n = self.recent.len();
        if n < 3 {
            return None;
        }
        let (a, b, c) = (
            &self.recent[n - 3],
            &self.recent[n - 2],
            &self.recent[n - 1],
        );
        self.constraint_low = self.constraint_low.min(a.medians[k]);
        let low = self.constraint_low;
        let rising = a.medians[k] <= b.medians[k] && b.medians[k] <= c.medians[k];
        if !(rising && c.medians[k] >= GROWN * low && c.share(t, k) >= NEGLIGIBLE) {
            return None;
        }
        Some(Finding {
            code: "pdec::health::constraint_growing",
            message: format!(
                "the free-boundary violation (`{}`) grew to {:.3e} by step {}, {:.1} times the lowest it reached ({low:.3e}), rising over the last two windows",
                t[k].name,
                c.medians[k],
                c.end,
                c.medians[k] / low.max(f64::MIN_POSITIVE)
            ),
            hint: format!(
                "raise `{}`, lower `lr` (or decay it sooner with `lr_schedule`), or try another `free_boundary` form",
                weight_key(&t[k].name)
            ),
            terms: vec![t[k].name.clone()],
            step: c.end,
        })
    }
}

/// Conditions: the terms that fit data (not the equation, not the constraint).
fn is_condition(kind: TermKind) -> bool {
    matches!(
        kind,
        TermKind::Initial | TermKind::Terminal | TermKind::Boundary | TermKind::Periodic
    )
}

/// The setting key of a term's weight: `weight.initial`, `weight."boundary x=0"`.
pub(super) fn weight_key(name: &str) -> String {
    match name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        true => format!("weight.{name}"),
        false => format!("weight.\"{name}\""),
    }
}

/// A ratio to one significant digit, for a hint (166 -> 200).
pub(super) fn round_ratio(r: f64) -> String {
    let p = 10f64.powf(r.log10().floor());
    format!("{}", (r / p).round() * p)
}
