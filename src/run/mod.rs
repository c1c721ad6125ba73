//! Stage 8, `pdec solve` and `pdec eval`: training runs with their run directory, and the
//! report (reported values, error metrics against `exact`).
//!
//! Run directory (`runs/<problem>-<UTC time>/` unless `--out`): `problem.pde` (the source),
//! `reference/` (a copy of its `reference` table, at the path the problem names),
//! `settings.json` (every resolved setting, the seed, `--set` overrides, versions),
//! `loss.csv` (step, wall time, lr, the relative L2 error against `exact` and against the
//! `reference` table where the problem has them, total and each named term),
//! `model.safetensors`
//! (written atomically at checkpoints and at the end), `summary.json`, and unless
//! `--no-tensorboard` an event file `events.out.tfevents.*` with loss.csv's values.
//!
//! [`solve`] runs the steps in order; each concern has its file: `dir` (the directory and
//! atomic writes), `checkpoint` and `polish_checkpoint` (what `--resume` goes on from),
//! `model` (the trained weights, `pdec eval`), `trainer` (the Adam steps), `health` (the
//! training-health detectors the trainer feeds), `loss_log`
//! (loss.csv), `tensorboard` (the event file), `polish` (the L-BFGS polish), `report`
//! (values and error metrics), `summary` (summary.json and the printed report), `error` ([`RunError`]); `seeds` (`--seeds`: one
//! problem from several seeds side by side, a run directory each) and `spread` (their
//! group's summary.json and table); `warm` (`--init-from`: another run's network, checked
//! and rewritten for this problem).

pub mod checkpoint;
pub mod dir;
mod divergence;
pub mod error;
pub(crate) mod fingerprint;
pub(crate) mod health;
pub(crate) mod lock;
mod loss_log;
pub mod model;
mod polish;
pub mod polish_checkpoint;
pub mod report;
pub mod saved_sets;
pub(crate) mod seeds;
pub(crate) mod spread;
mod summary;
pub(crate) mod tensorboard;
mod trainer;
pub mod warm;

pub use checkpoint::Checkpoint;
pub use dir::{reference_folder, write_atomic, write_new};
pub use error::RunError;
pub use model::{eval_at, load_net};
pub use report::{solution_of_at, solutions_at};

use candle_core::Device;
use loss_log::LossLog;
use pdec_lang::driver::Compiled;
use pdec_solve::nn::Net;
use polish::{PolishPlace, polish_network};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use summary::{PolishSummary, SecondOrderSummary, Summary};
use trainer::Trainer;

#[derive(Debug)]
pub struct SolveOptions {
    pub out: Option<PathBuf>,
    /// The problem's `reference` table, read and checked before training.
    pub reference: Option<crate::table::Table>,
    /// Its text, copied into the run directory so that the run stays whole when moved.
    pub reference_file: Option<pdec_lang::loader::ReferenceFile>,
    pub sets: Vec<String>,
    pub quiet: bool,
    /// Where to train (the run directory and reports do not depend on it).
    pub device: Device,
    /// Continue the run in this directory from its checkpoint.
    pub resume: Option<PathBuf>,
    /// The problem file as given (recorded in settings.json, for `--resume`).
    pub source: Option<PathBuf>,
    /// `--log-every N`: plain progress lines every N steps instead of a live bar.
    pub log_every: Option<u64>,
    /// The ranks of a data-parallel run (one rank without `mpirun`).
    pub comm: pdec_solve::distributed::Comm,
    /// Threads per step within this rank (`--threads`, resolved).
    pub threads: usize,
    /// `--strict`: a training-health finding ends the run with [`RunError::Unhealthy`].
    pub strict: bool,
    /// Write the TensorBoard event file (`--no-tensorboard` turns it off).
    pub tensorboard: bool,
    /// The training threads of this whole process: `threads`, or more when `pdec solve
    /// --seeds` trains several runs side by side (they share gemm's process-wide setting).
    pub busy_threads: usize,
    /// `seed 3` when the run is one of several (`--seeds`): its progress lines start with
    /// it and are plain lines, never a live bar.
    pub label: Option<String>,
    /// `--init-from RUN_DIR`: start from that run's network (checked before training).
    pub init_from: Option<Arc<warm::WarmStart>>,
    /// `--message-format json`: progress as JSON lines on standard error.
    pub json_progress: bool,
    /// The flag that stops the training cleanly at its next step (a checkpoint, the model
    /// and summary.json written, `stopped` = `interrupted`): `None` for the process's
    /// Ctrl-C flag ([`interrupt_flag`]), which installs a signal handler; a library caller
    /// that keeps its own handler (the Python package) passes a flag it sets itself.
    pub stop: Option<Arc<AtomicBool>>,
}

