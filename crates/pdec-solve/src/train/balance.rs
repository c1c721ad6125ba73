//! Adaptive multipliers of the loss terms' weights (`balance`): the state the run loop
//! carries from step to step ([`TermBalance`]), what a step must measure for it (each term's
//! gradient norm, on the steps that need it) and how it moves after a step. The step weighs
//! term `i` by `weight.NAME * multipliers[i]`; with `balance = none` every multiplier stays 1
//! (and `x * 1.0` keeps the bits of a run without balancing).

use crate::train::rng::step_rng;
use pdec_lang::settings::Balance;
use rand::RngExt;

/// The stream of ReLoBRaLo's lookback draws (apart from the points' and the noise's).
const LOOKBACK_KEY: u64 = 0x6261_6c61_6e63_6521;

/// Largest ratio between two multipliers: a term whose gradient vanishes (a condition met
/// exactly) must not get an unbounded weight.
const MAX_RATIO: f64 = 1e6;

/// `balance = auto` turns gradient balancing on where the PDE's gradient is at least this
/// many times a condition's at the start. Measured on the first step (docs/RESULTS.md,
/// "Balancing by default where a condition is swamped"): at 10 or more balancing lowered the
/// error of every problem measured, 3 seeds each (the 100-D heat equation 421: 0.63 to 0.12
/// at 1,500 steps; the 5-D heat box 58: 1.7e-2 to 9.8e-4; a 2-D Poisson 58: 7.2e-2 to
/// 1.7e-3; Poisson with mixed conditions 23: 8.9e-4 to 6.2e-5; the 1-D heat 21: 8.1e-3 to
/// 1.6e-3); below it are the European call (4), whose error balancing doubles, Burgers (5.6)
/// and the heat ball (5.4), which train as with `none`.
pub const AUTO_RATIO: f64 = 10.0;

/// What `balance = auto` turns on.
pub const AUTO_GRADIENTS: Balance = Balance::Gradients {
    every: 10,
    alpha: 0.9,
};

/// The largest `|g_pde| / |g_i|` over the plan's conditions (initial, terminal, boundary and
/// periodic terms: not a free-boundary constraint, whose gradient is small where the network
/// starts above the obstacle, nothing to balance), from each term's gradient norm in plan
/// order; `None` without a PDE term or a condition with a gradient.
pub fn condition_ratio(plan: &pdec_lang::plan::Plan, norms: &[f64]) -> Option<f64> {
    use pdec_lang::plan::TermKind;
    let pde = plan.terms.iter().position(|t| t.kind == TermKind::Pde)?;
    let g_pde = *norms.get(pde)?;
    plan.terms
        .iter()
        .zip(norms)
        .filter(|(t, n)| {
            matches!(
                t.kind,
                TermKind::Initial | TermKind::Terminal | TermKind::Boundary | TermKind::Periodic
            ) && n.is_finite()
                && **n > 0.0
        })
        .map(|(_, n)| g_pde / n)
        .filter(|r| r.is_finite())
        .reduce(f64::max)
}

/// What `balance = auto` resolves to for a starting ratio ([`condition_ratio`]).
pub fn resolve_auto(ratio: Option<f64>) -> Balance {
    match ratio {
        Some(r) if r >= AUTO_RATIO => AUTO_GRADIENTS,
        _ => Balance::None,
    }
}

/// The multipliers and what ReLoBRaLo remembers of the losses.
#[derive(Clone, Debug, PartialEq)]
pub struct TermBalance {
    pub method: Balance,
    /// The PDE term, whose multiplier gradient balancing keeps at 1 (the others are
    /// measured against it).
    pub pde: Option<usize>,
    /// One per plan term, in plan order.
    pub multipliers: Vec<f64>,
    /// Terms gradient balancing leaves at 1, one flag per plan term: a free-boundary
    /// constraint, whose gradient is near zero wherever the network sits above the obstacle
    /// (most of a run), so that its target `|g_pde| / |g_i|` grows without bound and the
    /// first touch of the obstacle then kicks the network with that weight (measured: an
    /// American put's constraint multiplier rose to 4.5e5 and the PDE term stopped falling,
    /// docs/RESULTS.md, "Free boundaries keep their written weight").
    pub held: Vec<bool>,
    /// ReLoBRaLo: the losses of the first step and of the last.
    pub first: Vec<f64>,
    pub last: Vec<f64>,
    /// Whether the multipliers were ever measured (gradients: the first update takes the
    /// measurement as it is).
    pub measured: bool,
}

impl TermBalance {
    /// `terms` multipliers at 1; `pde`, the PDE term's index, is the one the others are
    /// measured against.
    pub fn new(method: Balance, pde: Option<usize>, terms: usize) -> TermBalance {
        TermBalance {
            method,
            pde,
            multipliers: vec![1.0; terms],
            held: vec![false; terms],
            first: Vec::new(),
            last: Vec::new(),
            measured: false,
        }
    }

