//! The L-BFGS polish that may follow the Adam steps (`polish = lbfgs(...)`).
//!
//! Adam's fresh points every step keep its iterates wandering at the noise of the loss; PINN
//! practice (DeepXDE's `L-BFGS` after `adam`) ends a training with a quasi-Newton method on a
//! fixed set of points, whose curvature model reaches accuracies a first-order method needs
//! far more steps for. The minimiser here is generic over the objective (unit-tested on
//! closed forms); [`FixedObjective`] makes the network's loss on a [`FixedSet`] one.

use candle_core::{DType, Result, Tensor};

use crate::distributed::Comm;
use crate::nn::Net;
use crate::train::program::LossProgram;
use crate::train::sampling::FixedSet;

/// The settings of one minimisation.
#[derive(Clone, Copy, Debug)]
pub struct Lbfgs {
    /// Iterations (each one line search).
    pub iterations: u64,
    /// Curvature pairs kept.
    pub history: usize,
    /// Evaluations allowed in one line search.
    pub line_search_evals: usize,
    /// Stop once an iteration lowers the loss by less than this share of it.
    pub relative_tolerance: f64,
    /// The strong Wolfe curvature constant `c2`: 0.9 accepts the unit step most of the
    /// time (one evaluation per iteration); near 0 the line search is nearly exact.
    pub curvature: f64,
}

/// Why a minimisation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// All iterations were taken.
    Iterations,
    /// The loss stopped falling (its change, the step or the slope fell below the tolerance).
    Converged,
    /// The caller asked to stop (Ctrl-C).
    Stopped,
}

impl Ended {
    pub fn as_str(self) -> &'static str {
        match self {
            Ended::Iterations => "steps",
            Ended::Converged => "converged",
            Ended::Stopped => "interrupted",
        }
    }
}

/// A curvature pair: the step `s`, the change `y` of the gradient over it, and `1 / y.s`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub s: Vec<f64>,
    pub y: Vec<f64>,
    pub rho: f64,
}

impl Pair {
    pub fn new(s: Vec<f64>, y: Vec<f64>) -> Pair {
        let rho = 1.0 / dot(&y, &s);
        Pair { s, y, rho }
    }
}

/// Everything the minimiser carries from one iteration to the next, so that a minimisation
/// saved after an iteration and started again from this state takes the steps it would have
/// taken (the loss and gradient at `x` are evaluated again: the objective must be
/// deterministic).
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub x: Vec<f64>,
    /// Curvature pairs, oldest first.
    pub pairs: std::collections::VecDeque<Pair>,
    /// Iterations taken so far.
    pub iterations: u64,
    /// Objective evaluations so far, the start's included.
    pub evaluations: u64,
}

impl State {
    /// The start of a fresh minimisation at `x` (its loss evaluated once).
    pub fn start(x: Vec<f64>) -> State {
        State {
            x,
            pairs: Default::default(),
            iterations: 0,
            evaluations: 1,
        }
    }
}

/// One accepted iteration, as the caller sees it.
pub struct Iteration<'a> {
    /// 1-based.
    pub index: u64,
    /// Objective evaluations so far, the start's included.
    pub evaluations: u64,
    pub loss: f64,
    /// The step length along the search direction.
    pub step: f64,
    /// The state after the iteration (what to save to continue later).
    pub state: &'a State,
}

