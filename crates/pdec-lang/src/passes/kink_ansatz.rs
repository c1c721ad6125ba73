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
//! `D`, is what the solution looks like near the kink to leading order. The compiler writes
//! `u = g + tau * net`: the data hold exactly at `tau = 0` (the ansatz pass checks it, as for
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
    let why = format!(
        "the {} data `{}` have a kink at {} = {}; the data smoothed by the equation's diffusion over the time left (normal volatility {} at the kink) plus {} * net impose them exactly and leave the network a smooth remainder (`kink_ansatz = none` keeps the condition as a loss term)",
        if found.terminal {
            "terminal"
        } else {
            "initial"
        },
        crate::ir::print::Printer { problem }.expr(found.data),
        problem.space[0].name,
        crate::syntax::print::format_number(significant(found.at)),
        crate::syntax::print::format_number(significant(found.normal_vol)),
        if found.terminal {
            "(T - t)"
        } else {
            "(t - t0)"
        },
    );
    let Some(node) = build(problem, &found) else {
        return;
    };
    let span = problem.unknowns[0].span;
    problem.unknowns[0].ansatz = Some(Ansatz {
        node,
        space_gradient: Vec::new(),
        span,
        chosen: Some(why),
    });
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
    /// `s_n = sqrt(2 D) |f'|` at the kink.
    normal_vol: f64,
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
    let slope = (value(at + h)? - value(at - h)?) / (2.0 * h);
    // The equation at the kink, at the data's time: `a u_t + c u_xx + (the rest)`.
    let residual = p.pdes[0].residual;
    let coefficient = |coords: &[Coord]| -> Option<f64> {
        let with = |v: f64| {
            scalar_at(p, residual, at_time, at, &|op: &Op| match op {
                Op::Deriv(0, c) if c.as_slice() == coords => Some(v),
                Op::Deriv(..) | Op::U(_) => Some(0.0),
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
    let a = coefficient(&[Coord::Time])?;
    let c = coefficient(&[space, space])?;
    // Terminal data and a backward equation: u_tau = (c / a) u_xx; initial: -(c / a).
    let diffusion = if terminal { c / a } else { -c / a };
    // Nine digits: the central difference's rounding would otherwise print as 0.200000000002.
    let normal_vol = round_to((2.0 * diffusion).sqrt() * slope.abs(), 9);
    (diffusion > 0.0 && normal_vol.is_finite() && normal_vol > 0.0 && time.hi > time.lo).then_some(
        Kink {
            data,
            f,
            terminal,
            at_time,
            at,
            normal_vol,
        },
    )
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

/// `f N(d) + s sqrt(tau') phi(d) + tau * net`, `d = f / (s sqrt(tau'))`, `tau' = tau + eps`.
fn build(p: &mut Problem, k: &Kink) -> Option<NodeId> {
    let span = p.unknowns[0].span;
    let time = p.time.as_ref()?;
    let length = time.hi - time.lo;
    let g = &mut p.graph;
    let c = |g: &mut crate::ir::Graph, v: f64| g.constant(v, span);
    let bin = |g: &mut crate::ir::Graph, op, a, b| g.binary(op, a, b, span).ok();
    let un = |g: &mut crate::ir::Graph, op, a| g.unary(op, a, span).ok();
    let t = g.add(Op::Input(Input::Time), Ty::scalar(), span);
    let at = c(g, k.at_time);
    let tau = match k.terminal {
        true => bin(g, BinOp::Sub, at, t)?,
        false => bin(g, BinOp::Sub, t, at)?,
    };
    let eps = c(g, EPSILON * length);
    let shifted = bin(g, BinOp::Add, tau, eps)?;
    let root = un(g, UnOp::Sqrt, shifted)?;
    let vol = c(g, k.normal_vol);
    let width = bin(g, BinOp::Mul, vol, root)?;
    let d = bin(g, BinOp::Div, k.f, width)?;
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
    let intrinsic = bin(g, BinOp::Mul, k.f, cdf)?;
    let time_value = bin(g, BinOp::Mul, width, pdf)?;
    let smoothed = bin(g, BinOp::Add, intrinsic, time_value)?;
    let net = g.add(Op::U(0), Ty::scalar(), span);
    let remainder = bin(g, BinOp::Mul, tau, net)?;
    bin(g, BinOp::Add, smoothed, remainder)
}

/// `x` to four significant digits (for the explanation).
fn significant(x: f64) -> f64 {
    round_to(x, 4)
}

/// `x` to `digits` significant digits.
fn round_to(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    /// The compiled problem's ansatz explanation and imposed conditions.
    fn chosen(src: &str, sets: &[&str]) -> (Option<String>, Vec<String>) {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &sets.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let p = c.checked.expect("checked").problem;
        let why = p.unknowns[0].ansatz.as_ref().and_then(|a| a.chosen.clone());
        (why, p.imposed)
    }

    const CALL: &str = "time t in [0, 1]\nspace s in [0.01, 3]\nunknown u(t, s)\n\
        pde d(u, t) + 0.5 * 0.2^2 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
        terminal u = max(s - 1.2, 0)\nboundary s = 0.01: u = 0\n\
        boundary s = 3: u = s - 1.2 * exp(-0.05 * (1 - t))\n";

    #[test]
    fn a_call_payoff_is_smoothed_with_the_normal_volatility_at_the_strike() {
        let (why, imposed) = chosen(CALL, &[]);
        let why = why.expect("an ansatz for the kinked payoff");
        // sigma K = 0.2 * 1.2: the diffusion 0.02 s^2 at s = 1.2.
        assert!(
            why.contains("kink at s = 1.2") && why.contains("volatility 0.24"),
            "{why}"
        );
        assert_eq!(imposed, vec!["terminal".to_string()]);
        let (none, imposed) = chosen(CALL, &["kink_ansatz=none"]);
        assert!(none.is_none() && imposed.is_empty());
    }

    #[test]
    fn initial_data_of_a_forward_equation_are_smoothed_too() {
        // u_t = u_xx: diffusion 1, f = 2 (x - 0.25), normal volatility sqrt(2) * 2.
        let src = "time t in [0, 0.5]\nspace x in [-1, 1]\nunknown u(t, x)\n\
                   pde d(u, t) = d(u, x, x)\ninitial u = max(2 * (x - 0.25), 0)\n\
                   boundary on(x): u = 0\n";
        let (why, imposed) = chosen(src, &[]);
        let why = why.expect("an ansatz");
        assert!(
            why.contains("initial") && why.contains("volatility 2.828"),
            "{why}"
        );
        assert_eq!(imposed, vec!["initial".to_string()]);
    }

    #[test]
    fn nothing_is_built_where_a_piece_is_missing() {
        let cases = [
            // An American option: exercised, the solution is its payoff.
            format!("{CALL}constraint u >= max(s - 1.2, 0)\n"),
            // The kink outside the domain: smooth data.
            CALL.replace("max(s - 1.2, 0)", "max(s - 5, 0)"),
            // A kink inside f itself.
            CALL.replace("max(s - 1.2, 0)", "max(abs(s - 1.2) - 0.1, 0)"),
            // Two sign changes.
            CALL.replace("max(s - 1.2, 0)", "max((s - 1) * (s - 2), 0)"),
            // A parameter.
            CALL.replace("time t", "param k in [1, 2]\ntime t")
                .replace("max(s - 1.2, 0)", "max(s - k, 0)"),
            // The user's own ansatz.
            format!("{CALL}ansatz u = max(s - 1.2, 0) + (1 - t) * net\n"),
            // A diffusion of the wrong sign for terminal data is the checker's business; a
            // forward equation with terminal data never gets here. An equation without a
            // second derivative has no diffusion to smooth with.
            "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) + d(u, x) = 0\n\
             terminal u = max(x - 0.5, 0)\nboundary x = 0: u = 0\n"
                .to_string(),
        ];
        for src in &cases {
            let c = crate::driver::compile(
                SourceFile {
                    name: "t.pde".into(),
                    text: src.clone(),
                },
                &[],
            );
            let Some(checked) = c.checked else { continue };
            let chosen = checked.problem.unknowns[0]
                .ansatz
                .as_ref()
                .and_then(|a| a.chosen.clone());
            assert!(chosen.is_none(), "{src}: {chosen:?}");
        }
    }
}
