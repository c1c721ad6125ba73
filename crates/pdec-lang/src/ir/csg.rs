//! Constructive domains: primitives (boxes, balls, half-spaces and, in 2-D, polygons)
//! combined by union, intersection and difference. A [`Csg`] knows its membership test, its
//! bounding box, the share of that box it fills (the acceptance rate of rejection sampling)
//! and its boundary as a list of [`Surface`]s: the parts of the primitives' surfaces (a face
//! of a box, a sphere, a plane, an edge) that are on the boundary of the constructed set,
//! each with its area. These are measured once, when the domain is checked
//! ([`Csg::build`]), by a seeded Monte Carlo count, so they are the same run after run.
//!
//! A point of a primitive's surface is on the domain's boundary when the domain holds the
//! point a small step inside the surface and not the point a small step outside, or the other
//! way round (then the domain lies outside the primitive: a hole, whose outward normal points
//! into the hole). Surfaces that coincide (two boxes sharing a face) count once, for the
//! primitive written first.

use rand::{Rng, RngExt, SeedableRng};
use serde::Serialize;

pub mod distance;
pub mod outline;

/// One primitive set. All are closed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Primitive {
    Box {
        lo: Vec<f64>,
        hi: Vec<f64>,
    },
    Ball {
        center: Vec<f64>,
        radius: f64,
    },
    /// `{ x : normal . x <= offset }`; `normal` is a unit vector, the outward normal.
    HalfSpace {
        normal: Vec<f64>,
        offset: f64,
    },
    /// A simple polygon in 2-D, vertices counter-clockwise; its parts are its edges (edge `k`
    /// from vertex `k` to vertex `k + 1`).
    Polygon {
        vertices: Vec<[f64; 2]>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetOp {
    Union,
    Intersection,
    Difference,
}

/// A node of the construction: the nodes are in an arena, children before parents, the
/// root last.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CsgNode {
    Prim { prim: usize },
    Op { op: SetOp, lhs: usize, rhs: usize },
}

/// A name given with `as`, and the primitives it covers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamedPiece {
    pub name: String,
    pub prims: Vec<usize>,
}

/// A part of a primitive's surface that is (at least in part) on the domain's boundary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Surface {
    pub prim: usize,
    pub part: usize,
    /// The area of the part that is on the boundary (Monte Carlo estimate).
    pub area: f64,
    /// The share of uniform candidates on the part (within the bounding box for a plane)
    /// that are on the boundary: the acceptance rate of the piece's sampler.
    pub fraction: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Csg {
    pub prims: Vec<Primitive>,
    pub nodes: Vec<CsgNode>,
    pub pieces: Vec<NamedPiece>,
    /// The bounding box interior points are drawn from.
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// The share of the bounding box inside the domain (Monte Carlo estimate).
    pub acceptance: f64,
    /// The boundary: every surface part with a positive share on it.
    pub surfaces: Vec<Surface>,
    /// A point inside the domain (where a sampler's tries run out, which the acceptance rates
    /// make vanishingly rare).
    pub inside_point: Vec<f64>,
    /// The step off a surface that tells inside from outside, and the distance within which
    /// a point counts as on a surface: fractions of the bounding box's diagonal.
    pub step: f64,
}

/// Why a construction is not a usable domain.
#[derive(Clone, Debug, PartialEq)]
pub enum CsgError {
    /// The bounding box is infinite along this component (half-spaces not closed off).
    Unbounded { comp: usize },
    /// No point of the bounding box (or of `draws` drawn in it) is inside.
    Empty { draws: usize },
}

/// Points drawn to estimate the acceptance rate.
pub const VOLUME_DRAWS: usize = 20_000;
/// Tries of one rejection sampler before it gives up (see [`Csg::inside_point`]).
pub const MAX_TRIES: usize = 1_000_000;

impl Primitive {
    pub fn dim(&self) -> usize {
        match self {
            Primitive::Box { lo, .. } => lo.len(),
            Primitive::Ball { center, .. } => center.len(),
            Primitive::HalfSpace { normal, .. } => normal.len(),
            Primitive::Polygon { .. } => 2,
        }
    }

