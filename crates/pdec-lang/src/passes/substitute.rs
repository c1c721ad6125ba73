//! The unknown replaced by an expression: every node reachable from some roots rebuilt with
//! `a` for `u`, its derivatives formed by the product and chain rules ([`diff_with`]: kinks
//! refused, or for checks at points off them differentiated side by side) and `dn(u)` as the
//! face's outward normal dotted with `a`'s gradient. The ansatz pass writes
//! the problem in the network's output with it (`a` the ansatz); the consistency checks put
//! the `exact` solution into the conditions and the equation with it.

use crate::ir::diff::{DiffError, Kinks, diff_with};
use crate::ir::{BinOp, Comp, Coord, Graph, NodeId, Op, Shape, Ty, VecRed};
use crate::source::Span;
use std::collections::HashMap;

/// Rebuilds every node reachable from `roots` with `a` for unknown `k`: returns old node ->
/// new node. Nodes come after their children, so one pass in id order sees each node's
/// children already mapped; the nodes it adds are not visited again (inside them `Op::U(k)`
/// is whatever `a` reads: the network for an ansatz). The other unknowns stay as they are.
pub(crate) fn substitute(
    g: &mut Graph,
    roots: &[NodeId],
    k: usize,
    a: NodeId,
    dims: &[Option<usize>],
    span: Span,
    kinks: Kinks,
) -> Result<HashMap<NodeId, NodeId>, DiffError> {
    crate::ir::replace::replace(g, roots, |g, node| {
        Ok(match &node.op {
            Op::U(j) if *j == k => Some(a),
            Op::Deriv(j, coords) if *j == k => {
                Some(derivative(g, a, coords, node.ty.shape, span, kinks)?)
            }
            Op::NormalDeriv(j) if *j == k => Some(normal_derivative(g, a, dims, span, kinks)?),
            _ => None,
        })
    })
}

/// Every term's node that reads the unknowns: the equations' and conditions' residuals,
/// the observations and the gauges (what [`substitute`] must rewrite to change the unknown
/// everywhere the loss sees it).
pub(crate) fn term_roots(problem: &crate::ir::Problem) -> Vec<NodeId> {
    let mut roots: Vec<NodeId> = problem.pdes.iter().map(|p| p.residual).collect();
    roots.extend(problem.conditions.iter().map(|c| c.residual));
    roots.extend(problem.observations.iter().map(|o| o.node));
    roots.extend(problem.gauges.iter().map(|g| g.residual));
    roots
}

/// Points every term of [`term_roots`] at its rewritten node.
pub(crate) fn remap_terms(problem: &mut crate::ir::Problem, map: &HashMap<NodeId, NodeId>) {
    for p in &mut problem.pdes {
        p.residual = map[&p.residual];
    }
    for c in &mut problem.conditions {
        c.residual = map[&c.residual];
    }
    for o in &mut problem.observations {
        o.node = map[&o.node];
    }
    for g in &mut problem.gauges {
        g.residual = map[&g.residual];
    }
}

/// `d(a)` along `coords`; a whole-vector coordinate (`grad(u)`) becomes the stack of its
/// components.
fn derivative(
    g: &mut Graph,
    a: NodeId,
    coords: &[Coord],
    shape: Shape,
    span: Span,
    kinks: Kinks,
) -> Result<NodeId, DiffError> {
    let whole = |c: &Coord| {
        matches!(
            c,
            Coord::Space {
                comp: Comp::Whole,
                ..
            }
        )
    };
    match (coords.iter().filter(|c| whole(c)).count(), shape) {
        (0, _) => {
            let mut d = a;
            for c in coords {
                d = diff_with(g, d, *c, span, kinks)?;
            }
            Ok(d)
        }
        (1, Shape::Vector(n)) => {
            let mut items = Vec::with_capacity(n);
            for k in 0..n {
                let mut d = a;
                for c in coords {
                    let c = match c {
                        Coord::Space {
                            var,
                            comp: Comp::Whole,
                        } => Coord::Space {
                            var: *var,
                            comp: Comp::Fixed(k),
                        },
                        c => *c,
                    };
                    d = diff_with(g, d, c, span, kinks)?;
                }
                items.push(d);
            }
            Ok(g.stack(&items, span)?)
        }
        _ => Err(DiffError::NotDifferentiable("hess(u)")),
    }
}

/// `dn(a)`: the face's outward normal dotted with `a`'s gradient, over every space variable
/// (the normal is zero in the components of variables whose face the point is not on).
fn normal_derivative(
    g: &mut Graph,
    a: NodeId,
    dims: &[Option<usize>],
    span: Span,
    kinks: Kinks,
) -> Result<NodeId, DiffError> {
    let mut total: Option<NodeId> = None;
    for (var, dim) in dims.iter().enumerate() {
        let term = match dim {
            None => {
                let d = diff_with(
                    g,
                    a,
                    Coord::Space {
                        var,
                        comp: Comp::Scalar,
                    },
                    span,
                    kinks,
                )?;
                let n = g.add(Op::Normal(var), Ty::scalar(), span);
                g.binary(BinOp::Mul, n, d, span)?
            }
            Some(k) => {
                let comps = (0..*k)
                    .map(|c| {
                        diff_with(
                            g,
                            a,
                            Coord::Space {
                                var,
                                comp: Comp::Fixed(c),
                            },
                            span,
                            kinks,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let grad = g.stack(&comps, span)?;
                let n = g.add(Op::Normal(var), Ty::of_shape(Shape::Vector(*k)), span);
                let along = g.binary(BinOp::Mul, n, grad, span)?;
                g.reduce_vec(VecRed::Sum, along, span)?
            }
        };
        total = Some(match total {
            Some(t) => g.binary(BinOp::Add, t, term, span)?,
            None => term,
        });
    }
    total.ok_or(DiffError::NotDifferentiable(
        "`dn(u)` without a space variable",
    ))
}
