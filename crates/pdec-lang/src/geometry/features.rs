//! Extra network inputs for the holes of a constructive domain.
//!
//! A hole (a primitive subtracted from the domain and enclosed by it, its bounding box
//! strictly inside the domain's) leaves the network defined across a region where no point
//! is ever drawn. The solution outside usually continues into the hole only with sources
//! inside it: potential flow around a cylinder, `u = 1 - x1 (1 + R^2 / |x|^2)`, is harmonic in
//! the plate but its smooth continuation across the hole has a Laplacian of order `1 / R`
//! concentrated inside the disc and zero just outside. A network of the coordinates alone
//! finds that continuation only through a sharp feature of its second derivatives, and
//! trains to the flow without the hole instead (docs/RESULTS.md, "Holes").
//!
//! Each hole therefore adds one input: the inverse distance to its centre,
//! `rho = a / sqrt(|x - c|^2 + (a / 2)^2)` with `a` the hole's inner radius (a ball's radius,
//! a box's smallest half-width). On the domain it is smooth and bounded, and the hole's
//! multipoles (`rho`, `rho^2 (x - c)`, ...), which the continuation needs, are smooth
//! functions of it and of `x`; the `(a / 2)^2` keeps it finite at the centre, where no point
//! is drawn but where a Monte Carlo shift or `pdec eval` may land.

use crate::ir::csg::{Csg, CsgNode, Primitive, SetOp};
use serde::Serialize;

/// One hole's input column: `rho(x)` of the space variable in columns `offset..offset +
/// len`, mapped affinely from `[lo, hi]` (its range on the domain's bounding box) to `[-1, 1]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HoleFeature {
    /// The space variable's name and the hole's primitive (for `pdec explain`).
    pub var: String,
    pub prim: usize,
    #[serde(skip)]
    pub offset: usize,
    #[serde(skip)]
    pub len: usize,
    pub center: Vec<f64>,
    /// The hole's inner radius `a`.
    pub radius: f64,
    /// The feature's smallest and largest value on the domain's bounding box.
    pub lo: f64,
    pub hi: f64,
}

impl HoleFeature {
    /// `rho` at the space point `x` (the variable's components).
    pub fn value(&self, x: &[f64]) -> f64 {
        let r2: f64 = x
            .iter()
            .zip(&self.center)
            .map(|(v, c)| (v - c).powi(2))
            .sum();
        self.radius / (r2 + self.eps2()).sqrt()
    }

    /// The softening `(a / 2)^2` under the square root.
    pub fn eps2(&self) -> f64 {
        (self.radius / 2.0).powi(2)
    }
}

/// The holes of `csg` (a space variable's domain in columns `offset..offset + csg.dim()`),
/// in primitive order.
pub fn hole_features(var: &str, csg: &Csg, offset: usize) -> Vec<HoleFeature> {
    let mut out = Vec::new();
    for prim in subtracted(csg) {
        let Some((center, radius)) = centre_and_radius(&csg.prims[prim]) else {
            continue;
        };
        let pb = csg.prims[prim].bounds();
        let enclosed = pb
            .iter()
            .zip(csg.lo.iter().zip(&csg.hi))
            .all(|((a, b), (lo, hi))| a > lo && b < hi);
        if !enclosed || radius.is_nan() || radius <= 0.0 {
            continue;
        }
        let mut f = HoleFeature {
            var: var.to_string(),
            prim,
            offset,
            len: csg.dim(),
            center,
            radius,
            lo: 0.0,
            hi: 0.0,
        };
        // The largest value is at the hole's edge (at least `a` from the centre), the
        // smallest at the bounding box's farthest corner.
        let far2: f64 = f
            .center
            .iter()
            .zip(csg.lo.iter().zip(&csg.hi))
            .map(|(c, (lo, hi))| (c - lo).abs().max((hi - c).abs()).powi(2))
            .sum();
        f.lo = f.radius / (far2 + f.eps2()).sqrt();
        f.hi = f.radius / (f.radius.powi(2) + f.eps2()).sqrt();
        out.push(f);
    }
    out
}

/// The primitives the domain lies outside of: those on the right of an odd number of `-`.
fn subtracted(csg: &Csg) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![(csg.nodes.len() - 1, false)];
    while let Some((n, neg)) = stack.pop() {
        match csg.nodes[n] {
            CsgNode::Prim { prim } => {
                if neg {
                    out.push(prim);
                }
            }
            CsgNode::Op { op, lhs, rhs } => {
                stack.push((lhs, neg));
                stack.push((rhs, neg ^ (op == SetOp::Difference)));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A bounded primitive's centre and inner radius (`None` for a half-space).
fn centre_and_radius(p: &Primitive) -> Option<(Vec<f64>, f64)> {
    match p {
        Primitive::Ball { center, radius } => Some((center.clone(), *radius)),
        Primitive::Box { lo, hi } => Some((
            lo.iter().zip(hi).map(|(a, b)| (a + b) / 2.0).collect(),
            lo.iter()
                .zip(hi)
                .map(|(a, b)| (b - a) / 2.0)
                .fold(f64::INFINITY, f64::min),
        )),
        Primitive::Polygon { .. } => {
            let b = p.bounds();
            Some((
                b.iter().map(|(a, c)| (a + c) / 2.0).collect(),
                b.iter()
                    .map(|(a, c)| (c - a) / 2.0)
                    .fold(f64::INFINITY, f64::min),
            ))
        }
        Primitive::HalfSpace { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::csg::NamedPiece;

    fn plate_with_hole(r: f64) -> Csg {
        let prims = vec![
            Primitive::Box {
                lo: vec![-1.0, -1.0],
                hi: vec![1.0, 1.0],
            },
            Primitive::Ball {
                center: vec![0.0, 0.0],
                radius: r,
            },
        ];
        let nodes = vec![
            CsgNode::Prim { prim: 0 },
            CsgNode::Prim { prim: 1 },
            CsgNode::Op {
                op: SetOp::Difference,
                lhs: 0,
                rhs: 1,
            },
        ];
        Csg::build(prims, nodes, Vec::<NamedPiece>::new()).expect("a domain")
    }

    #[test]
    fn an_enclosed_ball_is_a_hole_with_its_range() {
        let f = hole_features("x", &plate_with_hole(0.3), 0);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].prim, f[0].len), (1, 2));
        let edge = f[0].value(&[0.3, 0.0]);
        assert!((edge - f[0].hi).abs() < 1e-12, "{edge} {}", f[0].hi);
        assert!((f[0].value(&[1.0, 1.0]) - f[0].lo).abs() < 1e-12);
        // Finite at the centre, where no point is drawn.
        assert!((f[0].value(&[0.0, 0.0]) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_notch_or_a_window_is_not_a_hole() {
        // A ball that reaches the box's sides opens windows in them: no hole.
        assert!(hole_features("x", &plate_with_hole(1.0), 0).is_empty());
    }
}
