//! Derivatives of separable sums without a Kronecker delta. Along component `x[k]`,
//! `sum(i) f(x[i])` differentiates term by term to `sum(i) [i == k] f'(x[i])`: a `d x d`
//! constant contracted per point, O(d^2) work and memory (10^8 entries at d = 10,000). When
//! the body reads the variable only as `x[i + off]` of the summed axis, the delta picks one
//! term: the result is `f'(x[i])` with `i` set where `i + off = k`, O(d). `sum(x * x)` over a
//! whole vector is the same sum written with an index of its own.

use super::{DiffError, Kinks, diff_with};
use crate::ir::*;
use std::collections::HashMap;

/// `d(sum(axes) body) / d(x_var[comp])` with the delta folded away, or `None` where the body
/// is not of that form (the caller then differentiates term by term).
pub(super) fn diff_reduce(
    g: &mut Graph,
    axes: &[AxisId],
    body: NodeId,
    (var, comp): (usize, Comp),
    span: Span,
    kinks: Kinks,
) -> Result<Option<NodeId>, DiffError> {
    let Some((a, off)) = single_read(g, body, var) else {
        return Ok(None);
    };
    if !axes.contains(&a) {
        return Ok(None);
    }
    let Some(target) = target_of(g, a, off, comp, g.ty(body)) else {
        return Ok(None);
    };
    // Along the summed axis's own component the delta is the constant 1.
    let along = Coord::Space {
        var,
        comp: Comp::Axis(a, off),
    };
    let d = diff_with(g, body, along, span, kinks)?;
    let Some(d) = substitute(g, d, a, off, target, span)? else {
        return Ok(None);
    };
    let rest: Vec<AxisId> = axes.iter().copied().filter(|x| *x != a).collect();
    Ok(Some(if rest.is_empty() {
        d
    } else {
        g.reduce(RedOp::Sum, &rest, d, span)?
    }))
}

/// `sum(v)` of an elementwise vector expression along `x_var[comp]`: the same sum over a
/// fresh index, `sum(j in 1..n) v[j]`, differentiated by [`diff_reduce`].
pub(super) fn diff_reduce_vec(
    g: &mut Graph,
    v: NodeId,
    (var, comp): (usize, Comp),
    span: Span,
    kinks: Kinks,
) -> Result<Option<NodeId>, DiffError> {
    let Shape::Vector(n) = g.ty(v).shape else {
        return Ok(None);
    };
    if !elementwise(g, v, var) {
        return Ok(None);
    }
    let j = g.new_axis("j", 1, n as i64);
    let body = g.index(v, &[Sel::Axis(j, 0)], span)?;
    diff_reduce(g, &[j], body, (var, comp), span, kinks)
}

/// A vector expression built elementwise from scalars, constants and the whole of `x_var`
/// (so indexing it pushes down to `x_var[j]`), with no unknown.
fn elementwise(g: &Graph, v: NodeId, var: usize) -> bool {
    match g.op(v) {
        Op::Const(_) => true,
        Op::Input(Input::Space(k)) => *k == var || g.ty(v).shape == Shape::Scalar,
        Op::Input(_) | Op::AxisValue(_) => true,
        Op::Tensor(_) => g.ty(v).shape == Shape::Scalar || g.ty(v).axes.is_empty(),
        Op::Unary(_, a) => elementwise(g, *a, var),
        Op::Binary(_, a, b) => elementwise(g, *a, var) && elementwise(g, *b, var),
        Op::Select(c, a, b) => [*c, *a, *b].iter().all(|n| elementwise(g, *n, var)),
        _ => g.ty(v).shape == Shape::Scalar && !g.depends_on_unknown(v) && !reads(g, v, var),
    }
}

fn reads(g: &Graph, n: NodeId, var: usize) -> bool {
    g.any(
        n,
        &mut |op| matches!(op, Op::Input(Input::Space(k)) if *k == var),
    )
}

/// The one way `body` reads `x_var`: every read is `x_var[a + off]` for one axis `a` and one
/// offset, and nothing else moves with `x_var` (no unknown, no normal, no whole vector).
fn single_read(g: &Graph, body: NodeId, var: usize) -> Option<(AxisId, usize)> {
    let mut found: Option<(AxisId, usize)> = None;
    let mut ok = true;
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if !seen.insert(n) || !ok {
            continue;
        }
        match g.op(n) {
            Op::U(_) | Op::Deriv(..) | Op::NormalDeriv(_) | Op::Normal(_) => ok = false,
            Op::Input(Input::Space(k)) if *k == var => ok = false,
            Op::Index(base, sels) if matches!(g.op(*base), Op::Input(Input::Space(k)) if *k == var) => {
                match sels.as_slice() {
                    [Sel::Axis(a, off)] if found.is_none_or(|f| f == (*a, *off)) => {
                        found = Some((*a, *off));
                    }
                    _ => ok = false,
                }
            }
            op => stack.extend(children(op)),
        }
    }
    if ok { found } else { None }
}

