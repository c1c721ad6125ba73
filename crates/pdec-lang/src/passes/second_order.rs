//! The second-order analysis: split the PDE residual into additive terms, classify each by
//! derivative order, and for terms linear in second derivatives find
//! `sum_ij C_ij(x) d2u/dxi dxj` with `C = sign * s * D L L^T D` (`s >= 0` a scalar function,
//! `D` diagonal, `L` constant), which is what the Monte Carlo estimator needs (`B = sqrt(s) D L`).
//!
//! Recognised shapes: a 1-D `c(x) * d(u, x, x)`; one diagonal entry `c * d(u, x[k], x[k])`;
//! diagonal sums `sum(i) c_i * d(u, x[i], x[i])` (including `lap`); and the correlated form
//! `sum(i, j) s * a_i * M[i, j] * a_j * d(u, x[i], x[j])` with a constant symmetric positive
//! semi-definite `M`, factored by Cholesky here, at compile time. Signs of coefficients that
//! vary with the inputs are proven with interval bounds over the declared ranges.

use super::bounds::Bounds;
use super::linalg;
use crate::ir::*;
use serde::Serialize;

/// `L` in `C = sign * s * D L L^T D`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TriangularFactor {
    /// `L = I` over the components `offset .. offset + len` (1-D: the scalar 1).
    Identity { offset: usize, len: usize },
    /// A single component: `L = e_k`.
    Unit { component: usize },
    /// A constant lower-triangular factor stored in [`Graph::tensors`] (`len x len`, row-major)
    /// over the components `offset .. offset + len`; `rank` non-zero columns.
    Cholesky {
        tensor: usize,
        offset: usize,
        len: usize,
        rank: usize,
    },
}

/// The per-component factor `D = diag(d_k)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiagFactor {
    /// A scalar node with one axis ranging over the components.
    pub node: NodeId,
    pub axis: AxisId,
    /// Take the square root of the node (it is proven non-negative).
    pub sqrt: bool,
}

/// `C = sign * s * D L L^T D` in one space variable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Factor {
    pub var: usize,
    pub sign: f64,
    /// `s >= 0`, a scalar node without axes; `None` means 1.
    pub scale: Option<NodeId>,
    pub diag: Option<DiagFactor>,
    pub triangular: TriangularFactor,
}

impl Factor {
    /// Columns of `B`: second-order directions on the exact path, noise dimension on the
    /// Monte Carlo path.
    pub fn columns(&self) -> usize {
        match self.triangular {
            TriangularFactor::Identity { len, .. } => len,
            TriangularFactor::Unit { .. } => 1,
            TriangularFactor::Cholesky { rank, .. } => rank,
        }
    }
}

/// How a second-order term is computed: exactly (one direction per column of `B`) or by
/// the Monte Carlo estimator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    Exact,
    MonteCarlo,
}

/// A term linear in second space derivatives, with its factor and chosen path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecondOrderTerm {
    /// The term as it appears in the residual, in `.pde` notation.
    pub text: String,
    /// The term's node (its value, computed exactly); the residual is the sum of all terms.
    pub node: NodeId,
    /// `Ok` when the term factors as `B B^T`; otherwise why not.
    pub factor: Result<Factor, String>,
    /// The equation it is a term of (index into `Problem::pdes`): each equation chooses
    /// its own path.
    pub equation: usize,
    /// The unknown (network output) whose second derivatives it holds.
    pub unknown: usize,
    /// Second-order directions the exact path needs.
    pub directions: usize,
    pub path: Path,
    pub why: String,
    #[serde(skip)]
    pub span: crate::source::Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermClass {
    /// No unknown: a source or forcing term.
    Source,
    /// Zero and first derivatives only.
    FirstOrder,
    /// Linear in second space derivatives (see [`SecondOrderTerm`]).
    SecondOrder,
    /// Second derivatives in time, mixed time-space, or nonlinear in second derivatives:
    /// always exact.
    OtherSecondOrder,
}

/// One additive term of the residual as printed, with its derivative order and class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Term {
    pub text: String,
    pub node: NodeId,
    /// The equation it is a term of (index into `Problem::pdes`).
    pub equation: usize,
    /// The unknown of its second derivative, for a term linear in one.
    pub unknown: Option<usize>,
    pub order: usize,
    pub class: TermClass,
}

/// One additive term of the residual: `coef * prod(factors)`, summed over `axes`.
#[derive(Clone, Debug)]
pub struct Raw {
    pub coef: f64,
    pub factors: Vec<NodeId>,
    pub axes: Vec<AxisId>,
    pub span: crate::source::Span,
}

