//! The work a training step does per collocation point, and the Monte Carlo estimator's
//! section of the plan: the one place that says how many draws, estimates, noise values and
//! network passes the step takes. `pdec explain`, the memory estimate, `pdec bench` and the
//! training step all read these numbers from here.

use crate::ir::{Comp, Coord, NodeId, Op, Problem};
use crate::passes::Analysis;
use crate::passes::second_order::Path;
use crate::plan::terms::{GradientSquarePlan, SecondOrderPlan};
use crate::settings::{McDifference, McNoise, Settings};
use serde::Serialize;

/// The Monte Carlo estimator of the residual's second-order terms (`v^T H v` along
/// `v = B w`) and gradient squares (`(w . grad u)^2 / delta`), as the step runs it.
///
/// The loss multiplies `estimates` independent estimates of the residual (two: `A(w) A(w~)`
/// is unbiased for the square), each the mean of `draws_per_estimate` draws. The noise of a
/// step is, per point, one block of `columns` values per factor, estimate and draw, in that
/// order, then one per gradient square, estimate and draw ([`MonteCarloPlan::noise_blocks`]).
#[derive(Clone, Debug, Serialize)]
pub struct MonteCarloPlan {
    /// `E[w w^T] = delta I`.
    pub delta: f64,
    pub noise: McNoise,
    pub difference: McDifference,
    /// Independent estimates of the residual per step.
    pub estimates: usize,
    /// Draws averaged in each estimate (`mc_draws`).
    pub draws_per_estimate: usize,
    /// The second-order terms on the Monte Carlo path, in the order the step draws them.
    pub factors: Vec<NoiseBlock>,
    /// The gradient squares on the Monte Carlo path, in the order the step draws them.
    pub gradient_squares: Vec<NoiseBlock>,
}

/// One Monte Carlo term's noise: `columns` values per point and draw (the columns of its
/// factor `B`, or the components of the gradient).
#[derive(Clone, Debug, Serialize)]
pub struct NoiseBlock {
    pub term: String,
    pub columns: usize,
}

impl MonteCarloPlan {
    /// The estimator for the terms on the Monte Carlo path; `None` when no term takes it.
    pub fn new(
        second_order: &[SecondOrderPlan],
        gradient_squares: &[GradientSquarePlan],
        settings: &Settings,
    ) -> Option<MonteCarloPlan> {
        let factors: Vec<NoiseBlock> = second_order
            .iter()
            .filter(|t| t.path == Path::MonteCarlo)
            .filter_map(|t| {
                let f = t.factor.as_ref()?;
                Some(NoiseBlock {
                    term: t.term.clone(),
                    columns: f.columns(),
                })
            })
            .collect();
        let squares: Vec<NoiseBlock> = gradient_squares
            .iter()
            .filter(|t| t.path == Path::MonteCarlo)
            .map(|t| NoiseBlock {
                term: t.term.clone(),
                columns: t.components,
            })
            .collect();
        if factors.is_empty() && squares.is_empty() {
            return None;
        }
        Some(MonteCarloPlan {
            delta: settings.mc_delta().unwrap_or(1e-3),
            noise: settings.mc_noise,
            difference: settings.mc_difference,
            estimates: 2,
            draws_per_estimate: settings.mc_draws.max(1),
            factors,
            gradient_squares: squares,
        })
    }

    /// Draws of each term per step: `estimates * draws_per_estimate`.
    pub fn draws(&self) -> usize {
        self.estimates * self.draws_per_estimate
    }

    /// The columns of each block of a step's noise, in the order it is drawn and read: each
    /// factor's draws (estimate by estimate), then each gradient square's.
    pub fn noise_blocks(&self) -> Vec<usize> {
        self.factors
            .iter()
            .chain(&self.gradient_squares)
            .flat_map(|b| std::iter::repeat_n(b.columns, self.draws()))
            .collect()
    }