/// The flag that Ctrl-C, SIGTERM and SIGHUP set (ctrlc's `termination` feature): one per process, its handler installed on the first call, so
/// that every run of the process (the seeds of `--seeds`, or the solves of a test) stops.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let s = flag.clone();
        // Another handler may be installed already (a library user's): then Ctrl-C is theirs.
        let _ = ctrlc::set_handler(move || s.store(true, Ordering::SeqCst));
        flag
    })
    .clone()
}

/// Trains the problem; prints progress to stderr and the final report to stdout.
pub fn solve(
    compiled: &Compiled,
    source_text: &str,
    opts: &SolveOptions,
) -> Result<PathBuf, RunError> {
    let (dir, summary) = train(compiled, source_text, opts)?;
    if let Some(s) = summary {
        s.print(&dir);
        strict_verdict(opts, &dir, &s)?;
    }
    Ok(dir)
}

/// Under `--strict`, a run with a training-health finding is an error
/// ([`RunError::Unhealthy`]; its files are all written by then).
pub(crate) fn strict_verdict(
    opts: &SolveOptions,
    dir: &std::path::Path,
    summary: &Summary,
) -> Result<(), RunError> {
    let Some(first) = summary.health.first().filter(|_| opts.strict) else {
        return Ok(());
    };
    let codes: Vec<&str> = summary.health.iter().map(|f| f.code).collect();
    Err(RunError::Unhealthy(format!(
        "training health (`--strict`): {} at step {}; the model, the checkpoint and summary.json are saved in {}",
        codes.join(", "),
        first.step,
        dir.display()
    )))
}