/// Where the delta `[a + off == comp]` puts `a`: a selector of the component read as
/// `x[a + off]`, if every value of `comp` meets one value of `a` and `comp`'s axis is not
/// already one of the body's.
fn target_of(g: &Graph, a: AxisId, off: usize, comp: Comp, body: &Ty) -> Option<Sel> {
    let len_a = g.axis(a).len();
    match comp {
        Comp::Fixed(c) if c >= off && c - off < len_a => Some(Sel::Fixed(c)),
        Comp::Scalar => None,
        Comp::Axis(k, o) if k != a && !body.axes.contains(&k) => {
            let len_k = g.axis(k).len();
            (o >= off && o + len_k <= off + len_a).then_some(Sel::Axis(k, o))
        }
        _ => None,
    }
}

/// `node` with axis `a` set where `x[a + off]` is component `target`: each selector
/// `a + off2` becomes `target - off + off2`, each value of `a` the matching value. `None`
/// where a folded constant runs along `a` (its entries would have to be relaid).
fn substitute(
    g: &mut Graph,
    node: NodeId,
    a: AxisId,
    off: usize,
    target: Sel,
    span: Span,
) -> Result<Option<NodeId>, TypeError> {
    let mut s = Subst {
        a,
        off,
        target,
        span,
        memo: HashMap::new(),
    };
    s.go(g, node)
}

struct Subst {
    a: AxisId,
    off: usize,
    target: Sel,
    span: Span,
    memo: HashMap<NodeId, Option<NodeId>>,
}

impl Subst {
    fn sel(&self, s: Sel) -> Sel {
        match s {
            Sel::Axis(x, off2) if x == self.a => match self.target {
                Sel::Fixed(c) => Sel::Fixed(c - self.off + off2),
                Sel::Axis(k, o) => Sel::Axis(k, o - self.off + off2),
            },
            other => other,
        }
    }

    fn go(&mut self, g: &mut Graph, n: NodeId) -> Result<Option<NodeId>, TypeError> {
        if !g.ty(n).axes.contains(&self.a) {
            return Ok(Some(n));
        }
        if let Some(r) = self.memo.get(&n) {
            return Ok(*r);
        }
        let r = self.build(g, n)?;
        self.memo.insert(n, r);
        Ok(r)
    }

