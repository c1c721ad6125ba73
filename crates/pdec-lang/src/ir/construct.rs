//! Typed constructors for IR nodes: they infer the result type, reject ill-typed
//! combinations with a [`TypeError`] (the checker turns it into a diagnostic with spans),
//! apply light algebraic simplification, and fold constant operands.

use super::eval::{self, Dense};
use super::*;

#[derive(Clone, Debug, PartialEq)]
pub enum TypeError {
    ShapeMismatch(Shape, Shape),
    NotIndexable(Shape),
    WrongIndexCount { shape: Shape, given: usize },
    IndexOutOfRange { len: usize, lo: i64, hi: i64 },
    BooleanExpected,
    BooleanArithmetic,
    SumBodyNotScalar(Shape),
    VectorExpected(Shape),
    ScalarEntryExpected(Shape),
    TooLarge,
}

fn union_axes(a: &[AxisId], b: &[AxisId]) -> Vec<AxisId> {
    let mut v: Vec<AxisId> = a.iter().chain(b).copied().collect();
    v.sort();
    v.dedup();
    v
}

fn broadcast_shape(a: Shape, b: Shape) -> Result<Shape, TypeError> {
    match (a, b) {
        (Shape::Scalar, s) | (s, Shape::Scalar) => Ok(s),
        (x, y) if x == y => Ok(x),
        (x, y) => Err(TypeError::ShapeMismatch(x, y)),
    }
}

impl Graph {
    /// Adds `op` with type `ty`, folding it to a constant when all children are constant.
    fn finish(&mut self, op: Op, ty: Ty, span: Span) -> Result<NodeId, TypeError> {
        if self.nodes.len() >= max_nodes() {
            return Err(TypeError::TooLarge);
        }
        let foldable =
            !children(&op).is_empty() && children(&op).iter().all(|c| self.is_constant(*c));
        if foldable {
            if self.numel(&ty) > max_tensor() {
                return Err(TypeError::TooLarge);
            }
            if let Some(d) = eval::fold(self, &op, &ty) {
                return Ok(self.from_dense(d, ty, span));
            }
        }
        Ok(self.add(op, ty, span))
    }

    /// A constant node from a dense value of type `ty`.
    pub fn from_dense(&mut self, d: Dense<'_>, ty: Ty, span: Span) -> NodeId {
        if d.data.len() == 1 && ty.axes.is_empty() && ty.shape == Shape::Scalar {
            let mut id = self.constant(d.data[0], span);
            if ty.boolean {
                id = self.add(self.op(id).clone(), ty, span);
            }
            return id;
        }
        self.tensors.push(Tensor {
            data: d.data.into_owned(),
        });
        let k = self.tensors.len() - 1;
        self.add(Op::Tensor(k), ty, span)
    }

    pub fn unary(&mut self, op: UnOp, a: NodeId, span: Span) -> Result<NodeId, TypeError> {
        let ta = self.ty(a).clone();
        let boolean = match op {
            UnOp::Not => {
                if !ta.boolean {
                    return Err(TypeError::BooleanExpected);
                }
                true
            }
            _ => {
                if ta.boolean {
                    return Err(TypeError::BooleanArithmetic);
                }
                false
            }
        };
        if op == UnOp::Neg {
            match self.op(a).clone() {
                Op::Unary(UnOp::Neg, inner) => return Ok(inner),
                // -(c * x) = (-c) * x keeps coefficients readable.
                Op::Binary(BinOp::Mul, c, x) if self.as_const(c).is_some() => {
                    let span2 = self.node(c).span;
                    let neg = self.constant(-self.as_const(c).unwrap_or(0.0), span2);
                    return self.binary(BinOp::Mul, neg, x, span);
                }
                _ => {}
            }
        }
        let ty = Ty { boolean, ..ta };
        self.finish(Op::Unary(op, a), ty, span)
    }

