//! The scale of each equation's residual (`residual_scale`): how large the residual's terms
//! are when the unknown varies by one over the domain, so that a problem stated in other
//! units (a maturity of 365 days with daily rates, a plate measured in millimetres) trains
//! like the same problem in unit ranges. The inputs are already mapped to [-1, 1]; what the
//! map leaves is the residual itself: in days every term of a Black-Scholes equation is 365
//! times smaller than in years while the conditions' residuals are not, so the PDE term's
//! weight is 133,225 times too small and the network fits the data alone.
//!
//! The scale `N` of an equation is the largest of its terms (source terms aside, they are
//! data) with every derivative replaced by `1 / prod(L)`, `L` the full length of each
//! coordinate it is taken along, and the unknown by 1, at fixed points of the domain (a
//! sum over an index counts one summand: `lap(u)` in 100 dimensions is one second
//! derivative's size, not 100 of them). The PDE term's weight is multiplied by `1 / N^2`,
//! which is what training the equation divided by `N` means. `auto` does it only where `N`
//! is an order of magnitude or more from one (every example's equations are within), so
//! a problem already in unit ranges trains as it did.

use crate::geometry::{self, Layout};
use crate::ir::eval::{Dense, Evaluator, Layout as DenseLayout};
use crate::ir::{Coord, NodeId, Op, Problem, RedOp, Ty, VecRed};
use crate::passes::Analysis;
use crate::passes::second_order::TermClass;
use crate::plan::Region;
use rand::SeedableRng;
use serde::Serialize;
use std::borrow::Cow;

/// Points at which the terms are read (the same every run: a fixed seed).
const POINTS: usize = 256;

/// `auto` rescales an equation whose scale is beyond this factor from one, either way.
const FAR: f64 = 10.0;

/// One equation's scale and what it was read from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResidualScale {
    /// The equation's loss term.
    pub term: String,
    /// `N`: the largest term's size for a unit change of the unknown.
    pub scale: f64,
    /// The term that gave it, as printed.
    pub from: String,
    /// Whether the PDE term's weight was multiplied by `1 / N^2`.
    pub applied: bool,
}

impl ResidualScale {
    /// What the PDE term's weight is multiplied by.
    pub fn factor(&self) -> f64 {
        if self.applied {
            1.0 / (self.scale * self.scale)
        } else {
            1.0
        }
    }

    /// Whether the scale is an order of magnitude or more from one.
    pub fn far_from_unit(&self) -> bool {
        self.scale > FAR || self.scale < 1.0 / FAR
    }
}

/// The scale of each equation of `problem` (in equation order), `apply` saying which are
/// applied: `None` for an equation none of whose terms could be read.
pub fn residual_scales(
    problem: &Problem,
    analysis: &Analysis,
    apply: impl Fn(&ResidualScale) -> bool,
) -> Vec<Option<ResidualScale>> {
    let layout = Layout::new(problem);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x7265_7369_6475_616c);
    let batches = geometry::sample_region(problem, &layout, &Region::Interior, POINTS, &mut rng);
    let rows: Vec<&[f64]> = batches
        .iter()
        .flat_map(|b| b.points.chunks(b.width.max(1)))
        .collect();
    (0..problem.pdes.len())
        .map(|e| {
            let mut best: Option<(f64, &str)> = None;
            for t in analysis.terms.iter().filter(|t| t.equation == e) {
                if t.class == TermClass::Source {
                    continue;
                }
                let Some(size) = term_size(problem, &layout, &rows, t.node) else {
                    continue;
                };
                if best.is_none_or(|(b, _)| size > b) {
                    best = Some((size, &t.text));
                }
            }
            let (scale, from) = best.filter(|(s, _)| *s > 0.0 && s.is_finite())?;
            let mut s = ResidualScale {
                term: problem.pdes[e].name.clone(),
                scale,
                from: from.to_string(),
                applied: false,
            };
            s.applied = apply(&s);
            Some(s)
        })
        .collect()
}

/// The largest `|term|` over `rows` with unit derivatives and a unit unknown, divided by
/// the number of summands of its sums over index axes and vectors (one summand's size).
/// `None` when the term reads something else that has no value here (a normal).
fn term_size(problem: &Problem, layout: &Layout, rows: &[&[f64]], node: NodeId) -> Option<f64> {
    let g = &problem.graph;
    let mut summands = 1.0;
    g.any(node, &mut |op| {
        match op {
            Op::Reduce(RedOp::Sum, axes, _) => {
                summands *= axes
                    .iter()
                    .map(|a| g.axis(*a).len() as f64)
                    .product::<f64>();
            }
            Op::ReduceVec(VecRed::Sum, a) => {
                summands *= g.node(*a).ty.shape.dims().iter().product::<usize>() as f64;
            }
            _ => {}
        }
        false
    });
    let mut size: f64 = 0.0;
    let term = Evaluator::new(g, node);
    for row in rows {
        let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
            let dense = DenseLayout::of(g, ty);
            let data = match op {
                Op::Input(i) => row.get(layout.columns(*i)?)?.to_vec(),
                Op::U(_) => vec![1.0; dense.numel()],
                Op::Deriv(_, coords) => {
                    let mut v = 1.0;
                    for c in coords {
                        v /= length(problem, *c)?;
                    }
                    vec![v; dense.numel()]
                }
                _ => return None,
            };
            Some(Dense {
                layout: dense,
                data: Cow::Owned(data),
            })
        };
        let v = term.eval(&value_of)?;
        for x in v.data.iter() {
            if x.is_finite() {
                size = size.max(x.abs());
            }
        }
    }
    Some(size / summands.max(1.0))
}

