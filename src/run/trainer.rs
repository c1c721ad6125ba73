//! The Adam steps of a run: [`Trainer`] holds the loop's state (the optimizer, the weight
//! average, the step reached, the learning-rate scale left by NaN rollbacks, the last
//! losses, the state a rollback returns to) and takes steps until `steps`, the time limit or
//! Ctrl-C, checkpointing every `checkpoint_every` steps and logging to loss.csv. With several
//! ranks every rank runs the loop; only rank 0 writes files.

use crate::run::checkpoint::Checkpoint;
use crate::run::divergence::{self, Guard, Verdict};
use crate::run::error::RunError;
use crate::run::health::probe::SpreadProbe;
use crate::run::health::{Health, TermInfo};
use crate::run::loss_log::LossLog;
use crate::run::model::save_model;
use crate::run::report::{ReportValue, report_values};
use pdec_lang::diag::Diag;
use pdec_lang::driver::Compiled;
use pdec_lang::plan::Plan;
use pdec_lang::settings::{Balance, OnNan, RunSettings};
use pdec_solve::distributed::Comm;
use pdec_solve::nn::Net;
use pdec_solve::train::{self, Adam, LossProgram, TermBalance, WeightAverage, balance};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The problem's loss program for this rank (from the problem and its plan), or a
/// diagnostic when a term has fewer points per step than there are ranks.
pub(crate) fn loss_program<'a>(
    checked: &'a pdec_lang::check::Checked,
    plan: &'a pdec_lang::plan::Plan,
    device: &candle_core::Device,
    comm: &Comm,
    threads: usize,
) -> Result<LossProgram<'a>, RunError> {
    let mut program = LossProgram::new(&checked.problem, plan, device.clone());
    program.shard = (comm.rank(), comm.size());
    program.workers = threads;
    if let Some(t) = plan.terms.iter().find(|t| t.batch < comm.size()) {
        return Err(RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::too_few_points",
                format!(
                    "the loss term `{}` has {} points per step, fewer than the {} ranks",
                    t.name,
                    t.batch,
                    comm.size()
                ),
            )
            .help("every rank needs at least one point of every term: raise `batch` (or `batch.NAME`), or start fewer ranks"),
        )));
    }
    Ok(program)
}

/// The diagnostic for a loss term that became NaN or infinite: names the term and the
/// statement it comes from.
#[allow(clippy::too_many_arguments)]
fn not_finite(
    compiled: &Compiled,
    names: &[String],
    k: usize,
    gradient: bool,
    value: f64,
    step: u64,
    saved_step: u64,
    dir: &Path,
) -> RunError {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return RunError::Internal("not_finite without a plan".into());
    };
    let problem = &checked.problem;
    // Point at the statement the term comes from.
    let span = match plan.terms[k].kind {
        pdec_lang::plan::TermKind::Pde => problem
            .pdes
            .iter()
            .find(|p| p.name == names[k])
            .map(|p| p.span),
        pdec_lang::plan::TermKind::Constraint => problem.constraint.as_ref().map(|c| c.span),
        _ => problem
            .conditions
            .iter()
            .find(|c| c.name == names[k])
            .map(|c| c.span),
    };
    let place = span
        .map(|s| {
            let f = compiled.program.sources.get(s.file);
            let (line, col) = f.line_col(s.start as usize);
            format!(
                " (from {}:{line}:{col}: `{}`)",
                f.name,
                compiled
                    .program
                    .sources
                    .text(s)
                    .lines()
                    .next()
                    .unwrap_or("")
            )
        })
        .unwrap_or_default();
    let what = if gradient {
        format!(
            "the gradient of the loss term `{}`{place} became non-finite",
            names[k]
        )
    } else {
        format!("the loss term `{}`{place} became {value}", names[k])
    };
    RunError::NotFinite(format!(
        "{what} at step {step}; the last checkpoint (step {saved_step}) is kept in {}",
        dir.display()
    ))
}

/// Where a run directory's checkpoint is.
pub fn checkpoint_path(dir: &Path) -> PathBuf {
    dir.join("checkpoint.safetensors")
}

