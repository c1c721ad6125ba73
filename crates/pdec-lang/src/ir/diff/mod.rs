//! Symbolic differentiation of IR expressions along one coordinate (time or a space
//! component), used to expand `div(F)` into derivative nodes (product and chain rules), so
//! that `div(a * grad(u))` reaches the second-order analysis as `a * lap(u) + grad(a) .
//! grad(u)`, and to write an `ansatz`'s derivatives in those of the network.

mod diag_sum;
use super::*;

/// Why an expression has no derivative here.
#[derive(Clone, Debug, PartialEq)]
pub enum DiffError {
    /// The expression uses an operation that has no derivative here (e.g. `sign`, `min`).
    NotDifferentiable(&'static str),
    /// Differentiating would need third or higher derivatives of the unknown.
    OrderTooHigh,
    Type(TypeError),
}

impl From<TypeError> for DiffError {
    fn from(e: TypeError) -> DiffError {
        DiffError::Type(e)
    }
}

/// `d(node) / d(x_var[comp])` where `comp` is a scalar component (fixed or axis).
pub fn diff(
    g: &mut Graph,
    id: NodeId,
    var: usize,
    comp: Comp,
    span: Span,
) -> Result<NodeId, DiffError> {
    diff_along(g, id, Coord::Space { var, comp }, span)
}

/// Where a derivative must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kinks {
    /// Everywhere, as a residual uses it: a switch of `if`, `max`, `min` or `abs` that the
    /// coordinate moves is refused (its derivative holds a delta no pointwise value shows).
    Refused,
    /// Only at points off every switch, as a check at random points uses it: each side's
    /// derivative, a `sign` constant.
    Sided,
}

/// `d(node) / d(coord)`: along time, or along a scalar component (fixed or axis) of a space
/// variable.
pub fn diff_along(
    g: &mut Graph,
    id: NodeId,
    coord: Coord,
    span: Span,
) -> Result<NodeId, DiffError> {
    diff_with(g, id, coord, span, Kinks::Refused)
}

/// [`diff_along`], with kinks as `kinks` says.
pub fn diff_with(
    g: &mut Graph,
    id: NodeId,
    coord: Coord,
    span: Span,
    kinks: Kinks,
) -> Result<NodeId, DiffError> {
    let d = diff_node(g, id, coord, span, kinks)?;
    // A named node's derivative prints as the derivative of the name.
    if let Some(l) = g.labels.get(&id).cloned()
        && !g.is_constant(d)
    {
        let mut coords = l.coords;
        coords.push(coord);
        g.labels.entry(d).or_insert(super::Label {
            text: l.text,
            coords,
        });
    }
    Ok(d)
}

