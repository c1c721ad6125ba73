//! Residual-based adaptive sampling (`adaptive = residual(power, uniform, pool, every)`; RAD,
//! Wu, Zhu, Tan, Kartha & Lu 2023). A fresh uniform batch gives a front 0.01 wide, a boundary
//! layer or one corner of a parameter box as few points as anywhere else, although the
//! network is wrong mostly there. Here the PDE's points come from a pool of `pool * batch`
//! candidates of the sampling law, each drawn with probability
//! `(1 - uniform) |r_i|^power / sum_j |r_j|^power + uniform / M`, where `|r_i|^2` is the
//! candidate's share of the loss (the PDE residual squared; on a free-boundary problem the
//! loss form's pointwise terms). The pool is rebuilt from the current network every `every`
//! steps and at each checkpoint, so a run resumed from a checkpoint rebuilds the same pool.
//! The loss is not reweighted: its minimiser, a zero residual, is the same under any law.

use crate::distributed::Comm;
use crate::nn::Net;
use crate::train::parallel::WORKER_STACK;
use crate::train::program::LossProgram;
use crate::train::rng::step_rng;
use candle_core::{DType, Result, Tensor};
use pdec_lang::geometry::{self, Batch};
use pdec_lang::plan::{Region, TermKind};
use pdec_lang::settings::Adaptive;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Keys the pool's random stream apart from the batches' and the noise's.
const POOL_KEY: u64 = 0x706f_6f6c_5241_4421;
/// Keys the Monte Carlo noise of the pool's chunks (each chunk's index mixed in).
const POOL_NOISE_KEY: u64 = 0x706f_6f6c_4e4f_4953;

/// Candidates and their cumulative probabilities.
pub struct Pool {
    /// The step whose network weighed the candidates.
    pub built_at: u64,
    points: Batch,
    /// `cdf[i]`: the probability of candidates `0..=i`.
    cdf: Vec<f64>,
}

impl Pool {
    /// Draws the candidates of step `step` and weighs them by `net`'s pointwise loss,
    /// evaluated a PDE batch (a chunk) at a time. The chunks are dealt round the ranks and
    /// each rank's round its training threads, and summed over the ranks, so every rank holds
    /// the same whole pool; each chunk's Monte Carlo noise has its own stream, so the pool is
    /// the same however many threads and ranks weigh it.
    pub fn build(
        program: &LossProgram,
        net: &Net,
        a: &Adaptive,
        seed: u64,
        step: u64,
        comm: &Comm,
    ) -> Result<Pool> {
        let batch = program
            .plan
            .terms
            .iter()
            .find(|t| t.kind == TermKind::Pde)
            .map(|t| t.batch.max(1))
            .ok_or_else(|| candle_core::Error::Msg("invariant: a pde term".into()))?;
        let m = batch * a.pool;
        let mut rng = step_rng(seed ^ POOL_KEY, step);
        let (problem, layout) = (program.problem, &program.layout);
        // Candidates from the run's sequence too (`sampling = sobol | halton`).
        let mut drawn = match geometry::sequence::quasi_random(program.settings.sequence) {
            None => geometry::sample_region(problem, layout, &Region::Interior, m, &mut rng),
            Some(kind) => {
                let key = geometry::sequence::mix(seed ^ POOL_KEY);
                let mut q = geometry::sequence::QuasiRandom::new(
                    kind,
                    key,
                    step.wrapping_mul(m as u64),
                    &mut rng,
                );
                geometry::sample_region(problem, layout, &Region::Interior, m, &mut q)
            }
        };
        let points = drawn
            .pop()
            .ok_or_else(|| candle_core::Error::Msg("invariant: interior points".into()))?;
        let loss = weigh(program, net, &points, batch, seed, step, comm)?;
        let mut cdf = probabilities(&loss, a.power, a.uniform);
        let mut acc = 0.0;
        for p in cdf.iter_mut() {
            acc += *p;
            *p = acc;
        }
        Ok(Pool {
            built_at: step,
            points,
            cdf,
        })
    }

    /// `n` candidates drawn with replacement by their probabilities.
    pub fn draw(&self, n: usize, rng: &mut ChaCha8Rng) -> Batch {
        let w = self.points.width;
        let last = self.cdf.len().saturating_sub(1);
        let total = self.cdf.last().copied().unwrap_or(1.0);
        let mut points = Vec::with_capacity(n * w);
        for _ in 0..n {
            let u = rng.random::<f64>() * total;
            let i = self.cdf.partition_point(|&c| c <= u).min(last);
            points.extend_from_slice(&self.points.points[i * w..(i + 1) * w]);
        }
        Batch {
            n,
            width: w,
            points,
            normals: None,
            values: None,
        }
    }
}