    /// The primitive's bounding box (infinite for a half-space).
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        match self {
            Primitive::Box { lo, hi } => lo.iter().zip(hi).map(|(a, b)| (*a, *b)).collect(),
            Primitive::Ball { center, radius } => {
                center.iter().map(|c| (c - radius, c + radius)).collect()
            }
            Primitive::HalfSpace { normal, .. } => {
                vec![(f64::NEG_INFINITY, f64::INFINITY); normal.len()]
            }
            Primitive::Polygon { vertices } => (0..2)
                .map(|k| {
                    let it = vertices.iter().map(|v| v[k]);
                    (
                        it.clone().fold(f64::INFINITY, f64::min),
                        it.fold(f64::NEG_INFINITY, f64::max),
                    )
                })
                .collect(),
        }
    }

    pub fn contains(&self, p: &[f64]) -> bool {
        match self {
            Primitive::Box { lo, hi } => p
                .iter()
                .zip(lo.iter().zip(hi))
                .all(|(v, (a, b))| v >= a && v <= b),
            Primitive::Ball { center, radius } => {
                let r2: f64 = p.iter().zip(center).map(|(v, c)| (v - c) * (v - c)).sum();
                r2 <= radius * radius
            }
            Primitive::HalfSpace { normal, offset } => dot(normal, p) <= *offset,
            Primitive::Polygon { vertices } => in_polygon(vertices, p),
        }
    }

    /// How many parts its surface has: `2 d` faces of a box (`2 k` the lower side of
    /// component `k`, `2 k + 1` the upper), one sphere, one plane, an edge per vertex.
    pub fn parts(&self) -> usize {
        match self {
            Primitive::Box { lo, .. } => 2 * lo.len(),
            Primitive::Ball { .. } | Primitive::HalfSpace { .. } => 1,
            Primitive::Polygon { vertices } => vertices.len(),
        }
    }

    /// The measure of the set [`Primitive::candidate`] draws from uniformly: the part's area
    /// (for a plane, the area of the set it draws from, whose points outside `lo..hi` it
    /// rejects).
    pub fn part_measure(&self, part: usize, lo: &[f64], hi: &[f64]) -> f64 {
        match self {
            Primitive::Box { lo: a, hi: b } => (0..a.len())
                .filter(|j| *j != part / 2)
                .map(|j| b[j] - a[j])
                .product(),
            Primitive::Ball { center, radius } => sphere_area(center.len(), *radius),
            Primitive::HalfSpace { normal, .. } => {
                let k = largest(normal);
                let across: f64 = (0..lo.len())
                    .filter(|j| *j != k)
                    .map(|j| hi[j] - lo[j])
                    .product();
                across / normal[k].abs()
            }
            Primitive::Polygon { vertices } => {
                let (a, b) = edge(vertices, part);
                ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
            }
        }
    }

    /// A point uniform on the part (for a plane: on the plane within `lo..hi`), written to
    /// `out`; false when the draw falls outside `lo..hi` (planes only) and must be redone.
    pub fn candidate(
        &self,
        part: usize,
        lo: &[f64],
        hi: &[f64],
        rng: &mut impl Rng,
        out: &mut [f64],
    ) -> bool {
        match self {
            Primitive::Box { lo: a, hi: b } => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = a[j] + (b[j] - a[j]) * rng.random::<f64>();
                }
                let k = part / 2;
                out[k] = if part.is_multiple_of(2) { a[k] } else { b[k] };
                true
            }
            Primitive::Ball { center, radius } => {
                gaussian_direction(rng, out);
                for (o, c) in out.iter_mut().zip(center) {
                    *o = c + radius * *o;
                }
                true
            }
            Primitive::HalfSpace { normal, offset } => {
                let k = largest(normal);
                let mut s = 0.0;
                for (j, o) in out.iter_mut().enumerate() {
                    if j != k {
                        *o = lo[j] + (hi[j] - lo[j]) * rng.random::<f64>();
                        s += normal[j] * *o;
                    }
                }
                out[k] = (offset - s) / normal[k];
                out[k] >= lo[k] && out[k] <= hi[k]
            }
            Primitive::Polygon { vertices } => {
                let (a, b) = edge(vertices, part);
                let u = rng.random::<f64>();
                out[0] = a[0] + u * (b[0] - a[0]);
                out[1] = a[1] + u * (b[1] - a[1]);
                true
            }
        }
    }

    /// The primitive's outward unit normal on part `part` at `p`.
    pub fn normal(&self, part: usize, p: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        match self {
            Primitive::Box { .. } => {
                out[part / 2] = if part.is_multiple_of(2) { -1.0 } else { 1.0 }
            }
            Primitive::Ball { center, radius } => {
                for ((o, v), c) in out.iter_mut().zip(p).zip(center) {
                    *o = (v - c) / radius;
                }
                let n = dot(out, out).sqrt();
                if n > 0.0 {
                    out.iter_mut().for_each(|o| *o /= n);
                }
            }
            Primitive::HalfSpace { normal, .. } => out.copy_from_slice(normal),
            Primitive::Polygon { vertices } => {
                let (a, b) = edge(vertices, part);
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let l = (dx * dx + dy * dy).sqrt();
                // Counter-clockwise: the outside is on the right.
                out[0] = dy / l;
                out[1] = -dx / l;
            }
        }
    }

    /// Is `p` within `tol` of part `part` of the primitive's surface?
    pub fn near_part(&self, part: usize, p: &[f64], tol: f64) -> bool {
        match self {
            Primitive::Box { lo, hi } => {
                let k = part / 2;
                let at = if part.is_multiple_of(2) { lo[k] } else { hi[k] };
                (p[k] - at).abs() <= tol
                    && p.iter()
                        .zip(lo.iter().zip(hi))
                        .all(|(v, (a, b))| *v >= a - tol && *v <= b + tol)
            }
            Primitive::Polygon { vertices } => segment_distance(vertices, part, p) <= tol,
            _ => self.near_surface(p, tol),
        }
    }

    /// Is `p` within `tol` of the primitive's surface?
    pub fn near_surface(&self, p: &[f64], tol: f64) -> bool {
        match self {
            Primitive::Box { lo, hi } => {
                let within = p
                    .iter()
                    .zip(lo.iter().zip(hi))
                    .all(|(v, (a, b))| *v >= a - tol && *v <= b + tol);
                within
                    && p.iter()
                        .zip(lo.iter().zip(hi))
                        .any(|(v, (a, b))| (v - a).abs() <= tol || (v - b).abs() <= tol)
            }
            Primitive::Ball { center, radius } => {
                let r2: f64 = p.iter().zip(center).map(|(v, c)| (v - c) * (v - c)).sum();
                (r2.sqrt() - radius).abs() <= tol
            }
            Primitive::HalfSpace { normal, offset } => (dot(normal, p) - offset).abs() <= tol,
            Primitive::Polygon { vertices } => {
                (0..vertices.len()).any(|k| segment_distance(vertices, k, p) <= tol)
            }
        }
    }
}