/// Trains the problem and writes its run directory; prints progress to stderr. The run
/// directory, and the summary on rank 0 (written, not printed).
pub(crate) fn train(
    compiled: &Compiled,
    source_text: &str,
    opts: &SolveOptions,
) -> Result<(PathBuf, Option<Summary>), RunError> {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Err(RunError::Internal("solve called without a plan".into()));
    };
    let st = &checked.settings;
    let problem = &checked.problem;
    let device = opts.device.clone();
    let dt = model::dtype(checked);
    let comm = &opts.comm;
    let root = comm.is_root();
    let program = trainer::loss_program(checked, plan, &device, comm, opts.threads)?;
    pdec_solve::device::tune_cpu_matmul(
        st.plan.net.width,
        opts.busy_threads * pdec_solve::device::local_ranks(comm.size()),
    );
    let net = Net::for_plan(plan, st.run.seed, dt, &device)?;
    // Held until the run's files are all written.
    let (dir, _lock) = dir::choose(
        &problem.name,
        opts.resume.as_deref(),
        opts.out.as_deref(),
        root,
    )?;
    let resumed = match &opts.resume {
        Some(_) => Some(Checkpoint::load(
            &net,
            &trainer::checkpoint_path(&dir),
            &device,
        )?),
        None => None,
    };
    // A new run from another run's network (a resumed one has its own in the checkpoint).
    if let (None, Some(w)) = (&resumed, &opts.init_from) {
        w.load_into(&net)?;
    }
    // `balance = auto` resolved once, before the first step (or as the checkpoint left it).
    let (balance, balance_note) =
        trainer::resolve_balance(st, &program, &net, resumed.as_ref(), comm)?;
    let run = pdec_lang::settings::RunSettings {
        balance,
        ..st.run.clone()
    };
    // `lr = auto` resolved once, after the balance it probes with (or as the checkpoint left it).
    let probe_started = std::time::Instant::now();
    let (lr, lr_probe) = trainer::resolve_lr(&run, &program, &net, resumed.as_ref(), comm)?;
    let run = pdec_lang::settings::RunSettings { lr, ..run };
    let mut trainer = Trainer::new(compiled, &program, &run, &net, comm, &dir)?;
    trainer.strict = opts.strict;
    if lr_probe.is_some() {
        // The probe's seconds count towards the run's wall time (and its `time_limit`).
        trainer.spent_before(probe_started.elapsed().as_secs_f64());
    }
    let lr_note = lr_probe.as_ref().map(trainer::lr_probe_note);
    trainer.lr_probe = lr_probe;
    let restarted_average = match &resumed {
        Some(c) => trainer.resume_from(c)?,
        None => false,
    };
    let polish_path = dir.join("polish.safetensors");
    let saved_polish = polish::saved(resumed.as_ref(), st, &polish_path, &net)?;
    // loss.csv keeps the saved polish's lines (its iterations are logged as steps after the
    // Adam steps).
    let keep_rows_before =
        trainer.step + saved_polish.as_ref().map_or(0, |p| p.state.iterations + 1);
    let polish_wall_before = saved_polish.as_ref().map_or(0.0, |p| p.meta.wall_s);
    // Before anything is written: a resumed run whose loss.csv has other columns is refused.
    let mut log = LossLog::open(
        &program,
        opts.reference.as_ref(),
        &dir.join("loss.csv"),
        keep_rows_before,
        root,
        st.run.seed,
        run.balance != pdec_lang::settings::Balance::None,
    )?;
    if root && opts.tensorboard {
        log.events = Some(tensorboard::EventLog::open(
            &dir,
            log.tags.clone(),
            keep_rows_before,
            resumed.is_some(),
        )?);
    }
    if root {
        dir::write_inputs(
            &dir,
            source_text,
            resumed.is_some(),
            opts.reference_file.as_ref(),
            &problem.observations,
        )?;
        let mut settings = settings_json(
            opts,
            st,
            &program,
            &net,
            resumed.as_ref(),
            source_text,
            &dir,
        );
        // The peak learning rate the run trains with, and whether `lr = auto` chose it (the
        // settings keep the file's value).
        settings["lr"] = serde_json::json!(run.lr);
        settings["lr_auto"] = serde_json::json!(st.run.lr_auto);
        dir::write_settings(&dir, &settings)?;
    }
    let stop = opts.stop.clone().unwrap_or_else(interrupt_flag);
    let mode = match (
        crate::progress::Mode::choose(
            opts.quiet || !root,
            opts.json_progress,
            opts.log_every,
            st.run.log_every,
        ),
        &opts.label,
    ) {
        (crate::progress::Mode::Bar, Some(_)) => {
            crate::progress::Mode::Lines(st.run.log_every.max(1))
        }
        (m, _) => m,
    };
    let mut progress = crate::progress::Training::new(mode, st.run.steps);
    if let Some(label) = &opts.label {
        progress = progress.labelled(label);
    }
    let from = match &resumed {
        Some(c) => {
            progress.start_at(c.step);
            format!(", resumed at step {}", c.step)
        }
        None => String::new(),
    };
    progress.note(&format!(
        "training {} in {}: {} parameters, {} steps{from}, terms: {}",
        problem.name,
        dir.display(),
        net.parameter_count(),
        st.run.steps,
        trainer.names.join(", ")
    ));
    if let (None, Some(w)) = (&resumed, &opts.init_from) {
        progress.note(&w.note());
    }
    if let Some(note) = balance_note {
        progress.note(&note);
    }
    if let Some(note) = lr_note {
        progress.note(&note);
    }
    if restarted_average {
        progress.note(
            "the checkpoint's weight average began outside this run's averaging window (`steps`, `time_limit` or `average` changed): averaging starts again",
        );
    }
    trainer.train(&mut log, &mut progress, &stop)?;
    let done = trainer.step;
    // The checkpoint keeps the last iterate (a resumed run continues from it); the model, the
    // reports and the metrics are the weight average when there is one, polished when asked.
    let last_iterate_reports = trainer.end()?;
    // Every rank takes part in the polish (its loss is summed over them); an interrupted
    // training is not polished.
    let polish = match &st.run.polish {
        Some(po) if !matches!(trainer.stopped, "interrupted" | "health") => {
            let multipliers = trainer.balance.multipliers.clone();
            let mut write = |step: u64, t: f64, total: f64, values: &[f64]| {
                let wall = trainer.wall_now() + polish_wall_before;
                log.write(&program, &net, step, wall, t, total, values, &multipliers)
            };
            let place = PolishPlace {
                first: done,
                path: root.then_some(polish_path.as_path()),
                // About as often as Adam's checkpoints (an iteration is `batches` steps' work).
                save_every: match st.run.checkpoint_every {
                    0 => u64::MAX,
                    n => (n / po.batches as u64).max(1),
                },
                saved: saved_polish.filter(|p| p.meta.from_step == done),
                multipliers: trainer.balance.multipliers.clone(),
            };
            Some(polish_network(
                &program, &st.run, &net, po, comm, &stop, &progress, place, &mut write,
            )?)
        }
        _ => None,
    };
    if !root {
        // The reports, metrics and files are rank 0's.
        return Ok((dir, None));
    }
    model::save_model(&net, trainer.model_path())?;
    let wall = trainer.wall_now() + polish_wall_before;
    let summary = summarise(
        &program,
        &net,
        opts,
        &log,
        &trainer,
        wall,
        last_iterate_reports,
        polish,
    )?;
    summary.write(&dir)?;
    Ok((dir, Some(summary)))
}

