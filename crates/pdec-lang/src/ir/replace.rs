//! Every node reachable from some roots rebuilt with some of them replaced: the one walk
//! behind the ansatz's substitution of the unknown ([`crate::passes::substitute`]) and the
//! kink ansatz's coefficients read off the equation with its derivatives set to numbers.

use super::{Graph, Node, NodeId, Op, TypeError};
use std::collections::HashMap;

/// Rebuilds every node reachable from `roots`: `replace` is asked first for each node (in id
/// order, so a node's children are already mapped) and returns its replacement, or `None`
/// to keep it, rebuilt on its mapped children where it has any. Returns old node -> new
/// node. The nodes `replace` adds are not visited again.
pub(crate) fn replace<E, F>(
    g: &mut Graph,
    roots: &[NodeId],
    mut replace: F,
) -> Result<HashMap<NodeId, NodeId>, E>
where
    E: From<TypeError>,
    F: FnMut(&mut Graph, &Node) -> Result<Option<NodeId>, E>,
{
    let n0 = g.len();
    let mut live = vec![false; n0];
    let mut stack = roots.to_vec();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut live[n.0 as usize], true) {
            continue;
        }
        stack.extend(super::children(g.op(n)));
    }
    let mut map: HashMap<NodeId, NodeId> = HashMap::new();
    for (i, is_live) in live.iter().enumerate() {
        if !is_live {
            continue;
        }
        let id = NodeId(i as u32);
        let node = g.node(id).clone();
        if let Some(new) = replace(g, &node)? {
            map.insert(id, new);
            continue;
        }
        let sp = node.span;
        let m = |x: &NodeId| map[x];
        let new = match &node.op {
            Op::Unary(u, x) => g.unary(*u, m(x), sp)?,
            Op::Binary(b, x, y) => g.binary(*b, m(x), m(y), sp)?,
            Op::Select(c, x, y) => g.select(m(c), m(x), m(y), sp)?,
            Op::Index(b, sels) => g.index(m(b), sels, sp)?,
            Op::Reduce(r, axes, b) => g.reduce(*r, axes, m(b), sp)?,
            Op::ReduceVec(r, v) => g.reduce_vec(*r, m(v), sp)?,
            Op::Stack(items) => {
                let items: Vec<NodeId> = items.iter().map(m).collect();
                g.stack(&items, sp)?
            }
            Op::U(_)
            | Op::Deriv(..)
            | Op::NormalDeriv(_)
            | Op::Const(_)
            | Op::Tensor(_)
            | Op::Input(_)
            | Op::AxisValue(_)
            | Op::Normal(_)
            | Op::Coef(_) => id,
        };
        map.insert(id, new);
    }
    Ok(map)
}
