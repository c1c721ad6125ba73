//! Stage 8, `pdec solve` and `pdec eval`: training runs with their run directory, and the
//! report (reported values, error metrics against `exact`).
//!
//! Run directory (`runs/<problem>-<UTC time>/` unless `--out`): `problem.pde` (the source),
//! `settings.json` (every resolved setting, the seed, `--set` overrides, versions),
//! `loss.csv` (step, wall time, lr, total and each named term), `model.safetensors`
//! (written atomically at checkpoints and at the end), `summary.json`.

use crate::check::Checked;
use crate::diag::Diag;
use crate::driver::Compiled;
use crate::nn::Net;
use crate::train::{self, Adam, LossProgram};
use candle_core::{DType, Device, Tensor};
use rand::SeedableRng;
use serde::Serialize;
use std::collections::HashMap;
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

#[derive(Clone, Debug)]
pub struct SolveOptions {
    pub out: Option<PathBuf>,
    /// The problem's `reference` table, read and checked before training.
    pub reference: Option<crate::table::Table>,
    pub sets: Vec<String>,
    pub quiet: bool,
    /// `--log-every N`: plain progress lines every N steps instead of a live bar.
    pub log_every: Option<u64>,
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

#[derive(Serialize)]
struct SecondOrderSummary {
    term: String,
    path: crate::passes::second_order::Path,
    why: String,
}

#[derive(Serialize)]
struct Summary {
    problem: String,
    seed: u64,
    steps: u64,
    wall_time_s: f64,
    stopped: &'static str,
    final_loss: HashMap<String, f64>,
    reports: Vec<ReportValue>,
    metrics: Option<Metrics>,
    /// Errors against the `reference` table's values.
    reference_metrics: Option<Metrics>,
    /// Largest violation of the free-boundary constraint by the raw network (before the
    /// projection applied to reported values), on fresh interior points.
    constraint_violation: Option<f64>,
    second_order: Vec<SecondOrderSummary>,
    parameters: usize,
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
    std::fs::rename(&tmp, path)
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
        crate::settings::DType::F32 => DType::F32,
        crate::settings::DType::F64 => DType::F64,
    }
}