/// settings.json: every resolved setting, the seed, `--set` overrides, versions, where it ran.
fn settings_json(
    opts: &SolveOptions,
    st: &pdec_lang::settings::Settings,
    program: &pdec_solve::train::LossProgram,
    net: &Net,
    resumed: Option<&Checkpoint>,
    source_text: &str,
    dir: &std::path::Path,
) -> serde_json::Value {
    serde_json::json!({
        "settings": st,
        "seed": st.run.seed,
        "set": opts.sets,
        "source": opts.source.as_ref().map(|p| p.display().to_string()),
        "resumed_at_step": resumed.map(|c| c.step),
        // `--init-from`: the run whose network this one started from.
        "init_from": match (&opts.init_from, resumed) {
            (Some(w), None) => w.json(),
            // A resumed run keeps what it started from.
            (_, Some(_)) => warm::recorded(dir),
            (None, None) => serde_json::Value::Null,
        },
        // `--resume` checks the run's problem.pde against it.
        "problem_fingerprint": fingerprint::of(source_text),
        "pdec_version": env!("CARGO_PKG_VERSION"),
        "candle_version": "0.11",
        // How the run ran: the device, the training threads of each rank, the MPI ranks,
        // and the CPUs `--threads auto` could use (affinity mask and cgroup quota).
        "device": pdec_solve::device::name(&opts.device),
        "threads": opts.threads,
        "ranks": opts.comm.size(),
        "ranks_on_node": pdec_solve::device::local_ranks(opts.comm.size()),
        "usable_cores": pdec_solve::host::cores(),
        // The affinity mask leaves out some of the machine's CPUs: a launcher chose them.
        "cpus_pinned": pdec_solve::host::pinned(),
        "input_width": program.plan.layout.width,
        "parameters": net.parameter_count(),
    })
}

