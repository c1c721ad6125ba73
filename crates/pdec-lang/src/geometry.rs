//! Samplers of collocation points for every region of the language.
//!
//! A point is one row of network inputs: the concatenation, in [`crate::plan::Plan::inputs`]
//! order, of each input's components (time: one column, each space variable: its components,
//! a scalar variable one, each parameter: one). [`Layout`] says which columns belong to which
//! input; it is built from the [`Problem`] exactly as [`crate::plan::plan`] builds `inputs`
//! (the unknown's arguments in order, then the parameters in declaration order).
//!
//! What each region draws:
//!
//! - **interior** ([`sample_interior`]): time uniform in its interval, each space variable
//!   uniform in its domain (a ball uniform in volume), each parameter uniform in its range,
//!   unless a `sampling` law (space points) or a `sampling.NAME` law (a parameter, the time,
//!   the coordinates of an interval or box) says otherwise ([`Layout::with_settings`]);
//! - **time slice** ([`sample_time_slice`]): the same with time fixed;
//! - **faces** ([`sample_faces`]): a face chosen with the probability of its
//!   [`FacePlan::share`], a point uniform on it (the fixed coordinate set *exactly* to the
//!   bound), the rest as in the interior; each point carries the face's outward unit normal;
//! - **periodic** ([`sample_periodic_pairs`]): one random point placed on both opposite faces
//!   of a coordinate.
//!
//! Every sampler takes the random generator as an argument, so a seeded
//! [`rand_chacha::ChaCha8Rng`] gives bitwise the same batches run after run.

use crate::ir::{Domain, Face, Input, Problem, Side};
use crate::plan::{FacePlan, Region};
use crate::settings::{CoordinateLaw, LawKind, Sampling, Settings, Spread};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use std::ops::Range;

/// Column offsets of each network input in a point's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Column of the time variable; `None` when the problem has no time (or the unknown does
    /// not take it).
    pub time: Option<usize>,
    /// Per space variable (indexed like [`Problem::space`]): `(offset, len)` of its columns,
    /// `len` 1 for a scalar variable; `None` for a variable the unknown does not take.
    pub space: Vec<Option<(usize, usize)>>,
    /// Column of each parameter (indexed like [`Problem::params`]).
    pub params: Vec<usize>,
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
    width: usize,
}

impl Layout {
    /// The layout of the problem's network inputs, consistent with
    /// [`crate::plan::Plan::inputs`] and [`crate::plan::Plan::input_width`].
    pub fn new(problem: &Problem) -> Layout {
        let mut width = 0;
        let mut time = None;
        let mut space = vec![None; problem.space.len()];
        for input in &problem.unknown.args {
            match *input {
                Input::Time => {
                    if problem.time.is_some() {
                        time = Some(width);
                        width += 1;
                    }
                }
                Input::Space(k) => {
                    let len = problem.space[k].domain.bounds().len();
                    space[k] = Some((width, len));
                    width += len;
                }
                Input::Param(_) => {}
            }
        }
        let params: Vec<usize> = (width..width + problem.params.len()).collect();
        width += params.len();
        Layout {
            time,
            space,
            params,
            sampling: Sampling::Uniform,
            param_laws: Vec::new(),
            time_law: CoordinateLaw::Uniform,
            space_laws: Vec::new(),
            width,
        }
    }

    /// The layout that training draws with: the `sampling` law of space points and the
    /// `sampling.NAME` law of each parameter, the time and each space variable.
    pub fn with_settings(problem: &Problem, settings: &Settings) -> Layout {
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
        self.width
    }

    /// First column of an input, if it has one.
    pub fn offset(&self, input: Input) -> Option<usize> {
        self.columns(input).map(|r| r.start)
    }

