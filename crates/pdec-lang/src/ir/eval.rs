//! Compile-time evaluation of constant nodes into dense tensors (constant folding), with
//! broadcasting over index axes. Only called on nodes whose children are already constant.

use super::*;
use std::borrow::Cow;

/// A row-major layout: index axes first (sorted), then positional dims.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub axes: Vec<(AxisId, usize)>,
    pub dims: Vec<usize>,
}

impl Layout {
    pub fn of(g: &Graph, ty: &Ty) -> Layout {
        Layout {
            axes: ty.axes.iter().map(|a| (*a, g.axis(*a).len())).collect(),
            dims: ty.shape.dims(),
        }
    }

    pub fn numel(&self) -> usize {
        self.axes.iter().map(|a| a.1).product::<usize>() * self.dims.iter().product::<usize>()
    }

    fn extents(&self) -> Vec<usize> {
        self.axes
            .iter()
            .map(|a| a.1)
            .chain(self.dims.iter().copied())
            .collect()
    }
}

/// A dense value; constants already in the graph are borrowed, not copied.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<'a> {
    pub layout: Layout,
    pub data: Cow<'a, [f64]>,
}

impl Dense<'_> {
    pub fn scalar(v: f64) -> Dense<'static> {
        Dense {
            layout: Layout {
                axes: vec![],
                dims: vec![],
            },
            data: Cow::Owned(vec![v]),
        }
    }
}

/// Value of a constant leaf (`Const`, `Tensor`, `AxisValue`).
pub fn leaf(g: &Graph, id: NodeId) -> Option<Dense<'_>> {
    let node = g.node(id);
    match &node.op {
        Op::Const(r) => Some(Dense::scalar(r.0)),
        Op::Tensor(k) => Some(Dense {
            layout: Layout::of(g, &node.ty),
            data: Cow::Borrowed(&g.tensors[*k].data),
        }),
        Op::AxisValue(a) => {
            let ax = g.axis(*a);
            Some(Dense {
                layout: Layout {
                    axes: vec![(*a, ax.len())],
                    dims: vec![],
                },
                data: Cow::Owned((ax.lo..=ax.hi).map(|v| v as f64).collect()),
            })
        }
        _ => None,
    }
}