/// The run's summary from the trained (averaged, polished) network: reports and metrics
/// (rank 0, which drew the exact probe when the problem has `exact`), and how it ended.
#[allow(clippy::too_many_arguments)]
fn summarise(
    program: &pdec_solve::train::LossProgram,
    net: &Net,
    opts: &SolveOptions,
    log: &LossLog,
    trainer: &Trainer,
    wall: f64,
    last_iterate_reports: Vec<report::ReportValue>,
    polish: Option<PolishSummary>,
) -> Result<Summary, RunError> {
    let (problem, plan, seed) = (program.problem, program.plan, trainer.run.seed);
    let reports = report::report_values(program, net)?;
    // A problem of one unknown: its probe's errors (a system's are `metrics_by_unknown`).
    let metrics = match (&log.probe, problem.single()) {
        (Some(p), Some(_)) => report::exact_metrics(program, net, p)?.into_iter().next(),
        _ => None,
    };
    let metrics_by_unknown = report::metrics_by_unknown(program, net, seed)?;
    let (metrics_training_law, metrics_near_reports) = match problem.single().and_then(|u| u.exact)
    {
        Some(e) => {
            let (law, near) = report::exact_metrics_where_it_matters(program, net, e, seed)?;
            (Some(law), near)
        }
        None => (None, None),
    };
    // One unknown's errors as `reference_metrics` (and per parameter point); a system's
    // per unknown the table has a column for.
    let (mut reference_metrics, mut reference_by_parameters) = (None, Vec::new());
    let mut reference_metrics_by_unknown = BTreeMap::new();
    if let Some(t) = &opts.reference {
        for m in report::table_metrics(program, net, t)? {
            match problem.unknowns.len() {
                1 => (reference_metrics, reference_by_parameters) = (Some(m.all), m.by_parameters),
                _ => {
                    reference_metrics_by_unknown
                        .insert(problem.unknowns[m.unknown].name.clone(), m.all);
                }
            }
        }
    }
    let constraint_violation = match &problem.constraint {
        Some(c) => Some(report::violation(program, net, c, seed)?),
        None => None,
    };
    let names = trainer.names.iter().cloned();
    Ok(Summary {
        problem: problem.name.clone(),
        seed,
        steps: trainer.step,
        wall_time_s: wall,
        stopped: trainer.stopped,
        averaged_steps: trainer.average.count,
        final_loss: names.zip(trainer.last.iter().copied()).collect(),
        imposed: problem.imposed.clone(),
        reports,
        identified: net.identified()?.into_iter().collect(),
        last_iterate_reports,
        metrics,
        metrics_by_unknown,
        metrics_training_law,
        metrics_near_reports,
        reference_metrics,
        reference_by_parameters,
        reference_metrics_by_unknown,
        constraint_violation,
        second_order: plan
            .second_order
            .iter()
            .map(|t| SecondOrderSummary::new(&t.term, t.path, &t.why))
            .collect(),
        gradient_squares: plan
            .gradient_squares
            .iter()
            .map(|t| SecondOrderSummary::new(&t.term, t.path, &t.why))
            .collect(),
        polish,
        parameters: net.parameter_count(),
        health: trainer
            .health
            .as_ref()
            .map_or_else(Vec::new, |(h, _)| h.findings().to_vec()),
        balance: trainer.run.balance,
        init_from: opts
            .init_from
            .as_ref()
            .map(|w| serde_json::json!({ "run": w.dir, "step": w.step })),
        lr: trainer.run.lr,
        divergence_rollbacks: trainer.divergence_rollbacks.clone(),
        lr_probe: trainer.lr_probe.as_ref().map(|p| {
            serde_json::json!({
                "steps": p.steps,
                "candidates": p.candidates,
                "scores": p.scores,
                "chosen": p.chosen,
            })
        }),
    })
}