fn diff_node(
    g: &mut Graph,
    id: NodeId,
    coord: Coord,
    span: Span,
    kinks: Kinks,
) -> Result<NodeId, DiffError> {
    let diff_along = |g: &mut Graph, id, coord, span| diff_with(g, id, coord, span, kinks);
    let zero = g.constant(0.0, span);
    let one = g.constant(1.0, span);
    // Time has no components: `var` never matches a space input when differentiating in t.
    let (var, comp) = match coord {
        Coord::Time => (usize::MAX, Comp::Scalar),
        Coord::Space { var, comp } => (var, comp),
    };
    let op = g.op(id).clone();
    Ok(match op {
        // A coefficient is constant in the inputs.
        Op::Const(_) | Op::Tensor(_) | Op::AxisValue(_) | Op::Coef(_) => zero,
        Op::Input(Input::Time) if coord == Coord::Time => one,
        Op::Input(Input::Space(v)) if v == var => {
            // x (a whole vector) differentiated along one component: a unit vector.
            match g.ty(id).shape {
                Shape::Scalar => one,
                Shape::Vector(n) => unit_vector(g, n, comp, span)?,
                Shape::Matrix(..) => return Err(DiffError::NotDifferentiable("a matrix input")),
            }
        }
        Op::Input(_) => zero,
        Op::Index(base, sels) => {
            if let Op::Input(Input::Space(v)) = g.op(base).clone()
                && v == var
                && sels.len() == 1
            {
                // d x[s] / d x[comp] = [s == comp]
                return kronecker(g, sels[0], comp, span);
            }
            let db = diff_along(g, base, coord, span)?;
            if g.as_const(db) == Some(0.0) {
                zero
            } else {
                g.index(db, &sels, span)?
            }
        }
        Op::U(k) => g.deriv(k, vec![coord], &[], span),
        Op::Deriv(k, mut coords) => {
            if coords.len() >= 2 {
                return Err(DiffError::OrderTooHigh);
            }
            let dims = g.ty(id).shape.dims();
            coords.push(coord);
            g.deriv(k, coords, &dims, span)
        }
        Op::NormalDeriv(_) => return Err(DiffError::OrderTooHigh),
        // Only boundary residuals hold it, and nothing differentiates those.
        Op::Normal(_) => return Err(DiffError::NotDifferentiable("a face's normal")),
        Op::Unary(u, a) => {
            let da = diff_along(g, a, coord, span)?;
            if g.as_const(da) == Some(0.0) {
                return Ok(zero);
            }
            if u == UnOp::Sign && kinks == Kinks::Sided {
                return Ok(zero);
            }
            diff_unary(g, id, u, a, da, one, span)?
        }
        Op::Binary(b, x, y) => {
            let dx = diff_along(g, x, coord, span)?;
            let dy = diff_along(g, y, coord, span)?;
            diff_binary(g, id, b, (x, dx), (y, dy), (zero, one), span)?
        }
        Op::Select(c, a, b) => {
            // Where the condition switches as the coordinate moves, the selected expression
            // has a kink or a jump (a first derivative of `max`, `min` or `abs` always jumps
            // there): its derivative holds a delta that no pointwise residual can see, so
            // dropping it would change the problem silently.
            let input = match coord {
                Coord::Time => Input::Time,
                Coord::Space { .. } => Input::Space(var),
            };
            if kinks == Kinks::Refused && (g.depends_on_input(c, input) || g.depends_on_unknown(c))
            {
                return Err(DiffError::NotDifferentiable(
                    "a kink or jump (the switch of `if`, `max`, `min` or `abs`)",
                ));
            }
            let da = diff_along(g, a, coord, span)?;
            let db = diff_along(g, b, coord, span)?;
            g.select(c, da, db, span)?
        }
        Op::Reduce(r, axes, body) => {
            if r != RedOp::Sum {
                return Err(DiffError::NotDifferentiable("`prod` over an index"));
            }
            if let Coord::Space { var, comp } = coord
                && let Some(d) = diag_sum::diff_reduce(g, &axes, body, (var, comp), span, kinks)?
            {
                return Ok(d);
            }
            let db = diff_along(g, body, coord, span)?;
            g.reduce(RedOp::Sum, &axes, db, span)?
        }
        Op::ReduceVec(r, v) => {
            if r == VecRed::Sum
                && let Coord::Space { var, comp } = coord
                && let Some(d) = diag_sum::diff_reduce_vec(g, v, (var, comp), span, kinks)?
            {
                return Ok(d);
            }
            let dv = diff_along(g, v, coord, span)?;
            match r {
                VecRed::Sum => g.reduce_vec(VecRed::Sum, dv, span)?,
                VecRed::Mean => g.reduce_vec(VecRed::Mean, dv, span)?,
                _ => {
                    return Err(DiffError::NotDifferentiable(
                        "`prod`, `max` or `min` of a vector",
                    ));
                }
            }
        }
        Op::Stack(items) => {
            let mut d = Vec::new();
            for i in items {
                d.push(diff_along(g, i, coord, span)?);
            }
            g.stack(&d, span)?
        }
    })
}

/// The chain rule for `u(a)` (node `id`), given `da = d(a)` (not zero): `u'(a) * da`.
fn diff_unary(
    g: &mut Graph,
    id: NodeId,
    u: UnOp,
    a: NodeId,
    da: NodeId,
    one: NodeId,
    span: Span,
) -> Result<NodeId, DiffError> {
    let outer = match u {
        UnOp::Neg => return Ok(g.unary(UnOp::Neg, da, span)?),
        UnOp::Exp => id,
        UnOp::Log => g.binary(BinOp::Div, one, a, span)?,
        UnOp::Sqrt => {
            let two = g.constant(2.0, span);
            let den = g.binary(BinOp::Mul, two, id, span)?;
            g.binary(BinOp::Div, one, den, span)?
        }
        UnOp::Sin => g.unary(UnOp::Cos, a, span)?,
        UnOp::Cos => {
            let s = g.unary(UnOp::Sin, a, span)?;
            g.unary(UnOp::Neg, s, span)?
        }
        UnOp::Tanh => {
            let sq = g.binary(BinOp::Mul, id, id, span)?;
            g.binary(BinOp::Sub, one, sq, span)?
        }
        UnOp::Sinh => g.unary(UnOp::Cosh, a, span)?,
        UnOp::Cosh => g.unary(UnOp::Sinh, a, span)?,
        UnOp::Abs => g.unary(UnOp::Sign, a, span)?,
        UnOp::Atan => {
            let sq = g.binary(BinOp::Mul, a, a, span)?;
            let den = g.binary(BinOp::Add, one, sq, span)?;
            g.binary(BinOp::Div, one, den, span)?
        }
        UnOp::Tan => {
            let c = g.unary(UnOp::Cos, a, span)?;
            let c2 = g.binary(BinOp::Mul, c, c, span)?;
            g.binary(BinOp::Div, one, c2, span)?
        }
        UnOp::Erf => {
            let sq = g.binary(BinOp::Mul, a, a, span)?;
            let neg = g.unary(UnOp::Neg, sq, span)?;
            let e = g.unary(UnOp::Exp, neg, span)?;
            let k = g.constant(2.0 / std::f64::consts::PI.sqrt(), span);
            g.binary(BinOp::Mul, k, e, span)?
        }
        // Piecewise constant: zero wherever it is differentiable, as in every autodiff
        // framework (`mod(x, L)` then has the derivative 1 of its sawtooth).
        UnOp::Floor => g.constant(0.0, span),
        UnOp::Sign | UnOp::Not => return Err(DiffError::NotDifferentiable("`sign`")),
    };
    Ok(g.binary(BinOp::Mul, outer, da, span)?)
}

