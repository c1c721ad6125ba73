//! Training health: the failure modes a loss total hides, found from the per-term losses of
//! every Adam step and one cheap reading per window (the spread of the network's output).
//!
//! The steps are cut into windows (`steps / 50`, 10 to 1,000 steps); each detector compares
//! the medians of windows, never single steps, so the noise of minibatch losses does not
//! trigger it. The detectors, each reported once per run with the setting that addresses it:
//!
//! - `pdec::health::term_stalled`: a term stops falling while another dominates the total.
//! - `pdec::health::constant_output`: the network sits at a constant while the loss is flat.
//! - `pdec::health::lr_decayed_early`: the learning rate fell below a tenth of `lr` while a
//!   condition is still far from met.
//! - `pdec::health::constraint_growing`: the free-boundary violation grows.
//!
//! [`Health`] (here: the windows) is a function of what it is fed (tests drive it with
//! synthetic histories); `detect` has the detectors and their thresholds, `probe` the
//! reading of the network's spread.

use pdec_lang::plan::TermKind;
use serde::Serialize;
use std::collections::VecDeque;

mod detect;
pub(crate) mod probe;
#[cfg(test)]
mod tests;

/// About this many windows per run: enough for trends, each still a few dozen steps.
const WINDOWS_PER_RUN: u64 = 50;
/// A window's median needs a handful of steps to be robust to a noisy step.
const MIN_WINDOW: u64 = 10;
/// Runs of millions of steps (or bounded by `time_limit`) still get windows now and then.
const MAX_WINDOW: u64 = 1000;
/// A trend is judged over about a fifth of the run (3 to 10 windows).
const SPAN_SHARE: u64 = 5;

/// One failure mode found in a run.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub(crate) struct Finding {
    /// Stable, e.g. `pdec::health::term_stalled`.
    pub code: &'static str,
    /// The loss terms it concerns (empty for the network as a whole).
    pub terms: Vec<String>,
    /// The step whose window showed it.
    pub step: u64,
    pub message: String,
    /// The setting that addresses it.
    pub hint: String,
}

impl Finding {
    /// The warning line of the progress output.
    pub fn line(&self) -> String {
        format!(
            "warning[{}]: {} (step {})\n  help: {}",
            self.code, self.message, self.step, self.hint
        )
    }
}

/// What the network's spread is compared with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SpreadReference {
    /// The exact solution's standard deviation on the probe's points.
    Exact(f64),
    /// The conditions' misfit (the problem has no exact solution).
    Conditions,
    /// Not judged (a constant exact solution: a constant network is right).
    Off,
}

/// One loss term as health sees it.
#[derive(Clone, Debug)]
pub(crate) struct TermInfo {
    pub name: String,
    pub kind: TermKind,
    pub weight: f64,
}

/// The medians of one window of steps.
#[derive(Clone, Debug)]
struct Window {
    /// The last step in it.
    end: u64,
    /// The learning rate at its last step.
    lr: f64,
    medians: Vec<f64>,
    /// The network's output standard deviation at its end, when read.
    spread: Option<f64>,
}

impl Window {
    fn weighted(&self, terms: &[TermInfo], k: usize) -> f64 {
        terms[k].weight * self.medians[k]
    }

    fn total(&self, terms: &[TermInfo]) -> f64 {
        (0..terms.len()).map(|k| self.weighted(terms, k)).sum()
    }

    fn share(&self, terms: &[TermInfo], k: usize) -> f64 {
        self.weighted(terms, k) / self.total(terms).max(f64::MIN_POSITIVE)
    }
}

/// The health of one run's Adam steps.
pub(crate) struct Health {
    terms: Vec<TermInfo>,
    /// The setting `lr` (the schedule's start).
    lr: f64,
    window: u64,
    span: usize,
    reference: SpreadReference,
    /// This window's losses so far, one list per term.
    buffer: Vec<Vec<f64>>,
    /// The medians of the run's first steps (its "starting values").
    start: Option<Vec<f64>>,
    /// The last `span + 1` windows.
    recent: VecDeque<Window>,
    /// The constraint's lowest window median before the last two.
    constraint_low: f64,
    /// Window ends in a row where the network's spread was below [`CONSTANT_SPREAD`].
    low_spread: usize,
    found: Vec<Finding>,
}

impl Health {
    /// Health for a run of `steps` steps at learning rate `lr`.
    pub fn new(terms: Vec<TermInfo>, lr: f64, steps: u64, reference: SpreadReference) -> Self {
        let window = (steps / WINDOWS_PER_RUN).clamp(MIN_WINDOW, MAX_WINDOW);
        let span = ((steps / window) / SPAN_SHARE).clamp(3, 10) as usize;
        Health {
            buffer: vec![Vec::with_capacity(window as usize); terms.len()],
            terms,
            lr,
            window,
            span,
            reference,
            start: None,
            recent: VecDeque::new(),
            constraint_low: f64::INFINITY,
            low_spread: 0,
            found: Vec::new(),
        }
    }

    /// The steps per window.
    #[cfg(test)]
    pub fn window(&self) -> u64 {
        self.window
    }

    /// Whether the next step's losses close a window (the caller then reads the spread).
    pub fn closes(&self) -> bool {
        self.buffer.first().map_or(0, Vec::len) as u64 + 1 >= self.window
    }

    /// Every finding so far.
    pub fn findings(&self) -> &[Finding] {
        &self.found
    }

    /// Step `step`'s unweighted losses at learning rate `lr`, with the network's spread when
    /// this step closes a window; returns the findings new at this step.
    pub fn record(
        &mut self,
        step: u64,
        lr: f64,
        values: &[f64],
        spread: Option<f64>,
    ) -> Vec<Finding> {
        for (b, v) in self.buffer.iter_mut().zip(values) {
            b.push(*v);
        }
        let filled = self.buffer.first().map_or(0, Vec::len);
        if self.start.is_none() && filled as u64 >= MIN_WINDOW.min(self.window) {
            self.start = Some(self.buffer.iter().map(|b| median(b)).collect());
        }
        if (filled as u64) < self.window {
            return Vec::new();
        }
        let w = Window {
            end: step,
            lr,
            medians: self.buffer.iter().map(|b| median(b)).collect(),
            spread,
        };
        self.buffer.iter_mut().for_each(Vec::clear);
        self.recent.push_back(w);
        if self.recent.len() > self.span + 1 {
            self.recent.pop_front();
        }
        let before = self.found.len();
        let checks = [
            self.stalled(),
            self.constant(),
            self.lr_decayed(),
            self.constraint_growing(),
        ];
        for f in checks.into_iter().flatten() {
            if !self.found.iter().any(|g| g.code == f.code) {
                self.found.push(f);
            }
        }
        self.found[before..].to_vec()
    }

    /// The window a span ago and the latest, once the run has a span of windows.
    fn span_ends(&self) -> Option<(&Window, &Window)> {
        match self.recent.len() > self.span {
            true => Some((self.recent.front()?, self.recent.back()?)),
            false => None,
        }
    }
}

/// The median of a window's values (non-finite values sort last).
fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => 0.5 * (s[n / 2 - 1] + s[n / 2]),
    }
}
