//! The outline of a 2-D constructive domain, for pictures: each boundary surface traced
//! along its part (a face's or an edge's segment, a circle, a plane's line across the
//! bounding box) at evenly spaced parameters, kept where the point is on the domain's
//! boundary, as polylines broken where the part leaves it.

use super::{Csg, Primitive};

impl Csg {
    /// Polylines along the boundary, `steps` segments per surface; empty unless 2-D.
    pub fn outline(&self, steps: usize) -> Vec<Vec<[f64; 2]>> {
        let mut out = Vec::new();
        if self.dim() != 2 || steps == 0 {
            return out;
        }
        let mut normal = [0.0; 2];
        for s in &self.surfaces {
            let Some(at) = self.part_curve(s.prim, s.part) else {
                continue;
            };
            let mut run: Vec<[f64; 2]> = Vec::new();
            for i in 0..=steps {
                let p = at(i as f64 / steps as f64);
                if self
                    .boundary_side(s.prim, s.part, &p, &mut normal)
                    .is_some()
                {
                    run.push(p);
                } else if run.len() > 1 {
                    out.push(std::mem::take(&mut run));
                } else {
                    run.clear();
                }
            }
            if run.len() > 1 {
                out.push(run);
            }
        }
        out
    }

    /// The part as a curve of a parameter in `[0, 1]` (a plane: its line within the
    /// bounding box; `None` when the line misses the box).
    fn part_curve(&self, prim: usize, part: usize) -> Option<Box<dyn Fn(f64) -> [f64; 2] + '_>> {
        let segment = |a: [f64; 2], b: [f64; 2]| -> Box<dyn Fn(f64) -> [f64; 2]> {
            Box::new(move |u| [a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1])])
        };
        Some(match &self.prims[prim] {
            Primitive::Box { lo, hi } => {
                let k = part / 2;
                let at = if part.is_multiple_of(2) { lo[k] } else { hi[k] };
                let j = 1 - k;
                let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
                (a[k], b[k]) = (at, at);
                (a[j], b[j]) = (lo[j], hi[j]);
                segment(a, b)
            }
            Primitive::Polygon { vertices } => {
                let (a, b) = super::edge(vertices, part);
                segment(a, b)
            }
            Primitive::Ball { center, radius } => {
                let (c, r) = ([center[0], center[1]], *radius);
                Box::new(move |u| {
                    let a = std::f64::consts::TAU * u;
                    [c[0] + r * a.cos(), c[1] + r * a.sin()]
                })
            }
            Primitive::HalfSpace { normal, offset } => {
                // The line n . x = offset clipped to the bounding box: along its direction
                // from the point nearest the box's centre.
                let d = [-normal[1], normal[0]];
                let mid = [
                    (self.lo[0] + self.hi[0]) / 2.0,
                    (self.lo[1] + self.hi[1]) / 2.0,
                ];
                let shift = offset - (normal[0] * mid[0] + normal[1] * mid[1]);
                let o = [mid[0] + shift * normal[0], mid[1] + shift * normal[1]];
                let (mut t0, mut t1) = (f64::NEG_INFINITY, f64::INFINITY);
                for k in 0..2 {
                    if d[k].abs() < 1e-15 {
                        if o[k] < self.lo[k] || o[k] > self.hi[k] {
                            return None;
                        }
                        continue;
                    }
                    let (a, b) = ((self.lo[k] - o[k]) / d[k], (self.hi[k] - o[k]) / d[k]);
                    t0 = t0.max(a.min(b));
                    t1 = t1.min(a.max(b));
                }
                if t0 >= t1 {
                    return None;
                }
                let a = [o[0] + t0 * d[0], o[1] + t0 * d[1]];
                let b = [o[0] + t1 * d[0], o[1] + t1 * d[1]];
                segment(a, b)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::csg::{Csg, CsgNode, Primitive, SetOp};

    fn two(op: SetOp, a: Primitive, b: Primitive) -> Csg {
        let nodes = vec![
            CsgNode::Prim { prim: 0 },
            CsgNode::Prim { prim: 1 },
            CsgNode::Op { op, lhs: 0, rhs: 1 },
        ];
        Csg::build(vec![a, b], nodes, Vec::new()).expect("a domain")
    }

    #[test]
    fn an_l_shape_is_outlined_by_its_six_sides() {
        let c = two(
            SetOp::Difference,
            Primitive::Box {
                lo: vec![0.0, 0.0],
                hi: vec![2.0, 2.0],
            },
            Primitive::Box {
                lo: vec![1.0, 1.0],
                hi: vec![2.0, 2.0],
            },
        );
        let lines = c.outline(200);
        assert_eq!(lines.len(), 6, "{lines:?}");
        let length: f64 = lines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt())
            .sum();
        // The perimeter is 8, less at most a step at each end of each run.
        assert!((length - 8.0).abs() < 0.1, "{length}");
        // No point of the outline is off the boundary: none inside the notch.
        assert!(lines.iter().flatten().all(|p| !(p[0] > 1.0 && p[1] > 1.0)));
    }

    #[test]
    fn a_triangle_cut_by_a_half_space_and_a_hole() {
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let c = two(
            SetOp::Intersection,
            Primitive::Box {
                lo: vec![0.0, 0.0],
                hi: vec![1.0, 1.0],
            },
            Primitive::HalfSpace {
                normal: vec![h, h],
                offset: h,
            },
        );
        let on_diagonal = c
            .outline(100)
            .into_iter()
            .flatten()
            .filter(|p| (p[0] + p[1] - 1.0).abs() < 1e-9)
            .count();
        assert!(on_diagonal > 90, "{on_diagonal}");
        let c = two(
            SetOp::Difference,
            Primitive::Box {
                lo: vec![-1.0, -1.0],
                hi: vec![1.0, 1.0],
            },
            Primitive::Ball {
                center: vec![0.0, 0.0],
                radius: 0.3,
            },
        );
        let circle: Vec<[f64; 2]> = c
            .outline(100)
            .into_iter()
            .flatten()
            .filter(|p| (p[0].hypot(p[1]) - 0.3).abs() < 1e-9)
            .collect();
        assert_eq!(circle.len(), 101);
    }
}
