//! `lr = auto`: the learning rate chosen by a short probe before training. Each candidate
//! trains the network from the run's starting weights for a few steps, on the very points
//! and noise the run's first steps draw (they depend on the seed and the step only), with the
//! run's schedule at that peak; the candidate whose terms fell furthest wins, and the run then
//! starts again from the same weights with it, so that it is exactly the run `lr = WINNER`
//! would have been.
//!
//! Why a probe and not one default: the right rate depends on the problem's scale and
//! stiffness. Measured at 2,000 steps (docs/RESULTS.md), 1e-2 beat 1e-3 three- to
//! fivefold on the 5-D heat box, the L-shape and Burgers, while the 100-D heat problem
//! needs it to fit its conditions at all, and problems with a stiff term diverge at 1e-2.
//!
//! The score of a candidate is the mean over the terms of `ln(late / first)`: `first` is a
//! term's loss at step 0 (the same network and points for every candidate), `late` its mean
//! over the last quarter of the probe. The logarithm weighs every term alike whatever its
//! scale (a 100-D Laplacian's 266 against a boundary's 4) so that a rate that only drives
//! the largest term down does not win. A candidate whose loss or gradient is ever
//! non-finite is out.

use crate::distributed::Comm;
use crate::nn::Net;
use crate::train::adam::Adam;
use crate::train::balance::TermBalance;
use crate::train::program::LossProgram;
use crate::train::sampling::CarriedPoints;
use crate::train::schedule::learning_rate;
use crate::train::step::{Control, StepOutcome, train_step};
use candle_core::{Result, Tensor};
use pdec_lang::settings::RunSettings;
use pdec_lang::settings::lr_auto::probe_steps;

/// What the probe found: every candidate's score (`None`: it went non-finite) and the
/// one chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct LrProbe {
    /// Adam steps each candidate took.
    pub steps: u64,
    pub candidates: Vec<f64>,
    /// Mean over the terms of `ln(late / first)`; lower is better.
    pub scores: Vec<Option<f64>>,
    pub chosen: f64,
}

/// Probes `candidates` (ascending; the run's are `pdec_lang::settings::lr_auto::CANDIDATES`) from the network's current weights and puts them back afterwards
/// (the run starts from them). `run` is the run's settings with `balance` resolved; its `lr`
/// is replaced by each candidate in turn. Every rank takes the same steps (the values are
/// summed over ranks), so every rank chooses alike.
pub fn probe_learning_rate(
    program: &LossProgram,
    run: &RunSettings,
    net: &Net,
    comm: &Comm,
    candidates: &[f64],
) -> Result<LrProbe> {
    let steps = probe_steps(run.steps);
    let start: Vec<Tensor> = net
        .params
        .iter()
        .map(|(_, v)| v.as_tensor().copy())
        .collect::<Result<_>>()?;
    let mut scores = Vec::with_capacity(candidates.len());
    for &lr in candidates {
        let trial = RunSettings { lr, ..run.clone() };
        let losses = train_from_start(program, &trial, net, comm, steps);
        // Back to the start whatever happened (an error is returned after it).
        for ((_, var), t) in net.params.iter().zip(&start) {
            var.set(t)?;
        }
        scores.push(losses?.as_deref().and_then(score));
    }
    let chosen = choose(candidates, &scores);
    Ok(LrProbe {
        steps,
        candidates: candidates.to_vec(),
        scores,
        chosen,
    })
}

/// `steps` Adam steps of `run` from the network's weights with a fresh optimizer and
/// balance; each step's term values, or `None` when one went non-finite.
fn train_from_start(
    program: &LossProgram,
    run: &RunSettings,
    net: &Net,
    comm: &Comm,
    steps: u64,
) -> Result<Option<Vec<Vec<f64>>>> {
    let mut adam = Adam::new(&net.params)?;
    let mut balance = TermBalance::for_plan(run.balance, program.plan);
    let mut points = CarriedPoints::default();
    let mut losses = Vec::with_capacity(steps as usize);
    for step in 0..steps {
        let control = Control {
            stop: false,
            elapsed: 0.0,
        };
        // The schedule by steps alone: a time limit must not make the probe depend on the
        // machine's speed.
        let by_steps = RunSettings {
            time_limit: None,
            ..run.clone()
        };
        let stepped = train_step(
            program,
            run,
            net,
            &mut adam,
            step,
            &mut points,
            &mut balance,
            comm,
            control,
            |_| learning_rate(&by_steps, step, 0.0),
        )?;
        match stepped.outcome {
            StepOutcome::Updated(values) if values.iter().all(|v| v.is_finite()) => {
                losses.push(values)
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(losses))
}

/// The score of one candidate's losses (one row per step): the mean over the terms of
/// `ln(late / first)`. Terms that start at zero (nothing to fit) are left out; a term whose
/// late mean is not positive (a Monte Carlo term's estimate can be) counts as fallen by
/// 12 decades, the floor. `None` when no term counts.
pub fn score(losses: &[Vec<f64>]) -> Option<f64> {
    let first = losses.first()?;
    let late = &losses[losses.len() - losses.len().div_ceil(4)..];
    let mut sum = 0.0;
    let mut counted = 0usize;
    for (k, &v0) in first.iter().enumerate() {
        // NaN fails this too.
        if v0.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let mean = late.iter().map(|row| row[k]).sum::<f64>() / late.len() as f64;
        sum += (mean.max(v0 * 1e-12) / v0).ln();
        counted += 1;
    }
    (counted > 0).then(|| sum / counted as f64)
}

/// The candidate with the lowest score (the first of equal ones); the smallest when none
/// has a score.
pub fn choose(candidates: &[f64], scores: &[Option<f64>]) -> f64 {
    let mut best: Option<(f64, f64)> = None;
    for (&lr, s) in candidates.iter().zip(scores) {
        if let Some(s) = *s
            && best.is_none_or(|(b, _)| s < b)
        {
            best = Some((s, lr));
        }
    }
    best.map_or(candidates[0], |(_, lr)| lr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_weighs_terms_alike_whatever_their_scale() {
        // Term 0 falls 100-fold, term 1 (a thousand times larger) not at all.
        let rows = vec![vec![1.0, 1000.0], vec![0.5, 1000.0], vec![0.01, 1000.0]];
        let s = score(&rows).expect("a score");
        assert!((s - 0.5 * (0.01f64).ln()).abs() < 1e-12, "{s}");
    }

    #[test]
    fn a_non_positive_late_mean_is_floored_and_a_zero_term_left_out() {
        let rows = vec![vec![2.0, 0.0], vec![-1.0, 0.0]];
        assert!((score(&rows).expect("a score") - (1e-12f64).ln()).abs() < 1e-9);
        assert_eq!(score(&[vec![0.0]]), None);
    }

    #[test]
    fn the_lowest_score_wins_and_a_failed_candidate_never_does() {
        let c = [1e-3, 3e-3, 1e-2];
        assert_eq!(choose(&c, &[Some(-1.0), Some(-2.0), None]), 3e-3);
        assert_eq!(choose(&c, &[Some(-1.0), Some(-1.0), Some(-0.5)]), 1e-3);
        assert_eq!(choose(&c, &[None, None, None]), 1e-3);
    }
}
