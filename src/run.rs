//! Stage 8, `pdec solve` and `pdec eval`: training runs with their run directory, and the
//! report (reported values, error metrics against `exact`).
//!
//! Run directory (`runs/<problem>-<UTC time>/` unless `--out`): `problem.pde` (the source),
//! `reference/` (a copy of its `reference` table, at the path the problem names),
//! `settings.json` (every resolved setting, the seed, `--set` overrides, versions),
//! `loss.csv` (step, wall time, lr, the relative L2 error against `exact` and against the
//! `reference` table where the problem has them, total and each named term),
//! `model.safetensors`
//! (written atomically at checkpoints and at the end), `summary.json`.

use candle_core::{DType, Device, Tensor};
use pdec_lang::check::Checked;
use pdec_lang::diag::Diag;
use pdec_lang::driver::Compiled;
use pdec_lang::settings::OnNan;
use pdec_solve::nn::Net;
use pdec_solve::train::{self, Adam, LossProgram, WeightAverage};
use rand::SeedableRng;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Why a run stopped early or failed.
#[derive(Debug)]
pub enum RunError {
    /// A problem with the input or the environment, reported as a diagnostic (exit 1).
    Diag(Box<Diag>),
    /// A loss became NaN or infinite (exit 3).
    NotFinite(String),
    /// A tensor operation failed (exit 2: a bug).
    Internal(String),
}

impl From<candle_core::Error> for RunError {
    fn from(e: candle_core::Error) -> RunError {
        RunError::Internal(e.to_string())
    }
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> RunError {
        RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::io",
                format!("cannot write the run directory: {e}"),
            )
            .help("check that the output folder is writable and the disk is not full"),
        ))
    }
}

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
}

#[derive(Serialize)]
struct ReportValue {
    expr: String,
    value: f64,
    exact: Option<f64>,
}

#[derive(Serialize)]
struct Metrics {
    rel_l2: f64,
    max_abs: f64,
    points: usize,
}

/// Errors against a reference table on the rows of one parameter point.
#[derive(Serialize)]
struct ParameterMetrics {
    /// Parameter name and value, in declaration order.
    at: Vec<(String, f64)>,
    #[serde(flatten)]
    metrics: Metrics,
}

#[derive(Serialize)]
struct SecondOrderSummary {
    term: String,
    path: pdec_lang::passes::second_order::Path,
    why: String,
}

impl SecondOrderSummary {
    fn new(term: &str, path: pdec_lang::passes::second_order::Path, why: &str) -> Self {
        SecondOrderSummary {
            term: term.into(),
            path,
            why: why.into(),
        }
    }
}

#[derive(Serialize)]
struct Summary {
    problem: String,
    seed: u64,
    steps: u64,
    wall_time_s: f64,
    stopped: &'static str,
    /// Iterates in the weight average that the model and reports are (`average`); 0: the
    /// last iterate.
    averaged_steps: u64,
    final_loss: HashMap<String, f64>,
    /// Conditions the `ansatz` imposes exactly (no loss term, so not in `final_loss`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    imposed: Vec<String>,
    reports: Vec<ReportValue>,
    /// The same reports from the last iterate, when `reports` are the weight average's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    last_iterate_reports: Vec<ReportValue>,
    metrics: Option<Metrics>,
    /// Errors against the `reference` table's values.
    reference_metrics: Option<Metrics>,
    /// The same errors at each parameter point of the table (problems with parameters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reference_by_parameters: Vec<ParameterMetrics>,
    /// Largest violation of the free-boundary constraint by the raw network (before the
    /// projection applied to reported values), on fresh interior points.
    constraint_violation: Option<f64>,
    second_order: Vec<SecondOrderSummary>,
    /// First-order terms `c * |grad u|^2` and their path (exact or Monte Carlo).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gradient_squares: Vec<SecondOrderSummary>,
    /// The L-BFGS polish after the Adam steps (`polish`), when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    polish: Option<PolishSummary>,
    parameters: usize,
}

#[derive(Serialize)]
struct PolishSummary {
    iterations: u64,
    /// Loss evaluations (each one pass over the fixed points), the line searches' included.
    evaluations: u64,
    /// The weighted total on the polish's fixed points, before and after.
    loss_before: f64,
    loss_after: f64,
    /// `steps`, `converged`, `time_limit` (its own), `interrupted`, or `not_finite` (the loss
    /// at the start was not: the network is kept unpolished).
    stopped: &'static str,
    /// The weighted total on `fresh_points` PDE points drawn apart from the polish's (with
    /// boundary points as many as in `batches / 4` batches), at the network the polish began
    /// from and at the polished one: if it rose while `loss_after` fell, the polish fitted
    /// its own points rather than the equation.
    fresh_points: usize,
    fresh_loss_before: f64,
    fresh_loss_after: f64,
    /// Each term's value on the fresh points (unweighted), before and after: which terms the
    /// polish improved beyond its points and which it fitted only there.
    fresh_terms_before: BTreeMap<String, f64>,
    fresh_terms_after: BTreeMap<String, f64>,
    /// Seconds spent polishing, over every piece of a resumed polish.
    wall_time_s: f64,
    /// The iteration a resumed polish went on from (`polish.safetensors`).
    #[serde(skip_serializing_if = "Option::is_none")]
    resumed_at_iteration: Option<u64>,
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers never see a
/// partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    sync_dir(path);
    Ok(())
}

/// Flushes the folder holding `path`, so that a rename survives a power cut too.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
}

/// Where a run directory keeps its copy of the problem's `reference` table: the table's
/// relative path is taken under it (a folder of its own, so that no name the problem gives it
/// can meet the run's own files).
pub fn reference_folder(run: &Path) -> PathBuf {
    run.join("reference")
}

