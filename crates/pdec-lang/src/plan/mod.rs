//! Stage 6, plan: the serialisable training plan, the contract between the front end and the
//! solver. Everything training needs and nothing about candle: the network's inputs and their
//! ranges ([`InputLayout`]), one named loss term per condition with its region, sampler, weight
//! and batch ([`terms`]), for each second-order term its path (exact, or Monte Carlo with its
//! factor `B`), the Monte Carlo estimator and the work per point ([`monte_carlo`]), what the
//! step computes for each term and the derivatives it reads ([`program`], [`needs`]), and the
//! settings, and the network's output scale from the data ([`output`], `output_scale`); each
//! equation's residual size, which weighs its term in other units ([`residual_scale`]); the
//! sampling law of a truncated domain where the user gave none ([`auto_sampling`]); the
//! coordinates the network reads (log-prices for a Black-Scholes-type operator:
//! [`coordinates`]);
//! [`checks`] refuses settings that do not fit the problem, and [`program`] a problem whose
//! derivatives the step cannot carry.

pub mod auto_sampling;
pub mod checks;
pub mod coordinates;
pub mod data;
pub mod monte_carlo;
pub mod needs;
pub mod networks;
pub mod output;
pub mod periodic;
pub mod program;
pub mod residual_scale;
pub mod summed;
pub mod terms;

pub use crate::geometry::inputs::{InputLayout, NetInput};
pub use crate::geometry::region::{FacePlan, Region};
pub use monte_carlo::{Cost, MonteCarloPlan, NoiseBlock};
pub use networks::NetworkPlan;
pub use output::OutputScale;
pub use residual_scale::ResidualScale;
pub use terms::{GradientSquarePlan, LossTerm, SecondOrderPlan, TermKind};

use crate::diag::Diags;
use crate::ir::Problem;
use crate::passes::{Analysis, TimeDirection};
use crate::settings::{FreeBoundaryLoss, PlanSettings, Scaling, Settings};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub problem: String,
    /// The unknowns in order: the networks' outputs, concatenated in this order.
    pub unknowns: Vec<String>,
    /// The networks' input columns.
    #[serde(flatten)]
    pub layout: InputLayout,
    /// The networks: which unknowns each outputs, which columns it reads, its kind and size
    /// ([`networks`]); one for a problem whose unknowns take the same arguments (unless
    /// `networks = separate` or `net.NAME`).
    #[serde(skip_serializing_if = "networks::is_one")]
    pub networks: Vec<NetworkPlan>,
    pub terms: Vec<LossTerm>,
    pub second_order: Vec<SecondOrderPlan>,
    pub other_second_order: Vec<String>,
    pub gradient_squares: Vec<GradientSquarePlan>,
    pub direction: TimeDirection,
    pub free_boundary: Option<FreeBoundaryLoss>,
    /// The Monte Carlo estimator, when a term takes the Monte Carlo path.
    pub monte_carlo: Option<MonteCarloPlan>,
    /// What the training step computes for each term, and the derivatives it reads.
    #[serde(skip)]
    pub program: program::Program,
    pub cost: Cost,
    /// `u = shift + scale * net` (`output_scale`), read from the data.
    pub output: Option<OutputScale>,
    /// Each equation's residual size (`residual_scale`), in equation order; where applied,
    /// its PDE term's weight already holds the factor.
    pub residual_scales: Vec<Option<ResidualScale>>,
    /// Why `settings.sampling` is a law the compiler chose (`boundary none` and no
    /// `sampling`: [`auto_sampling`]); `None` when it is the user's.
    pub sampling_chosen: Option<String>,
    /// Why the network reads a space variable's logarithm ([`coordinates`]; the map is in
    /// `layout`); `None` when it reads the coordinates as written.
    pub coordinates_chosen: Option<String>,
    /// `unknown const`: the coefficients trained beside the network (range, scale, initial
    /// value), in declaration order (`Op::Coef(k)`).
    pub coefficients: Vec<crate::ir::Coefficient>,
    pub settings: PlanSettings,
}

impl Plan {
    /// Points per step of the PDE term (its `batch.pde`, else `batch`).
    pub fn pde_batch(&self) -> usize {
        self.terms
            .iter()
            .find(|t| t.kind == TermKind::Pde)
            .map_or(self.settings.batch, |t| t.batch)
    }
}