/// The outcome: the final state and loss.
pub struct Minimised {
    pub state: State,
    pub loss: f64,
    pub ended: Ended,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// The minimiser of the cubic through `(x1, f1, g1)` and `(x2, f2, g2)`, kept inside
/// `bounds` (the interval between the two points without them); the middle of the bounds when
/// the cubic has no minimum there or a value is not finite.
fn cubic_minimum(
    x1: f64,
    f1: f64,
    g1: f64,
    x2: f64,
    f2: f64,
    g2: f64,
    bounds: Option<(f64, f64)>,
) -> f64 {
    let (lo, hi) = bounds.unwrap_or(if x1 <= x2 { (x1, x2) } else { (x2, x1) });
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    let d2_square = d1 * d1 - g1 * g2;
    let middle = (lo + hi) / 2.0;
    // Not `>= 0` (NaN) or negative: no real minimiser.
    if d2_square.is_nan() || d2_square < 0.0 {
        return middle;
    }
    let d2 = d2_square.sqrt();
    let min_pos = if x1 <= x2 {
        x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
    } else {
        x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
    };
    if min_pos.is_finite() {
        min_pos.clamp(lo, hi)
    } else {
        middle
    }
}

/// A point on the search line: step length, loss, gradient and slope along the direction.
#[derive(Clone)]
struct LinePoint {
    t: f64,
    f: f64,
    g: Vec<f64>,
    slope: f64,
}

/// The strong Wolfe line search (Nocedal and Wright, algorithms 3.5 and 3.6, with cubic
/// interpolation: the search of PyTorch's `LBFGS(line_search_fn = "strong_wolfe")`). A
/// non-finite loss counts as an infinitely bad one, so the search backs off from it.
fn strong_wolfe(
    eval: &mut impl FnMut(&[f64]) -> Result<(f64, Vec<f64>)>,
    x: &[f64],
    d: &[f64],
    start: &LinePoint,
    t0: f64,
    (max_evals, c2): (usize, f64),
    evals: &mut u64,
) -> Result<LinePoint> {
    const C1: f64 = 1e-4;
    let d_norm = max_abs(d);
    let mut at = |t: f64, evals: &mut u64| -> Result<LinePoint> {
        let y: Vec<f64> = x.iter().zip(d).map(|(a, b)| a + t * b).collect();
        let (f, g) = eval(&y)?;
        *evals += 1;
        let f = if f.is_finite() { f } else { f64::INFINITY };
        let slope = dot(&g, d);
        let slope = if slope.is_finite() { slope } else { 0.0 };
        Ok(LinePoint { t, f, g, slope })
    };
    let sufficient = |p: &LinePoint| p.f <= start.f + C1 * p.t * start.slope;
    let curvature = |p: &LinePoint| p.slope.abs() <= -c2 * start.slope;
    let mut prev = start.clone();
    let mut new = at(t0, evals)?;
    let mut used = 1;
    // Bracketing: grow the step until an interval holds an acceptable one.
    let mut bracket: [LinePoint; 2];
    loop {
        if !sufficient(&new) || (used > 1 && new.f >= prev.f) {
            bracket = [prev, new];
            break;
        }
        if curvature(&new) {
            return Ok(new);
        }
        if new.slope >= 0.0 {
            bracket = [prev, new];
            break;
        }
        if used >= max_evals {
            return Ok(new);
        }
        let t = cubic_minimum(
            prev.t,
            prev.f,
            prev.slope,
            new.t,
            new.f,
            new.slope,
            Some((new.t + 0.01 * (new.t - prev.t), new.t * 10.0)),
        );
        prev = new;
        new = at(t, evals)?;
        used += 1;
    }
    // Zoom: shrink the bracket around a point with both conditions.
    let mut insufficient_progress = false;
    let (mut low, mut high) = if bracket[0].f <= bracket[1].f {
        (0, 1)
    } else {
        (1, 0)
    };
    while used < max_evals {
        let (a, b) = (bracket[0].t, bracket[1].t);
        if (b - a).abs() * d_norm < 1e-12 {
            break;
        }
        let mut t = cubic_minimum(
            a,
            bracket[0].f,
            bracket[0].slope,
            b,
            bracket[1].f,
            bracket[1].slope,
            None,
        );
        let (lo, hi) = (a.min(b), a.max(b));
        let eps = 0.1 * (hi - lo);
        if (hi - t).min(t - lo) < eps {
            // Too close to an end: move a tenth of the bracket inside, unless the last
            // iteration already did.
            if insufficient_progress || t >= hi || t <= lo {
                t = if (t - hi).abs() < (t - lo).abs() {
                    hi - eps
                } else {
                    lo + eps
                };
                insufficient_progress = false;
            } else {
                insufficient_progress = true;
            }
        } else {
            insufficient_progress = false;
        }
        let p = at(t, evals)?;
        used += 1;
        if !sufficient(&p) || p.f >= bracket[low].f {
            bracket[high] = p;
        } else {
            if curvature(&p) {
                return Ok(p);
            }
            if p.slope * (bracket[high].t - bracket[low].t) >= 0.0 {
                bracket[high] = bracket[low].clone();
            }
            bracket[low] = p;
        }
        (low, high) = if bracket[0].f <= bracket[1].f {
            (0, 1)
        } else {
            (1, 0)
        };
    }
    Ok(bracket[low].clone())
}

/// Minimises `eval` (loss and gradient at a point) by L-BFGS with the strong Wolfe line
/// search, from `state` (a fresh [`State::start`] or a saved one) where the loss is `f0` with
/// gradient `g0`, until `config.iterations` iterations in all. `after` sees each accepted
/// iteration and returns false to stop. A starting point with a non-finite loss or gradient
/// is an error: there is nothing to descend from.
pub fn minimise(
    config: &Lbfgs,
    mut state: State,
    (f0, g0): (f64, Vec<f64>),
    mut eval: impl FnMut(&[f64]) -> Result<(f64, Vec<f64>)>,
    mut after: impl FnMut(&Iteration) -> Result<bool>,
) -> Result<Minimised> {
    let (mut f, mut g) = (f0, g0);
    if !f.is_finite() || g.iter().any(|v| !v.is_finite()) {
        candle_core::bail!("the loss or its gradient is not finite where the polish starts");
    }
    // A saved state from a run with a longer history keeps its newest pairs.
    while state.pairs.len() > config.history {
        state.pairs.pop_front();
    }
    let mut ended = Ended::Iterations;
    while state.iterations < config.iterations {
        // The two-loop recursion: d = -H g, H the inverse-Hessian model of the pairs.
        let mut q: Vec<f64> = g.iter().map(|v| -v).collect();
        let mut alphas = Vec::with_capacity(state.pairs.len());
        for p in state.pairs.iter().rev() {
            let a = p.rho * dot(&p.s, &q);
            for (qi, yi) in q.iter_mut().zip(&p.y) {
                *qi -= a * yi;
            }
            alphas.push(a);
        }
        if let Some(p) = state.pairs.back() {
            let gamma = dot(&p.s, &p.y) / dot(&p.y, &p.y);
            for qi in q.iter_mut() {
                *qi *= gamma;
            }
        }
        for (p, a) in state.pairs.iter().zip(alphas.iter().rev()) {
            let b = p.rho * dot(&p.y, &q);
            for (qi, si) in q.iter_mut().zip(&p.s) {
                *qi += (a - b) * si;
            }
        }
        let mut d = q;
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            // The model lost its way (rounding in the pairs): start it again from the gradient.
            state.pairs.clear();
            d = g.iter().map(|v| -v).collect();
            slope = dot(&g, &d);
            if slope.is_nan() || slope >= 0.0 {
                ended = Ended::Converged;
                break;
            }
        }
        // The first step (and one after a reset) has no curvature to scale it: a step of
        // unit length in the largest component's units.
        let t0 = if state.pairs.is_empty() {
            (1.0 / g.iter().map(|v| v.abs()).sum::<f64>()).min(1.0)
        } else {
            1.0
        };
        let start = LinePoint {
            t: 0.0,
            f,
            g: g.clone(),
            slope,
        };
        let p = strong_wolfe(
            &mut eval,
            &state.x,
            &d,
            &start,
            t0,
            (config.line_search_evals, config.curvature),
            &mut state.evaluations,
        )?;
        state.iterations += 1;
        if p.f.is_nan() || p.f >= f {
            // The search found no lower point: the loss is flat to its rounding here.
            ended = Ended::Converged;
            break;
        }
        let s: Vec<f64> = d.iter().map(|v| p.t * v).collect();
        let y: Vec<f64> = p.g.iter().zip(&g).map(|(a, b)| a - b).collect();
        let ys = dot(&y, &s);
        for (xi, si) in state.x.iter_mut().zip(&s) {
            *xi += si;
        }
        let step_size = max_abs(&s);
        if ys > 1e-10 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
            if state.pairs.len() == config.history {
                state.pairs.pop_front();
            }
            state.pairs.push_back(Pair::new(s, y));
        }
        let drop = f - p.f;
        f = p.f;
        g = p.g;
        let go_on = after(&Iteration {
            index: state.iterations,
            evaluations: state.evaluations,
            loss: f,
            step: p.t,
            state: &state,
        })?;
        if !go_on {
            ended = Ended::Stopped;
            break;
        }
        if drop <= config.relative_tolerance * f.abs() || step_size <= 1e-12 {
            ended = Ended::Converged;
            break;
        }
    }
    Ok(Minimised {
        state,
        loss: f,
        ended,
    })
}