/// Why a correlated term cannot take the Monte Carlo path when its constant matrix is
/// indefinite (`passes::choose_paths` gives it its own diagnostic code).
pub const INDEFINITE: &str = "the constant coefficient matrix is indefinite (neither positive nor negative semi-definite), so it has no factor B with C = B B^T";

/// More terms than this after distributing products over sums: keep the expression whole.
const MAX_TERMS: usize = 256;

fn split(g: &mut Graph, id: NodeId) -> Vec<Raw> {
    let span = g.node(id).span;
    let whole = || {
        vec![Raw {
            coef: 1.0,
            factors: vec![id],
            axes: vec![],
            span,
        }]
    };
    let depends = g.depends_on_unknown(id);
    match g.op(id).clone() {
        Op::Const(r) => vec![Raw {
            coef: r.0,
            factors: vec![],
            axes: vec![],
            span,
        }],
        _ if !depends => whole(),
        Op::Binary(BinOp::Add, a, b) => {
            let mut v = split(g, a);
            v.extend(split(g, b));
            v
        }
        Op::Binary(BinOp::Sub, a, b) => {
            let mut v = split(g, a);
            v.extend(split(g, b).into_iter().map(|mut r| {
                r.coef = -r.coef;
                r
            }));
            v
        }
        Op::Unary(UnOp::Neg, a) => split(g, a)
            .into_iter()
            .map(|mut r| {
                r.coef = -r.coef;
                r
            })
            .collect(),
        Op::Binary(BinOp::Mul, a, b) => {
            let (sa, sb) = (split(g, a), split(g, b));
            if sa.len() * sb.len() > MAX_TERMS {
                return whole();
            }
            let mut v = Vec::new();
            for x in &sa {
                for y in &sb {
                    let mut axes = x.axes.clone();
                    axes.extend(&y.axes);
                    v.push(Raw {
                        coef: x.coef * y.coef,
                        factors: x.factors.iter().chain(&y.factors).copied().collect(),
                        axes,
                        span: x.span.to(y.span),
                    });
                }
            }
            v
        }
        Op::Binary(BinOp::Div, a, b) if !g.depends_on_unknown(b) => {
            let span = g.node(b).span;
            let one = g.constant(1.0, span);
            let Ok(inv) = g.binary(BinOp::Div, one, b, span) else {
                return whole();
            };
            split(g, a)
                .into_iter()
                .map(|mut r| {
                    r.factors.push(inv);
                    r
                })
                .collect()
        }
        Op::Reduce(RedOp::Sum, axes, body) => split(g, body)
            .into_iter()
            .map(|mut r| {
                r.axes.extend(&axes);
                r
            })
            .collect(),
        _ => whole(),
    }
}

/// Products inside factors become separate factors; constant scalars join the coefficient.
fn flatten(g: &Graph, r: Raw) -> Raw {
    let mut coef = r.coef;
    let mut out = Vec::new();
    let mut stack: Vec<NodeId> = r.factors.into_iter().rev().collect();
    while let Some(f) = stack.pop() {
        match g.op(f) {
            Op::Binary(BinOp::Mul, a, b) => {
                stack.push(*b);
                stack.push(*a);
            }
            Op::Unary(UnOp::Neg, a) => {
                coef = -coef;
                stack.push(*a);
            }
            Op::Const(c) if g.ty(f).axes.is_empty() && g.ty(f).shape == Shape::Scalar => {
                coef *= c.0
            }
            _ => out.push(f),
        }
    }
    Raw {
        coef,
        factors: out,
        ..r
    }
}

fn product(g: &mut Graph, factors: &[NodeId], span: crate::source::Span) -> Option<NodeId> {
    let mut acc = g.constant(1.0, span);
    for f in factors {
        acc = g.binary(BinOp::Mul, acc, *f, span).ok()?;
    }
    Some(acc)
}

