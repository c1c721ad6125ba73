//! pdec as a library: `pdec check`, `pdec solve` and opening a run directory as functions that
//! return their results and diagnostics instead of printing them and choosing an exit code,
//! for programs that call pdec rather than run it (the Python package in `python/`). The
//! steps `pdec solve` shares with them live here too (the problem's `reference` table,
//! `--resume`'s inputs, `--init-from`'s network, the plots after a run), so the command and
//! the library train through the same code.

use crate::run::{RunError, SolveOptions};
use crate::rundir::{Failure, Opened};
use crate::table::Table;
use pdec_lang::diag::{Diag, Diags};
use pdec_lang::driver::{self, Compiled};
use pdec_lang::loader::ReferenceFile;
use pdec_lang::source::SourceMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Diagnostics in source order, and the source text their spans point into.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub list: Vec<Diag>,
    pub sources: SourceMap,
}

impl Diagnostics {
    /// One diagnostic without source text (a path, an option's value).
    pub fn one(d: Diag) -> Diagnostics {
        Diagnostics {
            list: vec![d],
            sources: SourceMap::default(),
        }
    }

    /// A compilation's diagnostics, in the order `pdec check` prints them.
    pub fn of(diags: &Diags, sources: &SourceMap) -> Diagnostics {
        Diagnostics {
            list: diags.sorted().into_iter().cloned().collect(),
            sources: sources.clone(),
        }
    }
}

/// Why a call failed: its diagnostics (at least one error) and the exit code `pdec` ends with
/// for it (1 the input, 2 a bug, 3 a non-finite loss, 4 a training-health finding under
/// `strict`).
#[derive(Clone, Debug)]
pub struct Error {
    pub diagnostics: Diagnostics,
    pub exit_code: i32,
}

impl Error {
    /// The errors of a compilation (with its warnings, in source order).
    fn compile(c: &Compiled) -> Error {
        Error {
            diagnostics: Diagnostics::of(&c.diags, &c.program.sources),
            exit_code: 1,
        }
    }
}

impl From<Diag> for Error {
    fn from(d: Diag) -> Error {
        Error {
            diagnostics: Diagnostics::one(d),
            exit_code: 1,
        }
    }
}

impl From<Box<Diag>> for Error {
    fn from(d: Box<Diag>) -> Error {
        Error::from(*d)
    }
}

impl From<RunError> for Error {
    fn from(e: RunError) -> Error {
        let exit_code = e.exit_code();
        Error {
            diagnostics: Diagnostics::one(e.into_diag()),
            exit_code,
        }
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        match f {
            Failure::Compile(c) => Error::compile(&c),
            Failure::Run(e) => Error::from(e),
        }
    }
}

/// `pdec check FILE [--set ...]`: every diagnostic of the file (errors, warnings, notes), in
/// source order; none for a problem that can be trained. An unreadable file is a diagnostic
/// too (`pdec::load::*`), so this never fails.
pub fn check(path: &Path, sets: &[String]) -> Diagnostics {
    match compile(path, sets) {
        Ok((_, warnings)) => warnings,
        Err(e) => e.diagnostics,
    }
}

/// Reads and compiles a problem file through the plan: the compilation and its warnings, or
/// its errors.
pub fn compile(path: &Path, sets: &[String]) -> Result<(Compiled, Diagnostics), Error> {
    compile_in(path, sets, None)
}

/// [`compile`], with `observe` data read under `data` (a run directory's copies) instead of
/// the problem file's folder.
pub fn compile_in(
    path: &Path,
    sets: &[String],
    data: Option<&Path>,
) -> Result<(Compiled, Diagnostics), Error> {
    let source = pdec_lang::loader::read_file(path)?;
    let compiled = driver::compile_in(source, sets, data);
    if compiled.diags.has_errors() {
        return Err(Error::compile(&compiled));
    }
    let warnings = Diagnostics::of(&compiled.diags, &compiled.program.sources);
    Ok((compiled, warnings))
}

