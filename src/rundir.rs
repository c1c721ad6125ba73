//! A trained run directory opened for `pdec plot` and `pdec export`: the problem rebuilt from
//! `problem.pde` and the `--set` overrides in `settings.json` (as `pdec eval` does), the
//! network loaded from `model.safetensors`, and evaluation of the solution, the exact
//! solution, the obstacle and the gradient at rows of points.

use crate::run::RunError;
use candle_core::{DType, Device, Tensor};
use pdec_lang::diag::Diag;
use pdec_lang::driver::{self, Compiled};
use pdec_lang::ir::{NodeId, Problem};
use pdec_solve::lower::{Columns, Directions};
use pdec_solve::nn::{InputDir, Net};
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

/// The `--set` overrides a run was trained with.
fn sets(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("settings.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.get("set").and_then(|s| s.as_array()).map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
        })
        .unwrap_or_default()
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
    let compiled = driver::compile(source, &sets(run));
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

    /// The solution (projected onto a free-boundary constraint) at `rows` points.
    pub fn solution(&self, points: &[f64], rows: usize) -> Result<Vec<f64>, RunError> {
        crate::run::solution_at(self.problem(), &self.cols, &self.net, points, rows, self.dt)
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

    /// `du/dx_i` for every space column (outer: column, inner: point), by forward-mode jets
    /// through the network (the same tangents the solver trains with). Where a free-boundary
    /// projection is active (the value is the obstacle's), the obstacle's gradient by
    /// central differences in f64.
    pub fn gradient(&self, points: &[f64], rows: usize) -> Result<Vec<Vec<f64>>, RunError> {
        let space = self.space_columns();
        let w = self.cols.layout.width;
        let mut dirs = Directions::default();
        for (col, _) in &space {
            dirs.first.insert(*col, dirs.dirs.len());
            dirs.dirs.push(InputDir::Unit {
                col: *col,
                scale: self.cols.scale[*col],
            });
        }
        dirs.jvp_start = 0;
        let mut out = vec![Vec::with_capacity(rows); space.len()];
        for start in (0..rows).step_by(CHUNK) {
            let n = CHUNK.min(rows - start);
            let x = Tensor::from_vec(
                points[start * w..(start + n) * w].to_vec(),
                (n, w),
                &Device::Cpu,
            )?
            .to_dtype(self.dt)?;
            let o = pdec_solve::lower::forward(&self.net, &self.cols, &x, &dirs, None, None, None)?;
            let t = match &self.problem().ansatz {
                // The ansatz's gradient by the product and chain rules (its nodes were
                // formed by the ansatz pass), from the network's value and tangents.
                Some(a) => {
                    let mut ev = pdec_solve::lower::Evaluator::new(
                        self.problem(),
                        &self.cols,
                        pdec_solve::lower::Batch {
                            x: x.clone(),
                            normals: None,
                            out: &o,
                            dirs: &dirs,
                        },
                    );
                    let mut rows = Vec::with_capacity(a.space_gradient.len());
                    for node in &a.space_gradient {
                        let v = pdec_solve::lower::per_point(&ev.eval(*node)?, n)?;
                        rows.push(v.to_dtype(DType::F64)?.to_vec1::<f64>()?);
                    }
                    rows
                }
                None => {
                    o.t.ok_or_else(|| RunError::Internal("forward pass without tangents".into()))?
                        .to_dtype(DType::F64)?
                        .to_vec2::<f64>()?
                }
            };
            for (k, row) in t.into_iter().enumerate() {
                out[k].extend(row);
            }
        }
        if let Some(c) = &self.problem().constraint {
            let raw: Vec<f64> = {
                let mut v = Vec::with_capacity(rows);
                for start in (0..rows).step_by(CHUNK) {
                    let n = CHUNK.min(rows - start);
                    let x = Tensor::from_vec(
                        points[start * w..(start + n) * w].to_vec(),
                        (n, w),
                        &Device::Cpu,
                    )?
                    .to_dtype(self.dt)?;
                    v.extend(
                        pdec_solve::train::values(&self.net, self.problem(), &self.cols, &x)?
                            .to_dtype(DType::F64)?
                            .to_vec1::<f64>()?,
                    );
                }
                v
            };
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
                for (k, (col, _)) in space.iter().enumerate() {
                    let h = 1e-6 * (1.0 / self.cols.scale[*col]).abs().max(1e-12);
                    let mut plus = Vec::with_capacity(active.len() * w);
                    let mut minus = Vec::with_capacity(active.len() * w);
                    for i in &active {
                        let row = &points[i * w..(i + 1) * w];
                        let mut a = row.to_vec();
                        a[*col] += h;
                        plus.extend(a);
                        let mut b = row.to_vec();
                        b[*col] -= h;
                        minus.extend(b);
                    }
                    let gp = self.free(c.obstacle, &plus, active.len())?;
                    let gm = self.free(c.obstacle, &minus, active.len())?;
                    for (j, i) in active.iter().enumerate() {
                        out[k][*i] = (gp[j] - gm[j]) / (2.0 * h);
                    }
                }
            }
        }
        Ok(out)
    }
}