impl Csg {
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// Is `p` in the (closed) domain?
    pub fn contains(&self, p: &[f64]) -> bool {
        self.node_contains(self.nodes.len() - 1, p)
    }

    /// Is `p` in the closure of the domain, up to rounding? [`Csg::contains`] takes a
    /// difference's removed set as closed, so the edges of a notch or a hole, which are the
    /// domain's boundary, are not in it; this also counts a point one `10 step` along a
    /// coordinate from a point of the domain.
    pub fn contains_closure(&self, p: &[f64]) -> bool {
        if self.contains(p) {
            return true;
        }
        let mut q = p.to_vec();
        for k in 0..p.len() {
            for s in [-1.0, 1.0] {
                q[k] = p[k] + s * 10.0 * self.step;
                if self.contains(&q) {
                    return true;
                }
            }
            q[k] = p[k];
        }
        false
    }

    fn node_contains(&self, n: usize, p: &[f64]) -> bool {
        match self.nodes[n] {
            CsgNode::Prim { prim } => self.prims[prim].contains(p),
            CsgNode::Op { op, lhs, rhs } => {
                let a = self.node_contains(lhs, p);
                match op {
                    SetOp::Union => a || self.node_contains(rhs, p),
                    SetOp::Intersection => a && self.node_contains(rhs, p),
                    SetOp::Difference => a && !self.node_contains(rhs, p),
                }
            }
        }
    }

    /// The volume: the bounding box's times the acceptance rate.
    pub fn volume(&self) -> f64 {
        self.lo
            .iter()
            .zip(&self.hi)
            .map(|(a, b)| b - a)
            .product::<f64>()
            * self.acceptance
    }

