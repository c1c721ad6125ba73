//! Samplers of collocation points for every region of the language.
//!
//! A point is one row of network inputs: the concatenation, in the order of
//! [`inputs::InputLayout`] (the one definition of the network's input columns, which the plan
//! carries), of each input's components (time: one column, each space variable: its
//! components, a scalar variable one, each parameter: one). [`Layout`] adds the laws the
//! points are drawn from. The regions are [`region::Region`]s, the laws of single coordinates
//! and of space points are in [`laws`].
//!
//! What each region draws:
//!
//! - **interior** ([`sample_interior`]): time uniform in its interval, each space variable
//!   uniform in its domain (a ball uniform in volume, a constructive domain by rejection from
//!   its bounding box: `ir::csg`), each parameter uniform in its range,
//!   unless a `sampling` law (space points) or a `sampling.NAME` law (a parameter, the time,
//!   the coordinates of an interval or box) says otherwise ([`Layout::with_settings`]);
//! - **time slice** ([`sample_time_slice`]): the same with time fixed;
//! - **faces** ([`sample_faces`]): a face chosen with the probability of its
//!   [`FacePlan::share`], a point uniform on it (the fixed coordinate set *exactly* to the
//!   bound; on a piece of a constructive domain, uniform on the piece by rejection from its
//!   primitive's surface), the rest as in the interior; each point carries the face's (the
//!   domain's) outward unit normal; on a face restricted by `where`, redrawn until the
//!   restriction holds (`ir::restrict`);
//! - **periodic** ([`sample_periodic_pairs`]): one random point placed on both opposite faces
//!   of a coordinate.
//!
//! Every sampler takes the random generator as an argument, so a seeded
//! [`rand_chacha::ChaCha8Rng`] gives bitwise the same batches run after run; with
//! `sampling = sobol | halton` it is a [`sequence::QuasiRandom`] whose numbers, point by
//! point, are the coordinates of a scrambled low-discrepancy sequence.

pub mod features;
pub mod inputs;
pub mod laws;
pub mod near;
pub mod periodic;
pub mod region;
pub mod sequence;
#[cfg(test)]
mod tests;

use crate::ir::{Domain, Face, Input, Problem, Side, restrict};
use crate::settings::{CoordinateLaw, PlanSettings, Sampling};
use inputs::InputLayout;
use laws::{draw_on, fill_domain_by, fill_space, unit_vector};
use rand::{Rng, RngExt};
use region::{FacePlan, Region};
use sequence::PointRng;
use std::ops::Range;

/// How a point's columns are drawn: the network's input columns and the law of each.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Which columns belong to which input.
    pub columns: InputLayout,
    /// The law of space points inside their domains (the `sampling` setting).
    pub sampling: Sampling,
    /// The law of each parameter over its range (indexed like [`Problem::params`]; the
    /// `sampling.NAME` settings); empty: all uniform.
    pub param_laws: Vec<CoordinateLaw>,
    /// The law of time over its interval (`sampling.t`).
    pub time_law: CoordinateLaw,
    /// The law of each coordinate of an interval or box space variable over its interval
    /// (indexed like [`Problem::space`]; `sampling.x`), used with uniform `sampling` only;
    /// empty: all uniform.
    pub space_laws: Vec<CoordinateLaw>,
}

impl Layout {
    /// The problem's input columns, every one drawn uniformly.
    pub fn new(problem: &Problem) -> Layout {
        Layout {
            columns: InputLayout::new(problem),
            sampling: Sampling::Uniform,
            param_laws: Vec::new(),
            time_law: CoordinateLaw::Uniform,
            space_laws: Vec::new(),
        }
    }

    /// The layout that training draws with: the `sampling` law of space points and the
    /// `sampling.NAME` law of each parameter, the time and each space variable.
    pub fn with_settings(problem: &Problem, settings: &PlanSettings) -> Layout {
        let law_of = |name: &str| settings.coordinate_law(name);
        Layout {
            sampling: settings.sampling.clone(),
            param_laws: problem.params.iter().map(|p| law_of(&p.name)).collect(),
            time_law: problem
                .time
                .as_ref()
                .map_or(CoordinateLaw::Uniform, |t| law_of(&t.name)),
            space_laws: problem.space.iter().map(|s| law_of(&s.name)).collect(),
            ..Layout::new(problem)
        }
    }

    /// The same layout with uniform sampling: error metrics are measured on uniform points,
    /// whatever law training used, so that runs stay comparable.
    pub fn uniform(&self) -> Layout {
        Layout {
            sampling: Sampling::Uniform,
            param_laws: Vec::new(),
            time_law: CoordinateLaw::Uniform,
            space_laws: Vec::new(),
            ..self.clone()
        }
    }

