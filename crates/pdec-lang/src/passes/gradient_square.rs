//! First-order terms quadratic in the gradient: `c * |grad_x u|^2` (HJB's
//! `lambda * norm2(grad(u))`, eikonal- and KPZ-type terms), written as `norm2(grad(u))`,
//! `dot(grad(u), grad(u))`, `norm(grad(u))^2` or `sum(i) d(u, x[i])^2`, with `c` a scalar
//! free of the unknown.
//!
//! Computed exactly, such a term needs one tangent per component of `x`: in 100 dimensions
//! the whole pass carries 101 tangents for one scalar. On the Monte Carlo path it is
//! estimated from ONE directional derivative at the point: with `w ~ N(0, delta I)` (or
//! Rademacher `+-sqrt(delta)`), `E[w w^T] = delta I`, so `(w . grad u)^2 / delta` is an
//! unbiased estimate of `|grad u|^2` (no step size, so no bias in `delta` either). Each of the
//! two independent draws of the Monte Carlo loss gets its own `w`, which keeps the loss's
//! gradient unbiased (docs/METHOD.md section 4).

use super::second_order::{Path, Raw};
use crate::ir::*;
use serde::Serialize;

/// A recognised `coef * prod(factors) * sum_{k in offset..offset+len} (d u / d x_k)^2`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GradientSquareTerm {
    /// The term as it appears in the residual, in `.pde` notation.
    pub text: String,
    /// The term's node (its exact value).
    pub node: NodeId,
    pub coef: f64,
    /// Scalar factors free of the unknown (no index axes).
    pub factors: Vec<NodeId>,
    /// The space variable and its components.
    pub var: usize,
    pub offset: usize,
    pub len: usize,
    pub path: Path,
    pub why: String,
}

/// `(var, offset, len)` of `d` when it is `grad(u)` of a vector space variable.
fn whole_gradient(g: &Graph, d: NodeId) -> Option<(usize, usize, usize)> {
    let Op::Deriv(_, c) = g.op(d) else {
        return None;
    };
    let [
        Coord::Space {
            var,
            comp: Comp::Whole,
        },
    ] = c.as_slice()
    else {
        return None;
    };
    match g.ty(d).shape {
        Shape::Vector(len) if g.ty(d).axes.is_empty() => Some((*var, 0, len)),
        _ => None,
    }
}

/// `e * e` or `e ^ 2`: the `e`.
fn square_of(g: &Graph, n: NodeId) -> Option<NodeId> {
    match g.op(n) {
        Op::Binary(BinOp::Mul, a, b) if a == b => Some(*a),
        Op::Binary(BinOp::Pow, a, e) if g.as_const(*e) == Some(2.0) => Some(*a),
        _ => None,
    }
}

/// `sum(grad(u)^2)` (also from `dot(grad(u), grad(u))` and, squared back, `norm(grad(u))^2`).
fn whole_square(g: &Graph, n: NodeId) -> Option<(usize, usize, usize)> {
    if let Op::ReduceVec(VecRed::Sum, body) = g.op(n) {
        return whole_gradient(g, square_of(g, *body)?);
    }
    // norm(grad(u))^2 = sqrt(sum(grad(u) * grad(u)))^2.
    match g.op(square_of(g, n)?) {
        Op::Unary(UnOp::Sqrt, s) => whole_square(g, *s),
        _ => None,
    }
}

/// `d(u, x[i])` with `i` the axis `axis`: `(var, offset)`.
fn axis_derivative(g: &Graph, d: NodeId, axis: AxisId) -> Option<(usize, usize)> {
    let Op::Deriv(_, c) = g.op(d) else {
        return None;
    };
    match c.as_slice() {
        [
            Coord::Space {
                var,
                comp: Comp::Axis(a, offset),
            },
        ] if *a == axis => Some((*var, *offset)),
        _ => None,
    }
}

/// Does `root` hold a gradient square of several components, in any of the spellings
/// [`recognise`] reads (a sum over an index axis counts by its squared axis derivative)?
/// Asked before an ansatz is built: with `u = g + h * net` the square no longer has this
/// form, and its one-tangent estimate is lost.
pub fn appears_in(g: &Graph, root: NodeId) -> bool {
    let mut stack = vec![root];
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        let whole = whole_square(g, n).is_some_and(|(_, _, len)| len >= 2);
        let by_axis = match g.op(n) {
            Op::Reduce(RedOp::Sum, axes, body) => match axes.as_slice() {
                [a] => square_of(g, *body)
                    .and_then(|d| axis_derivative(g, d, *a))
                    .is_some_and(|_| g.axis(*a).len() >= 2),
                _ => false,
            },
            _ => false,
        };
        if whole || by_axis {
            return true;
        }
        stack.extend(children(g.op(n)));
    }
    false
}

/// Recognises a split term (see [`super::second_order`]) as a gradient square.
pub fn recognise(g: &Graph, raw: &Raw) -> Option<(f64, Vec<NodeId>, usize, usize, usize)> {
    let (u, rest): (Vec<NodeId>, Vec<NodeId>) =
        raw.factors.iter().partition(|f| g.depends_on_unknown(**f));
    let plain = rest.iter().all(|f| {
        let t = g.ty(*f);
        t.shape == Shape::Scalar && !t.boolean && t.axes.is_empty()
    });
    if !plain {
        return None;
    }
    let (var, offset, len) = match (raw.axes.as_slice(), u.as_slice()) {
        ([], [q]) => whole_square(g, *q)?,
        ([a], [q]) => {
            let (var, offset) = axis_derivative(g, square_of(g, *q)?, *a)?;
            (var, offset, g.axis(*a).len())
        }
        // Products are flattened: `d(u, x[i]) * d(u, x[i])` arrives as two equal factors.
        ([a], [p, q]) if p == q => {
            let (var, offset) = axis_derivative(g, *p, *a)?;
            (var, offset, g.axis(*a).len())
        }
        _ => return None,
    };
    // One component is one tangent either way: nothing to estimate.
    (len >= 2).then_some((raw.coef, rest, var, offset, len))
}