    /// The balance of `plan`'s terms, measured against its PDE term.
    pub fn for_plan(method: Balance, plan: &pdec_lang::plan::Plan) -> TermBalance {
        let pde = plan
            .terms
            .iter()
            .position(|t| t.kind == pdec_lang::plan::TermKind::Pde);
        let mut balance = TermBalance::new(method, pde, plan.terms.len());
        balance.held = plan
            .terms
            .iter()
            .map(|t| t.kind == pdec_lang::plan::TermKind::Constraint)
            .collect();
        balance
    }

    /// Whether the multipliers change at all (an unresolved `auto` is off).
    pub fn is_on(&self) -> bool {
        !matches!(self.method, Balance::None | Balance::Auto)
    }

    /// Whether step `step` must measure each term's gradient norm.
    pub fn wants_gradient_norms(&self, step: u64) -> bool {
        matches!(self.method, Balance::Gradients { every, .. } if step.is_multiple_of(every))
    }

    /// Moves the multipliers after step `step`, from its term values (summed over the
    /// ranks) and, on the steps that measured them, each term's gradient norm.
    pub fn update(&mut self, step: u64, values: &[f64], norms: Option<&[f64]>, seed: u64) {
        match self.method {
            Balance::None | Balance::Auto => {}
            Balance::Gradients { alpha, .. } => {
                if let Some(norms) = norms {
                    self.toward_gradient_norms(norms, alpha);
                }
            }
            Balance::Relobralo {
                temperature,
                alpha,
                lookback,
            } => {
                let rho = step_rng(seed ^ LOOKBACK_KEY, step).random_bool(lookback);
                self.relobralo(values, temperature, alpha, rho);
            }
        }
    }

    /// `lambda_i <- alpha lambda_i + (1 - alpha) target_i`, the target `max(1, |g_pde| /
    /// |g_i|)` (1 for the PDE term): a term whose gradient the PDE's swamps is raised until
    /// they match, and none is lowered below its written weight: a condition that cannot be
    /// met exactly (kinked terminal data) keeps a large gradient, and lowering it would trade
    /// its fit for the PDE's. Without a PDE term, `sum_j |g_j| / |g_i|`. A term with no
    /// gradient (or a non-finite one) keeps its multiplier, and so does a held term.
    fn toward_gradient_norms(&mut self, norms: &[f64], alpha: f64) {
        let total: f64 = norms.iter().filter(|n| n.is_finite()).sum();
        if total <= 0.0 || !total.is_finite() {
            return;
        }
        let reference = self.pde.and_then(|p| norms.get(p).copied());
        let first = !self.measured;
        for (i, (m, &n)) in self.multipliers.iter_mut().zip(norms).enumerate() {
            if !(n.is_finite() && n > total / MAX_RATIO) || self.held.get(i) == Some(&true) {
                continue;
            }
            let target = match reference {
                Some(_) if Some(i) == self.pde => 1.0,
                Some(r) if r.is_finite() => (r / n).max(1.0),
                _ => total / n,
            };
            *m = match first {
                true => target,
                false => alpha * *m + (1.0 - alpha) * target,
            };
        }
        self.measured = true;
    }

    /// ReLoBRaLo's update from this step's losses (`rho`: look back to the first step's).
    fn relobralo(&mut self, values: &[f64], temperature: f64, alpha: f64, rho: bool) {
        if values.iter().any(|v| !v.is_finite()) {
            return;
        }
        if self.first.is_empty() {
            self.first = values.to_vec();
            self.last = values.to_vec();
            return;
        }
        let to_last = softmax_ratios(values, &self.last, temperature);
        let to_first = softmax_ratios(values, &self.first, temperature);
        let rho = if rho { 1.0 } else { 0.0 };
        for (i, m) in self.multipliers.iter_mut().enumerate() {
            let history = rho * *m + (1.0 - rho) * to_first[i];
            *m = alpha * history + (1.0 - alpha) * to_last[i];
        }
        self.last = values.to_vec();
    }

    /// The state as one flat vector (checkpoints): multipliers, measured, then the first
    /// and last losses (empty or one per term each).
    pub fn to_vec(&self) -> Vec<f64> {
        let mut v = self.multipliers.clone();
        v.push(f64::from(u8::from(self.measured)));
        v.push(self.first.len() as f64);
        v.extend(&self.first);
        v.extend(&self.last);
        v
    }

    /// Reads [`TermBalance::to_vec`]'s layout back; `None` when it does not fit `terms`.
    pub fn restore(&mut self, v: &[f64]) -> Option<()> {
        let k = self.multipliers.len();
        let remembered = *v.get(k + 1)? as usize;
        if v.len() != k + 2 + 2 * remembered || (remembered != 0 && remembered != k) {
            return None;
        }
        self.multipliers = v[..k].to_vec();
        self.measured = v[k] > 0.0;
        self.first = v[k + 2..k + 2 + remembered].to_vec();
        self.last = v[k + 2 + remembered..].to_vec();
        Some(())
    }
}