/// The derivative of `x b y` (node `id`) from `x`, `y` and their derivatives `dx`, `dy`:
/// sum, product, quotient and power rules; `min`/`max` select a side; comparisons and
/// logic are piecewise constant (`zero`).
fn diff_binary(
    g: &mut Graph,
    id: NodeId,
    b: BinOp,
    (x, dx): (NodeId, NodeId),
    (y, dy): (NodeId, NodeId),
    (zero, one): (NodeId, NodeId),
    span: Span,
) -> Result<NodeId, DiffError> {
    Ok(match b {
        BinOp::Add | BinOp::Sub => g.binary(b, dx, dy, span)?,
        BinOp::Mul => {
            let l = g.binary(BinOp::Mul, dx, y, span)?;
            let r = g.binary(BinOp::Mul, x, dy, span)?;
            g.binary(BinOp::Add, l, r, span)?
        }
        BinOp::Div => {
            // (dx - (x / y) dy) / y
            let q = g.binary(BinOp::Div, x, y, span)?;
            let t = g.binary(BinOp::Mul, q, dy, span)?;
            let n = g.binary(BinOp::Sub, dx, t, span)?;
            g.binary(BinOp::Div, n, y, span)?
        }
        BinOp::Pow => {
            if g.is_constant(y) {
                // y x^(y-1) dx
                let ym1 = g.binary(BinOp::Sub, y, one, span)?;
                let p = g.binary(BinOp::Pow, x, ym1, span)?;
                let c = g.binary(BinOp::Mul, y, p, span)?;
                g.binary(BinOp::Mul, c, dx, span)?
            } else {
                // x^y (dy log x + y dx / x)
                let lx = g.unary(UnOp::Log, x, span)?;
                let a = g.binary(BinOp::Mul, dy, lx, span)?;
                let q = g.binary(BinOp::Div, dx, x, span)?;
                let b2 = g.binary(BinOp::Mul, y, q, span)?;
                let s = g.binary(BinOp::Add, a, b2, span)?;
                g.binary(BinOp::Mul, id, s, span)?
            }
        }
        BinOp::Min | BinOp::Max => {
            let c = g.binary(
                if b == BinOp::Max {
                    BinOp::Ge
                } else {
                    BinOp::Le
                },
                x,
                y,
                span,
            )?;
            g.select(c, dx, dy, span)?
        }
        _ => zero,
    })
}

/// The unit vector `e_comp` of length n.
fn unit_vector(g: &mut Graph, n: usize, comp: Comp, span: Span) -> Result<NodeId, DiffError> {
    let mut items = Vec::with_capacity(n);
    for k in 0..n {
        items.push(kronecker(g, Sel::Fixed(k), comp, span)?);
    }
    Ok(g.stack(&items, span)?)
}