    /// Number of columns of a point: the network's input width.
    pub fn width(&self) -> usize {
        self.columns.width
    }

    /// First column of an input, if it has one.
    pub fn offset(&self, input: Input) -> Option<usize> {
        self.columns(input).map(|r| r.start)
    }

    /// The columns of an input, if it has any.
    pub fn columns(&self, input: Input) -> Option<Range<usize>> {
        self.columns.columns(input)
    }
}

/// A batch of points, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// Number of points.
    pub n: usize,
    /// Columns per point ([`Layout::width`]).
    pub width: usize,
    /// `n * width` values: point `i` is `points[i * width..(i + 1) * width]`.
    pub points: Vec<f64>,
    /// For points on faces of the space domain (boundary faces and the two sides of a
    /// periodic pair): `n * width` values, the outward unit normal of the point's face in the
    /// columns of its space variable, zero in every other column. `None` elsewhere.
    pub normals: Option<Vec<f64>>,
    /// For rows of a data set: the observed value of each row (`n` values).
    pub values: Option<Vec<f64>>,
}

impl Batch {
    /// Rows `lo..hi` (one rank's slice of a global batch).
    pub fn rows(&self, lo: usize, hi: usize) -> Batch {
        let (a, b) = (lo * self.width, hi * self.width);
        Batch {
            n: hi - lo,
            width: self.width,
            points: self.points[a..b].to_vec(),
            normals: self.normals.as_ref().map(|v| v[a..b].to_vec()),
            values: self.values.as_ref().map(|v| v[lo..hi].to_vec()),
        }
    }

    /// Point `i`'s row.
    pub fn point(&self, i: usize) -> &[f64] {
        &self.points[i * self.width..(i + 1) * self.width]
    }

    /// Point `i`'s outward normal row, for batches on faces.
    pub fn normal(&self, i: usize) -> Option<&[f64]> {
        self.normals
            .as_ref()
            .map(|v| &v[i * self.width..(i + 1) * self.width])
    }
}

/// Fills a whole row as an interior point, except the columns of space variable `skip`;
/// time is `at` when given (a time slice), else uniform.
fn fill_row(
    rng: &mut impl Rng,
    problem: &Problem,
    layout: &Layout,
    row: &mut [f64],
    skip: Option<usize>,
    at: Option<f64>,
) {
    let mut elapsed = 0.0;
    if let (Some(c), Some(t)) = (layout.columns.time(), &problem.time) {
        // Drawn even for a slice, so that a slice's other columns match the interior's stream.
        let drawn = draw_on(rng, layout.time_law, t.lo, t.hi);
        row[c] = at.unwrap_or(drawn);
        elapsed = row[c] - t.lo;
    }
    for (k, s) in problem.space.iter().enumerate() {
        if Some(k) == skip {
            continue;
        }
        if let Some((o, l)) = layout.columns.space(k) {
            fill_space(
                rng,
                &s.domain,
                &layout.sampling,
                space_law(layout, k),
                elapsed,
                &mut row[o..o + l],
            );
        }
    }
    for (k, p) in problem.params.iter().enumerate() {
        let Some(c) = layout.columns.param(k) else {
            continue;
        };
        let law = layout.param_laws.get(k).copied();
        row[c] = draw_on(rng, law.unwrap_or(CoordinateLaw::Uniform), p.lo, p.hi);
    }
}

/// The coordinate law of space variable `k` (uniform unless `sampling.NAME` set one).
fn space_law(layout: &Layout, k: usize) -> CoordinateLaw {
    layout
        .space_laws
        .get(k)
        .copied()
        .unwrap_or(CoordinateLaw::Uniform)
}

fn space_columns(layout: &Layout, var: usize) -> (usize, usize) {
    match layout.columns.space(var) {
        Some(cols) => cols,
        None => panic!("space variable {var} has no network input columns"),
    }
}

/// Points in the whole space-time-parameter domain, drawn from the layout's laws (uniform by
/// default).
pub fn sample_interior(
    problem: &Problem,
    layout: &Layout,
    n: usize,
    rng: &mut impl PointRng,
) -> Batch {
    sample_rows(problem, layout, n, None, rng)
}

/// Interior points, with time fixed at `at` when given.
fn sample_rows(
    problem: &Problem,
    layout: &Layout,
    n: usize,
    at: Option<f64>,
    rng: &mut impl PointRng,
) -> Batch {
    let w = layout.width();
    let mut points = vec![0.0; n * w];
    for row in points.chunks_exact_mut(w.max(1)).take(n) {
        rng.begin_point();
        fill_row(rng, problem, layout, row, None, at);
    }
    Batch {
        n,
        width: w,
        points,
        normals: None,
        values: None,
    }
}