    pub fn binary(
        &mut self,
        op: BinOp,
        a: NodeId,
        b: NodeId,
        span: Span,
    ) -> Result<NodeId, TypeError> {
        let (ta, tb) = (self.ty(a).clone(), self.ty(b).clone());
        let logical = matches!(op, BinOp::And | BinOp::Or);
        if logical && !(ta.boolean && tb.boolean) {
            return Err(TypeError::BooleanExpected);
        }
        if !logical && (ta.boolean || tb.boolean) {
            return Err(TypeError::BooleanArithmetic);
        }
        let shape = broadcast_shape(ta.shape, tb.shape)?;
        let ty = Ty {
            axes: union_axes(&ta.axes, &tb.axes),
            shape,
            boolean: logical || op.is_comparison(),
        };
        // Identities that keep derivative terms recognisable.
        let (ca, cb) = (self.as_const(a), self.as_const(b));
        let same_ty = |g: &Graph, n: NodeId| *g.ty(n) == ty;
        match op {
            BinOp::Add if ca == Some(0.0) && same_ty(self, b) => return Ok(b),
            BinOp::Add | BinOp::Sub if cb == Some(0.0) && same_ty(self, a) => return Ok(a),
            BinOp::Mul if ca == Some(1.0) && same_ty(self, b) => return Ok(b),
            BinOp::Mul | BinOp::Div if cb == Some(1.0) && same_ty(self, a) => return Ok(a),
            BinOp::Pow if cb == Some(1.0) && same_ty(self, a) => return Ok(a),
            BinOp::Mul if (ca == Some(0.0) || cb == Some(0.0)) => {
                let zero = self.constant(0.0, span);
                return self.broadcast_to(zero, &ty, span);
            }
            BinOp::Sub if ca == Some(0.0) && same_ty(self, b) => {
                return self.unary(UnOp::Neg, b, span);
            }
            // `norm(v)^2` is the sum of squares: its derivatives then have no `1 / norm(v)`,
            // which is 0 / 0 at `v = 0` (the origin of `norm(x)^2` data).
            BinOp::Pow if cb == Some(2.0) => {
                if let Some(squares) = self.sum_of_squares_under_sqrt(a)
                    && same_ty(self, squares)
                {
                    return Ok(squares);
                }
            }
            _ => {}
        }
        self.finish(Op::Binary(op, a, b), ty, span)
    }

    /// `s` where `a` is `sqrt(s)` with `s = sum(v * v)` (a norm), else `None`.
    fn sum_of_squares_under_sqrt(&self, a: NodeId) -> Option<NodeId> {
        let Op::Unary(UnOp::Sqrt, s) = *self.op(a) else {
            return None;
        };
        let Op::ReduceVec(VecRed::Sum, m) = *self.op(s) else {
            return None;
        };
        matches!(*self.op(m), Op::Binary(BinOp::Mul, x, y) if x == y).then_some(s)
    }

    /// A value of type `ty` equal to the scalar constant `c` (folded).
    fn broadcast_to(&mut self, c: NodeId, ty: &Ty, span: Span) -> Result<NodeId, TypeError> {
        if self.ty(c) == ty {
            return Ok(c);
        }
        let v = self.as_const(c).unwrap_or(0.0);
        let n = self.numel(ty);
        if n > max_tensor() {
            return Err(TypeError::TooLarge);
        }
        Ok(self.from_dense(
            Dense {
                layout: eval::Layout::of(self, ty),
                data: std::borrow::Cow::Owned(vec![v; n]),
            },
            ty.clone(),
            span,
        ))
    }

    pub fn select(
        &mut self,
        c: NodeId,
        a: NodeId,
        b: NodeId,
        span: Span,
    ) -> Result<NodeId, TypeError> {
        let (tc, ta, tb) = (self.ty(c).clone(), self.ty(a).clone(), self.ty(b).clone());
        if !tc.boolean {
            return Err(TypeError::BooleanExpected);
        }
        if ta.boolean != tb.boolean {
            return Err(TypeError::BooleanArithmetic);
        }
        let shape = broadcast_shape(broadcast_shape(tc.shape, ta.shape)?, tb.shape)?;
        let ty = Ty {
            axes: union_axes(&union_axes(&tc.axes, &ta.axes), &tb.axes),
            shape,
            boolean: ta.boolean,
        };
        if a == b {
            return Ok(a);
        }
        self.finish(Op::Select(c, a, b), ty, span)
    }