/// Is `a` the same expression as `b` once axis `from` is renamed `to`?
fn same_modulo_axis(g: &Graph, a: NodeId, b: NodeId, from: AxisId, to: AxisId) -> bool {
    let (na, nb) = (g.node(a), g.node(b));
    let rename = |x: AxisId| if x == from { to } else { x };
    let ty_ok = {
        let mut ax: Vec<AxisId> = na.ty.axes.iter().map(|x| rename(*x)).collect();
        ax.sort();
        ax == nb.ty.axes && na.ty.shape == nb.ty.shape
    };
    if !ty_ok {
        return false;
    }
    let kids = |x: &[NodeId], y: &[NodeId]| {
        x.len() == y.len()
            && x.iter()
                .zip(y)
                .all(|(p, q)| same_modulo_axis(g, *p, *q, from, to))
    };
    match (&na.op, &nb.op) {
        (Op::AxisValue(x), Op::AxisValue(y)) => rename(*x) == *y,
        (Op::Tensor(x), Op::Tensor(y)) => {
            // Equal data over renamed axes: compare element by element.
            if na.ty.axes.len() == 1 && nb.ty.axes.len() == 1 {
                g.tensors[*x] == g.tensors[*y]
            } else {
                x == y && from == to
            }
        }
        (Op::Index(x, sx), Op::Index(y, sy)) => {
            sx.len() == sy.len()
                && sx.iter().zip(sy).all(|(p, q)| match (p, q) {
                    (Sel::Fixed(i), Sel::Fixed(j)) => i == j,
                    (Sel::Axis(i, o1), Sel::Axis(j, o2)) => rename(*i) == *j && o1 == o2,
                    _ => false,
                })
                && same_modulo_axis(g, *x, *y, from, to)
        }
        (Op::Unary(o1, x), Op::Unary(o2, y)) => o1 == o2 && same_modulo_axis(g, *x, *y, from, to),
        (Op::Binary(o1, x1, y1), Op::Binary(o2, x2, y2)) => {
            o1 == o2 && kids(&[*x1, *y1], &[*x2, *y2])
        }
        (Op::Select(c1, x1, y1), Op::Select(c2, x2, y2)) => {
            kids(&[*c1, *x1, *y1], &[*c2, *x2, *y2])
        }
        (Op::Stack(x), Op::Stack(y)) => kids(x, y),
        (Op::ReduceVec(o1, x), Op::ReduceVec(o2, y)) => {
            o1 == o2 && same_modulo_axis(g, *x, *y, from, to)
        }
        (x, y) => x == y && na.ty.axes.is_empty(),
    }
}

/// The coefficient factors of a correlated term over two axes `a` and `b`.
struct Correlation {
    /// The constant matrix `M` (`n x n`, row-major, rows along `a`).
    m: Vec<f64>,
    /// The factors over `a` only, and over `b` only.
    over_a: Vec<NodeId>,
    over_b: Vec<NodeId>,
}

/// The second-order analysis of one problem; factoring adds nodes and tensors to its graph.
pub struct Analyzer<'a> {
    pub problem: &'a mut Problem,
}

