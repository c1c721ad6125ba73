//! Reports inside the trained box: the network learns the solution only over the declared
//! ranges of time, space and parameters, so a `report` outside them prints a value no loss
//! term ever controlled. Such a point is an error (`pdec::check::report_outside_domain`),
//! or a warning where the file opts in with the setting `extrapolate = true`. The settings
//! are read after the statements, so the points found outside wait in the checker until
//! [`Checker::report_ranges`] knows which.

use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{Domain, Input};
use crate::settings::Settings;
use crate::source::Span;
use crate::syntax::print::format_number as num;

/// A report's value outside its input's declared range.
pub(in crate::check) struct OutsidePoint {
    /// The value as written.
    span: Span,
    /// "`t = 2` is not in [0, 1]".
    what: String,
    /// The input's declaration.
    declared: Span,
    /// "`t` in [0, 1]", for the help.
    range: String,
}

/// Slack for values that meet a bound up to rounding (`1 / 3 * 3`).
fn slack(lo: f64, hi: f64) -> f64 {
    1e-12 * lo.abs().max(hi.abs()).max(1.0)
}

impl Checker<'_> {
    /// Notes a report's value for `input` when it lies outside the input's declared range.
    pub(super) fn report_value_in_range(&mut self, input: Input, span: Span, values: &[f64]) {
        let name = self.input_name(input).to_string();
        let interval = |lo: f64, hi: f64| format!("[{}, {}]", num(lo), num(hi));
        let scalar = |v: f64, lo: f64, hi: f64| {
            outside_interval(v, lo, hi).then(|| {
                (
                    format!("`{name} = {}` is not in {}", num(v), interval(lo, hi)),
                    format!("`{name}` in {}", interval(lo, hi)),
                )
            })
        };
        let (declared, finding) = match input {
            Input::Time => match &self.time {
                Some(t) => (t.span, scalar(values[0], t.lo, t.hi)),
                None => return,
            },
            Input::Param(k) => match self.params.get(k) {
                Some(p) => (p.span, scalar(values[0], p.lo, p.hi)),
                None => return,
            },
            Input::Space(k) => match self.space.get(k) {
                Some(s) => (s.span, outside_domain(&name, &s.domain, values)),
                None => return,
            },
        };
        if let Some((what, range)) = finding {
            self.outside_reports.push(OutsidePoint {
                span,
                what,
                declared,
                range,
            });
        }
    }

    /// The report points found outside, as errors, or as warnings under `extrapolate = true`.
    pub(in crate::check) fn report_ranges(&mut self, settings: &Settings) {
        // `Some(where it was said)` under `extrapolate = true`.
        let opt_in = settings
            .run
            .extrapolate
            .then(|| settings.key_spans.get("extrapolate").copied());
        for p in std::mem::take(&mut self.outside_reports) {
            let message = format!("the report point is outside the trained domain: {}", p.what);
            let d = match opt_in {
                None => Diag::error("pdec::check::report_outside_domain", message)
                    .primary(p.span, "outside the declared range")
                    .secondary(p.declared, "declared here")
                    .help(format!(
                        "the network is trained on {} only, so its value there is an extrapolation no loss term controls: report a point inside, widen the declared range, or set `extrapolate = true` in `solve {{ }}` to report it anyway (a warning then)",
                        p.range
                    )),
                Some(key) => {
                    let d = Diag::warning("pdec::check::report_outside_domain", message)
                        .primary(p.span, "outside the declared range: an extrapolation")
                        .secondary(p.declared, "declared here");
                    let d = match key {
                        Some(key) => d.secondary(key, "extrapolation allowed here"),
                        None => d,
                    };
                    d.help(format!(
                        "nothing trained the network outside {}: treat this value with suspicion",
                        p.range
                    ))
                }
            };
            self.diags.push(d);
        }
    }
}

/// Outside `[lo, hi]` beyond rounding, or not a number.
fn outside_interval(v: f64, lo: f64, hi: f64) -> bool {
    let s = slack(lo, hi);
    !(lo - s..=hi + s).contains(&v)
}

/// What lies outside (a component of an interval or a box, or the point of a ball) and the
/// range it should be in, when the point is outside its domain.
fn outside_domain(name: &str, domain: &Domain, x: &[f64]) -> Option<(String, String)> {
    let interval = |lo: f64, hi: f64| format!("[{}, {}]", num(lo), num(hi));
    let component = |k: usize, lo: f64, hi: f64| {
        outside_interval(x[k], lo, hi).then(|| {
            (
                format!(
                    "`{name}[{}] = {}` is not in {}",
                    k + 1,
                    num(x[k]),
                    interval(lo, hi)
                ),
                format!("`{name}[{}]` in {}", k + 1, interval(lo, hi)),
            )
        })
    };
    match domain {
        Domain::Interval { lo, hi } => outside_interval(*x.first()?, *lo, *hi).then(|| {
            (
                format!("`{name} = {}` is not in {}", num(x[0]), interval(*lo, *hi)),
                format!("`{name}` in {}", interval(*lo, *hi)),
            )
        }),
        Domain::Box { lo, hi } => {
            (0..lo.len().min(x.len())).find_map(|k| component(k, lo[k], hi[k]))
        }
        Domain::Ball { center, radius } => {
            let d = distance(domain, x);
            let centre: Vec<String> = center.iter().take(4).map(|c| num(*c)).collect();
            let more = if center.len() > 4 { ", ..." } else { "" };
            let ball = format!(
                "the ball of radius {} around [{}{more}]",
                num(*radius),
                centre.join(", ")
            );
            d.partial_cmp(&(radius + slack(0.0, *radius)))
                .is_none_or(|o| o.is_gt())
                .then(|| {
                    (
                        format!(
                            "`{name}` is at distance {} from the centre, outside {ball}",
                            crate::diag::render::number(d)
                        ),
                        format!("`{name}` in {ball}"),
                    )
                })
        }
        Domain::Csg(c) => (x.len() == c.dim() && !c.contains_closure(x)).then(|| {
            let p: Vec<String> = x.iter().take(4).map(|v| num(*v)).collect();
            let more = if x.len() > 4 { ", ..." } else { "" };
            (
                format!("`{name} = [{}{more}]` is outside the domain", p.join(", ")),
                format!("`{name}` inside its constructive domain"),
            )
        }),
    }
}

/// The distance of `x` from a ball's centre (0 for other domains).
fn distance(domain: &Domain, x: &[f64]) -> f64 {
    match domain {
        Domain::Ball { center, .. } => center
            .iter()
            .zip(x)
            .map(|(c, v)| (v - c) * (v - c))
            .sum::<f64>()
            .sqrt(),
        _ => 0.0,
    }
}