    /// The bounding box, per component.
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        self.lo
            .iter()
            .zip(&self.hi)
            .map(|(a, b)| (*a, *b))
            .collect()
    }

    /// For `p` on part `part` of primitive `prim`: `Some(s)` when `p` is on the domain's
    /// boundary, the domain's outward normal there being `s` times the primitive's (`-1` on
    /// a hole); `None` when it is not, or when an earlier primitive's surface passes through
    /// `p` (that primitive owns the point). `normal` receives the primitive's normal.
    pub fn boundary_side(
        &self,
        prim: usize,
        part: usize,
        p: &[f64],
        normal: &mut [f64],
    ) -> Option<f64> {
        self.prims[prim].normal(part, p, normal);
        let mut q: Vec<f64> = p
            .iter()
            .zip(normal.iter())
            .map(|(v, n)| v - self.step * n)
            .collect();
        let inner = self.contains(&q);
        for ((q, v), n) in q.iter_mut().zip(p).zip(normal.iter()) {
            *q = v + self.step * n;
        }
        let outer = self.contains(&q);
        let side = match (inner, outer) {
            (true, false) => 1.0,
            (false, true) => -1.0,
            _ => return None,
        };
        let tol = self.step * 1e-2;
        if self.prims[..prim].iter().any(|q| q.near_surface(p, tol)) {
            return None;
        }
        Some(side)
    }

    /// A point uniform on the boundary part of `surface`, and the domain's outward normal
    /// there, by rejection from the whole part.
    pub fn sample_surface(
        &self,
        surface: &Surface,
        rng: &mut impl Rng,
        out: &mut [f64],
        normal: &mut [f64],
    ) {
        let prim = &self.prims[surface.prim];
        for _ in 0..MAX_TRIES {
            if !prim.candidate(surface.part, &self.lo, &self.hi, rng, out) {
                continue;
            }
            if let Some(s) = self.boundary_side(surface.prim, surface.part, out, normal) {
                normal.iter_mut().for_each(|n| *n *= s);
                return;
            }
        }
        // Unreachable at the fractions `build` keeps: the last candidate, on the part.
        prim.normal(surface.part, out, normal);
    }

    /// A point uniform in the domain, by rejection from the bounding box.
    pub fn sample_inside(&self, rng: &mut impl Rng, out: &mut [f64]) {
        for _ in 0..MAX_TRIES {
            for ((o, a), b) in out.iter_mut().zip(&self.lo).zip(&self.hi) {
                *o = a + (b - a) * rng.random::<f64>();
            }
            if self.contains(out) {
                return;
            }
        }
        out.copy_from_slice(&self.inside_point);
    }

    /// The domain of `prims` combined as `nodes` (root last), with its bounding box, its
    /// acceptance rate and its boundary surfaces measured.
    pub fn build(
        prims: Vec<Primitive>,
        nodes: Vec<CsgNode>,
        pieces: Vec<NamedPiece>,
    ) -> Result<Csg, CsgError> {
        let bounds = node_bounds(&prims, &nodes, nodes.len() - 1);
        if let Some(comp) = bounds
            .iter()
            .position(|(a, b)| !(a.is_finite() && b.is_finite()))
            && bounds[comp].0 <= bounds[comp].1
        {
            return Err(CsgError::Unbounded { comp });
        }
        if bounds
            .iter()
            .any(|(a, b)| a.partial_cmp(b) != Some(std::cmp::Ordering::Less))
        {
            return Err(CsgError::Empty { draws: 0 });
        }
        let lo: Vec<f64> = bounds.iter().map(|b| b.0).collect();
        let hi: Vec<f64> = bounds.iter().map(|b| b.1).collect();
        let diagonal = lo
            .iter()
            .zip(&hi)
            .map(|(a, b)| (b - a) * (b - a))
            .sum::<f64>()
            .sqrt();
        let mut csg = Csg {
            prims,
            nodes,
            pieces,
            lo,
            hi,
            acceptance: 0.0,
            surfaces: Vec::new(),
            inside_point: Vec::new(),
            step: 1e-7 * diagonal,
        };
        let d = csg.dim();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x00c5_9d0e);
        let mut p = vec![0.0; d];
        let mut inside = 0usize;
        for _ in 0..VOLUME_DRAWS {
            for ((o, a), b) in p.iter_mut().zip(&csg.lo).zip(&csg.hi) {
                *o = a + (b - a) * rng.random::<f64>();
            }
            if csg.contains(&p) {
                if inside == 0 {
                    csg.inside_point = p.clone();
                }
                inside += 1;
            }
        }
        if inside == 0 {
            return Err(CsgError::Empty {
                draws: VOLUME_DRAWS,
            });
        }
        csg.acceptance = inside as f64 / VOLUME_DRAWS as f64;
        let parts: usize = csg.prims.iter().map(Primitive::parts).sum();
        let draws = (60_000 / parts.max(1)).clamp(200, 4000);
        let mut normal = vec![0.0; d];
        for (i, prim) in csg.prims.iter().enumerate() {
            for part in 0..prim.parts() {
                let mut hits = 0usize;
                for _ in 0..draws {
                    if prim.candidate(part, &csg.lo, &csg.hi, &mut rng, &mut p)
                        && csg.boundary_side(i, part, &p, &mut normal).is_some()
                    {
                        hits += 1;
                    }
                }
                if hits > 0 {
                    let fraction = hits as f64 / draws as f64;
                    csg.surfaces.push(Surface {
                        prim: i,
                        part,
                        area: prim.part_measure(part, &csg.lo, &csg.hi) * fraction,
                        fraction,
                    });
                }
            }
        }
        Ok(csg)
    }

    /// The boundary surfaces of the primitives a named piece covers (indices into
    /// [`Csg::surfaces`]).
    pub fn piece_surfaces(&self, piece: usize) -> Vec<usize> {
        let prims = &self.pieces[piece].prims;
        (0..self.surfaces.len())
            .filter(|s| prims.contains(&self.surfaces[*s].prim))
            .collect()
    }
}

