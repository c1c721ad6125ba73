//! The ansatz the compiler builds for smooth time data (`time_ansatz`): an initial (or
//! terminal) condition `u = f` becomes `u = f + tau * net`, with `tau` the time since the
//! data's slice as a share of the time interval (`(t - t0) / (T - t0)`, or `(T - t) / (T - t0)`
//! for terminal data). The data then hold exactly (the ansatz pass checks it, as for a
//! user's ansatz, and drops the condition's loss term) and the network learns how the
//! solution moves away from them.
//!
//! Why: a condition left as a loss term competes with the equation, and in many dimensions
//! it loses. The 100-D heat equation `d(u, t) = lap(u)` trained as written sits at the best
//! constant (its PDE term at step 0 is a hundred times its conditions'); with the data in the
//! ansatz the network's output is tied to them at every step. Why not by default: measured
//! (docs/RESULTS.md, "Smooth time data in the ansatz"), the 100-D Allen-Cahn equation and
//! Burgers' equation train worse with it, so `time_ansatz = always` asks for it.
//!
//! Built for each unknown without an ansatz of its own (the user's, or the kink ansatz of
//! `passes::kink_ansatz`, which runs first) that has exactly one time condition on its value,
//! `u = f`, with `f` smooth: no kinks (`max`, `abs`, a condition's branches), no unknowns or
//! derivatives, no unknown coefficients. A problem with a free boundary keeps its data as
//! written (the exercise region follows the obstacle, not the data), and so does one whose
//! equation has a gradient square (`norm2(grad(u))`), whose one-tangent estimate would be
//! lost in the ansatz's terms. Conditions on the time derivative (`initial d(u, t) = ...`)
//! stay loss terms.

use crate::ir::{Ansatz, BinOp, Input, NodeId, Op, Problem, Ty, UnOp, Where};
use crate::settings::PlanSettings;

/// Builds the ansatz for each unknown it applies to (its `chosen` says why).
pub fn run(problem: &mut Problem, settings: &PlanSettings) {
    if !settings.time_ansatz || problem.constraint.is_some() {
        return;
    }
    // A gradient square (HJB's `norm2(grad(u))`) is estimated from one tangent on the Monte
    // Carlo path; in the ansatz's terms it is a sum of squares of `grad(g) + h * grad(net)`
    // that the estimator does not read, and the exact gradient costs a tangent per
    // component. Such problems keep their data as a loss term.
    let g = &problem.graph;
    if problem
        .pdes
        .iter()
        .any(|p| super::gradient_square::appears_in(g, p.residual))
    {
        return;
    }
    let Some(time) = problem.time.as_ref() else {
        return;
    };
    let (t0, t1) = (time.lo, time.hi);
    if t1.partial_cmp(&t0) != Some(std::cmp::Ordering::Greater) {
        return;
    }
    for k in 0..problem.unknowns.len() {
        if problem.unknowns[k].ansatz.is_some() {
            continue;
        }
        let Some(data) = find(problem, k) else {
            continue;
        };
        let Some(node) = build(problem, k, &data, t0, t1) else {
            continue;
        };
        let printer = crate::ir::print::Printer { problem };
        let why = format!(
            "the {} data `{}` are imposed exactly by `u = f + {} * net`, so the network learns how the solution moves away from them instead of fitting them as a loss term (`time_ansatz = none` keeps the condition as a loss term)",
            if data.terminal { "terminal" } else { "initial" },
            data.f.map_or("0".to_string(), |f| printer.expr(f)),
            tau_text(&data, t0, t1),
        );
        let span = problem.unknowns[k].span;
        problem.unknowns[k].ansatz = Some(Ansatz {
            node,
            space_gradient: Vec::new(),
            span,
            chosen: Some(why),
            scaled: None,
            rescale: false,
        });
    }
}

/// Unknown `k`'s one value condition on a time slice.
struct TimeData {
    /// The data; `None` for zero.
    f: Option<NodeId>,
    terminal: bool,
}

fn find(p: &Problem, k: usize) -> Option<TimeData> {
    let g = &p.graph;
    let mut found = None;
    for c in &p.conditions {
        let Where::TimeSlice { terminal, .. } = c.region else {
            continue;
        };
        // `u - f`, or `u` itself for zero data.
        let (u, f) = match *g.op(c.residual) {
            Op::Binary(BinOp::Sub, u, f) => (u, Some(f)),
            Op::U(_) => (c.residual, None),
            _ => continue,
        };
        if !matches!(g.op(u), Op::U(j) if *j == k) {
            continue;
        }
        // Two value conditions on one unknown (initial and terminal) are the user's to
        // weigh: neither is imposed.
        if found.is_some() {
            return None;
        }
        found = Some(TimeData { f, terminal });
    }
    let data = found?;
    let rough = data.f.is_some_and(|f| {
        g.any(f, &mut |op| {
            matches!(
                op,
                Op::U(_)
                    | Op::Deriv(..)
                    | Op::Coef(_)
                    | Op::Select(..)
                    | Op::Unary(UnOp::Abs | UnOp::Sign | UnOp::Floor, _)
                    | Op::Binary(BinOp::Max | BinOp::Min, ..)
            )
        })
    });
    (!rough).then_some(data)
}

