//! The summed second-order channel: the network pass carries one weighted sum
//! `sum_k w_k v_k^T H v_k` of its exact-path second-order directions, for every output,
//! instead of one channel per direction. One sum serves every exact-path factor term when
//! the weights each (equation, unknown) group of them needs are one group's up to a constant
//! ratio: Navier-Stokes' `nu * lap(U)` in each momentum equation, `D1 * lap(u)` and
//! `D2 * lap(v)` in a reaction-diffusion system. Each equation then reads its unknowns'
//! sums times their ratios.

use crate::ir::{Op, Problem};
use crate::passes::second_order::{Factor, TriangularFactor};

/// One equation's read of the summed channel: unknown `unknown`'s sum times `ratio`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SummedRead {
    pub unknown: usize,
    pub ratio: f64,
}

/// An exact-path factor term: its equation, the unknown it differentiates and its factor.
pub(super) type ExactFactor<'a> = (usize, usize, &'a Factor);

/// The factors of each (equation, unknown) group, in the order of `exact` (equation order,
/// each group's factors in term order).
fn groups<'a>(exact: &[ExactFactor<'a>]) -> Vec<(usize, usize, Vec<&'a Factor>)> {
    let mut out: Vec<(usize, usize, Vec<&Factor>)> = Vec::new();
    for &(e, unknown, factor) in exact {
        match out.iter_mut().find(|(g, u, _)| *g == e && *u == unknown) {
            Some((_, _, fs)) => fs.push(factor),
            None => out.push((e, unknown, vec![factor])),
        }
    }
    out
}

/// Each of the `equations` equations' reads of one summed channel (the first group's
/// weights), or `None` when no group or none can share it. A single group takes any factor;
/// several share coordinate directions only (each Cholesky factor brings directions of its
/// own).
pub(super) fn summed_reads(
    problem: &Problem,
    equations: usize,
    exact: &[ExactFactor<'_>],
) -> Option<Vec<Vec<SummedRead>>> {
    let groups = groups(exact);
    let (_, _, reference) = groups.first()?;
    let mut reads = vec![Vec::new(); equations];
    for (e, unknown, factors) in &groups {
        let ratio = match groups.len() {
            1 => 1.0,
            _ => ratio(problem, reference, factors)?,
        };
        reads[*e].push(SummedRead {
            unknown: *unknown,
            ratio,
        });
    }
    Some(reads)
}

/// The constant `r` with `factors`' weights `r` times `reference`'s, factor by factor.
fn ratio(problem: &Problem, reference: &[&Factor], factors: &[&Factor]) -> Option<f64> {
    if reference.len() != factors.len() {
        return None;
    }
    let mut common: Option<f64> = None;
    for (a, b) in reference.iter().zip(factors) {
        let coordinate = !matches!(a.triangular, TriangularFactor::Cholesky { .. });
        if !coordinate || a.var != b.var || a.triangular != b.triangular || a.diag != b.diag {
            return None;
        }
        let r = match (a.scale, b.scale) {
            (Some(x), Some(y)) if x == y => b.sign / a.sign,
            (x, y) => (b.sign * constant(problem, y)?) / (a.sign * constant(problem, x)?),
        };
        match common {
            None => common = Some(r),
            Some(c) if (c - r).abs() <= 1e-12 * c.abs() => {}
            Some(_) => return None,
        }
    }
    common.filter(|r| r.is_finite())
}

/// A factor's scale as a number: 1 when absent, the value of a constant node.
fn constant(problem: &Problem, scale: Option<crate::ir::NodeId>) -> Option<f64> {
    match scale {
        None => Some(1.0),
        Some(n) => match problem.graph.op(n) {
            Op::Const(c) => Some(c.0),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    /// Whether the plan carries a summed channel, and each equation's reads of it.
    fn reads(src: &str) -> (bool, Vec<Vec<(usize, f64)>>) {
        let (plan, errors) = crate::plan::tests::plan_of(src, &[]);
        assert!(!errors, "{src}");
        let plan = plan.expect("a plan");
        let pde = &plan.program.pde;
        let reads = pde
            .equations
            .iter()
            .map(|e| e.summed.iter().map(|r| (r.unknown, r.ratio)).collect())
            .collect();
        (pde.summed, reads)
    }

    const HEAD: &str = "time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x), v(t, x)\n";
    const TAIL: &str =
        "initial u = 0\ninitial v = 0\nboundary on(x): u = 0\nboundary on(x): v = 0\n";

    #[test]
    fn proportional_laplacians_share_one_channel() {
        let (summed, r) = reads(&format!(
            "{HEAD}pde d(u, t) = 0.5 * lap(u) + v\npde d(v, t) = 2 * lap(v) - u\n{TAIL}"
        ));
        assert!(summed);
        assert_eq!(r, [vec![(0, 1.0)], vec![(1, 4.0)]]);
        // Both unknowns' Laplacians in one equation: one read each.
        let (summed, r) = reads(&format!(
            "{HEAD}pde d(u, t) = lap(u) + 0.5 * lap(v)\npde d(v, t) = 3 * lap(v)\n{TAIL}"
        ));
        assert!(summed);
        assert_eq!(r, [vec![(0, 1.0), (1, 0.5)], vec![(1, 3.0)]]);
    }

    #[test]
    fn other_weights_take_a_channel_per_direction() {
        // One direction against two: no common weights; the terms are computed from the IR.
        let (summed, r) = reads(&format!(
            "{HEAD}pde d(u, t) = lap(u)\npde d(v, t) = d(v, x[1], x[1])\n{TAIL}"
        ));
        assert!(!summed);
        assert!(r.iter().all(Vec::is_empty), "{r:?}");
        // A point-dependent weight in one equation only.
        let (summed, _) = reads(&format!(
            "{HEAD}pde d(u, t) = lap(u)\npde d(v, t) = (1 + x[1]^2) * lap(v)\n{TAIL}"
        ));
        assert!(!summed);
        // The same point-dependent weight in both.
        let (summed, r) = reads(&format!(
            "{HEAD}pde d(u, t) = (1 + x[1]^2) * lap(u)\npde d(v, t) = (1 + x[1]^2) * lap(v) - u\n{TAIL}"
        ));
        assert!(summed);
        assert_eq!(r, [vec![(0, 1.0)], vec![(1, 1.0)]]);
    }
}