/// The pointwise loss of every candidate, chunk `c` (rows `c batch ..`) weighed by rank
/// `c % ranks` on its thread `(c / ranks) % threads`; the other ranks' chunks are zeros here
/// until the sum over ranks fills them in.
fn weigh(
    program: &LossProgram,
    net: &Net,
    points: &Batch,
    batch: usize,
    seed: u64,
    step: u64,
    comm: &Comm,
) -> Result<Vec<f64>> {
    let m = points.n;
    let chunks = m.div_ceil(batch);
    let mine: Vec<usize> = (0..chunks)
        .filter(|c| c % comm.size() == comm.rank())
        .collect();
    let threads = program.workers.clamp(1, mine.len().max(1));
    let one = |c: usize| -> Result<(usize, Vec<f64>)> {
        let chunk = points.rows(c * batch, ((c + 1) * batch).min(m));
        let x = Tensor::from_vec(chunk.points, (chunk.n, chunk.width), &program.device)?
            .to_dtype(program.dtype)?;
        let mut rng = step_rng(seed ^ POOL_NOISE_KEY ^ c as u64, step);
        let l = program.pointwise_loss(net, &x, &mut rng)?;
        Ok((c, l.to_dtype(DType::F64)?.to_vec1::<f64>()?))
    };
    let share = |w: usize| -> Result<Vec<(usize, Vec<f64>)>> {
        mine.iter()
            .skip(w)
            .step_by(threads)
            .map(|&c| one(c))
            .collect()
    };
    let weighed: Vec<(usize, Vec<f64>)> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for w in 1..threads {
            let h = std::thread::Builder::new()
                .name("pdec-pool".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || share(w))
                .map_err(|e| {
                    candle_core::Error::Msg(format!("cannot start a training thread: {e}"))
                })?;
            handles.push(h);
        }
        let mut all = share(0)?;
        for h in handles {
            let part = h
                .join()
                .map_err(|_| candle_core::Error::Msg("a training thread panicked".into()))??;
            all.extend(part);
        }
        Ok::<_, candle_core::Error>(all)
    })?;
    let mut loss = vec![0.0; m];
    for (c, l) in weighed {
        loss[c * batch..c * batch + l.len()].copy_from_slice(&l);
    }
    comm.sum_in_place(&mut loss);
    Ok(loss)
}

