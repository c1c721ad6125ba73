//! The L-BFGS polish after a run's Adam steps (`polish` setting): minimises the loss on
//! fixed batches, logs to loss.csv as steps after the Adam steps, saves itself to
//! `polish.safetensors` (`polish_checkpoint.rs`) to go on from when resumed, and measures the
//! loss on fresh points before and after to tell fitting its points from fitting the
//! equation.

use crate::run::checkpoint::Checkpoint;
use crate::run::error::RunError;
use crate::run::polish_checkpoint;
use crate::run::summary::PolishSummary;
use pdec_solve::nn::Net;
use pdec_solve::polish::{self, FixedObjective, Lbfgs};
use pdec_solve::train::{self, LossProgram};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Writes loss.csv's line for a polish iteration: step, step length, total, terms.
pub(crate) type PolishLog<'a> = dyn FnMut(u64, f64, f64, &[f64]) -> Result<(), RunError> + 'a;

/// Where the polish's fixed points come from: apart from every training step's draws.
const POLISH_KEY: u64 = 0x706f_6c69_7368_0001;

/// Where the points that check the polish come from: apart from its own and the steps'.
const FRESH_KEY: u64 = 0x706f_6c69_7368_0002;

/// Where a polish stands in its run: the Adam steps it follows, where to save it (rank 0's
/// `polish.safetensors`), how often, and the saved polish it goes on from.
pub(crate) struct PolishPlace<'a> {
    /// The Adam steps taken: loss.csv's lines are `first + iteration`.
    pub first: u64,
    pub path: Option<&'a Path>,
    /// Iterations between saves (also saved when it ends).
    pub save_every: u64,
    pub saved: Option<polish_checkpoint::Checkpoint>,
    /// The balance's multipliers of the terms' weights as the Adam steps left them (the
    /// polish keeps them fixed: its loss must not move under it).
    pub multipliers: Vec<f64>,
}

/// The saved polish a resumed run goes on from: one saved after the Adam steps it resumes
/// at, when no Adam step is left to take (more steps or a later time limit train on, and
/// the polish starts again).
pub(crate) fn saved(
    resumed: Option<&Checkpoint>,
    st: &pdec_lang::settings::Settings,
    path: &Path,
    net: &Net,
) -> Result<Option<polish_checkpoint::Checkpoint>, RunError> {
    let (first_step, wall_offset) = resumed.map_or((0, 0.0), |c| (c.step, c.wall_s));
    let adam_done =
        first_step >= st.run.steps || st.run.time_limit.is_some_and(|l| wall_offset >= l);
    Ok(match (resumed, &st.run.polish) {
        (Some(c), Some(_)) if adam_done && path.exists() => {
            let saved = polish_checkpoint::load(path, net.parameter_count())?;
            (saved.meta.from_step == c.step).then_some(saved)
        }
        _ => None,
    })
}