    /// Noise values per point and step.
    pub fn noise_per_point(&self) -> usize {
        self.noise_blocks().iter().sum()
    }

    /// Network evaluations at shifted points `x + v` and `x - v` per collocation point: two
    /// per draw of every factor.
    pub fn shifted_points(&self) -> usize {
        2 * self.draws() * self.factors.len()
    }

    /// Whether each shifted point also carries a tangent along `v` (the difference of
    /// directional derivatives, `mc_difference = gradients`), or only its value.
    pub fn shifted_tangent(&self) -> bool {
        self.difference == McDifference::Gradients
    }

    /// Directional derivatives at the point itself: one per draw of every gradient square.
    pub fn point_tangents(&self) -> usize {
        self.draws() * self.gradient_squares.len()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    /// First-order tangent channels carried through the network.
    pub first_order_tangents: usize,
    /// Second-order directions computed exactly (each a tangent and a second-order channel).
    pub exact_second_order_directions: usize,
    /// Network evaluations at shifted points `x +- v` for the Monte Carlo second-order terms
    /// ([`MonteCarloPlan::shifted_points`]).
    pub monte_carlo_shifted_points: usize,
    /// Directional derivatives at the point for the Monte Carlo gradient squares
    /// ([`MonteCarloPlan::point_tangents`]).
    pub gradient_square_jvps: usize,
}

impl Cost {
    /// The work of the residual's terms on their paths.
    pub fn new(
        problem: &Problem,
        analysis: &Analysis,
        second_order: &[SecondOrderPlan],
        monte_carlo: Option<&MonteCarloPlan>,
    ) -> Cost {
        let estimated: Vec<NodeId> = analysis
            .gradient_squares
            .iter()
            .filter(|t| t.path == Path::MonteCarlo)
            .map(|t| t.node)
            .collect();
        Cost {
            first_order_tangents: first_order_tangents(problem, analysis, &estimated),
            exact_second_order_directions: second_order
                .iter()
                .filter(|t| t.path == Path::Exact)
                .map(|t| t.directions)
                .sum::<usize>()
                + analysis.other_second_order.len(),
            monte_carlo_shifted_points: monte_carlo.map_or(0, MonteCarloPlan::shifted_points),
            gradient_square_jvps: monte_carlo.map_or(0, MonteCarloPlan::point_tangents),
        }
    }
}

/// How many first-derivative directions the residuals need (time, and space components):
/// derivatives reachable from the PDE's terms (except the Monte Carlo gradient squares in
/// `estimated`), the conditions and the constraint.
fn first_order_tangents(p: &Problem, analysis: &Analysis, estimated: &[NodeId]) -> usize {
    let mut time = false;
    let mut comps: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); p.space.len()];
    let g = &p.graph;
    let mut stack: Vec<NodeId> = analysis
        .terms
        .iter()
        .map(|t| t.node)
        .filter(|n| !estimated.contains(n))
        .chain(p.conditions.iter().map(|c| c.residual))
        .chain(p.constraint.as_ref().map(|c| c.obstacle))
        .collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let n = g.node(id);
        stack.extend(crate::ir::children(&n.op));
        let Op::Deriv(coords) = &n.op else { continue };
        for c in coords {
            match c {
                Coord::Time => time = true,
                Coord::Space { var, comp } => {
                    let len = p.space[*var].domain.dim().unwrap_or(1);
                    match comp {
                        Comp::Scalar => {
                            comps[*var].insert(0);
                        }
                        Comp::Fixed(k) => {
                            comps[*var].insert(*k);
                        }
                        Comp::Axis(a, off) => {
                            for k in 0..g.axis(*a).len() {
                                comps[*var].insert(k + off);
                            }
                        }
                        Comp::Whole => comps[*var].extend(0..len),
                    }
                }
            }
        }
    }
    usize::from(time) + comps.iter().map(|c| c.len()).sum::<usize>()
}
