//! A trained run directory opened for `pdec plot` and `pdec export`: the problem rebuilt from
//! `problem.pde` and the `--set` overrides in `settings.json` (as `pdec eval` does), the
//! network loaded from `model.safetensors`, and evaluation of the solution, the exact
//! solution, the obstacle and the gradient at rows of points.

use crate::grid::ColKind;
use crate::run::RunError;
use candle_core::{DType, Device, Tensor};
use pdec_lang::diag::Diag;
use pdec_lang::driver::{self, Compiled};
use pdec_lang::ir::{NodeId, Problem};
use pdec_solve::lower::{Columns, Directions};
use pdec_solve::nn::{InputDir, Net};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Why a run directory could not be opened or used.
pub enum Failure {
    /// `problem.pde` no longer compiles: its diagnostics, with sources.
    Compile(Box<Compiled>),
    Run(RunError),
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Failure {
        Failure::Run(e)
    }
}

impl From<candle_core::Error> for Failure {
    fn from(e: candle_core::Error) -> Failure {
        Failure::Run(e.into())
    }
}

impl From<Diag> for Failure {
    fn from(d: Diag) -> Failure {
        Failure::Run(RunError::Diag(Box::new(d)))
    }
}

pub struct Opened {
    pub dir: PathBuf,
    pub compiled: Compiled,
    pub net: Net,
    pub dt: DType,
    pub cols: Columns,
}

/// Opens a run directory: `problem.pde`, `settings.json`, `model.safetensors`.
pub fn open(run: &Path) -> Result<Opened, Failure> {
    let problem = run.join("problem.pde");
    let source = pdec_lang::loader::read_file(&problem).map_err(|d| {
        Diag::error(
            "pdec::run::not_a_run",
            format!("`{}` is not a run directory", run.display()),
        )
        .help(format!(
            "a run directory holds problem.pde, settings.json and model.safetensors ({})",
            d.message
        ))
    })?;
    if !run.join("model.safetensors").is_file() {
        return Err(Diag::error(
            "pdec::run::not_a_run",
            format!("`{}` has no model.safetensors", run.display()),
        )
        .help("the run did not finish its first checkpoint; train again")
        .into());
    }
    // Its `observe` data from the run's own copies.
    let data = crate::run::reference_folder(run);
    let compiled = driver::compile_in(source, &crate::run::saved_sets::of_run(run), Some(&data));
    let cols = match (&compiled.checked, &compiled.plan) {
        (Some(_), Some(plan)) if !compiled.diags.has_errors() => Columns::new(&plan.layout),
        _ => return Err(Failure::Compile(Box::new(compiled))),
    };
    let (net, dt) = crate::run::load_net(&compiled, run)?;
    Ok(Opened {
        dir: run.to_path_buf(),
        compiled,
        net,
        dt,
        cols,
    })
}

const CHUNK: usize = 8192;

impl Opened {
    pub fn problem(&self) -> &Problem {
        // `open` returns only compiled runs.
        &self.compiled.checked.as_ref().expect("checked").problem
    }

    /// The (first) unknown's solution (projected onto a free-boundary constraint) at `rows`
    /// points.
    pub fn solution(&self, points: &[f64], rows: usize) -> Result<Vec<f64>, RunError> {
        self.solution_of(0, points, rows)
    }

    /// Unknown `k`'s solution at `rows` points.
    pub fn solution_of(&self, k: usize, points: &[f64], rows: usize) -> Result<Vec<f64>, RunError> {
        crate::run::solution_of_at(
            self.problem(),
            &self.cols,
            &self.net,
            points,
            rows,
            self.dt,
            k,
        )
    }

    /// Every unknown's solution at `rows` points, in declaration order.
    pub fn solutions(&self, points: &[f64], rows: usize) -> Result<Vec<Vec<f64>>, RunError> {
        crate::run::solutions_at(self.problem(), &self.cols, &self.net, points, rows, self.dt)
    }

