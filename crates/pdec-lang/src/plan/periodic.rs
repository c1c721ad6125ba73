//! The periodic pair terms the inputs make hold exactly (`periodic_inputs = auto`,
//! `geometry::periodic`): an unknown that is the network's output reads `cos` and `sin` of
//! the coordinate, so it is periodic with all its derivatives and its pair term is dropped.
//! An unknown under an `ansatz` keeps its term: the ansatz around the network (`x + t net`)
//! need not be periodic. The checker's view is unchanged: the coordinate's faces are covered.

use crate::geometry::inputs::InputLayout;
use crate::geometry::region::Region;
use crate::ir::Problem;
use crate::plan::terms::{LossTerm, TermKind};

/// Whether the inputs make a periodic pair term hold exactly: its coordinate is read through
/// its features and its unknown is the network's output itself (no ansatz).
pub fn imposed(problem: &Problem, layout: &InputLayout, term: &LossTerm) -> bool {
    let Region::Periodic { var, comp } = term.region else {
        return false;
    };
    if term.kind != TermKind::Periodic {
        return false;
    }
    let Some((offset, _)) = layout.space(var) else {
        return false;
    };
    let column = offset + comp.unwrap_or(0);
    let read = layout.periodic.iter().any(|f| f.column == column);
    let plain = problem
        .graph
        .unknowns_in(term.residual)
        .iter()
        .all(|k| problem.unknowns[*k].ansatz.is_none());
    read && plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(src: &str) -> crate::plan::Plan {
        let (plan, errors) = crate::plan::tests::plan_of(src, &[]);
        assert!(!errors, "{src}");
        plan.expect("a plan")
    }

    const BOX: &str = "time t in [0, 1]\nspace x in [0, 2 * pi] * [-1, 1]\nunknown u(t, x)\n\
        pde d(u, t) = 0.1 * lap(u)\ninitial u = sin(x[1]) * cos(pi * x[2] / 2)\n\
        periodic x[1]\nboundary x[2] = -1: u = 0\nboundary x[2] = 1: u = 0\n";

    /// `periodic x[1]` on a box: the network reads cos and sin of `x[1]` instead of the
    /// column, `x[2]` as it is, and the pair term is gone.
    #[test]
    fn a_periodic_coordinate_becomes_two_inputs_and_loses_its_term() {
        let plan = plan_of(BOX);
        assert_eq!(plan.layout.periodic.len(), 1);
        let f = &plan.layout.periodic[0];
        assert_eq!((f.var.as_str(), f.column), ("x[1]", 1));
        assert_eq!(plan.layout.net_width(), 5);
        assert_eq!(plan.networks[0].columns, vec![0, 2, 3, 4]);
        assert!(plan.terms.iter().all(|t| t.kind != TermKind::Periodic));
        let (c, s) = f.value(f.hi);
        assert!((c - 1.0).abs() < 1e-12 && s.abs() < 1e-12);
    }

    /// `periodic_inputs = none`: today's pair term and the raw column.
    #[test]
    fn none_keeps_the_pair_terms() {
        let plan = plan_of(&format!("{BOX}solve {{\n  periodic_inputs = none\n}}\n"));
        assert!(plan.layout.periodic.is_empty());
        assert_eq!(plan.layout.net_width(), 3);
        assert!(plan.terms.iter().any(|t| t.kind == TermKind::Periodic));
    }

    /// A steady unknown beside a time-dependent one: each network reads the features of
    /// the variables it takes; an unknown under an ansatz keeps its pair term.
    #[test]
    fn each_network_reads_its_own_and_an_ansatz_keeps_its_term() {
        let src = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\nunknown q(t)\n\
            pde u: d(u, t) = 0.1 * d(u, x, x) + q\npde q: d(q, t) = -q\n\
            initial u = sin(2 * pi * x)\ninitial q = 1\nperiodic x\n\
            ansatz u = sin(2 * pi * x) + t * (1 + x) * net\n";
        let plan = plan_of(src);
        // Columns t, x, then cos and sin at 2 and 3.
        assert_eq!(plan.networks[0].columns, vec![0, 2, 3]);
        assert_eq!(plan.networks[1].columns, vec![0]);
        let kept: Vec<&str> = (plan.terms.iter())
            .filter(|t| t.kind == TermKind::Periodic)
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
    }
}
