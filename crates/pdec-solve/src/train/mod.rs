//! Stage 7b, train: the loss of every named term on freshly sampled points, and the
//! optimisation loop (Adam with a learning-rate schedule and optional clipping).
//!
//! The PDE term's residual is the sum of the analysis' terms: most are evaluated from the IR
//! on one forward pass of the network's jet; second-order terms factored as `C = B B^T` take
//! either the exact path (second-order channels along the columns of `B`) or the Monte Carlo
//! path: the antithetic estimator with two independent draws `w, w~`,
//! and the loss `2 mean(detach(A(w)) A(w~))`, whose gradient is unbiased for that of
//! `mean(A^2)`.
//!
//! The files, by concern: [`program`] (the [`LossProgram`]: what a step evaluates), [`noise`]
//! (the Monte Carlo settings and the one layout of the noise buffer), [`residual`] (the PDE
//! residual), [`loss`] (each term's loss, the free-boundary forms, per-point losses),
//! [`upload`] (points and noise to the device), [`gradients`], [`adam`], [`parallel`] (the
//! split over threads and ranks), [`step`] ([`train_step`]), [`sampling`] (the points of a
//! step, carried between steps, or fixed), [`balance`] (adaptive multipliers of the terms'
//! weights), [`rng`] (the random streams), [`lr_probe`] (`lr = auto`: the learning rate chosen by a short probe), [`schedule`]
//! (learning rate, progress, weight averaging) and [`eval`] (the solution at points).

pub mod adam;
pub mod balance;
pub mod eval;
pub mod gradients;
pub mod loss;
pub mod lr_probe;
pub mod noise;
pub mod parallel;
pub mod program;
pub mod residual;
pub mod rng;
pub mod sampling;
pub mod schedule;
pub mod step;
pub mod upload;

pub use adam::Adam;
pub use balance::TermBalance;
pub use eval::{all_values, eval_free, report_row, solution, solution_of, values, values_of};
pub use loss::{Points, StepLosses};
pub use lr_probe::{LrProbe, probe_learning_rate};
pub use noise::NoiseLayout;
pub use program::LossProgram;
pub use rng::step_rng;
pub use sampling::{CarriedPoints, DrawKey, FixedSet, sample};
pub use schedule::{Continued, WeightAverage, learning_rate, learning_rate_continued, progress};
pub use step::{Control, StepOutcome, Stepped, condition_gradient_ratio, train_step};
pub use upload::Uploaded;

#[cfg(test)]
pub(crate) mod tests;
