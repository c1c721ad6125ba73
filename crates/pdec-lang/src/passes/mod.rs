//! Stage 5, passes: analyses of the checked problem that decide how it will be computed.
//!
//! Today: the consistency checks (`consistency`: the data against a free-boundary constraint,
//! `exact` against the conditions and the equation; run by the driver before the ansatz pass),
//! the second-order analysis (which PDE terms are linear in second derivatives, their
//! factor `C = B B^T`, and whether each takes the exact or the Monte Carlo path under the
//! `second_order` setting) and the time-direction check (an `initial` condition on a backward
//! equation is almost always a sign error).

pub mod ansatz;
pub mod ansatz_scale;
pub mod bounds;
pub mod consistency;
pub mod gradient_square;
pub mod kink_ansatz;
pub mod linalg;
mod rounding;
pub mod second_order;
mod substitute;
pub mod time_ansatz;

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
    /// Every additive term of every equation's residual, classified, in equation order.
    pub terms: Vec<Term>,
    /// The terms linear in second space derivatives, with their factor and path.
    pub second_order: Vec<SecondOrderTerm>,
    /// Terms computed exactly although they involve second derivatives (time, nonlinear;
    /// every second-order term of a problem with unknown coefficients).
    pub other_second_order: Vec<String>,
    /// First-order terms `c * |grad u|^2`, with their path.
    pub gradient_squares: Vec<gradient_square::GradientSquareTerm>,
    /// The problem's time direction: its equations', where they agree.
    pub direction: TimeDirection,
    /// Each equation's time direction.
    pub directions: Vec<TimeDirection>,
}

pub fn run(problem: &mut Problem, settings: &PlanSettings, diags: &mut Diags) -> Analysis {
    // A problem with unknown coefficients has all its terms computed from the IR: the
    // factors and drifts are evaluated before the network's pass, outside the gradient. A
    // system's second-order terms are factored equation by equation (the Monte Carlo
    // estimator reads the output of the unknown each term differentiates); its drifts and
    // gradient squares stay IR terms, and so do its exact-path factors (`plan::program`).
    let coefficients = !problem.coefficients.is_empty();
    let several = problem.unknowns.len() > 1;
    let mut a = Analyzer { problem };
    let mut all_terms = Vec::new();
    let mut second = Vec::new();
    let mut other = Vec::new();
    let mut squares = Vec::new();
    let mut directions = Vec::new();
    for e in 0..a.problem.pdes.len() {
        let (residual, solved_for) = (a.problem.pdes[e].residual, a.problem.pdes[e].unknown);
        let terms = a.terms(residual, e);
        let mut time_sign = None;
        let mut diffusion_signs = Vec::new();
        for (term, raw) in &terms {
            match term.class {
                TermClass::SecondOrder => {
                    let factor = a.factor(raw);
                    if let Ok(f) = &factor
                        && term.unknown == Some(solved_for)
                    {
                        diffusion_signs.push(f.sign);
                    }
                    if coefficients {
                        other.push(term.text.clone());
                        continue;
                    }
                    let directions = match &factor {
                        Ok(f) => f.columns(),
                        Err(_) => 3,
                    };
                    second.push(SecondOrderTerm {
                        text: term.text.clone(),
                        node: term.node,
                        factor,
                        equation: e,
                        unknown: term.unknown.unwrap_or(solved_for),
                        directions,
                        path: Path::Exact,
                        why: String::new(),
                        span: raw.span,
                    });
                }
                TermClass::OtherSecondOrder => other.push(term.text.clone()),
                TermClass::FirstOrder => {
                    let g = &a.problem.graph;
                    if !coefficients
                        && !several
                        && let Some((coef, factors, var, offset, len)) =
                            gradient_square::recognise(g, raw)
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
                    if let Some(s) = time_sign_of(a.problem, raw, solved_for) {
                        time_sign = Some(s);
                    }
                }
                TermClass::Source => {}
            }
        }
        let diffusion_sign = match diffusion_signs.first() {
            Some(d) if diffusion_signs.iter().all(|s| s == d) => Some(*d),
            _ => None,
        };
        directions.push(match (time_sign, diffusion_sign) {
            (Some(t), Some(d)) if t == d => TimeDirection::Backward,
            (Some(_), Some(_)) => TimeDirection::Forward,
            _ => TimeDirection::Undetermined,
        });
        all_terms.extend(terms.into_iter().map(|t| t.0));
    }
    let problem = a.problem;
    let monte_carlo = matches!(settings.second_order, SecondOrder::MonteCarlo { .. });
    if monte_carlo && !problem.coefficients.is_empty() {
        diags.push(
            Diag::error(
                "pdec::passes::coefficient_monte_carlo",
                "the Monte Carlo path takes problems without unknown coefficients for now",
            )
            .primary(problem.coefficients[0].span, "an unknown coefficient")
            .help("train it with `second_order = auto` or `exact`: with unknown coefficients every term is computed exactly"),
        );
    }
    choose_paths(&mut second, settings, diags, problem);
    gradient_square::choose_paths(&mut squares, settings, &second);
    let direction = match directions.first() {
        Some(d) if directions.iter().all(|x| x == d) => *d,
        _ => TimeDirection::Undetermined,
    };
    check_direction(problem, &directions, diags);
    Analysis {
        terms: all_terms,
        second_order: second,
        other_second_order: other,
        gradient_squares: squares,
        direction,
        directions,
    }
}