fn save_model(net: &Net, path: &Path) -> Result<(), RunError> {
    let tensors: HashMap<String, Tensor> = net
        .params
        .iter()
        .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
        .collect();
    let tmp = path.with_extension("tmp");
    candle_core::safetensors::save(&tensors, &tmp)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
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
    let device = Device::Cpu;
    let dt = dtype(checked);
    let program = LossProgram::new(problem, plan, analysis, st, device.clone()).map_err(|why| {
        RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::unsupported",
                format!("this problem cannot be trained: {why}"),
            )
            .help("see `pdec explain` for how each term is computed"),
        ))
    })?;
    let net = Net::new(&st.net, plan.input_width, st.seed, dt, &device)?;
    let mut adam = Adam::new(&net.params)?;

    let dir = run_dir(&problem.name, opts.out.as_deref())?;
    write_atomic(&dir.join("problem.pde"), source_text.as_bytes())?;
    let settings_json = serde_json::json!({
        "settings": st,
        "seed": st.seed,
        "set": opts.sets,
        "pdec_version": env!("CARGO_PKG_VERSION"),
        "candle_version": "0.11",
        "input_width": plan.input_width,
        "parameters": net.parameter_count(),
    });
    write_atomic(
        &dir.join("settings.json"),
        serde_json::to_string_pretty(&settings_json)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    let names: Vec<String> = plan.terms.iter().map(|t| t.name.clone()).collect();
    let mut csv = csv::Writer::from_path(dir.join("loss.csv"))
        .map_err(|e| RunError::Internal(e.to_string()))?;
    let mut header = vec![
        "step".to_string(),
        "wall_s".into(),
        "lr".into(),
        "total".into(),
    ];
    header.extend(names.iter().cloned());
    csv.write_record(&header)
        .map_err(|e| RunError::Internal(e.to_string()))?;

    let stop = Arc::new(AtomicBool::new(false));
    {
        let s = stop.clone();
        // A second handler cannot be installed (tests run several solves): ignore that.
        let _ = ctrlc::set_handler(move || s.store(true, Ordering::SeqCst));
    }
    let mut progress = crate::progress::Training::new(
        crate::progress::Mode::choose(opts.quiet, opts.log_every, st.log_every),
        st.steps,
    );
    progress.note(&format!(
        "training {} in {}: {} parameters, {} steps, terms: {}",
        problem.name,
        dir.display(),
        net.parameter_count(),
        st.steps,
        names.join(", ")
    ));
    let start = Instant::now();
    let mut batches = Vec::new();
    let mut last: Vec<f64> = vec![f64::NAN; names.len()];
    let mut stopped = "steps";
    let mut done = 0;
    for step in 0..st.steps {
        if stop.load(Ordering::SeqCst) {
            stopped = "interrupted";
            break;
        }
        if let Some(limit) = st.time_limit
            && start.elapsed().as_secs_f64() >= limit
        {
            stopped = "time_limit";
            break;
        }
        let mut rng = train::step_rng(st.seed, step);
        if step % st.resample_every == 0 || batches.is_empty() {
            batches = train::sample(&program, &mut rng);
        }
        let losses = program.losses(&net, &batches, &mut rng)?;
        let mut total: Option<Tensor> = None;
        for (t, l) in plan.terms.iter().zip(&losses.terms) {
            let w = (l * t.weight)?;
            total = Some(match total {
                None => w,
                Some(s) => (s + w)?,
            });
        }
        let total = total.ok_or_else(|| RunError::Internal("no loss terms".into()))?;
        let values: Vec<f64> = losses
            .terms
            .iter()
            .map(|l| l.to_dtype(DType::F64).and_then(|l| l.to_scalar::<f64>()))
            .collect::<candle_core::Result<_>>()?;
        if let Some((k, _)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            progress.abandon();
            save_model(&net, &dir.join("model.safetensors"))?;
            // Point at the statement the term comes from.
            let span = match plan.terms[k].kind {
                crate::plan::TermKind::Pde => Some(problem.pde.span),
                crate::plan::TermKind::Constraint => problem.constraint.as_ref().map(|c| c.span),
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
            return Err(RunError::NotFinite(format!(
                "the loss term `{}`{place} became {} at step {step}; the model before this step is in {}",
                names[k],
                values[k],
                dir.display()
            )));
        }
        let lr = train::learning_rate(st, step, start.elapsed().as_secs_f64());
        let grads = total.backward()?;
        adam.update(&net.params, &grads, lr, st.clip)?;
        last = values.clone();
        done = step + 1;
        let total_v: f64 = plan
            .terms
            .iter()
            .zip(&values)
            .map(|(t, v)| t.weight * v)
            .sum();
        if step % st.log_every == 0 || step + 1 == st.steps {
            let mut rec = vec![
                step.to_string(),
                format!("{:.3}", start.elapsed().as_secs_f64()),
                format!("{lr:.6e}"),
                format!("{total_v:.6e}"),
            ];
            rec.extend(values.iter().map(|v| format!("{v:.6e}")));
            csv.write_record(&rec)
                .map_err(|e| RunError::Internal(e.to_string()))?;
            csv.flush()?;
        }
        progress.step(step, total_v, lr, &names, &values);
        if st.checkpoint_every > 0 && (step + 1) % st.checkpoint_every == 0 {
            save_model(&net, &dir.join("model.safetensors"))?;
        }
    }
    progress.finish();
    save_model(&net, &dir.join("model.safetensors"))?;
    let wall = start.elapsed().as_secs_f64();

    // Reports and metrics.
    let cols = &program.cols;
    let mut reports = Vec::new();
    for r in &problem.reports {
        let row = train::report_row(problem, cols, r);
        let x = Tensor::from_vec(row, (1, cols.width), &device)?.to_dtype(dt)?;
        let v = train::solution(&net, problem, cols, &x)?
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
    let metrics = match problem.exact {
        Some(e) => Some(exact_metrics(&program, &net, e, st.seed)?),
        None => None,
    };
    let reference_metrics = match &opts.reference {
        Some(t) => Some(table_metrics(&program, &net, t)?),
        None => None,
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
        final_loss: names.iter().cloned().zip(last.iter().copied()).collect(),
        reports,
        metrics,
        reference_metrics,
        constraint_violation,
        second_order: plan
            .second_order
            .iter()
            .map(|t| SecondOrderSummary {
                term: t.term.clone(),
                path: t.path,
                why: t.why.clone(),
            })
            .collect(),
        parameters: net.parameter_count(),
    };
    let json =
        serde_json::to_string_pretty(&summary).map_err(|e| RunError::Internal(e.to_string()))?;
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    println!("{}: {done} steps in {wall:.1} s ({stopped})", problem.name);
    for r in &summary.reports {
        match r.exact {
            Some(e) => println!(
                "  {} = {:.6}   (exact {:.6}, error {:.2e})",
                r.expr,
                r.value,
                e,
                (r.value - e).abs()
            ),
            None => println!("  {} = {:.6}", r.expr, r.value),
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
    if let Some(m) = &summary.metrics {
        println!(
            "  relative L2 error {:.3e}, max abs error {:.3e} on {} fresh points",
            m.rel_l2, m.max_abs, m.points
        );
    }
    println!("  run directory: {}", dir.display());
    Ok(dir)
}

/// Errors of the trained solution at a table's points against its values.
fn table_metrics(
    program: &LossProgram,
    net: &Net,
    t: &crate::table::Table,
) -> Result<Metrics, RunError> {
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
    let num: f64 = u.iter().zip(values).map(|(a, b)| (a - b).powi(2)).sum();
    let den: f64 = values.iter().map(|b| b * b).sum();
    let max_abs = u
        .iter()
        .zip(values)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Ok(Metrics {
        rel_l2: (num / den.max(1e-300)).sqrt(),
        max_abs,
        points: t.rows,
    })
}

/// The solution at rows of points (in chunks, to bound memory).
pub fn solution_at(
    p: &crate::ir::Problem,
    cols: &crate::lower::Columns,
    net: &Net,
    points: &[f64],
    rows: usize,
    dt: DType,
) -> Result<Vec<f64>, RunError> {
    let mut out = Vec::with_capacity(rows);
    let chunk = 8192;
    let mut start = 0;
    while start < rows {
        let n = chunk.min(rows - start);
        let x = Tensor::from_vec(
            points[start * cols.width..(start + n) * cols.width].to_vec(),
            (n, cols.width),
            &Device::Cpu,
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
    c: &crate::ir::Constraint,
    seed: u64,
) -> Result<f64, RunError> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x636f_6e73);
    let b = crate::geometry::sample_interior(program.problem, &program.layout, 4096, &mut rng);
    let (x, _) = program.tensor(&b)?;
    let u = train::values(net, &program.cols, &x)?
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

/// Relative L2 and max-abs error against `exact` on fresh interior points.
fn exact_metrics(
    program: &LossProgram,
    net: &Net,
    exact: crate::ir::NodeId,
    seed: u64,
) -> Result<Metrics, RunError> {
    let points = 4096;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6576_616c);
    let b = crate::geometry::sample_interior(program.problem, &program.layout, points, &mut rng);
    let (x, _) = program.tensor(&b)?;
    let u = train::solution(net, program.problem, &program.cols, &x)?
        .to_dtype(DType::F64)?
        .to_vec1::<f64>()?;
    let x64 = x.to_dtype(DType::F64)?;
    let e = train::eval_free(program.problem, &program.cols, exact, &x64)?.to_vec1::<f64>()?;
    let num: f64 = u.iter().zip(&e).map(|(a, b)| (a - b).powi(2)).sum();
    let den: f64 = e.iter().map(|b| b * b).sum();
    let max_abs = u
        .iter()
        .zip(&e)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Ok(Metrics {
        rel_l2: (num / den.max(1e-300)).sqrt(),
        max_abs,
        points,
    })
}

/// Loads a run's trained network for its (recompiled) problem.
pub fn load_net(compiled: &Compiled, run: &Path) -> Result<(Net, DType), RunError> {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Err(RunError::Internal("eval called without a plan".into()));
    };
    let dt = dtype(checked);
    let net = Net::new(
        &checked.settings.net,
        plan.input_width,
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
        plan.input_width,
        checked.settings.seed,
        dt,
        &device,
    )?;
    load_model(&net, &run.join("model.safetensors"))?;
    let cols = crate::lower::Columns::new(problem);
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