/// `K softmax_i(L_i / (T L'_i))`, the ratios taken against a floor so that a zero loss in
/// the denominator cannot make them infinite.
fn softmax_ratios(now: &[f64], then: &[f64], temperature: f64) -> Vec<f64> {
    let r: Vec<f64> = now
        .iter()
        .zip(then)
        .map(|(a, b)| a / (temperature * b.max(1e-300)))
        .collect();
    let top = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = r.iter().map(|x| (x - top).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|x| now.len() as f64 * x / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_balancing_weighs_terms_inversely_to_their_gradients() {
        let method = Balance::Gradients {
            every: 10,
            alpha: 0.9,
        };
        let mut b = TermBalance::new(method, Some(0), 3);
        assert!(b.wants_gradient_norms(0) && !b.wants_gradient_norms(5));
        // The PDE's gradient 100 times the conditions': the conditions get 100x the weight;
        // one whose gradient is larger than the PDE's keeps its own.
        b.update(0, &[1.0; 3], Some(&[100.0, 1.0, 400.0]), 0);
        assert_eq!(b.multipliers, vec![1.0, 100.0, 1.0]);
        // The moving average after that.
        b.update(10, &[1.0; 3], Some(&[2.0, 1.0, 1.0]), 0);
        assert!((b.multipliers[1] - (0.9 * 100.0 + 0.1 * 2.0)).abs() < 1e-12);
        // Without a PDE term: the sum of the norms over each one's.
        let mut c = TermBalance::new(method, None, 2);
        c.update(0, &[1.0; 2], Some(&[3.0, 1.0]), 0);
        assert_eq!(c.multipliers, vec![4.0 / 3.0, 4.0]);
        // A vanished gradient keeps its multiplier.
        let before = b.multipliers[2];
        b.update(20, &[1.0; 3], Some(&[1.0, 1.0, 0.0]), 0);
        assert_eq!(b.multipliers[2], before);
    }

    #[test]
    fn auto_turns_gradients_on_where_a_condition_is_swamped() {
        assert_eq!(resolve_auto(Some(421.0)), AUTO_GRADIENTS);
        assert_eq!(resolve_auto(Some(AUTO_RATIO)), AUTO_GRADIENTS);
        assert_eq!(resolve_auto(Some(58.0)), AUTO_GRADIENTS);
        assert_eq!(resolve_auto(Some(4.0)), Balance::None);
        assert_eq!(resolve_auto(None), Balance::None);
        let c = pdec_lang::driver::compile(
            pdec_lang::source::SourceFile {
                name: "t.pde".into(),
                text: "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
                    pde d(u, t) = d(u, x, x)\ninitial u = 0\nboundary on(x): u = 0\n\
                    constraint u >= 0\n"
                    .into(),
            },
            &[],
        );
        let plan = c.plan.expect("a plan");
        let kinds: Vec<&str> = plan.terms.iter().map(|t| t.kind.name()).collect();
        assert_eq!(kinds, ["pde", "initial", "boundary", "constraint"]);
        // The constraint's tiny gradient is not a condition swamped; a vanished gradient
        // has no ratio.
        assert_eq!(condition_ratio(&plan, &[100.0, 2.0, 0.0, 1e-6]), Some(50.0));
        assert_eq!(condition_ratio(&plan, &[100.0, 0.0, 0.0, 1.0]), None);
        assert!(!TermBalance::for_plan(Balance::Auto, &plan).is_on());
        // Gradient balancing raises the swamped conditions and holds the constraint at 1.
        let mut b = TermBalance::for_plan(AUTO_GRADIENTS, &plan);
        b.update(0, &[1.0; 4], Some(&[100.0, 2.0, 4.0, 1e-3]), 0);
        assert_eq!(b.multipliers, vec![1.0, 50.0, 25.0, 1.0]);
    }

    #[test]
    fn relobralo_favours_the_term_that_falls_slowest() {
        let method = Balance::Relobralo {
            temperature: 0.1,
            alpha: 0.0,
            lookback: 1.0,
        };
        let mut b = TermBalance::new(method, None, 2);
        b.update(0, &[1.0, 1.0], None, 0);
        // Term 0 halves, term 1 stays: ratios 5 and 10 at temperature 0.1, so term 1 gets
        // 2 e^10 / (e^5 + e^10) = 1.9866 of the (summed to K = 2) weight.
        b.update(1, &[0.5, 1.0], None, 0);
        let want = 2.0 / (1.0 + (-5.0f64).exp());
        assert!(
            (b.multipliers[1] - want).abs() < 1e-12,
            "{:?}",
            b.multipliers
        );
        assert!((b.multipliers.iter().sum::<f64>() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn the_state_survives_a_checkpoint() {
        let method = Balance::Relobralo {
            temperature: 0.1,
            alpha: 0.9,
            lookback: 0.5,
        };
        let mut b = TermBalance::new(method, None, 2);
        b.update(0, &[3.0, 1.0], None, 7);
        b.update(1, &[2.0, 1.0], None, 7);
        let mut c = TermBalance::new(method, None, 2);
        c.restore(&b.to_vec()).expect("fits");
        assert_eq!(b, c);
        assert!(c.restore(&[1.0]).is_none());
        let off = TermBalance::new(Balance::None, None, 2);
        let mut d = TermBalance::new(Balance::None, None, 2);
        d.restore(&off.to_vec()).expect("fits");
        assert_eq!(off, d);
    }
}
