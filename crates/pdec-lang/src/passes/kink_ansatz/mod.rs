//! The ansatz the compiler builds for kinked time data (`kink_ansatz`): a terminal (or
//! initial) condition `u = max(f, 0)` with a smooth `f` changing sign inside the domain, a
//! call's or a put's payoff. No network can fit the kink, and the part of it that the fit
//! rounds off travels into the solution: the European call of `examples/black_scholes.pde`
//! trained as written is 0.3% to 1.8% off at the strike and varies by that much from seed to
//! seed. The data smoothed by the equation's own diffusion over the time left,
//!
//! `g = f N(f / (s_n sqrt(tau))) + s_n sqrt(tau) phi(f / (s_n sqrt(tau)))`,
//!
//! (the solution of `u_tau = (s_n^2 / 2) u_ff` from `max(f, 0)`: the Bachelier price, the
//! first term of the short-time expansion at the kink), with `tau` the time left and `s_n`
//! the normal volatility of `f` at the kink, `sqrt(2 D) |f'|` for the equation's diffusion
//! `D`, is what the solution looks like near the kink to leading order. The equation's drift
//! `b` and discount rate `rho` at the kink (`u_tau = D u_xx + b u_x - rho u`) move and
//! discount it, `exp(-rho tau) g(f + b f' tau)`: without them the remainder `(u - g) / tau`
//! holds `b f' N(d) - rho g`, a step and a kink as sharp as the payoff's at `tau = 0`, which
//! the network would have to fit. The compiler writes `u = g + tau * net`: the data hold exactly at `tau = 0` (the ansatz pass checks it, as for
//! a user's ansatz, and drops the condition's loss term), and what the network learns is the
//! smooth remainder.
//!
//! Built only where every piece is known: one unknown without an ansatz of its own, no
//! free boundary (an exercised American option is its payoff, not the smoothed data), no
//! parameters, one space variable of one component, one such condition, an equation linear in
//! `d(u, t)` and `d(u, x, x)` at the kink with a diffusion of the sign its direction needs,
//! and `f` free of kinks itself with one sign change on the interval. Anything else keeps the
//! problem as written (`pdec explain` then says nothing). `kink_ansatz = none` turns it off.

use crate::ir::eval::{Dense, Layout as DenseLayout, eval_at};
use crate::ir::{Ansatz, BinOp, Coord, Input, NodeId, Op, Problem, Ty, UnOp, Where};
use crate::settings::PlanSettings;
use std::borrow::Cow;

mod symbolic;

/// Points scanned along the interval for the sign changes of `f`.
const SCAN: usize = 2001;

/// `tau + EPSILON * (time length)` under the square root: the data hold at `tau = 0` to far
/// below any training error, and no point divides by zero.
const EPSILON: f64 = 1e-8;

/// Builds the ansatz where it applies (its `chosen` says why), or leaves the problem as it is.
pub fn run(problem: &mut Problem, settings: &PlanSettings) {
    if !settings.kink_ansatz {
        return;
    }
    let Some(found) = find(problem) else {
        return;
    };
    let Some(smoothed) = build(problem, &found) else {
        return;
    };
    let Some(node) = with_network(problem, &found, smoothed) else {
        return;
    };
    let number = |x: f64| crate::syntax::print::format_number(significant(x));
    let var = &problem.space[0].name;
    let coefficients = match found.symbolic {
        false => format!(
            "normal volatility {}, drift {} and discount rate {}: the equation's own, linearised at the kink",
            found.vol.text(var, found.at),
            found.drift.text(var, found.at),
            found.discount.text(var, found.at),
        ),
        true => format!(
            "normal volatility, drift and discount rate: the equation's own at the data's time, written in the trained {}",
            trained_names(problem, problem.pdes[0].residual)
        ),
    };
    let why = format!(
        "the {} data `{}` have a kink at {var} = {}; the data smoothed by the equation over the time left ({coefficients}, the volatility at the midpoint between {var} and the kink) plus {} * net impose them exactly and leave the network a smooth remainder (`kink_ansatz = none` keeps the condition as a loss term)",
        if found.terminal {
            "terminal"
        } else {
            "initial"
        },
        crate::ir::print::Printer { problem }.expr(found.data),
        number(found.at),
        if found.terminal {
            "(T - t)"
        } else {
            "(t - t0)"
        },
    );
    let span = problem.unknowns[0].span;
    problem.unknowns[0].ansatz = Some(Ansatz {
        node,
        space_gradient: Vec::new(),
        span,
        chosen: Some(why),
        scaled: None,
        rescale: true,
    });
}

