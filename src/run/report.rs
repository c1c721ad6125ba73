//! What a trained network is measured by: the problem's `report` values, the errors against
//! `exact` (on fixed probe points) and against the `reference` table (overall and per
//! parameter point), and the free-boundary constraint's violation. loss.csv logs some of
//! them at every logged step; summary.json holds them at the end.

use crate::run::error::RunError;
use candle_core::{DType, Tensor};
use pdec_solve::nn::Net;
use pdec_solve::train::{self, LossProgram};
use rand::SeedableRng;
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct ReportValue {
    pub expr: String,
    pub value: f64,
    pub exact: Option<f64>,
}

#[derive(Serialize)]
pub(crate) struct Metrics {
    pub rel_l2: f64,
    pub max_abs: f64,
    pub points: usize,
    /// A gauged unknown (`mean p = 0`) is fixed only up to a constant: its errors compare
    /// the solution and `exact` each with its mean over the points removed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mean_removed: bool,
}

/// Errors against a reference table on the rows of one parameter point.
#[derive(Serialize)]
pub(crate) struct ParameterMetrics {
    /// Parameter name and value, in declaration order.
    pub at: Vec<(String, f64)>,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// The problem's `report` values from `net` (projected onto the constraint, as `solution`).
/// A gauged unknown's `exact` is shifted to the gauge's constant ([`gauge_shift`]).
pub(crate) fn report_values(
    program: &LossProgram,
    net: &Net,
) -> Result<Vec<ReportValue>, RunError> {
    let (problem, cols, device, dt) = (
        program.problem,
        &program.cols,
        &program.device,
        program.dtype,
    );
    let mut reports = Vec::new();
    for r in &problem.reports {
        let row = train::report_row(problem, cols, r);
        let x = Tensor::from_vec(row.clone(), (1, cols.layout.width), device)?.to_dtype(dt)?;
        let v = train::solution_of(net, problem, cols, &x, r.unknown)?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?[0];
        let exact = match problem.unknowns[r.unknown].exact {
            Some(e) => Some(
                train::eval_free(problem, cols, e, &x.to_dtype(DType::F64)?)?.to_vec1::<f64>()?[0]
                    - gauge_shift(program, r.unknown, e, &row)?,
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

/// Errors of the trained solution at a table's points against its values, for each unknown
/// it has a column for (in declaration order), over the whole table and, for a problem with
/// parameters, at each parameter point it holds (rows grouped by their parameter values, in
/// order of first appearance).
pub(crate) fn table_metrics(
    program: &LossProgram,
    net: &Net,
    t: &crate::table::Table,
) -> Result<Vec<TableMetrics>, RunError> {
    if t.values.is_empty() {
        return Err(RunError::Internal("reference table without values".into()));
    }
    t.values
        .iter()
        .map(|(k, values)| {
            let (all, by) = unknown_table_metrics(program, net, t, *k, values)?;
            Ok(TableMetrics {
                unknown: *k,
                all,
                by_parameters: by,
            })
        })
        .collect()
}

/// One unknown's errors against a reference table's column.
pub(crate) struct TableMetrics {
    pub unknown: usize,
    pub all: Metrics,
    pub by_parameters: Vec<ParameterMetrics>,
}

/// [`table_metrics`] of unknown `k` against its column `values`.
fn unknown_table_metrics(
    program: &LossProgram,
    net: &Net,
    t: &crate::table::Table,
    k: usize,
    values: &[f64],
) -> Result<(Metrics, Vec<ParameterMetrics>), RunError> {
    let u = solution_of_at(
        program.problem,
        &program.cols,
        net,
        &t.points,
        t.rows,
        program.dtype,
        k,
    )?;
    let all = metrics_of(&u, values, 0..t.rows);
    let params: Vec<usize> = program.cols.layout.params().collect();
    let mut groups: Vec<(Vec<f64>, Vec<usize>)> = Vec::new();
    if !params.is_empty() {
        let width = program.cols.layout.width;
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
pub(crate) fn metrics_of(u: &[f64], values: &[f64], rows: impl Iterator<Item = usize>) -> Metrics {
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
        mean_removed: false,
    }
}

/// Unknown `k`'s errors against its exact values at the same points: [`metrics_of`], or for
/// a gauged unknown the same with each side's mean over the points removed.
pub(crate) fn unknown_metrics(
    problem: &pdec_lang::ir::Problem,
    k: usize,
    got: &[f64],
    want: &[f64],
) -> Metrics {
    if problem.gauge(k).is_none() || got.is_empty() {
        return metrics_of(got, want, 0..got.len());
    }
    let centred = |v: &[f64]| -> Vec<f64> {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| x - m).collect()
    };
    Metrics {
        mean_removed: true,
        ..metrics_of(&centred(got), &centred(want), 0..got.len())
    }
}

/// What a gauged unknown's `exact` is shifted by in a report: its mean over space at the
/// report's time and parameters less the gauge's value, so that the report compares like
/// with like (`exact` may be written with any constant). The mean is over 2^18 uniform
/// space points (the IR's evaluator only, milliseconds): with 4,096 its sampling error was
/// 3e-3 of a field of size 0.1.
fn gauge_shift(
    program: &LossProgram,
    k: usize,
    exact: pdec_lang::ir::NodeId,
    row: &[f64],
) -> Result<f64, RunError> {
    let Some(g) = program.problem.gauge(k) else {
        return Ok(0.0);
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x0067_6175_6765);
    let layout = program.layout.uniform();
    let mut b = pdec_lang::geometry::sample_interior(program.problem, &layout, 1 << 18, &mut rng);
    let w = b.width;
    let space: Vec<usize> = (0..program.problem.space.len())
        .filter_map(|v| program.cols.layout.space(v))
        .flat_map(|(o, len)| o..o + len)
        .collect();
    for i in 0..b.n {
        for c in (0..w).filter(|c| !space.contains(c)) {
            b.points[i * w + c] = row[c];
        }
    }
    let (x, _) = program.tensor(&b)?;
    let e = train::eval_free(
        program.problem,
        &program.cols,
        exact,
        &x.to_dtype(DType::F64)?,
    )?
    .to_vec1::<f64>()?;
    Ok(e.iter().sum::<f64>() / e.len().max(1) as f64 - g.value)
}

/// Every unknown's solution at rows of points, one vector each in declaration order.
pub fn solutions_at(
    p: &pdec_lang::ir::Problem,
    cols: &pdec_solve::lower::Columns,
    net: &Net,
    points: &[f64],
    rows: usize,
    dt: DType,
) -> Result<Vec<Vec<f64>>, RunError> {
    (0..p.unknowns.len())
        .map(|k| solution_of_at(p, cols, net, points, rows, dt, k))
        .collect()
}

/// Unknown `k`'s solution at rows of points (in chunks, to bound memory), computed on the
/// network's device (a GPU-trained network evaluates the reference table on the GPU).
pub fn solution_of_at(
    p: &pdec_lang::ir::Problem,
    cols: &pdec_solve::lower::Columns,
    net: &Net,
    points: &[f64],
    rows: usize,
    dt: DType,
    k: usize,
) -> Result<Vec<f64>, RunError> {
    let mut out = Vec::with_capacity(rows);
    let chunk = 8192;
    let device = net.device();
    let mut start = 0;
    while start < rows {
        let n = chunk.min(rows - start);
        let x = Tensor::from_vec(
            points[start * cols.layout.width..(start + n) * cols.layout.width].to_vec(),
            (n, cols.layout.width),
            &device,
        )?
        .to_dtype(dt)?;
        out.extend(
            train::solution_of(net, p, cols, &x, k)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?,
        );
        start += n;
    }
    Ok(out)
}

/// `max(g - u, 0)` (or `max(u - g, 0)`) of the raw network over fresh interior points.
pub(crate) fn violation(
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
pub(crate) struct ExactProbe {
    pub x: Tensor,
    /// Each unknown with an `exact`: its number and its exact values at `x`.
    pub exact: Vec<(usize, Vec<f64>)>,
}

/// The probe of every unknown with an `exact` (none when no unknown has one).
pub(crate) fn exact_probe(
    program: &LossProgram,
    seed: u64,
) -> Result<Option<ExactProbe>, RunError> {
    let p = program.problem;
    let with: Vec<(usize, pdec_lang::ir::NodeId)> = (p.unknowns.iter().enumerate())
        .filter_map(|(k, u)| u.exact.map(|e| (k, e)))
        .collect();
    if with.is_empty() {
        return Ok(None);
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6576_616c);
    let b = pdec_lang::geometry::sample_interior(p, &program.layout.uniform(), 4096, &mut rng);
    let (x, _) = program.tensor(&b)?;
    let x64 = x.to_dtype(DType::F64)?;
    let mut exact = Vec::with_capacity(with.len());
    for (k, e) in with {
        exact.push((
            k,
            train::eval_free(p, &program.cols, e, &x64)?.to_vec1::<f64>()?,
        ));
    }
    Ok(Some(ExactProbe { x, exact }))
}

/// loss.csv's error columns of the probe: `exact_rel_l2` for a problem of one unknown, and
/// `exact_rel_l2.NAME` for each unknown of a system with an `exact` (in the probe's order).
pub(crate) fn exact_columns(problem: &pdec_lang::ir::Problem) -> Vec<String> {
    if problem.single().is_some() {
        return match problem.unknowns[0].exact {
            Some(_) => vec!["exact_rel_l2".into()],
            None => Vec::new(),
        };
    }
    (problem.unknowns.iter())
        .filter(|u| u.exact.is_some())
        .map(|u| format!("exact_rel_l2.{}", u.name))
        .collect()
}

/// loss.csv's error columns of a reference table: `reference_rel_l2` for a problem of one
/// unknown, and `reference_rel_l2.NAME` for each unknown of a system the table has a column
/// for (in [`table_metrics`]'s order).
pub(crate) fn reference_columns(
    problem: &pdec_lang::ir::Problem,
    t: &crate::table::Table,
) -> Vec<String> {
    match problem.single() {
        Some(_) => vec!["reference_rel_l2".into()],
        None => t
            .values
            .iter()
            .map(|(k, _)| format!("reference_rel_l2.{}", problem.unknowns[*k].name))
            .collect(),
    }
}

/// Each unknown's errors against its `exact` on the uniform probe's points (4,096 over the
/// whole domain and parameter box), for a system; empty for a problem of one unknown (its
/// `metrics` say it).
pub(crate) fn metrics_by_unknown(
    program: &LossProgram,
    net: &Net,
    seed: u64,
) -> Result<std::collections::BTreeMap<String, Metrics>, RunError> {
    let p = program.problem;
    let mut out = std::collections::BTreeMap::new();
    if p.unknowns.len() < 2 || !p.has_exact() {
        return Ok(out);
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6576_616c);
    let b = pdec_lang::geometry::sample_interior(p, &program.layout.uniform(), 4096, &mut rng);
    let (x, _) = program.tensor(&b)?;
    let x64 = x.to_dtype(DType::F64)?;
    for (k, u) in p.unknowns.iter().enumerate() {
        let Some(e) = u.exact else { continue };
        let want = train::eval_free(p, &program.cols, e, &x64)?.to_vec1::<f64>()?;
        let got = train::solution_of(net, p, &program.cols, &x, k)?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?;
        out.insert(u.name.clone(), unknown_metrics(p, k, &got, &want));
    }
    Ok(out)
}

/// Points per region of the error where it matters: the training law's, and around each
/// report (at least 256 per report).
const WHERE_IT_MATTERS: usize = 4096;

/// The share of each input's range, on either side of a report's point, that its
/// neighbourhood spans.
pub(crate) const NEAR_SHARE: f64 = 0.05;

/// Errors against `exact` besides the uniform probe's: on points of the training law (where
/// `sampling` puts the PDE's points) and in the reports' neighbourhoods (each input within
/// [`NEAR_SHARE`] of its range around the report's point). Rank 0, at the end of the run.
pub(crate) fn exact_metrics_where_it_matters(
    program: &LossProgram,
    net: &Net,
    exact: pdec_lang::ir::NodeId,
    seed: u64,
) -> Result<(Metrics, Option<Metrics>), RunError> {
    let problem = program.problem;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x7768_6572_6521);
    let law =
        pdec_lang::geometry::sample_interior(problem, &program.layout, WHERE_IT_MATTERS, &mut rng);
    let on_law = metrics_on(program, net, exact, &law)?;
    if problem.reports.is_empty() {
        return Ok((on_law, None));
    }
    let each = (WHERE_IT_MATTERS / problem.reports.len()).max(256);
    let mut near = pdec_lang::geometry::Batch {
        n: 0,
        width: program.cols.layout.width,
        points: Vec::new(),
        normals: None,
        values: None,
    };
    for r in &problem.reports {
        let center = train::report_row(problem, &program.cols, r);
        let b = pdec_lang::geometry::near::sample_near(
            problem,
            &program.cols.layout,
            &center,
            NEAR_SHARE,
            each,
            &mut rng,
        );
        near.n += b.n;
        near.points.extend(b.points);
    }
    Ok((on_law, Some(metrics_on(program, net, exact, &near)?)))
}

/// Errors of the trained solution against `exact` on the points of `batch`.
fn metrics_on(
    program: &LossProgram,
    net: &Net,
    exact: pdec_lang::ir::NodeId,
    batch: &pdec_lang::geometry::Batch,
) -> Result<Metrics, RunError> {
    let (x, _) = program.tensor(batch)?;
    let x64 = x.to_dtype(DType::F64)?;
    let want = train::eval_free(program.problem, &program.cols, exact, &x64)?.to_vec1::<f64>()?;
    let u = train::solution(net, program.problem, &program.cols, &x)?
        .to_dtype(DType::F64)?
        .to_vec1::<f64>()?;
    Ok(unknown_metrics(program.problem, 0, &u, &want))
}

/// Each probed unknown's errors against its `exact` at the probe's points (in the probe's
/// order).
pub(crate) fn exact_metrics(
    program: &LossProgram,
    net: &Net,
    probe: &ExactProbe,
) -> Result<Vec<Metrics>, RunError> {
    let p = program.problem;
    let mut out = Vec::with_capacity(probe.exact.len());
    for (k, want) in &probe.exact {
        let got = train::solution_of(net, p, &program.cols, &probe.x, *k)?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?;
        out.push(unknown_metrics(p, *k, &got, want));
    }
    Ok(out)
}
