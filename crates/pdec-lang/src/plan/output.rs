//! The network's output scale (`output_scale`): `u = shift + scale * net`, with
//! `shift` and `scale` the mean and spread of what the problem says `u` is: the data of its
//! value conditions (`u = g`, `a u = g`: any condition whose residual is affine in `u` and
//! free of derivatives) and its `exact` solution over the domain where given. A network
//! starts with outputs of order one around zero; a solution around 1,000 (a price in the
//! thousands) or varying by 1e-3 would otherwise be reached only after Adam's steps of size
//! `lr` have crossed the distance. Read at plan time on fixed points (the same every run).

use crate::geometry::{self, Layout};
use crate::ir::eval::Evaluator;
use crate::ir::{NodeId, Op, Problem};
use crate::passes::ansatz::value_by;
use crate::plan::{LossTerm, Region, TermKind};
use rand::SeedableRng;
use serde::Serialize;

/// Points drawn per condition (and for the exact solution).
const POINTS: usize = 512;

/// The smallest spread, relative to the size of the mean, taken as the scale: data that are
/// one constant still leave the network room to move.
const MIN_RELATIVE_SPREAD: f64 = 1e-3;

/// `u = shift + scale * net` and what the numbers were read from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputScale {
    pub shift: f64,
    pub scale: f64,
    /// The terms (and `exact`) whose values were read.
    pub from: Vec<String>,
}

/// Beyond this mean or spread (or under its inverse squared, for a spread), the data are far
/// from a network's starting outputs (around 0, varying by about 1): `output_scale = auto`
/// maps the output then. Every example's data are within (docs/RESULTS.md), so `auto` leaves
/// them as they were; a price in the thousands or a strike of 40 is not.
const FAR: f64 = 10.0;

impl OutputScale {
    /// Whether the data are an order of magnitude or more from unit scale.
    pub fn far_from_unit(&self) -> bool {
        self.shift.abs() > FAR || self.scale > FAR || self.scale < 1.0 / (FAR * FAR)
    }
}

/// The output scale of `problem`'s network from its value conditions and `exact`; `None` when
/// there is nothing to read (only derivative conditions and no `exact`) or an ansatz already
/// writes the unknown in terms of the network. Problems of one unknown only, for now.
pub fn output_scale(problem: &Problem, terms: &[LossTerm]) -> Option<OutputScale> {
    let unknown = problem.single()?;
    if unknown.ansatz.is_some() {
        return None;
    }
    let layout = Layout::new(problem);
    // A stream of its own and a fixed seed: the scale is part of the plan, the same each run.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x6f75_7470_7574);
    let mut values = Vec::new();
    let mut from = Vec::new();
    for t in terms {
        if !matches!(
            t.kind,
            TermKind::Initial | TermKind::Terminal | TermKind::Boundary
        ) {
            continue;
        }
        let batches = geometry::sample_region(problem, &layout, &t.region, POINTS, &mut rng);
        let read = condition_data(problem, &layout, t.residual, &batches);
        if !read.is_empty() {
            values.extend(read);
            from.push(t.name.clone());
        }
    }
    if let Some(exact) = unknown.exact {
        let batches =
            geometry::sample_region(problem, &layout, &Region::Interior, POINTS, &mut rng);
        let exact = Evaluator::new(&problem.graph, exact);
        let read: Vec<f64> = rows(&batches)
            .filter_map(|row| value_by(problem, &layout, row, &[0.0], &exact))
            .filter(|v| v.is_finite())
            .collect();
        if !read.is_empty() {
            values.extend(read);
            from.push("exact".into());
        }
    }
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let scale = spread.max(MIN_RELATIVE_SPREAD * mean.abs());
    (scale > 0.0 && scale.is_finite() && mean.is_finite()).then_some(OutputScale {
        shift: mean,
        scale,
        from,
    })
}