    fn build(&mut self, g: &mut Graph, n: NodeId) -> Result<Option<NodeId>, TypeError> {
        let span = self.span;
        macro_rules! kid {
            ($x:expr) => {
                match self.go(g, $x)? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            };
        }
        Ok(Some(match g.op(n).clone() {
            Op::AxisValue(_) => {
                // a = component - off + lo_a, the component being the target's.
                let lo_a = g.axis(self.a).lo;
                match self.target {
                    Sel::Fixed(c) => g.constant((c as i64 - self.off as i64 + lo_a) as f64, span),
                    Sel::Axis(k, o) => {
                        let ty = Ty {
                            axes: vec![k],
                            shape: Shape::Scalar,
                            boolean: false,
                        };
                        let kv = g.add(Op::AxisValue(k), ty, span);
                        let shift = o as i64 - self.off as i64 + lo_a - g.axis(k).lo;
                        let c = g.constant(shift as f64, span);
                        g.binary(BinOp::Add, kv, c, span)?
                    }
                }
            }
            Op::Index(base, sels) => {
                let b = kid!(base);
                let sels: Vec<Sel> = sels.iter().map(|s| self.sel(*s)).collect();
                g.index(b, &sels, span)?
            }
            Op::Unary(op, x) => {
                let x = kid!(x);
                g.unary(op, x, span)?
            }
            Op::Binary(op, x, y) => {
                let (x, y) = (kid!(x), kid!(y));
                g.binary(op, x, y, span)?
            }
            Op::Select(c, x, y) => {
                let (c, x, y) = (kid!(c), kid!(x), kid!(y));
                g.select(c, x, y, span)?
            }
            Op::Reduce(op, axes, body) => {
                let body = kid!(body);
                g.reduce(op, &axes, body, span)?
            }
            Op::ReduceVec(op, v) => {
                let v = kid!(v);
                g.reduce_vec(op, v, span)?
            }
            Op::Stack(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(kid!(i));
                }
                g.stack(&out, span)?
            }
            // Folded constants along `a`, and anything of the unknown (excluded before).
            _ => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::diff;
    use super::super::eval::{Dense, Layout, eval_at};
    use super::*;
    use crate::source::FileId;
    use std::borrow::Cow;

    fn sp() -> Span {
        Span::new(FileId(0), 0, 0)
    }

    /// The value of `n` (axes allowed) with `x = values`: one entry per value of its axes.
    fn value(g: &Graph, n: NodeId, values: &[f64]) -> Vec<f64> {
        let x = Dense {
            layout: Layout {
                axes: vec![],
                dims: vec![values.len()],
            },
            data: Cow::Owned(values.to_vec()),
        };
        let v = eval_at(g, n, &|op, _| match op {
            Op::Input(Input::Space(0)) => Some(x.clone()),
            _ => None,
        });
        v.expect("a value").data.into_owned()
    }

    fn largest_constant(g: &Graph) -> usize {
        g.tensors.iter().map(|t| t.data.len()).max().unwrap_or(1)
    }

    /// `d/dx[k] sum(i) x[i] * x[i]` and `d/dx[k] sum(x * x)` at d = 10,000: `2 x[k]`, without
    /// the `d x d` delta (10^8 entries, over the constant limit: before, an error).
    #[test]
    fn a_separable_sum_differentiates_to_its_own_term() {
        let d = 10_000;
        let mut g = Graph::default();
        let x = g.add(
            Op::Input(Input::Space(0)),
            Ty::of_shape(Shape::Vector(d)),
            sp(),
        );
        let i = g.new_axis("i", 1, d as i64);
        let k = g.new_axis("k", 1, d as i64);
        let xi = g.index(x, &[Sel::Axis(i, 0)], sp()).expect("x[i]");
        let sq = g.binary(BinOp::Mul, xi, xi, sp()).expect("x[i]^2");
        let indexed = g.reduce(RedOp::Sum, &[i], sq, sp()).expect("sum");
        let xx = g.binary(BinOp::Mul, x, x, sp()).expect("x * x");
        let whole = g.reduce_vec(VecRed::Sum, xx, sp()).expect("sum(x * x)");
        let values: Vec<f64> = (0..d).map(|j| (j as f64 * 0.37).sin()).collect();
        for f in [indexed, whole] {
            let before = g.len();
            let dk = diff(&mut g, f, 0, Comp::Axis(k, 0), sp()).expect("differentiable");
            assert!(g.len() - before < 20, "{} nodes", g.len() - before);
            assert_eq!(g.ty(dk).axes, vec![k]);
            let got = value(&g, dk, &values);
            assert!(got.iter().zip(&values).all(|(a, b)| *a == 2.0 * b));
            let d3 = diff(&mut g, f, 0, Comp::Fixed(3), sp()).expect("along x[4]");
            assert_eq!(value(&g, d3, &values), vec![2.0 * values[3]]);
        }
        assert!(largest_constant(&g) <= 1, "{}", largest_constant(&g));
    }

    /// Where the body is not separable (a whole-vector read, two offsets, a shorter range)
    /// the term-by-term derivative stays, with the same values.
    #[test]
    fn other_sums_keep_the_term_by_term_derivative() {
        let d = 6;
        let values: Vec<f64> = (0..d).map(|j| 0.3 + j as f64 * 0.25).collect();
        let mut g = Graph::default();
        let x = g.add(
            Op::Input(Input::Space(0)),
            Ty::of_shape(Shape::Vector(d)),
            sp(),
        );
        let i = g.new_axis("i", 1, d as i64 - 1);
        let k = g.new_axis("k", 1, d as i64);
        let xi = g.index(x, &[Sel::Axis(i, 0)], sp()).expect("x[i]");
        let xn = g.index(x, &[Sel::Axis(i, 1)], sp()).expect("x[i + 1]");
        let av = g.add(
            Op::AxisValue(i),
            Ty {
                axes: vec![i],
                shape: Shape::Scalar,
                boolean: false,
            },
            sp(),
        );
        // sum(i in 1..d-1) x[i] x[i+1];  sum(i in 1..d-1) i x[i]^2 (separable, shorter)
        let pair = g.binary(BinOp::Mul, xi, xn, sp()).expect("pair");
        let chain = g.reduce(RedOp::Sum, &[i], pair, sp()).expect("sum");
        let sq = g.binary(BinOp::Mul, xi, xi, sp()).expect("sq");
        let weighted = g.binary(BinOp::Mul, av, sq, sp()).expect("i x[i]^2");
        let short = g.reduce(RedOp::Sum, &[i], weighted, sp()).expect("sum");
        let want_chain = |j: usize| {
            (if j > 0 { values[j - 1] } else { 0.0 })
                + (if j + 1 < d { values[j + 1] } else { 0.0 })
        };
        let want_short = |j: usize| match j + 1 < d {
            true => 2.0 * (j + 1) as f64 * values[j],
            false => 0.0,
        };
        for (f, want) in [
            (chain, &want_chain as &dyn Fn(usize) -> f64),
            (short, &want_short),
        ] {
            let dk = diff(&mut g, f, 0, Comp::Axis(k, 0), sp()).expect("differentiable");
            let got = value(&g, dk, &values);
            for (j, v) in got.iter().enumerate() {
                assert!(
                    (v - want(j)).abs() < 1e-12,
                    "component {j}: {v} vs {}",
                    want(j)
                );
            }
            for j in 0..d {
                let dj = diff(&mut g, f, 0, Comp::Fixed(j), sp()).expect("fixed");
                let v = value(&g, dj, &values)[0];
                assert!(
                    (v - want(j)).abs() < 1e-12,
                    "x[{}]: {v} vs {}",
                    j + 1,
                    want(j)
                );
            }
        }
    }
}
