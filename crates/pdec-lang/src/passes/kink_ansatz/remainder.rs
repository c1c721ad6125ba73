//! The scale of the network's part of the kink ansatz, `u = g + scale * tau * net`.
//!
//! A network starts with outputs of order one, and the remainder `(u - g) / tau` it has to
//! learn is as small as `g` is good: for the call of `examples/black_scholes.pde` a few
//! thousandths. Unscaled, the first steps spend themselves shrinking the output, and what
//! is left at the end is a smooth error of the network's own size times the learning rate's
//! last steps (the call trained 1% off with the best `g`; scaled, within 0.002%). The
//! remainder is what `g` misses: of the equation, `R[g]`, answered by `tau * net` with
//! `R[g + tau] - R[g]` per unit of `net`; and of each boundary condition, likewise. The scale
//! is the largest of those ratios' root mean squares, on fixed points of the domain (the
//! derivatives of `g` by central differences; the last 2% of the time before the data left
//! out, where the smoothing's width falls below the differences' step).

use super::{Kink, round_to, scalar_at};
use crate::ir::{Coord, Face, NodeId, Op, Problem, Side, Where};

/// Time slices and space points of the grid the residuals are read on.
const TIMES: usize = 24;
const POINTS: usize = 32;

/// The share of the time range next to the data that the grid leaves out.
const NEAR_DATA: f64 = 0.02;

/// The smallest scale, relative to the data's size: where `g` solves the problem, the
/// network still has room to move.
const FLOOR: f64 = 1e-6;

/// The scale, to three significant digits; `None` where a residual holds a derivative the
/// differences do not give (the caller keeps the network unscaled).
pub(super) fn scale(p: &Problem, k: &Kink, smoothed: NodeId) -> Option<f64> {
    let time = p.time.as_ref()?;
    let (lo, hi) = p.space[0].domain.bounds()[0];
    let length = time.hi - time.lo;
    let grid = Grid {
        p,
        k,
        smoothed,
        ht: 1e-4 * length,
        hx: 1e-4 * (hi - lo),
    };
    let taus: Vec<f64> = (0..TIMES)
        .map(|i| (NEAR_DATA + (1.0 - NEAR_DATA) * (i as f64 + 0.5) / TIMES as f64) * length)
        .collect();
    let xs: Vec<f64> = (0..POINTS)
        .map(|j| lo + (hi - lo) * (j as f64 + 0.5) / POINTS as f64)
        .collect();
    let interior: Vec<(f64, f64)> = taus
        .iter()
        .flat_map(|tau| xs.iter().map(move |x| (*tau, *x)))
        .collect();
    let mut size = 0.0f64;
    for &(tau, x) in &interior {
        size = size.max(grid.value(tau, x)?.abs());
    }
    let mut scale = ratio(&grid, p.pdes[0].residual, &interior, None)?;
    for c in &p.conditions {
        let Where::Faces {
            faces,
            restriction: None,
        } = &c.region
        else {
            continue;
        };
        for face in faces {
            let Face::Side { var: 0, side, .. } = *face else {
                continue;
            };
            let x = if side == Side::Lo { lo } else { hi };
            let points: Vec<(f64, f64)> = taus.iter().map(|tau| (*tau, x)).collect();
            scale = scale.max(ratio(&grid, c.residual, &points, Some(side))?);
        }
    }
    let scale = scale.max(FLOOR * size.max(1.0));
    scale.is_finite().then(|| round_to(scale, 3))
}

/// `rms(R[g]) / rms(R[g + tau] - R[g])` over `points` (zero where the residual does not
/// see `net`, such as a derivative condition against `tau`, constant in space).
fn ratio(grid: &Grid, residual: NodeId, points: &[(f64, f64)], side: Option<Side>) -> Option<f64> {
    let reads = reads(grid.p, residual)?;
    let (mut missed, mut answered) = (0.0, 0.0);
    for &(tau, x) in points {
        let stencil = grid.stencil(tau, x)?;
        let r0 = grid.residual(residual, &reads, &stencil, tau, x, 0.0, side)?;
        let r1 = grid.residual(residual, &reads, &stencil, tau, x, 1.0, side)?;
        missed += r0 * r0;
        answered += (r1 - r0) * (r1 - r0);
    }
    if answered <= 1e-24 * (1.0 + missed) {
        return Some(0.0);
    }
    Some((missed / answered).sqrt())
}

