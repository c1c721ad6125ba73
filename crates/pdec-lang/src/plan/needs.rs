//! Which derivatives of the unknown a set of IR expressions reads, as network input columns:
//! first derivatives, diagonal and mixed second derivatives, the normal derivative. The
//! training step carries one jet channel per entry ([`super::program`] decides them once,
//! at plan time), so a set the step cannot carry is refused here, with the span of the
//! derivative that asks for it.

use crate::geometry::inputs::InputLayout;
use crate::ir::{self, Comp, Coord, NodeId, Op, Problem};
use std::collections::{BTreeSet, HashSet};

/// Derivatives of the unknown that a set of expressions reads, by input column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Needs {
    pub first: BTreeSet<usize>,
    pub diag: BTreeSet<usize>,
    pub mixed: BTreeSet<(usize, usize)>,
    pub normal: bool,
}

/// Upper bound on mixed second derivatives computed by polarization in one problem.
pub const MAX_MIXED: usize = 4096;

/// A derivative the step cannot compute, at the node that asks for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Beyond {
    /// More than [`MAX_MIXED`] mixed second derivatives.
    TooManyMixed(NodeId),
    /// A derivative of order three or more (the checker refuses them in the source).
    AboveSecondOrder(NodeId),
}

impl Needs {
    /// Adds the derivatives that the expressions at `roots` read.
    pub fn scan(
        &mut self,
        p: &Problem,
        layout: &InputLayout,
        roots: &[NodeId],
    ) -> Result<(), Beyond> {
        self.scan_except(p, layout, roots, &BTreeSet::new())
    }

    /// [`Needs::scan`] with the nodes in `except` (and what only they read) left out: values
    /// the step computes otherwise (a drift's directional derivative inside an IR term).
    pub fn scan_except(
        &mut self,
        p: &Problem,
        layout: &InputLayout,
        roots: &[NodeId],
        except: &BTreeSet<NodeId>,
    ) -> Result<(), Beyond> {
        let g = &p.graph;
        let mut seen = HashSet::new();
        let mut stack: Vec<NodeId> = roots.to_vec();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) || except.contains(&n) {
                continue;
            }
            let op = g.op(n);
            stack.extend(ir::children(op));
            match op {
                Op::Deriv(_, coords) => match coords.as_slice() {
                    [c] => self.first.extend(columns_of(layout, g, c)),
                    [a, b] => {
                        self.second(layout, g, a, b);
                        if self.mixed.len() > MAX_MIXED {
                            return Err(Beyond::TooManyMixed(n));
                        }
                    }
                    _ => return Err(Beyond::AboveSecondOrder(n)),
                },
                Op::NormalDeriv(_) => self.normal = true,
                _ => {}
            }
        }
        Ok(())
    }

    /// The columns of a second derivative along `a` and `b`.
    fn second(&mut self, layout: &InputLayout, g: &ir::Graph, a: &Coord, b: &Coord) {
        let (ca, cb) = (columns_of(layout, g, a), columns_of(layout, g, b));
        let whole = matches!(
            a,
            Coord::Space {
                comp: Comp::Whole,
                ..
            }
        );
        if a == b && !whole {
            self.diag.extend(ca);
            return;
        }
        for x in &ca {
            for y in &cb {
                self.diag.insert(*x);
                if x != y {
                    self.diag.insert(*y);
                    self.mixed.insert((*x.min(y), *x.max(y)));
                }
            }
        }
    }
}

/// Input columns of a derivative coordinate (several for an axis or a whole vector; none
/// for a variable the network does not read).
pub fn columns_of(layout: &InputLayout, g: &ir::Graph, c: &Coord) -> Vec<usize> {
    match c {
        Coord::Time => layout.time().into_iter().collect(),
        Coord::Space { var, comp } => {
            let Some((off, len)) = layout.space(*var) else {
                return Vec::new();
            };
            match comp {
                Comp::Scalar => vec![off],
                Comp::Fixed(k) => vec![off + k],
                Comp::Axis(a, o) => (0..g.axis(*a).len()).map(|j| off + o + j).collect(),
                Comp::Whole => (off..off + len).collect(),
            }
        }
    }
}