/// "`sigma`", "`a` and `b`": the unknown coefficients `node` reads, in declaration order.
fn trained_names(p: &Problem, node: NodeId) -> String {
    let names: Vec<String> = p
        .coefficients
        .iter()
        .enumerate()
        .filter(|(k, _)| p.graph.any(node, &mut |op| *op == Op::Coef(*k)))
        .map(|(_, c)| format!("`{}`", c.name))
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `at + slope * (x - kink)`: a coefficient of the equation linearised at the kink.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Linear {
    at: f64,
    slope: f64,
}

impl Linear {
    const ZERO: Linear = Linear {
        at: 0.0,
        slope: 0.0,
    };

    /// `0.2 + 0.1 (s - 1)`, or `0.05` without a slope.
    fn text(self, var: &str, kink: f64) -> String {
        let number = |x: f64| crate::syntax::print::format_number(significant(x));
        match self.slope {
            0.0 => number(self.at),
            slope => format!(
                "{} {} {} ({var} - {})",
                number(self.at),
                if slope < 0.0 { "-" } else { "+" },
                number(slope.abs()),
                number(kink)
            ),
        }
    }
}

/// What the ansatz is made of.
struct Kink {
    /// `max(f, 0)` and `f`.
    data: NodeId,
    f: NodeId,
    terminal: bool,
    /// The time slice of the data.
    at_time: f64,
    /// Where `f` changes sign.
    at: f64,
    /// `f'` at the kink.
    slope: f64,
    /// The normal volatility `sqrt(2 D) |f'|` at the midpoint between `x` and the kink.
    vol: Linear,
    /// The equation's drift `b` (`u_tau = D u_xx + b u_x - rho u`).
    drift: Linear,
    /// Its discount rate `rho`.
    discount: Linear,
    /// The equation reads an unknown coefficient: the three above are its values at the
    /// coefficients' initial values (for the checks), and the smoothing is written in the
    /// coefficients ([`symbolic`]).
    symbolic: bool,
}

fn find(p: &Problem) -> Option<Kink> {
    let unknown = p.single()?;
    let time = p.time.as_ref()?;
    // A free boundary (an American option) is not smoothed: where the option is exercised
    // the solution is the payoff itself, a distance of order sqrt(tau) below `g`, which
    // `tau * net` cannot make up.
    if unknown.ansatz.is_some()
        || p.constraint.is_some()
        || !p.params.is_empty()
        || p.space.len() != 1
        || p.pdes.len() != 1
    {
        return None;
    }
    if p.space[0].domain.dim().is_some_and(|d| d != 1) || p.space[0].domain.bounds().len() != 1 {
        return None;
    }
    let (lo, hi) = p.space[0].domain.bounds()[0];
    let g = &p.graph;
    // The one time condition `u = max(f, 0)` (written `u - max(f, 0)`).
    let mut found = None;
    for c in &p.conditions {
        let Where::TimeSlice { at, terminal } = c.region else {
            continue;
        };
        let Op::Binary(BinOp::Sub, u, data) = *g.op(c.residual) else {
            continue;
        };
        if !matches!(g.op(u), Op::U(0)) {
            continue;
        }
        let f = match *g.op(data) {
            Op::Binary(BinOp::Max, a, b) if g.as_const(b) == Some(0.0) => a,
            Op::Binary(BinOp::Max, a, b) if g.as_const(a) == Some(0.0) => b,
            _ => continue,
        };
        if found.is_some() {
            return None;
        }
        found = Some((data, f, at, terminal));
    }
    let (data, f, at_time, terminal) = found?;
    let smooth = !g.any(f, &mut |op| {
        matches!(
            op,
            Op::U(_)
                | Op::Deriv(..)
                | Op::Coef(_)
                | Op::Input(Input::Time)
                | Op::Select(..)
                | Op::Unary(UnOp::Abs | UnOp::Sign | UnOp::Floor, _)
                | Op::Binary(BinOp::Max | BinOp::Min, ..)
        )
    });
    if !smooth {
        return None;
    }
    let value = |x: f64| scalar_at(p, f, at_time, x, &|_| None);
    let at = one_root(&value, lo, hi)?;
    let h = 1e-6 * (hi - lo);
    let slope = round_to((value(at + h)? - value(at - h)?) / (2.0 * h), 9);
    // The equation at the kink, at the data's time: `a u_t + c u_xx + (the rest)`.
    let residual = p.pdes[0].residual;
    // `coords` names a derivative of `u`, `None` names `u` itself: its coefficient in the
    // residual at the data's time and the point `x`, where the residual is affine in it.
    let coefficient = |coords: Option<&[Coord]>, x: f64| -> Option<f64> {
        let with = |v: f64| {
            scalar_at(p, residual, at_time, x, &|op: &Op| match op {
                Op::Deriv(0, c) if Some(c.as_slice()) == coords => Some(v),
                Op::U(0) if coords.is_none() => Some(v),
                Op::Deriv(..) | Op::U(_) => Some(0.0),
                // The checks read an unknown coefficient at its initial value.
                Op::Coef(k) => p.coefficients.get(*k).map(|c| c.init),
                _ => None,
            })
        };
        let (r0, r1, r2) = (with(0.0)?, with(1.0)?, with(2.0)?);
        let affine = ((r2 - r1) - (r1 - r0)).abs() <= 1e-9 * (1.0 + r1.abs() + r0.abs());
        affine.then_some(r1 - r0)
    };
    let space = Coord::Space {
        var: 0,
        comp: crate::ir::Comp::Scalar,
    };
    // In the time left, `u_tau = D u_xx + b u_x - rho u`: the equation's own signs for
    // terminal data and a backward equation, the opposite for initial data.
    let sign = if terminal { 1.0 } else { -1.0 };
    let time_coefficient = |x: f64| coefficient(Some(&[Coord::Time]), x);
    let per_time = |coords: Option<&[Coord]>, x: f64| -> Option<f64> {
        Some(sign * coefficient(coords, x)? / time_coefficient(x)?)
    };
    let h = 1e-4 * (hi - lo);
    // The value at the kink and the central difference across it, to nine digits (the
    // difference's rounding would otherwise print as 0.200000000002).
    let linear = |value: &dyn Fn(f64) -> Option<f64>| -> Option<Linear> {
        let l = Linear {
            at: round_to(value(at)?, 9),
            slope: round_to((value(at + h)? - value(at - h)?) / (2.0 * h), 9),
        };
        (l.at.is_finite() && l.slope.is_finite()).then_some(l)
    };
    let diffusion = per_time(Some(&[space, space]), at)?;
    if diffusion <= 0.0 || time.hi <= time.lo {
        return None;
    }
    let normal_vol =
        |x: f64| Some((2.0 * per_time(Some(&[space, space]), x)?).sqrt() * slope.abs());
    // The midpoint's volatility moves half as fast as the point's (the first term of the
    // normal volatility's expansion in the distance to the kink).
    let vol = linear(&normal_vol).map(|l| Linear {
        at: l.at,
        slope: round_to(l.slope / 2.0, 9),
    })?;
    if vol.at <= 0.0 {
        return None;
    }
    // Written in the trained coefficients, the volatility is the diffusion's root at the
    // midpoint between each point and the kink, not a line: it must be positive there.
    let symbolic = g.depends_on_coefficient(residual);
    let midpoints_diffuse = (0..=64).all(|i| {
        let x = lo + (hi - lo) * i as f64 / 64.0;
        per_time(Some(&[space, space]), 0.5 * (x + at)).is_some_and(|d| d > 0.0)
    });
    if symbolic && !midpoints_diffuse {
        return None;
    }
    // A first-order term or a discount that is not affine in `u` (a nonlinear equation) is
    // left out: the smoothing is then the driftless one, still exact at `tau = 0`.
    let drift = linear(&|x| per_time(Some(&[space]), x)).unwrap_or(Linear::ZERO);
    let discount = linear(&|x| Some(-per_time(None, x)?)).unwrap_or(Linear::ZERO);
    Some(Kink {
        data,
        f,
        terminal,
        at_time,
        at,
        slope,
        vol,
        drift,
        discount,
        symbolic,
    })
}

/// The one point of `[lo, hi]` where `value` changes sign, by bisection; `None` with none or
/// several (or where `value` cannot be read).
fn one_root(value: &dyn Fn(f64) -> Option<f64>, lo: f64, hi: f64) -> Option<f64> {
    let xs: Vec<f64> = (0..SCAN)
        .map(|i| lo + (hi - lo) * i as f64 / (SCAN - 1) as f64)
        .collect();
    let vs: Vec<f64> = xs.iter().map(|x| value(*x)).collect::<Option<_>>()?;
    // Sign changes between consecutive nonzero samples (a sample exactly at the root, zero,
    // lies inside the bracket of its neighbours).
    let nonzero: Vec<usize> = (0..SCAN).filter(|&i| vs[i] != 0.0).collect();
    let changes: Vec<(usize, usize)> = nonzero
        .windows(2)
        .filter(|w| vs[w[0]] * vs[w[1]] < 0.0)
        .map(|w| (w[0], w[1]))
        .collect();
    let [(i, j)] = changes.as_slice() else {
        return None;
    };
    let (mut a, mut b) = (xs[*i], xs[*j]);
    let fa = vs[*i];
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let fm = value(m)?;
        if fm == 0.0 {
            return Some(m);
        }
        if (fm < 0.0) == (fa < 0.0) {
            a = m;
        } else {
            b = m;
        }
    }
    Some(0.5 * (a + b))
}