/// The full length of the range a coordinate spans (the longest side for a space variable).
fn length(problem: &Problem, c: Coord) -> Option<f64> {
    let l = match c {
        Coord::Time => {
            let t = problem.time.as_ref()?;
            t.hi - t.lo
        }
        Coord::Space { var, .. } => problem
            .space
            .get(var)?
            .domain
            .bounds()
            .iter()
            .map(|(lo, hi)| hi - lo)
            .fold(0.0, f64::max),
    };
    (l > 0.0 && l.is_finite()).then_some(l)
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    fn scales(src: &str, setting: &str) -> (Vec<(f64, bool)>, Vec<f64>) {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            // The equation as written, not rewritten by the kinked payoff's ansatz.
            &[
                format!("residual_scale={setting}"),
                "kink_ansatz=none".into(),
            ],
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let plan = c.plan.expect("a plan");
        let s = plan
            .residual_scales
            .iter()
            .flatten()
            .map(|s| (s.scale, s.applied))
            .collect();
        (s, plan.terms.iter().map(|t| t.weight).collect())
    }

    const CALL: &str = "time t in [0, 1]\nspace s in [0.01, 3]\nunknown u(t, s)\n\
        pde d(u, t) + 0.02 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
        terminal u = max(s - 1, 0)\nboundary s = 0.01: u = 0\nboundary s = 3: u = s - 1\n";

    #[test]
    fn a_problem_in_days_is_scaled_like_the_same_problem_in_years() {
        // In years the time derivative is the largest term: 1 / 1.
        let (years, w) = scales(CALL, "auto");
        assert_eq!(years.len(), 1);
        assert!((years[0].0 - 1.0).abs() < 1e-12, "{years:?}");
        assert!(!years[0].1, "unit scale: left as it is");
        assert_eq!(w[0], 1.0);
        // In days (rates per day) every term is 365 times smaller: the weight is 365^2.
        let days = CALL
            .replace("[0, 1]", "[0, 365]")
            .replace("0.02 *", "(0.02 / 365) *")
            .replace("0.05 *", "(0.05 / 365) *");
        let (d, w) = scales(&days, "auto");
        assert!((d[0].0 - 1.0 / 365.0).abs() < 1e-12, "{d:?}");
        assert!(d[0].1);
        assert!((w[0] - 365.0 * 365.0).abs() < 1e-6, "{w:?}");
        // The conditions keep their weights.
        assert!(w[1..].iter().all(|w| *w == 1.0));
        // `none` leaves it; `always` applies unit-scale problems' factor too.
        let (d, w) = scales(&days, "none");
        assert!(!d[0].1 && w[0] == 1.0);
        let (y, _) = scales(&CALL.replace("[0, 1]", "[0, 2]"), "always");
        assert!(y[0].1 && (y[0].0 - 0.5).abs() < 1e-12, "{y:?}");
    }

    #[test]
    fn a_sum_over_an_index_counts_one_summand() {
        // Poisson in 100 dimensions on [-1, 1]^100: one second derivative is 1 / 4, and the
        // Laplacian's 100 of them do not make the equation 25 times larger.
        let src = "const d = 100\nspace x in [-1, 1]^d\nunknown u(x)\npde -lap(u) = 1\n\
                   boundary on(x): u = 0\n";
        let (s, _) = scales(src, "auto");
        assert!((s[0].0 - 0.25).abs() < 1e-12, "{s:?}");
        assert!(!s[0].1);
        // The same in millimetres: [0, 1000]^2, 1e6 times smaller.
        let mm = "space x in [0, 1000]^2\nunknown u(x)\npde -lap(u) = 1e-6\n\
                  boundary on(x): u = 0\n";
        let (s, w) = scales(mm, "auto");
        assert!((s[0].0 - 1e-6).abs() < 1e-18, "{s:?}");
        assert!((w[0] - 1e12).abs() < 1.0, "{w:?}");
    }

    #[test]
    fn every_equation_of_a_system_has_its_own_scale() {
        // A slow equation (rates per day) beside one in unit scale.
        let src = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x), v(t, x)\n\
                   pde d(u, t) = d(u, x, x) + v\npde d(v, t) = 0.001 * d(v, x, x)\n\
                   initial u = 0\ninitial v = sin(pi * x)\nboundary on(x): u = 0\n\
                   boundary on(x): v = 0\n";
        let (s, w) = scales(src, "auto");
        assert_eq!(s.len(), 2);
        // d(v, t) is 1 (the largest term), not 0.001: v is left as it is.
        assert!(s.iter().all(|(n, applied)| *n >= 1.0 && !applied), "{s:?}");
        assert!(w.iter().all(|w| *w == 1.0));
    }
}