/// Polishes `net` (left at the best point found) by L-BFGS on `po.batches` fixed training
/// batches, from the saved polish when there is one of the same points; `log` writes
/// loss.csv's line for each iteration (the start as step `first`, then `first + k`). Ctrl-C
/// stops it with the last accepted point, saved to go on from.
#[allow(clippy::too_many_arguments)]
pub(crate) fn polish_network(
    program: &LossProgram,
    run: &pdec_lang::settings::RunSettings,
    net: &Net,
    po: &pdec_lang::settings::Polish,
    comm: &pdec_solve::distributed::Comm,
    stop: &AtomicBool,
    progress: &crate::progress::Training,
    place: PolishPlace,
    log: &mut PolishLog,
) -> Result<PolishSummary, RunError> {
    let started = Instant::now();
    let first = place.first;
    // Anchored at the network as the Adam steps left it (a resumed polish too: the saved
    // polish's weights are set only below).
    let set = train::FixedSet::draw(program, run.seed, po.batches, POLISH_KEY)
        .weighed(&place.multipliers)
        .anchored(program, net)?;
    let pde_batch = program.plan.pde_batch();
    let points = po.batches * pde_batch;
    let budget = po
        .time_limit
        .map_or(String::new(), |t| format!(" and {t} s"));
    progress.note(&format!(
        "polishing by L-BFGS: at most {} iterations{budget} on {} fixed batches ({points} PDE points), history {}",
        po.steps, po.batches, po.history
    ));
    let saved = usable(place.saved, po, pde_batch, progress);
    let fresh = FreshCheck::begin(program, net, comm, run.seed, po.batches, pde_batch)?;
    let mut objective = polish::FixedObjective::new(program, net, &set, comm);
    let (mut state, before, spent_before, converged) = start(saved, net, progress)?;
    let resumed_at = before.map(|_| state.iterations);
    let spent = || spent_before + started.elapsed().as_secs_f64();
    let (f0, grad) = objective.eval(&state.x)?;
    if resumed_at.is_some() {
        // The evaluation above, at the saved point.
        state.evaluations += 1;
    }
    let before = before.unwrap_or(f0);
    let start_terms = objective.terms_at(f0);
    if !f0.is_finite() || grad.iter().any(|g| !g.is_finite()) {
        // Nothing to descend from; the trained network is kept as it is.
        progress.note(&format!(
            "warning: the loss on the polish's points is {f0} (or its gradient is not finite) at the trained network: it is kept unpolished"
        ));
        let wall_s = started.elapsed().as_secs_f64();
        return Ok(fresh.unpolished(f0, wall_s));
    }
    let mut meta = polish_checkpoint::Meta {
        from_step: first,
        batches: po.batches as u64,
        pde_batch: pde_batch as u64,
        loss_before: before,
        wall_s: spent_before,
        converged,
    };
    let save = |meta: &mut polish_checkpoint::Meta, state: &polish::State| match place.path {
        Some(path) => {
            meta.wall_s = spent();
            polish_checkpoint::save(path, meta, state)
        }
        None => Ok(()),
    };
    if resumed_at.is_none() {
        log(first, 0.0, f0, &start_terms)?;
    }
    let config = lbfgs(po, program.settings.dtype);
    // A saved polish that has converged or spent its budget has nothing left to do.
    let time_spent = po.time_limit.is_some_and(|t| spent_before >= t);
    if converged || time_spent || state.iterations >= po.steps {
        polish::set_weights(net, &state.x)?;
        save(&mut meta, &state)?;
        let (fresh_after, fresh_terms_after) = fresh.loss()?;
        return Ok(PolishSummary {
            iterations: state.iterations,
            evaluations: state.evaluations,
            loss_before: before,
            loss_after: f0,
            fresh_points: fresh.points,
            fresh_loss_before: fresh.before.0,
            fresh_loss_after: fresh_after,
            fresh_terms_before: fresh.before.1,
            fresh_terms_after,
            stopped: if converged {
                "converged"
            } else if state.iterations >= po.steps {
                "steps"
            } else {
                "time_limit"
            },
            wall_time_s: spent(),
            resumed_at_iteration: resumed_at,
        });
    }
    let surroundings = Surroundings {
        net,
        po,
        comm,
        stop,
        progress,
        first,
        save_every: place.save_every,
        // loss.csv: a line every `log_every / 10` iterations (an iteration is `batches`
        // steps' work) and the last one.
        log_every: (run.log_every / 10).max(1),
    };
    let (result, time_up, unlogged) = iterate(
        &surroundings,
        &config,
        (state, f0, grad),
        objective,
        (&mut meta, &save),
        (spent_before, &spent),
        log,
    )?;
    polish::set_weights(net, &result.state.x)?;
    if let Some((index, step, loss, terms)) = unlogged {
        log(first + index, step, loss, &terms)?;
    }
    meta.converged = matches!(result.ended, polish::Ended::Converged);
    save(&mut meta, &result.state)?;
    let (fresh_after, fresh_terms_after) = fresh.loss()?;
    fresh.warn_if_overfitted(progress, (before, result.loss), fresh_after);
    Ok(PolishSummary {
        iterations: result.state.iterations,
        evaluations: result.state.evaluations,
        loss_before: before,
        loss_after: result.loss,
        fresh_points: fresh.points,
        fresh_loss_before: fresh.before.0,
        fresh_loss_after: fresh_after,
        fresh_terms_before: fresh.before.1,
        fresh_terms_after,
        stopped: if time_up && matches!(result.ended, polish::Ended::Stopped) {
            "time_limit"
        } else {
            result.ended.as_str()
        },
        wall_time_s: spent(),
        resumed_at_iteration: resumed_at,
    })
}

/// The saved polish when it is of these points: one of other points (`batch` or `batches`
/// changed) cannot go on.
fn usable(
    saved: Option<polish_checkpoint::Checkpoint>,
    po: &pdec_lang::settings::Polish,
    pde_batch: usize,
    progress: &crate::progress::Training,
) -> Option<polish_checkpoint::Checkpoint> {
    match saved {
        Some(p) if p.meta.batches == po.batches as u64 && p.meta.pde_batch == pde_batch as u64 => {
            Some(p)
        }
        Some(p) => {
            progress.note(&format!(
                "the saved polish was on {} batches of {} PDE points: polishing again from the end of the Adam steps",
                p.meta.batches, p.meta.pde_batch
            ));
            None
        }
        None => None,
    }
}

