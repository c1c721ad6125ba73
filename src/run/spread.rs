//! The group of `pdec solve --seeds`: its `summary.json` (every `report` value, error metric
//! and final loss as the median, min, max and spread over the seeds that finished, with each
//! seed's value; how every seed ended) and the table printed at the end.

use crate::run::dir::write_atomic;
use crate::run::error::RunError;
use crate::run::report::Metrics;
use crate::run::seeds::Outcome;
use crate::run::summary::Summary;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One number over the seeds that finished.
#[derive(Serialize, Debug, PartialEq)]
pub(crate) struct Spread {
    /// The middle value (the mean of the two middle ones for an even count).
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// `(max - min) / |median|`; none when the median is 0.
    pub relative_spread: Option<f64>,
    /// Each seed's value, keyed by seed.
    pub values: BTreeMap<u64, f64>,
}

impl Spread {
    /// The spread of `(seed, value)` pairs; none without any.
    pub fn of(values: impl IntoIterator<Item = (u64, f64)>) -> Option<Spread> {
        let values: BTreeMap<u64, f64> = values.into_iter().collect();
        let mut sorted: Vec<f64> = values.values().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        let median = match n % 2 {
            1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        let relative_spread = (median != 0.0).then(|| (max - min) / median.abs());
        Some(Spread {
            median,
            min,
            max,
            relative_spread,
            values,
        })
    }

    /// `0.512345 (0.510000 .. 0.514000 over 3 seeds), spread 0.78%` with `digits` for
    /// each number.
    fn text(&self, digits: impl Fn(f64) -> String) -> String {
        let n = self.values.len();
        let s = if n == 1 { "" } else { "s" };
        let spread = match self.relative_spread {
            Some(r) => format!(", spread {:.2}% of the median", 100.0 * r),
            None => format!(", spread {}", digits(self.max - self.min)),
        };
        format!(
            "{} ({} .. {} over {n} seed{s}){spread}",
            digits(self.median),
            digits(self.min),
            digits(self.max)
        )
    }
}

/// A `report` over the seeds.
#[derive(Serialize)]
pub(crate) struct ReportSpread {
    pub expr: String,
    pub exact: Option<f64>,
    #[serde(flatten)]
    pub spread: Spread,
}

/// Error metrics over the seeds.
#[derive(Serialize)]
pub(crate) struct MetricsSpread {
    pub rel_l2: Spread,
    pub max_abs: Spread,
    pub points: usize,
}

/// Errors at one parameter point of the reference table over the seeds.
#[derive(Serialize)]
pub(crate) struct ParameterSpread {
    pub at: Vec<(String, f64)>,
    #[serde(flatten)]
    pub metrics: MetricsSpread,
}

/// How one seed's run ended.
#[derive(Serialize)]
pub(crate) struct SeedRun {
    pub seed: u64,
    /// Its run directory, inside the group's.
    pub dir: String,
    /// `done`, `failed` or `not_started` (Ctrl-C came before its turn).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<u64>,
    /// Why its training ended (`steps`, `time_limit`, `interrupted`), when it finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_time_s: Option<f64>,
    /// The exit code `pdec solve --seed N` would have ended with, and why, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The group's `summary.json`.
#[derive(Serialize)]
pub(crate) struct GroupSummary {
    pub problem: String,
    /// The seeds asked for, in order.
    pub seeds: Vec<u64>,
    /// Those that finished (the statistics are over them).
    pub summarised: Vec<u64>,
    /// Seeds trained at once, and each one's `--threads`.
    pub at_once: usize,
    pub threads_per_seed: usize,
    pub wall_time_s: f64,
    pub runs: Vec<SeedRun>,
    /// Each unknown coefficient's identified value over the seeds.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub identified: BTreeMap<String, Spread>,
    pub reports: Vec<ReportSpread>,
    pub metrics: Option<MetricsSpread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_training_law: Option<MetricsSpread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_near_reports: Option<MetricsSpread>,
    pub reference_metrics: Option<MetricsSpread>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_by_parameters: Vec<ParameterSpread>,
    /// A system's: each unknown's errors against its `exact`, and against its column of the
    /// `reference` table, over the seeds.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics_by_unknown: BTreeMap<String, MetricsSpread>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reference_metrics_by_unknown: BTreeMap<String, MetricsSpread>,
    pub constraint_violation: Option<Spread>,
    /// Each loss term's final value.
    pub final_loss: BTreeMap<String, Spread>,
}

/// Each unknown's `by` metrics (named as in the first seed that has them) over the seeds.
fn by_unknown_spread<'a>(
    done: &[(u64, &'a Summary)],
    by: impl Fn(&'a Summary) -> &'a BTreeMap<String, Metrics>,
) -> BTreeMap<String, MetricsSpread> {
    let names: std::collections::BTreeSet<&String> =
        done.iter().flat_map(|(_, s)| by(s).keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let spread = metrics_spread(done, |s| by(s).get(name))?;
            Some((name.clone(), spread))
        })
        .collect()
}

/// `metric` of every finished seed that has one, as a spread.
fn metrics_spread<'a>(
    done: &[(u64, &'a Summary)],
    metric: impl Fn(&'a Summary) -> Option<&'a Metrics>,
) -> Option<MetricsSpread> {
    let all: Vec<(u64, &Metrics)> = done
        .iter()
        .filter_map(|(s, sum)| Some((*s, metric(sum)?)))
        .collect();
    Some(MetricsSpread {
        rel_l2: Spread::of(all.iter().map(|(s, m)| (*s, m.rel_l2)))?,
        max_abs: Spread::of(all.iter().map(|(s, m)| (*s, m.max_abs)))?,
        points: all.first()?.1.points,
    })
}

impl GroupSummary {
    /// The group from each seed's outcome.
    pub fn new(
        problem: &str,
        seeds: &[u64],
        outcomes: &[Outcome],
        (at_once, threads_per_seed): (usize, usize),
        wall_time_s: f64,
    ) -> GroupSummary {
        let done: Vec<(u64, &Summary)> = seeds
            .iter()
            .zip(outcomes)
            .filter_map(|(s, o)| match o {
                Outcome::Done { summary, .. } => Some((*s, summary.as_ref())),
                _ => None,
            })
            .collect();
        let reports = done.first().map_or(Vec::new(), |(_, first)| {
            (first.reports.iter().enumerate())
                .filter_map(|(i, r)| {
                    let values = done
                        .iter()
                        .filter_map(|(s, sum)| Some((*s, sum.reports.get(i)?.value)));
                    Some(ReportSpread {
                        expr: r.expr.clone(),
                        exact: r.exact,
                        spread: Spread::of(values)?,
                    })
                })
                .collect()
        });
        let by_parameters = done.first().map_or(Vec::new(), |(_, first)| {
            (first.reference_by_parameters.iter().enumerate())
                .filter_map(|(i, g)| {
                    Some(ParameterSpread {
                        at: g.at.clone(),
                        metrics: metrics_spread(&done, |sum| {
                            sum.reference_by_parameters.get(i).map(|p| &p.metrics)
                        })?,
                    })
                })
                .collect()
        });
        let mut terms: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
        let mut identified: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
        for (s, sum) in &done {
            for (name, v) in &sum.final_loss {
                terms.entry(name.clone()).or_default().push((*s, *v));
            }
            for (name, v) in &sum.identified {
                identified.entry(name.clone()).or_default().push((*s, *v));
            }
        }
        GroupSummary {
            problem: problem.to_string(),
            seeds: seeds.to_vec(),
            summarised: done.iter().map(|(s, _)| *s).collect(),
            at_once,
            threads_per_seed,
            wall_time_s,
            runs: seeds.iter().zip(outcomes).map(seed_run).collect(),
            identified: identified
                .into_iter()
                .filter_map(|(name, v)| Some((name, Spread::of(v)?)))
                .collect(),
            reports,
            metrics: metrics_spread(&done, |s| s.metrics.as_ref()),
            metrics_training_law: metrics_spread(&done, |s| s.metrics_training_law.as_ref()),
            metrics_near_reports: metrics_spread(&done, |s| s.metrics_near_reports.as_ref()),
            reference_metrics: metrics_spread(&done, |s| s.reference_metrics.as_ref()),
            reference_by_parameters: by_parameters,
            metrics_by_unknown: by_unknown_spread(&done, |s| &s.metrics_by_unknown),
            reference_metrics_by_unknown: by_unknown_spread(&done, |s| {
                &s.reference_metrics_by_unknown
            }),
            constraint_violation: Spread::of(
                done.iter()
                    .filter_map(|(s, sum)| Some((*s, sum.constraint_violation?))),
            ),
            final_loss: terms
                .into_iter()
                .filter_map(|(name, v)| Some((name, Spread::of(v)?)))
                .collect(),
        }
    }

    /// Writes `summary.json` in the group directory.
    pub fn write(&self, dir: &Path) -> Result<(), RunError> {
        let json =
            serde_json::to_string_pretty(self).map_err(|e| RunError::Internal(e.to_string()))?;
        write_atomic(&dir.join("summary.json"), json.as_bytes())?;
        Ok(())
    }

    /// Prints the group's table to stdout: each report and metric as `median (min .. max
    /// over N seeds)` with its relative spread, the final losses, how each seed ended.
    pub fn print(&self, dir: &Path) {
        let finished = match self.summarised.len() {
            n if n == self.seeds.len() => "all finished".to_string(),
            n => format!("{n} finished"),
        };
        println!(
            "{}: {} seeds, {} at a time with {} thread{} each, {:.1} s; {finished}",
            self.problem,
            self.seeds.len(),
            self.at_once,
            self.threads_per_seed,
            if self.threads_per_seed == 1 { "" } else { "s" },
            self.wall_time_s
        );
        let fixed = |v: f64| format!("{v:.6}");
        let sci = |v: f64| format!("{v:.3e}");
        for (name, v) in &self.identified {
            println!("  {name} = {}   (identified from the data)", v.text(fixed));
        }
        for r in &self.reports {
            let exact = r
                .exact
                .map_or(String::new(), |e| format!("   (exact {e:.6})"));
            println!("  {} = {}{exact}", r.expr, r.spread.text(fixed));
        }
        if let Some(v) = &self.constraint_violation {
            println!("  largest constraint violation {}", v.text(sci));
        }
        let metrics = |what: &str, m: &MetricsSpread| {
            println!("  {what}relative L2 error {}", m.rel_l2.text(sci));
            println!("  {what}max abs error {}", m.max_abs.text(sci));
        };
        if let Some(m) = &self.reference_metrics {
            metrics("against the reference table: ", m);
        }
        for (name, m) in &self.reference_metrics_by_unknown {
            metrics(&format!("{name} against the reference table: "), m);
        }
        if let Some(m) = &self.metrics {
            metrics("", m);
        }
        for (name, m) in &self.metrics_by_unknown {
            metrics(&format!("{name}: "), m);
        }
        if let Some(m) = &self.metrics_training_law {
            metrics("on the training law's points: ", m);
        }
        if let Some(m) = &self.metrics_near_reports {
            metrics("around the reports: ", m);
        }
        for (name, v) in &self.final_loss {
            println!("  final loss `{name}` {}", v.text(sci));
        }
        for r in &self.runs {
            let how = match (r.status, r.steps, r.stopped, r.wall_time_s) {
                ("done", Some(n), Some(why), Some(t)) => format!("{n} steps in {t:.1} s ({why})"),
                ("not_started", ..) => "not started (interrupted)".into(),
                _ => format!(
                    "FAILED (exit {}): {}",
                    r.exit_code.unwrap_or(2),
                    r.error.as_deref().unwrap_or("")
                ),
            };
            println!("  seed {}: {how}", r.seed);
        }
        let started: Vec<&str> = (self.runs.iter())
            .filter(|r| r.status != "not_started")
            .map(|r| r.dir.as_str())
            .collect();
        println!(
            "  group directory: {} (a run directory per seed: {}; summary.json)",
            dir.display(),
            match started.as_slice() {
                [] => "none".to_string(),
                [one] => one.to_string(),
                [first, second] => format!("{first}, {second}"),
                [first, .., last] => format!("{first} .. {last}"),
            }
        );
    }
}

/// How one seed ended, for `runs`.
fn seed_run((seed, outcome): (&u64, &Outcome)) -> SeedRun {
    let mut run = SeedRun {
        seed: *seed,
        dir: format!("seed-{seed}"),
        status: "done",
        steps: None,
        stopped: None,
        wall_time_s: None,
        exit_code: None,
        error: None,
    };
    match outcome {
        Outcome::Done { summary, .. } => {
            run.steps = Some(summary.steps);
            run.stopped = Some(summary.stopped);
            run.wall_time_s = Some(summary.wall_time_s);
        }
        Outcome::Failed(e) => {
            run.status = "failed";
            run.exit_code = Some(e.exit_code());
            run.error = Some(e.message());
        }
        Outcome::NotStarted => run.status = "not_started",
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max_and_spread() {
        let s = Spread::of([(0, 3.0), (1, 1.0), (2, 2.0)]).expect("values");
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(s.relative_spread, Some(1.0));
        let s = Spread::of([(4, 1.0), (2, 4.0), (9, 2.0), (1, 3.0)]).expect("values");
        assert_eq!(s.median, 2.5);
        assert_eq!(s.values.keys().copied().collect::<Vec<_>>(), [1, 2, 4, 9]);
        let s = Spread::of([(0, 0.0), (1, 0.0)]).expect("values");
        assert_eq!(s.relative_spread, None);
        assert!(s.text(|v| format!("{v}")).contains("spread 0"));
        assert_eq!(Spread::of([]), None);
        assert_eq!(
            Spread::of([(0, 0.5), (1, 0.25), (2, 1.0)])
                .expect("values")
                .text(|v| format!("{v:.2}")),
            "0.50 (0.25 .. 1.00 over 3 seeds), spread 150.00% of the median"
        );
    }
}