    /// `base[sels]`: each selector consumes one positional dimension.
    pub fn index(&mut self, base: NodeId, sels: &[Sel], span: Span) -> Result<NodeId, TypeError> {
        let tb = self.ty(base).clone();
        let dims = tb.shape.dims();
        if dims.is_empty() {
            return Err(TypeError::NotIndexable(tb.shape));
        }
        if sels.len() > dims.len() {
            return Err(TypeError::WrongIndexCount {
                shape: tb.shape,
                given: sels.len(),
            });
        }
        let mut axes = tb.axes.clone();
        for (s, len) in sels.iter().zip(&dims) {
            match *s {
                Sel::Fixed(k) => {
                    if k >= *len {
                        return Err(TypeError::IndexOutOfRange {
                            len: *len,
                            lo: k as i64 + 1,
                            hi: k as i64 + 1,
                        });
                    }
                }
                Sel::Axis(a, off) => {
                    let ax = self.axis(a);
                    if off + ax.len() > *len {
                        return Err(TypeError::IndexOutOfRange {
                            len: *len,
                            lo: ax.lo,
                            hi: ax.hi,
                        });
                    }
                    axes.push(a);
                }
            }
        }
        axes.sort();
        axes.dedup();
        let rest = &dims[sels.len()..];
        let shape = match rest {
            [] => Shape::Scalar,
            [n] => Shape::Vector(*n),
            _ => Shape::Matrix(rest[0], rest[1]),
        };
        let ty = Ty {
            axes,
            shape,
            boolean: tb.boolean,
        };
        // Push indexing into derivatives and elementwise operations so that `grad(u)[i]`
        // becomes `d(u, x[i])`, which the second-order analysis recognises.
        match self.op(base).clone() {
            Op::Deriv(unknown, coords) => {
                let mut coords = coords;
                let mut it = sels.iter();
                for c in coords.iter_mut() {
                    if let Coord::Space { comp, .. } = c
                        && *comp == Comp::Whole
                    {
                        match it.next() {
                            Some(Sel::Fixed(k)) => *comp = Comp::Fixed(*k),
                            Some(Sel::Axis(a, o)) => *comp = Comp::Axis(*a, *o),
                            None => break,
                        }
                    }
                }
                return self.finish(Op::Deriv(unknown, coords), ty, span);
            }
            // Elementwise operands are scalars or of the base's shape, so a row of a matrix
            // (`(nu * grad(U))[1]`) is pushed in as well as an entry.
            Op::Binary(op, a, b) if sels.len() == dims.len() || dims.len() == 2 => {
                let ia = self.index_if_shaped(a, sels, span)?;
                let ib = self.index_if_shaped(b, sels, span)?;
                return self.binary(op, ia, ib, span);
            }
            Op::Unary(op, a) if sels.len() == dims.len() || dims.len() == 2 => {
                let ia = self.index(a, sels, span)?;
                return self.unary(op, ia, span);
            }
            Op::Select(c, a, b) if sels.len() == dims.len() || dims.len() == 2 => {
                let ic = self.index_if_shaped(c, sels, span)?;
                let ia = self.index_if_shaped(a, sels, span)?;
                let ib = self.index_if_shaped(b, sels, span)?;
                return self.select(ic, ia, ib, span);
            }
            // A row of a stack is its item; a column of a stack of vectors is the stack of
            // the items' entries (so `grad(U)[i, j]` is `U[i]`'s `d(., x[j])` under `i`).
            Op::Stack(items) => {
                if let Sel::Fixed(k) = sels[0] {
                    return match &sels[1..] {
                        [] => Ok(items[k]),
                        rest => self.index(items[k], rest, span),
                    };
                }
                if let [row, column] = sels {
                    let mut entries = Vec::with_capacity(items.len());
                    for i in &items {
                        entries.push(self.index(*i, &[*column], span)?);
                    }
                    let stacked = self.stack(&entries, span)?;
                    return self.index(stacked, &[*row], span);
                }
            }
            _ => {}
        }
        self.finish(Op::Index(base, sels.to_vec()), ty, span)
    }

    fn index_if_shaped(
        &mut self,
        n: NodeId,
        sels: &[Sel],
        span: Span,
    ) -> Result<NodeId, TypeError> {
        if self.ty(n).shape == Shape::Scalar {
            Ok(n)
        } else {
            self.index(n, sels, span)
        }
    }