/// Opens a finished run directory (`problem.pde` rebuilt with its `--set` overrides, the
/// network of `model.safetensors`), as `pdec eval`, `pdec plot` and `pdec export` do.
pub fn open(dir: &Path) -> Result<Opened, Error> {
    Ok(crate::rundir::open(dir)?)
}

/// What `pdec solve` is asked: its options, less `--seeds` and `--dry-run`.
#[derive(Debug)]
pub struct SolveRequest {
    /// The problem file (none with `resume`, which reads the run's copy).
    pub file: Option<PathBuf>,
    /// The run directory (default `runs/<problem>-<UTC time>/`, as the command's).
    pub out: Option<PathBuf>,
    pub resume: Option<PathBuf>,
    pub init_from: Option<PathBuf>,
    /// `--set key=value` overrides, in order (a later one of a key wins).
    pub sets: Vec<String>,
    /// `--seed N`, the same as `--set seed=N`.
    pub seed: Option<u64>,
    /// `cpu`, `cuda`, `cuda:N` or `auto`.
    pub device: String,
    /// `auto` or a count.
    pub threads: String,
    /// No progress on standard error.
    pub quiet: bool,
    pub log_every: Option<u64>,
    /// Draw loss.png, solution.png, ... at the end (`--no-plots` is `false`).
    pub plots: bool,
    /// Write the TensorBoard event file (`--no-tensorboard` is `false`).
    pub tensorboard: bool,
    pub max_memory: Option<u64>,
    pub strict: bool,
    /// Stops the training cleanly at its next step when set; `None` for the process's
    /// Ctrl-C flag (which installs a signal handler: see [`crate::run::interrupt_flag`]).
    pub stop: Option<Arc<AtomicBool>>,
}

/// A finished training: its run directory, and the warnings of the problem and of the
/// plots (training-health findings are in the run's summary.json).
#[derive(Debug)]
pub struct Solved {
    pub dir: PathBuf,
    pub warnings: Diagnostics,
}

/// `pdec solve`, without printing a report: trains and writes the run directory, as the
/// command does with the same options (progress on standard error unless `quiet`). Under
/// `strict`, an unhealthy run is an error (its files are written).
pub fn solve(req: SolveRequest) -> Result<Solved, Error> {
    if let (Some(_), Some(r)) = (&req.init_from, &req.resume) {
        return Err(init_from_resume(r).into());
    }
    let device = pdec_solve::device::parse(&req.device).and_then(pdec_solve::device::open)?;
    let comm = pdec_solve::distributed::Comm::init();
    let threads = pdec_solve::device::threads(&req.threads, &device, comm.size())?;
    let mut sets = req.sets;
    if let Some(s) = req.seed {
        sets.push(format!("seed={s}"));
    }
    if let Some(n) = req.log_every {
        sets.push(format!("log_every={n}"));
    }
    let (file, source) = match (&req.resume, req.file) {
        (Some(dir), _) => (dir.join("problem.pde"), resume_inputs(dir, &mut sets)?),
        (None, Some(f)) => (f.clone(), Some(f)),
        (None, None) => {
            return Err(RunError::Internal(
                "solve without a problem file or a run to resume".into(),
            )
            .into());
        }
    };
    let copies = req.resume.as_deref().map(crate::run::reference_folder);
    let (compiled, mut warnings) = compile_in(&file, &sets, copies.as_deref())?;
    let text = compiled.user_text().to_string();
    let (reference, reference_file) =
        reference(&compiled, &file, req.resume.as_deref(), source.as_deref())?;
    let init_from = match req.init_from.map(|d| warm_start(&compiled, &d)) {
        None => None,
        Some(w) => Some(Arc::new(w?)),
    };
    if let (Some(plan), Some(checked)) = (&compiled.plan, &compiled.checked) {
        pdec_solve::memory::guard_runs(plan, &checked.settings, req.max_memory, device.is_cpu(), 1)
            .map_err(|d| {
                let mut diags = Diags::default();
                diags.push(*d);
                Error {
                    diagnostics: Diagnostics::of(&diags, &compiled.program.sources),
                    exit_code: 1,
                }
            })?;
    }
    let opts = SolveOptions {
        out: req.out,
        reference,
        reference_file,
        sets,
        quiet: req.quiet,
        device,
        resume: req.resume,
        source: source.map(|p| std::path::absolute(&p).unwrap_or(p)),
        log_every: req.log_every,
        comm,
        threads,
        strict: req.strict,
        tensorboard: req.tensorboard,
        busy_threads: threads,
        label: None,
        init_from,
        json_progress: false,
        stop: req.stop,
    };
    let (dir, summary) = crate::run::train(&compiled, &text, &opts)?;
    if let Some(s) = &summary {
        crate::run::strict_verdict(&opts, &dir, s)?;
    }
    if req.plots && opts.comm.is_root() {
        let (_, warning) = draw_plots(&dir, opts.reference.as_ref());
        warnings.list.extend(warning);
    }
    Ok(Solved { dir, warnings })
}

