//! Stage 5, passes: analyses of the checked problem that decide how it will be computed.
//!
//! Today: the consistency checks (`consistency`: the data against a free-boundary constraint,
//! `exact` against the conditions and the equation; run by the driver before the ansatz pass),
//! the second-order analysis (which PDE terms are linear in second derivatives, their
//! factor `C = B B^T`, and whether each takes the exact or the Monte Carlo path under the
//! `second_order` setting) and the time-direction check (an `initial` condition on a backward
//! equation is almost always a sign error).

pub mod ansatz;
pub mod bounds;
pub mod consistency;
pub mod gradient_square;
pub mod linalg;
mod rounding;
pub mod second_order;
mod substitute;

use crate::diag::{Diag, Diags};
use crate::ir::{Coord, Op, Problem, Where};
use crate::settings::{PlanSettings, SecondOrder};
use second_order::{Analyzer, Path, SecondOrderTerm, Term, TermClass};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeDirection {
    /// `u_t = (positive diffusion)`: solved forward from an initial condition.
    Forward,
    /// `u_t + (positive diffusion) = 0`: solved backward from a terminal condition.
    Backward,
    /// No time derivative, no diffusion, or signs that could not be proven.
    Undetermined,
}

#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Every additive term of the residual, classified.
    pub terms: Vec<Term>,
    /// The terms linear in second space derivatives, with their factor and path.
    pub second_order: Vec<SecondOrderTerm>,
    /// Terms computed exactly although they involve second derivatives (time, nonlinear).
    pub other_second_order: Vec<String>,
    /// First-order terms `c * |grad u|^2`, with their path.
    pub gradient_squares: Vec<gradient_square::GradientSquareTerm>,
    pub direction: TimeDirection,
}

pub fn run(problem: &mut Problem, settings: &PlanSettings, diags: &mut Diags) -> Analysis {
    let mut a = Analyzer { problem };
    let terms = a.terms();
    let mut second = Vec::new();
    let mut other = Vec::new();
    let mut squares = Vec::new();
    let mut time_sign = None;
    for (term, raw) in &terms {
        match term.class {
            TermClass::SecondOrder => {
                let factor = a.factor(raw);
                let directions = match &factor {
                    Ok(f) => f.columns(),
                    Err(_) => 3,
                };
                second.push(SecondOrderTerm {
                    text: term.text.clone(),
                    node: term.node,
                    factor,
                    directions,
                    path: Path::Exact,
                    why: String::new(),
                    span: raw.span,
                });
            }
            TermClass::OtherSecondOrder => other.push(term.text.clone()),
            TermClass::FirstOrder => {
                let g = &a.problem.graph;
                if let Some((coef, factors, var, offset, len)) = gradient_square::recognise(g, raw)
                {
                    squares.push(gradient_square::GradientSquareTerm {
                        text: term.text.clone(),
                        node: term.node,
                        coef,
                        factors,
                        var,
                        offset,
                        len,
                        path: Path::Exact,
                        why: String::new(),
                    });
                }
                // The time-derivative term's sign, for the direction check.
                let u: Vec<_> = raw
                    .factors
                    .iter()
                    .filter(|f| g.depends_on_unknown(**f))
                    .collect();
                if let [d] = u.as_slice()
                    && let Op::Deriv(c) = g.op(**d)
                    && c.as_slice() == [Coord::Time]
                {
                    let rest: Vec<_> = raw.factors.iter().filter(|f| *f != *d).copied().collect();
                    let mut s = raw.coef.signum();
                    let mut known = true;
                    for f in rest {
                        let i = bounds::Bounds::new(a.problem).of(f);
                        if i.nonnegative() {
                        } else if i.nonpositive() {
                            s = -s;
                        } else {
                            known = false;
                        }
                    }
                    if known {
                        time_sign = Some(s);
                    }
                }
            }
            TermClass::Source => {}
        }
    }
    let problem = a.problem;
    choose_paths(&mut second, settings, diags, problem);
    gradient_square::choose_paths(&mut squares, settings, &second);
    let diffusion_sign = {
        let signs: Vec<f64> = second
            .iter()
            .filter_map(|t| t.factor.as_ref().ok().map(|f| f.sign))
            .collect();
        if !signs.is_empty() && signs.iter().all(|s| *s == signs[0]) {
            Some(signs[0])
        } else {
            None
        }
    };
    let direction = match (time_sign, diffusion_sign) {
        (Some(t), Some(d)) if t == d => TimeDirection::Backward,
        (Some(_), Some(_)) => TimeDirection::Forward,
        _ => TimeDirection::Undetermined,
    };
    check_direction(problem, direction, diags);
    Analysis {
        terms: terms.into_iter().map(|t| t.0).collect(),
        second_order: second,
        other_second_order: other,
        gradient_squares: squares,
        direction,
    }
}