    /// `sum`/`prod` over index axes. Axes the body does not depend on multiply (or power)
    /// by their length.
    pub fn reduce(
        &mut self,
        op: RedOp,
        axes: &[AxisId],
        body: NodeId,
        span: Span,
    ) -> Result<NodeId, TypeError> {
        let tb = self.ty(body).clone();
        if tb.boolean {
            return Err(TypeError::BooleanArithmetic);
        }
        if tb.shape != Shape::Scalar {
            return Err(TypeError::SumBodyNotScalar(tb.shape));
        }
        let (present, absent): (Vec<AxisId>, Vec<AxisId>) =
            axes.iter().partition(|a| tb.axes.contains(a));
        let mut result = body;
        if !present.is_empty() {
            let ty = Ty {
                axes: tb
                    .axes
                    .iter()
                    .filter(|a| !present.contains(a))
                    .copied()
                    .collect(),
                shape: Shape::Scalar,
                boolean: false,
            };
            // Sums distribute over + and -, which keeps each PDE term separate.
            if op == RedOp::Sum
                && let Op::Binary(bop @ (BinOp::Add | BinOp::Sub), a, b) = self.op(body).clone()
            {
                let ra = self.reduce(op, &present, a, span)?;
                let rb = self.reduce(op, &present, b, span)?;
                result = self.binary(bop, ra, rb, span)?;
            } else {
                result = self.finish(Op::Reduce(op, present, body), ty, span)?;
            }
        }
        let count: usize = absent.iter().map(|a| self.axis(*a).len()).product();
        if count != 1 || !absent.is_empty() {
            let c = self.constant(count as f64, span);
            result = match op {
                RedOp::Sum => self.binary(BinOp::Mul, c, result, span)?,
                RedOp::Prod => self.binary(BinOp::Pow, result, c, span)?,
            };
        }
        Ok(result)
    }

    pub fn reduce_vec(&mut self, op: VecRed, v: NodeId, span: Span) -> Result<NodeId, TypeError> {
        let tv = self.ty(v).clone();
        if tv.boolean {
            return Err(TypeError::BooleanArithmetic);
        }
        match tv.shape {
            Shape::Vector(_) => {}
            s => return Err(TypeError::VectorExpected(s)),
        }
        let ty = Ty {
            axes: tv.axes,
            shape: Shape::Scalar,
            boolean: false,
        };
        self.finish(Op::ReduceVec(op, v), ty, span)
    }

    /// Scalars stacked into a vector, or vectors of one length into a matrix whose rows
    /// they are (the Jacobian `grad(U)` of a vector unknown: row `i` is `grad(U[i])`).
    pub fn stack(&mut self, items: &[NodeId], span: Span) -> Result<NodeId, TypeError> {
        let mut axes = Vec::new();
        let item_shape = items.first().map_or(Shape::Scalar, |i| self.ty(*i).shape);
        for i in items {
            let t = self.ty(*i);
            let fits = match item_shape {
                Shape::Scalar | Shape::Vector(_) => t.shape == item_shape,
                Shape::Matrix(..) => false,
            };
            if !fits || t.boolean {
                return Err(TypeError::ScalarEntryExpected(t.shape));
            }
            axes = union_axes(&axes, &t.axes);
        }
        let shape = match item_shape {
            Shape::Vector(d) => Shape::Matrix(items.len(), d),
            _ => Shape::Vector(items.len()),
        };
        let ty = Ty {
            axes,
            shape,
            boolean: false,
        };
        self.finish(Op::Stack(items.to_vec()), ty, span)
    }