/// Writes a new file; fails with `AlreadyExists` rather than overwrite one (`pdec new`).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// `2026-11-25T21-17-13` from the system clock (UTC), for run directory names.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}-{:02}-{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn run_dir(name: &str, out: Option<&Path>) -> std::io::Result<PathBuf> {
    if let Some(o) = out {
        std::fs::create_dir_all(o)?;
        return Ok(o.to_path_buf());
    }
    let base = PathBuf::from("runs").join(format!("{name}-{}", timestamp()));
    let mut dir = base.clone();
    let mut k = 1;
    while dir.exists() {
        k += 1;
        dir = PathBuf::from(format!("{}-{k}", base.display()));
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn dtype(c: &Checked) -> DType {
    match c.settings.dtype {
        pdec_lang::settings::DType::F32 => DType::F32,
        pdec_lang::settings::DType::F64 => DType::F64,
    }
}

fn save_model(net: &Net, path: &Path) -> Result<(), RunError> {
    let tensors: HashMap<String, Tensor> = net
        .params
        .iter()
        .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
        .collect();
    save_tensors(&tensors, path)
}

/// safetensors written to a temporary file, flushed to disk, then renamed over `path`: a
/// crash at any moment leaves the old file or the new one, never a torn one.
pub(crate) fn save_tensors(tensors: &HashMap<String, Tensor>, path: &Path) -> Result<(), RunError> {
    let tmp = path.with_extension("tmp");
    candle_core::safetensors::save(tensors, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    sync_dir(path);
    Ok(())
}

/// Everything a resumed run needs to continue as if it had never stopped: the network, the
/// optimizer's moments and step, the step reached, the wall time spent and the
/// learning-rate scale left by NaN rollbacks. Points and noise are keyed by seed and step,
/// so no random state needs saving.
pub struct Checkpoint {
    pub step: u64,
    pub wall_s: f64,
    pub lr_scale: f64,
    pub params: Vec<Tensor>,
    pub adam_m: Vec<Tensor>,
    pub adam_v: Vec<Tensor>,
    pub adam_step: u64,
    /// The weight average so far (`average` setting).
    pub average: WeightAverage,
    /// Each loss term's value at the last step taken (empty before the first), so that a
    /// run resumed with no step left still reports its final loss.
    pub last_loss: Vec<f64>,
}

impl Checkpoint {
    /// A copy of the current state (tensors are immutable: cloning shares storage, and the
    /// training step replaces rather than mutates them).
    pub fn take(
        net: &Net,
        adam: &Adam,
        step: u64,
        wall_s: f64,
        lr_scale: f64,
        average: &WeightAverage,
    ) -> Result<Checkpoint, RunError> {
        // `Var::set` writes into the variable's storage, so the parameters are copied; the
        // optimizer's moments are replaced each step, so sharing them is safe.
        let params = net
            .params
            .iter()
            .map(|(_, v)| v.as_tensor().copy())
            .collect::<candle_core::Result<_>>()?;
        Ok(Checkpoint {
            step,
            wall_s,
            lr_scale,
            params,
            adam_m: adam.m.clone(),
            adam_v: adam.v.clone(),
            adam_step: adam.step,
            // The mean's tensors are replaced, never written into: sharing them is safe.
            average: average.clone(),
            last_loss: Vec::new(),
        })
    }

    /// Puts the network, optimizer and weight average back to this state.
    pub fn restore(
        &self,
        net: &Net,
        adam: &mut Adam,
        average: &mut WeightAverage,
    ) -> Result<(), RunError> {
        if self.params.len() != net.params.len() {
            return Err(RunError::Internal("checkpoint of another network".into()));
        }
        for ((_, var), t) in net.params.iter().zip(&self.params) {
            var.set(t)?;
        }
        adam.m = self.adam_m.clone();
        adam.v = self.adam_v.clone();
        adam.step = self.adam_step;
        *average = self.average.clone();
        Ok(())
    }

    fn save(&self, net: &Net, path: &Path) -> Result<(), RunError> {
        let mut map = HashMap::new();
        for (i, (name, _)) in net.params.iter().enumerate() {
            map.insert(name.clone(), self.params[i].clone());
            map.insert(format!("adam.m.{name}"), self.adam_m[i].clone());
            map.insert(format!("adam.v.{name}"), self.adam_v[i].clone());
            if let Some(m) = self.average.mean.get(i) {
                map.insert(format!("average.{name}"), m.clone());
            }
        }
        let scalar = |v: f64| Tensor::from_vec(vec![v], 1, &Device::Cpu);
        map.insert("meta.step".into(), scalar(self.step as f64)?);
        map.insert("meta.wall_s".into(), scalar(self.wall_s)?);
        map.insert("meta.lr_scale".into(), scalar(self.lr_scale)?);
        map.insert("meta.adam_step".into(), scalar(self.adam_step as f64)?);
        map.insert(
            "meta.average_count".into(),
            scalar(self.average.count as f64)?,
        );
        if !self.last_loss.is_empty() {
            map.insert(
                "meta.last_loss".into(),
                Tensor::from_slice(&self.last_loss, self.last_loss.len(), &Device::Cpu)?,
            );
        }
        if let Some((step, wall)) = self.average.first {
            map.insert("meta.average_first_step".into(), scalar(step as f64)?);
            map.insert("meta.average_first_wall_s".into(), scalar(wall)?);
        }
        save_tensors(&map, path)
    }

    /// Reads a checkpoint for this network; a missing, truncated or foreign file is a
    /// diagnostic.
    pub fn load(net: &Net, path: &Path, device: &Device) -> Result<Checkpoint, RunError> {
        let bad = |why: String| {
            RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::bad_checkpoint",
                    format!("cannot resume from `{}`: {why}", path.display()),
                )
                .help("the checkpoint is missing or damaged, or the problem's network settings changed; start a new run"),
            ))
        };
        let map = candle_core::safetensors::load(path, device).map_err(|e| bad(e.to_string()))?;
        let get = |name: &str, like: Option<&candle_core::Var>| -> Result<Tensor, RunError> {
            let t = map
                .get(name)
                .ok_or_else(|| bad(format!("it has no tensor `{name}`")))?;
            if let Some(v) = like {
                if t.dims() != v.dims() {
                    return Err(bad(format!(
                        "tensor `{name}` has shape {:?}, the network expects {:?}",
                        t.dims(),
                        v.dims()
                    )));
                }
                return Ok(t.to_dtype(v.dtype())?);
            }
            Ok(t.clone())
        };
        let meta = |name: &str| -> Result<f64, RunError> {
            let v = get(name, None)?
                .to_dtype(DType::F64)?
                .flatten_all()?
                .to_vec1::<f64>()?;
            v.first()
                .copied()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| bad(format!("`{name}` is not a count")))
        };
        let mut c = Checkpoint {
            step: meta("meta.step")? as u64,
            wall_s: meta("meta.wall_s")?,
            lr_scale: meta("meta.lr_scale")?,
            params: Vec::new(),
            adam_m: Vec::new(),
            adam_v: Vec::new(),
            adam_step: meta("meta.adam_step")? as u64,
            average: WeightAverage::default(),
            last_loss: Vec::new(),
        };
        // Checkpoints written before the last step's loss was kept have none.
        if map.contains_key("meta.last_loss") {
            c.last_loss = get("meta.last_loss", None)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?;
        }
        // Checkpoints written before weight averaging existed have no average: none so far.
        if map.contains_key("meta.average_count") {
            c.average.count = meta("meta.average_count")? as u64;
        }
        // Checkpoints written before the first averaged iterate was recorded have none: a
        // resumed run then starts its average again.
        if map.contains_key("meta.average_first_step") {
            c.average.first = Some((
                meta("meta.average_first_step")? as u64,
                meta("meta.average_first_wall_s")?,
            ));
        }
        for (name, var) in &net.params {
            c.params.push(get(name, Some(var))?);
            c.adam_m.push(get(&format!("adam.m.{name}"), Some(var))?);
            c.adam_v.push(get(&format!("adam.v.{name}"), Some(var))?);
            if c.average.count > 0 {
                c.average
                    .mean
                    .push(get(&format!("average.{name}"), Some(var))?);
            }
        }
        Ok(c)
    }
}

