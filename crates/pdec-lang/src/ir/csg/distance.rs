//! Approximate distance functions of boundary pieces, for `dist(...)` in an ansatz
//! (Sukumar and Srivastava 2022, "Exact imposition of boundary conditions with distance
//! functions in physics-informed deep neural networks", after Rvachev's R-functions and
//! Biswas and Shapiro's trimmed distances).
//!
//! Each boundary surface gets a [`Level`]: a function that is zero on the surface, positive
//! inside the domain and normalised (unit slope across the surface). Where the domain lies on
//! one side of the whole primitive surface (a box face of a convex part, a hole's sphere, the
//! outer sphere) that is the surface's signed distance (a plane) or `(r^2 - |x - c|^2) / 2r`
//! (a sphere): polynomials, smooth everywhere. Where the primitive's plane runs on into the
//! domain (the notch of an L-shape, a re-entrant polygon edge) the level is trimmed to its
//! segment in 2-D; elsewhere (a 3-D face whose plane enters the domain, a sphere or a plane
//! part of which is inside) the surface is refused ([`Untrimmable`]), because its level would
//! vanish inside the domain. The levels of several surfaces are joined by R-equivalence with
//! `m = 1`, `phi = 1 / (1 / phi_1 + ... + 1 / phi_n)`: zero exactly where one level is,
//! positive where all are, smooth except where two vanish at once (the corners), with unit
//! normal slope on every surface. `m = 1` keeps the join a rational function of the levels
//! (no further root); `m = 2` would make it a closer distance (second normal derivative 0 on
//! the surfaces) at the cost of a square root.

use super::{Csg, MAX_TRIES, Primitive};
use rand::{RngExt, SeedableRng};

mod sign;

/// The normalised level of one boundary surface.
#[derive(Clone, Debug, PartialEq)]
pub enum Level {
    /// `offset - normal . x` (`normal` a unit vector pointing out of the domain).
    Plane { normal: Vec<f64>, offset: f64 },
    /// `sign (r^2 - |x - c|^2) / (2 r)`: `sign` 1 when the domain is inside the sphere, -1
    /// around a hole.
    Sphere {
        center: Vec<f64>,
        radius: f64,
        sign: f64,
    },
    /// The trimmed distance to the segment `a b` in 2-D, zero on the segment only:
    /// `f` the signed distance to its line, `t = ((L/2)^2 - |x - mid|^2) / L` positive on the
    /// disc the segment spans, `psi = sqrt(t^2 + f^4)`, level `sqrt(f^2 + ((psi - t) / 2)^2)`.
    Segment { a: [f64; 2], b: [f64; 2] },
}

/// A surface whose level would vanish inside the domain, with a point of the domain where it
/// does (or near which it does).
#[derive(Clone, Debug, PartialEq)]
pub struct Untrimmable {
    pub surface: usize,
    pub point: Vec<f64>,
}

/// Candidates drawn on a surface, and points drawn inside, to decide a surface's level.
const PROBES: usize = 4000;

impl Level {
    /// The level's value at `p` (the same arithmetic the IR form of `dist` does).
    pub fn value(&self, p: &[f64]) -> f64 {
        match self {
            Level::Plane { normal, offset } => {
                offset - normal.iter().zip(p).map(|(n, v)| n * v).sum::<f64>()
            }
            Level::Sphere {
                center,
                radius,
                sign,
            } => {
                let r2: f64 = p.iter().zip(center).map(|(v, c)| (v - c) * (v - c)).sum();
                sign * (radius * radius - r2) / (2.0 * radius)
            }
            Level::Segment { a, b } => {
                let (f, t) = segment_parts(*a, *b, p);
                let psi = (t * t + f.powi(4)).sqrt();
                (f * f + ((psi - t) / 2.0).powi(2)).sqrt()
            }
        }
    }
}

/// For a segment `a b`: the signed distance to its line and the trimming function.
fn segment_parts(a: [f64; 2], b: [f64; 2], p: &[f64]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let l = (dx * dx + dy * dy).sqrt();
    let f = ((p[0] - a[0]) * dy - (p[1] - a[1]) * dx) / l;
    let (mx, my) = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0);
    let t = (l * l / 4.0 - (p[0] - mx).powi(2) - (p[1] - my).powi(2)) / l;
    (f, t)
}

/// R-equivalence (`m = 1`) of level values: what `dist` computes from its levels, one as it
/// is, several as `1 / (1 / phi_1 + ... + 1 / phi_n)` (0 where one of them is).
pub fn join(values: &[f64]) -> f64 {
    match values {
        [] => 1.0,
        [one] => *one,
        _ => 1.0 / values.iter().map(|v| 1.0 / v).sum::<f64>(),
    }
}

