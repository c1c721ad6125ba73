//! A squared distance over a ball's points. Componentwise bounds see only the ball's
//! bounding box, where `sum(x * x)` reaches `d r^2`: the ansatz factor `1 - sum(x * x)` of
//! the unit ball in 100 dimensions would be bounded by [-99, 1] and its sign unproven. Over
//! the ball itself `|x - a|` lies in `[max(0, |c - a| - r), |c - a| + r]`, exactly.
//!
//! Recognised: `sum(x * x)`, `sum((x - a) ^ 2)`, `dot(x, x)` (so `norm(x)` too) and their
//! index forms `sum(i in 1..d) (x[i] - a[i]) * (x[i] - a[i])`, `a` a constant, `x` a space
//! variable declared in a ball and read whole.

use super::Interval;
use crate::ir::*;
use crate::passes::rounding;

/// The interval of `id` when it is such a sum over a ball; `None` otherwise.
pub(super) fn squared_distance(problem: &Problem, id: NodeId) -> Option<Interval> {
    let g = &problem.graph;
    let (summand, axis) = match g.op(id) {
        Op::ReduceVec(VecRed::Sum, v) => (*v, None),
        Op::Reduce(RedOp::Sum, axes, body) if axes.len() == 1 => (*body, Some(axes[0])),
        _ => return None,
    };
    let base = squared(g, summand)?;
    let (var, shift) = shifted(g, base, axis)?;
    let Domain::Ball { center, radius } = &problem.space.get(var)?.domain else {
        return None;
    };
    let n = center.len();
    if let Some(a) = axis
        && g.axis(a).len() != n
    {
        return None;
    }
    let shift = match shift {
        Shift::None => vec![0.0; n],
        Shift::All(v) => vec![v; n],
        Shift::Each(v) if v.len() == n => v,
        Shift::Each(_) => return None,
    };
    Some(over_ball(center, *radius, &shift))
}

/// `e` of `e * e` or `e ^ 2`.
fn squared(g: &Graph, n: NodeId) -> Option<NodeId> {
    match g.op(n) {
        Op::Binary(BinOp::Mul, a, b) if a == b => Some(*a),
        Op::Binary(BinOp::Pow, a, b) if g.as_const(*b) == Some(2.0) => Some(*a),
        _ => None,
    }
}

enum Shift {
    None,
    All(f64),
    Each(Vec<f64>),
}

/// `x - a` (or `x`): the space variable read whole (over `axis`, as `x[i]` with `i` over every
/// component) and the constant `a`.
fn shifted(g: &Graph, n: NodeId, axis: Option<AxisId>) -> Option<(usize, Shift)> {
    let whole = |m: NodeId| -> Option<usize> {
        match (g.op(m), axis) {
            (Op::Input(Input::Space(k)), None) if matches!(g.ty(m).shape, Shape::Vector(_)) => {
                Some(*k)
            }
            (Op::Index(base, sels), Some(a)) => match (g.op(*base), sels.as_slice()) {
                (Op::Input(Input::Space(k)), [Sel::Axis(b, 0)]) if *b == a => Some(*k),
                _ => None,
            },
            _ => None,
        }
    };
    if let Some(k) = whole(n) {
        return Some((k, Shift::None));
    }
    let Op::Binary(op @ (BinOp::Sub | BinOp::Add), x, a) = g.op(n) else {
        return None;
    };
    let k = whole(*x)?;
    let sign = if *op == BinOp::Sub { 1.0 } else { -1.0 };
    let shift = match g.op(*a) {
        Op::Const(r) => Shift::All(sign * r.0),
        // Along the sum's axis (folded from `a[i]`) or a whole vector: one entry per component.
        Op::Tensor(t) => {
            let ty = g.ty(*a);
            let along = match axis {
                Some(ax) => ty.axes == [ax] && ty.shape == Shape::Scalar,
                None => ty.axes.is_empty() && matches!(ty.shape, Shape::Vector(_)),
            };
            if !along {
                return None;
            }
            Shift::Each(g.tensors[*t].data.iter().map(|v| sign * v).collect())
        }
        _ => return None,
    };
    Some((k, shift))
}

/// `|x - a|^2` over the ball `|x - c| <= r`, rounded outward.
fn over_ball(center: &[f64], radius: f64, a: &[f64]) -> Interval {
    let (mut lo, mut hi) = (0.0, 0.0);
    for (c, a) in center.iter().zip(a) {
        let (dl, dh) = rounding::sub(*c, *a);
        let (small, large) = if dl <= 0.0 && dh >= 0.0 {
            (0.0, dl.abs().max(dh.abs()))
        } else {
            (dl.abs().min(dh.abs()), dl.abs().max(dh.abs()))
        };
        lo = rounding::add(lo, rounding::mul(small, small).0).0;
        hi = rounding::add(hi, rounding::mul(large, large).1).1;
    }
    let near = rounding::sub(rounding::sqrt(lo).0, radius).0.max(0.0);
    let far = rounding::add(rounding::sqrt(hi).1, radius).1;
    Interval {
        lo: rounding::mul(near, near).0.max(0.0),
        hi: rounding::mul(far, far).1,
    }
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    /// The sign the second-order analysis proves for `coefficient * lap(u)` over `domain`.
    fn sign(coefficient: &str, domain: &str) -> Result<f64, String> {
        let src = format!(
            "const d = 100\ntime t in [0, 1]\nspace x in {domain}\nunknown u(t, x)\n\
             pde d(u, t) = ({coefficient}) * lap(u)\ninitial u = 0\nboundary on(x): u = 0\n"
        );
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src,
            },
            &[],
        );
        let a = c.analysis.expect("an analysis");
        a.second_order[0]
            .factor
            .as_ref()
            .map(|f| f.sign)
            .map_err(|e| e.clone())
    }

    #[test]
    fn sums_of_squares_over_a_ball_are_bounded_over_the_ball() {
        let unit = "ball(d, center = 0, radius = 1)";
        for c in [
            "1 - sum(x * x)",
            "1 - sum(i in 1..d) x[i] * x[i]",
            "1 - sum(i in 1..d) x[i]^2",
            "1 - dot(x, x)",
            "1 - norm(x)^2",
            "1 - norm(x)",
            "4 - sum((x - 1) * (x - 1)) / d",
        ] {
            assert_eq!(sign(c, unit), Ok(-1.0), "{c}");
        }
        // Its bounding box has corners at |x|^2 = d: nothing proven there.
        let why = sign("1 - sum(x * x)", "[-1, 1]^d").expect_err("not proven");
        assert!(why.contains("may change sign"), "{why}");
        // Off centre: |x - c| <= 1/2 with |c| = 1 puts |x|^2 in [1/4, 9/4], and no further.
        let off = "ball(3, center = [1, 0, 0], radius = 0.5)";
        assert_eq!(sign("sum(x * x) - 0.24", off), Ok(-1.0));
        assert_eq!(sign("2.26 - sum(x * x)", off), Ok(-1.0));
        assert!(sign("sum(x * x) - 0.26", off).is_err());
        assert!(sign("2.24 - sum(x * x)", off).is_err());
        // Shifted towards the centre: |x - c| <= 1/2 exactly.
        let shifted = "sum(i in 1..3) (x[i] - [1, 0, 0][i])^2";
        assert_eq!(sign(&format!("0.2501 - {shifted}"), off), Ok(-1.0));
        assert!(sign(&format!("0.2499 - {shifted}"), off).is_err());
    }
}
