//! The consistency checks: what a problem says about its solution in more than one place must
//! agree. The data of the conditions must satisfy a free-boundary constraint (`obstacle`:
//! the solution meets its data on a slice or a face, and stays above its obstacle
//! everywhere), and an `exact` solution must satisfy the conditions and the equation
//! (`exact`). Both are decided on fixed points of each condition's slice or faces (and of the
//! interior), drawn with a seed of their own so the verdict is the same on every run, before
//! the ansatz pass rewrites the conditions in the network's output.
//!
//! A condition's *data* are the values `g` it gives `u` where its residual is affine in `u`
//! and reads no derivative (`u = g`, `2 * u = h`): at each point the root of `r(u) = 0`.
//! Conditions on derivatives (Neumann, Robin, `initial d(u, t) = ...`) have no data: the
//! obstacle check skips them, the exact check puts the exact solution into them (its
//! derivatives formed symbolically) where it is differentiable, and skips them where not.
//! Differences are measured against the size of the solution: the largest value among the
//! data, the exact solution and the obstacle on all points.

mod exact;
mod obstacle;
mod system;

use crate::diag::Diags;
use crate::geometry::region::FacePlan;
use crate::geometry::{self, Batch, Layout};
use crate::ir::eval::{Dense, Layout as DenseLayout};
use crate::ir::{Condition, Graph, Input, NodeId, Op, Problem, Ty, Where};
use rand::SeedableRng;
use std::borrow::Cow;

/// Points drawn on each condition's slice or faces (spread over its faces), and inside.
const POINTS: usize = 256;
/// Points per face when a condition's faces are probed one by one; with more faces than the
/// points allow, points go to faces drawn at random.
const POINTS_PER_FACE: usize = 8;
/// Values (points times the input width) probed per region at most: in thousands of
/// dimensions fewer points, so that checking stays quick.
const MAX_VALUES: usize = 1 << 18;
/// The fewest points per region, however wide a point.
const MIN_POINTS: usize = 16;
/// Elements evaluated for one expression over all the points of one region at most: an
/// expression whose nodes hold a `d x d` matrix at `d = 10^5` is not evaluated at all.
const EVALUATION_BUDGET: usize = 1 << 25;
/// A difference up to this share of the solution's size is round-off, not a disagreement.
const TOLERANCE: f64 = 1e-6;

/// Runs both checks on the checked problem (before the ansatz pass). A system's `exact`s
/// are checked by `system` (its obstacle is not: the constraint's data are one unknown's).
pub fn run(problem: &Problem, diags: &mut Diags) {
    let Some(unknown) = problem.single() else {
        if problem.has_exact() {
            run_system(problem, diags);
        }
        return;
    };
    if unknown.exact.is_none() && problem.constraint.is_none() {
        return;
    }
    let g = &problem.graph;
    let probe = Probe {
        problem,
        unknown,
        layout: Layout::new(problem),
        exact_points: unknown.exact.map_or(0, |e| affordable(g, &[e])),
        obstacle_points: problem
            .constraint
            .as_ref()
            .map_or(0, |c| affordable(g, &[c.obstacle])),
    };
    let (samples, interior) = probe.points();
    let scale = probe.scale(&samples, &interior);
    if let Some(c) = &problem.constraint {
        obstacle::check(&probe, c, &samples, &interior, scale, diags);
    }
    if let Some(e) = unknown.exact {
        exact::check(&probe, e, &samples, &interior, scale, diags);
    }
}

/// The closed forms of a system against its conditions and equations, at the points a
/// single unknown's are probed at (no data, no exact values per point: `system` substitutes).
fn run_system(problem: &Problem, diags: &mut Diags) {
    let probe = Probe {
        problem,
        unknown: &problem.unknowns[0],
        layout: Layout::new(problem),
        exact_points: 0,
        obstacle_points: 0,
    };
    let (samples, interior) = probe.points();
    system::check(&probe, &samples, &interior, diags);
}

/// The seed of the interior's points; each condition's adds its index.
const SEED: u64 = 0x0063_6f6e_7369_7374;

/// One point: its network inputs and, on a face, its outward normal (in the same columns);
/// the exact solution's and the obstacle's values there, where the problem has them and they
/// are finite.
pub(super) struct At {
    pub(super) row: Vec<f64>,
    pub(super) normal: Option<Vec<f64>>,
    pub(super) exact: Option<f64>,
    pub(super) obstacle: Option<f64>,
}

/// A condition and the points it was probed at.
pub(super) struct Sample<'a> {
    pub(super) condition: &'a Condition,
    pub(super) points: Vec<At>,
    /// Periodic conditions: the partner of each point on the opposite face.
    pub(super) partners: Vec<At>,
    /// The value the condition gives `u` at each point (`None` where not finite), for a value
    /// condition; `None` for a condition on derivatives or not affine in `u`.
    pub(super) data: Option<Vec<Option<f64>>>,
}