/// `--init-from` with `--resume`: a resumed run goes on from its own checkpoint.
pub fn init_from_resume(run: &Path) -> Diag {
    Diag::error(
        "pdec::cli::init_from_resume",
        format!(
            "`--init-from` starts a new run from another run's network; `--resume {}` goes on with a run's own",
            run.display()
        ),
    )
    .help("drop `--init-from` to continue the run, or drop `--resume` and give the problem file to start a new run from the other run's network")
}

/// The pictures of a run that `pdec solve` draws at its end, added to its TensorBoard event
/// file: the files drawn (none when drawing failed), and the warning `pdec::plot::failed`
/// when something failed (the run is complete either way).
pub fn draw_plots(dir: &Path, reference: Option<&Table>) -> (Vec<PathBuf>, Option<Diag>) {
    let opts = crate::plot::PlotOptions {
        svg: false,
        slice: None,
        reference,
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::rundir::open(dir).and_then(|run| crate::plot::plot(&run, &opts))
    }));
    let why = match r {
        Err(_) => "drawing panicked (a bug in pdec)".to_string(),
        Ok(Ok(files)) => {
            let warning = crate::run::tensorboard::add_pictures(dir, &files)
                .err()
                .map(|e| {
                    let why = match e {
                        RunError::Diag(d) => format!("{} [{}]", d.message, d.code),
                        e => e.message(),
                    };
                    Diag::warning(
                        "pdec::plot::failed",
                        format!("the plots were not added to the TensorBoard event file: {why}"),
                    )
                    .help("the run and its pictures are complete; TensorBoard shows its scalars without them")
                });
            return (files, warning);
        }
        Ok(Err(Failure::Run(RunError::Diag(d)))) => format!("{} [{}]", d.message, d.code),
        Ok(Err(Failure::Run(e))) => format!("{e:?}"),
        Ok(Err(Failure::Compile(_))) => "the run's problem.pde does not compile".into(),
    };
    let warning = Diag::warning(
        "pdec::plot::failed",
        format!("the plots were not drawn: {why}"),
    )
    .help(format!(
        "the run is complete; `pdec plot {}` tries again",
        dir.display()
    ));
    (Vec::new(), Some(warning))
}