/// `node` at time `t` and space point `x` (the unknown and its derivatives from `other`).
fn scalar_at(
    p: &Problem,
    node: NodeId,
    t: f64,
    x: f64,
    other: &dyn Fn(&Op) -> Option<f64>,
) -> Option<f64> {
    let g = &p.graph;
    let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
        let v = match op {
            Op::Input(Input::Time) => t,
            Op::Input(Input::Space(0)) => x,
            _ => other(op)?,
        };
        let dense = DenseLayout::of(g, ty);
        let n = dense.numel();
        Some(Dense {
            layout: dense,
            data: Cow::Owned(vec![v; n]),
        })
    };
    let v = eval_at(g, node, &value_of)?;
    (v.data.len() == 1 && v.data[0].is_finite()).then(|| v.data[0])
}

/// The smoothed data `exp(-rho tau) (F N(d) + w phi(d))`, `F = f + b f' tau`, `w = s_n
/// sqrt(tau')`, `d = F / w`, `tau' = tau + eps`, with the kink's linearised coefficients.
fn build(p: &mut Problem, k: &Kink) -> Option<NodeId> {
    let span = p.unknowns[0].span;
    let time = p.time.as_ref()?;
    let length = time.hi - time.lo;
    let (lo, hi) = p.space[0].domain.bounds()[0];
    let g = &mut p.graph;
    let c = |g: &mut crate::ir::Graph, v: f64| g.constant(v, span);
    let bin = |g: &mut crate::ir::Graph, op, a, b| g.binary(op, a, b, span).ok();
    let un = |g: &mut crate::ir::Graph, op, a| g.unary(op, a, span).ok();
    let t = g.add(Op::Input(Input::Time), Ty::scalar(), span);
    let x = g.add(Op::Input(Input::Space(0)), Ty::scalar(), span);
    let kink = c(g, k.at);
    let dx = bin(g, BinOp::Sub, x, kink)?;
    // `at + slope * (x - kink)`.
    let line = |g: &mut crate::ir::Graph, l: Linear| -> Option<NodeId> {
        let at = c(g, l.at);
        if l.slope == 0.0 {
            return Some(at);
        }
        let slope = c(g, l.slope);
        let moved = bin(g, BinOp::Mul, slope, dx)?;
        bin(g, BinOp::Add, at, moved)
    };
    let at = c(g, k.at_time);
    let tau = match k.terminal {
        true => bin(g, BinOp::Sub, at, t)?,
        false => bin(g, BinOp::Sub, t, at)?,
    };
    let eps = c(g, EPSILON * length);
    let shifted = bin(g, BinOp::Add, tau, eps)?;
    let root = un(g, UnOp::Sqrt, shifted)?;
    let (vol, drift, discount) = match k.symbolic {
        true => {
            let s = symbolic::build(p, k, x, span)?;
            (s.vol, s.drift, s.discount)
        }
        false => {
            let drift = match k.drift == Linear::ZERO {
                true => None,
                false => Some(line(&mut p.graph, k.drift)?),
            };
            let discount = match k.discount == Linear::ZERO {
                true => None,
                false => Some(line(&mut p.graph, k.discount)?),
            };
            (
                linear_vol(&mut p.graph, k, (lo, hi), dx, span)?,
                drift,
                discount,
            )
        }
    };
    let g = &mut p.graph;
    let width = bin(g, BinOp::Mul, vol, root)?;
    // `f` carried by the drift over the time left: `f + b f' tau`.
    let f = if let Some(drift) = drift {
        let slope = c(g, k.slope);
        let rate = bin(g, BinOp::Mul, drift, slope)?;
        let moved = bin(g, BinOp::Mul, rate, tau)?;
        bin(g, BinOp::Add, k.f, moved)?
    } else {
        k.f
    };
    let d = bin(g, BinOp::Div, f, width)?;
    // N(d) = (1 + erf(d / sqrt(2))) / 2; phi(d) = exp(-d^2 / 2) / sqrt(2 pi).
    let sqrt2 = c(g, std::f64::consts::SQRT_2);
    let scaled = bin(g, BinOp::Div, d, sqrt2)?;
    let erf = un(g, UnOp::Erf, scaled)?;
    let one = c(g, 1.0);
    let half = c(g, 0.5);
    let cdf = bin(g, BinOp::Add, one, erf)?;
    let cdf = bin(g, BinOp::Mul, half, cdf)?;
    let two = c(g, 2.0);
    let sq = bin(g, BinOp::Pow, d, two)?;
    let minus_half = c(g, -0.5);
    let exponent = bin(g, BinOp::Mul, minus_half, sq)?;
    let gauss = un(g, UnOp::Exp, exponent)?;
    let norm = c(g, (2.0 * std::f64::consts::PI).sqrt());
    let pdf = bin(g, BinOp::Div, gauss, norm)?;
    let intrinsic = bin(g, BinOp::Mul, f, cdf)?;
    let time_value = bin(g, BinOp::Mul, width, pdf)?;
    let smoothed = bin(g, BinOp::Add, intrinsic, time_value)?;
    let Some(rate) = discount else {
        return Some(smoothed);
    };
    // Discounted over the time left: `exp(-rho tau) * (...)`.
    let minus = c(g, -1.0);
    let rate = bin(g, BinOp::Mul, minus, rate)?;
    let exponent = bin(g, BinOp::Mul, rate, tau)?;
    let factor = un(g, UnOp::Exp, exponent)?;
    bin(g, BinOp::Mul, factor, smoothed)
}