    /// The columns of an input, if it has any.
    pub fn columns(&self, input: Input) -> Option<Range<usize>> {
        match input {
            Input::Time => self.time.map(|c| c..c + 1),
            Input::Space(k) => self.space.get(k).copied().flatten().map(|(o, l)| o..o + l),
            Input::Param(k) => self.params.get(k).map(|c| *c..*c + 1),
        }
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

/// Uniform in `[lo, hi]` (clamped, so rounding cannot step outside).
fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    (lo + (hi - lo) * rng.random::<f64>()).clamp(lo.min(hi), hi.max(lo))
}

/// A uniformly distributed unit vector written into `out` (Gaussian direction, normalised).
fn unit_vector(rng: &mut impl Rng, out: &mut [f64]) {
    loop {
        let mut norm2 = 0.0;
        for v in out.iter_mut() {
            let g: f64 = rng.sample(StandardNormal);
            *v = g;
            norm2 += g * g;
        }
        let norm = norm2.sqrt();
        if norm > 0.0 && norm.is_finite() {
            for v in out.iter_mut() {
                *v /= norm;
            }
            return;
        }
    }
}

/// One draw of `law` on `[lo, hi]` (one uniform number each, so every law consumes the
/// random stream alike).
fn draw_on(rng: &mut impl Rng, law: CoordinateLaw, lo: f64, hi: f64) -> f64 {
    match law {
        // The plan has checked 0 < lo.
        CoordinateLaw::Log if lo > 0.0 => uniform(rng, lo.ln(), hi.ln()).exp().clamp(lo, hi),
        // (1 - cos(pi U)) / 2 has the arcsine law on [0, 1].
        CoordinateLaw::Arcsine => {
            let s = (1.0 - (std::f64::consts::PI * uniform(rng, 0.0, 1.0)).cos()) / 2.0;
            (lo + (hi - lo) * s).clamp(lo, hi)
        }
        _ => uniform(rng, lo, hi),
    }
}

/// A point uniform in the volume of the domain, written into its columns.
fn fill_domain(rng: &mut impl Rng, domain: &Domain, out: &mut [f64]) {
    fill_domain_by(rng, domain, CoordinateLaw::Uniform, out)
}

/// A point of the domain with each coordinate of an interval or box drawn from `law` over
/// its interval (a ball, which the plan allows only uniform, is uniform in volume).
fn fill_domain_by(rng: &mut impl Rng, domain: &Domain, law: CoordinateLaw, out: &mut [f64]) {
    match domain {
        Domain::Interval { lo, hi } => out[0] = draw_on(rng, law, *lo, *hi),
        Domain::Box { lo, hi } => {
            for (v, (a, b)) in out.iter_mut().zip(lo.iter().zip(hi)) {
                *v = draw_on(rng, law, *a, *b);
            }
        }
        Domain::Ball { center, radius } => {
            unit_vector(rng, out);
            let d = center.len() as f64;
            let s = radius * rng.random::<f64>().powf(1.0 / d);
            for (v, c) in out.iter_mut().zip(center) {
                *v = c + s * *v;
            }
        }
    }
}

/// Whether a point lies in the (closed) domain.
fn inside(domain: &Domain, p: &[f64]) -> bool {
    match domain {
        Domain::Interval { lo, hi } => p[0] >= *lo && p[0] <= *hi,
        Domain::Box { lo, hi } => p
            .iter()
            .zip(lo.iter().zip(hi))
            .all(|(v, (a, b))| v >= a && v <= b),
        Domain::Ball { center, radius } => {
            let r2: f64 = p.iter().zip(center).map(|(v, c)| (v - c) * (v - c)).sum();
            r2 <= radius * radius
        }
    }
}

/// A point of the domain drawn from the `sampling` law (see [`Sampling`]), or with uniform
/// `sampling`, from the variable's coordinate law `coords`; `elapsed` is the time since the
/// start of the time interval (for `spread = diffusion`).
fn fill_space(
    rng: &mut impl Rng,
    domain: &Domain,
    law: &Sampling,
    coords: CoordinateLaw,
    elapsed: f64,
    out: &mut [f64],
) {
    let Sampling::Law {
        kind,
        center,
        sd,
        corr,
        uniform,
        spread,
    } = *law
    else {
        return fill_domain_by(rng, domain, coords, out);
    };
    let sd = match spread {
        Spread::Constant => sd,
        Spread::Diffusion => sd * elapsed.max(0.0).sqrt(),
    };
    if rng.random::<f64>() < uniform {
        return fill_domain(rng, domain, out);
    }
    for _ in 0..LAW_TRIES {
        draw_law(rng, kind, center, sd, corr, out);
        if inside(domain, out) {
            return;
        }
    }
    fill_domain(rng, domain, out)
}

/// Draws of a sampling law that fall outside the domain are redrawn up to this many times,
/// then the point is drawn uniformly.
const LAW_TRIES: usize = 16;

/// One draw of the law (before the domain is looked at): `z` standard normal with pairwise
/// correlation `corr` through one common factor.
fn draw_law(rng: &mut impl Rng, kind: LawKind, center: f64, sd: f64, corr: f64, out: &mut [f64]) {
    let (common, own) = (corr.sqrt(), (1.0 - corr).sqrt());
    let z0: f64 = rng.sample(StandardNormal);
    for v in out.iter_mut() {
        let z: f64 = rng.sample(StandardNormal);
        let z = common * z0 + own * z;
        *v = match kind {
            LawKind::Normal => center + sd * z,
            LawKind::LogNormal => center * (sd * z).exp(),
        };
    }
}

/// How a sampling law fits a domain: draws outside it are redrawn, which cuts off the law's
/// tails.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LawFit {
    /// The share of the law's draws that land inside the domain.
    pub inside: f64,
    /// How far redrawing moves the 1% and 99% quantiles of the points' coordinate mean (in
    /// the law's standard units, `z` averaged over the components), in standard deviations
    /// of that mean: the larger of the two. In many dimensions a box that holds every
    /// coordinate's law comfortably can still reject most points with a large common
    /// factor, which is what this sees; a few coordinates cut in their far tails are not.
    pub tail_shift: f64,
}

/// [`LawFit`] of the law (at `elapsed` for `spread = diffusion`) on the domain, estimated
/// from `draws` draws with a fixed seed; `None` for uniform sampling or a law of zero width.
pub fn law_fit(domain: &Domain, law: &Sampling, elapsed: f64, draws: usize) -> Option<LawFit> {
    let Sampling::Law {
        kind,
        center,
        sd,
        corr,
        spread,
        ..
    } = *law
    else {
        return None;
    };
    let sd = match spread {
        Spread::Constant => sd,
        Spread::Diffusion => sd * elapsed.max(0.0).sqrt(),
    };
    if sd <= 0.0 || draws == 0 || (kind == LawKind::LogNormal && center <= 0.0) {
        return None;
    }
    let dim = domain.dim().unwrap_or(1);
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0x5eed);
    let mut out = vec![0.0; dim];
    let (mut all, mut kept) = (Vec::with_capacity(draws), Vec::with_capacity(draws));
    for _ in 0..draws {
        draw_law(&mut rng, kind, center, sd, corr, &mut out);
        let zbar = out
            .iter()
            .map(|v| match kind {
                LawKind::Normal => (v - center) / sd,
                LawKind::LogNormal => (v / center).ln() / sd,
            })
            .sum::<f64>()
            / dim as f64;
        all.push(zbar);
        if inside(domain, &out) {
            kept.push(zbar);
        }
    }
    let inside_share = kept.len() as f64 / draws as f64;
    let quantile = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    // The coordinate mean's standard deviation under the law.
    let sd_mean = (corr + (1.0 - corr) / dim as f64)
        .max(0.0)
        .sqrt()
        .max(1e-12);
    let tail_shift = if kept.is_empty() {
        f64::INFINITY
    } else {
        [0.01, 0.99]
            .iter()
            .map(|&q| (quantile(&mut all, q) - quantile(&mut kept, q)).abs() / sd_mean)
            .fold(0.0, f64::max)
    };
    Some(LawFit {
        inside: inside_share,
        tail_shift,
    })
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
    if let (Some(c), Some(t)) = (layout.time, &problem.time) {
        // Drawn even for a slice, so that a slice's other columns match the interior's stream.
        let drawn = draw_on(rng, layout.time_law, t.lo, t.hi);
        row[c] = at.unwrap_or(drawn);
        elapsed = row[c] - t.lo;
    }
    for (k, s) in problem.space.iter().enumerate() {
        if Some(k) == skip {
            continue;
        }
        if let Some(Some((o, l))) = layout.space.get(k) {
            fill_space(
                rng,
                &s.domain,
                &layout.sampling,
                space_law(layout, k),
                elapsed,
                &mut row[*o..o + l],
            );
        }
    }
    for (k, (p, c)) in problem.params.iter().zip(&layout.params).enumerate() {
        let law = layout.param_laws.get(k).copied();
        row[*c] = draw_on(rng, law.unwrap_or(CoordinateLaw::Uniform), p.lo, p.hi);
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
    match layout.space.get(var).copied().flatten() {
        Some(cols) => cols,
        None => panic!("space variable {var} has no network input columns"),
    }
}

