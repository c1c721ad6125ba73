//! Points near a given point of the inputs: where `pdec solve` measures the error a `report`
//! depends on (the value at one point is decided by the solution around it, not over the
//! whole box). Each input component is drawn uniformly within `share` of its range on either
//! side of the centre, clipped to the range; a space point outside a non-box domain (a ball)
//! is drawn again, at most 16 times, then the centre's own components are used.

use crate::geometry::Batch;
use crate::geometry::inputs::{InputLayout, NetInput};
use crate::geometry::laws::inside;
use crate::ir::{Input, Problem};
use rand::{Rng, RngExt};

/// Draws per point before a space component falls back to the centre's.
const TRIES: usize = 16;

/// `n` points within `share` of each input's range around `center` (a row of `layout`).
pub fn sample_near(
    problem: &Problem,
    layout: &InputLayout,
    center: &[f64],
    share: f64,
    n: usize,
    rng: &mut impl Rng,
) -> Batch {
    let width = layout.width;
    let mut points = Vec::with_capacity(n * width);
    for _ in 0..n {
        let mut row = center.to_vec();
        for input in &layout.inputs {
            let cols = input.offset..input.offset + input.components;
            let value = match input.input {
                Input::Space(k) => (0..TRIES)
                    .map(|_| draw(rng, input, center, share))
                    .find(|p| inside(&problem.space[k].domain, p))
                    .unwrap_or_else(|| center[cols.clone()].to_vec()),
                _ => draw(rng, input, center, share),
            };
            row[cols].copy_from_slice(&value);
        }
        points.extend(row);
    }
    Batch {
        n,
        width,
        points,
        normals: None,
        values: None,
    }
}

/// One input's components, each uniform within `share` of its range around the centre's,
/// clipped to the range.
fn draw(rng: &mut impl Rng, input: &NetInput, center: &[f64], share: f64) -> Vec<f64> {
    (input.offset..input.offset + input.components)
        .zip(input.lo.iter().zip(&input.hi))
        .map(|(c, (&lo, &hi))| {
            let half = share * (hi - lo);
            (center[c] + half * (2.0 * rng.random::<f64>() - 1.0)).clamp(lo, hi)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use rand::SeedableRng;

    #[test]
    fn points_stay_near_their_centre_and_inside_the_domain() {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: "time t in [0, 2]\nspace x in ball(2, center = 0, radius = 1)\nunknown u(t, x)\n\
                       pde d(u, t) = lap(u)\ninitial u = 0\nboundary on(x): u = 0\n"
                    .into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let (problem, plan) = (c.checked.expect("checked").problem, c.plan.expect("plan"));
        let layout = &plan.layout;
        // Near the ball's edge: many draws fall outside and are drawn again.
        let center = [1.0, 0.7, 0.7];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let b = sample_near(&problem, layout, &center, 0.05, 500, &mut rng);
        assert_eq!((b.n, b.width, b.points.len()), (500, 3, 1500));
        for p in b.points.chunks(3) {
            // 5% of [0, 2] is 0.1 in time; of [-1, 1] is 0.1 in space.
            assert!((p[0] - 1.0).abs() <= 0.1 + 1e-12, "{p:?}");
            assert!((p[1] - 0.7).abs() <= 0.1 + 1e-12 && (p[2] - 0.7).abs() <= 0.1 + 1e-12);
            assert!(p[1] * p[1] + p[2] * p[2] <= 1.0 + 1e-12, "{p:?}");
        }
    }
}