/// The run's `balance` with `auto` resolved, and a note for the progress output when it turned
/// balancing on: on a new run from the conditions' gradients against the PDE's on the first
/// step's points (`pdec_solve::train::condition_gradient_ratio`), on a resumed one as its
/// checkpoint left it (it saves multipliers only when balancing is on). Every rank resolves
/// it the same way (the measurement is summed over the ranks).
pub fn resolve_balance(
    st: &pdec_lang::settings::Settings,
    program: &LossProgram,
    net: &Net,
    resumed: Option<&Checkpoint>,
    comm: &Comm,
) -> Result<(Balance, Option<String>), RunError> {
    if st.run.balance != Balance::Auto {
        return Ok((st.run.balance, None));
    }
    if let Some(c) = resumed {
        let on = !c.balance.is_empty();
        return Ok((
            if on {
                balance::AUTO_GRADIENTS
            } else {
                Balance::None
            },
            None,
        ));
    }
    let ratio = train::condition_gradient_ratio(program, &st.run, net, 0, comm)?;
    let chosen = balance::resolve_auto(ratio);
    let note = match (chosen, ratio) {
        (Balance::Gradients { .. }, Some(r)) => Some(format!(
            "balance: the PDE's gradient is {r:.0} times a condition's at the start: gradient balancing is on (`balance = gradients()`; `balance = none` turns it off)"
        )),
        _ => None,
    };
    Ok((chosen, note))
}

/// The run's peak learning rate with `lr = auto` resolved, and the probe when one ran: on a
/// new run of at least `lr_auto::MIN_STEPS` steps the probe's choice
/// (`pdec_solve::train::lr_probe`, from the network's starting weights, which it leaves as
/// they were), on a resumed one the rate its checkpoint trained with (1e-3, the former
/// default, for checkpoints that did not record it).
pub fn resolve_lr(
    run: &RunSettings,
    program: &LossProgram,
    net: &Net,
    resumed: Option<&Checkpoint>,
    comm: &Comm,
) -> Result<(f64, Option<train::LrProbe>), RunError> {
    use pdec_lang::settings::lr_auto;
    if !run.lr_auto {
        return Ok((run.lr, None));
    }
    if let Some(c) = resumed {
        return Ok((c.lr.unwrap_or(run.lr), None));
    }
    if !lr_auto::probes(run.steps) {
        return Ok((run.lr, None));
    }
    let probe = train::probe_learning_rate(program, run, net, comm, &lr_auto::CANDIDATES)?;
    Ok((probe.chosen, Some(probe)))
}

/// The progress line of an `lr = auto` probe: each candidate's fall (the geometric mean over
/// the terms of start / end) and the choice.
pub fn lr_probe_note(p: &train::LrProbe) -> String {
    let falls: Vec<String> = p
        .candidates
        .iter()
        .zip(&p.scores)
        .map(|(c, s)| match s {
            Some(s) => format!("{c:e}: {:.3}x", (-s).exp()),
            None => format!("{c:e}: non-finite"),
        })
        .collect();
    format!(
        "lr = auto: {:e} (in {} steps from the same start the loss terms fell by {} as a geometric mean; `lr = X` fixes it)",
        p.chosen,
        p.steps,
        falls.join(", ")
    )
}

/// The balance a checkpoint saved (`TermBalance::to_vec`); one without it (balancing switched
/// on at a resume, or a foreign layout) starts from ones, as a new run does.
fn saved_balance(run: &RunSettings, plan: &Plan, saved: &[f64]) -> TermBalance {
    let fresh = TermBalance::for_plan(run.balance, plan);
    let mut balance = fresh.clone();
    match saved.is_empty() || balance.restore(saved).is_none() {
        true => fresh,
        false => balance,
    }
}

/// Whether the run guards against divergence: `on_divergence = rollback`, except under
/// `adaptive` sampling, whose pool moves the points to where the loss is high (the terms
/// rise by design).
fn guards_divergence(compiled: &Compiled, run: &RunSettings) -> bool {
    let adaptive = compiled
        .checked
        .as_ref()
        .is_some_and(|c| c.settings.plan.adaptive.is_some());
    run.on_divergence == pdec_lang::settings::OnDivergence::Rollback && !adaptive
}