    /// A network-free expression (`exact`, an obstacle) at the points, in f64.
    pub fn free(&self, node: NodeId, points: &[f64], rows: usize) -> Result<Vec<f64>, RunError> {
        let w = self.cols.layout.width;
        let mut out = Vec::with_capacity(rows);
        for start in (0..rows).step_by(CHUNK) {
            let n = CHUNK.min(rows - start);
            let x = Tensor::from_vec(
                points[start * w..(start + n) * w].to_vec(),
                (n, w),
                &Device::Cpu,
            )?;
            out.extend(
                pdec_solve::train::eval_free(self.problem(), &self.cols, node, &x)?
                    .to_dtype(DType::F64)?
                    .to_vec1::<f64>()?,
            );
        }
        Ok(out)
    }

    /// The space columns, in column order, with their CSV names (`x`, `x1`, ...).
    pub fn space_columns(&self) -> Vec<(usize, String)> {
        crate::grid::input_columns(self.problem(), &self.cols)
            .into_iter()
            .filter(|c| matches!(c.kind, crate::grid::ColKind::Space { .. }))
            .map(|c| (c.col, c.header))
            .collect()
    }

    /// The input columns in column order (the order of a point's values in `solution` and
    /// `gradient_along`), named as the columns of `pdec eval --points`: `t`, `x`, `x1`, ...,
    /// each parameter.
    pub fn input_names(&self) -> Vec<String> {
        crate::grid::input_columns(self.problem(), &self.cols)
            .into_iter()
            .map(|c| c.header)
            .collect()
    }

    /// `du/dx_i` for every space column (outer: column, inner: point): [`Opened::gradient_along`]
    /// the space columns.
    pub fn gradient(&self, points: &[f64], rows: usize) -> Result<Vec<Vec<f64>>, RunError> {
        let space: Vec<usize> = self.space_columns().into_iter().map(|(c, _)| c).collect();
        self.gradient_along(&space, points, rows)
    }

    /// Every unknown's space gradient, unknown by unknown in declaration order (outer: the
    /// unknown's space columns, then the next unknown's; inner: point).
    pub fn gradients(&self, points: &[f64], rows: usize) -> Result<Vec<Vec<f64>>, RunError> {
        let space: Vec<usize> = self.space_columns().into_iter().map(|(c, _)| c).collect();
        let mut out = Vec::new();
        for k in 0..self.problem().unknowns.len() {
            out.extend(self.gradient_of(k, &space, points, rows)?);
        }
        Ok(out)
    }

    /// The first unknown's derivatives along `columns` ([`Opened::gradient_of`]).
    pub fn gradient_along(
        &self,
        columns: &[usize],
        points: &[f64],
        rows: usize,
    ) -> Result<Vec<Vec<f64>>, RunError> {
        self.gradient_of(0, columns, points, rows)
    }

