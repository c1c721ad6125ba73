//! The schedule of a training: its progress, the learning rate along it, and the mean of
//! the weights over its end ([`WeightAverage`]).

use crate::nn::Net;
use candle_core::{Result, Tensor};
use pdec_lang::settings::{RunSettings, Schedule};

/// The learning rate at `step` (0-based) of `steps`, `elapsed` seconds into the run. The
/// cosine schedule follows whichever budget is further along, steps or `time_limit`, so a
/// time-limited run still reaches its small learning rates (at the price of depending on
/// wall time: such runs are not bitwise reproducible).
pub fn learning_rate(s: &RunSettings, step: u64, elapsed: f64) -> f64 {
    match &s.lr_schedule {
        Schedule::Constant => s.lr,
        Schedule::Step { every, factor } => s.lr * factor.powi((step / every) as i32),
        Schedule::Exponential { every, factor } => s.lr * factor.powf(step as f64 / *every as f64),
        Schedule::Cosine { min_lr } => {
            let frac = progress(s, step, elapsed);
            min_lr + (s.lr - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())
        }
    }
}

/// Where the cosine of a resumed run that raised `steps` goes on from: the step it resumed
/// at and the learning rate it had reached there. Without it the cosine over the new total
/// would jump back up at that step (from `min_lr` to about `lr / 2` when `steps` doubles),
/// and the extra steps would undo the fine tuning of the first ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Continued {
    pub from_step: u64,
    pub from_lr: f64,
}

/// [`learning_rate`], except that with `continued` the cosine runs from the learning rate
/// reached at `from_step` down to `min_lr` over the steps left (by steps alone). The other
/// schedules do not depend on `steps` and are unchanged.
pub fn learning_rate_continued(
    s: &RunSettings,
    step: u64,
    elapsed: f64,
    continued: Option<Continued>,
) -> f64 {
    match (continued, &s.lr_schedule) {
        (Some(c), Schedule::Cosine { min_lr }) if s.steps > c.from_step => {
            let left = (s.steps - c.from_step) as f64;
            let frac = (step.saturating_sub(c.from_step) as f64 / left).min(1.0);
            min_lr + (c.from_lr - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())
        }
        _ => learning_rate(s, step, elapsed),
    }
}

/// How far a training is along, in [0, 1]: steps over `steps`, or seconds over
/// `time_limit`, whichever is further (the cosine schedule and weight averaging follow it).
pub fn progress(s: &RunSettings, step: u64, elapsed: f64) -> f64 {
    let mut frac = step as f64 / s.steps.max(1) as f64;
    if let Some(limit) = s.time_limit {
        frac = frac.max(elapsed / limit);
    }
    frac.min(1.0)
}

/// The mean of the network's weights over the last `average` share of the training
/// (Polyak-Ruppert averaging): the iterates of Adam at a small learning rate still wander
/// around the minimum (the basket's price at d = 100 moved by about a percent between
/// checkpoints 1,000 steps apart), and their mean sits closer to it than any one of them.
#[derive(Clone, Debug, Default)]
pub struct WeightAverage {
    /// One tensor per network parameter, in `Net::params` order (empty before the first).
    pub mean: Vec<Tensor>,
    /// Iterates averaged so far.
    pub count: u64,
    /// Step and training seconds of the first iterate averaged: a resumed run checks that it
    /// still lies in its own averaging window ([`WeightAverage::keep_if_inside`]).
    pub first: Option<(u64, f64)>,
}

impl WeightAverage {
    /// Whether the iterate after `step` steps (at `elapsed` seconds) belongs to the average.
    pub fn covers(s: &RunSettings, step: u64, elapsed: f64) -> bool {
        // The margin keeps a step exactly at the window's start out whatever the rounding of
        // `1 - average` (1 - 0.9 is 0.09999999999999998).
        s.average > 0.0 && progress(s, step, elapsed) > 1.0 - s.average + 1e-9
    }