/// The problem's `reference` table, parsed, and the file it came from (both `None` when the
/// problem has none). A reference table lives beside its problem file; a resumed run
/// (`resume`, with the original problem at `source` when known) reads the run directory's
/// copy, or the original's where the run predates copies.
pub fn reference(
    compiled: &Compiled,
    file: &Path,
    resume: Option<&Path>,
    source: Option<&Path>,
) -> Result<(Option<Table>, Option<ReferenceFile>), Box<Diag>> {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Ok((None, None));
    };
    let Some(rel) = &checked.problem.reference else {
        return Ok((None, None));
    };
    let p = &checked.problem;
    let read = match (resume, source) {
        (Some(dir), original) => {
            let copies = crate::run::reference_folder(dir);
            pdec_lang::loader::read_reference_copy(&copies, rel)
                    .or_else(|e| match original {
                        Some(o) => pdec_lang::loader::read_reference(o, rel),
                        None => Err(e),
                    })
                    .map_err(|mut d| {
                        // Neither the run's copy nor the original is there.
                        if matches!(
                            d.code,
                            "pdec::load::reference_missing"
                                | "pdec::load::reference_outside_folder"
                        ) {
                            let beside = original.map_or(String::new(), |o| {
                                format!(" (or beside the original `{}`)", o.display())
                            });
                            d.help = Some(format!(
                                "the run directory has no copy of its reference table: put `{rel}` under `{}`{beside}",
                                copies.display()
                            ));
                        }
                        d
                    })
        }
        (None, _) => pdec_lang::loader::read_reference(file, rel),
    };
    let r = read?;
    let cols = pdec_solve::lower::Columns::new(&plan.layout);
    let table = crate::table::parse(p, &cols, &r.name, &r.text, true)?;
    Ok((Some(table), Some(r)))
}

/// The original problem path recorded in a run's settings.json, and the run's `--set`
/// overrides merged in front of `set` (a key given again now wins).
pub fn resume_inputs(dir: &Path, set: &mut Vec<String>) -> Result<Option<PathBuf>, Box<Diag>> {
    let bad = |why: String| {
        Box::new(
            Diag::error(
                "pdec::run::bad_checkpoint",
                format!("cannot resume `{}`: {why}", dir.display()),
            )
            .help("`--resume` takes a run directory written by `pdec solve` (with problem.pde, settings.json and checkpoint.safetensors)"),
        )
    };
    let text = std::fs::read_to_string(dir.join("settings.json"))
        .map_err(|e| bad(format!("settings.json: {e}")))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("settings.json: {e}")))?;
    let key = |s: &str| s.split('=').next().unwrap_or("").trim().to_string();
    let new_keys: Vec<String> = set.iter().map(|s| key(s)).collect();
    // The run's own overrides (and the values of settings added since it was made).
    let mut merged: Vec<String> = crate::run::saved_sets::from_json(&json)
        .into_iter()
        .filter(|s| !new_keys.contains(&key(s)))
        .collect();
    merged.append(set);
    *set = merged;
    if !dir.join("problem.pde").is_file() {
        return Err(bad("it has no problem.pde".into()));
    }
    crate::run::fingerprint::check(dir, &json)?;
    Ok(json["source"].as_str().map(PathBuf::from))
}

/// The network of the run in `from` for `--init-from`, checked against `compiled`'s plan
/// (`run::warm`); a coded diagnostic when the run cannot be read or does not fit.
pub fn warm_start(
    compiled: &Compiled,
    from: &Path,
) -> Result<crate::run::warm::WarmStart, RunError> {
    let Some(plan) = &compiled.plan else {
        return Err(RunError::Internal("init-from without a plan".into()));
    };
    let opened = match crate::rundir::open(from) {
        Ok(o) => o,
        Err(Failure::Run(e)) => return Err(e),
        Err(Failure::Compile(_)) => {
            return Err(RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::not_a_run",
                    format!(
                        "`--init-from {}`: the run's problem.pde no longer compiles",
                        from.display()
                    ),
                )
                .help("`pdec check` the run's problem.pde to see why, or start from another run"),
            )));
        }
    };
    let Some(old) = &opened.compiled.plan else {
        return Err(RunError::Internal("an opened run without a plan".into()));
    };
    crate::run::warm::from_run(plan, old, &opened.net, from)
}
