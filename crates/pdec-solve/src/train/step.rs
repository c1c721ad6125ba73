//! One training step ([`train_step`]): the step's points and noise, the passes over threads
//! and ranks, one host read (or one allreduce), then Adam, or the term to blame when a value
//! or the gradient is not finite.

use crate::distributed::Comm;
use crate::nn::Net;
use crate::train::adam::Adam;
use crate::train::balance::TermBalance;
use crate::train::gradients::{nonfinite_gradient_term, squared_norm};
use crate::train::loss::{Points, StepLosses};
use crate::train::parallel::{
    Weighing, rank_shares, sum_passes, term_gradient_norms, worker_passes,
};
use crate::train::program::LossProgram;
use crate::train::rng::{NOISE_KEY, step_rng};
use crate::train::sampling::CarriedPoints;
use candle_core::{DType, Result, Tensor};
use pdec_lang::settings::RunSettings;

/// What one training step produced.
pub enum StepOutcome {
    /// The parameters were updated; the loss of each plan term before the update.
    Updated(Vec<f64>),
    /// Term `term`'s value (or, with `gradient`, its gradient) was NaN or infinite: nothing
    /// was updated.
    NotFinite {
        term: usize,
        values: Vec<f64>,
        gradient: bool,
    },
}

/// What a rank knows before a step that all ranks must agree on.
#[derive(Clone, Copy, Debug)]
pub struct Control {
    /// Ctrl-C or the time limit asks to stop.
    pub stop: bool,
    /// Seconds of training so far (rank 0's clock is the one used).
    pub elapsed: f64,
}

/// A step's outcome with the agreed control values and the learning rate used.
pub struct Stepped {
    pub outcome: StepOutcome,
    pub control: Control,
    pub lr: f64,
}

/// One training step, shared by `pdec solve` and `pdec bench` so that the benchmark times
/// exactly what training runs: sample (when due), losses, one host read of the term values,
/// backward, Adam. `carried` keeps the points (and the adaptive pool) between steps. With several
/// ranks, the term values, the gradients and the control values are summed in one
/// allreduce (`distributed`), and `lr_at` gets rank 0's clock. `balance` weighs the terms and
/// moves after an update (measuring each term's gradient on the steps it asks to).
#[allow(clippy::too_many_arguments)]
pub fn train_step(
    program: &LossProgram,
    run: &RunSettings,
    net: &Net,
    adam: &mut Adam,
    step: u64,
    carried: &mut CarriedPoints,
    balance: &mut TermBalance,
    comm: &Comm,
    local: Control,
    lr_at: impl FnOnce(f64) -> f64,
) -> Result<Stepped> {
    carried.prepare(program, run, net, step, comm)?;
    let batches = &carried.batches;
    let noise = program.draw_noise(&mut step_rng(run.seed ^ NOISE_KEY, step));
    let share = rank_shares(program, batches, comm);
    let weighing = Weighing {
        multipliers: &balance.multipliers,
        term_gradients: balance.wants_gradient_norms(step),
        points: Points::Fresh,
    };
    let passes = worker_passes(program, net, batches, &noise, &share, weighing)?;
    let norms = match weighing.term_gradients {
        true => Some(term_gradient_norms(&passes, comm)?),
        false => None,
    };
    let (values_t, grads) = sum_passes(&passes)?;
    let all_losses: Vec<&StepLosses> = passes.iter().map(|p| &p.losses).collect();
    let summed = Summed {
        values: values_t,
        grads,
        losses: &all_losses,
    };
    let stepped = match comm.size() {
        1 => one_rank(net, adam, summed, run.clip, local, lr_at)?,
        _ => many_ranks(net, adam, summed, run.clip, &share, comm, local, lr_at)?,
    };
    if let StepOutcome::Updated(values) = &stepped.outcome {
        balance.update(step, values, norms.as_deref(), run.seed);
    }
    Ok(stepped)
}

/// The largest `|g_pde| / |g_i|` over the conditions at step `step`'s points and noise with
/// the network as it is ([`crate::train::balance::condition_ratio`]): what `balance = auto`
/// reads before the first step. One backward per term on points drawn as the step will draw
/// them (keyed by seed and step) into a fresh carrier, so the training that follows is the
/// same as without the measurement. On several ranks, every rank must call it.
pub fn condition_gradient_ratio(
    program: &LossProgram,
    run: &RunSettings,
    net: &Net,
    step: u64,
    comm: &Comm,
) -> Result<Option<f64>> {
    let mut carried = CarriedPoints::default();
    carried.prepare(program, run, net, step, comm)?;
    let noise = program.draw_noise(&mut step_rng(run.seed ^ NOISE_KEY, step));
    let share = rank_shares(program, &carried.batches, comm);
    let ones = vec![1.0; program.plan.terms.len()];
    let weighing = Weighing {
        multipliers: &ones,
        term_gradients: true,
        points: Points::Fresh,
    };
    let passes = worker_passes(program, net, &carried.batches, &noise, &share, weighing)?;
    let norms = term_gradient_norms(&passes, comm)?;
    Ok(crate::train::balance::condition_ratio(program.plan, &norms))
}

