//! Which levels are non-negative at every point of the domain, by the construction rather
//! than by probes. The second-order analysis needs it: `u = g + dist(P) * net` puts `dist(P)`
//! in front of the network's second derivatives, and the Monte Carlo path factors that
//! coefficient as `B B^T`, which needs its sign proven over the points the PDE is evaluated
//! at. Interval bounds over the bounding box cannot see it (`1 / phi` of a level that is 0 on
//! the box is unbounded; a hole's level is negative inside the hole, which is in the box).
//!
//! The argument: the domain lies inside every primitive on the left of a difference and on
//! either side of an intersection (its *supersets*), and misses every primitive contained in
//! the right side of a difference (its *exclusions*). A primitive's own level is then
//! non-negative on the domain: a box face's or a half-space's plane on the box or half-space,
//! a sphere's `(r^2 - |x - c|^2) / 2r` on its ball, and with the sign turned on the outside
//! of an excluded ball. A trimmed segment's level is a square root. R-equivalence of
//! non-negative levels is non-negative. What this does not prove (a union's faces, a
//! subtracted box's faces) stays unproven: the exact path, not a wrong answer.

use super::super::{Csg, CsgNode, Primitive, SetOp};
use super::Level;

impl Csg {
    /// Is `level`, the level of boundary surface `surface`, non-negative on the whole domain
    /// (to within the rounding of its coefficients, which the solver's `relu` before a
    /// factor's square root absorbs)?
    pub fn level_nonnegative(&self, surface: usize, level: &Level) -> bool {
        let s = &self.surfaces[surface];
        let root = self.nodes.len() - 1;
        let prim = &self.prims[s.prim];
        match level {
            Level::Segment { .. } => true,
            Level::Sphere { sign, .. } if *sign > 0.0 => self.supersets(root).contains(&s.prim),
            Level::Sphere { .. } => self.exclusions(root).contains(&s.prim),
            Level::Plane { normal, offset } => {
                self.supersets(root).contains(&s.prim)
                    && plane_nonnegative_on(prim, normal, *offset)
            }
        }
    }

    /// The primitives that contain the set of node `n`.
    fn supersets(&self, n: usize) -> Vec<usize> {
        match self.nodes[n] {
            CsgNode::Prim { prim } => vec![prim],
            CsgNode::Op { op, lhs, rhs } => match op {
                SetOp::Difference => self.supersets(lhs),
                SetOp::Intersection => union(self.supersets(lhs), self.supersets(rhs)),
                SetOp::Union => common(self.supersets(lhs), self.supersets(rhs)),
            },
        }
    }

    /// The primitives that the set of node `n` does not meet (except on their surface).
    fn exclusions(&self, n: usize) -> Vec<usize> {
        match self.nodes[n] {
            CsgNode::Prim { .. } => Vec::new(),
            CsgNode::Op { op, lhs, rhs } => match op {
                SetOp::Difference => union(self.exclusions(lhs), self.subsets(rhs)),
                SetOp::Intersection => union(self.exclusions(lhs), self.exclusions(rhs)),
                SetOp::Union => common(self.exclusions(lhs), self.exclusions(rhs)),
            },
        }
    }

    /// The primitives contained in the set of node `n`.
    fn subsets(&self, n: usize) -> Vec<usize> {
        match self.nodes[n] {
            CsgNode::Prim { prim } => vec![prim],
            CsgNode::Op { op, lhs, rhs } => match op {
                SetOp::Union => union(self.subsets(lhs), self.subsets(rhs)),
                SetOp::Intersection => common(self.subsets(lhs), self.subsets(rhs)),
                SetOp::Difference => Vec::new(),
            },
        }
    }
}

fn union(mut a: Vec<usize>, b: Vec<usize>) -> Vec<usize> {
    for p in b {
        if !a.contains(&p) {
            a.push(p);
        }
    }
    a
}

fn common(a: Vec<usize>, b: Vec<usize>) -> Vec<usize> {
    a.into_iter().filter(|p| b.contains(p)).collect()
}

