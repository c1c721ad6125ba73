//! The work a training step does per collocation point, and the Monte Carlo estimator's
//! section of the plan: the one place that says how many draws, estimates, noise values and
//! network passes the step takes. `pdec explain`, the memory estimate, `pdec bench` and the
//! training step all read these numbers from here.

use crate::passes::second_order::Path;
use crate::plan::program::PdeProgram;
use crate::plan::terms::{GradientSquarePlan, SecondOrderPlan};
use crate::settings::{McDifference, McNoise, PlanSettings};
use serde::Serialize;
use std::collections::BTreeSet;

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
        settings: &PlanSettings,
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

    /// The values per point of each block of a step's noise, in the order it is drawn and
    /// read: each factor's draws (estimate by estimate), then each gradient square's. A
    /// block holds `w`'s columns, or under `mc_noise = coordinates` the one column drawn.
    pub fn noise_blocks(&self) -> Vec<usize> {
        let width = |b: &NoiseBlock| match self.noise {
            McNoise::Coordinates => 1,
            McNoise::Rademacher | McNoise::Gaussian => b.columns,
        };
        self.factors
            .iter()
            .chain(&self.gradient_squares)
            .flat_map(|b| std::iter::repeat_n(width(b), self.draws()))
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

/// Work per collocation point and step: the PDE's base pass at the point, exactly as the
/// step lays out its tangent directions (`lower::Directions` in the solver: second-order
/// unit directions, mixed pairs and factor columns first, then the normal, the drifts' and
/// gradient squares' directional derivatives, and the remaining first derivatives), and the
/// Monte Carlo passes at shifted points.
#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    /// Tangent directions of the base pass.
    pub tangents: usize,
    /// Of these, the directions that carry a second-order channel.
    pub second_order_directions: usize,
    /// Second-order channels carried: one per direction, or one summed channel when the
    /// exact-path factors are the only second derivatives read.
    pub second_order_channels: usize,
    /// Directional derivatives at the point for drifts, one per drift term.
    pub drift_jvps: usize,
    /// Directional derivatives at the point for the Monte Carlo gradient squares
    /// ([`MonteCarloPlan::point_tangents`]).
    pub gradient_square_jvps: usize,
    /// Network evaluations at shifted points `x +- v` for the Monte Carlo second-order terms
    /// ([`MonteCarloPlan::shifted_points`]).
    pub monte_carlo_shifted_points: usize,
}

impl Cost {
    /// The work of the PDE's program with its Monte Carlo estimator.
    pub fn new(pde: &PdeProgram, monte_carlo: Option<&MonteCarloPlan>) -> Cost {
        let needs = &pde.needs;
        let unit: BTreeSet<usize> = needs.diag.union(&pde.unit_diag).copied().collect();
        let second_order_directions = unit.len() + needs.mixed.len() + pde.general;
        let drift_jvps = pde.drifts().count();
        let gradient_square_jvps = monte_carlo.map_or(0, MonteCarloPlan::point_tangents);
        let first_only = needs.first.iter().filter(|c| !unit.contains(c)).count();
        Cost {
            tangents: second_order_directions
                + usize::from(needs.normal)
                + drift_jvps
                + gradient_square_jvps
                + first_only,
            second_order_directions,
            second_order_channels: match pde.summed {
                true => 1,
                false => second_order_directions,
            },
            drift_jvps,
            gradient_square_jvps,
            monte_carlo_shifted_points: monte_carlo.map_or(0, MonteCarloPlan::shifted_points),
        }
    }
}
