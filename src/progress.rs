//! Progress of long work on stderr: a live bar while `pdec solve` trains (step, steps/s,
//! ETA, learning rate, the loss of every named term) when stderr is a terminal, plain lines
//! otherwise (logs, pipes, CI, `--log-every`), one JSON object per line under
//! `--message-format json` (`{"progress": {...}}`, `{"note": ...}`, so that standard error
//! stays JSON lines), nothing with `--quiet`; and a spinner for long computations without
//! steps (`pdec reference`). The final report stays on stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// How training progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Nothing (`--quiet`).
    Quiet,
    /// One plain line every this many steps, plus the first and the last step.
    Lines(u64),
    /// A live bar redrawn in place (stderr is a terminal).
    Bar,
    /// One JSON object every this many steps, plus the first and the last step
    /// (`--message-format json`).
    Json(u64),
}

impl Mode {
    /// `--quiet` wins; JSON messages get JSON lines; `--log-every N` asks for plain lines;
    /// otherwise a bar on a terminal and plain lines every `log_every` steps elsewhere.
    pub fn choose(quiet: bool, json: bool, log_every_flag: Option<u64>, log_every: u64) -> Mode {
        if quiet {
            Mode::Quiet
        } else if json {
            Mode::Json(log_every_flag.unwrap_or(log_every).max(1))
        } else if let Some(n) = log_every_flag {
            Mode::Lines(n.max(1))
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines(log_every.max(1))
        }
    }
}

/// One step's numbers, as shown.
struct Shown {
    step: u64,
    total: f64,
    lr: f64,
    terms: String,
    /// Each term's loss (JSON lines only).
    values: Vec<(String, f64)>,
}

/// Writes one JSON object on standard error: `{KEY: value}`, with `"run": label` when the
/// run is one of several.
pub fn json_event(label: &str, key: &str, value: serde_json::Value) {
    let mut o = serde_json::Map::new();
    o.insert(key.into(), value);
    if !label.is_empty() {
        o.insert("run".into(), label.trim_end_matches(": ").into());
    }
    eprintln!("{}", serde_json::Value::Object(o));
}

/// A step's numbers as the JSON object of a `progress` line.
fn step_json(s: &Shown) -> serde_json::Value {
    let terms: serde_json::Map<String, serde_json::Value> = s
        .values
        .iter()
        .map(|(n, v)| (n.clone(), (*v).into()))
        .collect();
    serde_json::json!({"step": s.step, "loss": s.total, "lr": s.lr, "terms": terms})
}

/// Training progress: call [`Training::step`] after every optimiser step and
/// [`Training::finish`] at the end.
pub struct Training {
    mode: Mode,
    steps: u64,
    bar: Option<ProgressBar>,
    /// The last step seen and whether its line was printed (for the final line of a run
    /// stopped early by `time_limit` or Ctrl-C).
    last: Option<(Shown, bool)>,
    /// Put before every line (`seed 3: ` when `pdec solve --seeds` trains several runs).
    label: String,
}