/// Points with time fixed at `at`, everything else as in [`sample_interior`] (a
/// `spread = diffusion` law spreads the space points as at time `at`).
pub fn sample_time_slice(
    problem: &Problem,
    layout: &Layout,
    at: f64,
    n: usize,
    rng: &mut impl PointRng,
) -> Batch {
    sample_rows(problem, layout, n, Some(at), rng)
}

/// Index of the face drawn for a uniform `u` in `[0, 1)`, by cumulative shares.
fn pick_face(faces: &[FacePlan], u: f64) -> usize {
    let total: f64 = faces.iter().map(|f| f.share.max(0.0)).sum();
    if !(total > 0.0 && total.is_finite()) {
        return ((u * faces.len() as f64) as usize).min(faces.len() - 1);
    }
    let target = u * total;
    let mut cum = 0.0;
    for (i, f) in faces.iter().enumerate() {
        cum += f.share.max(0.0);
        if target < cum {
            return i;
        }
    }
    // Rounding at the top end: the last face with a positive share.
    faces
        .iter()
        .rposition(|f| f.share > 0.0)
        .unwrap_or(faces.len() - 1)
}

/// Writes a point uniform on `face` into its variable's columns of `row` and its outward unit
/// normal into `normal` (whose other columns are left untouched).
fn fill_face(
    rng: &mut impl Rng,
    problem: &Problem,
    layout: &Layout,
    face: Face,
    row: &mut [f64],
    normal: &mut [f64],
) {
    match face {
        Face::Side { var, comp, side } => {
            let (o, l) = space_columns(layout, var);
            let domain = &problem.space[var].domain;
            // The face's other coordinates follow the variable's law, as inside.
            let law = space_law(layout, var);
            fill_domain_by(rng, domain, law, &mut row[o..o + l]);
            let k = comp.unwrap_or(0);
            let (lo, hi) = domain.bounds()[k];
            let (at, sign) = match side {
                Side::Lo => (lo, -1.0),
                Side::Hi => (hi, 1.0),
            };
            row[o + k] = at;
            normal[o + k] = sign;
        }
        Face::Sphere { var } => {
            let (o, l) = space_columns(layout, var);
            let Domain::Ball { center, radius } = &problem.space[var].domain else {
                panic!(
                    "sphere face of `{}`, which is not a ball",
                    problem.space[var].name
                );
            };
            let dir = &mut normal[o..o + l];
            unit_vector(rng, dir);
            for ((x, c), g) in row[o..o + l].iter_mut().zip(center).zip(dir.iter()) {
                *x = c + radius * g;
            }
        }
        Face::Surface { var, surface } => {
            let (o, l) = space_columns(layout, var);
            let Domain::Csg(csg) = &problem.space[var].domain else {
                panic!(
                    "surface face of `{}`, which is not a constructive domain",
                    problem.space[var].name
                );
            };
            let s = &csg.surfaces[surface];
            csg.sample_surface(s, rng, &mut row[o..o + l], &mut normal[o..o + l]);
        }
    }
}

/// Points on faces of the space domain: each picks a face with probability proportional to
/// its [`FacePlan::share`], then a point uniform on it; time, parameters and the other space
/// variables are uniform as in [`sample_interior`]. The batch carries outward unit normals.
/// An empty `faces` gives an empty batch.
///
/// # Panics
///
/// If a face names a space variable the problem (or layout) does not have, or a sphere face
/// names a variable that is not a ball.
pub fn sample_faces(
    problem: &Problem,
    layout: &Layout,
    faces: &[FacePlan],
    n: usize,
    rng: &mut impl PointRng,
) -> Batch {
    let w = layout.width();
    let n = if faces.is_empty() { 0 } else { n };
    let mut points = vec![0.0; n * w];
    let mut normals = vec![0.0; n * w];
    for i in 0..n {
        rng.begin_point();
        let plan = &faces[pick_face(faces, rng.random::<f64>())];
        let face = plan.face;
        let var = face.var();
        let row = &mut points[i * w..(i + 1) * w];
        fill_row(rng, problem, layout, row, Some(var), None);
        let normal = &mut normals[i * w..(i + 1) * w];
        fill_face(rng, problem, layout, face, row, normal);
        if let Some(r) = plan.restriction {
            // By rejection: the checker measured the share kept (`FacePlan::acceptance`) and
            // refused a restriction that keeps none of the condition's faces.
            let (o, l) = space_columns(layout, var);
            for _ in 0..restrict::MAX_TRIES {
                if restrict::holds(&problem.graph, r, var, &row[o..o + l]) {
                    break;
                }
                fill_face(rng, problem, layout, face, row, normal);
            }
        }
    }
    Batch {
        n,
        width: w,
        points,
        normals: Some(normals),
        values: None,
    }
}