fn load_model(net: &Net, path: &Path) -> Result<(), RunError> {
    let map = candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| {
        RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::bad_checkpoint",
                format!("cannot read the model in `{}`: {e}", path.display()),
            )
            .help("the run directory may be incomplete; train again or point at another run"),
        ))
    })?;
    for (name, var) in &net.params {
        let t = map.get(name).ok_or_else(|| {
            RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::bad_checkpoint",
                    format!("the model in `{}` has no tensor `{name}`", path.display()),
                )
                .help("the model does not match the problem's network settings"),
            ))
        })?;
        if t.dims() != var.dims() {
            return Err(RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::bad_checkpoint",
                    format!(
                        "tensor `{name}` has shape {:?}, the network expects {:?}",
                        t.dims(),
                        var.dims()
                    ),
                )
                .help("the model does not match the problem's network settings"),
            )));
        }
        var.set(&t.to_dtype(var.dtype())?)?;
    }
    Ok(())
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
        pdec_lang::plan::TermKind::Pde => Some(problem.pde.span),
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

/// NaN rollbacks allowed in one run before it stops with exit code 3.
const MAX_ROLLBACKS: u32 = 8;

/// `loss.csv`, opened for appending. A fresh run writes the header; a resumed run keeps the
/// rows before the step it resumes at (rewritten atomically) so that the file reads as one
/// uninterrupted run.
fn loss_log(
    path: &Path,
    names: &[String],
    errors: &[&str],
    first_step: u64,
) -> Result<csv::Writer<std::fs::File>, RunError> {
    let mut header = vec!["step".to_string(), "wall_s".into(), "lr".into()];
    header.extend(errors.iter().map(|e| e.to_string()));
    header.push("total".into());
    header.extend(names.iter().cloned());
    // Column names with commas or quotes (reports such as `u(0, x = 0)`) are quoted by the
    // csv writer.
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)
        .map_err(|e| RunError::Internal(e.to_string()))?;
    let mut text = String::from_utf8(
        w.into_inner()
            .map_err(|e| RunError::Internal(e.to_string()))?,
    )
    .map_err(|e| RunError::Internal(e.to_string()))?;
    if first_step > 0 {
        let old = std::fs::read_to_string(path).unwrap_or_default();
        for line in old.lines().skip(1) {
            let step = line.split(',').next().and_then(|f| f.parse::<u64>().ok());
            if step.is_some_and(|s| s < first_step) {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    write_atomic(path, text.as_bytes())?;
    let file = std::fs::OpenOptions::new().append(true).open(path)?;
    Ok(csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(file))
}

/// Trains the problem; prints progress to stderr and the final report to stdout.
pub fn solve(
    compiled: &Compiled,
    source_text: &str,
    opts: &SolveOptions,
) -> Result<PathBuf, RunError> {
    let (Some(checked), Some(analysis), Some(plan)) =
        (&compiled.checked, &compiled.analysis, &compiled.plan)
    else {
        return Err(RunError::Internal("solve called without a plan".into()));
    };
    let st = &checked.settings;
    let problem = &checked.problem;
    let device = opts.device.clone();
    let dt = dtype(checked);
    let comm = &opts.comm;
    let root = comm.is_root();
    let mut program =
        LossProgram::new(problem, plan, analysis, st, device.clone()).map_err(|why| {
            RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::unsupported",
                    format!("this problem cannot be trained: {why}"),
                )
                .help("see `pdec explain` for how each term is computed"),
            ))
        })?;
    program.shard = (comm.rank(), comm.size());
    program.workers = opts.threads;
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
    pdec_solve::device::tune_cpu_matmul(
        st.net.width,
        opts.threads * pdec_solve::device::local_ranks(comm.size()),
    );
    let net = Net::new(&st.net, plan.layout.width, st.seed, dt, &device)?;
    let mut adam = Adam::new(&net.params)?;

    // Only rank 0 writes: the other ranks never create the directory.
    let dir = match (&opts.resume, &opts.out) {
        (Some(d), _) => d.clone(),
        (None, Some(out)) if !root => out.clone(),
        (None, None) if !root => PathBuf::new(),
        (None, _) => run_dir(&problem.name, opts.out.as_deref())?,
    };
    let checkpoint_path = dir.join("checkpoint.safetensors");
    let model_path = dir.join("model.safetensors");
    let mut average = WeightAverage::default();
    let mut restarted_average = false;
    let resumed = match &opts.resume {
        Some(_) => {
            let c = Checkpoint::load(&net, &checkpoint_path, &device)?;
            c.restore(&net, &mut adam, &mut average)?;
            restarted_average = !average.keep_if_inside(st);
            Some(c)
        }
        None => None,
    };
    let first_step = resumed.as_ref().map_or(0, |c| c.step);
    let wall_offset = resumed.as_ref().map_or(0.0, |c| c.wall_s);
    // A polish saved after these Adam steps goes on where it stopped, when no Adam step is
    // left to take (more steps or a later time limit train on, and the polish starts again).
    let polish_path = dir.join("polish.safetensors");
    let adam_done = first_step >= st.steps || st.time_limit.is_some_and(|l| wall_offset >= l);
    let saved_polish = match (&resumed, &st.polish) {
        (Some(c), Some(_)) if adam_done && polish_path.exists() => {
            let saved = crate::polish_checkpoint::load(&polish_path, net.parameter_count())?;
            (saved.meta.from_step == c.step).then_some(saved)
        }
        _ => None,
    };
    // loss.csv keeps the saved polish's lines (its iterations are logged as steps after the
    // Adam steps).
    let keep_rows_before = first_step + saved_polish.as_ref().map_or(0, |p| p.state.iterations + 1);
    let polish_wall_before = saved_polish.as_ref().map_or(0.0, |p| p.meta.wall_s);
    let mut lr_scale = resumed.as_ref().map_or(1.0, |c| c.lr_scale);
    if resumed.is_none() && root {
        write_atomic(&dir.join("problem.pde"), source_text.as_bytes())?;
    }
    // The run keeps its reference table (a resumed run from before copies gets one now), so
    // that `--resume` and `pdec plot` find it after the run or its problem file moved.
    if let (Some(r), true) = (&opts.reference_file, root)
        && let Some(name) = &r.copy
    {
        let copy = reference_folder(&dir).join(name);
        if !copy.exists() {
            if let Some(folder) = copy.parent() {
                std::fs::create_dir_all(folder)?;
            }
            write_atomic(&copy, r.text.as_bytes())?;
        }
    }
    let settings_json = serde_json::json!({
        "settings": st,
        "seed": st.seed,
        "set": opts.sets,
        "source": opts.source.as_ref().map(|p| p.display().to_string()),
        "resumed_at_step": resumed.as_ref().map(|c| c.step),
        "pdec_version": env!("CARGO_PKG_VERSION"),
        "candle_version": "0.11",
        "device": pdec_solve::device::name(&device),
        "threads": opts.threads,
        "input_width": plan.layout.width,
        "parameters": net.parameter_count(),
    });
    if root {
        write_atomic(
            &dir.join("settings.json"),
            serde_json::to_string_pretty(&settings_json)
                .unwrap_or_default()
                .as_bytes(),
        )?;
    }
    let names: Vec<String> = plan.terms.iter().map(|t| t.name.clone()).collect();
    // The error against the exact solution and the reference table at every logged step,
    // so that loss.csv shows accuracy against time (before `total`: not loss terms).
    let mut errors = Vec::new();
    let probe = match (problem.exact, root) {
        (Some(e), true) => Some(exact_probe(&program, e, st.seed)?),
        _ => None,
    };
    if problem.exact.is_some() {
        errors.push("exact_rel_l2");
    }
    if opts.reference.is_some() {
        errors.push("reference_rel_l2");
    }
    // The reported values too (the quantity a user waits for, e.g. a price at one point),
    // named by their expression: columns before `total`, as the errors.
    errors.extend(problem.reports.iter().map(|r| r.text.as_str()));
    let report_points = match problem.reports.is_empty() {
        true => None,
        false => {
            let rows: Vec<f64> = problem
                .reports
                .iter()
                .flat_map(|r| train::report_row(problem, &program.cols, r))
                .collect();
            let n = problem.reports.len();
            Some(Tensor::from_vec(rows, (n, program.cols.width), &device)?.to_dtype(dt)?)
        }
    };
    let mut csv = match root {
        true => Some(loss_log(
            &dir.join("loss.csv"),
            &names,
            &errors,
            keep_rows_before,
        )?),
        false => None,
    };

    let stop = Arc::new(AtomicBool::new(false));
    {
        let s = stop.clone();
        // A second handler cannot be installed (tests run several solves): ignore that.
        let _ = ctrlc::set_handler(move || s.store(true, Ordering::SeqCst));
    }
    let mut progress = crate::progress::Training::new(
        crate::progress::Mode::choose(opts.quiet || !root, opts.log_every, st.log_every),
        st.steps,
    );
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
        st.steps,
        names.join(", ")
    ));
    if restarted_average {
        progress.note(
            "the checkpoint's weight average began outside this run's averaging window (`steps`, `time_limit` or `average` changed): averaging starts again",
        );
    }
    let start = Instant::now();
    let wall_now = || wall_offset + start.elapsed().as_secs_f64();
    // One line of loss.csv: the step, the clock, the learning rate (the step length in the
    // polish), the errors and reports of the network as it is now, the total, the terms.
    let log_row = |step: u64,
                   wall: f64,
                   lr: f64,
                   total: f64,
                   values: &[f64]|
     -> Result<Vec<String>, RunError> {
        let mut rec = vec![step.to_string(), format!("{wall:.3}"), format!("{lr:.6e}")];
        if let Some(p) = &probe {
            let m = exact_metrics(&program, &net, p)?;
            rec.push(format!("{:.6e}", m.rel_l2));
        }
        if let Some(t) = &opts.reference {
            rec.push(format!(
                "{:.6e}",
                table_metrics(&program, &net, t)?.0.rel_l2
            ));
        }
        if let Some(x) = &report_points {
            let v = train::solution(&net, problem, &program.cols, x)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?;
            rec.extend(v.iter().map(|v| format!("{v:.9e}")));
        }
        rec.push(format!("{total:.6e}"));
        rec.extend(values.iter().map(|v| format!("{v:.6e}")));
        Ok(rec)
    };
    let mut draws = train::Draws::default();
    // The final loss of a run resumed with no step left is its checkpoint's.
    let mut last: Vec<f64> = match &resumed {
        Some(c) if c.last_loss.len() == names.len() => c.last_loss.clone(),
        _ => vec![f64::NAN; names.len()],
    };
    let mut stopped = "steps";
    let mut step = first_step;
    // The state to go back to on a NaN with `on_nan = rollback`: the last checkpoint.
    let mut last_good = match st.on_nan {
        OnNan::Rollback => Some(Checkpoint::take(
            &net,
            &adam,
            step,
            wall_offset,
            lr_scale,
            &average,
        )?),
        OnNan::Stop => None,
    };
    let mut rollbacks = 0;
    // A checkpoint from the start, so that a run killed at any moment can be resumed.
    let mut saved_step = step;
    if resumed.is_none() && root {
        Checkpoint::take(&net, &adam, step, 0.0, lr_scale, &average)?
            .save(&net, &checkpoint_path)?;
        save_model(&net, &model_path)?;
    }
    while step < st.steps {
        let interrupted = stop.load(Ordering::SeqCst);
        let time_up = st.time_limit.is_some_and(|limit| wall_now() >= limit);
        // One rank stops before the step; several agree through the step's allreduce and
        // stop after it (each deciding alone could leave a rank waiting forever).
        if comm.size() == 1 && (interrupted || time_up) {
            stopped = if interrupted {
                "interrupted"
            } else {
                "time_limit"
            };
            break;
        }
        let control = train::Control {
            stop: interrupted || time_up,
            elapsed: wall_now(),
        };
        let scale = lr_scale;
        let stepped = train::train_step(
            &program,
            &net,
            &mut adam,
            step,
            &mut draws,
            comm,
            control,
            |elapsed| train::learning_rate(st, step, elapsed) * scale,
        )?;
        let (lr, agreed) = (stepped.lr, stepped.control);
        let values = match stepped.outcome {
            train::StepOutcome::Updated(v) => v,
            train::StepOutcome::NotFinite {
                term: k,
                values,
                gradient,
            } => {
                let what = if gradient {
                    format!(
                        "the gradient of the loss term `{}` became non-finite",
                        names[k]
                    )
                } else {
                    format!("the loss term `{}` became {}", names[k], values[k])
                };
                if let Some(good) = &last_good
                    && rollbacks < MAX_ROLLBACKS
                {
                    rollbacks += 1;
                    lr_scale *= 0.5;
                    good.restore(&net, &mut adam, &mut average)?;
                    progress.note(&format!(
                        "warning: {what} at step {step}; back to step {} with the learning rate x{lr_scale} (rollback {rollbacks} of {MAX_ROLLBACKS})",
                        good.step
                    ));
                    step = good.step;
                    draws.clear();
                    continue;
                }
                // The files on disk stay those of the last checkpoint, the last good state.
                progress.abandon();
                return Err(not_finite(
                    compiled, &names, k, gradient, values[k], step, saved_step, &dir,
                ));
            }
        };
        last = values.clone();
        // The iterate after this step joins the weight average in the last `average` share
        // of the training (by steps or seconds, as the cosine schedule counts).
        if WeightAverage::covers(st, step + 1, wall_now()) {
            average.add(&net, step + 1, wall_now())?;
        }
        let total_v: f64 = plan
            .terms
            .iter()
            .zip(&values)
            .map(|(t, v)| t.weight * v)
            .sum();
        if let Some(csv) = &mut csv
            && (step.is_multiple_of(st.log_every) || step + 1 == st.steps)
        {
            // The network after this step's update, as the final report would see it.
            let rec = log_row(step, wall_now(), lr, total_v, &values)?;
            csv.write_record(&rec)
                .map_err(|e| RunError::Internal(e.to_string()))?;
            csv.flush()?;
        }
        progress.step(step, total_v, lr, &names, &values);
        step += 1;
        if st.checkpoint_every > 0 && step.is_multiple_of(st.checkpoint_every) {
            let mut c = Checkpoint::take(&net, &adam, step, wall_now(), lr_scale, &average)?;
            c.last_loss = last.clone();
            if root {
                c.save(&net, &checkpoint_path)?;
                save_model(&net, &model_path)?;
            }
            saved_step = step;
            if last_good.is_some() {
                last_good = Some(c);
            }
        }
        if comm.size() > 1 && agreed.stop {
            let limit = st.time_limit.unwrap_or(f64::INFINITY);
            stopped = if agreed.elapsed >= limit {
                "time_limit"
            } else {
                "interrupted"
            };
            break;
        }
    }
    progress.finish();
    let done = step;
    // The checkpoint keeps the last iterate (a resumed run continues from it); the model, the
    // reports and the metrics are the weight average when there is one, polished when asked.
    let mut checkpoint = Checkpoint::take(&net, &adam, step, wall_now(), lr_scale, &average)?;
    checkpoint.last_loss = last.clone();
    if root {
        checkpoint.save(&net, &checkpoint_path)?;
    }
    // The last iterate's reports beside the average's: averaging the weights of a nonlinear
    // network is not averaging its function, and the two can differ by more than the noise.
    let last_iterate_reports = if average.count > 0 {
        let r = match root {
            true => report_values(problem, &program.cols, &net, &device, dt)?,
            false => Vec::new(),
        };
        average.apply(&net)?;
        r
    } else {
        Vec::new()
    };
    // Every rank takes part in the polish (its loss is summed over them); an interrupted
    // training is not polished.
    let polish = match &st.polish {
        Some(po) if stopped != "interrupted" => {
            let mut log = |step: u64, t: f64, total: f64, values: &[f64]| match &mut csv {
                Some(csv) => {
                    let rec = log_row(step, wall_now() + polish_wall_before, t, total, values)?;
                    csv.write_record(&rec)
                        .map_err(|e| RunError::Internal(e.to_string()))?;
                    csv.flush()?;
                    Ok(())
                }
                None => Ok(()),
            };
            let place = PolishPlace {
                first: done,
                path: root.then_some(polish_path.as_path()),
                // About as often as Adam's checkpoints (an iteration is `batches` steps' work).
                save_every: match st.checkpoint_every {
                    0 => u64::MAX,
                    n => (n / po.batches as u64).max(1),
                },
                saved: saved_polish.filter(|p| p.meta.from_step == done),
            };
            Some(polish_network(
                &program, &net, po, comm, &stop, &progress, place, &mut log,
            )?)
        }
        _ => None,
    };
    if !root {
        // The reports, metrics and files are rank 0's.
        return Ok(dir);
    }
    save_model(&net, &model_path)?;
    let wall = wall_now() + polish_wall_before;

    // Reports and metrics.
    let reports = report_values(problem, &program.cols, &net, &device, dt)?;
    // Only rank 0 reaches here; it drew the probe when the problem has `exact`.
    let metrics = match &probe {
        Some(p) => Some(exact_metrics(&program, &net, p)?),
        None => None,
    };
    let (reference_metrics, reference_by_parameters) = match &opts.reference {
        Some(t) => {
            let (all, groups) = table_metrics(&program, &net, t)?;
            (Some(all), groups)
        }
        None => (None, Vec::new()),
    };
    let constraint_violation = match &problem.constraint {
        Some(c) => Some(violation(&program, &net, c, st.seed)?),
        None => None,
    };
    let summary = Summary {
        problem: problem.name.clone(),
        seed: st.seed,
        steps: done,
        wall_time_s: wall,
        stopped,
        averaged_steps: average.count,
        final_loss: names.iter().cloned().zip(last.iter().copied()).collect(),
        imposed: problem.imposed.clone(),
        reports,
        last_iterate_reports,
        metrics,
        reference_metrics,
        reference_by_parameters,
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
    };
    let json =
        serde_json::to_string_pretty(&summary).map_err(|e| RunError::Internal(e.to_string()))?;
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    let averaged = match average.count {
        0 => String::new(),
        k => format!("; the weights averaged over the last {k}"),
    };
    println!(
        "{}: {done} steps in {wall:.1} s ({stopped}){averaged}",
        problem.name
    );
    if let Some(p) = &summary.polish {
        println!(
            "  polished by L-BFGS: {} iterations ({} loss evaluations, {:.1} s, {}), loss {:.3e} -> {:.3e} on its fixed points, {:.3e} -> {:.3e} on {} fresh ones",
            p.iterations,
            p.evaluations,
            p.wall_time_s,
            p.stopped,
            p.loss_before,
            p.loss_after,
            p.fresh_loss_before,
            p.fresh_loss_after,
            p.fresh_points
        );
    }
    for (i, r) in summary.reports.iter().enumerate() {
        let last = match summary.last_iterate_reports.get(i) {
            Some(l) => format!("   (last iterate {:.6})", l.value),
            None => String::new(),
        };
        match r.exact {
            Some(e) => println!(
                "  {} = {:.6}   (exact {:.6}, error {:.2e}){last}",
                r.expr,
                r.value,
                e,
                (r.value - e).abs()
            ),
            None => println!("  {} = {:.6}{last}", r.expr, r.value),
        }
    }
    if let Some(v) = summary.constraint_violation {
        println!(
            "  largest constraint violation of the raw network {v:.3e} (reported values are projected onto the constraint)"
        );
    }
    if let Some(m) = &summary.reference_metrics {
        println!(
            "  against the reference table: relative L2 error {:.3e}, max abs error {:.3e} on {} points",
            m.rel_l2, m.max_abs, m.points
        );
    }
    for g in &summary.reference_by_parameters {
        let at: Vec<String> = g.at.iter().map(|(n, v)| format!("{n} = {v}")).collect();
        println!(
            "    at {}: relative L2 error {:.3e}, max abs error {:.3e} on {} points",
            at.join(", "),
            g.metrics.rel_l2,
            g.metrics.max_abs,
            g.metrics.points
        );
    }
    if let Some(m) = &summary.metrics {
        println!(
            "  relative L2 error {:.3e}, max abs error {:.3e} on {} fresh points",
            m.rel_l2, m.max_abs, m.points
        );
    }
    println!("  run directory: {}", dir.display());
    Ok(dir)
}