/// Is `offset - normal . x >= 0` on the whole primitive? Exact for a box and an axis-aligned
/// plane (the products are by +-1 and 0, a difference of floats keeps its sign) and for a
/// half-space's own plane; a polygon's edge line when every vertex is on its side (the
/// polygon is then inside the half-plane), the vertices off the line by a margin that rounding
/// cannot account for.
fn plane_nonnegative_on(prim: &Primitive, normal: &[f64], offset: f64) -> bool {
    match prim {
        Primitive::Box { lo, hi } => {
            let axis = normal.iter().filter(|n| **n != 0.0).count() == 1
                && normal.iter().all(|n| [0.0, 1.0, -1.0].contains(n));
            let k = normal.iter().position(|n| *n != 0.0);
            match (axis, k) {
                // `n = +-e_k`: the smallest value is `offset - max(n x_k)` over the box.
                (true, Some(k)) => {
                    let worst = if normal[k] > 0.0 { hi[k] } else { -lo[k] };
                    offset - worst >= 0.0
                }
                _ => false,
            }
        }
        Primitive::HalfSpace {
            normal: n,
            offset: c,
        } => n.as_slice() == normal && *c == offset,
        Primitive::Polygon { vertices } => {
            let scale = offset.abs()
                + vertices
                    .iter()
                    .map(|v| v[0].abs() + v[1].abs())
                    .fold(0.0, f64::max);
            vertices.iter().all(|v| {
                let value = offset - normal[0] * v[0] - normal[1] * v[1];
                value >= -1e-12 * scale
            })
        }
        Primitive::Ball { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::csg::{Csg, CsgNode, NamedPiece, Primitive, SetOp};

    fn build(prims: Vec<Primitive>, nodes: Vec<CsgNode>) -> Csg {
        Csg::build(prims, nodes, Vec::<NamedPiece>::new()).expect("a domain")
    }

    fn cube(d: usize, lo: f64, hi: f64) -> Primitive {
        Primitive::Box {
            lo: vec![lo; d],
            hi: vec![hi; d],
        }
    }

    fn proven(c: &Csg) -> Vec<bool> {
        (0..c.surfaces.len())
            .map(|s| c.level(s).is_ok_and(|l| c.level_nonnegative(s, &l)))
            .collect()
    }

    /// A cube minus a ball cutting through its faces, in 4-D: every face's plane and the
    /// hole's sphere are proven, and each proven level is indeed non-negative at points drawn
    /// inside the domain.
    #[test]
    fn a_cube_minus_a_ball_is_proven_everywhere() {
        let c = build(
            vec![
                cube(4, 0.0, 1.0),
                Primitive::Ball {
                    center: vec![0.5; 4],
                    radius: 0.7,
                },
            ],
            vec![
                CsgNode::Prim { prim: 0 },
                CsgNode::Prim { prim: 1 },
                CsgNode::Op {
                    op: SetOp::Difference,
                    lhs: 0,
                    rhs: 1,
                },
            ],
        );
        assert_eq!(c.surfaces.len(), 9);
        assert!(proven(&c).iter().all(|p| *p), "{:?}", proven(&c));
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut p = vec![0.0; 4];
        for _ in 0..2000 {
            c.sample_inside(&mut rng, &mut p);
            for s in 0..c.surfaces.len() {
                assert!(c.level(s).expect("a level").value(&p) >= 0.0, "{p:?}");
            }
        }
    }

    /// A union's faces are not proven, even where true (neither box contains the domain): the
    /// exact path is taken, not a wrong one.
    #[test]
    fn unions_and_subtracted_boxes_are_not_proven() {
        let two = build(
            vec![
                Primitive::Box {
                    lo: vec![0.0, 0.0],
                    hi: vec![2.0, 1.0],
                },
                Primitive::Box {
                    lo: vec![0.0, 0.0],
                    hi: vec![1.0, 2.0],
                },
            ],
            vec![
                CsgNode::Prim { prim: 0 },
                CsgNode::Prim { prim: 1 },
                CsgNode::Op {
                    op: SetOp::Union,
                    lhs: 0,
                    rhs: 1,
                },
            ],
        );
        let p = proven(&two);
        assert!(p.iter().any(|p| !p), "{p:?}");
        // The L as a square minus its upper right quarter: the outer faces are proven, the
        // notch's two sides are trimmed segments (square roots, proven).
        let l = build(
            vec![
                cube(2, 0.0, 2.0),
                Primitive::Box {
                    lo: vec![1.0, 1.0],
                    hi: vec![2.0, 2.0],
                },
            ],
            vec![
                CsgNode::Prim { prim: 0 },
                CsgNode::Prim { prim: 1 },
                CsgNode::Op {
                    op: SetOp::Difference,
                    lhs: 0,
                    rhs: 1,
                },
            ],
        );
        assert!(proven(&l).iter().all(|p| *p), "{:?}", proven(&l));
    }
}