/// Points in the whole space-time-parameter domain, drawn from the layout's laws (uniform by
/// default).
pub fn sample_interior(problem: &Problem, layout: &Layout, n: usize, rng: &mut impl Rng) -> Batch {
    sample_rows(problem, layout, n, None, rng)
}

/// Interior points, with time fixed at `at` when given.
fn sample_rows(
    problem: &Problem,
    layout: &Layout,
    n: usize,
    at: Option<f64>,
    rng: &mut impl Rng,
) -> Batch {
    let w = layout.width();
    let mut points = vec![0.0; n * w];
    for row in points.chunks_exact_mut(w.max(1)).take(n) {
        fill_row(rng, problem, layout, row, None, at);
    }
    Batch {
        n,
        width: w,
        points,
        normals: None,
    }
}

/// Points with time fixed at `at`, everything else as in [`sample_interior`] (a
/// `spread = diffusion` law spreads the space points as at time `at`).
pub fn sample_time_slice(
    problem: &Problem,
    layout: &Layout,
    at: f64,
    n: usize,
    rng: &mut impl Rng,
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
    rng: &mut impl Rng,
) -> Batch {
    let w = layout.width();
    let n = if faces.is_empty() { 0 } else { n };
    let mut points = vec![0.0; n * w];
    let mut normals = vec![0.0; n * w];
    for i in 0..n {
        let face = faces[pick_face(faces, rng.random::<f64>())].face;
        let var = match face {
            Face::Side { var, .. } | Face::Sphere { var } => var,
        };
        let row = &mut points[i * w..(i + 1) * w];
        fill_row(rng, problem, layout, row, Some(var), None);
        fill_face(
            rng,
            problem,
            layout,
            face,
            row,
            &mut normals[i * w..(i + 1) * w],
        );
    }
    Batch {
        n,
        width: w,
        points,
        normals: Some(normals),
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
    rng: &mut impl Rng,
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

/// The points of one loss term's region: one batch, or for [`Region::Periodic`] the two
/// batches of [`sample_periodic_pairs`] (lower face first).
pub fn sample_region(
    problem: &Problem,
    layout: &Layout,
    region: &Region,
    n: usize,
    rng: &mut impl Rng,
) -> Vec<Batch> {
    match region {
        Region::Interior => vec![sample_interior(problem, layout, n, rng)],
        Region::TimeSlice { at } => vec![sample_time_slice(problem, layout, *at, n, rng)],
        Region::Faces { faces } => vec![sample_faces(problem, layout, faces, n, rng)],
        Region::Periodic { var, comp } => {
            let (a, b) = sample_periodic_pairs(problem, layout, *var, *comp, n, rng);
            vec![a, b]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::compile;
    use crate::plan::Plan;
    use crate::source::SourceFile;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn build(text: &str) -> (Problem, Plan) {
        let (problem, plan, _) = build_with_settings(text);
        (problem, plan)
    }

    /// [`build`], with the problem's resolved settings.
    fn build_with_settings(text: &str) -> (Problem, Plan, Settings) {
        let c = compile(
            SourceFile {
                name: "test.pde".into(),
                text: text.into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{text}\n{:#?}", c.diags);
        let plan = c.plan.expect("a plan");
        let checked = c.checked.expect("a checked problem");
        (checked.problem, plan, checked.settings)
    }

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn region<'a>(plan: &'a Plan, name: &str) -> &'a Region {
        &plan
            .terms
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no term {name}"))
            .region
    }

    /// Is `x` (a space variable's columns) inside the domain (closed, up to rounding)?
    fn in_domain(d: &Domain, x: &[f64]) -> bool {
        match d {
            Domain::Interval { lo, hi } => x.len() == 1 && *lo <= x[0] && x[0] <= *hi,
            Domain::Box { lo, hi } => {
                x.len() == lo.len()
                    && x.iter()
                        .zip(lo.iter().zip(hi))
                        .all(|(v, (a, b))| a <= v && v <= b)
            }
            Domain::Ball { center, radius } => {
                x.len() == center.len() && dist(x, center) <= radius * (1.0 + 1e-12)
            }
        }
    }

    fn dist(x: &[f64], c: &[f64]) -> f64 {
        x.iter()
            .zip(c)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    }

    /// Time, parameters and every space variable but `skip` inside their ranges.
    fn assert_inside(p: &Problem, l: &Layout, row: &[f64], skip: Option<usize>) {
        if let (Some(c), Some(t)) = (l.time, &p.time) {
            assert!(t.lo <= row[c] && row[c] <= t.hi, "time {} outside", row[c]);
        }
        for (k, s) in p.space.iter().enumerate() {
            if Some(k) == skip {
                continue;
            }
            let (o, n) = l.space[k].expect("columns");
            assert!(
                in_domain(&s.domain, &row[o..o + n]),
                "{} = {:?} outside {:?}",
                s.name,
                &row[o..o + n],
                s.domain
            );
        }
        for (q, c) in p.params.iter().zip(&l.params) {
            assert!(
                q.lo <= row[*c] && row[*c] <= q.hi,
                "{} = {} outside",
                q.name,
                row[*c]
            );
        }
    }

    /// Which face of `faces` the point lies on, checking it lies exactly on it, inside the
    /// face's other bounds, and that its normal is the face's outward unit normal.
    fn check_face_point(
        p: &Problem,
        l: &Layout,
        faces: &[FacePlan],
        row: &[f64],
        normal: &[f64],
    ) -> usize {
        let norm: f64 = normal.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-12, "normal {normal:?} not unit");
        let mut found = None;
        for (i, f) in faces.iter().enumerate() {
            let on = match f.face {
                Face::Side { var, comp, side } => {
                    let (o, _) = l.space[var].expect("columns");
                    let k = comp.unwrap_or(0);
                    let (lo, hi) = p.space[var].domain.bounds()[k];
                    let at = if side == Side::Lo { lo } else { hi };
                    // An edge point may lie on two faces; the normal tells which was drawn.
                    let sign = if side == Side::Lo { -1.0 } else { 1.0 };
                    row[o + k] == at && normal[o + k] == sign
                }
                Face::Sphere { var } => {
                    let (o, n) = l.space[var].expect("columns");
                    let Domain::Ball { center, radius } = &p.space[var].domain else {
                        panic!("not a ball")
                    };
                    let x = &row[o..o + n];
                    let r = dist(x, center);
                    r > 0.0
                        && (r - radius).abs() < 1e-12
                        && x.iter()
                            .zip(center)
                            .zip(&normal[o..o + n])
                            .all(|((x, c), m)| ((x - c) / radius - m).abs() < 1e-12)
                }
            };
            if on {
                assert!(
                    found.is_none(),
                    "point {row:?} on two faces with the same normal"
                );
                found = Some(i);
            }
        }
        let i = found.unwrap_or_else(|| panic!("point {row:?} normal {normal:?} on no face"));
        let var = match faces[i].face {
            Face::Side { var, .. } | Face::Sphere { var } => var,
        };
        let (o, n) = l.space[var].expect("columns");
        // Only the face variable's columns carry the normal.
        for (c, m) in normal.iter().enumerate() {
            if c < o || c >= o + n {
                assert_eq!(
                    *m, 0.0,
                    "normal {normal:?} outside the face variable's columns"
                );
            }
        }
        // The face variable itself inside its domain (the fixed component is on the bound).
        assert!(in_domain(&p.space[var].domain, &row[o..o + n]), "{row:?}");
        // And outward: stepping inward along -normal stays inside for a small step.
        let inward: Vec<f64> = row[o..o + n]
            .iter()
            .zip(&normal[o..o + n])
            .map(|(x, m)| x - 1e-6 * m)
            .collect();
        let outward: Vec<f64> = row[o..o + n]
            .iter()
            .zip(&normal[o..o + n])
            .map(|(x, m)| x + 1e-6 * m)
            .collect();
        assert!(
            !in_domain(&p.space[var].domain, &outward),
            "normal {normal:?} points inward at {row:?}"
        );
        assert!(
            in_domain(&p.space[var].domain, &inward),
            "normal {normal:?} does not point out: the inward step leaves the domain at {row:?}"
        );
        assert_inside(p, l, row, Some(var));
        i
    }

    const LAYOUT: &str = "
param nu in [0.01, 0.1]
param a  in [-1, 1]
time  t in [0, 1]
space x in [0, 1]
space y in [0, 1] * [-1, 1] * [2, 3]
unknown u(t, x, y)
pde d(u, t) = nu * d(u, x, x) + lap(u, y) + a
initial u = 0
boundary on(x): u = 0
boundary on(y): u = 0
";

    #[test]
    fn layout_offsets() {
        let (p, plan) = build(LAYOUT);
        let l = Layout::new(&p);
        assert_eq!(l.time, Some(0));
        assert_eq!(l.space, vec![Some((1, 1)), Some((2, 3))]);
        assert_eq!(l.params, vec![5, 6]);
        assert_eq!(l.width(), 7);
        assert_eq!(l.width(), plan.input_width);
        assert_eq!(l.offset(Input::Time), Some(0));
        assert_eq!(l.columns(Input::Space(1)), Some(2..5));
        assert_eq!(l.offset(Input::Param(1)), Some(6));
        assert_eq!(l.offset(Input::Param(2)), None);
    }

    /// [`LAYOUT`]'s layout with the given parameter laws (`nu`, `a`).
    fn with_laws(laws: Vec<CoordinateLaw>) -> Layout {
        let mut l = Layout::new(&build(LAYOUT).0);
        l.param_laws = laws;
        l
    }

    /// `n` interior points of [`LAYOUT`] drawn with layout `l`, each checked to lie inside
    /// its domain.
    fn drawn(l: &Layout, n: usize, seed: u64) -> Batch {
        let (p, _) = build(LAYOUT);
        let b = sample_interior(&p, l, n, &mut rng(seed));
        for i in 0..n {
            assert_inside(&p, l, b.point(i), None);
        }
        b
    }

    /// The share of a batch's points whose column `col` passes `keep`.
    fn share(b: &Batch, col: usize, keep: impl Fn(f64) -> bool) -> f64 {
        let n = b.n;
        (0..n).filter(|&i| keep(b.point(i)[col])).count() as f64 / n as f64
    }

    /// `sampling.nu = log`: `nu` uniform in `log nu` (half the points below the geometric
    /// midpoint `sqrt(0.01 * 0.1)`, where uniform draws put a quarter), inside its range;
    /// `a` stays uniform, and the error-metric layout is uniform again.
    #[test]
    fn log_sampled_parameters_spread_evenly_over_decades() {
        let mid = (0.01f64 * 0.1).sqrt();
        let l = with_laws(vec![CoordinateLaw::Log, CoordinateLaw::Uniform]);
        let b = drawn(&l, 20_000, 5);
        let (nu, a) = (l.params[0], l.params[1]);
        let log = share(&b, nu, |v| v < mid);
        assert!(
            (log - 0.5).abs() < 0.02,
            "log-uniform: {log} below the midpoint"
        );
        let uniform = share(&drawn(&l.uniform(), 20_000, 5), nu, |v| v < mid);
        let expect = (mid - 0.01) / 0.09;
        assert!(
            (uniform - expect).abs() < 0.02,
            "uniform: {uniform} vs {expect}"
        );
        let a_share = share(&b, a, |v| v < 0.0);
        assert!((a_share - 0.5).abs() < 0.02, "a stays uniform: {a_share}");
        // The plan describes each term's law so (`pdec explain`).
        let (_, plan) = build(&format!("{LAYOUT}solve {{\n  sampling.nu = log\n}}\n"));
        let pde = &plan.terms[0].sampler;
        assert!(
            pde.contains("params (a) uniform") && pde.contains("nu log-uniform in [0.01, 0.1]"),
            "{pde}"
        );
    }

    /// `sampling.a = arcsine`: `a` drawn with density `1 / (pi sqrt((a + 1) (1 - a)))`, so
    /// `2 / pi asin(sqrt(0.1))` = 20.5% within the outer tenth of the range at each end
    /// (uniform: 10%), symmetric, inside the range; `nu` stays uniform.
    #[test]
    fn arcsine_sampled_parameters_weigh_both_ends() {
        let l = with_laws(vec![CoordinateLaw::Uniform, CoordinateLaw::Arcsine]);
        let b = drawn(&l, 40_000, 6);
        let (nu, a) = (l.params[0], l.params[1]);
        let expect = 2.0 / std::f64::consts::PI * 0.1f64.sqrt().asin();
        let low = share(&b, a, |v| v < -0.8);
        let high = share(&b, a, |v| v > 0.8);
        for got in [low, high] {
            assert!((got - expect).abs() < 0.01, "{got} vs {expect}");
        }
        let middle = share(&b, a, |v| v.abs() < 0.1);
        let expect_middle = 2.0 / std::f64::consts::PI * 0.1f64.asin();
        assert!(
            (middle - expect_middle).abs() < 0.01,
            "{middle} vs {expect_middle}"
        );
        let nu_low = share(&b, nu, |v| v < 0.019);
        assert!((nu_low - 0.1).abs() < 0.01, "nu stays uniform: {nu_low}");
        let (_, plan) = build(&format!("{LAYOUT}solve {{\n  sampling.a = arcsine\n}}\n"));
        let pde = &plan.terms[0].sampler;
        assert!(
            pde.contains("params (nu) uniform")
                && pde.contains("params (a) arcsine in their box (more points at both ends)"),
            "{pde}"
        );
    }

    /// `sampling.t = arcsine`, `sampling.y = arcsine`: time and every coordinate of the box
    /// `y` weigh both ends of their intervals (20.5% in each outer tenth, uniform: 10%), inside
    /// and on the faces of `y` (its free coordinates); `x` and the parameters stay uniform, and
    /// the error-metric layout is uniform again.
    #[test]
    fn time_and_box_coordinate_laws_weigh_both_ends() {
        let text =
            format!("{LAYOUT}solve {{\n  sampling.t = arcsine\n  sampling.y = arcsine\n}}\n");
        let (problem, plan, settings) = build_with_settings(&text);
        let p = &problem;
        let l = Layout::with_settings(p, &settings);
        assert_eq!(l.time_law, CoordinateLaw::Arcsine);
        let arcsine = 2.0 / std::f64::consts::PI * 0.1f64.sqrt().asin();
        let near = |got: f64, want: f64, what: &str| {
            assert!((got - want).abs() < 0.012, "{what}: {got} vs {want}");
        };
        let b = sample_interior(p, &l, 40_000, &mut rng(8));
        let (t, x, y) = (
            l.time.expect("a time column"),
            l.offset(Input::Space(0)).expect("columns of x"),
            l.offset(Input::Space(1)).expect("columns of y"),
        );
        near(share(&b, t, |v| v < 0.1), arcsine, "t near 0");
        near(share(&b, t, |v| v > 0.9), arcsine, "t near 1");
        near(share(&b, y, |v| v < 0.1), arcsine, "y[1] near 0");
        near(share(&b, y + 1, |v| v > 0.8), arcsine, "y[2] near 1");
        near(share(&b, y + 2, |v| v < 2.1), arcsine, "y[3] near 2");
        near(share(&b, x, |v| v < 0.1), 0.1, "x stays uniform");
        near(share(&b, l.params[1], |v| v < -0.8), 0.1, "a stays uniform");
        let uniform = sample_interior(p, &l.uniform(), 40_000, &mut rng(8));
        near(share(&uniform, t, |v| v < 0.1), 0.1, "metrics: t uniform");
        near(share(&uniform, y, |v| v < 0.1), 0.1, "metrics: y uniform");
        // On the faces y[2] = -1 and y[2] = 1 the other coordinates of y follow its law.
        let faces: Vec<FacePlan> = plan
            .terms
            .iter()
            .find(|t| t.name == "boundary on(y)")
            .map(|t| match &t.region {
                Region::Faces { faces } => faces
                    .iter()
                    .filter(|f| {
                        matches!(
                            f.face,
                            Face::Side {
                                var: 1,
                                comp: Some(1),
                                ..
                            }
                        )
                    })
                    .cloned()
                    .collect(),
                r => panic!("{r:?}"),
            })
            .expect("the boundary term of y");
        let f = sample_faces(p, &l, &faces, 40_000, &mut rng(9));
        for i in 0..f.n {
            assert_inside(p, &l, f.point(i), None);
            assert_eq!(f.point(i)[y + 1].abs(), 1.0);
        }
        near(share(&f, y, |v| v > 0.9), arcsine, "y[1] on the faces");
        near(share(&f, t, |v| v < 0.1), arcsine, "t on the faces");
        let pde = &plan.terms[0].sampler;
        assert!(
            pde.contains("t arcsine (more points at both ends) in [0, 1]")
                && pde.contains("x uniform in [0, 1]")
                && pde.contains("y arcsine (more points at both ends) per coordinate in [0, 1] x [-1, 1] x [2, 3]"),
            "{pde}"
        );
    }

    /// The layout agrees with the plan's inputs, whatever the order of the unknown's arguments.
    #[test]
    fn layout_follows_argument_order() {
        let text = LAYOUT.replace("unknown u(t, x, y)", "unknown u(y, t, x)");
        let (p, plan) = build(&text);
        let l = Layout::new(&p);
        assert_eq!(l.space, vec![Some((4, 1)), Some((0, 3))]);
        assert_eq!(l.time, Some(3));
        assert_eq!(l.params, vec![5, 6]);
        let mut offset = 0;
        for input in &plan.inputs {
            let which = match input.kind {
                "time" => Input::Time,
                "space" => Input::Space(
                    p.space
                        .iter()
                        .position(|s| s.name == input.name)
                        .expect("space"),
                ),
                _ => Input::Param(
                    p.params
                        .iter()
                        .position(|q| q.name == input.name)
                        .expect("param"),
                ),
            };
            assert_eq!(
                l.columns(which),
                Some(offset..offset + input.components),
                "{}",
                input.name
            );
            offset += input.components;
        }
        assert_eq!(offset, l.width());
    }

    #[test]
    fn interior_and_time_slice_points_are_inside() {
        let (p, plan) = build(LAYOUT);
        let l = Layout::new(&p);
        let b = sample_interior(&p, &l, 2000, &mut rng(1));
        assert_eq!((b.n, b.width, b.points.len()), (2000, 7, 2000 * 7));
        assert!(b.normals.is_none());
        for i in 0..b.n {
            assert_inside(&p, &l, b.point(i), None);
        }
        let Region::TimeSlice { at } = region(&plan, "initial") else {
            panic!("initial is a time slice")
        };
        let bs = sample_region(&p, &l, region(&plan, "initial"), 500, &mut rng(2));
        assert_eq!(bs.len(), 1);
        for i in 0..bs[0].n {
            assert_eq!(bs[0].point(i)[0], *at);
            assert_inside(&p, &l, bs[0].point(i), None);
        }
    }

    /// Box components and params are uniform: their means are the midpoints within 4 sigma.
    #[test]
    fn interior_is_uniform_in_the_box() {
        let (p, _) = build(LAYOUT);
        let l = Layout::new(&p);
        let n = 10_000;
        let b = sample_interior(&p, &l, n, &mut rng(3));
        let ranges = [
            (0.0, 1.0),
            (0.0, 1.0),
            (0.0, 1.0),
            (-1.0, 1.0),
            (2.0, 3.0),
            (0.01, 0.1),
            (-1.0, 1.0),
        ];
        for (c, (lo, hi)) in ranges.iter().enumerate() {
            let mean = (0..n).map(|i| b.point(i)[c]).sum::<f64>() / n as f64;
            let sigma = (hi - lo) / (12.0 * n as f64).sqrt();
            assert!(
                (mean - (lo + hi) / 2.0).abs() < 4.0 * sigma,
                "column {c}: mean {mean}"
            );
        }
    }

    const BALL: &str = "
time  t in [0, 1]
space x in ball(3, center = [1, -2, 0.5], radius = 2)
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
";

    /// Uniform in volume: P(|x - c| < r s) = s^d, checked at s = 1/2 and s = 0.9; the
    /// direction is isotropic (mean of x - c near 0).
    #[test]
    fn ball_interior_is_uniform_in_volume() {
        let (p, _) = build(BALL);
        let l = Layout::new(&p);
        let n = 10_000;
        let b = sample_interior(&p, &l, n, &mut rng(4));
        let c = [1.0, -2.0, 0.5];
        let r: Vec<f64> = (0..n).map(|i| dist(&b.point(i)[1..4], &c)).collect();
        assert!(r.iter().all(|r| *r <= 2.0 * (1.0 + 1e-12)));
        for s in [0.5f64, 0.9] {
            let expect = s.powi(3);
            let got = r.iter().filter(|r| **r < 2.0 * s).count() as f64 / n as f64;
            let sigma = (expect * (1.0 - expect) / n as f64).sqrt();
            assert!(
                (got - expect).abs() < 4.0 * sigma,
                "P(|x| < {s} r) = {got}, expected {expect}"
            );
        }
        for (k, ck) in c.iter().enumerate() {
            let mean = (0..n).map(|i| b.point(i)[1 + k] - ck).sum::<f64>() / n as f64;
            // Var of one component of a uniform point of the ball: r^2 / (d + 2).
            let sigma = (4.0 / 5.0 / n as f64).sqrt();
            assert!(mean.abs() < 4.0 * sigma, "component {k}: mean {mean}");
        }
    }

    #[test]
    fn sphere_points_are_on_the_sphere_with_outward_normals() {
        let (p, plan) = build(BALL);
        let l = Layout::new(&p);
        let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
            panic!("boundary is faces")
        };
        let n = 5000;
        let b = sample_faces(&p, &l, faces, n, &mut rng(5));
        let normals = b.normals.as_ref().expect("normals");
        assert_eq!(normals.len(), n * b.width);
        let mut mean = [0.0; 3];
        for i in 0..n {
            assert_eq!(
                check_face_point(&p, &l, faces, b.point(i), &normals[i * 4..i * 4 + 4]),
                0
            );
            for (k, m) in mean.iter_mut().enumerate() {
                *m += normals[i * 4 + 1 + k] / n as f64;
            }
        }
        // Uniform direction: each component has variance 1/d.
        for m in mean {
            assert!(
                m.abs() < 4.0 * (1.0 / 3.0 / n as f64).sqrt(),
                "mean normal {mean:?}"
            );
        }
    }

    const BOX: &str = "
time  t in [0, 1]
space x in [0, 1] * [0, 2] * [-1, 2]
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
";

    /// Face counts over 10000 draws match the plan's shares (proportional to area) within
    /// 4 sigma; every point is exactly on its face with the outward normal.
    #[test]
    fn box_faces_follow_shares() {
        let (p, plan) = build(BOX);
        let l = Layout::new(&p);
        let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
            panic!("boundary is faces")
        };
        assert_eq!(faces.len(), 6);
        // Areas 6, 6, 3, 3, 2, 2 out of 22.
        let shares: Vec<f64> = faces.iter().map(|f| f.share).collect();
        for (s, a) in shares.iter().zip([6.0, 6.0, 3.0, 3.0, 2.0, 2.0]) {
            assert!((s - a / 22.0).abs() < 1e-12, "{shares:?}");
        }
        let n = 10_000;
        let b = sample_region(&p, &l, region(&plan, "boundary on(x)"), n, &mut rng(6));
        assert_eq!(b.len(), 1);
        let b = &b[0];
        let mut counts = [0usize; 6];
        for i in 0..n {
            counts[check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"))] += 1;
        }
        for (c, s) in counts.iter().zip(&shares) {
            let expect = n as f64 * s;
            let sigma = (n as f64 * s * (1.0 - s)).sqrt();
            assert!(
                (*c as f64 - expect).abs() < 4.0 * sigma,
                "counts {counts:?}, shares {shares:?}"
            );
        }
    }

    const MIXED: &str = "
param k in [1, 2]
space x in [0, 1]
space y in ball(2, center = [1, 2], radius = 0.5)
unknown u(x, y)
pde -d(u, x, x) - lap(u, y) = k
boundary x = 0: u = 0
boundary x = 1: dn(u) = 0
boundary on(y): u = 0
";

    /// Several space variables: the face variable is on its face, the others inside their
    /// domains, the normal only in the face variable's columns.
    #[test]
    fn faces_of_several_space_variables() {
        let (p, plan) = build(MIXED);
        let l = Layout::new(&p);
        assert_eq!(l.space, vec![Some((0, 1)), Some((1, 2))]);
        assert_eq!(l.params, vec![3]);
        for (name, side) in [("boundary x=0", -1.0), ("boundary x=1", 1.0)] {
            let Region::Faces { faces } = region(&plan, name) else {
                panic!("faces")
            };
            let b = sample_faces(&p, &l, faces, 1000, &mut rng(7));
            for i in 0..b.n {
                check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"));
                assert_eq!(b.normal(i).expect("normals")[0], side);
            }
        }
        let Region::Faces { faces } = region(&plan, "boundary on(y)") else {
            panic!("faces")
        };
        let b = sample_faces(&p, &l, faces, 1000, &mut rng(8));
        for i in 0..b.n {
            check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"));
        }
    }

    /// A hand-made two-face region with unequal shares across variables.
    #[test]
    fn face_choice_across_variables_follows_shares() {
        let (p, plan) = build(MIXED);
        let l = Layout::new(&p);
        let mut faces = Vec::new();
        for name in ["boundary x=1", "boundary on(y)"] {
            let Region::Faces { faces: f } = region(&plan, name) else {
                panic!("faces")
            };
            faces.extend(f.iter().cloned());
        }
        faces[0].share = 0.3;
        faces[1].share = 0.7;
        let n = 10_000;
        let b = sample_faces(&p, &l, &faces, n, &mut rng(9));
        let on_x = (0..n)
            .filter(|i| {
                check_face_point(&p, &l, &faces, b.point(*i), b.normal(*i).expect("normals")) == 0
            })
            .count() as f64;
        let sigma = (n as f64 * 0.3 * 0.7).sqrt();
        assert!((on_x - 0.3 * n as f64).abs() < 4.0 * sigma, "{on_x}");
        assert_eq!(sample_faces(&p, &l, &[], 10, &mut rng(9)).n, 0);
    }

    const PERIODIC: &str = "
time  t in [0, 1]
space x in [0, 2] * [-1, 1]
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
periodic x[1]
boundary x[2] = -1: u = 0
boundary x[2] = 1: u = 0
";

    #[test]
    fn periodic_pairs_are_the_same_point_on_opposite_faces() {
        let (p, plan) = build(PERIODIC);
        let l = Layout::new(&p);
        let (name, reg) = plan
            .terms
            .iter()
            .find(|t| matches!(t.region, Region::Periodic { .. }))
            .map(|t| (t.name.clone(), &t.region))
            .expect("a periodic term");
        assert!(
            matches!(
                reg,
                Region::Periodic {
                    var: 0,
                    comp: Some(0)
                }
            ),
            "{name}: {reg:?}"
        );
        let n = 1000;
        let bs = sample_region(&p, &l, reg, n, &mut rng(10));
        assert_eq!(bs.len(), 2);
        let (a, b) = (&bs[0], &bs[1]);
        let face = |side| FacePlan {
            face: Face::Side {
                var: 0,
                comp: Some(0),
                side,
            },
            name: String::new(),
            share: 1.0,
        };
        for i in 0..n {
            let (pa, pb) = (a.point(i), b.point(i));
            assert_eq!((pa[1], pb[1]), (0.0, 2.0));
            assert_eq!((pa[0], pa[2]), (pb[0], pb[2]));
            check_face_point(&p, &l, &[face(Side::Lo)], pa, a.normal(i).expect("normals"));
            check_face_point(&p, &l, &[face(Side::Hi)], pb, b.normal(i).expect("normals"));
        }
    }

    /// The same seed gives bitwise the same batches for every term; another seed does not.
    #[test]
    fn deterministic_by_seed() {
        for text in [LAYOUT, BALL, BOX, MIXED, PERIODIC] {
            let (p, plan) = build(text);
            let l = Layout::new(&p);
            let draw = |seed| {
                let mut r = rng(seed);
                plan.terms
                    .iter()
                    .flat_map(|t| sample_region(&p, &l, &t.region, 64, &mut r))
                    .collect::<Vec<_>>()
            };
            let (a, b, c) = (draw(42), draw(42), draw(43));
            let bits = |v: &[Batch]| {
                v.iter()
                    .flat_map(|b| {
                        b.points
                            .iter()
                            .chain(b.normals.iter().flatten())
                            .map(|x| x.to_bits())
                    })
                    .collect::<Vec<u64>>()
            };
            assert_eq!(bits(&a), bits(&b));
            assert_ne!(bits(&a), bits(&c));
        }
    }

    #[test]
    fn lognormal_sampling_has_its_median_and_correlation_and_stays_inside() {
        let (p, _) = build(
            "time t in [0, 1]\nspace x in [0, 2]^4\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
             initial u = 0\nboundary none\n",
        );
        let mut l = Layout::new(&p);
        l.sampling = Sampling::Law {
            kind: LawKind::LogNormal,
            center: 1.0,
            sd: 0.2,
            corr: 0.75,
            uniform: 0.0,
            spread: Spread::Constant,
        };
        let n = 20000;
        let b = sample_interior(&p, &l, n, &mut rng(5));
        let (o, _) = l.space[0].expect("x has columns");
        let logs: Vec<[f64; 4]> = (0..n)
            .map(|i| {
                let r = b.point(i);
                assert!(r[o..o + 4].iter().all(|v| (0.0..=2.0).contains(v)));
                [r[o].ln(), r[o + 1].ln(), r[o + 2].ln(), r[o + 3].ln()]
            })
            .collect();
        let mean = |k: usize| logs.iter().map(|r| r[k]).sum::<f64>() / n as f64;
        let (m0, m1) = (mean(0), mean(1));
        // log x ~ N(0, 0.2^2) (truncation at 2 cuts almost nothing): mean 0 within 4 sigma.
        assert!(m0.abs() < 4.0 * 0.2 / (n as f64).sqrt(), "mean {m0}");
        let cov = logs.iter().map(|r| (r[0] - m0) * (r[1] - m1)).sum::<f64>() / n as f64;
        let var = logs.iter().map(|r| (r[0] - m0).powi(2)).sum::<f64>() / n as f64;
        assert!((var.sqrt() - 0.2).abs() < 0.01, "sd {}", var.sqrt());
        assert!((cov / var - 0.75).abs() < 0.03, "corr {}", cov / var);
        // Time and the other columns are untouched by the law.
        let t = l.time.expect("time column");
        assert!((0..n).all(|i| (0.0..=1.0).contains(&b.point(i)[t])));
    }

    /// The basket's law in `[0, 2]^100` redraws about a fifth of its points and loses the
    /// upper tail of their geometric mean (the sampled 99% quantile checked against the
    /// fitted shift); in `[0, 4]^100` almost nothing; independent coordinates cut only in
    /// their far tails (the HJB example's law at its widest) shift nothing that matters.
    #[test]
    fn law_fit_sees_a_box_that_cuts_the_common_factor() {
        let law = |kind, center, sd, corr, spread| Sampling::Law {
            kind,
            center,
            sd,
            corr,
            uniform: 0.25,
            spread,
        };
        let basket = law(LawKind::LogNormal, 1.0, 0.35, 0.75, Spread::Constant);
        let boxed = |lo: f64, hi: f64, d: usize| Domain::Box {
            lo: vec![lo; d],
            hi: vec![hi; d],
        };
        let small = law_fit(&boxed(0.0, 2.0, 100), &basket, 0.0, 4000).expect("a law");
        assert!((small.inside - 0.8).abs() < 0.04, "{small:?}");
        assert!(small.tail_shift > 1.0, "{small:?}");
        let wide = law_fit(&boxed(0.0, 4.0, 100), &basket, 0.0, 4000).expect("a law");
        assert!(wide.inside > 0.99 && wide.tail_shift < 0.1, "{wide:?}");
        let hjb = law(LawKind::Normal, 0.0, 1.5, 0.0, Spread::Diffusion);
        let fit = law_fit(&boxed(-5.0, 5.0, 100), &hjb, 1.0, 4000).expect("a law");
        assert!(fit.inside < 0.95 && fit.tail_shift < 0.25, "{fit:?}");
        // At the start of a diffusion law there is nothing to fit; uniform sampling neither.
        assert_eq!(law_fit(&boxed(-5.0, 5.0, 100), &hjb, 0.0, 4000), None);
        assert_eq!(
            law_fit(&boxed(0.0, 1.0, 3), &Sampling::Uniform, 0.0, 4000),
            None
        );
        // The shift is what the sampler does: the upper 1% of the geometric mean of points
        // drawn by `sample_interior` in [0, 2]^100 stays below 1.4 (the law's own: about 2).
        let (p, _) = build(
            "time t in [0, 1]\nspace x in [0, 2]^100\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
             initial u = 0\nboundary none\n",
        );
        let mut l = Layout::new(&p);
        l.sampling = law(LawKind::LogNormal, 1.0, 0.35, 0.75, Spread::Constant);
        if let Sampling::Law { uniform, .. } = &mut l.sampling {
            *uniform = 0.0;
        }
        let n = 4000;
        let b = sample_interior(&p, &l, n, &mut rng(9));
        let (o, _) = l.space[0].expect("x has columns");
        let mut gm: Vec<f64> = (0..n)
            .map(|i| (b.point(i)[o..o + 100].iter().map(|v| v.ln()).sum::<f64>() / 100.0).exp())
            .collect();
        gm.sort_by(f64::total_cmp);
        assert!(gm[n * 99 / 100] < 1.4, "99% quantile {}", gm[n * 99 / 100]);
    }

    #[test]
    fn a_diffusion_spread_grows_like_the_square_root_of_elapsed_time() {
        let (p, _) = build(
            "time t in [0.5, 2.5]\nspace x in [-20, 20]^3\nunknown u(t, x)\npde d(u, t) + lap(u) = 0\n\
             terminal u = 0\nboundary none\n",
        );
        let mut l = Layout::new(&p);
        l.sampling = Sampling::Law {
            kind: LawKind::Normal,
            center: 1.0,
            sd: 2.0,
            corr: 0.0,
            uniform: 0.0,
            spread: Spread::Diffusion,
        };
        let (o, _) = l.space[0].expect("x has columns");
        let t = l.time.expect("time column");
        // Interior: (x - 1) / sqrt(t - 0.5) is N(0, 2^2) whatever the time.
        let n = 20000;
        let b = sample_interior(&p, &l, n, &mut rng(7));
        let z: Vec<f64> = (0..n)
            .map(|i| {
                let r = b.point(i);
                (r[o + 1] - 1.0) / (r[t] - 0.5).sqrt()
            })
            .collect();
        let var = z.iter().map(|v| v * v).sum::<f64>() / n as f64;
        assert!(
            (var.sqrt() - 2.0).abs() < 0.06,
            "sd per sqrt(time) {}",
            var.sqrt()
        );
        // A time slice spreads as at its own time (sd 2 * sqrt(2) at t = 2.5) ...
        let b = sample_time_slice(&p, &l, 2.5, n, &mut rng(8));
        let var = (0..n).map(|i| (b.point(i)[o] - 1.0).powi(2)).sum::<f64>() / n as f64;
        assert!(
            (var.sqrt() - 2.0 * 2f64.sqrt()).abs() < 0.08,
            "sd {}",
            var.sqrt()
        );
        // ... and collapses onto the center at the start of time.
        let b = sample_time_slice(&p, &l, 0.5, 10, &mut rng(9));
        assert!((0..10).all(|i| b.point(i)[o..o + 3].iter().all(|v| *v == 1.0)));
    }

    #[test]
    fn a_law_far_outside_the_domain_falls_back_to_uniform_points() {
        let (p, _) = build(
            "time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
             initial u = 0\nboundary none\n",
        );
        let mut l = Layout::new(&p);
        l.sampling = Sampling::Law {
            kind: LawKind::Normal,
            center: 50.0,
            sd: 0.1,
            corr: 0.0,
            uniform: 0.0,
            spread: Spread::Constant,
        };
        let b = sample_interior(&p, &l, 500, &mut rng(1));
        let (o, _) = l.space[0].expect("columns");
        let xs: Vec<f64> = (0..500).map(|i| b.point(i)[o]).collect();
        assert!(xs.iter().all(|v| (0.0..=1.0).contains(v)));
        let mean = xs.iter().sum::<f64>() / 500.0;
        assert!((mean - 0.5).abs() < 0.05, "uniform fallback, mean {mean}");
    }
}
