//! The network's scale inside an ansatz (`output_scale` where the unknown has an ansatz).
//!
//! `u = g + h * net` leaves the network the remainder `(u - g) / h`, and a network starts
//! with outputs of order one: a remainder of a few thousandths (a good `g`, such as the
//! smoothed payoff of `passes::kink_ansatz`) is reached only after Adam's steps have shrunk
//! the output, and what they leave is a smooth error of the network's own size times the
//! last learning rates (the call of `examples/black_scholes.pde` trained 1% off that way;
//! scaled, within 0.002%); a remainder of tens (`g` far from the solution, `h` small) is
//! reached only after they have grown it. The remainder is what `g` misses: of the equation,
//! `R[g]`, answered by `h * net` at `R[g + h] - R[g]` per unit of `net`; and likewise of each
//! condition the ansatz does not impose. The scale is the largest of these ratios' root mean
//! squares on fixed points (the rewritten residuals with the network's output constant, so
//! its derivatives vanish), and the pass writes `net` as `scale * net` everywhere, so the
//! plan, the residual scales, the solver and every output see an ordinary ansatz.

use super::substitute::substitute;
use crate::geometry::{self, Layout, region::FacePlan, region::Region};
use crate::ir::diff::Kinks;
use crate::ir::eval::Evaluator;
use crate::ir::{BinOp, NodeId, Op, Problem, Ty, Where};
use crate::settings::Scaling;
use rand::SeedableRng;

/// Points per region the residuals are read on, at most.
const POINTS: usize = 512;

/// Values computed per region at most (a residual's values per point times the points): the
/// scale is an order-of-magnitude estimate, and the plan-time evaluator reads one point at a
/// time, so a residual as large as `dist(boundary)`'s Laplacian in 100 dimensions (thousands
/// of 100-vectors a point) is read on fewer points (measured: `pdec check` took 46 s at 512,
/// a fuzzer's case). The examples' residuals are small enough to keep all 512.
const WORK: usize = 2_000_000;

/// Points per region at least.
const MIN_POINTS: usize = 16;

/// The points per region for residuals of `p`: [`POINTS`], or fewer where the PDE's residual
/// has more values a point than [`WORK`] allows.
fn points_for(p: &Problem) -> usize {
    let g = &p.graph;
    let values: usize = g
        .reachable(p.pdes[0].residual)
        .into_iter()
        .map(|n| crate::ir::eval::Layout::of(g, g.ty(n)).numel().max(1))
        .sum();
    (WORK / values.max(1)).clamp(MIN_POINTS, POINTS)
}

/// `auto` scales where the remainder is an order of magnitude or more from one.
const FAR: f64 = 10.0;

/// A ratio under this is `g`'s rounding, not a remainder.
const NOTHING_MISSED: f64 = 1e-9;

/// Rescales the network of a problem of one unknown with an ansatz; says why in the ansatz.
pub fn run(problem: &mut Problem, setting: Scaling) {
    if setting == Scaling::None || problem.unknowns.len() != 1 {
        return;
    }
    let Some(ansatz) = problem.unknowns[0].ansatz.clone().filter(|a| a.rescale) else {
        return;
    };
    let Some(scale) = remainder_scale(problem) else {
        return;
    };
    let far = !(1.0 / FAR..=FAR).contains(&scale);
    if setting == Scaling::Auto && !far {
        return;
    }
    let span = ansatz.span;
    let g = &mut problem.graph;
    let factor = g.constant(scale, span);
    let net = g.add(Op::U(0), Ty::scalar(), span);
    let Ok(scaled) = g.binary(BinOp::Mul, factor, net, span) else {
        return;
    };
    // Every term that reads the network (observations and gauges too: a term left out would
    // see the unscaled network while the equation sees the scaled one).
    let mut roots = super::substitute::term_roots(problem);
    roots.push(ansatz.node);
    roots.extend(ansatz.space_gradient.iter().copied());
    let dims: Vec<Option<usize>> = problem.space.iter().map(|s| s.domain.dim()).collect();
    // `scale * net` is linear: its derivatives are the network's times the constant, and
    // nothing new is refused.
    let Ok(map) = substitute(
        &mut problem.graph,
        &roots,
        0,
        scaled,
        &dims,
        span,
        Kinks::Refused,
    ) else {
        return;
    };
    super::substitute::remap_terms(problem, &map);
    let Some(a) = &mut problem.unknowns[0].ansatz else {
        return;
    };
    a.node = map[&a.node];
    for d in &mut a.space_gradient {
        *d = map[d];
    }
    a.scaled = Some(format!(
        "the network's output is multiplied by {}: what the ansatz without it misses of the equation and the conditions it leaves as loss terms, per unit of the network's output{} (`output_scale = none` keeps the network as written)",
        crate::syntax::print::format_number(scale),
        if setting == Scaling::Auto {
            ", an order of magnitude or more from one"
        } else {
            ""
        }
    ));
}