impl Analyzer<'_> {
    fn sign_of(&mut self, node: NodeId) -> Option<f64> {
        let i = Bounds::new(self.problem).of(node);
        if i.nonnegative() {
            Some(1.0)
        } else if i.nonpositive() {
            Some(-1.0)
        } else {
            None
        }
    }

    /// Makes `node` non-negative: returns it (or its negation) and the sign taken out.
    fn positive_part(&mut self, node: NodeId, what: &str) -> Result<(NodeId, f64), String> {
        match self.sign_of(node) {
            Some(s) if s > 0.0 => Ok((node, 1.0)),
            Some(_) => {
                let span = self.problem.graph.node(node).span;
                let n = self
                    .problem
                    .graph
                    .unary(UnOp::Neg, node, span)
                    .map_err(|e| format!("{e:?}"))?;
                Ok((n, -1.0))
            }
            None => Err(format!(
                "{what} `{}` may change sign over the declared ranges",
                self.print(node)
            )),
        }
    }

    fn print(&self, n: NodeId) -> String {
        print::Printer {
            problem: self.problem,
        }
        .expr(n)
    }

    /// Splits equation `equation`'s residual and classifies every term.
    pub fn terms(&mut self, residual: NodeId, equation: usize) -> Vec<(Term, Raw)> {
        let raws = split(&mut self.problem.graph, residual);
        let raws: Vec<Raw> = raws
            .into_iter()
            .map(|r| flatten(&self.problem.graph, r))
            .collect();
        let mut out = Vec::new();
        for r in raws {
            let span = r.span;
            let Some(mut node) = product(&mut self.problem.graph, &r.factors, span) else {
                continue;
            };
            if r.coef == -1.0 {
                match self.problem.graph.unary(UnOp::Neg, node, span) {
                    Ok(n) => node = n,
                    Err(_) => continue,
                }
            } else if r.coef != 1.0 {
                let c = self.problem.graph.constant(r.coef, span);
                match self.problem.graph.binary(BinOp::Mul, c, node, span) {
                    Ok(n) => node = n,
                    Err(_) => continue,
                }
            }
            if !r.axes.is_empty() {
                match self.problem.graph.reduce(RedOp::Sum, &r.axes, node, span) {
                    Ok(n) => node = n,
                    Err(_) => continue,
                }
            }
            let g = &self.problem.graph;
            let u_factors: Vec<NodeId> = r
                .factors
                .iter()
                .copied()
                .filter(|f| g.depends_on_unknown(*f))
                .collect();
            let order = r
                .factors
                .iter()
                .map(|f| g.derivative_order(*f))
                .sum::<usize>();
            let max_order = r
                .factors
                .iter()
                .map(|f| g.derivative_order(*f))
                .max()
                .unwrap_or(0);
            let mut unknown = None;
            let class = if u_factors.is_empty() {
                TermClass::Source
            } else if max_order < 2 {
                TermClass::FirstOrder
            } else {
                let linear = u_factors.len() == 1
                    && matches!(g.op(u_factors[0]), Op::Deriv(_, c) if c.len() == 2
                        && c.iter().all(|c| matches!(c, Coord::Space { comp, .. } if *comp != Comp::Whole)));
                if linear {
                    unknown = g.op(u_factors[0]).unknown();
                    TermClass::SecondOrder
                } else {
                    TermClass::OtherSecondOrder
                }
            };
            let _ = order;
            let text = self.print(node);
            out.push((
                Term {
                    text,
                    node,
                    equation,
                    unknown,
                    order: max_order,
                    class,
                },
                r,
            ));
        }
        out
    }

    /// Tries to factor a term linear in second space derivatives.
    pub fn factor(&mut self, raw: &Raw) -> Result<Factor, String> {
        let g = &self.problem.graph;
        let (deriv, others): (Vec<NodeId>, Vec<NodeId>) = raw
            .factors
            .iter()
            .copied()
            .partition(|f| g.depends_on_unknown(*f));
        let Op::Deriv(_, coords) = g.op(deriv[0]).clone() else {
            return Err("not a plain second derivative".into());
        };
        let (Coord::Space { var: v1, comp: c1 }, Coord::Space { var: v2, comp: c2 }) =
            (coords[0], coords[1])
        else {
            return Err("not a second derivative in space".into());
        };
        if v1 != v2 {
            return Err("a mixed derivative across two space variables is not factored".into());
        }
        let var = v1;
        let span = raw.span;
        // The scalar part: the coefficient times factors without the derivative's axes.
        let deriv_axes: Vec<AxisId> = [c1, c2]
            .iter()
            .filter_map(|c| match c {
                Comp::Axis(a, _) => Some(*a),
                _ => None,
            })
            .collect();
        let (axis_factors, plain): (Vec<NodeId>, Vec<NodeId>) =
            others.iter().copied().partition(|f| {
                self.problem
                    .graph
                    .ty(*f)
                    .axes
                    .iter()
                    .any(|a| deriv_axes.contains(a))
            });
        for f in &axis_factors {
            if self
                .problem
                .graph
                .ty(*f)
                .axes
                .iter()
                .any(|a| !deriv_axes.contains(a))
            {
                return Err(format!(
                    "the coefficient `{}` couples the derivative's indices with other indices",
                    self.print(*f)
                ));
            }
        }
        let other_axes: Vec<AxisId> = raw
            .axes
            .iter()
            .copied()
            .filter(|a| !deriv_axes.contains(a))
            .collect();
        let (scale, mut sign) = self.scalar_part(raw, &plain, &other_axes)?;
        let dim = self.problem.space[var].domain.dim();
        let triangular;
        let mut diag = None;
        match (c1, c2, dim) {
            (Comp::Scalar, Comp::Scalar, _) => {
                triangular = TriangularFactor::Identity { offset: 0, len: 1 }
            }
            (Comp::Fixed(k), Comp::Fixed(l), _) => {
                if k != l {
                    return Err(format!(
                        "a mixed derivative d(u, {n}[{}], {n}[{}]) on its own has no factor B with C = B B^T; write the whole diffusion as one sum over i and j with a constant positive semi-definite matrix",
                        k + 1,
                        l + 1,
                        n = self.problem.space[var].name
                    ));
                }
                triangular = TriangularFactor::Unit { component: k };
            }
            (Comp::Axis(a, oa), Comp::Axis(b, ob), _) if a == b && oa == ob => {
                let len = self.problem.graph.axis(a).len();
                if !axis_factors.is_empty() {
                    let g = &mut self.problem.graph;
                    let d = product(g, &axis_factors, span).ok_or("coefficient too large")?;
                    let (d, s) = self.positive_part(d, "the diagonal coefficient")?;
                    sign *= s;
                    diag = Some(DiagFactor {
                        node: d,
                        axis: a,
                        sqrt: true,
                    });
                }
                triangular = TriangularFactor::Identity { offset: oa, len };
            }
            (Comp::Axis(a, oa), Comp::Axis(b, ob), _) if a != b => {
                let (l, d, s) = self.correlated((a, oa), (b, ob), &axis_factors, span)?;
                sign *= s;
                triangular = l;
                diag = d;
            }
            _ => {
                return Err("the derivative mixes a fixed component with an index".into());
            }
        }
        Ok(Factor {
            var,
            sign,
            scale,
            diag,
            triangular,
        })
    }

    /// The scalar part `s` of a term: its coefficient times the `plain` factors (those
    /// without the derivative's axes), summed over the term's `other_axes`, made
    /// non-negative. Returns `s` (`None` when it is 1) and the sign taken out.
    fn scalar_part(
        &mut self,
        raw: &Raw,
        plain: &[NodeId],
        other_axes: &[AxisId],
    ) -> Result<(Option<NodeId>, f64), String> {
        let span = raw.span;
        let g = &mut self.problem.graph;
        let mut scale = product(g, plain, span).ok_or("coefficient too large")?;
        if !other_axes.is_empty() {
            scale = g
                .reduce(RedOp::Sum, other_axes, scale, span)
                .map_err(|e| format!("{e:?}"))?;
        }
        let c = g.constant(raw.coef, span);
        scale = g
            .binary(BinOp::Mul, c, scale, span)
            .map_err(|e| format!("{e:?}"))?;
        let (scale, sign) = self.positive_part(scale, "the coefficient")?;
        let scale = (self.problem.graph.as_const(scale) != Some(1.0)).then_some(scale);
        Ok((scale, sign))
    }

    /// The correlated form `sum(i, j) a[i] * M[i, j] * a[j] * d(u, x[i], x[j])` over the
    /// distinct axes `a` and `b` (with their offsets): `L` is the Cholesky factor of the
    /// constant `M` (or of `-M`), `D = diag(a)`. Returns `L`, `D` and the sign taken out.
    fn correlated(
        &mut self,
        (a, oa): (AxisId, usize),
        (b, ob): (AxisId, usize),
        axis_factors: &[NodeId],
        span: crate::source::Span,
    ) -> Result<(TriangularFactor, Option<DiagFactor>, f64), String> {
        let g = &self.problem.graph;
        let (len_a, len_b) = (g.axis(a).len(), g.axis(b).len());
        if oa != ob || len_a != len_b {
            return Err("the two indices range over different components".into());
        }
        let n = len_a;
        let Correlation {
            mut m,
            over_a: fa,
            over_b: fb,
        } = self.constant_matrix(a, b, n, axis_factors)?;
        let g = &mut self.problem.graph;
        let pa = product(g, &fa, span).ok_or("coefficient too large")?;
        let pb = product(g, &fb, span).ok_or("coefficient too large")?;
        let one = g.constant(1.0, span);
        let symmetric = (pa == one && pb == one) || same_modulo_axis(g, pa, pb, a, b);
        if !symmetric {
            return Err(format!(
                "the coefficient is not of the symmetric form a[i] * M[i, j] * a[j] (`{}` against `{}`)",
                self.print(pa),
                self.print(pb)
            ));
        }
        if linalg::asymmetry(&m, n) > 0.0 {
            // Only the symmetric part of C acts on a symmetric Hessian.
            for i in 0..n {
                for j in 0..i {
                    let s = 0.5 * (m[i * n + j] + m[j * n + i]);
                    m[i * n + j] = s;
                    m[j * n + i] = s;
                }
            }
        }
        // M may be negative semi-definite as a whole: try both signs.
        let (l, msign) = match linalg::cholesky(&m, n) {
            Ok(l) => (l, 1.0),
            Err(row) => {
                let neg: Vec<f64> = m.iter().map(|v| -v).collect();
                match linalg::cholesky(&neg, n) {
                    Ok(l) => (l, -1.0),
                    Err(_) => {
                        let _ = row;
                        return Err(INDEFINITE.to_string());
                    }
                }
            }
        };
        let rank = (0..n)
            .filter(|j| (0..n).any(|i| l[i * n + j] != 0.0))
            .count();
        let g = &mut self.problem.graph;
        g.tensors.push(Tensor { data: l });
        let triangular = TriangularFactor::Cholesky {
            tensor: g.tensors.len() - 1,
            offset: oa,
            len: n,
            rank,
        };
        let diag = (pa != one).then_some(DiagFactor {
            node: pa,
            axis: a,
            sqrt: false,
        });
        Ok((triangular, diag, msign))
    }

    /// Splits the factors over the axes `a` and `b` (`n` components each): those over both
    /// must be constant and multiply into `M` (`n x n`, row `a`); the others are returned as
    /// the factors over `a` only and over `b` only.
    fn constant_matrix(
        &self,
        a: AxisId,
        b: AxisId,
        n: usize,
        axis_factors: &[NodeId],
    ) -> Result<Correlation, String> {
        let g = &self.problem.graph;
        let mut m = vec![1.0; n * n];
        let (mut fa, mut fb) = (Vec::new(), Vec::new());
        for f in axis_factors {
            let axes = &g.ty(*f).axes;
            let (has_a, has_b) = (axes.contains(&a), axes.contains(&b));
            if has_a && has_b {
                let Some(dense) = eval::leaf(g, *f) else {
                    return Err(format!(
                        "the matrix `{}` depends on the inputs; only a constant matrix is factored at compile time",
                        self.print(*f)
                    ));
                };
                let full = eval::broadcast(
                    dense,
                    &eval::Layout {
                        axes: {
                            let mut v = vec![(a, n), (b, n)];
                            v.sort();
                            v
                        },
                        dims: vec![],
                    },
                );
                let a_first = a < b;
                for i in 0..n {
                    for j in 0..n {
                        let v = if a_first {
                            full.data[i * n + j]
                        } else {
                            full.data[j * n + i]
                        };
                        m[i * n + j] *= v;
                    }
                }
            } else if has_a {
                fa.push(*f);
            } else {
                fb.push(*f);
            }
        }
        Ok(Correlation {
            m,
            over_a: fa,
            over_b: fb,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn analyse(src: &str) -> (crate::check::Checked, crate::passes::Analysis) {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        (c.checked.expect("checked"), c.analysis.expect("analysed"))
    }

    const HEAD: &str = "time t in [0, 1]\nspace x in [0.5, 2]\nunknown u(t, x)\nboundary none\n";

    #[test]
    fn black_scholes_coefficient_is_proven_positive_with_intervals() {
        let (_, a) = analyse(&format!(
            "{HEAD}pde d(u, t) + 0.5 * 0.04 * x^2 * d(u, x, x) = 0\nterminal u = x\n"
        ));
        let f = a.second_order[0].factor.as_ref().expect("factorable");
        assert_eq!(f.sign, 1.0);
        assert!(f.scale.is_some());
        assert_eq!(a.direction, crate::passes::TimeDirection::Backward);
    }

    #[test]
    fn sign_changing_coefficient_is_not_factorable() {
        let (_, a) = analyse(&format!(
            "{HEAD}pde d(u, t) = (x - 1) * d(u, x, x)\ninitial u = 0\n"
        ));
        let why = a.second_order[0]
            .factor
            .as_ref()
            .expect_err("sign may change");
        assert!(why.contains("may change sign"), "{why}");
    }

    #[test]
    fn nonlinear_second_order_terms_are_exact() {
        let (_, a) = analyse(&format!(
            "{HEAD}pde d(u, t) = d(u, x, x)^2\ninitial u = 0\n"
        ));
        assert!(a.second_order.is_empty());
        assert_eq!(a.other_second_order.len(), 1);
    }

    #[test]
    fn diagonal_sums_keep_their_per_component_coefficient() {
        let (_, a) = analyse(
            "time t in [0, 1]\nspace x in [1, 2]^4\nunknown u(t, x)\nboundary none\npde d(u, t) = sum(i in 1..4) x[i] * d(u, x[i], x[i])\ninitial u = 0\n",
        );
        let f = a.second_order[0].factor.as_ref().expect("factorable");
        let d = f.diag.as_ref().expect("diagonal factor");
        assert!(d.sqrt, "B = diag(sqrt(x_i))");
        assert_eq!(
            f.triangular,
            TriangularFactor::Identity { offset: 0, len: 4 }
        );
        assert_eq!(f.sign, -1.0);
    }
}