/// The network's weights as one vector, in the order of `net.params`.
pub fn flat_weights(net: &Net) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for (_, v) in &net.params {
        out.extend(
            v.as_tensor()
                .flatten_all()?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?,
        );
    }
    Ok(out)
}

/// Sets the network's weights from one vector (the inverse of [`flat_weights`]).
pub fn set_weights(net: &Net, x: &[f64]) -> Result<()> {
    let mut at = 0;
    for (_, v) in &net.params {
        let n = v.elem_count();
        let piece = x
            .get(at..at + n)
            .ok_or_else(|| candle_core::Error::Msg("weight vector too short".into()))?;
        let t = Tensor::from_slice(piece, v.shape(), v.device())?.to_dtype(v.dtype())?;
        v.set(&t)?;
        at += n;
    }
    Ok(())
}

/// The loss as `set` weighs it: each term's value times its weight and the balance's
/// multiplier the set was drawn with, summed (the function whose gradient it returns).
pub fn weighted_total(program: &LossProgram, set: &FixedSet, values: &[f64]) -> f64 {
    program
        .plan
        .terms
        .iter()
        .zip(values)
        .zip(set.multipliers())
        .map(|((t, v), m)| t.weight * m * v)
        .sum()
}

/// The weighted total and each term's value on `set` at the weights `net` holds: the loss
/// on points the polish does not fit, to tell whether it fits the equation or only its own
/// points.
pub fn loss_on(
    program: &LossProgram,
    net: &Net,
    set: &FixedSet,
    comm: &Comm,
) -> Result<(f64, Vec<f64>)> {
    let (values, _) = set.loss_and_gradient(program, net, comm)?;
    Ok((weighted_total(program, set, &values), values))
}

