//! The split of a step over threads and MPI ranks. Each rank trains on its rows of every
//! global batch ([`rank_shares`]: its share of each term); within a rank, thread `w` of `W`
//! takes rows `n w / W .. n (w + 1) / W` of every term and the Monte Carlo noise of its PDE
//! rows ([`worker_passes`]); the passes' term values and gradients are summed in thread
//! order ([`sum_passes`]), so the result is the one-thread one.

use crate::distributed::Comm;
use crate::nn::Net;
use crate::train::gradients::gradients;
use crate::train::loss::{Points, StepLosses};
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
    /// Each term's own gradient (weighted by `weight.NAME` and the shares, not by the
    /// balance), when the step measures them for `balance = gradients(...)`.
    pub(super) term_grads: Option<Vec<Vec<Tensor>>>,
}

/// How a step weighs its terms beyond `weight.NAME`: the balance's multipliers (one per
/// term), and whether it also keeps each term's own gradient.
#[derive(Clone, Copy)]
pub(super) struct Weighing<'a> {
    pub(super) multipliers: &'a [f64],
    pub(super) term_gradients: bool,
    /// Fresh points (a training step) or a fixed set (the polish).
    pub(super) points: Points,
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
    weighing: Weighing,
) -> Result<Vec<Pass>> {
    let workers = program.effective_workers(batches);
    let ones = vec![1.0; batches.len()];
    if workers == 1 {
        return Ok(vec![pass(
            program, net, batches, noise, rank_share, &ones, weighing,
        )?]);
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
                    // The constraint and a system's other equations take the first
                    // equation's points.
                    let n = match (t.kind, pde) {
                        (TermKind::Constraint | TermKind::Pde, Some(p)) => rows_of(p),
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
                    pass(program, net, part, noise, rank_share, share, weighing)
                })
                .map_err(|e| err(format!("cannot start a training thread: {e}")))?;
            handles.push(h);
        }
        let (part, noise, share) = &pieces[0];
        let mut out = vec![pass(
            program, net, part, noise, rank_share, share, weighing,
        )?];
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

/// One thread's losses on its batches, weighted (term weight, balance, the rank's share, the
/// thread's share) and differentiated: once for the total, or, when the step measures each
/// term's gradient, once per term (the total's gradient is then their weighted sum).
#[allow(clippy::too_many_arguments)]
fn pass(
    program: &LossProgram,
    net: &Net,
    batches: &[Vec<geometry::Batch>],
    noise: &[f64],
    rank_share: &[f64],
    share: &[f64],
    weighing: Weighing,
) -> Result<Pass> {
    let (uploaded, noise) = program.upload(batches, noise)?;
    let losses = program.losses_on(net, &uploaded, noise.as_ref(), weighing.points)?;
    let mut total: Option<Tensor> = None;
    let mut values = Vec::with_capacity(losses.terms.len());
    let mut term_grads = Vec::new();
    let mut grads: Option<Vec<Tensor>> = None;
    for ((((t, l), f), g), m) in program
        .plan
        .terms
        .iter()
        .zip(&losses.terms)
        .zip(rank_share)
        .zip(share)
        .zip(weighing.multipliers)
    {
        values.push((l * *g)?.reshape(1)?);
        if weighing.term_gradients {
            let own = (l * (t.weight * f * g))?;
            let own = gradients(net, &own.backward()?, &losses.projections)?;
            let scaled: Vec<Tensor> = own
                .iter()
                .map(|x| x.affine(*m, 0.0))
                .collect::<Result<_>>()?;
            grads = Some(match grads {
                None => scaled,
                Some(sum) => sum
                    .iter()
                    .zip(&scaled)
                    .map(|(a, b)| a + b)
                    .collect::<Result<_>>()?,
            });
            term_grads.push(own);
            continue;
        }
        // `weight * 1.0` is `weight`: without balancing, the bits of the plain weighted sum.
        let w = (l * (t.weight * m * f * g))?;
        total = Some(match total {
            None => w,
            Some(s) => (s + w)?,
        });
    }
    let grads = match (grads, total) {
        (Some(g), _) => g,
        (None, Some(total)) => gradients(net, &total.backward()?, &losses.projections)?,
        (None, None) => return Err(err("no loss terms")),
    };
    Ok(Pass {
        values: Tensor::cat(&values, 0)?,
        grads,
        losses,
        term_grads: weighing.term_gradients.then_some(term_grads),
    })
}

/// Each term's gradient norm `|g_i|`, its gradients summed over the passes and the ranks (one
/// allreduce on several ranks).
pub(super) fn term_gradient_norms(passes: &[Pass], comm: &Comm) -> Result<Vec<f64>> {
    let Some(Some(first)) = passes.first().map(|p| p.term_grads.as_ref()) else {
        return Err(err("invariant: term gradients were measured"));
    };
    let mut flat: Vec<Vec<f64>> = Vec::with_capacity(first.len());
    for k in 0..first.len() {
        let mut sum: Vec<Tensor> = first[k].clone();
        for p in &passes[1..] {
            let other = p
                .term_grads
                .as_ref()
                .ok_or_else(|| err("invariant: term gradients"))?;
            for (a, b) in sum.iter_mut().zip(&other[k]) {
                *a = (&*a + b)?;
            }
        }
        let mut v = Vec::new();
        for t in &sum {
            v.extend(
                t.flatten_all()?
                    .to_dtype(candle_core::DType::F64)?
                    .to_vec1::<f64>()?,
            );
        }
        flat.push(v);
    }
    if comm.size() > 1 {
        let len = flat.first().map_or(0, Vec::len);
        let mut buf: Vec<f64> = flat.concat();
        comm.sum_in_place(&mut buf);
        flat = buf.chunks(len.max(1)).map(<[f64]>::to_vec).collect();
    }
    Ok(flat
        .iter()
        .map(|v| v.iter().map(|x| x * x).sum::<f64>().sqrt())
        .collect())
}

/// Each rank's share of a term: its rows over the term's global rows (1 on one rank).
pub(super) fn rank_shares(
    program: &LossProgram,
    batches: &[Vec<geometry::Batch>],
    comm: &Comm,
) -> Vec<f64> {
    let pde = program
        .plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Pde);
    let pde_rows = pde
        .and_then(|k| batches[k].first().map(|b| b.n))
        .unwrap_or(0);
    let pde_batch = pde.map_or(1, |k| program.plan.terms[k].batch);
    program
        .plan
        .terms
        .iter()
        .zip(batches.iter())
        .map(|(t, b)| {
            if comm.size() == 1 {
                return 1.0;
            }
            let (local, of) = match t.kind {
                TermKind::Constraint => (pde_rows, t.batch),
                // A system's equations share the first equation's points.
                TermKind::Pde => (pde_rows, pde_batch),
                _ => (b.first().map_or(0, |b| b.n), t.batch),
            };
            local as f64 / of.max(1) as f64
        })
        .collect()
}