/// Writes loss.csv's line for a polish iteration: step, step length, total, terms.
type PolishLog<'a> = dyn FnMut(u64, f64, f64, &[f64]) -> Result<(), RunError> + 'a;

/// Where the polish's fixed points come from: apart from every training step's draws.
const POLISH_KEY: u64 = 0x706f_6c69_7368_0001;

/// Where the points that check the polish come from: apart from its own and the steps'.
const FRESH_KEY: u64 = 0x706f_6c69_7368_0002;

/// Where a polish stands in its run: the Adam steps it follows, where to save it (rank 0's
/// `polish.safetensors`), how often, and the saved polish it goes on from.
struct PolishPlace<'a> {
    /// The Adam steps taken: loss.csv's lines are `first + iteration`.
    first: u64,
    path: Option<&'a Path>,
    /// Iterations between saves (also saved when it ends).
    save_every: u64,
    saved: Option<crate::polish_checkpoint::Checkpoint>,
}

/// Polishes `net` (left at the best point found) by L-BFGS on `po.batches` fixed training
/// batches, from the saved polish when there is one of the same points; `log` writes
/// loss.csv's line for each iteration (the start as step `first`, then `first + k`). Ctrl-C
/// stops it with the last accepted point, saved to go on from.
#[allow(clippy::too_many_arguments)]
fn polish_network(
    program: &LossProgram,
    net: &Net,
    po: &pdec_lang::settings::Polish,
    comm: &pdec_solve::distributed::Comm,
    stop: &AtomicBool,
    progress: &crate::progress::Training,
    place: PolishPlace,
    log: &mut PolishLog,
) -> Result<PolishSummary, RunError> {
    use crate::polish_checkpoint as checkpoint;
    use pdec_solve::polish::{self, FixedObjective, Lbfgs};
    let started = Instant::now();
    let first = place.first;
    let set = train::FixedSet::draw(program, po.batches, POLISH_KEY);
    let pde_batch = program.plan.pde_batch();
    let points = po.batches * pde_batch;
    let budget = po
        .time_limit
        .map_or(String::new(), |t| format!(" and {t} s"));
    progress.note(&format!(
        "polishing by L-BFGS: at most {} iterations{budget} on {} fixed batches ({points} PDE points), history {}",
        po.steps, po.batches, po.history
    ));
    // A saved polish of other points (`batch` or `batches` changed) cannot go on.
    let saved = match place.saved {
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
    };
    // The loss on points the polish never sees, at the network it begins from (`net` holds
    // the end of the Adam steps, also when a saved polish goes on) and at the end: a fixed
    // set can be fitted while the equation between its points is not (issue 4's family: the
    // fresh loss rose from the first iterations while the polish's own fell).
    let fresh_batches = (po.batches / 4).max(1);
    let fresh = train::FixedSet::draw(program, fresh_batches, FRESH_KEY);
    let fresh_points = fresh_batches * pde_batch;
    let fresh_loss = || -> Result<(f64, BTreeMap<String, f64>), RunError> {
        let (total, values) = polish::loss_on(program, net, &fresh, comm)?;
        let names = program.plan.terms.iter().map(|t| t.name.clone());
        Ok((total, names.zip(values).collect()))
    };
    let (fresh_before, fresh_terms_before) = fresh_loss()?;
    let mut objective = FixedObjective::new(program, net, &set, comm);
    let (mut state, before, spent_before, converged) = match saved {
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
    };
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
        return Ok(PolishSummary {
            iterations: 0,
            evaluations: 1,
            loss_before: f0,
            loss_after: f0,
            fresh_points,
            fresh_loss_before: fresh_before,
            fresh_loss_after: fresh_before,
            fresh_terms_after: fresh_terms_before.clone(),
            fresh_terms_before,
            stopped: "not_finite",
            wall_time_s: started.elapsed().as_secs_f64(),
            resumed_at_iteration: None,
        });
    }
    let mut meta = checkpoint::Meta {
        from_step: first,
        batches: po.batches as u64,
        pde_batch: pde_batch as u64,
        loss_before: before,
        wall_s: spent_before,
        converged,
    };
    let save = |meta: &mut checkpoint::Meta, state: &polish::State| match place.path {
        Some(path) => {
            meta.wall_s = spent();
            checkpoint::save(path, meta, state)
        }
        None => Ok(()),
    };
    if resumed_at.is_none() {
        log(first, 0.0, f0, &start_terms)?;
    }
    let config = Lbfgs {
        iterations: po.steps,
        history: po.history,
        line_search_evals: 25,
        curvature: 0.9,
        // Changes below the loss's rounding are noise.
        relative_tolerance: match program.settings.dtype {
            pdec_lang::settings::DType::F32 => 1e-7,
            pdec_lang::settings::DType::F64 => 1e-13,
        },
    };
    // A saved polish that has converged or spent its budget has nothing left to do.
    let time_spent = po.time_limit.is_some_and(|t| spent_before >= t);
    if converged || time_spent || state.iterations >= po.steps {
        polish::set_weights(net, &state.x)?;
        save(&mut meta, &state)?;
        let (fresh_after, fresh_terms_after) = fresh_loss()?;
        return Ok(PolishSummary {
            iterations: state.iterations,
            evaluations: state.evaluations,
            loss_before: before,
            loss_after: f0,
            fresh_points,
            fresh_loss_before: fresh_before,
            fresh_loss_after: fresh_after,
            fresh_terms_before,
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
    // A progress line every twentieth of the iterations, or of the time budget when that
    // comes first (a time-boxed polish usually has an iteration count it never reaches).
    let every = (po.steps / 20).max(1);
    let every_s = po.time_limit.map_or(f64::INFINITY, |t| t / 20.0);
    let mut noted_at = spent_before;
    // loss.csv: a line every `log_every / 10` iterations (an iteration is `batches` steps'
    // work) and the last one.
    let log_every = (program.settings.log_every / 10).max(1);
    // The objective is borrowed by the line search and the log alike: through a cell.
    let objective = std::cell::RefCell::new(objective);
    let mut log_failed = None;
    let mut unlogged = None;
    let mut time_up = false;
    let result = polish::minimise(
        &config,
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
            if it.index % place.save_every == 0
                && let Err(e) = save(&mut meta, it.state)
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
    polish::set_weights(net, &result.state.x)?;
    if let Some((index, step, loss, terms)) = unlogged {
        log(first + index, step, loss, &terms)?;
    }
    meta.converged = matches!(result.ended, polish::Ended::Converged);
    save(&mut meta, &result.state)?;
    let (fresh_after, fresh_terms_after) = fresh_loss()?;
    if fresh_after > fresh_before && result.loss < before {
        progress.note(&format!(
            "warning: the polish lowered the loss on its points ({before:.3e} -> {:.3e}) but raised it on {fresh_points} fresh ones ({fresh_before:.3e} -> {fresh_after:.3e}): it fits its points more than the equation between them (more `batches` spreads it over more points, fewer iterations stop it sooner; but a higher residual need not be a larger error: on the Burgers family both rose at first while the error against the reference fell, so judge by a `reference` where there is one)",
            result.loss
        ));
    }
    Ok(PolishSummary {
        iterations: result.state.iterations,
        evaluations: result.state.evaluations,
        loss_before: before,
        loss_after: result.loss,
        fresh_points,
        fresh_loss_before: fresh_before,
        fresh_loss_after: fresh_after,
        fresh_terms_before,
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

/// The problem's `report` values from `net` (projected onto the constraint, as `solution`).
fn report_values(
    problem: &pdec_lang::ir::Problem,
    cols: &pdec_solve::lower::Columns,
    net: &Net,
    device: &Device,
    dt: DType,
) -> Result<Vec<ReportValue>, RunError> {
    let mut reports = Vec::new();
    for r in &problem.reports {
        let row = train::report_row(problem, cols, r);
        let x = Tensor::from_vec(row, (1, cols.width), device)?.to_dtype(dt)?;
        let v = train::solution(net, problem, cols, &x)?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?[0];
        let exact = match problem.exact {
            Some(e) => Some(
                train::eval_free(problem, cols, e, &x.to_dtype(DType::F64)?)?.to_vec1::<f64>()?[0],
            ),
            None => None,
        };
        reports.push(ReportValue {
            expr: r.text.clone(),
            value: v,
            exact,
        });
    }
    Ok(reports)
}

/// Errors of the trained solution at a table's points against its values, over the whole
/// table and, for a problem with parameters, at each parameter point it holds (rows grouped
/// by their parameter values, in order of first appearance).
fn table_metrics(
    program: &LossProgram,
    net: &Net,
    t: &crate::table::Table,
) -> Result<(Metrics, Vec<ParameterMetrics>), RunError> {
    let values = t
        .values
        .as_ref()
        .ok_or_else(|| RunError::Internal("reference table without values".into()))?;
    let u = solution_at(
        program.problem,
        &program.cols,
        net,
        &t.points,
        t.rows,
        program.dtype,
    )?;
    let all = metrics_of(&u, values, 0..t.rows);
    let params = &program.cols.params;
    let mut groups: Vec<(Vec<f64>, Vec<usize>)> = Vec::new();
    if !params.is_empty() {
        let width = program.cols.width;
        for i in 0..t.rows {
            let key: Vec<f64> = params.iter().map(|&c| t.points[i * width + c]).collect();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(i),
                None => groups.push((key, vec![i])),
            }
        }
    }
    let by = groups
        .into_iter()
        .map(|(key, rows)| ParameterMetrics {
            at: program
                .problem
                .params
                .iter()
                .map(|p| p.name.clone())
                .zip(key)
                .collect(),
            metrics: metrics_of(&u, values, rows.into_iter()),
        })
        .collect();
    Ok((all, by))
}

/// Relative L2 and max abs error of `u` against `values` on some rows.
fn metrics_of(u: &[f64], values: &[f64], rows: impl Iterator<Item = usize>) -> Metrics {
    let (mut num, mut den, mut max_abs, mut points) = (0.0, 0.0, 0.0f64, 0);
    for i in rows {
        let e = u[i] - values[i];
        num += e * e;
        den += values[i] * values[i];
        max_abs = max_abs.max(e.abs());
        points += 1;
    }
    Metrics {
        rel_l2: (num / f64::max(den, 1e-300)).sqrt(),
        max_abs,
        points,
    }
}

/// The solution at rows of points (in chunks, to bound memory), computed on the network's
/// device (a GPU-trained network evaluates the reference table on the GPU).
pub fn solution_at(
    p: &pdec_lang::ir::Problem,
    cols: &pdec_solve::lower::Columns,
    net: &Net,
    points: &[f64],
    rows: usize,
    dt: DType,
) -> Result<Vec<f64>, RunError> {
    let mut out = Vec::with_capacity(rows);
    let chunk = 8192;
    let device = net.device();
    let mut start = 0;
    while start < rows {
        let n = chunk.min(rows - start);
        let x = Tensor::from_vec(
            points[start * cols.width..(start + n) * cols.width].to_vec(),
            (n, cols.width),
            &device,
        )?
        .to_dtype(dt)?;
        out.extend(
            train::solution(net, p, cols, &x)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?,
        );
        start += n;
    }
    Ok(out)
}

/// `max(g - u, 0)` (or `max(u - g, 0)`) of the raw network over fresh interior points.
fn violation(
    program: &LossProgram,
    net: &Net,
    c: &pdec_lang::ir::Constraint,
    seed: u64,
) -> Result<f64, RunError> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x636f_6e73);
    let b = pdec_lang::geometry::sample_interior(
        program.problem,
        &program.layout.uniform(),
        4096,
        &mut rng,
    );
    let (x, _) = program.tensor(&b)?;
    let u = train::values(net, program.problem, &program.cols, &x)?
        .to_dtype(DType::F64)?
        .to_vec1::<f64>()?;
    let g = train::eval_free(program.problem, &program.cols, c.obstacle, &x)?
        .to_dtype(DType::F64)?
        .to_vec1::<f64>()?;
    Ok(u.iter()
        .zip(&g)
        .map(|(u, g)| if c.at_least { g - u } else { u - g })
        .fold(0.0, f64::max))
}

/// Fixed points (seeded, 4096) and the exact solution there: drawn and evaluated once per
/// run, then compared with the network at every logged step and at the end.
struct ExactProbe {
    x: Tensor,
    exact: Vec<f64>,
}

fn exact_probe(
    program: &LossProgram,
    exact: pdec_lang::ir::NodeId,
    seed: u64,
) -> Result<ExactProbe, RunError> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6576_616c);
    let b = pdec_lang::geometry::sample_interior(
        program.problem,
        &program.layout.uniform(),
        4096,
        &mut rng,
    );
    let (x, _) = program.tensor(&b)?;
    let x64 = x.to_dtype(DType::F64)?;
    let exact = train::eval_free(program.problem, &program.cols, exact, &x64)?.to_vec1::<f64>()?;
    Ok(ExactProbe { x, exact })
}

/// Errors of the trained solution against `exact` at the probe's points.
fn exact_metrics(
    program: &LossProgram,
    net: &Net,
    probe: &ExactProbe,
) -> Result<Metrics, RunError> {
    let u = train::solution(net, program.problem, &program.cols, &probe.x)?
        .to_dtype(DType::F64)?
        .to_vec1::<f64>()?;
    Ok(metrics_of(&u, &probe.exact, 0..u.len()))
}

/// Loads a run's trained network for its (recompiled) problem.
pub fn load_net(compiled: &Compiled, run: &Path) -> Result<(Net, DType), RunError> {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Err(RunError::Internal("eval called without a plan".into()));
    };
    let dt = dtype(checked);
    let net = Net::new(
        &checked.settings.net,
        plan.layout.width,
        checked.settings.seed,
        dt,
        &Device::Cpu,
    )?;
    load_model(&net, &run.join("model.safetensors"))?;
    Ok((net, dt))
}

/// `pdec eval RUN_DIR --at "t = 0, x = 1"`: values of a trained network.
pub fn eval_at(compiled: &Compiled, run: &Path) -> Result<Vec<(String, f64)>, RunError> {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Err(RunError::Internal("eval called without a plan".into()));
    };
    let problem = &checked.problem;
    let dt = dtype(checked);
    let device = Device::Cpu;
    let net = Net::new(
        &checked.settings.net,
        plan.layout.width,
        checked.settings.seed,
        dt,
        &device,
    )?;
    load_model(&net, &run.join("model.safetensors"))?;
    let cols = pdec_solve::lower::Columns::new(problem);
    let mut out = Vec::new();
    for r in &problem.reports {
        let row = train::report_row(problem, &cols, r);
        let x = Tensor::from_vec(row, (1, cols.width), &device)?.to_dtype(dt)?;
        let v = train::solution(&net, problem, &cols, &x)?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?[0];
        out.push((r.text.clone(), v));
    }
    Ok(out)
}