/// The largest ratio `rms(r(0)) / rms(r(1) - r(0))` over the PDE and the conditions left as
/// loss terms, `r(c)` the rewritten residual with the network's output `c` everywhere, to
/// three significant digits; `None` where nothing could be read or every ratio is zero.
fn remainder_scale(p: &Problem) -> Option<f64> {
    let layout = Layout::new(p);
    // A stream of its own and a fixed seed: the scale is part of the plan, the same each run.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x7363_616c_6564);
    let points = points_for(p);
    let interior = geometry::sample_region(p, &layout, &Region::Interior, points, &mut rng);
    // Without the equation's ratio (a term the plan-time evaluator cannot read, such as an
    // unknown coefficient) the conditions alone would say nothing of the remainder's size.
    let mut scale = ratio(p, &layout, p.pdes[0].residual, &interior)?;
    for c in &p.conditions {
        let batches: Vec<geometry::Batch> = match &c.region {
            Where::TimeSlice { at, .. } => vec![geometry::sample_time_slice(
                p, &layout, *at, points, &mut rng,
            )],
            Where::Faces { faces, restriction } => FacePlan::each(faces, restriction.as_ref())
                .into_iter()
                .map(|plan| geometry::sample_faces(p, &layout, &[plan], points, &mut rng))
                .collect(),
            Where::Periodic { .. } => continue,
        };
        if let Some(r) = ratio(p, &layout, c.residual, &batches) {
            scale = scale.max(r);
        }
    }
    // A remainder at the rounding level of `g`'s arithmetic is none: `g` already meets
    // everything, and a factor of 1e-16 would only stop the network from moving.
    (scale > NOTHING_MISSED && scale.is_finite()).then(|| super::kink_ansatz::round_to(scale, 3))
}

/// `rms(r(0)) / rms(r(1) - r(0))` of `residual` over `batches`; `None` where a point cannot
/// be read (a normal on a face the evaluator does not know) or the network does not move it.
fn ratio(
    p: &Problem,
    layout: &Layout,
    residual: NodeId,
    batches: &[geometry::Batch],
) -> Option<f64> {
    let (mut missed, mut answered) = (0.0, 0.0);
    let residual = Evaluator::new(&p.graph, residual);
    for b in batches {
        for row in b.points.chunks(b.width.max(1)) {
            let r0 = constant_net(p, layout, row, 0.0, &residual)?;
            let r1 = constant_net(p, layout, row, 1.0, &residual)?;
            missed += r0 * r0;
            answered += (r1 - r0) * (r1 - r0);
        }
    }
    let ratio = (missed / answered).sqrt();
    (answered > 1e-24 * (1.0 + missed) && ratio.is_finite()).then_some(ratio)
}

/// A node's value at one point where the network's output is the constant `c` (so its
/// derivatives and its normal derivative are zero).
fn constant_net(
    p: &Problem,
    layout: &Layout,
    row: &[f64],
    c: f64,
    node: &Evaluator,
) -> Option<f64> {
    use crate::ir::eval::{Dense, Layout as DenseLayout};
    use std::borrow::Cow;
    let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
        let dense = DenseLayout::of(&p.graph, ty);
        let v = match op {
            Op::Input(i) => row.get(layout.columns(*i)?)?.to_vec(),
            Op::U(0) => vec![c; dense.numel()],
            Op::Deriv(0, _) | Op::NormalDeriv(0) => vec![0.0; dense.numel()],
            // An unknown coefficient at its initial value.
            Op::Coef(k) => vec![p.coefficients.get(*k)?.init],
            _ => return None,
        };
        Some(Dense {
            layout: dense,
            data: Cow::Owned(v),
        })
    };
    let v = node.eval(&value_of)?;
    (v.data.len() == 1 && v.data[0].is_finite()).then(|| v.data[0])
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    /// The heat equation with an ansatz that meets its data and leaves `net` the remainder
    /// `(exp(-pi^2 t) - 1) sin(pi x) / (t x (1 - x))`, of size about ten.
    const HEAT: &str = "time t in [0, 0.5]\nspace x in [0, 1]\nunknown u(t, x)\n\
        pde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n\
        ansatz u = sin(pi * x) + t * x * (1 - x) * net\n";

    fn compiled(src: &str, sets: &[&str]) -> crate::ir::Problem {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &sets.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        c.checked.expect("checked").problem
    }

    /// The ansatz's value at `(t, x)` with the network's output `net`.
    fn ansatz_at(p: &crate::ir::Problem, t: f64, x: f64, net: f64) -> f64 {
        let layout = crate::geometry::Layout::new(p);
        let node = p.unknowns[0].ansatz.as_ref().expect("an ansatz").node;
        crate::passes::ansatz::value_at(p, &layout, &[t, x], &[net], node).expect("a value")
    }

    #[test]
    fn the_remainder_of_a_users_ansatz_sets_the_factor() {
        // `auto` leaves a remainder within a decade of one as written.
        let auto = compiled(HEAT, &[]);
        assert!(
            auto.unknowns[0]
                .ansatz
                .as_ref()
                .and_then(|a| a.scaled.clone())
                .is_none()
        );
        let always = compiled(HEAT, &["output_scale=always"]);
        let why = always.unknowns[0]
            .ansatz
            .as_ref()
            .and_then(|a| a.scaled.clone());
        let why = why.expect("scaled under `always`");
        let factor: f64 = why
            .split("multiplied by ")
            .nth(1)
            .and_then(|s| s.split(':').next())
            .and_then(|s| s.parse().ok())
            .expect("a factor");
        assert!((5.0..20.0).contains(&factor), "{why}");
        // The rewritten ansatz is `g + factor * h * net`, the data untouched.
        let (t, x) = (0.25, 0.5);
        let g = (std::f64::consts::PI * x).sin();
        let h = t * x * (1.0 - x);
        assert!((ansatz_at(&always, t, x, 0.0) - g).abs() < 1e-12);
        let moved = ansatz_at(&always, t, x, 1.0) - g;
        assert!(
            (moved - factor * h).abs() < 1e-12,
            "{moved} against {}",
            factor * h
        );
        let none = compiled(HEAT, &["output_scale=none"]);
        assert!(
            none.unknowns[0]
                .ansatz
                .as_ref()
                .is_some_and(|a| a.scaled.is_none())
        );
    }
}