/// `[component s == component comp]` as a (possibly axis-dependent) constant.
fn kronecker(g: &mut Graph, s: Sel, comp: Comp, span: Span) -> Result<NodeId, DiffError> {
    let as_value = |g: &mut Graph, sel: Sel| -> Result<NodeId, TypeError> {
        Ok(match sel {
            Sel::Fixed(k) => g.constant(k as f64, span),
            Sel::Axis(a, off) => {
                let lo = g.axis(a).lo;
                let av = g.add(
                    Op::AxisValue(a),
                    Ty {
                        axes: vec![a],
                        shape: Shape::Scalar,
                        boolean: false,
                    },
                    span,
                );
                let shift = g.constant(off as f64 - lo as f64, span);
                g.binary(BinOp::Add, av, shift, span)?
            }
        })
    };
    let c = match comp {
        Comp::Fixed(k) => Sel::Fixed(k),
        Comp::Axis(a, o) => Sel::Axis(a, o),
        Comp::Scalar => Sel::Fixed(0),
        Comp::Whole => return Err(DiffError::NotDifferentiable("a whole vector")),
    };
    if s == c {
        return Ok(g.constant(1.0, span));
    }
    let a = as_value(g, s)?;
    let b = as_value(g, c)?;
    let eq = g.binary(BinOp::Eq, a, b, span)?;
    let one = g.constant(1.0, span);
    let zero = g.constant(0.0, span);
    Ok(g.select(eq, one, zero, span)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    #[test]
    fn divergence_of_a_scaled_gradient_has_the_product_rule_terms() {
        // d/dx (a(x) * du/dx) with a = x^2, in one dimension: 2x u_x + x^2 u_xx.
        let sp = Span::new(FileId(0), 0, 0);
        let mut g = Graph::default();
        let x = g.add(Op::Input(Input::Space(0)), Ty::scalar(), sp);
        let two = g.constant(2.0, sp);
        let a = g.binary(BinOp::Pow, x, two, sp).expect("power");
        let ux = g.deriv(
            0,
            vec![Coord::Space {
                var: 0,
                comp: Comp::Scalar,
            }],
            &[],
            sp,
        );
        let f = g.binary(BinOp::Mul, a, ux, sp).expect("product");
        let d = diff(&mut g, f, 0, Comp::Scalar, sp).expect("differentiable");
        let uxx = g.deriv(
            0,
            vec![
                Coord::Space {
                    var: 0,
                    comp: Comp::Scalar
                };
                2
            ],
            &[],
            sp,
        );
        // The result mentions both u_x and u_xx.
        let has = |g: &Graph, n: NodeId| g.any(d, &mut |op| op == g.op(n));
        assert!(has(&g, ux) && has(&g, uxx));
    }

    /// `max(1 - x, 0)` has a first derivative (a step) but no second: the step's derivative
    /// is a delta at `x = 1`. Time does not move the switch, so the time derivative is fine.
    #[test]
    fn a_kink_is_differentiated_once_along_the_coordinate_that_moves_it() {
        let sp = Span::new(FileId(0), 0, 0);
        let mut g = Graph::default();
        let x = g.add(Op::Input(Input::Space(0)), Ty::scalar(), sp);
        let one = g.constant(1.0, sp);
        let zero = g.constant(0.0, sp);
        let ramp = g.binary(BinOp::Sub, one, x, sp).expect("1 - x");
        let payoff = g.binary(BinOp::Max, ramp, zero, sp).expect("max");
        let dx = diff(&mut g, payoff, 0, Comp::Scalar, sp).expect("a first derivative");
        assert!(matches!(
            diff(&mut g, dx, 0, Comp::Scalar, sp),
            Err(DiffError::NotDifferentiable(_))
        ));
        assert!(diff_along(&mut g, dx, Coord::Time, sp).is_ok());
    }

    /// Side by side, the same kink has a second derivative: each side's (zero here), valid
    /// at every point off the switch.
    #[test]
    fn side_by_side_a_kink_is_differentiated_on_each_side() {
        let sp = Span::new(FileId(0), 0, 0);
        let mut g = Graph::default();
        let x = g.add(Op::Input(Input::Space(0)), Ty::scalar(), sp);
        let one = g.constant(1.0, sp);
        let zero = g.constant(0.0, sp);
        let ramp = g.binary(BinOp::Sub, one, x, sp).expect("1 - x");
        let payoff = g.binary(BinOp::Max, ramp, zero, sp).expect("max");
        let along = Coord::Space {
            var: 0,
            comp: Comp::Scalar,
        };
        let dx = diff_with(&mut g, payoff, along, sp, Kinks::Sided).expect("first");
        let dxx = diff_with(&mut g, dx, along, sp, Kinks::Sided).expect("second");
        let sign = g.unary(UnOp::Sign, x, sp).expect("sign");
        assert_eq!(diff_with(&mut g, sign, along, sp, Kinks::Sided), Ok(zero));
        let value = |g: &Graph, n: NodeId, at: f64| {
            let v =
                crate::ir::eval::eval_at(g, n, &|_, _| Some(crate::ir::eval::Dense::scalar(at)));
            v.expect("a value").data[0]
        };
        assert_eq!((value(&g, dx, 0.5), value(&g, dx, 2.0)), (-1.0, 0.0));
        assert_eq!(value(&g, dxx, 0.5), 0.0);
    }
}