/// Pairs of points on the two opposite faces of coordinate `comp` of space variable `var`
/// (`None` for a scalar variable): the same random point with that coordinate at its lower
/// bound in the first batch and at its upper bound in the second. Both batches carry their
/// face's outward normal (`-e_k` and `+e_k`).
///
/// # Panics
///
/// If `var` is not a space variable with network input columns.
pub fn sample_periodic_pairs(
    problem: &Problem,
    layout: &Layout,
    var: usize,
    comp: Option<usize>,
    n: usize,
    rng: &mut impl PointRng,
) -> (Batch, Batch) {
    let (o, _) = space_columns(layout, var);
    let k = comp.unwrap_or(0);
    let (lo, hi) = problem.space[var].domain.bounds()[k];
    let mut first = sample_interior(problem, layout, n, rng);
    let w = first.width;
    let mut second = first.clone();
    let mut n_lo = vec![0.0; n * w];
    let mut n_hi = vec![0.0; n * w];
    for i in 0..n {
        first.points[i * w + o + k] = lo;
        second.points[i * w + o + k] = hi;
        n_lo[i * w + o + k] = -1.0;
        n_hi[i * w + o + k] = 1.0;
    }
    first.normals = Some(n_lo);
    second.normals = Some(n_hi);
    (first, second)
}

/// Groups of interior points for a gauge: `group` batches of `n` rows, row `i` of each with
/// the first's time and parameters and its own space point, so that the product of an
/// unknown's values at two points of a row is an unbiased estimate of the square of its
/// mean over space at that time.
pub fn sample_gauge_groups(
    problem: &Problem,
    layout: &Layout,
    group: usize,
    n: usize,
    rng: &mut impl PointRng,
) -> Vec<Batch> {
    let first = sample_interior(problem, layout, n, rng);
    let w = first.width;
    let space: Vec<usize> = (0..problem.space.len())
        .filter_map(|v| layout.columns.space(v))
        .flat_map(|(o, len)| o..o + len)
        .collect();
    let mut out = vec![first];
    for _ in 1..group.max(2) {
        let mut b = sample_interior(problem, layout, n, rng);
        for i in 0..n {
            for c in (0..w).filter(|c| !space.contains(c)) {
                b.points[i * w + c] = out[0].points[i * w + c];
            }
        }
        out.push(b);
    }
    out
}

/// The points of one loss term's region: one batch, or for [`Region::Periodic`] the two
/// batches of [`sample_periodic_pairs`] (lower face first), for [`Region::Gauge`] those of
/// [`sample_gauge_groups`].
pub fn sample_region(
    problem: &Problem,
    layout: &Layout,
    region: &Region,
    n: usize,
    rng: &mut impl PointRng,
) -> Vec<Batch> {
    match region {
        Region::Interior => vec![sample_interior(problem, layout, n, rng)],
        Region::TimeSlice { at } => vec![sample_time_slice(problem, layout, *at, n, rng)],
        Region::Faces { faces } => vec![sample_faces(problem, layout, faces, n, rng)],
        Region::Periodic { var, comp } => {
            let (a, b) = sample_periodic_pairs(problem, layout, *var, *comp, n, rng);
            vec![a, b]
        }
        Region::Data { set } => vec![sample_data(&problem.observations[*set], n, rng)],
        Region::Gauge { group } => sample_gauge_groups(problem, layout, *group, n, rng),
    }
}

/// `n` rows of a data set: all of them in order when `n` is their number, else `n` distinct
/// rows drawn uniformly (a partial shuffle).
fn sample_data(o: &crate::ir::Observation, n: usize, rng: &mut impl PointRng) -> Batch {
    let rows = o.rows();
    let mut order: Vec<usize> = (0..rows).collect();
    let n = n.min(rows);
    if n < rows {
        for i in 0..n {
            let j = rng.random_range(i..rows);
            order.swap(i, j);
        }
    }
    let w = o.width;
    let mut points = Vec::with_capacity(n * w);
    let mut values = Vec::with_capacity(n);
    for &r in &order[..n] {
        points.extend_from_slice(&o.points[r * w..(r + 1) * w]);
        values.push(o.values[r]);
    }
    Batch {
        n,
        width: w,
        points,
        normals: None,
        values: Some(values),
    }
}