    /// Adds the network's weights after `step` steps (at `elapsed` seconds):
    /// `mean += (w - mean) / count`.
    pub fn add(&mut self, net: &Net, step: u64, elapsed: f64) -> Result<()> {
        self.count += 1;
        if self.mean.is_empty() {
            self.first = Some((step, elapsed));
            self.mean = net
                .params
                .iter()
                .map(|(_, v)| v.as_tensor().copy())
                .collect::<Result<_>>()?;
            return Ok(());
        }
        let k = 1.0 / self.count as f64;
        for (m, (_, v)) in self.mean.iter_mut().zip(&net.params) {
            *m = (&*m + ((v.as_tensor() - &*m)? * k)?)?;
        }
        Ok(())
    }

    /// Keeps the average when its first iterate lies in the averaging window of settings `s`,
    /// else starts it again (returns false): a run resumed with more steps or another
    /// `average` has its window elsewhere, and a mean over the old window would mix in
    /// iterates the new one does not cover. An average without a recorded first iterate
    /// (checkpoints before it was recorded) cannot be checked and starts again too.
    pub fn keep_if_inside(&mut self, s: &RunSettings) -> bool {
        let inside = match self.first {
            Some((step, elapsed)) => WeightAverage::covers(s, step, elapsed),
            None => self.count == 0,
        };
        if !inside {
            *self = WeightAverage::default();
        }
        inside
    }

    /// Sets the network's weights to the mean (nothing when no iterate was averaged).
    pub fn apply(&self, net: &Net) -> Result<()> {
        for (m, (_, v)) in self.mean.iter().zip(&net.params) {
            v.set(m)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    /// The weight average is the arithmetic mean of the iterates added, and covers the last
    /// `average` share of the steps or of the seconds, whichever is further along.
    #[test]
    fn weight_average_is_the_mean_over_the_end_of_the_training() {
        let net = Net::new(
            &pdec_lang::settings::Net {
                kind: pdec_lang::settings::NetKind::Mlp,
                layers: 1,
                width: 3,
            },
            2,
            1,
            DType::F64,
            &Device::Cpu,
        )
        .expect("net");
        let first: Vec<Tensor> = net
            .params
            .iter()
            .map(|(_, v)| v.as_tensor().copy().expect("copy"))
            .collect();
        let mut avg = WeightAverage::default();
        for k in 0..4 {
            for (w, (_, v)) in first.iter().zip(&net.params) {
                v.set(&(w + k as f64).expect("shift")).expect("set");
            }
            avg.add(&net, 96 + k, 0.0).expect("add");
        }
        assert_eq!(avg.count, 4);
        avg.apply(&net).expect("apply");
        // Mean of w, w + 1, w + 2, w + 3: w + 1.5.
        for (w, (_, v)) in first.iter().zip(&net.params) {
            let got = v
                .as_tensor()
                .flatten_all()
                .expect("f")
                .to_vec1::<f64>()
                .expect("v");
            let want = (w + 1.5)
                .expect("want")
                .flatten_all()
                .expect("f")
                .to_vec1::<f64>()
                .expect("v");
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12, "{a} vs {b}");
            }
        }
        let mut s = RunSettings {
            steps: 100,
            average: 0.1,
            ..RunSettings::default()
        };
        assert!(!WeightAverage::covers(&s, 90, 0.0));
        assert!(WeightAverage::covers(&s, 91, 0.0));
        s.time_limit = Some(10.0);
        assert!(
            WeightAverage::covers(&s, 5, 9.5),
            "the time budget is further along"
        );
        s.average = 0.0;
        assert!(!WeightAverage::covers(&s, 100, 10.0));
        // Resumed with the same window (first iterate at step 96 of 100, average 0.1): kept.
        // With twice the steps the window starts at 180: the old mean starts again.
        let s = RunSettings {
            steps: 100,
            average: 0.1,
            ..RunSettings::default()
        };
        let mut kept = avg.clone();
        assert!(kept.keep_if_inside(&s));
        assert_eq!((kept.count, kept.first), (4, Some((96, 0.0))));
        let mut moved = avg.clone();
        assert!(!moved.keep_if_inside(&RunSettings { steps: 200, ..s }));
        assert_eq!((moved.count, moved.first), (0, None));
        assert!(moved.mean.is_empty());
    }
}