/// Applies `second_order` to the gradient squares. `auto` estimates them when the work they
/// replace (with the second-order directions) reaches `auto_mc_threshold` and no second-order
/// term is computed exactly: exact second-order directions already carry a tangent per
/// component, and the gradient is then free.
pub fn choose_paths(
    terms: &mut [GradientSquareTerm],
    settings: &crate::settings::PlanSettings,
    second: &[super::second_order::SecondOrderTerm],
) {
    use crate::settings::SecondOrder;
    let second_dirs: usize = second
        .iter()
        .filter(|t| t.factor.is_ok())
        .map(|t| t.directions)
        .sum();
    let any_exact = second.iter().any(|t| t.path == Path::Exact);
    for t in terms.iter_mut() {
        (t.path, t.why) = match settings.second_order {
            SecondOrder::Exact => (Path::Exact, "second_order = exact".into()),
            SecondOrder::MonteCarlo { .. } => {
                (Path::MonteCarlo, "second_order = monte_carlo".into())
            }
            SecondOrder::Auto if any_exact => (
                Path::Exact,
                "auto: the exact second-order directions already carry the gradient".into(),
            ),
            SecondOrder::Auto => {
                let total = second_dirs + t.len;
                if total >= settings.auto_mc_threshold {
                    (
                        Path::MonteCarlo,
                        format!(
                            "auto: {total} directions (second order and gradient) >= auto_mc_threshold = {}",
                            settings.auto_mc_threshold
                        ),
                    )
                } else {
                    (
                        Path::Exact,
                        format!(
                            "auto: {total} directions (second order and gradient) < auto_mc_threshold = {}; exact is cheap",
                            settings.auto_mc_threshold
                        ),
                    )
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    fn squares(pde: &str, sets: &[&str]) -> Vec<super::GradientSquareTerm> {
        let src = format!(
            "time t in [0, 1]\nspace x in [-1, 1]^4\nunknown u(t, x)\nboundary none\npde {pde}\nterminal u = 0\n"
        );
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src,
            },
            &sets,
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        c.analysis.expect("analysed").gradient_squares
    }

    #[test]
    fn every_spelling_of_the_gradient_square_is_recognised() {
        for (pde, coef) in [
            ("d(u, t) + lap(u) - 2 * norm2(grad(u)) = 0", -2.0),
            ("d(u, t) + lap(u) = dot(grad(u), grad(u))", -1.0),
            ("d(u, t) + lap(u) - norm(grad(u))^2 / 4 = 0", -0.25),
            ("d(u, t) + lap(u) + sum(i in 1..4) d(u, x[i])^2 = 0", 1.0),
            (
                "d(u, t) + lap(u) + sum(i in 1..4) d(u, x[i]) * d(u, x[i]) = 0",
                1.0,
            ),
        ] {
            let q = squares(pde, &[]);
            assert_eq!(q.len(), 1, "{pde}");
            assert_eq!((q[0].offset, q[0].len), (0, 4), "{pde}");
            assert!((q[0].coef - coef).abs() < 1e-12, "{pde}: {}", q[0].coef);
            assert_eq!(q[0].path, super::Path::Exact, "{pde}: 8 directions < 16");
        }
        // A part of the gradient, with a coefficient that varies in space.
        let q = squares(
            "d(u, t) + lap(u) - x[1]^2 * sum(i in 2..4) d(u, x[i])^2 = 0",
            &[],
        );
        assert_eq!((q[0].offset, q[0].len, q[0].factors.len()), (1, 3, 1));
    }

    #[test]
    fn weighted_or_nonlinear_forms_are_not_gradient_squares() {
        for pde in [
            // A weight per component is not |grad u|^2.
            "d(u, t) + lap(u) - sum(i in 1..4) x[i] * d(u, x[i])^2 = 0",
            // Times the unknown.
            "d(u, t) + lap(u) - u * norm2(grad(u)) = 0",
            // One component.
            "d(u, t) + lap(u) - d(u, x[1])^2 = 0",
            // Not a square.
            "d(u, t) + lap(u) - norm(grad(u)) = 0",
        ] {
            assert!(squares(pde, &[]).is_empty(), "{pde}");
        }
    }

    #[test]
    fn the_path_follows_the_second_order_setting_and_the_threshold() {
        let pde = "d(u, t) + lap(u) - norm2(grad(u)) = 0";
        let mc = squares(pde, &["auto_mc_threshold=4"]);
        assert_eq!(mc[0].path, super::Path::MonteCarlo, "{}", mc[0].why);
        // Without second-order terms the gradient's own components count.
        let first = "d(u, t) - norm2(grad(u)) = 0";
        assert_eq!(
            squares(first, &["auto_mc_threshold=4"])[0].path,
            super::Path::MonteCarlo
        );
        assert_eq!(
            squares(first, &["auto_mc_threshold=5"])[0].path,
            super::Path::Exact
        );
        let q = squares(pde, &["second_order=monte_carlo()"]);
        assert_eq!(q[0].path, super::Path::MonteCarlo);
        let q = squares(pde, &["second_order=exact", "auto_mc_threshold=1"]);
        assert_eq!(q[0].path, super::Path::Exact);
        // An exact Laplacian already carries every gradient component.
        let q = squares(pde, &["auto_mc_threshold=6"]);
        assert_eq!(q[0].path, super::Path::Exact, "{}", q[0].why);
        assert!(q[0].why.contains("already carry"), "{}", q[0].why);
    }
}