/// The derivatives of `u` a residual reads (a normal derivative as `[]`); `None` where one
/// is not a first or second derivative in `t` and `x`.
fn reads(p: &Problem, residual: NodeId) -> Option<Vec<Vec<Coord>>> {
    let mut reads: Vec<Vec<Coord>> = Vec::new();
    let mut other = false;
    p.graph.any(residual, &mut |op| {
        let coords = match op {
            Op::Deriv(0, coords) if coords.len() <= 2 => coords.to_vec(),
            Op::NormalDeriv(0) => Vec::new(),
            Op::Deriv(..) | Op::NormalDeriv(_) => {
                other = true;
                return false;
            }
            _ => return false,
        };
        if !reads.contains(&coords) {
            reads.push(coords);
        }
        false
    });
    (!other).then_some(reads)
}

/// `g` at a point and its eight neighbours, `[dt][dx]` for steps `-1, 0, 1` in `t`.
type Stencil = [[f64; 3]; 3];

/// The smoothed data on fixed points given by the time left and `x`.
struct Grid<'a> {
    p: &'a Problem,
    k: &'a Kink,
    smoothed: NodeId,
    ht: f64,
    hx: f64,
}

impl Grid<'_> {
    fn time(&self, tau: f64) -> f64 {
        if self.k.terminal {
            self.k.at_time - tau
        } else {
            self.k.at_time + tau
        }
    }

    /// `g` at the time left `tau` and `x`.
    fn value(&self, tau: f64, x: f64) -> Option<f64> {
        scalar_at(self.p, self.smoothed, self.time(tau), x, &|_| None)
    }

    fn stencil(&self, tau: f64, x: f64) -> Option<Stencil> {
        let mut s = [[0.0; 3]; 3];
        for (i, row) in s.iter_mut().enumerate() {
            let t = self.time(tau) + (i as f64 - 1.0) * self.ht;
            for (j, v) in row.iter_mut().enumerate() {
                let x = x + (j as f64 - 1.0) * self.hx;
                *v = scalar_at(self.p, self.smoothed, t, x, &|_| None)?;
            }
        }
        Some(s)
    }

    /// A derivative of `u = g + lambda * tau` by central differences (`tau` is linear in
    /// `t`: only `u_t` sees it).
    fn derivative(&self, s: &Stencil, coords: &[Coord], lambda: f64) -> f64 {
        let dtau = if self.k.terminal { -1.0 } else { 1.0 };
        let (ht, hx) = (self.ht, self.hx);
        let space = |c: &Coord| matches!(c, Coord::Space { var: 0, .. });
        match coords {
            [Coord::Time] => (s[2][1] - s[0][1]) / (2.0 * ht) + lambda * dtau,
            [a, b] if space(a) && space(b) => (s[1][2] - 2.0 * s[1][1] + s[1][0]) / (hx * hx),
            [Coord::Time, Coord::Time] => (s[2][1] - 2.0 * s[1][1] + s[0][1]) / (ht * ht),
            [_, _] => (s[2][2] - s[2][0] - s[0][2] + s[0][0]) / (4.0 * ht * hx),
            // `x`, and `[]` for the normal derivative.
            _ => (s[1][2] - s[1][0]) / (2.0 * hx),
        }
    }

    /// `residual` with `u = g + lambda * tau`; `side` names the face of a normal derivative.
    #[allow(clippy::too_many_arguments)]
    fn residual(
        &self,
        residual: NodeId,
        reads: &[Vec<Coord>],
        s: &Stencil,
        tau: f64,
        x: f64,
        lambda: f64,
        side: Option<Side>,
    ) -> Option<f64> {
        let u = s[1][1] + lambda * tau;
        let value = |coords: &[Coord]| -> Option<f64> {
            reads.iter().any(|r| r.as_slice() == coords).then(|| {
                let outward = match (coords.is_empty(), side) {
                    (true, Some(Side::Lo)) => -1.0,
                    _ => 1.0,
                };
                outward * self.derivative(s, coords, lambda)
            })
        };
        scalar_at(self.p, residual, self.time(tau), x, &|op: &Op| match op {
            Op::U(0) => Some(u),
            Op::Deriv(0, coords) => value(coords),
            Op::NormalDeriv(0) => value(&[]),
            _ => None,
        })
    }
}