/// The sign of a term `c * d(u, t)` (`u` the unknown the equation is solved for), where the
/// bounds prove the sign of its coefficients.
fn time_sign_of(p: &Problem, raw: &second_order::Raw, solved_for: usize) -> Option<f64> {
    let g = &p.graph;
    let u: Vec<_> = raw
        .factors
        .iter()
        .filter(|f| g.depends_on_unknown(**f))
        .collect();
    let [d] = u.as_slice() else { return None };
    let Op::Deriv(k, c) = g.op(**d) else {
        return None;
    };
    if *k != solved_for || c.as_slice() != [Coord::Time] {
        return None;
    }
    let mut s = raw.coef.signum();
    for f in raw.factors.iter().filter(|f| *f != *d) {
        let i = bounds::Bounds::new(p).of(*f);
        if i.nonnegative() {
        } else if i.nonpositive() {
            s = -s;
        } else {
            return None;
        }
    }
    Some(s)
}

/// Applies `second_order = exact | monte_carlo | auto` to each term and says why. `auto`
/// counts the factorable directions of each equation on its own: an equation's terms take
/// one path, chosen by its own size (one equation for a problem of one unknown).
fn choose_paths(
    terms: &mut [SecondOrderTerm],
    settings: &PlanSettings,
    diags: &mut Diags,
    problem: &Problem,
) {
    let total_of = |e: usize| -> usize {
        terms
            .iter()
            .filter(|t| t.equation == e && t.factor.is_ok())
            .map(|t| t.directions)
            .sum()
    };
    let totals: Vec<usize> = (0..problem.pdes.len()).map(total_of).collect();
    let several = problem.pdes.len() > 1;
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
                let total = totals.get(t.equation).copied().unwrap_or(0);
                let of = match several {
                    true => format!(" in {}", problem.pdes[t.equation].name),
                    false => String::new(),
                };
                if total >= settings.auto_mc_threshold {
                    t.path = Path::MonteCarlo;
                    t.why = format!(
                        "auto: {total} second-order directions{of} >= auto_mc_threshold = {}",
                        settings.auto_mc_threshold
                    );
                } else {
                    t.path = Path::Exact;
                    t.why = format!(
                        "auto: {total} second-order direction{}{of} < auto_mc_threshold = {}; exact is cheap",
                        if total == 1 { "" } else { "s" },
                        settings.auto_mc_threshold
                    );
                }
            }
        }
    }
}

/// Each time condition against the direction of the equation solved for its unknown.
fn check_direction(problem: &Problem, directions: &[TimeDirection], diags: &mut Diags) {
    for c in &problem.conditions {
        let Where::TimeSlice { terminal, .. } = c.region else {
            continue;
        };
        let [k] = problem.graph.unknowns_in(c.residual)[..] else {
            continue;
        };
        let Some((e, pde)) = problem
            .pdes
            .iter()
            .enumerate()
            .find(|(_, p)| p.unknown == k)
        else {
            continue;
        };
        match (directions[e], terminal) {
            (TimeDirection::Backward, false) => diags.push(
                Diag::error(
                    "pdec::passes::initial_on_backward",
                    "an initial condition on a backward equation",
                )
                .primary(c.span, "given at the start of time")
                .secondary(pde.span, "the time derivative and the diffusion have the same sign: this equation runs backward")
                .help("backward equations (Black-Scholes, HJB) take `terminal u = ...`; or check the sign of the time derivative"),
            ),
            (TimeDirection::Forward, true) => diags.push(
                Diag::error(
                    "pdec::passes::terminal_on_forward",
                    "a terminal condition on a forward equation",
                )
                .primary(c.span, "given at the end of time")
                .secondary(pde.span, "the time derivative and the diffusion have opposite signs: this equation runs forward")
                .help("forward equations (heat, Burgers) take `initial u = ...`; or check the sign of the time derivative"),
            ),
            _ => {}
        }
    }
}