/// Iterates over every multi-index of `out`, calling `f(flat, index)`.
fn for_each_index(out: &Layout, mut f: impl FnMut(usize, &[usize])) {
    let ext = out.extents();
    let n = out.numel();
    let mut idx = vec![0usize; ext.len()];
    for flat in 0..n {
        f(flat, &idx);
        for d in (0..ext.len()).rev() {
            idx[d] += 1;
            if idx[d] < ext[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Offset of the element of `input` that broadcasts to `out`'s multi-index `idx`.
/// `input`'s axes are a subset of `out`'s; its dims are `out`'s dims or empty.
fn broadcast_offset(input: &Layout, out: &Layout, idx: &[usize]) -> usize {
    let mut off = 0;
    for (a, len) in &input.axes {
        let pos = out
            .axes
            .iter()
            .position(|(b, _)| b == a)
            .expect("invariant: input axes are a subset of output axes");
        off = off * len + idx[pos];
    }
    if !input.dims.is_empty() {
        for (k, len) in input.dims.iter().enumerate() {
            off = off * len + idx[out.axes.len() + k];
        }
    }
    off
}

/// `input` broadcast to the layout `out` (its axes a subset, its dims equal or empty).
pub fn broadcast<'a>(input: Dense<'a>, out: &Layout) -> Dense<'a> {
    if input.layout == *out {
        return input;
    }
    Dense {
        layout: out.clone(),
        data: Cow::Owned(map_n(out, &[&input], |v| v[0])),
    }
}

fn map_n(out: &Layout, inputs: &[&Dense<'_>], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let n = out.numel();
    let mut vals = vec![0.0; inputs.len()];
    let mut data = vec![0.0; n];
    for_each_index(out, |flat, idx| {
        for (k, d) in inputs.iter().enumerate() {
            vals[k] = d.data[broadcast_offset(&d.layout, out, idx)];
        }
        data[flat] = f(&vals);
    });
    data
}

pub fn unary(op: UnOp, v: f64) -> f64 {
    match op {
        UnOp::Neg => -v,
        UnOp::Exp => v.exp(),
        UnOp::Log => v.ln(),
        UnOp::Sqrt => v.sqrt(),
        UnOp::Abs => v.abs(),
        UnOp::Sin => v.sin(),
        UnOp::Cos => v.cos(),
        UnOp::Tan => v.tan(),
        UnOp::Tanh => v.tanh(),
        UnOp::Sinh => v.sinh(),
        UnOp::Cosh => v.cosh(),
        UnOp::Atan => v.atan(),
        UnOp::Erf => erf(v),
        UnOp::Sign => {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        }
        UnOp::Floor => v.floor(),
        UnOp::Not => f64::from(v == 0.0),
    }
}

pub fn binary(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => a.powf(b),
        BinOp::Min => a.min(b),
        BinOp::Max => a.max(b),
        BinOp::Lt => f64::from(a < b),
        BinOp::Le => f64::from(a <= b),
        BinOp::Gt => f64::from(a > b),
        BinOp::Ge => f64::from(a >= b),
        BinOp::Eq => f64::from(a == b),
        BinOp::Ne => f64::from(a != b),
        BinOp::And => f64::from(a != 0.0 && b != 0.0),
        BinOp::Or => f64::from(a != 0.0 || b != 0.0),
    }
}

/// Error function, Abramowitz-Stegun 7.1.26 refined by one Newton-free series switch:
/// accurate to about 1e-7, enough for compile-time folding of constants.
pub fn erf(x: f64) -> f64 {
    if x.abs() < 0.5 {
        // Maclaurin series converges fast here.
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        for n in 1..30 {
            term *= -x2 / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        return sum * 2.0 / std::f64::consts::PI.sqrt();
    }
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    // Numerical Recipes erfc approximation (fractional error < 1.2e-7).
    let tau = t
        * (-x * x - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 { 1.0 - tau } else { tau - 1.0 }
}

/// Evaluates `op` (result type `ty`) whose children are all constant leaves.
pub fn fold(g: &Graph, op: &Op, ty: &Ty) -> Option<Dense<'static>> {
    fold_with(g, op, ty, |id| leaf(g, id))
}

/// The value of a node of the graph at one point: `value_of` gives the leaves that are not
/// constants (the inputs, the unknown, the normal), the rest is folded as the constants are.
/// `None` when a node needs something `value_of` does not give (a derivative). The checks
/// before training evaluate the IR with it, without tensors. At many points, build an
/// [`Evaluator`] once instead.
pub fn eval_at(
    g: &Graph,
    node: NodeId,
    value_of: &dyn Fn(&Op, &Ty) -> Option<Dense<'static>>,
) -> Option<Dense<'static>> {
    Evaluator::new(g, node).eval(value_of)
}

/// One node's evaluation, planned once and run at many points: the nodes it reads, children
/// first, each with its result's layout and how it is computed. The checks evaluate the same
/// residual at thousands of points (a 100-D `dist` ansatz's residual has thousands of nodes);
/// walking the graph, hashing node ids and comparing layouts at every point cost seconds.
pub struct Evaluator<'g> {
    g: &'g Graph,
    order: Vec<NodeId>,
    layouts: Vec<Layout>,
    steps: Vec<Step>,
    slot_of: Vec<(NodeId, usize)>,
}

/// How one node is computed, decided from the types.
enum Step {
    /// A constant of the graph.
    Constant,
    /// A leaf the caller's `value_of` gives.
    Given,
    /// Elementwise on operands laid out as the result (or, for a binary, single values):
    /// plain loops, no index arithmetic. Most nodes are.
    Unary(UnOp, usize),
    Binary(BinOp, Operand, Operand),
    /// Anything else: the general fold, broadcasting over index axes.
    Fold,
}

/// A binary operand: where its value is and whether it is a single value.
#[derive(Clone, Copy)]
struct Operand {
    slot: usize,
    single: bool,
}

impl<'g> Evaluator<'g> {
    pub fn new(g: &'g Graph, node: NodeId) -> Evaluator<'g> {
        let order = g.reachable(node);
        let mut slot_of: Vec<(NodeId, usize)> =
            order.iter().enumerate().map(|(k, id)| (*id, k)).collect();
        slot_of.sort_unstable();
        let slot = |id: NodeId| {
            let k = slot_of.binary_search_by_key(&id, |s| s.0).ok()?;
            Some(slot_of[k].1)
        };
        let layouts: Vec<Layout> = order.iter().map(|id| Layout::of(g, g.ty(*id))).collect();
        let operand = |id: NodeId, out: &Layout| -> Option<Operand> {
            let slot = slot(id)?;
            let l = &layouts[slot];
            (l == out || l.numel() == 1).then_some(Operand {
                slot,
                single: l != out,
            })
        };
        let steps = order
            .iter()
            .zip(&layouts)
            .map(|(id, out)| match g.op(*id) {
                _ if g.is_constant(*id) => Step::Constant,
                op if children(op).is_empty() => Step::Given,
                Op::Unary(u, a) => match slot(*a) {
                    Some(k) if layouts[k] == *out => Step::Unary(*u, k),
                    _ => Step::Fold,
                },
                Op::Binary(b, x, y) => match (operand(*x, out), operand(*y, out)) {
                    (Some(x), Some(y)) if !(x.single && y.single) || out.numel() == 1 => {
                        Step::Binary(*b, x, y)
                    }
                    _ => Step::Fold,
                },
                _ => Step::Fold,
            })
            .collect();
        Evaluator {
            g,
            order,
            layouts,
            steps,
            slot_of,
        }
    }

    /// The node's value where `value_of` gives the leaves (see [`eval_at`]).
    pub fn eval(
        &self,
        value_of: &dyn Fn(&Op, &Ty) -> Option<Dense<'static>>,
    ) -> Option<Dense<'static>> {
        let g = self.g;
        let mut values: Vec<Dense<'g>> = Vec::with_capacity(self.order.len());
        for (k, &id) in self.order.iter().enumerate() {
            let n = g.node(id);
            let out = &self.layouts[k];
            let fold = |values: &[Dense<'g>]| {
                fold_with(g, &n.op, &n.ty, |c| {
                    let d = values.get(self.slot(c)?)?;
                    Some(Dense {
                        layout: d.layout.clone(),
                        data: Cow::Borrowed(&d.data[..]),
                    })
                })
            };
            let plain = |data: Vec<f64>| Dense {
                layout: out.clone(),
                data: Cow::Owned(data),
            };
            // The plain loops check the lengths they read: a caller's `value_of` may give a
            // leaf in another layout than its type's, and the fold then broadcasts it.
            let value = match &self.steps[k] {
                Step::Constant => leaf(g, id)?,
                Step::Given => value_of(&n.op, &n.ty)?,
                Step::Unary(u, a) if values[*a].data.len() == out.numel() => {
                    plain(values[*a].data.iter().map(|v| unary(*u, *v)).collect())
                }
                Step::Binary(b, x, y) => {
                    let (xs, ys) = (&values[x.slot].data[..], &values[y.slot].data[..]);
                    let fits = |o: &Operand, d: &[f64]| match o.single {
                        true => d.len() == 1,
                        false => d.len() == out.numel(),
                    };
                    match (xs, ys) {
                        _ if !fits(x, xs) || !fits(y, ys) => fold(&values)?,
                        ([p], ys) if x.single => {
                            plain(ys.iter().map(|q| binary(*b, *p, *q)).collect())
                        }
                        (xs, [q]) if y.single => {
                            plain(xs.iter().map(|p| binary(*b, *p, *q)).collect())
                        }
                        _ => plain(xs.iter().zip(ys).map(|(p, q)| binary(*b, *p, *q)).collect()),
                    }
                }
                Step::Unary(..) | Step::Fold => fold(&values)?,
            };
            values.push(value);
        }
        let last = values.pop()?;
        Some(Dense {
            layout: last.layout,
            data: Cow::Owned(last.data.into_owned()),
        })
    }

    fn slot(&self, id: NodeId) -> Option<usize> {
        let k = self.slot_of.binary_search_by_key(&id, |s| s.0).ok()?;
        Some(self.slot_of[k].1)
    }
}

/// [`fold`] with the children's values from `get`.
fn fold_with<'a>(
    g: &Graph,
    op: &Op,
    ty: &Ty,
    get: impl Fn(NodeId) -> Option<Dense<'a>>,
) -> Option<Dense<'static>> {
    let out = Layout::of(g, ty);
    let data = match op {
        Op::Unary(u, a) => {
            let a = get(*a)?;
            map_n(&out, &[&a], |v| unary(*u, v[0]))
        }
        Op::Binary(b, x, y) => {
            let (x, y) = (get(*x)?, get(*y)?);
            map_n(&out, &[&x, &y], |v| binary(*b, v[0], v[1]))
        }
        Op::Select(c, x, y) => {
            let (c, x, y) = (get(*c)?, get(*x)?, get(*y)?);
            map_n(
                &out,
                &[&c, &x, &y],
                |v| if v[0] != 0.0 { v[1] } else { v[2] },
            )
        }
        Op::Index(base, sels) => {
            let b = get(*base)?;
            let mut data = vec![0.0; out.numel()];
            for_each_index(&out, |flat, idx| {
                let mut off = 0;
                for (a, len) in &b.layout.axes {
                    let pos = out.axes.iter().position(|(x, _)| x == a).unwrap_or(0);
                    off = off * len + idx[pos];
                }
                let mut rest = out.axes.len();
                for (k, len) in b.layout.dims.iter().enumerate() {
                    let i = match sels.get(k) {
                        Some(Sel::Fixed(i)) => *i,
                        Some(Sel::Axis(a, o)) => {
                            let pos = out.axes.iter().position(|(x, _)| x == a).unwrap_or(0);
                            idx[pos] + o
                        }
                        None => {
                            rest += 1;
                            idx[rest - 1]
                        }
                    };
                    off = off * len + i;
                }
                data[flat] = b.data[off];
            });
            data
        }
        Op::Reduce(r, axes, body) => {
            let b = get(*body)?;
            let mut data = vec![
                match r {
                    RedOp::Sum => 0.0,
                    RedOp::Prod => 1.0,
                };
                out.numel()
            ];
            // Iterate over the body's layout and accumulate into the output.
            for_each_index(&b.layout, |flat, idx| {
                let mut off = 0;
                for (a, len) in &out.axes {
                    let pos = b.layout.axes.iter().position(|(x, _)| x == a).unwrap_or(0);
                    off = off * len + idx[pos];
                }
                for (k, len) in out.dims.iter().enumerate() {
                    off = off * len + idx[b.layout.axes.len() + k];
                }
                match r {
                    RedOp::Sum => data[off] += b.data[flat],
                    RedOp::Prod => data[off] *= b.data[flat],
                }
            });
            let _ = axes;
            data
        }
        Op::ReduceVec(r, v) => {
            let b = get(*v)?;
            let n = *b.layout.dims.last()?;
            b.data
                .chunks(n)
                .map(|c| match r {
                    VecRed::Sum => c.iter().sum(),
                    VecRed::Prod => c.iter().product(),
                    VecRed::Mean => c.iter().sum::<f64>() / n as f64,
                    VecRed::Max => c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    VecRed::Min => c.iter().copied().fold(f64::INFINITY, f64::min),
                })
                .collect()
        }
        Op::Stack(items) => {
            // Item `k` is row `k`: its own positional index (a vector item's) follows.
            let vals: Vec<Dense<'_>> = items.iter().map(|i| get(*i)).collect::<Option<_>>()?;
            let rows = out.axes.len();
            let mut data = vec![0.0; out.numel()];
            for_each_index(&out, |flat, idx| {
                let v = &vals[idx[rows]];
                let inner = Layout {
                    axes: v.layout.axes.clone(),
                    dims: vec![],
                };
                let mut off = broadcast_offset(&inner, &out, idx);
                for (k, len) in v.layout.dims.iter().enumerate() {
                    off = off * len + idx[rows + 1 + k];
                }
                data[flat] = v.data[off];
            });
            data
        }
        _ => return None,
    };
    Some(Dense {
        layout: out,
        data: Cow::Owned(data),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A condition's residual with broadcasts (a vector against scalars), an index sum and
    /// elementwise steps, read by one evaluator at many points, against its closed form.
    #[test]
    fn an_evaluator_built_once_reads_a_node_at_every_point() {
        let c = crate::driver::compile(
            crate::source::SourceFile {
                name: "t.pde".into(),
                text: "param t in [0, 1]\nspace x in [-1, 1]^3\nunknown u(x)\n\
                    pde lap(u) = 0\n\
                    boundary on(x): u = sum(i in 1..3) ((2 * x[i] - t)^2 + (1 - t) / (3 + x[i])) + exp(-x[2]) * max(x[1], t)\n"
                    .into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let p = c.checked.expect("checked").problem;
        let residual = p.conditions[0].residual;
        let eval = Evaluator::new(&p.graph, residual);
        for (t, x) in [
            (0.0, [0.1, -0.2, 0.3]),
            (0.7, [-1.0, 1.0, 0.5]),
            (0.3, [0.9, 0.0, -0.4]),
        ] {
            let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
                let data = match op {
                    Op::Input(Input::Param(0)) => vec![t],
                    Op::Input(Input::Space(0)) => x.to_vec(),
                    Op::U(0) => vec![0.0],
                    _ => return None,
                };
                Some(Dense {
                    layout: Layout::of(&p.graph, ty),
                    data: Cow::Owned(data),
                })
            };
            // The residual `u - g` with `u = 0`.
            let want = -(x
                .iter()
                .map(|v| (2.0 * v - t).powi(2) + (1.0 - t) / (3.0 + v))
                .sum::<f64>()
                + (-x[1]).exp() * x[0].max(t));
            let got = eval.eval(&value_of).expect("a value");
            assert_eq!(got.data.len(), 1);
            let scale = 1.0 + want.abs();
            assert!(
                (got.data[0] - want).abs() < 1e-12 * scale,
                "{} against {want}",
                got.data[0]
            );
            let once = eval_at(&p.graph, residual, &value_of).expect("a value");
            assert_eq!(once.data, got.data);
        }
    }

    #[test]
    fn erf_matches_known_values() {
        for (x, v) in [
            (0.0, 0.0),
            (0.3, 0.328626759),
            (1.0, 0.842700793),
            (-2.0, -0.995322265),
        ] {
            assert!((erf(x) - v).abs() < 2e-7, "erf({x}) = {}", erf(x));
        }
    }
}