/// The plan of a checked problem and its analysis under the settings; refusals are
/// diagnostics with the span of the setting or the term they concern.
pub fn plan(
    problem: &Problem,
    analysis: &Analysis,
    settings: &Settings,
    diags: &mut Diags,
) -> Plan {
    let mut layout = InputLayout::new(problem);
    // The settings' own checks read what the user wrote; the rest, the law in effect.
    checks::check_settings(problem, analysis, settings, layout.width, diags);
    let coordinates_chosen = coordinates::choose(problem, settings, &mut layout, diags);
    if !settings.plan.hole_inputs {
        layout.features.clear();
    }
    if settings.plan.periodic_inputs {
        layout.periodic =
            crate::geometry::periodic::periodic_features(problem, |v| layout.space(v));
    }
    auto_sampling::time_scale(problem, diags);
    let chosen = auto_sampling::choose(problem, analysis, settings);
    let settings = &match &chosen {
        Some(c) => {
            let mut s = settings.clone();
            s.plan.sampling = c.law.clone();
            s
        }
        None => settings.clone(),
    };
    let mut terms = terms::loss_terms(problem, settings, diags);
    // The pair terms the periodic inputs make hold exactly.
    terms.retain(|t| !periodic::imposed(problem, &layout, t));
    let residual_scales = residual_scale::residual_scales(problem, analysis, |s| {
        match settings.plan.residual_scale {
            Scaling::Always => true,
            Scaling::Auto => s.far_from_unit(),
            Scaling::None => false,
        }
    });
    // The PDE terms come first, in equation order.
    for (t, s) in terms.iter_mut().zip(&residual_scales) {
        if let Some(s) = s {
            t.weight *= s.factor();
        }
    }
    let second_order: Vec<SecondOrderPlan> = analysis
        .second_order
        .iter()
        .map(|t| SecondOrderPlan {
            term: t.text.clone(),
            equation: problem.pdes[t.equation].name.clone(),
            path: t.path,
            why: t.why.clone(),
            directions: t.directions,
            factor: t.factor.clone().ok(),
            not_factorable: t.factor.clone().err(),
        })
        .collect();
    let gradient_squares: Vec<GradientSquarePlan> = analysis
        .gradient_squares
        .iter()
        .map(|t| GradientSquarePlan {
            term: t.text.clone(),
            path: t.path,
            why: t.why.clone(),
            components: t.len,
        })
        .collect();
    let networks = networks::networks(problem, &layout, settings, diags);
    let program = program::program(problem, analysis, &layout, &terms, diags);
    let monte_carlo = MonteCarloPlan::new(&second_order, &gradient_squares, &settings.plan);
    let cost = Cost::new(&program.pde, monte_carlo.as_ref());
    let output = match settings.plan.output_scale {
        Scaling::Always => output::output_scale(problem, &terms),
        Scaling::Auto => {
            output::output_scale(problem, &terms).filter(output::OutputScale::far_from_unit)
        }
        Scaling::None => None,
    };
    Plan {
        problem: problem.name.clone(),
        unknowns: problem.unknowns.iter().map(|u| u.name.clone()).collect(),
        layout,
        networks,
        terms,
        second_order,
        other_second_order: analysis.other_second_order.clone(),
        gradient_squares,
        direction: analysis.direction,
        free_boundary: problem
            .constraint
            .as_ref()
            .map(|_| checks::free_boundary_loss(analysis, settings)),
        monte_carlo,
        program,
        cost,
        output,
        residual_scales,
        sampling_chosen: chosen.map(|c| c.why),
        coordinates_chosen,
        coefficients: problem.coefficients.clone(),
        settings: settings.plan.clone(),
    }
}