/// Applies `second_order = exact | monte_carlo | auto` to each term and says why.
fn choose_paths(
    terms: &mut [SecondOrderTerm],
    settings: &PlanSettings,
    diags: &mut Diags,
    problem: &Problem,
) {
    let total: usize = terms
        .iter()
        .filter(|t| t.factor.is_ok())
        .map(|t| t.directions)
        .sum();
    for t in terms.iter_mut() {
        match (&settings.second_order, &t.factor) {
            (SecondOrder::Exact, _) => {
                t.path = Path::Exact;
                t.why = "second_order = exact".into();
            }
            (SecondOrder::MonteCarlo { .. }, Ok(_)) => {
                t.path = Path::MonteCarlo;
                t.why = "second_order = monte_carlo".into();
            }
            (SecondOrder::MonteCarlo { .. }, Err(reason)) => {
                let code = if reason == second_order::INDEFINITE {
                    "pdec::passes::indefinite_matrix"
                } else {
                    "pdec::passes::not_factorable"
                };
                diags.push(
                    Diag::error(code, "this second-order term cannot take the Monte Carlo path")
                        .primary(t.span, reason.clone())
                        .help("the estimator needs sum_ij C_ij d2u/dxidxj with C = B B^T; use `second_order = auto` (exact where needed) or `exact`"),
                );
                t.path = Path::Exact;
                t.why = reason.clone();
            }
            (SecondOrder::Auto, Err(reason)) => {
                t.path = Path::Exact;
                t.why = format!("not factorable: {reason}");
            }
            (SecondOrder::Auto, Ok(_)) => {
                if total >= settings.auto_mc_threshold {
                    t.path = Path::MonteCarlo;
                    t.why = format!(
                        "auto: {total} second-order directions >= auto_mc_threshold = {}",
                        settings.auto_mc_threshold
                    );
                } else {
                    t.path = Path::Exact;
                    t.why = format!(
                        "auto: {total} second-order direction{} < auto_mc_threshold = {}; exact is cheap",
                        if total == 1 { "" } else { "s" },
                        settings.auto_mc_threshold
                    );
                }
            }
        }
    }
    let _ = problem;
}

fn check_direction(problem: &Problem, direction: TimeDirection, diags: &mut Diags) {
    for c in &problem.conditions {
        let Where::TimeSlice { terminal, .. } = c.region else {
            continue;
        };
        match (direction, terminal) {
            (TimeDirection::Backward, false) => diags.push(
                Diag::error(
                    "pdec::passes::initial_on_backward",
                    "an initial condition on a backward equation",
                )
                .primary(c.span, "given at the start of time")
                .secondary(problem.pde.span, "the time derivative and the diffusion have the same sign: this equation runs backward")
                .help("backward equations (Black-Scholes, HJB) take `terminal u = ...`; or check the sign of the time derivative"),
            ),
            (TimeDirection::Forward, true) => diags.push(
                Diag::error(
                    "pdec::passes::terminal_on_forward",
                    "a terminal condition on a forward equation",
                )
                .primary(c.span, "given at the end of time")
                .secondary(problem.pde.span, "the time derivative and the diffusion have opposite signs: this equation runs forward")
                .help("forward equations (heat, Burgers) take `initial u = ...`; or check the sign of the time derivative"),
            ),
            _ => {}
        }
    }
}