    /// A derivative node; its type has one positional dimension per `Whole` coordinate.
    /// `d(u_k, coords...)`: a partial derivative of unknown `unknown`, `dims` its positional
    /// shape (a gradient's components).
    pub fn deriv(
        &mut self,
        unknown: usize,
        coords: Vec<Coord>,
        dims: &[usize],
        span: Span,
    ) -> NodeId {
        let mut axes: Vec<AxisId> = coords
            .iter()
            .filter_map(|c| match c {
                Coord::Space {
                    comp: Comp::Axis(a, _),
                    ..
                } => Some(*a),
                _ => None,
            })
            .collect();
        axes.sort();
        axes.dedup();
        let shape = match dims {
            [] => Shape::Scalar,
            [n] => Shape::Vector(*n),
            [n, m, ..] => Shape::Matrix(*n, *m),
        };
        // Mixed partials commute: keep coordinates in a canonical order.
        let mut coords = coords;
        if coords.iter().all(|c| {
            !matches!(
                c,
                Coord::Space {
                    comp: Comp::Whole,
                    ..
                }
            )
        }) {
            coords.sort();
        }
        self.add(
            Op::Deriv(unknown, coords),
            Ty {
                axes,
                shape,
                boolean: false,
            },
            span,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn sp() -> Span {
        Span::new(FileId(0), 0, 0)
    }

    #[test]
    fn constants_fold_and_index_sums_stay_vectorised() {
        let mut g = Graph::default();
        let (two, three) = (g.constant(2.0, sp()), g.constant(3.0, sp()));
        let six = g
            .binary(BinOp::Mul, two, three, sp())
            .expect("scalars multiply");
        assert_eq!(g.as_const(six), Some(6.0));

        // sum(i in 1..1000) x[i]^2 is four nodes, not a thousand.
        let x = g.add(
            Op::Input(Input::Space(0)),
            Ty::of_shape(Shape::Vector(1000)),
            sp(),
        );
        let i = g.new_axis("i", 1, 1000);
        let xi = g.index(x, &[Sel::Axis(i, 0)], sp()).expect("in range");
        let sq = g.binary(BinOp::Pow, xi, two, sp()).expect("scalar power");
        let before = g.len();
        let s = g.reduce(RedOp::Sum, &[i], sq, sp()).expect("scalar body");
        assert_eq!(g.len(), before + 1);
        assert_eq!(g.ty(s).axes, Vec::<AxisId>::new());

        // Building the same expression again returns the same node.
        let again = g.index(x, &[Sel::Axis(i, 0)], sp()).expect("in range");
        assert_eq!(again, xi);
    }

    #[test]
    fn a_norm_squared_is_its_sum_of_squares_and_other_roots_stay() {
        let mut g = Graph::default();
        let x = g.add(
            Op::Input(Input::Space(0)),
            Ty::of_shape(Shape::Vector(3)),
            sp(),
        );
        let two = g.constant(2.0, sp());
        let sq = g.binary(BinOp::Mul, x, x, sp()).expect("same shape");
        let sum = g.reduce_vec(VecRed::Sum, sq, sp()).expect("a vector");
        let norm = g.unary(UnOp::Sqrt, sum, sp()).expect("a scalar");
        assert_eq!(g.binary(BinOp::Pow, norm, two, sp()), Ok(sum));
        // sqrt(s)^2 of any other s keeps its root (s may be negative: NaN stays NaN).
        let first = g.index(x, &[Sel::Fixed(0)], sp()).expect("in range");
        let root = g.unary(UnOp::Sqrt, first, sp()).expect("a scalar");
        let squared = g.binary(BinOp::Pow, root, two, sp()).expect("a power");
        assert!(matches!(g.op(squared), Op::Binary(BinOp::Pow, ..)));
    }

    #[test]
    fn type_errors_are_values_not_panics() {
        let mut g = Graph::default();
        let v2 = g.add(
            Op::Input(Input::Space(0)),
            Ty::of_shape(Shape::Vector(2)),
            sp(),
        );
        let v3 = g.add(
            Op::Input(Input::Space(1)),
            Ty::of_shape(Shape::Vector(3)),
            sp(),
        );
        assert_eq!(
            g.binary(BinOp::Add, v2, v3, sp()),
            Err(TypeError::ShapeMismatch(Shape::Vector(2), Shape::Vector(3)))
        );
        assert!(matches!(
            g.index(v2, &[Sel::Fixed(2)], sp()),
            Err(TypeError::IndexOutOfRange { len: 2, .. })
        ));
        let c = g.constant(1.0, sp());
        assert_eq!(
            g.index(c, &[Sel::Fixed(0)], sp()),
            Err(TypeError::NotIndexable(Shape::Scalar))
        );
    }

    #[test]
    fn indexing_a_gradient_gives_a_partial_derivative() {
        let mut g = Graph::default();
        let grad = g.deriv(
            0,
            vec![Coord::Space {
                var: 0,
                comp: Comp::Whole,
            }],
            &[5],
            sp(),
        );
        let k = g.index(grad, &[Sel::Fixed(3)], sp()).expect("in range");
        assert_eq!(
            g.op(k),
            &Op::Deriv(
                0,
                vec![Coord::Space {
                    var: 0,
                    comp: Comp::Fixed(3)
                }]
            )
        );
    }
}