/// The values `g` a condition gives `u` at the points of `batches`: where its residual
/// `r(u)` is affine in `u` (checked at `u = 0, 1, 2`) the root `-r(0) / (r(1) - r(0))`; none
/// when the residual reads a derivative or is not affine in `u`.
fn condition_data(
    problem: &Problem,
    layout: &Layout,
    residual: NodeId,
    batches: &[geometry::Batch],
) -> Vec<f64> {
    let g = &problem.graph;
    if g.any(residual, &mut |op| {
        matches!(op, Op::Deriv(..) | Op::NormalDeriv(_))
    }) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let residual = Evaluator::new(g, residual);
    for row in rows(batches) {
        let at = |u: f64| value_by(problem, layout, row, &[u], &residual);
        let (Some(r0), Some(r1), Some(r2)) = (at(0.0), at(1.0), at(2.0)) else {
            return Vec::new();
        };
        let slope = r1 - r0;
        let affine = ((r2 - r1) - slope).abs() <= 1e-9 * (1.0 + slope.abs() + r0.abs());
        if !affine || slope.abs() < 1e-12 {
            return Vec::new();
        }
        let v = -r0 / slope;
        if v.is_finite() {
            out.push(v);
        }
    }
    out
}

/// Every point of `batches`, a row of network inputs each.
fn rows(batches: &[geometry::Batch]) -> impl Iterator<Item = &[f64]> {
    batches.iter().flat_map(|b| b.points.chunks(b.width.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn scale_of(src: &str) -> Option<OutputScale> {
        scale_with(src, "always")
    }

    fn scale_with(src: &str, setting: &str) -> Option<OutputScale> {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            // The payoffs here are kinked: the compiler's ansatz for them would leave no
            // output scale to read (`passes::kink_ansatz`).
            &[format!("output_scale={setting}"), "kink_ansatz=none".into()],
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        c.plan.expect("a plan").output
    }

    #[test]
    fn the_scale_is_the_mean_and_spread_of_the_data() {
        // Data 1000 + 100 x: uniform on [0, 1] at t = 0 (spread 29), 1000 and 1100 on the two
        // faces (spread 50): mean 1050, spread about 41.
        let s = scale_of(
            "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\n\
             initial u = 1000 + 100 * x\nboundary on(x): 2 * u = 2000 + 200 * x\n",
        )
        .expect("a scale");
        assert!((s.shift - 1050.0).abs() < 3.0, "{s:?}");
        assert!(s.scale > 36.0 && s.scale < 46.0, "{s:?}");
        assert_eq!(
            s.from,
            vec!["initial".to_string(), "boundary on(x)".to_string()]
        );
    }

    #[test]
    fn derivative_conditions_give_no_data_and_a_constant_keeps_room() {
        let neumann = "space x in [0, 1]\nunknown u(x)\npde d(u, x, x) = 1\n\
                       boundary on(x): dn(u) = 0\n";
        assert_eq!(scale_of(neumann), None);
        let constant = "space x in [0, 1]\nunknown u(x)\npde d(u, x, x) = 0\n\
                        boundary on(x): u = 50\n";
        // The spread is zero: a thousandth of the mean keeps the network room to move.
        let s = scale_of(constant).expect("a scale");
        assert_eq!((s.shift, s.scale), (50.0, 0.05));
    }

    #[test]
    fn auto_maps_only_data_an_order_of_magnitude_from_unit_scale() {
        // An American put with a strike of 40 on [0, 100]: values up to 40.
        let put = "time t in [0, 1]\nspace s in [0, 100]\nunknown u(t, s)\n\
                   pde d(u, t) + 0.02 * s^2 * d(u, s, s) + 0.06 * s * d(u, s) - 0.06 * u = 0\n\
                   terminal u = max(40 - s, 0)\nboundary s = 0: u = 40\nboundary s = 100: u = 0\n";
        let s = scale_with(put, "auto").expect("far from unit scale");
        assert!(s.scale > 10.0, "{s:?}");
        // The same option in units of the strike: of order one, left as it is.
        let unit = put
            .replace("[0, 100]", "[0, 2.5]")
            .replace("40 - s", "1 - s")
            .replace("u = 40", "u = 1")
            .replace("s = 100", "s = 2.5");
        assert_eq!(scale_with(&unit, "auto"), None);
        assert!(scale_with(&unit, "always").is_some());
        assert_eq!(scale_with(put, "none"), None);
    }
}