/// The plan's checks of the settings against the problem (loss-term names in `weight.NAME`
/// and `batch.NAME`, sampling laws, the adaptive pool), for a problem whose analysis failed:
/// their errors are reported beside the analysis's, in the same run.
pub fn check_alone(problem: &Problem, settings: &Settings, diags: &mut Diags) {
    let layout = InputLayout::new(problem);
    terms::loss_terms(problem, settings, diags);
    networks::networks(problem, &layout, settings, diags);
    checks::check_settings_alone(problem, settings, layout.width, diags);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::second_order::Path;
    use crate::source::SourceFile;

    /// The plan of a source text with `--set` overrides, and whether it had errors.
    pub(super) fn plan_of(src: &str, sets: &[String]) -> (Option<Plan>, bool) {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            sets,
        );
        (c.plan, c.diags.has_errors())
    }

    const STATIONARY_OBSTACLE: &str = "space x in [-1, 1]\nunknown u(x)\n\
        pde d(u, x, x) + 1 = 0\nboundary on(x): u = 0\nconstraint u >= 0.1 - x^2\n";

    /// The default free-boundary loss needs the residual's sign on the obstacle; where the
    /// time direction does not give it, the plan falls back to the penalty, and only an
    /// explicit `free_boundary = variational` is an error.
    #[test]
    fn the_default_free_boundary_loss_falls_back_without_a_time_direction() {
        assert_eq!(
            PlanSettings::default().free_boundary,
            FreeBoundaryLoss::Variational
        );
        let (plan, errors) = plan_of(STATIONARY_OBSTACLE, &[]);
        assert!(!errors);
        assert_eq!(
            plan.expect("plan").free_boundary,
            Some(FreeBoundaryLoss::Penalty)
        );
        let (_, errors) = plan_of(STATIONARY_OBSTACLE, &["free_boundary=variational".into()]);
        assert!(errors, "an explicit variational loss without a direction");
        let backward = "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
            pde d(u, t) + 0.5 * d(u, x, x) = 0\nterminal u = max(x - 1, 0)\n\
            boundary on(x): u = max(x - 1, 0)\nconstraint u >= x - 1\n";
        let (plan, errors) = plan_of(backward, &[]);
        assert!(!errors);
        assert_eq!(
            plan.expect("plan").free_boundary,
            Some(FreeBoundaryLoss::Variational)
        );
    }

    /// `second_order = auto` weighs each equation of a system on its own: the 20-D
    /// Laplacian of `u` takes the Monte Carlo path as a factor read at `u`'s output, the one
    /// second derivative of `v` stays an exact IR term; `monte_carlo` takes both.
    #[test]
    fn a_systems_equations_choose_their_paths_one_by_one() {
        let src = "time t in [0, 1]\nspace x in [0, 1]^20\nunknown u(t, x), v(t, x)\n\
            pde d(u, t) = lap(u) + v\npde d(v, t) = 0.5 * d(v, x[3], x[3]) - u\n\
            initial u = 0\ninitial v = 0\nboundary on(x): u = 0\nboundary on(x): v = 0\n";
        let (plan, errors) = plan_of(src, &[]);
        assert!(!errors);
        let plan = plan.expect("plan");
        let paths: Vec<(&str, Path)> = plan
            .second_order
            .iter()
            .map(|t| (t.equation.as_str(), t.path))
            .collect();
        assert_eq!(paths, [("pde u", Path::MonteCarlo), ("pde v", Path::Exact)]);
        let eqs = &plan.program.pde.equations;
        let read: Vec<Vec<usize>> = eqs
            .iter()
            .map(|e| e.factors.iter().map(|f| f.unknown).collect())
            .collect();
        assert_eq!(read, [vec![0], vec![1]]);
        // The exact term is read from the summed channel (`plan::summed`), one group alone.
        assert!(plan.program.pde.summed);
        assert_eq!(eqs[0].summed, []);
        assert_eq!(
            eqs[1].summed,
            [crate::plan::summed::SummedRead {
                unknown: 1,
                ratio: 1.0
            }]
        );
        assert_eq!(eqs[1].ir_terms.len(), 2, "d(v, t) and u");
        let mc = plan.monte_carlo.as_ref().expect("a Monte Carlo section");
        assert_eq!(mc.factors.len(), 1);
        let (plan, errors) = plan_of(src, &["second_order=monte_carlo".into()]);
        assert!(!errors, "a system takes the Monte Carlo path");
        let plan = plan.expect("plan");
        assert!(plan.second_order.iter().all(|t| t.path == Path::MonteCarlo));
        let read: Vec<usize> = plan.program.pde.factors().map(|f| f.unknown).collect();
        assert_eq!(read, [0, 1]);
    }
}