/// Where the minimiser starts: the saved polish's state, loss at its start, seconds spent and
/// whether it had converged; or the network's weights, fresh.
fn start(
    saved: Option<polish_checkpoint::Checkpoint>,
    net: &Net,
    progress: &crate::progress::Training,
) -> Result<(polish::State, Option<f64>, f64, bool), RunError> {
    Ok(match saved {
        Some(p) => {
            progress.note(&format!(
                "going on from the saved polish: iteration {}, {:.1} s spent, loss {:.3e} at its start",
                p.state.iterations, p.meta.wall_s, p.meta.loss_before
            ));
            (
                p.state,
                Some(p.meta.loss_before),
                p.meta.wall_s,
                p.meta.converged,
            )
        }
        None => (
            polish::State::start(polish::flat_weights(net)?),
            None,
            0.0,
            false,
        ),
    })
}

/// The minimiser's settings for `po`.
fn lbfgs(po: &pdec_lang::settings::Polish, dtype: pdec_lang::settings::DType) -> Lbfgs {
    Lbfgs {
        iterations: po.steps,
        history: po.history,
        line_search_evals: 25,
        curvature: 0.9,
        // Changes below the loss's rounding are noise.
        relative_tolerance: match dtype {
            pdec_lang::settings::DType::F32 => 1e-7,
            pdec_lang::settings::DType::F64 => 1e-13,
        },
    }
}

/// What a polish's iterations report to and check, fixed while they run.
struct Surroundings<'a> {
    net: &'a Net,
    po: &'a pdec_lang::settings::Polish,
    comm: &'a pdec_solve::distributed::Comm,
    stop: &'a AtomicBool,
    progress: &'a crate::progress::Training,
    /// The Adam steps taken: loss.csv's lines are `first + iteration`.
    first: u64,
    /// Iterations between saves.
    save_every: u64,
    /// Iterations between loss.csv's lines.
    log_every: u64,
}

/// The last iteration when loss.csv has no line for it yet: index, step, loss, terms.
type Unlogged = Option<(u64, f64, f64, Vec<f64>)>;

/// Saves the polish at a state, its meta updated.
type Save<'s> = dyn Fn(&mut polish_checkpoint::Meta, &polish::State) -> Result<(), RunError> + 's;

/// Runs the minimiser from `state` until it ends or the ranks agree to stop, logging to
/// loss.csv, noting progress and saving as it goes; returns its result, whether the time
/// budget stopped it, and the last iteration if loss.csv has no line for it.
fn iterate(
    s: &Surroundings,
    config: &Lbfgs,
    (state, f0, grad): (polish::State, f64, Vec<f64>),
    objective: FixedObjective,
    (meta, save): (&mut polish_checkpoint::Meta, &Save),
    (spent_before, spent): (f64, &dyn Fn() -> f64),
    log: &mut PolishLog,
) -> Result<(polish::Minimised, bool, Unlogged), RunError> {
    let (net, po, comm, stop, progress, first) = (s.net, s.po, s.comm, s.stop, s.progress, s.first);
    let log_every = s.log_every;
    // A progress line every twentieth of the iterations, or of the time budget when that
    // comes first (a time-boxed polish usually has an iteration count it never reaches).
    let every = (po.steps / 20).max(1);
    let every_s = po.time_limit.map_or(f64::INFINITY, |t| t / 20.0);
    let mut noted_at = spent_before;
    // The objective is borrowed by the line search and the log alike: through a cell.
    let objective = std::cell::RefCell::new(objective);
    let mut log_failed = None;
    let mut unlogged = None;
    let mut time_up = false;
    let result = polish::minimise(
        config,
        state,
        (f0, grad),
        |x| objective.borrow_mut().eval(x),
        |it| {
            let terms = objective.borrow_mut().terms_at(it.loss);
            if it.index % log_every == 0 {
                // The network holds the last point evaluated; the accepted one may be another.
                polish::set_weights(net, &it.state.x)?;
                if let Err(e) = log(first + it.index, it.step, it.loss, &terms) {
                    log_failed = Some(e);
                    candle_core::bail!("writing loss.csv failed");
                }
                unlogged = None;
            } else {
                unlogged = Some((it.index, it.step, it.loss, terms));
            }
            if it.index % every == 0 || spent() >= noted_at + every_s {
                noted_at = spent();
                progress.note(&format!(
                    "polish {:>6}  loss {:.3e}  step {:.2e}  ({} evaluations)",
                    it.index, it.loss, it.step, it.evaluations
                ));
            }
            if it.index % s.save_every == 0
                && let Err(e) = save(meta, it.state)
            {
                log_failed = Some(e);
                candle_core::bail!("saving the polish failed");
            }
            // Ranks agree on Ctrl-C and on the time budget (one stopping alone would leave the
            // others waiting): each says whether it would stop, and all stop if one would.
            let yes = |b: bool| if b { 1.0 } else { 0.0 };
            let mut flags = [
                yes(stop.load(Ordering::SeqCst)),
                yes(po.time_limit.is_some_and(|t| spent() >= t)),
            ];
            if comm.size() > 1 {
                comm.sum_in_place(&mut flags);
            }
            time_up = flags[0] == 0.0 && flags[1] > 0.0;
            Ok(flags[0] == 0.0 && flags[1] == 0.0)
        },
    );
    let result = match (result, log_failed) {
        (_, Some(e)) => return Err(e),
        (r, None) => r?,
    };
    Ok((result, time_up, unlogged))
}