/// Each candidate's probability from its pointwise loss `|r|^2`: `(1 - uniform) |r|^power /
/// sum |r|^power + uniform / M`. A non-finite loss weighs as zero (the training's own checks
/// name a non-finite residual); all zero, the law is uniform over the pool.
pub fn probabilities(loss: &[f64], power: f64, uniform: f64) -> Vec<f64> {
    let m = loss.len().max(1) as f64;
    let finite = |l: f64| if l.is_finite() && l > 0.0 { l } else { 0.0 };
    // Scaled by the largest loss first, so that a large power cannot overflow.
    let top = loss.iter().map(|&l| finite(l)).fold(0.0, f64::max);
    if top == 0.0 {
        return vec![1.0 / m; loss.len()];
    }
    let w: Vec<f64> = loss
        .iter()
        .map(|&l| (finite(l) / top).powf(power / 2.0))
        .collect();
    let total: f64 = w.iter().sum();
    w.iter()
        .map(|w| (1.0 - uniform) * w / total + uniform / m)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::tests::{compiled, program_and_net};
    use rand::SeedableRng;

    #[test]
    fn probabilities_follow_the_residual_with_a_uniform_share() {
        // |r| = 1, 3 (losses 1, 9) at power 1: weights 1 : 3, half the mass uniform.
        let p = probabilities(&[1.0, 9.0], 1.0, 0.5);
        assert!((p[0] - (0.5 * 0.25 + 0.25)).abs() < 1e-15, "{p:?}");
        assert!((p[1] - (0.5 * 0.75 + 0.25)).abs() < 1e-15, "{p:?}");
        // Power 2 weighs by the loss itself; no uniform share.
        let p = probabilities(&[1.0, 9.0, 0.0], 2.0, 0.0);
        for (p, q) in p.iter().zip([0.1, 0.9, 0.0]) {
            assert!((p - q).abs() < 1e-15, "{p} against {q}");
        }
        // Nothing to go by (all zero or not finite): uniform over the pool.
        assert_eq!(probabilities(&[0.0, f64::NAN], 1.0, 0.2), vec![0.5, 0.5]);
        // A huge power on huge losses stays finite and sums to one.
        let p = probabilities(&[1e300, 1e299, f64::INFINITY], 8.0, 0.1);
        assert!(p.iter().all(|p| p.is_finite()));
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{p:?}");
    }

    /// A source term 1000 exp(50 (x - 1)) puts nearly all of a fresh network's residual in
    /// `x > 0.9`: the pool's draws go there, where uniform draws put a tenth of them.
    #[test]
    fn the_pool_draws_where_the_residual_is() {
        let src = "space x in [0, 1]\nunknown u(x)\n\
                   pde d(u, x, x) = 1000 * exp(50 * (x - 1))\nboundary on(x): u = 0\n";
        let share_near_one = |sets: &[&str]| -> f64 {
            let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            sets.extend(["dtype=f64".into(), "net=dgm(layers=2, width=8)".into()]);
            let (checked, _, plan) = compiled(src, &sets);
            let (prog, net) = program_and_net(&checked, &plan, 3);
            let a = checked.settings.plan.adaptive.unwrap_or_default();
            let pool = Pool::build(&prog, &net, &a, 0, 0, &Comm::single()).expect("pool");
            assert_eq!(pool.points.n, a.pool * checked.settings.plan.batch);
            let b = pool.draw(4096, &mut ChaCha8Rng::seed_from_u64(1));
            b.points.iter().filter(|&&x| x > 0.9).count() as f64 / 4096.0
        };
        let all = share_near_one(&["adaptive=residual(uniform = 0)"]);
        assert!(all > 0.6, "{all} of the points in x > 0.9");
        // Half the mass uniform (the default): about half of that, plus a twentieth.
        let half = share_near_one(&["adaptive=residual()"]);
        assert!(half > 0.3 && half < all, "{half} of the points in x > 0.9");
        // Power 2 concentrates more than power 1.
        let squared = share_near_one(&["adaptive=residual(power = 2, uniform = 0)"]);
        assert!(squared > all, "{squared} against {all}");
    }

    /// The chunks' noise has its own streams: one, two or three threads weigh the same
    /// pool, to the bit, on a problem whose pointwise loss has Monte Carlo terms.
    #[test]
    fn a_pool_is_the_same_on_any_number_of_threads() {
        let src = "time t in [0, 1]\nspace x in [-1, 1]^5\nunknown u(t, x)\nboundary none\n\
                   pde d(u, t) + lap(u) - 0.7 * norm2(grad(u)) = 0\nterminal u = 0\n";
        let sets: Vec<String> = [
            "dtype=f64",
            "net=dgm(layers=2, width=8)",
            "auto_mc_threshold=1",
            "batch=64",
            "adaptive=residual(pool = 5)",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (checked, analysis, plan) = compiled(src, &sets);
        // Monte Carlo terms: the pointwise loss draws noise.
        assert!(!analysis.gradient_squares.is_empty());
        let (mut prog, net) = program_and_net(&checked, &plan, 3);
        let a = checked.settings.plan.adaptive.unwrap_or_default();
        let mut pools = Vec::new();
        for workers in [1, 2, 3] {
            prog.workers = workers;
            pools.push(Pool::build(&prog, &net, &a, 0, 7, &Comm::single()).expect("pool"));
        }
        assert_eq!(pools[0].points.n, 5 * 64);
        for p in &pools[1..] {
            assert_eq!(p.points.points, pools[0].points.points);
            assert_eq!(p.cdf, pools[0].cdf);
        }
        // Not uniform: the weights were computed.
        let first = pools[0].cdf[0];
        assert!(
            pools[0]
                .cdf
                .windows(2)
                .any(|w| ((w[1] - w[0]) - first).abs() > 1e-6 * first)
        );
    }

    #[test]
    fn draws_follow_the_probabilities() {
        let probs = [0.1, 0.6, 0.0, 0.3];
        let mut cdf = Vec::new();
        let mut acc = 0.0;
        for p in probs {
            acc += p;
            cdf.push(acc);
        }
        let pool = Pool {
            built_at: 0,
            points: Batch {
                n: 4,
                width: 2,
                points: vec![0.0, 0.0, 1.0, 10.0, 2.0, 20.0, 3.0, 30.0],
                normals: None,
                values: None,
            },
            cdf,
        };
        let n = 40_000;
        let b = pool.draw(n, &mut ChaCha8Rng::seed_from_u64(7));
        assert_eq!((b.n, b.width, b.points.len()), (n, 2, 2 * n));
        let mut counts = [0usize; 4];
        for i in 0..n {
            let row = &b.points[2 * i..2 * i + 2];
            assert_eq!(row[1], row[0] * 10.0, "rows are copied whole");
            counts[row[0] as usize] += 1;
        }
        assert_eq!(counts[2], 0, "a zero-probability candidate is never drawn");
        for (c, p) in counts.iter().zip(probs) {
            // Within 4 binomial standard deviations.
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (*c as f64 - n as f64 * p).abs() <= 4.0 * sd + 1e-9,
                "{counts:?}"
            );
        }
    }
}