/// The normal volatility's line at the kink where it stays above a quarter of its value at
/// the kink over the interval, else its exponential, positive everywhere with the same slope
/// there.
fn linear_vol(
    g: &mut crate::ir::Graph,
    k: &Kink,
    (lo, hi): (f64, f64),
    dx: NodeId,
    span: crate::source::Span,
) -> Option<NodeId> {
    let lowest = [lo, hi]
        .iter()
        .map(|end| k.vol.at + k.vol.slope * (end - k.at))
        .fold(f64::INFINITY, f64::min);
    let at = g.constant(k.vol.at, span);
    let slope = match lowest >= 0.25 * k.vol.at {
        true => k.vol.slope,
        false => k.vol.slope / k.vol.at,
    };
    let slope = g.constant(slope, span);
    let moved = g.binary(BinOp::Mul, slope, dx, span).ok()?;
    if lowest >= 0.25 * k.vol.at {
        return match k.vol.slope == 0.0 {
            true => Some(at),
            false => g.binary(BinOp::Add, at, moved, span).ok(),
        };
    }
    let grows = g.unary(UnOp::Exp, moved, span).ok()?;
    g.binary(BinOp::Mul, at, grows, span).ok()
}

/// `smoothed + tau * net` (`passes::ansatz_scale` then scales `net` to what `smoothed`
/// misses).
fn with_network(p: &mut Problem, k: &Kink, smoothed: NodeId) -> Option<NodeId> {
    let span = p.unknowns[0].span;
    let g = &mut p.graph;
    let t = g.add(Op::Input(Input::Time), Ty::scalar(), span);
    let at = g.constant(k.at_time, span);
    let tau = match k.terminal {
        true => g.binary(BinOp::Sub, at, t, span).ok()?,
        false => g.binary(BinOp::Sub, t, at, span).ok()?,
    };
    let net = g.add(Op::U(0), Ty::scalar(), span);
    let remainder = g.binary(BinOp::Mul, tau, net, span).ok()?;
    g.binary(BinOp::Add, smoothed, remainder, span).ok()
}

/// `x` to four significant digits (for the explanation).
fn significant(x: f64) -> f64 {
    round_to(x, 4)
}

/// `x` to `digits` significant digits.
pub(crate) fn round_to(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[cfg(test)]
pub(in crate::passes) mod tests;
