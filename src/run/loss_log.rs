//! `loss.csv`: one line per logged step (step, wall time, learning rate, the errors against
//! `exact` and the `reference` table, the reported values, each unknown coefficient's value
//! under its name, the total weighted by `weight.NAME`,
//! each term, and with `balance` each term's multiplier as `balance.NAME`),
//! and per logged polish iteration after the Adam steps (the step length in the `lr`
//! column). Rank 0 writes it; on other ranks the log is closed and writes nothing. The same
//! values go to the run's TensorBoard event file when it has one ([`EventLog`]).

use crate::run::dir::write_atomic;
use crate::run::error::RunError;
use crate::run::report::{
    ExactProbe, exact_columns, exact_metrics, exact_probe, reference_columns, table_metrics,
};
use crate::run::tensorboard::EventLog;
use candle_core::{DType, Tensor};
use pdec_solve::nn::Net;
use pdec_solve::train::{self, LossProgram};
use std::path::Path;

/// The open loss.csv and what its error and report columns are computed from.
pub(crate) struct LossLog<'a> {
    csv: Option<csv::Writer<std::fs::File>>,
    /// Fixed points and the exact solution there (rank 0, problems with `exact`).
    pub probe: Option<ExactProbe>,
    reference: Option<&'a crate::table::Table>,
    /// The reports' input rows, one per report.
    report_points: Option<Tensor>,
    /// Whether the lines end with the balance's multipliers.
    balanced: bool,
    /// The TensorBoard tag of each column after `step` and `wall_s`.
    pub tags: Vec<String>,
    /// The run's event file, which gets every line's values too.
    pub events: Option<EventLog>,
}

impl<'a> LossLog<'a> {
    /// Opens `path` (rank 0 only: elsewhere the log stays closed), keeping a resumed run's
    /// rows before `keep_rows_before`.
    pub fn open(
        program: &LossProgram,
        reference: Option<&'a crate::table::Table>,
        path: &Path,
        keep_rows_before: u64,
        root: bool,
        seed: u64,
        balanced: bool,
    ) -> Result<LossLog<'a>, RunError> {
        let problem = program.problem;
        let (device, dt) = (&program.device, program.dtype);
        let mut names: Vec<String> = program.plan.terms.iter().map(|t| t.name.clone()).collect();
        // The error against the exact solution (each unknown's, in a system) and the
        // reference table at every logged step, so that loss.csv shows accuracy against time
        // (before `total`: not loss terms).
        let probe = match root {
            true => exact_probe(program, seed)?,
            false => None,
        };
        let mut errors = exact_columns(problem);
        let reference_columns = reference.map_or(Vec::new(), |t| reference_columns(problem, t));
        errors.extend(reference_columns.iter().cloned());
        // The reported values too (the quantity a user waits for, e.g. a price at one point),
        // named by their expression: columns before `total`, as the errors.
        errors.extend(problem.reports.iter().map(|r| r.text.clone()));
        // Each unknown coefficient's value as training identifies it, named by the
        // coefficient.
        errors.extend(program.plan.coefficients.iter().map(|c| c.name.clone()));
        let report_points = match problem.reports.is_empty() {
            true => None,
            false => {
                let rows: Vec<f64> = problem
                    .reports
                    .iter()
                    .flat_map(|r| train::report_row(problem, &program.cols, r))
                    .collect();
                let n = problem.reports.len();
                Some(Tensor::from_vec(rows, (n, program.cols.layout.width), device)?.to_dtype(dt)?)
            }
        };
        if balanced {
            let terms = program.plan.terms.iter();
            names.extend(
                terms
                    .map(|t| format!("balance.{}", t.name))
                    .collect::<Vec<_>>(),
            );
        }
        let csv = match root {
            true => Some(loss_log(path, &names, &errors, keep_rows_before)?),
            false => None,
        };
        let tags = tags(program, &reference_columns, balanced);
        Ok(LossLog {
            csv,
            probe,
            reference,
            report_points,
            balanced,
            tags,
            events: None,
        })
    }

    /// Whether this rank writes the log.
    pub fn is_open(&self) -> bool {
        self.csv.is_some()
    }

    /// Writes one line (when open): the step, the clock, the learning rate (the step length
    /// in the polish), the errors and reports of the network as it is now, the total, the
    /// terms, and the balance's `multipliers` when the log has their columns.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        program: &LossProgram,
        net: &Net,
        step: u64,
        wall: f64,
        lr: f64,
        total: f64,
        values: &[f64],
        multipliers: &[f64],
    ) -> Result<(), RunError> {
        if self.csv.is_none() {
            return Ok(());
        }
        let mut rec = vec![step.to_string(), format!("{wall:.3}"), format!("{lr:.6e}")];
        // The same values unrounded, for the event file.
        let mut row = vec![lr];
        if let Some(p) = &self.probe {
            for m in exact_metrics(program, net, p)? {
                rec.push(format!("{:.6e}", m.rel_l2));
                row.push(m.rel_l2);
            }
        }
        if let Some(t) = self.reference {
            for m in table_metrics(program, net, t)? {
                let rel_l2 = m.all.rel_l2;
                rec.push(format!("{rel_l2:.6e}"));
                row.push(rel_l2);
            }
        }
        if let Some(x) = &self.report_points {
            // Each report of its own unknown (a system's `report v(...)` is `v`'s value).
            for (i, r) in program.problem.reports.iter().enumerate() {
                let v = train::solution_of(
                    net,
                    program.problem,
                    &program.cols,
                    &x.narrow(0, i, 1)?,
                    r.unknown,
                )?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?[0];
                rec.push(format!("{v:.9e}"));
                row.push(v);
            }
        }
        for (_, v) in net.identified()? {
            rec.push(format!("{v:.9e}"));
            row.push(v);
        }
        rec.push(format!("{total:.6e}"));
        rec.extend(values.iter().map(|v| format!("{v:.6e}")));
        row.push(total);
        row.extend(values);
        if self.balanced {
            rec.extend(multipliers.iter().map(|v| format!("{v:.6e}")));
            row.extend(multipliers);
        }
        if let Some(events) = &mut self.events {
            events.write(step, wall, &row)?;
        }
        if let Some(csv) = &mut self.csv {
            // The test hook of a full disk (`output::spend`) counts these lines too.
            crate::output::spend(rec.iter().map(|c| c.len() + 1).sum())?;
            csv.write_record(&rec)?;
            csv.flush()?;
        }
        Ok(())
    }
}