/// The loss on points the polish never sees, at the network it begins from (`net` holds the
/// end of the Adam steps, also when a saved polish goes on) and at the end: a fixed set can be
/// fitted while the equation between its points is not (issue 4's family: the fresh loss rose
/// from the first iterations while the polish's own fell).
struct FreshCheck<'a> {
    program: &'a LossProgram<'a>,
    net: &'a Net,
    comm: &'a pdec_solve::distributed::Comm,
    set: train::FixedSet,
    /// PDE points in the set: `batches / 4` batches (at least one).
    points: usize,
    /// The weighted total and each term's value at the network the polish begins from.
    before: (f64, BTreeMap<String, f64>),
}

impl<'a> FreshCheck<'a> {
    /// Draws the fresh points (apart from the polish's `batches` and the steps') and measures
    /// the loss on them at the network as it is now.
    fn begin(
        program: &'a LossProgram<'a>,
        net: &'a Net,
        comm: &'a pdec_solve::distributed::Comm,
        seed: u64,
        batches: usize,
        pde_batch: usize,
    ) -> Result<Self, RunError> {
        let fresh_batches = (batches / 4).max(1);
        let mut check = FreshCheck {
            program,
            net,
            comm,
            set: train::FixedSet::draw(program, seed, fresh_batches, FRESH_KEY)
                .anchored(program, net)?,
            points: fresh_batches * pde_batch,
            before: (0.0, BTreeMap::new()),
        };
        check.before = check.loss()?;
        Ok(check)
    }

    /// The weighted total and each term's value on the fresh points, at the network as it is.
    fn loss(&self) -> Result<(f64, BTreeMap<String, f64>), RunError> {
        let (total, values) = polish::loss_on(self.program, self.net, &self.set, self.comm)?;
        let names = self.program.plan.terms.iter().map(|t| t.name.clone());
        Ok((total, names.zip(values).collect()))
    }

    /// Warns when the polish lowered the loss on its own points (`before -> after`) but raised
    /// it on the fresh ones (to `fresh_after`).
    fn warn_if_overfitted(
        &self,
        progress: &crate::progress::Training,
        (before, after): (f64, f64),
        fresh_after: f64,
    ) {
        let (fresh_points, fresh_before) = (self.points, self.before.0);
        if fresh_after > fresh_before && after < before {
            progress.note(&format!(
                "warning: the polish lowered the loss on its points ({before:.3e} -> {:.3e}) but raised it on {fresh_points} fresh ones ({fresh_before:.3e} -> {fresh_after:.3e}): it fits its points more than the equation between them (more `batches` spreads it over more points, fewer iterations stop it sooner; but a higher residual need not be a larger error: on the Burgers family both rose at first while the error against the reference fell, so judge by a `reference` where there is one)",
                after
            ));
        }
    }

    /// The summary of a polish that could not start (the loss or its gradient at the trained
    /// network was not finite): one evaluation, the network kept as it was.
    fn unpolished(self, loss: f64, wall_time_s: f64) -> PolishSummary {
        let (fresh_loss, fresh_terms) = self.before;
        PolishSummary {
            iterations: 0,
            evaluations: 1,
            loss_before: loss,
            loss_after: loss,
            fresh_points: self.points,
            fresh_loss_before: fresh_loss,
            fresh_loss_after: fresh_loss,
            fresh_terms_after: fresh_terms.clone(),
            fresh_terms_before: fresh_terms,
            stopped: "not_finite",
            wall_time_s,
            resumed_at_iteration: None,
        }
    }
}