/// The problem with the layout its points are drawn in.
pub(super) struct Probe<'a> {
    pub(super) problem: &'a Problem,
    /// The problem's only unknown (a system's first: its `exact` is not read then).
    pub(super) unknown: &'a crate::ir::Unknown,
    pub(super) layout: Layout,
    /// Points of each region the exact solution and the obstacle are evaluated at
    /// ([`affordable`]).
    exact_points: usize,
    obstacle_points: usize,
}

/// At how many points the nodes can be evaluated within [`EVALUATION_BUDGET`]: a point
/// costs the elements of every node they read.
pub(super) fn affordable(g: &Graph, nodes: &[NodeId]) -> usize {
    let mut cost = 0usize;
    let mut stack = nodes.to_vec();
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        cost = cost.saturating_add(g.numel(g.ty(n)).max(1));
        stack.extend(crate::ir::children(g.op(n)));
    }
    EVALUATION_BUDGET / cost.max(1)
}

impl<'a> Probe<'a> {
    /// Every condition's points (and data), and the interior's.
    fn points(&self) -> (Vec<Sample<'a>>, Vec<At>) {
        let samples = self
            .problem
            .conditions
            .iter()
            .enumerate()
            .map(|(i, c)| self.sample(i, c))
            .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED);
        let interior =
            geometry::sample_interior(self.problem, &self.layout, self.count(), &mut rng);
        (samples, self.points_of(&interior))
    }

    /// Points per region: [`POINTS`], fewer for wide inputs.
    fn count(&self) -> usize {
        (MAX_VALUES / self.layout.width().max(1)).clamp(MIN_POINTS, POINTS)
    }

    /// The points of condition `i` and its data there.
    fn sample<'c>(&self, i: usize, c: &'c Condition) -> Sample<'c> {
        let p = self.problem;
        let n = self.count();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED + 1 + i as u64);
        let (points, partners) = match &c.region {
            Where::TimeSlice { at, .. } => (
                self.points_of(&geometry::sample_time_slice(
                    p,
                    &self.layout,
                    *at,
                    n,
                    &mut rng,
                )),
                Vec::new(),
            ),
            Where::Faces { faces, restriction } => {
                let plans = FacePlan::each(faces, restriction.as_ref());
                let mut points = Vec::new();
                if faces.len() * POINTS_PER_FACE <= n {
                    // Every face, evenly.
                    let per_face = n.div_ceil(faces.len().max(1));
                    for plan in plans {
                        let b =
                            geometry::sample_faces(p, &self.layout, &[plan], per_face, &mut rng);
                        points.extend(self.points_of(&b));
                    }
                } else {
                    let b = geometry::sample_faces(p, &self.layout, &plans, n, &mut rng);
                    points.extend(self.points_of(&b));
                }
                (points, Vec::new())
            }
            Where::Periodic { var, comp } => {
                let (lo, hi) =
                    geometry::sample_periodic_pairs(p, &self.layout, *var, *comp, n, &mut rng);
                (self.points_of(&lo), self.points_of(&hi))
            }
        };
        let data = match c.region {
            Where::Periodic { .. } => None,
            _ => self.data(c.residual, &points),
        };
        Sample {
            condition: c,
            points,
            partners,
            data,
        }
    }

    /// The rows of a batch (and their normals), one point each, with the exact solution and
    /// the obstacle evaluated there.
    fn points_of(&self, b: &Batch) -> Vec<At> {
        let p = self.problem;
        (0..b.n)
            .map(|i| {
                let mut at = At {
                    row: b.point(i).to_vec(),
                    normal: b.normal(i).map(<[f64]>::to_vec),
                    exact: None,
                    obstacle: None,
                };
                let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
                if i < self.exact_points {
                    at.exact = finite(
                        self.unknown
                            .exact
                            .and_then(|e| self.value(&p.graph, e, &at, None)),
                    );
                }
                if i < self.obstacle_points {
                    at.obstacle = finite(
                        p.constraint
                            .as_ref()
                            .and_then(|c| self.value(&p.graph, c.obstacle, &at, None)),
                    );
                }
                at
            })
            .collect()
    }

    /// The values a condition gives `u` at the points: where its residual `r(u)` is affine
    /// in `u` (checked at `u = 0, 1, 2`) the root `-r(0) / (r(1) - r(0))`; `None` when it
    /// reads a derivative or is not affine in `u` at some point.
    fn data(&self, residual: NodeId, points: &[At]) -> Option<Vec<Option<f64>>> {
        let g = &self.problem.graph;
        if g.any(residual, &mut |op| {
            matches!(op, Op::Deriv(..) | Op::NormalDeriv(_))
        }) {
            return None;
        }
        let mut out = vec![None; points.len()];
        for (at, out) in points.iter().zip(&mut out).take(affordable(g, &[residual])) {
            let r = |u: f64| self.value(g, residual, at, Some(u));
            let (Some(r0), Some(r1), Some(r2)) = (r(0.0), r(1.0), r(2.0)) else {
                continue;
            };
            if !(r0.is_finite() && r1.is_finite() && r2.is_finite()) {
                continue;
            }
            let slope = r1 - r0;
            let affine = ((r2 - r1) - slope).abs() <= 1e-9 * (1.0 + slope.abs() + r0.abs());
            if !affine || slope.abs() < 1e-300 {
                return None;
            }
            *out = Some(-r0 / slope).filter(|v| v.is_finite());
        }
        Some(out)
    }

    /// A scalar node of `g` at a point, the unknown's value `u` where it reads one; `None`
    /// when it needs what the point does not give.
    pub(super) fn value(&self, g: &Graph, node: NodeId, at: &At, u: Option<f64>) -> Option<f64> {
        let v = self.evaluate(g, node, at, u)?;
        (v.len() == 1).then(|| v[0])
    }

    /// Every element of a node of `g` at a point (a node with index axes has several).
    pub(super) fn values(&self, g: &Graph, node: NodeId, at: &At) -> Option<Vec<f64>> {
        self.evaluate(g, node, at, None)
    }

    fn evaluate(&self, g: &Graph, node: NodeId, at: &At, u: Option<f64>) -> Option<Vec<f64>> {
        let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
            let data = match op {
                Op::Input(i) => at.row.get(self.layout.columns(*i)?)?.to_vec(),
                Op::U(_) => vec![u?],
                Op::Normal(var) => {
                    let cols = self.layout.columns(Input::Space(*var))?;
                    at.normal.as_ref()?.get(cols)?.to_vec()
                }
                _ => return None,
            };
            Some(Dense {
                layout: DenseLayout::of(g, ty),
                data: Cow::Owned(data),
            })
        };
        let v = crate::ir::eval::eval_at(g, node, &value_of)?;
        Some(v.data.into_owned())
    }

    /// The size of the solution: the largest finite value among the data, the exact solution
    /// and the obstacle at every point probed (at least the smallest normal number).
    fn scale(&self, samples: &[Sample], interior: &[At]) -> f64 {
        let points = samples
            .iter()
            .flat_map(|s| s.points.iter().chain(&s.partners))
            .chain(interior);
        let values = points.flat_map(|at| [at.exact, at.obstacle]).flatten();
        let data = samples
            .iter()
            .flat_map(|s| s.data.iter().flatten())
            .flatten();
        values
            .chain(data.copied())
            .filter(|v| v.is_finite())
            .fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()))
    }

    /// A point in words: `t = 1, s = 1.5`, a vector's first components (`x = [0.1, 0.2, 0.3,
    /// 0.4, ...] (100 components)`), parameters last.
    pub(super) fn describe(&self, at: &At) -> String {
        let p = self.problem;
        let num = crate::diag::render::number;
        // One unknown's arguments in its order; a system's every argument, time first.
        let mut inputs: Vec<Input> = match p.unknowns.len() {
            1 => self.unknown.args.clone(),
            _ => {
                let all: std::collections::BTreeSet<Input> =
                    p.unknowns.iter().flat_map(|u| u.args.clone()).collect();
                all.into_iter().collect()
            }
        };
        inputs.extend((0..p.params.len()).map(Input::Param));
        let mut parts = Vec::new();
        for i in inputs {
            let Some(cols) = self.layout.columns(i) else {
                continue;
            };
            let Some(v) = at.row.get(cols) else { continue };
            let name = p.input_name(i);
            let vector = matches!(i, Input::Space(k) if p.space[k].domain.dim().is_some());
            parts.push(if !vector {
                format!("{name} = {}", num(v.first().copied().unwrap_or(f64::NAN)))
            } else {
                let shown: Vec<String> = v.iter().take(4).map(|x| num(*x)).collect();
                if v.len() > 4 {
                    format!(
                        "{name} = [{}, ...] ({} components)",
                        shown.join(", "),
                        v.len()
                    )
                } else {
                    format!("{name} = [{}]", shown.join(", "))
                }
            });
        }
        parts.join(", ")
    }
}

/// The allowed difference against a solution of size `scale`.
pub(super) fn tolerance(scale: f64) -> f64 {
    TOLERANCE * scale
}

#[cfg(test)]
mod tests;
