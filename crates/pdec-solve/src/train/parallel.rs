//! The split of a step over threads and MPI ranks. Each rank trains on its rows of every
//! global batch ([`rank_shares`]: its share of each term); within a rank, thread `w` of `W`
//! takes rows `n w / W .. n (w + 1) / W` of every term and the Monte Carlo noise of its PDE
//! rows ([`worker_passes`]); the passes' term values and gradients are summed in thread
//! order ([`sum_passes`]), so the result is the one-thread one.

use crate::distributed::Comm;
use crate::nn::Net;
use crate::train::gradients::gradients;
use crate::train::loss::StepLosses;
use crate::train::program::{LossProgram, err};
use candle_core::{Result, Tensor};
use pdec_lang::geometry;
use pdec_lang::plan::TermKind;

/// One thread's part of a step: its term values (means over its rows, times its share of
/// this rank's rows) `[terms]`, the gradient of its part of the loss, and its losses (to
/// find the term to blame for a non-finite gradient).
pub(super) struct Pass {
    pub(super) values: Tensor,
    pub(super) grads: Vec<Tensor>,
    pub(super) losses: StepLosses,
}

/// One thread's slice of a step: its batches, its Monte Carlo noise, and each term's share
/// of the rank's rows.
type Piece = (Vec<Vec<geometry::Batch>>, Vec<f64>, Vec<f64>);

/// Stack size of the worker threads: candle's backward walks the graph recursively.
pub(crate) const WORKER_STACK: usize = 64 * 1024 * 1024;

impl LossProgram<'_> {
    /// The number of threads a step uses: `workers`, but never more than the PDE's rows on
    /// this rank (a term with fewer rows than threads goes whole to the first thread).
    pub fn effective_workers(&self, batches: &[Vec<geometry::Batch>]) -> usize {
        let pde_rows = self
            .plan
            .terms
            .iter()
            .position(|t| t.kind == TermKind::Pde)
            .and_then(|k| batches.get(k)?.first().map(|b| b.n))
            .unwrap_or(1);
        self.workers.clamp(1, pde_rows.max(1))
    }
}

/// The losses and gradients of this rank's batches, split over
/// [`LossProgram::effective_workers`] threads: thread `w` takes rows `n w / W .. n (w + 1) / W`
/// of every term (and the Monte Carlo noise of its PDE rows) and weights each term by its
/// share of the rank's rows, so that the passes sum to the one-thread loss and gradient.
/// candle runs each thread's operations on that thread (one candle thread, see `main`), so
/// two threads use two cores for the whole step, where one thread leaves the second core
/// idle outside large matmuls.
pub(super) fn worker_passes(
    program: &LossProgram,
    net: &Net,
    batches: &[Vec<geometry::Batch>],
    noise: &[f64],
    rank_share: &[f64],
) -> Result<Vec<Pass>> {
    let workers = program.effective_workers(batches);
    let ones = vec![1.0; batches.len()];
    if workers == 1 {
        return Ok(vec![pass(program, net, batches, noise, rank_share, &ones)?]);
    }
    let pde = program
        .plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Pde);
    let rows_of = |k: usize| batches[k].first().map_or(0, |b| b.n);
    let pieces: Vec<Piece> = (0..workers)
        .map(|w| {
            // Rows `lo..hi` of a term with `n` rows; one with fewer rows than threads goes
            // whole to thread 0 (the others skip it: share 0).
            let cut = |n: usize| match n < workers {
                true if w == 0 => (0, n),
                true => (0, 0),
                false => (n * w / workers, n * (w + 1) / workers),
            };
            let part: Vec<Vec<geometry::Batch>> = batches
                .iter()
                .map(|term| {
                    term.iter()
                        .map(|b| {
                            let (lo, hi) = cut(b.n);
                            b.rows(lo, hi)
                        })
                        .collect()
                })
                .collect();
            let share: Vec<f64> = program
                .plan
                .terms
                .iter()
                .enumerate()
                .map(|(k, t)| {
                    let n = match (t.kind, pde) {
                        (TermKind::Constraint, Some(p)) => rows_of(p),
                        _ => rows_of(k),
                    };
                    let (lo, hi) = cut(n);
                    (hi - lo) as f64 / n.max(1) as f64
                })
                .collect();
            let noise = match pde {
                Some(p) if !noise.is_empty() => {
                    let (lo, hi) = cut(rows_of(p));
                    program.noise.cut_rows(noise, rows_of(p), lo, hi)
                }
                _ => Vec::new(),
            };
            (part, noise, share)
        })
        .collect();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (part, noise, share) in &pieces[1..] {
            let h = std::thread::Builder::new()
                .name("pdec-worker".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || {
                    pass(program, net, part, noise, rank_share, share)
                })
                .map_err(|e| err(format!("cannot start a training thread: {e}")))?;
            handles.push(h);
        }
        let (part, noise, share) = &pieces[0];
        let mut out = vec![pass(program, net, part, noise, rank_share, share)?];
        for h in handles {
            out.push(h.join().map_err(|_| err("a training thread panicked"))??);
        }
        Ok(out)
    })
}

/// The passes' term values and gradients, summed (in thread order).
pub(super) fn sum_passes(passes: &[Pass]) -> Result<(Tensor, Vec<Tensor>)> {
    let first = passes
        .first()
        .ok_or_else(|| err("invariant: at least one pass"))?;
    let mut values = first.values.clone();
    let mut grads = first.grads.clone();
    for p in &passes[1..] {
        values = (values + &p.values)?;
        for (g, h) in grads.iter_mut().zip(&p.grads) {
            *g = (&*g + h)?;
        }
    }
    Ok((values, grads))
}

/// One thread's losses on its batches, weighted (term weight, the rank's share, the thread's
/// share) and differentiated.
fn pass(
    program: &LossProgram,
    net: &Net,
    batches: &[Vec<geometry::Batch>],
    noise: &[f64],
    rank_share: &[f64],
    share: &[f64],
) -> Result<Pass> {
    let (uploaded, noise) = program.upload(batches, noise)?;
    let losses = program.losses(net, &uploaded, noise.as_ref())?;
    let mut total: Option<Tensor> = None;
    let mut values = Vec::with_capacity(losses.terms.len());
    for (((t, l), f), g) in program
        .plan
        .terms
        .iter()
        .zip(&losses.terms)
        .zip(rank_share)
        .zip(share)
    {
        let w = (l * (t.weight * f * g))?;
        total = Some(match total {
            None => w,
            Some(s) => (s + w)?,
        });
        values.push((l * *g)?.reshape(1)?);
    }
    let total = total.ok_or_else(|| err("no loss terms"))?;
    let grads = gradients(&net.params, &total.backward()?, &losses.projections)?;
    Ok(Pass {
        values: Tensor::cat(&values, 0)?,
        grads,
        losses,
    })
}

/// Each rank's share of a term: its rows over the term's global rows (1 on one rank).
pub(super) fn rank_shares(
    program: &LossProgram,
    batches: &[Vec<geometry::Batch>],
    comm: &Comm,
) -> Vec<f64> {
    let pde_rows = program
        .plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Pde)
        .and_then(|k| batches[k].first().map(|b| b.n))
        .unwrap_or(0);
    program
        .plan
        .terms
        .iter()
        .zip(batches.iter())
        .map(|(t, b)| {
            if comm.size() == 1 {
                return 1.0;
            }
            let local = match t.kind {
                TermKind::Constraint => pde_rows,
                _ => b.first().map_or(0, |b| b.n),
            };
            local as f64 / t.batch.max(1) as f64
        })
        .collect()
}