/// The bounding box of node `n`: unions take the hull, intersections the overlap, a
/// difference its left side's box. An empty overlap has `lo > hi`.
fn node_bounds(prims: &[Primitive], nodes: &[CsgNode], n: usize) -> Vec<(f64, f64)> {
    match nodes[n] {
        CsgNode::Prim { prim } => prims[prim].bounds(),
        CsgNode::Op { op, lhs, rhs } => {
            let a = node_bounds(prims, nodes, lhs);
            match op {
                SetOp::Difference => a,
                SetOp::Union => a
                    .iter()
                    .zip(node_bounds(prims, nodes, rhs))
                    .map(|(x, y)| (x.0.min(y.0), x.1.max(y.1)))
                    .collect(),
                SetOp::Intersection => a
                    .iter()
                    .zip(node_bounds(prims, nodes, rhs))
                    .map(|(x, y)| (x.0.max(y.0), x.1.min(y.1)))
                    .collect(),
            }
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The component of largest magnitude.
fn largest(v: &[f64]) -> usize {
    (0..v.len())
        .max_by(|a, b| v[*a].abs().total_cmp(&v[*b].abs()))
        .unwrap_or(0)
}

fn edge(v: &[[f64; 2]], k: usize) -> ([f64; 2], [f64; 2]) {
    (v[k], v[(k + 1) % v.len()])
}

fn segment_distance(v: &[[f64; 2]], k: usize, p: &[f64]) -> f64 {
    let (a, b) = edge(v, k);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((p[0] - a[0] - t * dx).powi(2) + (p[1] - a[1] - t * dy).powi(2)).sqrt()
}

/// Even-odd rule.
fn in_polygon(v: &[[f64; 2]], p: &[f64]) -> bool {
    let (x, y) = (p[0], p[1]);
    let mut inside = false;
    for k in 0..v.len() {
        let (a, b) = edge(v, k);
        if (a[1] > y) != (b[1] > y) {
            let cross = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if x < cross {
                inside = !inside;
            }
        }
    }
    inside
}

/// Twice the signed area (positive counter-clockwise).
pub fn signed_area2(v: &[[f64; 2]]) -> f64 {
    (0..v.len())
        .map(|k| {
            let (a, b) = edge(v, k);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

/// The first two edges of a closed polygon that meet other than at a shared vertex (or
/// overlap there), if any: a polygon is simple when there are none.
pub fn crossing_edges(v: &[[f64; 2]]) -> Option<(usize, usize)> {
    let n = v.len();
    for i in 0..n {
        for j in i + 1..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            let (a, b) = edge(v, i);
            let (c, d) = edge(v, j);
            if adjacent {
                // Adjacent edges meet at their shared vertex; they must not fold back.
                let (p, q, r) = if j == i + 1 { (a, b, d) } else { (c, d, b) };
                let cross = (q[0] - p[0]) * (r[1] - q[1]) - (q[1] - p[1]) * (r[0] - q[0]);
                let back = (q[0] - p[0]) * (r[0] - q[0]) + (q[1] - p[1]) * (r[1] - q[1]);
                if cross == 0.0 && back < 0.0 {
                    return Some((i, j));
                }
                continue;
            }
            if segments_meet(a, b, c, d) {
                return Some((i, j));
            }
        }
    }
    None
}

fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

fn on_segment(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> bool {
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

fn segments_meet(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        return true;
    }
    (o1 == 0.0 && on_segment(a, b, c))
        || (o2 == 0.0 && on_segment(a, b, d))
        || (o3 == 0.0 && on_segment(c, d, a))
        || (o4 == 0.0 && on_segment(c, d, b))
}

/// A unit vector uniform in direction (normalised Gaussians, Box-Muller).
fn gaussian_direction(rng: &mut impl Rng, out: &mut [f64]) {
    loop {
        let mut k = 0;
        while k < out.len() {
            let u1: f64 = 1.0 - rng.random::<f64>();
            let u2: f64 = rng.random::<f64>();
            let r = (-2.0 * u1.ln()).sqrt();
            let a = 2.0 * std::f64::consts::PI * u2;
            out[k] = r * a.cos();
            if k + 1 < out.len() {
                out[k + 1] = r * a.sin();
            }
            k += 2;
        }
        let n = dot(out, out).sqrt();
        if n > 1e-12 {
            out.iter_mut().for_each(|o| *o /= n);
            return;
        }
    }
}

/// The area of the sphere of radius `r` in `d` dimensions, `2 pi^(d/2) r^(d-1) / Gamma(d/2)`.
pub fn sphere_area(d: usize, r: f64) -> f64 {
    // Gamma(d/2) by its recurrence from Gamma(1) = 1 or Gamma(1/2) = sqrt(pi).
    let mut log_gamma = if d.is_multiple_of(2) {
        0.0
    } else {
        0.5 * std::f64::consts::PI.ln()
    };
    let mut z = if d.is_multiple_of(2) { 1.0 } else { 0.5 };
    while z + 0.5 < d as f64 / 2.0 {
        log_gamma += z.ln();
        z += 1.0;
    }
    (std::f64::consts::LN_2
        + 0.5 * d as f64 * std::f64::consts::PI.ln()
        + (d as f64 - 1.0) * r.ln()
        - log_gamma)
        .exp()
}

impl Csg {
    /// A surface as users read it: `x[1] = 2` for a face of a box, the piece's name for
    /// a named sphere, plane or polygon (with the edge's number for a polygon), and the
    /// primitive otherwise.
    pub fn surface_name(&self, var: &str, surface: usize) -> String {
        let num = crate::syntax::print::format_number;
        let s = &self.surfaces[surface];
        let named = self
            .pieces
            .iter()
            .find(|p| p.prims.contains(&s.prim))
            .map(|p| p.name.clone());
        match (&self.prims[s.prim], named) {
            (Primitive::Box { lo, hi }, name) => {
                let k = s.part / 2;
                let at = if s.part.is_multiple_of(2) {
                    lo[k]
                } else {
                    hi[k]
                };
                let face = format!("{var}[{}] = {}", k + 1, num(at));
                match name {
                    Some(n) => format!("{face} of {n}"),
                    None => face,
                }
            }
            (Primitive::Polygon { .. }, Some(n)) => format!("{n} edge {}", s.part + 1),
            (Primitive::Polygon { .. }, None) => format!("polygon edge {}", s.part + 1),
            (_, Some(n)) => n,
            (Primitive::Ball { radius, .. }, None) => {
                format!(
                    "sphere of radius {} (primitive {})",
                    num(*radius),
                    s.prim + 1
                )
            }
            (Primitive::HalfSpace { .. }, None) => format!("plane of half-space {}", s.prim + 1),
        }
    }
}

#[cfg(test)]
mod tests;