/// `f + tau * net`, `tau` the share of the interval since the data's slice.
fn build(p: &mut Problem, k: usize, data: &TimeData, t0: f64, t1: f64) -> Option<NodeId> {
    let span = p.unknowns[k].span;
    let g = &mut p.graph;
    let t = g.add(Op::Input(Input::Time), Ty::scalar(), span);
    let since = if data.terminal {
        let end = g.constant(t1, span);
        g.binary(BinOp::Sub, end, t, span).ok()?
    } else if t0 == 0.0 {
        t
    } else {
        let start = g.constant(t0, span);
        g.binary(BinOp::Sub, t, start, span).ok()?
    };
    let tau = if t1 - t0 == 1.0 {
        since
    } else {
        let length = g.constant(t1 - t0, span);
        g.binary(BinOp::Div, since, length, span).ok()?
    };
    let net = g.add(Op::U(k), Ty::scalar(), span);
    let moved = g.binary(BinOp::Mul, tau, net, span).ok()?;
    match data.f {
        Some(f) => g.binary(BinOp::Add, f, moved, span).ok(),
        None => Some(moved),
    }
}

/// `(T - t)`, `t / 0.3`, `(t - 1) / 2`: the factor as `pdec explain` prints it.
fn tau_text(data: &TimeData, t0: f64, t1: f64) -> String {
    let number = crate::syntax::print::format_number;
    let since = match (data.terminal, t0 == 0.0) {
        (true, _) => format!("({} - t)", number(t1)),
        (false, true) => "t".to_string(),
        (false, false) => format!("(t - {})", number(t0)),
    };
    match t1 - t0 {
        1.0 => since,
        length => format!("{since} / {}", number(length)),
    }
}

#[cfg(test)]
mod tests {
    use crate::passes::kink_ansatz::tests::chosen_for_each as chosen;

    const ALWAYS: &str = "time_ansatz=always";

    const HEAT: &str = "time t in [0, 2]\nspace x in [0, 1]\nunknown u(t, x)\n\
        pde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n";

    #[test]
    fn smooth_initial_data_are_imposed_and_their_term_dropped() {
        let (why, imposed) = chosen(HEAT, &[ALWAYS]);
        let why = why[0].clone().expect("an ansatz");
        assert!(why.contains("u = f + t / 2 * net"), "{why}");
        assert_eq!(imposed, vec!["initial".to_string()]);
        // Opt-in: by default the data are a loss term.
        let (none, imposed) = chosen(HEAT, &[]);
        assert_eq!(none, vec![None]);
        assert!(imposed.is_empty());
    }

    #[test]
    fn terminal_data_use_the_time_left() {
        let src = "time t in [1, 3]\nspace x in [0, 1]\nunknown u(t, x)\n\
            pde d(u, t) + d(u, x, x) = 0\nterminal u = x^2\nboundary on(x): u = x^2 + 2 * (3 - t)\n";
        let (why, imposed) = chosen(src, &[ALWAYS]);
        let why = why[0].clone().expect("an ansatz");
        assert!(why.contains("(3 - t) / 2 * net"), "{why}");
        assert_eq!(imposed, vec!["terminal".to_string()]);
    }

    #[test]
    fn kinked_data_and_a_free_boundary_keep_the_loss_term() {
        // A kink in two space dimensions (the kink ansatz takes one).
        let kinked = HEAT
            .replace("space x in [0, 1]", "space x in [0, 1]^2")
            .replace("d(u, x, x)", "lap(u)")
            .replace("sin(pi * x)", "max(x[1] - 0.5, 0)");
        assert_eq!(chosen(&kinked, &[ALWAYS]), (vec![None], vec![]));
        let obstacle = format!("{HEAT}constraint u >= 0\n");
        assert_eq!(chosen(&obstacle, &[ALWAYS]), (vec![None], vec![]));
        // A gradient square keeps its one-tangent estimate; the same problem without it gets
        // the ansatz.
        let in_3d = |pde: &str| {
            HEAT.replace("d(u, x, x)\n", pde)
                .replace("space x in [0, 1]", "space x in [0, 1]^3")
                .replace("sin(pi * x)", "sin(pi * x[1])")
        };
        let hjb = in_3d("lap(u) - norm2(grad(u))\n");
        assert!(chosen(&in_3d("lap(u)\n"), &[ALWAYS]).0[0].is_some());
        assert_eq!(chosen(&hjb, &[ALWAYS]), (vec![None], vec![]));
    }

    #[test]
    fn each_unknown_of_a_system_gets_its_own() {
        let src = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x), v(t, x)\n\
            pde d(u, t) = d(u, x, x) + v\npde d(v, t) = d(v, x, x)\n\
            initial u = sin(pi * x)\ninitial v = 0\n\
            boundary on(x): u = 0\nboundary on(x): v = 0\n";
        let (why, imposed) = chosen(src, &[ALWAYS]);
        assert!(why.iter().all(Option::is_some), "{why:?}");
        assert_eq!(imposed.len(), 2, "{imposed:?}");
    }
}
