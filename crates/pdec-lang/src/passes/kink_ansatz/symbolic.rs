//! The smoothing's coefficients written in the equation's unknown coefficients. Where the
//! equation reads an `unknown const` (an implied volatility: `0.5 * sigma^2 * s^2 *
//! d(u, s, s)` with `sigma` trained), numbers linearised before training would smooth the
//! payoff with the initial guess, and the residual of the mis-smoothed data then pulls the
//! coefficient towards the guess (measured: `sigma` 0.593 from prices made at 0.25 with the
//! guess 0.4). Here the diffusion, drift and discount rate are the equation's own
//! expressions, read off its residual with the derivatives set to numbers and evaluated at
//! the time of the data: the smoothing is the leading-order solution near the kink for
//! whatever value the training gives the coefficient.

use super::Kink;
use crate::ir::{BinOp, Coord, Graph, Input, NodeId, Op, Problem, UnOp};
use crate::source::Span;

/// What a term of the residual is multiplied by: `None` names `u`, else a derivative.
type Target<'a> = Option<&'a [Coord]>;

/// The normal volatility `sqrt(2 D) |f'|` at the midpoint between `x` and the kink, the drift
/// `b` at `x` and the discount rate `rho` at `x`, as nodes (`None` for a drift or discount
/// the numeric probe found not affine or absent).
pub(super) struct Coefficients {
    pub vol: NodeId,
    pub drift: Option<NodeId>,
    pub discount: Option<NodeId>,
}

pub(super) fn build(p: &mut Problem, k: &Kink, x: NodeId, span: Span) -> Option<Coefficients> {
    let residual = p.pdes[0].residual;
    let space = Coord::Space {
        var: 0,
        comp: crate::ir::Comp::Scalar,
    };
    let g = &mut p.graph;
    let sign = if k.terminal { 1.0 } else { -1.0 };
    let at_time = k.at_time;
    // `sign * coefficient / (the coefficient of d(u, t))` at the point `at`.
    let per_time = |g: &mut Graph, target: Target, at: NodeId| -> Option<NodeId> {
        let c = coefficient(g, residual, target, at_time, at, span)?;
        let time = coefficient(g, residual, Some(&[Coord::Time]), at_time, at, span)?;
        let ratio = g.binary(BinOp::Div, c, time, span).ok()?;
        let sign = g.constant(sign, span);
        g.binary(BinOp::Mul, sign, ratio, span).ok()
    };
    // The midpoint `(x + kink) / 2`.
    let kink = g.constant(k.at, span);
    let sum = g.binary(BinOp::Add, x, kink, span).ok()?;
    let half = g.constant(0.5, span);
    let mid = g.binary(BinOp::Mul, half, sum, span).ok()?;
    let diffusion = per_time(g, Some(&[space, space]), mid)?;
    // Lifted far below the kink's own variance (smoothly: the ansatz is differentiated): a
    // coefficient trained to zero leaves a steep smoothing, not a division by zero. The
    // diffusion itself is positive at the midpoints for the coefficients' initial values
    // (`find` checks it).
    let two = g.constant(2.0, span);
    let variance = g.binary(BinOp::Mul, two, diffusion, span).ok()?;
    let floor = g.constant(1e-12 * (k.vol.at / k.slope.abs()).powi(2), span);
    let variance = g.binary(BinOp::Add, variance, floor, span).ok()?;
    let root = g.unary(UnOp::Sqrt, variance, span).ok()?;
    let slope = g.constant(k.slope.abs(), span);
    let vol = g.binary(BinOp::Mul, root, slope, span).ok()?;
    let drift = match k.drift == super::Linear::ZERO {
        true => None,
        false => Some(per_time(g, Some(&[space]), x)?),
    };
    let discount = match k.discount == super::Linear::ZERO {
        true => None,
        false => {
            let minus = per_time(g, None, x)?;
            let neg = g.constant(-1.0, span);
            Some(g.binary(BinOp::Mul, neg, minus, span).ok()?)
        }
    };
    Some(Coefficients {
        vol,
        drift,
        discount,
    })
}

/// The coefficient of `target` in the residual, which the numeric probe found affine in it:
/// the residual with that term's factor set to 1 and every other derivative (and `u`) to 0,
/// less the residual with all of them 0, at the time `at_time` and the space point `at`.
fn coefficient(
    g: &mut Graph,
    residual: NodeId,
    target: Target,
    at_time: f64,
    at: NodeId,
    span: Span,
) -> Option<NodeId> {
    let with = |g: &mut Graph, one: bool| -> Option<NodeId> {
        let map = crate::ir::replace::replace(g, &[residual], |g, node| {
            Ok::<_, crate::ir::TypeError>(match &node.op {
                Op::Deriv(0, c) => {
                    let hit = one && target == Some(c.as_slice());
                    Some(g.constant(if hit { 1.0 } else { 0.0 }, span))
                }
                Op::U(0) => Some(g.constant(if one && target.is_none() { 1.0 } else { 0.0 }, span)),
                Op::Input(Input::Time) => Some(g.constant(at_time, span)),
                Op::Input(Input::Space(0)) => Some(at),
                _ => None,
            })
        })
        .ok()?;
        map.get(&residual).copied()
    };
    let r1 = with(g, true)?;
    let r0 = with(g, false)?;
    g.binary(BinOp::Sub, r1, r0, span).ok()
}