/// NaN rollbacks allowed in one run before it stops with exit code 3.
const MAX_ROLLBACKS: u32 = 8;

/// The state of a run's Adam steps, and the places it saves them.
pub(crate) struct Trainer<'a> {
    compiled: &'a Compiled,
    program: &'a LossProgram<'a>,
    /// The settings of the loop (steps, learning rate, seed, logging, checkpoints, NaNs).
    pub run: &'a RunSettings,
    net: &'a Net,
    comm: &'a Comm,
    /// Rank 0 saves the checkpoint and the model; the other ranks write nothing.
    root: bool,
    dir: &'a Path,
    checkpoint_path: PathBuf,
    model_path: PathBuf,
    /// The plan's term names, in plan order (the order of every loss vector).
    pub names: Vec<String>,
    pub adam: Adam,
    pub average: WeightAverage,
    /// The next step to take; after training, the steps taken.
    pub step: u64,
    /// Halved by each NaN rollback.
    pub lr_scale: f64,
    /// Where the cosine goes on from after a resume that changed `steps`.
    continued: Option<train::Continued>,
    /// Each term's loss at the last step taken (NaN before the first).
    pub last: Vec<f64>,
    /// `steps`, `time_limit` or `interrupted`: why the loop ended.
    pub stopped: &'static str,
    /// Whether the run went on from its checkpoint (`--resume`).
    resumed: bool,
    /// Seconds spent by the run before it was resumed, and when this piece's loop began.
    wall_offset: f64,
    started: Instant,
    /// The state to go back to on a NaN with `on_nan = rollback`: the last checkpoint.
    last_good: Option<Checkpoint>,
    rollbacks: u32,
    /// The step of the checkpoint on disk (named when a non-finite loss stops the run).
    saved_step: u64,
    points: train::CarriedPoints,
    /// The adaptive multipliers of the terms' weights (`balance`).
    pub balance: TermBalance,
    /// Training health (rank 0): the findings so far and the probe of the network's spread.
    pub health: Option<(Health, SpreadProbe)>,
    /// `--strict`: a health finding ends the training (`stopped` is then `health`).
    pub strict: bool,
    /// `lr = auto`'s probe, when this run made one (for summary.json).
    pub lr_probe: Option<train::LrProbe>,
    /// `on_divergence = rollback`: the windows of the terms and the state at the best one.
    divergence: Option<(Guard, Option<Checkpoint>)>,
    /// Each divergence rollback taken (for summary.json).
    pub divergence_rollbacks: Vec<serde_json::Value>,
    /// A finding under `--strict`: stop before the next step (several ranks agree through
    /// the step's allreduce, as for Ctrl-C).
    health_stop: bool,
}