/// `pde 1.234e-3, initial 5.6e-4`: every named term's loss.
pub fn terms_text(names: &[String], values: &[f64]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n} {v:.3e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plain progress line of one step.
pub fn line(step: u64, total: f64, lr: f64, terms: &str) -> String {
    format!("step {step:>7}  loss {total:.3e}  lr {lr:.1e}  [{terms}]")
}

impl Training {
    pub fn new(mode: Mode, steps: u64) -> Training {
        let bar = (mode == Mode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {bar:32} {pos}/{len} steps  {rate}  ETA {eta}\n  {wide_msg}",
            ) {
                bar.set_style(
                    style
                        .with_key(
                            "rate",
                            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.1} steps/s", s.per_sec());
                            },
                        )
                        .progress_chars("=> "),
                );
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Training {
            mode,
            steps,
            bar,
            last: None,
            label: String::new(),
        }
    }

    /// The same progress with `label: ` before every line (one run of several).
    pub fn labelled(mut self, label: &str) -> Training {
        self.label = format!("{label}: ");
        self
    }

    /// A resumed run: the bar starts at `step`, and its rate and ETA count from here.
    pub fn start_at(&mut self, step: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(step);
            bar.reset_eta();
        }
    }

    /// A line before training starts (above the bar).
    pub fn note(&self, text: &str) {
        match (&self.mode, &self.bar) {
            (Mode::Quiet, _) => {}
            (Mode::Json(_), _) => json_event(&self.label, "note", text.into()),
            (_, Some(bar)) => bar.println(format!("{}{text}", self.label)),
            _ => eprintln!("{}{text}", self.label),
        }
    }

    /// A warning found while training (a training-health finding): `text` as a line, or
    /// under JSON messages the diagnostic `d` as a JSON object like every other.
    pub fn warning(&self, d: pdec_lang::diag::Diag, text: &str) {
        match self.mode {
            Mode::Json(_) => {
                let mut diags = pdec_lang::diag::Diags::default();
                diags.push(d);
                let sources = pdec_lang::source::SourceMap::default();
                let json = pdec_lang::diag::render::Format::Json;
                eprint!(
                    "{}",
                    pdec_lang::diag::render::render_all(&diags, &sources, json, "")
                );
            }
            _ => self.note(text),
        }
    }

    /// Step `step` (0-based) is done with these losses.
    pub fn step(&mut self, step: u64, total: f64, lr: f64, names: &[String], values: &[f64]) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Bar => {
                if let Some(bar) = &self.bar {
                    bar.set_position(step + 1);
                    bar.set_message(format!(
                        "loss {total:.3e}  lr {lr:.1e}  [{}]",
                        terms_text(names, values)
                    ));
                }
            }
            Mode::Lines(every) | Mode::Json(every) => {
                let json = matches!(self.mode, Mode::Json(_));
                let shown = Shown {
                    step,
                    total,
                    lr,
                    terms: if json {
                        String::new()
                    } else {
                        terms_text(names, values)
                    },
                    values: if json {
                        names.iter().cloned().zip(values.iter().copied()).collect()
                    } else {
                        Vec::new()
                    },
                };
                let printed = step.is_multiple_of(every) || step + 1 == self.steps;
                if printed {
                    self.print(&shown);
                }
                self.last = Some((shown, printed));
            }
        }
    }

    /// Training ended (all steps, time limit or interrupt): the last step's line if it was
    /// not printed yet; the bar stays on screen with its final numbers.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
        }
        if let Some((s, false)) = self.last.take() {
            self.print(&s);
        }
    }

    /// One step's line: plain, or a JSON object.
    fn print(&self, s: &Shown) {
        match self.mode {
            Mode::Json(_) => json_event(&self.label, "progress", step_json(s)),
            _ => eprintln!("{}{}", self.label, line(s.step, s.total, s.lr, &s.terms)),
        }
    }

    /// Training failed: leave the bar where it stopped so the error below it reads well.
    pub fn abandon(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }
}

impl Drop for Training {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// A spinner with a message while `work` runs, when stderr is a terminal; nothing otherwise.
pub fn spinner<T>(message: &str, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let s = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        s.set_style(style);
    }
    s.set_message(message.to_string());
    s.enable_steady_tick(Duration::from_millis(100));
    let out = work();
    s.finish_and_clear();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_every_n_plus_first_and_last() {
        assert_eq!(
            line(
                4,
                0.5,
                1e-3,
                &terms_text(&["pde".into(), "initial".into()], &[0.25, 0.125])
            ),
            "step       4  loss 5.000e-1  lr 1.0e-3  [pde 2.500e-1, initial 1.250e-1]"
        );
        assert_eq!(Mode::choose(true, false, Some(3), 100), Mode::Quiet);
        assert_eq!(Mode::choose(true, true, Some(3), 100), Mode::Quiet);
        assert_eq!(Mode::choose(false, false, Some(0), 100), Mode::Lines(1));
        assert_eq!(Mode::choose(false, true, None, 100), Mode::Json(100));
        assert_eq!(Mode::choose(false, true, Some(5), 100), Mode::Json(5));
    }
}