/// The network's loss on a fixed set as a function of its weights: each call sets the
/// weights, so the network holds the last point evaluated (callers set the accepted one).
pub struct FixedObjective<'a> {
    pub program: &'a LossProgram<'a>,
    pub net: &'a Net,
    pub set: &'a FixedSet,
    pub comm: &'a Comm,
    /// The total and each term's value at every evaluation since [`Self::terms_at`] last
    /// looked (the line search may accept a point before its last one).
    seen: Vec<(f64, Vec<f64>)>,
}

impl<'a> FixedObjective<'a> {
    pub fn new(
        program: &'a LossProgram<'a>,
        net: &'a Net,
        set: &'a FixedSet,
        comm: &'a Comm,
    ) -> FixedObjective<'a> {
        FixedObjective {
            program,
            net,
            set,
            comm,
            seen: Vec::new(),
        }
    }

    /// The weighted total and its gradient at `x`.
    pub fn eval(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>)> {
        set_weights(self.net, x)?;
        let (values, grad) = self
            .set
            .loss_and_gradient(self.program, self.net, self.comm)?;
        let total = weighted_total(self.program, self.set, &values);
        self.seen.push((total, values));
        Ok((total, grad))
    }

    /// Each term's value at the evaluated point whose total was `total` (the accepted one),
    /// forgetting the evaluations before it.
    pub fn terms_at(&mut self, total: f64) -> Vec<f64> {
        let found = self.seen.iter().rposition(|(t, _)| *t == total);
        let terms = found.map_or_else(Vec::new, |k| self.seen[k].1.clone());
        self.seen.clear();
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(iterations: u64) -> Lbfgs {
        Lbfgs {
            iterations,
            history: 10,
            line_search_evals: 25,
            relative_tolerance: 0.0,
            curvature: 0.9,
        }
    }

    fn rosenbrock(x: &[f64]) -> Result<(f64, Vec<f64>)> {
        let (a, b) = (x[0], x[1]);
        let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
        let g = vec![
            -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
            200.0 * (b - a * a),
        ];
        Ok((f, g))
    }

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_valley() {
        let x0 = vec![-1.2, 1.0];
        let start = rosenbrock(&x0).expect("start");
        let m = minimise(&config(200), State::start(x0), start, rosenbrock, |_| {
            Ok(true)
        })
        .expect("minimise");
        assert!(
            (m.state.x[0] - 1.0).abs() < 1e-6 && (m.state.x[1] - 1.0).abs() < 1e-6,
            "{:?}",
            m.state.x
        );
        // Gradient descent needs thousands of steps here; a quasi-Newton method tens.
        assert!(m.state.iterations < 60, "{} iterations", m.state.iterations);
    }

    #[test]
    fn a_minimisation_continued_from_its_saved_state_takes_the_same_steps() {
        let x0 = vec![-1.2, 1.0];
        let start = rosenbrock(&x0).expect("start");
        let whole = minimise(
            &config(20),
            State::start(x0.clone()),
            start.clone(),
            rosenbrock,
            |_| Ok(true),
        )
        .expect("minimise");
        // Stopped after 8 iterations (as by Ctrl-C or a time limit), then continued.
        let mut saved = None;
        let first = minimise(&config(20), State::start(x0), start, rosenbrock, |it| {
            saved = Some(it.state.clone());
            Ok(it.index < 8)
        })
        .expect("minimise");
        assert_eq!(first.ended, Ended::Stopped);
        let saved = saved.expect("a state");
        assert_eq!(saved.iterations, 8);
        assert!(!saved.pairs.is_empty());
        let again = rosenbrock(&saved.x).expect("loss at the saved point");
        let rest = minimise(&config(20), saved, again, rosenbrock, |_| Ok(true)).expect("minimise");
        assert_eq!(rest.state.iterations, 20);
        assert_eq!(rest.state.x, whole.state.x, "bit for bit");
        assert_eq!(rest.loss, whole.loss);
        // The minimiser counts its own evaluations (the caller's at the saved point aside).
        assert_eq!(rest.state.evaluations, whole.state.evaluations);
    }

    /// Iterations to lower `sum_i c_i (x_i - 1)^2 / 2` (20 coordinates, condition number
    /// 1e4) by 1e10 from 0.
    fn quadratic_iterations(curvature: f64) -> u64 {
        let n = 20;
        let c: Vec<f64> = (0..n)
            .map(|i| 10f64.powf(4.0 * i as f64 / (n - 1) as f64))
            .collect();
        let eval = |x: &[f64]| -> Result<(f64, Vec<f64>)> {
            let f = x
                .iter()
                .zip(&c)
                .map(|(x, c)| c * (x - 1.0).powi(2) / 2.0)
                .sum();
            let g = x.iter().zip(&c).map(|(x, c)| c * (x - 1.0)).collect();
            Ok((f, g))
        };
        let mut cfg = config(1000);
        cfg.history = n;
        cfg.curvature = curvature;
        let start = eval(&vec![0.0; n]).expect("start");
        let f0 = start.0;
        let mut reached = None;
        minimise(&cfg, State::start(vec![0.0; n]), start, eval, |it| {
            if it.loss < 1e-10 * f0 && reached.is_none() {
                reached = Some(it.index);
            }
            Ok(reached.is_none())
        })
        .expect("minimise");
        reached.expect("the loss falls by 1e10")
    }

    #[test]
    fn with_nearly_exact_line_searches_a_quadratic_takes_about_its_dimension() {
        // L-BFGS with exact line searches and a full history is conjugate gradients: n
        // steps on a quadratic in n unknowns (up to rounding). A wrong two-loop recursion
        // loses this.
        let k = quadratic_iterations(1e-3);
        assert!(k <= 25, "{k} iterations");
    }

    #[test]
    fn with_unit_steps_a_quadratic_still_takes_far_fewer_than_gradient_descent() {
        // Gradient descent's rate on this quadratic is (1 - 1e-4) per step: 2e5 steps.
        let k = quadratic_iterations(0.9);
        assert!(k < 400, "{k} iterations");
    }

    #[test]
    fn each_iteration_lowers_the_loss_and_the_caller_can_stop() {
        let mut losses = Vec::new();
        let x0 = vec![-1.2, 1.0];
        let start = rosenbrock(&x0).expect("start");
        let m = minimise(&config(200), State::start(x0), start, rosenbrock, |it| {
            losses.push(it.loss);
            Ok(it.index < 5)
        })
        .expect("minimise");
        assert_eq!(m.ended, Ended::Stopped);
        assert_eq!(m.state.iterations, 5);
        assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
        assert!(losses[0] < 24.2, "the start's loss is 24.2");
    }

    #[test]
    fn the_line_search_backs_off_from_non_finite_values() {
        // (v - 1)^2, not defined (NaN) for v < 0; from v = 3 along -1 a first step of 10
        // lands at -7.
        let mut eval = |x: &[f64]| -> Result<(f64, Vec<f64>)> {
            let v = x[0];
            if v < 0.0 {
                return Ok((f64::NAN, vec![f64::NAN]));
            }
            Ok(((v - 1.0).powi(2), vec![2.0 * (v - 1.0)]))
        };
        let start = LinePoint {
            t: 0.0,
            f: 4.0,
            g: vec![4.0],
            slope: -4.0,
        };
        let mut evals = 0;
        let p = strong_wolfe(
            &mut eval,
            &[3.0],
            &[-1.0],
            &start,
            10.0,
            (25, 0.9),
            &mut evals,
        )
        .expect("line search");
        assert!(p.f.is_finite() && p.f < 4.0, "t {} f {}", p.t, p.f);
        assert!(
            p.slope.abs() <= 0.9 * 4.0,
            "the curvature condition: slope {}",
            p.slope
        );
    }

    #[test]
    fn a_non_finite_start_is_an_error() {
        let eval = |_: &[f64]| -> Result<(f64, Vec<f64>)> { Ok((f64::NAN, vec![0.0])) };
        let start = eval(&[0.0]).expect("start");
        assert!(
            minimise(&config(10), State::start(vec![0.0]), start, eval, |_| Ok(
                true
            ))
            .is_err()
        );
    }

    #[test]
    fn the_cubic_minimum_of_a_quadratic_is_its_vertex() {
        // f = (x - 0.3)^2: values and slopes at 0 and 1.
        let t = cubic_minimum(0.0, 0.09, -0.6, 1.0, 0.49, 1.4, None);
        assert!((t - 0.3).abs() < 1e-12, "{t}");
    }
}