/// A rank's summed passes: term values `[terms]`, gradients, and each pass's losses.
struct Summed<'a> {
    values: Tensor,
    grads: Vec<Tensor>,
    losses: &'a [&'a StepLosses],
}

/// The end of a step on one rank: one host read of the values and the gradient's norm, then
/// Adam (or the non-finite term).
fn one_rank(
    net: &Net,
    adam: &mut Adam,
    summed: Summed,
    clip: Option<f64>,
    local: Control,
    lr_at: impl FnOnce(f64) -> f64,
) -> Result<Stepped> {
    let Summed {
        values: values_t,
        grads,
        losses: all_losses,
    } = summed;
    // One host read: the term values and the gradient's squared norm together.
    let parts = [
        values_t.to_dtype(DType::F64)?,
        squared_norm(&grads)?.reshape(1)?,
    ];
    let mut read = Tensor::cat(&parts, 0)?.to_vec1::<f64>()?;
    let norm2 = read.pop().unwrap_or(f64::NAN);
    let values = read;
    let lr = lr_at(local.elapsed);
    if let Some((term, gradient)) = blamed_term(&values, || !norm2.is_finite(), net, all_losses)? {
        return Ok(not_finite(term, values, gradient, local, lr));
    }
    adam.update_with(&net.params, grads, lr, clip)?;
    Ok(Stepped {
        outcome: StepOutcome::Updated(values),
        control: local,
        lr,
    })
}

/// The end of a step over several ranks: the values, the control values and the gradients
/// summed in one allreduce, then Adam (or the non-finite term) on every rank alike.
#[allow(clippy::too_many_arguments)]
fn many_ranks(
    net: &Net,
    adam: &mut Adam,
    summed: Summed,
    clip: Option<f64>,
    share: &[f64],
    comm: &Comm,
    local: Control,
    lr_at: impl FnOnce(f64) -> f64,
) -> Result<Stepped> {
    let Summed {
        values: values_t,
        grads,
        losses: all_losses,
    } = summed;
    let mut values = values_t.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    // Several ranks: [scaled term values, stop, rank 0's clock, gradients] in one buffer.
    for (v, f) in values.iter_mut().zip(share) {
        *v *= f;
    }
    let k = values.len();
    let mut buf = values;
    buf.push(if local.stop { 1.0 } else { 0.0 });
    buf.push(if comm.is_root() { local.elapsed } else { 0.0 });
    for g in &grads {
        buf.extend(g.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
    }
    comm.sum_in_place(&mut buf);
    let values = buf[..k].to_vec();
    let control = Control {
        stop: buf[k] > 0.0,
        elapsed: buf[k + 1],
    };
    let lr = lr_at(control.elapsed);
    // Every rank sees the same summed gradient, so all blame a term together; the term is
    // found on this rank's own points.
    let gradient_bad = || buf[k + 2..].iter().any(|g| !g.is_finite());
    if let Some((term, gradient)) = blamed_term(&values, gradient_bad, net, all_losses)? {
        return Ok(not_finite(term, values, gradient, control, lr));
    }
    let mut at = k + 2;
    let mut summed = Vec::with_capacity(grads.len());
    for g in &grads {
        let len = g.elem_count();
        let t = Tensor::from_vec(buf[at..at + len].to_vec(), g.shape(), g.device())?
            .to_dtype(g.dtype())?;
        summed.push(t);
        at += len;
    }
    adam.update_with(&net.params, summed, lr, clip)?;
    Ok(Stepped {
        outcome: StepOutcome::Updated(values),
        control,
        lr,
    })
}

/// The term to blame for a non-finite step: the first term whose value is not finite, else,
/// when the gradient is not (`gradient_bad`), the first whose gradient is not (with `true`).
fn blamed_term(
    values: &[f64],
    gradient_bad: impl FnOnce() -> bool,
    net: &Net,
    losses: &[&StepLosses],
) -> Result<Option<(usize, bool)>> {
    Ok(match values.iter().position(|v| !v.is_finite()) {
        Some(term) => Some((term, false)),
        None if gradient_bad() => Some((nonfinite_gradient_term(net, losses)?, true)),
        None => None,
    })
}

/// A step that stopped on a non-finite term, without an update.
fn not_finite(term: usize, values: Vec<f64>, gradient: bool, control: Control, lr: f64) -> Stepped {
    Stepped {
        outcome: StepOutcome::NotFinite {
            term,
            values,
            gradient,
        },
        control,
        lr,
    }
}