impl Csg {
    /// The level of boundary surface `surface` (an index into [`Csg::surfaces`]), decided by
    /// seeded probes so that it is the same run after run: a point of the part with the
    /// domain on both sides, or a point inside the domain on the wrong side of an untrimmed
    /// level, makes the smooth form unusable.
    pub fn level(&self, surface: usize) -> Result<Level, Untrimmable> {
        let s = &self.surfaces[surface];
        let prim = &self.prims[s.prim];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x0d15_7a9c + surface as u64);
        let d = self.dim();
        if let Some(point) = self.part_inside(s.prim, s.part, &mut rng) {
            return Err(Untrimmable { surface, point });
        }
        let side = self.domain_side(surface, &mut rng);
        let smooth = match prim {
            Primitive::Box { lo, hi } => {
                let k = s.part / 2;
                let mut normal = vec![0.0; d];
                let (n, at) = if s.part.is_multiple_of(2) {
                    (-1.0, lo[k])
                } else {
                    (1.0, hi[k])
                };
                normal[k] = n * side;
                Level::Plane {
                    normal,
                    offset: n * side * at,
                }
            }
            Primitive::HalfSpace { normal, offset } => Level::Plane {
                normal: normal.iter().map(|n| n * side).collect(),
                offset: offset * side,
            },
            Primitive::Ball { center, radius } => Level::Sphere {
                center: center.clone(),
                radius: *radius,
                sign: side,
            },
            Primitive::Polygon { vertices } => {
                let (a, _) = super::edge(vertices, s.part);
                let mut normal = [0.0; 2];
                prim.normal(s.part, &a, &mut normal);
                let n: Vec<f64> = normal.iter().map(|n| n * side).collect();
                let offset = n[0] * a[0] + n[1] * a[1];
                Level::Plane { normal: n, offset }
            }
        };
        let Some(point) = self.negative_inside(&smooth, &mut rng) else {
            return Ok(smooth);
        };
        match (prim, d) {
            (Primitive::Polygon { vertices }, _) => {
                let (a, b) = super::edge(vertices, s.part);
                Ok(Level::Segment { a, b })
            }
            (Primitive::Box { lo, hi }, 2) => {
                let k = s.part / 2;
                let at = if s.part.is_multiple_of(2) {
                    lo[k]
                } else {
                    hi[k]
                };
                let j = 1 - k;
                let mut a = [0.0; 2];
                let mut b = [0.0; 2];
                (a[k], b[k]) = (at, at);
                (a[j], b[j]) = (lo[j], hi[j]);
                Ok(Level::Segment { a, b })
            }
            _ => Err(Untrimmable { surface, point }),
        }
    }

    /// A point of the primitive's part with the domain on both sides of it, if the probes
    /// find one.
    fn part_inside(
        &self,
        prim: usize,
        part: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Option<Vec<f64>> {
        let d = self.dim();
        let (mut p, mut n, mut q) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        let step = 10.0 * self.step;
        for _ in 0..PROBES {
            if !self.prims[prim].candidate(part, &self.lo, &self.hi, rng, &mut p) {
                continue;
            }
            self.prims[prim].normal(part, &p, &mut n);
            let mut both = true;
            for s in [-1.0, 1.0] {
                for ((q, v), n) in q.iter_mut().zip(&p).zip(&n) {
                    *q = v + s * step * n;
                }
                both &= self.contains(&q);
            }
            if both {
                return Some(p);
            }
        }
        None
    }

    /// 1 when the domain is on the inner side of the surface's primitive, -1 when it is
    /// on the outer side (a hole), from a point of the surface on the boundary.
    fn domain_side(&self, surface: usize, rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
        let s = &self.surfaces[surface];
        let d = self.dim();
        let (mut p, mut n) = (vec![0.0; d], vec![0.0; d]);
        for _ in 0..MAX_TRIES {
            if !self.prims[s.prim].candidate(s.part, &self.lo, &self.hi, rng, &mut p) {
                continue;
            }
            if let Some(side) = self.boundary_side(s.prim, s.part, &p, &mut n) {
                return side;
            }
        }
        1.0
    }

    /// A point drawn inside the domain where `level` is not positive, if the probes find one.
    fn negative_inside(
        &self,
        level: &Level,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Option<Vec<f64>> {
        let mut p = vec![0.0; self.dim()];
        for _ in 0..PROBES {
            for ((o, a), b) in p.iter_mut().zip(&self.lo).zip(&self.hi) {
                *o = a + (b - a) * rng.random::<f64>();
            }
            if self.contains(&p) && level.value(&p) <= 0.0 {
                return Some(p);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