    /// The derivative of unknown `k` along each network column of `columns` (time, a space
    /// component or a parameter; outer: column, inner: point). The network's derivatives are
    /// forward-mode jets through it (the same tangents the solver trains with). Under an
    /// `ansatz`, its derivative along time and space is formed from the network's by the
    /// product and chain rules (the ansatz pass's nodes for space, the same differentiation
    /// for time); along a parameter (which the IR does not differentiate), or where forming
    /// it fails, it is a central difference of the ansatz in f64 (the network's weights
    /// converted), step `1e-5` of the input's range. Where a free-boundary projection is
    /// active (the value is the obstacle's), the obstacle's derivative by central
    /// differences in f64.
    pub fn gradient_of(
        &self,
        k: usize,
        columns: &[usize],
        points: &[f64],
        rows: usize,
    ) -> Result<Vec<Vec<f64>>, RunError> {
        let w = self.cols.layout.width;
        if k >= self.problem().unknowns.len() {
            return Err(RunError::Internal(format!("no unknown {k}")));
        }
        if columns.iter().any(|c| *c >= w) || points.len() != rows * w {
            return Err(RunError::Internal(format!(
                "gradient along columns {columns:?} of {w} at {} values for {rows} points",
                points.len()
            )));
        }
        let kinds: HashMap<usize, ColKind> = crate::grid::input_columns(self.problem(), &self.cols)
            .into_iter()
            .map(|c| (c.col, c.kind))
            .collect();
        // The problem with the ansatz's time derivative added (when asked and formed).
        let mut problem = self.problem().clone();
        let how: Vec<How> = columns
            .iter()
            .map(
                |c| match (&self.problem().unknowns[k].ansatz, kinds.get(c)) {
                    (None, _) => How::Jet,
                    (Some(a), Some(ColKind::Space { var, comp })) => {
                        let vector = problem.space[*var].domain.dim().is_some();
                        match a.slope(&problem.space, *var, vector.then_some(*comp)) {
                            Some(node) => How::Node(node),
                            None => How::Difference,
                        }
                    }
                    (Some(a), Some(ColKind::Time)) => {
                        match pdec_lang::ir::diff::diff_along(
                            &mut problem.graph,
                            a.node,
                            pdec_lang::ir::Coord::Time,
                            a.span,
                        ) {
                            Ok(node) => How::Node(node),
                            Err(_) => How::Difference,
                        }
                    }
                    (Some(_), _) => How::Difference,
                },
            )
            .collect();
        let mut dirs = Directions::default();
        for (c, h) in columns.iter().zip(&how) {
            if !matches!(h, How::Difference) && !dirs.first.contains_key(c) {
                dirs.first.insert(*c, dirs.dirs.len());
                dirs.dirs.push(InputDir::Unit {
                    col: *c,
                    scale: self.cols.scale[*c],
                });
            }
        }
        dirs.jvp_start = 0;
        let mut out = vec![Vec::with_capacity(rows); columns.len()];
        let rows_of = |start: usize, n: usize, dt: DType| -> Result<Tensor, RunError> {
            Ok(Tensor::from_vec(
                points[start * w..(start + n) * w].to_vec(),
                (n, w),
                &Device::Cpu,
            )?
            .to_dtype(dt)?)
        };
        if !dirs.dirs.is_empty() {
            // An ansatz's derivative may read the unknown coefficients.
            let coefs = self.net.coefficients()?;
            for start in (0..rows).step_by(CHUNK) {
                let n = CHUNK.min(rows - start);
                let x = rows_of(start, n, self.dt)?;
                let o =
                    pdec_solve::lower::forward(&self.net, &self.cols, &x, &dirs, None, None, None)?;
                // Unknown `k`'s output.
                let tangents = match &o[k].t {
                    Some(t) => t.to_dtype(DType::F64)?.to_vec2::<f64>()?,
                    None => Vec::new(),
                };
                let mut ev = pdec_solve::lower::Evaluator::new(
                    &problem,
                    &self.cols,
                    pdec_solve::lower::Batch {
                        x: x.clone(),
                        normals: None,
                        out: &o,
                        dirs: &dirs,
                        coefs: &coefs,
                    },
                );
                for (i, (c, h)) in columns.iter().zip(&how).enumerate() {
                    match h {
                        How::Jet => {
                            let row = dirs
                                .first
                                .get(c)
                                .and_then(|d| tangents.get(*d))
                                .ok_or_else(|| {
                                    RunError::Internal("forward pass without tangents".into())
                                })?;
                            out[i].extend_from_slice(row);
                        }
                        // The ansatz's derivative, from the network's value and tangents.
                        How::Node(node) => {
                            let v = pdec_solve::lower::per_point(&ev.eval(*node)?, n)?;
                            out[i].extend(v.to_dtype(DType::F64)?.to_vec1::<f64>()?);
                        }
                        How::Difference => {}
                    }
                }
            }
        }
        if how.iter().any(|h| matches!(h, How::Difference)) {
            let net = self.net_in(DType::F64)?;
            for (i, (c, h)) in columns.iter().zip(&how).enumerate() {
                if !matches!(h, How::Difference) {
                    continue;
                }
                let step = 1e-5 * self.range(*c);
                for start in (0..rows).step_by(CHUNK) {
                    let n = CHUNK.min(rows - start);
                    let x = rows_of(start, n, DType::F64)?;
                    let along = self.unit(*c, n, step)?;
                    let p = self.raw_values(&net, &(&x + &along)?, k)?;
                    let m = self.raw_values(&net, &(&x - &along)?, k)?;
                    out[i].extend(p.iter().zip(&m).map(|(p, m)| (p - m) / (2.0 * step)));
                }
            }
        }
        if let Some(c) = &self.problem().constraint
            && c.unknown == k
        {
            let mut raw = Vec::with_capacity(rows);
            for start in (0..rows).step_by(CHUNK) {
                let n = CHUNK.min(rows - start);
                raw.extend(self.raw_values(&self.net, &rows_of(start, n, self.dt)?, k)?);
            }
            let g = self.free(c.obstacle, points, rows)?;
            let active: Vec<usize> = (0..rows)
                .filter(|i| {
                    if c.at_least {
                        raw[*i] < g[*i]
                    } else {
                        raw[*i] > g[*i]
                    }
                })
                .collect();
            if !active.is_empty() {
                for (i, col) in columns.iter().enumerate() {
                    let h = 1e-6 * self.range(*col);
                    let mut plus = Vec::with_capacity(active.len() * w);
                    let mut minus = Vec::with_capacity(active.len() * w);
                    for r in &active {
                        let row = &points[r * w..(r + 1) * w];
                        let mut a = row.to_vec();
                        a[*col] += h;
                        plus.extend(a);
                        let mut b = row.to_vec();
                        b[*col] -= h;
                        minus.extend(b);
                    }
                    let gp = self.free(c.obstacle, &plus, active.len())?;
                    let gm = self.free(c.obstacle, &minus, active.len())?;
                    for (j, r) in active.iter().enumerate() {
                        out[i][*r] = (gp[j] - gm[j]) / (2.0 * h);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The length of the range of column `col` (as declared; 1 if degenerate).
    fn range(&self, col: usize) -> f64 {
        self.cols
            .layout
            .inputs
            .iter()
            .find(|i| (i.offset..i.offset + i.components).contains(&col))
            .map(|i| i.hi[col - i.offset] - i.lo[col - i.offset])
            .filter(|r| r.is_finite() && *r > 0.0)
            .unwrap_or(1.0)
    }

    /// `[n, width]` rows that are `step` along column `col` and zero elsewhere, in f64.
    fn unit(&self, col: usize, n: usize, step: f64) -> Result<Tensor, RunError> {
        let w = self.cols.layout.width;
        let mut v = vec![0.0; n * w];
        for r in 0..n {
            v[r * w + col] = step;
        }
        Ok(Tensor::from_vec(v, (n, w), &Device::Cpu)?)
    }

    /// Unknown `k` before a free-boundary projection (the ansatz's value when there is
    /// one) at the rows of `x`, with `net`.
    fn raw_values(&self, net: &Net, x: &Tensor, k: usize) -> Result<Vec<f64>, RunError> {
        Ok(
            pdec_solve::train::values_of(net, self.problem(), &self.cols, x, k)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?,
        )
    }

    /// The trained network with its weights converted to `dt`.
    fn net_in(&self, dt: DType) -> Result<Net, RunError> {
        let (Some(checked), Some(plan)) = (&self.compiled.checked, &self.compiled.plan) else {
            return Err(RunError::Internal("an opened run without a plan".into()));
        };
        let net = Net::for_plan(plan, checked.settings.run.seed, dt, &Device::Cpu)?;
        let trained: HashMap<&str, &candle_core::Var> = self
            .net
            .params
            .iter()
            .map(|(n, v)| (n.as_str(), v))
            .collect();
        for (name, to) in &net.params {
            let from = trained
                .get(name.as_str())
                .ok_or_else(|| RunError::Internal(format!("no parameter `{name}`")))?;
            to.set(&from.as_tensor().to_dtype(dt)?)?;
        }
        Ok(net)
    }
}

/// How [`Opened::gradient_along`] differentiates along one column.
enum How {
    /// The network's tangent along the column.
    Jet,
    /// An IR node: the ansatz's derivative, from the network's value and tangents.
    Node(NodeId),
    /// A central difference in f64.
    Difference,
}

#[cfg(test)]
pub(crate) mod tests;
