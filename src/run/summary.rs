//! `summary.json` and the final report printed to stdout: how the run ended (steps, time,
//! why it stopped, averaging, the polish), its final losses, reports and error metrics, how
//! the plan computes its second-order and gradient-square terms, and the training-health
//! findings.

use crate::run::dir::write_atomic;
use crate::run::error::RunError;
use crate::run::health::Finding;
use crate::run::report::{Metrics, ParameterMetrics, ReportValue};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Serialize)]
pub(crate) struct SecondOrderSummary {
    pub term: String,
    pub path: pdec_lang::passes::second_order::Path,
    pub why: String,
}

impl SecondOrderSummary {
    pub fn new(term: &str, path: pdec_lang::passes::second_order::Path, why: &str) -> Self {
        SecondOrderSummary {
            term: term.into(),
            path,
            why: why.into(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct Summary {
    pub problem: String,
    pub seed: u64,
    pub steps: u64,
    pub wall_time_s: f64,
    pub stopped: &'static str,
    /// Iterates in the weight average that the model and reports are (`average`); 0: the
    /// last iterate.
    pub averaged_steps: u64,
    /// By term name, sorted, so the file is the same on every run.
    pub final_loss: BTreeMap<String, f64>,
    /// Conditions the `ansatz` imposes exactly (no loss term, so not in `final_loss`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imposed: Vec<String>,
    pub reports: Vec<ReportValue>,
    /// Each unknown coefficient's value identified by training (`unknown const`), by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub identified: BTreeMap<String, f64>,
    /// The same reports from the last iterate, when `reports` are the weight average's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last_iterate_reports: Vec<ReportValue>,
    /// Errors against `exact` on uniform points over the whole domain and parameter box.
    pub metrics: Option<Metrics>,
    /// A system's: each unknown's errors against its `exact`, on the same kind of points.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics_by_unknown: BTreeMap<String, Metrics>,
    /// The same on points of the training law (where `sampling` puts the PDE's points).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_training_law: Option<Metrics>,
    /// The same around the reports' points (each input within 5% of its range), where the
    /// reported values are decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_near_reports: Option<Metrics>,
    /// Errors against the `reference` table's values.
    pub reference_metrics: Option<Metrics>,
    /// The same errors at each parameter point of the table (problems with parameters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_by_parameters: Vec<ParameterMetrics>,
    /// A system's: each unknown's errors against its column of the `reference` table.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reference_metrics_by_unknown: BTreeMap<String, Metrics>,
    /// Largest violation of the free-boundary constraint by the raw network (before the
    /// projection applied to reported values), on fresh interior points.
    pub constraint_violation: Option<f64>,
    pub second_order: Vec<SecondOrderSummary>,
    /// First-order terms `c * |grad u|^2` and their path (exact or Monte Carlo).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gradient_squares: Vec<SecondOrderSummary>,
    /// The L-BFGS polish after the Adam steps (`polish`), when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polish: Option<PolishSummary>,
    pub parameters: usize,
    /// Training-health findings (`pdec::health::*`), each once, in the order found; empty
    /// when none.
    pub health: Vec<Finding>,
    /// The balancing the run trained with: `balance = auto` resolved (`none`, or `gradients`
    /// where the PDE's gradient swamped a condition's at the start).
    pub balance: pdec_lang::settings::Balance,
    /// The run whose network this one started from (`--init-from`): its folder and steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_from: Option<serde_json::Value>,
    /// The peak learning rate the run trained with (`lr = auto` resolved).
    pub lr: f64,
    /// Each `on_divergence = rollback` taken: the step it was found at, the step of the best
    /// window it went back to, the rise, the learning-rate scale after it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub divergence_rollbacks: Vec<serde_json::Value>,
    /// `lr = auto`'s probe, when the run made one: each candidate's score (the mean over the
    /// terms of the log of their fall; `null`: it went non-finite) and the one chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr_probe: Option<serde_json::Value>,
}

#[derive(Serialize)]
pub(crate) struct PolishSummary {
    pub iterations: u64,
    /// Loss evaluations (each one pass over the fixed points), the line searches' included.
    pub evaluations: u64,
    /// The weighted total on the polish's fixed points, before and after.
    pub loss_before: f64,
    pub loss_after: f64,
    /// `steps`, `converged`, `time_limit` (its own), `interrupted`, or `not_finite` (the loss
    /// at the start was not: the network is kept unpolished).
    pub stopped: &'static str,
    /// The weighted total on `fresh_points` PDE points drawn apart from the polish's (with
    /// boundary points as many as in `batches / 4` batches), at the network the polish began
    /// from and at the polished one: if it rose while `loss_after` fell, the polish fitted
    /// its own points rather than the equation.
    pub fresh_points: usize,
    pub fresh_loss_before: f64,
    pub fresh_loss_after: f64,
    /// Each term's value on the fresh points (unweighted), before and after: which terms the
    /// polish improved beyond its points and which it fitted only there.
    pub fresh_terms_before: BTreeMap<String, f64>,
    pub fresh_terms_after: BTreeMap<String, f64>,
    /// Seconds spent polishing, over every piece of a resumed polish.
    pub wall_time_s: f64,
    /// The iteration a resumed polish went on from (`polish.safetensors`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_at_iteration: Option<u64>,
}

impl Summary {
    /// Writes `summary.json` in the run directory.
    pub fn write(&self, dir: &Path) -> Result<(), RunError> {
        let json =
            serde_json::to_string_pretty(self).map_err(|e| RunError::Internal(e.to_string()))?;
        write_atomic(&dir.join("summary.json"), json.as_bytes())?;
        Ok(())
    }

    /// Prints the final report to stdout.
    pub fn print(&self, dir: &Path) {
        let (done, wall, stopped) = (self.steps, self.wall_time_s, self.stopped);
        let averaged = match self.averaged_steps {
            0 => String::new(),
            k => format!("; the weights averaged over the last {k}"),
        };
        println!(
            "{}: {done} steps in {wall:.1} s ({stopped}){averaged}",
            self.problem
        );
        if let Some(p) = &self.polish {
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
        for (name, v) in &self.identified {
            println!("  {name} = {v:.6}   (identified from the data)");
        }
        for (i, r) in self.reports.iter().enumerate() {
            let last = match self.last_iterate_reports.get(i) {
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
        if let Some(v) = self.constraint_violation {
            println!(
                "  largest constraint violation of the raw network {v:.3e} (reported values are projected onto the constraint)"
            );
        }
        if let Some(m) = &self.reference_metrics {
            println!(
                "  against the reference table: relative L2 error {:.3e}, max abs error {:.3e} on {} points",
                m.rel_l2, m.max_abs, m.points
            );
        }
        for (name, m) in &self.reference_metrics_by_unknown {
            println!(
                "  {name} against the reference table: relative L2 error {:.3e}, max abs error {:.3e} on {} points",
                m.rel_l2, m.max_abs, m.points
            );
        }
        for g in &self.reference_by_parameters {
            let at: Vec<String> = g.at.iter().map(|(n, v)| format!("{n} = {v}")).collect();
            println!(
                "    at {}: relative L2 error {:.3e}, max abs error {:.3e} on {} points",
                at.join(", "),
                g.metrics.rel_l2,
                g.metrics.max_abs,
                g.metrics.points
            );
        }
        if let Some(m) = &self.metrics {
            println!(
                "  relative L2 error {:.3e}, max abs error {:.3e} on {} fresh points",
                m.rel_l2, m.max_abs, m.points
            );
        }
        for (m, where_) in [
            (&self.metrics_training_law, "of the training law"),
            (&self.metrics_near_reports, "around the reports"),
        ] {
            if let Some(m) = m {
                println!(
                    "  relative L2 error {:.3e}, max abs error {:.3e} on {} points {where_}",
                    m.rel_l2, m.max_abs, m.points
                );
            }
        }
        for f in &self.health {
            let terms = match f.terms.is_empty() {
                true => String::new(),
                false => format!(" ({})", f.terms.join(", ")),
            };
            println!(
                "  warning[{}]{terms} at step {}: {}\n    help: {}",
                f.code, f.step, f.message, f.hint
            );
        }
        println!("  run directory: {}", dir.display());
    }
}