impl<'a> Trainer<'a> {
    /// A trainer at step 0 with a fresh optimizer; `dir` is the run directory.
    pub fn new(
        compiled: &'a Compiled,
        program: &'a LossProgram<'a>,
        run: &'a RunSettings,
        net: &'a Net,
        comm: &'a Comm,
        dir: &'a Path,
    ) -> Result<Trainer<'a>, RunError> {
        let names: Vec<String> = program.plan.terms.iter().map(|t| t.name.clone()).collect();
        let names_len = names.len();
        let health = match comm.is_root() {
            true => {
                let (probe, reference) = SpreadProbe::new(program, run.seed)?;
                let terms = program
                    .plan
                    .terms
                    .iter()
                    .map(|t| TermInfo {
                        name: t.name.clone(),
                        kind: t.kind,
                        weight: t.weight,
                    })
                    .collect();
                Some((Health::new(terms, run.lr, run.steps, reference), probe))
            }
            false => None,
        };
        Ok(Trainer {
            compiled,
            program,
            run,
            net,
            comm,
            root: comm.is_root(),
            dir,
            checkpoint_path: checkpoint_path(dir),
            model_path: dir.join("model.safetensors"),
            last: vec![f64::NAN; names.len()],
            names,
            adam: Adam::new(&net.params)?,
            average: WeightAverage::default(),
            step: 0,
            lr_scale: 1.0,
            continued: None,
            stopped: "steps",
            resumed: false,
            wall_offset: 0.0,
            started: Instant::now(),
            last_good: None,
            rollbacks: 0,
            saved_step: 0,
            points: train::CarriedPoints::default(),
            balance: TermBalance::for_plan(run.balance, program.plan),
            health,
            strict: false,
            lr_probe: None,
            divergence: guards_divergence(compiled, run)
                .then(|| (Guard::new(run.steps, names_len), None)),
            divergence_rollbacks: Vec::new(),
            health_stop: false,
        })
    }

    /// Where the model is saved.
    pub fn model_path(&self) -> &Path {
        &self.model_path
    }

    /// Goes on from `c` (`--resume`); returns whether its weight average had to be dropped
    /// (it began outside this run's averaging window).
    pub fn resume_from(&mut self, c: &Checkpoint) -> Result<bool, RunError> {
        c.restore(self.net, &mut self.adam, &mut self.average)?;
        self.balance = saved_balance(self.run, self.program.plan, &c.balance);
        let restarted_average = !self.average.keep_if_inside(self.run);
        self.resumed = true;
        self.step = c.step;
        self.wall_offset = c.wall_s;
        self.lr_scale = c.lr_scale;
        // A resume that changes `steps` goes on from the learning rate the run had reached
        // (the old schedule's at the checkpoint) instead of jumping to the new cosine's.
        self.continued = match c.planned_steps {
            Some(planned) if planned != self.run.steps => {
                let before = pdec_lang::settings::RunSettings {
                    steps: planned,
                    ..self.run.clone()
                };
                let from_lr =
                    train::learning_rate_continued(&before, c.step, c.wall_s, c.continued);
                Some(train::Continued {
                    from_step: c.step,
                    from_lr,
                })
            }
            _ => c.continued,
        };
        // The final loss of a run resumed with no step left is its checkpoint's.
        if c.last_loss.len() == self.names.len() {
            self.last = c.last_loss.clone();
        }
        Ok(restarted_average)
    }

    /// Counts `seconds` spent before the loop (the `lr = auto` probe) as training time.
    pub fn spent_before(&mut self, seconds: f64) {
        self.wall_offset += seconds;
    }

    /// Seconds of training so far, over every piece of a resumed run.
    pub fn wall_now(&self) -> f64 {
        self.wall_offset + self.started.elapsed().as_secs_f64()
    }

    /// Takes Adam steps until `steps`, the time limit or `stop` (Ctrl-C); a non-finite loss
    /// rolls back or ends the run with [`RunError::NotFinite`].
    pub fn train(
        &mut self,
        log: &mut LossLog,
        progress: &mut crate::progress::Training,
        stop: &AtomicBool,
    ) -> Result<(), RunError> {
        let st = self.run;
        self.started = Instant::now();
        self.last_good = match st.on_nan {
            OnNan::Rollback => Some(self.take(self.wall_offset)?),
            OnNan::Stop => None,
        };
        // A checkpoint from the start, so that a run killed at any moment can be resumed.
        self.saved_step = self.step;
        if !self.resumed && self.root {
            self.take(0.0)?.save(self.net, &self.checkpoint_path)?;
            save_model(self.net, &self.model_path)?;
        }
        while self.step < st.steps {
            let interrupted = stop.load(Ordering::SeqCst);
            let time_up = st.time_limit.is_some_and(|limit| self.wall_now() >= limit);
            // One rank stops before the step; several agree through the step's allreduce and
            // stop after it (each deciding alone could leave a rank waiting forever).
            if self.comm.size() == 1 && (interrupted || time_up || self.health_stop) {
                self.stopped = if interrupted {
                    "interrupted"
                } else if time_up {
                    "time_limit"
                } else {
                    "health"
                };
                break;
            }
            let control = train::Control {
                stop: interrupted || time_up || self.health_stop,
                elapsed: self.wall_now(),
            };
            let (scale, continued) = (self.lr_scale, self.continued);
            let step = self.step;
            let stepped = train::train_step(
                self.program,
                self.run,
                self.net,
                &mut self.adam,
                step,
                &mut self.points,
                &mut self.balance,
                self.comm,
                control,
                |elapsed| train::learning_rate_continued(st, step, elapsed, continued) * scale,
            )?;
            let (lr, agreed) = (stepped.lr, stepped.control);
            let values = match stepped.outcome {
                train::StepOutcome::Updated(v) => v,
                train::StepOutcome::NotFinite {
                    term,
                    values,
                    gradient,
                } => {
                    self.roll_back(term, &values, gradient, progress)?;
                    continue;
                }
            };
            self.after_step(values, lr, log, progress)?;
            if self.comm.size() > 1 && agreed.stop {
                let limit = st.time_limit.unwrap_or(f64::INFINITY);
                self.stopped = if self.health_stop {
                    "health"
                } else if agreed.elapsed >= limit {
                    "time_limit"
                } else {
                    "interrupted"
                };
                break;
            }
        }
        progress.finish();
        Ok(())
    }

    /// A copy of the state now, at `wall_s` seconds.
    fn take(&self, wall_s: f64) -> Result<Checkpoint, RunError> {
        let mut c = Checkpoint::take(
            self.net,
            &self.adam,
            self.step,
            wall_s,
            self.lr_scale,
            &self.average,
        )?;
        if self.balance.is_on() {
            c.balance = self.balance.to_vec();
        }
        c.planned_steps = Some(self.run.steps);
        c.lr = Some(self.run.lr);
        c.continued = self.continued;
        Ok(c)
    }

    /// Term `k` (or its gradient) became non-finite: back to the last checkpoint with half
    /// the learning rate, or, with no rollback left (or `on_nan = stop`), the end of the run.
    fn roll_back(
        &mut self,
        k: usize,
        values: &[f64],
        gradient: bool,
        progress: &mut crate::progress::Training,
    ) -> Result<(), RunError> {
        let names = &self.names;
        let what = if gradient {
            format!(
                "the gradient of the loss term `{}` became non-finite",
                names[k]
            )
        } else {
            format!("the loss term `{}` became {}", names[k], values[k])
        };
        if let Some(good) = &self.last_good
            && self.rollbacks < MAX_ROLLBACKS
        {
            self.rollbacks += 1;
            self.lr_scale *= 0.5;
            good.restore(self.net, &mut self.adam, &mut self.average)?;
            self.balance = saved_balance(self.run, self.program.plan, &good.balance);
            progress.note(&format!(
                "warning: {what} at step {}; back to step {} with the learning rate x{} (rollback {} of {MAX_ROLLBACKS})",
                self.step, good.step, self.lr_scale, self.rollbacks
            ));
            self.step = good.step;
            self.points.clear();
            return Ok(());
        }
        // The files on disk stay those of the last checkpoint, the last good state.
        progress.abandon();
        Err(not_finite(
            self.compiled,
            names,
            k,
            gradient,
            values[k],
            self.step,
            self.saved_step,
            self.dir,
        ))
    }

    /// After a step that updated the network: the average, loss.csv, progress, the step
    /// count and the checkpoint.
    fn after_step(
        &mut self,
        values: Vec<f64>,
        lr: f64,
        log: &mut LossLog,
        progress: &mut crate::progress::Training,
    ) -> Result<(), RunError> {
        let st = self.run;
        let step = self.step;
        self.last = values.clone();
        // The iterate after this step joins the weight average in the last `average` share
        // of the training (by steps or seconds, as the cosine schedule counts).
        if WeightAverage::covers(st, step + 1, self.wall_now()) {
            self.average.add(self.net, step + 1, self.wall_now())?;
        }
        let total_v: f64 = self
            .program
            .plan
            .terms
            .iter()
            .zip(&values)
            .map(|(t, v)| t.weight * v)
            .sum();
        if log.is_open() && (step.is_multiple_of(st.log_every) || step + 1 == st.steps) {
            // The network after this step's update, as the final report would see it.
            log.write(
                self.program,
                self.net,
                step,
                self.wall_now(),
                lr,
                total_v,
                &values,
                &self.balance.multipliers,
            )?;
        }
        self.watch(step, lr, &values, progress)?;
        progress.step(step, total_v, lr, &self.names, &values);
        self.step += 1;
        let step = self.step;
        self.guard_divergence(&values, progress)?;
        if st.checkpoint_every > 0 && step.is_multiple_of(st.checkpoint_every) {
            let mut c = self.take(self.wall_now())?;
            c.last_loss = self.last.clone();
            if self.root {
                c.save(self.net, &self.checkpoint_path)?;
                save_model(self.net, &self.model_path)?;
            }
            self.saved_step = step;
            if self.last_good.is_some() {
                self.last_good = Some(c);
            }
        }
        Ok(())
    }

    /// Feeds a step's losses (the network after its update, `self.step` steps taken) to the
    /// divergence guard: keeps the state at each best window, and on a jump goes back to it
    /// with half the learning rate (`divergence`; every rank alike, the values being summed
    /// over the ranks). Called before the checkpoint of the step, so a rollback is saved at the
    /// next.
    fn guard_divergence(
        &mut self,
        values: &[f64],
        progress: &crate::progress::Training,
    ) -> Result<(), RunError> {
        let Some((guard, _)) = &mut self.divergence else {
            return Ok(());
        };
        match guard.record(values) {
            Verdict::Nothing => {}
            Verdict::NewBest => {
                let mut c = self.take(self.wall_now())?;
                c.last_loss = values.to_vec();
                if let Some((_, best)) = &mut self.divergence {
                    *best = Some(c);
                }
            }
            Verdict::Jumped { factor } => {
                let Some((guard, Some(best))) = &mut self.divergence else {
                    return Ok(());
                };
                let taken = self.divergence_rollbacks.len() as u32;
                if taken >= divergence::MAX_DIVERGENCE_ROLLBACKS {
                    return Ok(());
                }
                guard.restart();
                let at = self.step;
                best.restore(self.net, &mut self.adam, &mut self.average)?;
                self.balance = saved_balance(self.run, self.program.plan, &best.balance);
                self.lr_scale *= 0.5;
                self.step = best.step;
                self.points.clear();
                progress.note(&format!(
                    "warning: the loss terms rose {factor:.0}x above their best (geometric mean over the terms, by step {at}); back to step {} with the learning rate x{} (divergence rollback {} of {}; a lower `lr` avoids it, `on_divergence = continue` turns it off)",
                    best.step,
                    self.lr_scale,
                    taken + 1,
                    divergence::MAX_DIVERGENCE_ROLLBACKS
                ));
                self.divergence_rollbacks.push(serde_json::json!({
                    "at_step": at,
                    "back_to_step": best.step,
                    "factor": factor,
                    "lr_scale": self.lr_scale,
                }));
            }
        }
        Ok(())
    }

    /// Feeds step `step`'s losses to the health detectors (reading the network's spread at a
    /// window's end) and prints each new finding; under `--strict` a finding stops the run.
    fn watch(
        &mut self,
        step: u64,
        lr: f64,
        values: &[f64],
        progress: &crate::progress::Training,
    ) -> Result<(), RunError> {
        let Some((health, probe)) = &mut self.health else {
            return Ok(());
        };
        let spread = match health.closes() {
            true => Some(probe.read(self.program, self.net)?),
            false => None,
        };
        for f in health.record(step, lr, values, spread) {
            progress.warning(
                pdec_lang::diag::Diag::warning(f.code, format!("{} (step {})", f.message, f.step))
                    .help(f.hint.clone()),
                &f.line(),
            );
            self.health_stop |= self.strict;
        }
        Ok(())
    }

    /// Saves the last iterate's checkpoint (a resumed run continues from it) and puts the
    /// weight average, when there is one, into the network; returns the last iterate's
    /// reports beside the average's (rank 0's; empty without an average).
    pub fn end(&mut self) -> Result<Vec<ReportValue>, RunError> {
        let mut checkpoint = self.take(self.wall_now())?;
        checkpoint.last_loss = self.last.clone();
        if self.root {
            checkpoint.save(self.net, &self.checkpoint_path)?;
        }
        // Averaging the weights of a nonlinear network is not averaging its function, and the
        // two can differ by more than the noise.
        if self.average.count == 0 {
            return Ok(Vec::new());
        }
        let program = self.program;
        let r = match self.root {
            true => report_values(program, self.net)?,
            false => Vec::new(),
        };
        self.average.apply(self.net)?;
        Ok(r)
    }
}