/// The TensorBoard tags of loss.csv's columns after `step` and `wall_s`: `train/lr`,
/// `error/exact_rel_l2` and `error/reference_rel_l2` (a system's `.NAME` per unknown),
/// `report/EXPR`, `loss/total`,
/// `loss/NAME` and `balance/NAME` (TensorBoard groups the charts by the part before `/`).
fn tags(program: &LossProgram, reference: &[String], balanced: bool) -> Vec<String> {
    let problem = program.problem;
    let mut tags = vec!["train/lr".to_string()];
    tags.extend(exact_columns(problem).iter().map(|c| format!("error/{c}")));
    tags.extend(reference.iter().map(|c| format!("error/{c}")));
    tags.extend(problem.reports.iter().map(|r| format!("report/{}", r.text)));
    let coefs = program.plan.coefficients.iter();
    tags.extend(coefs.map(|c| format!("coefficient/{}", c.name)));
    tags.push("loss/total".into());
    let terms = program.plan.terms.iter();
    tags.extend(terms.clone().map(|t| format!("loss/{}", t.name)));
    if balanced {
        tags.extend(terms.map(|t| format!("balance/{}", t.name)));
    }
    tags
}

/// `loss.csv`, opened for appending. A fresh run writes the header; a resumed run keeps the
/// rows before the step it resumes at (rewritten atomically) so that the file reads as one
/// uninterrupted run.
fn loss_log(
    path: &Path,
    names: &[String],
    errors: &[String],
    first_step: u64,
) -> Result<csv::Writer<std::fs::File>, RunError> {
    let mut header = vec!["step".to_string(), "wall_s".into(), "lr".into()];
    header.extend(errors.iter().cloned());
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
        // Rows of another width under this header would not read as one run.
        if let Some(first) = old.lines().next()
            && first != text.trim_end()
        {
            return Err(RunError::Diag(Box::new(crate::run::fingerprint::changed(
                &format!(
                    "its loss.csv has the columns `{first}`, this run would log `{}`",
                    text.trim_end()
                ),
            ))));
        }
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
