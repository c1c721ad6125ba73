//! Problems whose statements agree pass; the verdicts do not change from run to run.

use crate::source::SourceFile;

fn compile(src: &str) -> crate::driver::Compiled {
    crate::driver::compile(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &[],
    )
}

fn codes(src: &str) -> Vec<&'static str> {
    compile(src).diags.iter().map(|d| d.code).collect()
}

#[test]
fn consistent_problems_pass() {
    let ok = [
        // The wave equation with its velocity condition checked through `d(exact, t)`.
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t, t) = d(u, x, x)\n\
         initial u = sin(pi * x)\ninitial d(u, t) = 0\nboundary on(x): u = 0\n\
         exact u = cos(pi * t) * sin(pi * x)\n",
        // Periodic, with a parameter in the exact solution.
        "param k in [1, 2]\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
         pde d(u, t) = k * d(u, x, x)\ninitial u = cos(2 * pi * x)\nperiodic x\n\
         exact u = exp(-4 * k * pi^2 * t) * cos(2 * pi * x)\n",
        // Data with a kink written two ways, and a Neumann face in a box.
        "time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x)\npde d(u, t) = 0\n\
         initial u = if x[1] < 0.5 then 0 else x[1] - 0.5\n\
         boundary x[1] = 0: u = 0\nboundary x[1] = 1: u = 0.5\n\
         boundary x[2] = 0: dn(u) = 0\nboundary x[2] = 1: d(u, x[2]) = 0\n\
         exact u = max(x[1] - 0.5, 0)\n",
        // An obstacle met with equality at maturity and on the faces.
        "use std::finance::put\ntime t in [0, 1]\nspace s in [0.2, 3]\nunknown u(t, s)\n\
         pde d(u, t) + 0.045 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
         terminal u = put(s, 1)\nconstraint u >= put(s, 1)\nboundary s = 0.2: u = 1 - s\n\
         boundary s = 3: u = 0\n",
    ];
    for src in ok {
        let c = compile(src);
        assert!(c.diags.is_empty(), "{src}\n{:#?}", c.diags);
    }
}

#[test]
fn the_verdict_and_its_point_are_the_same_every_run() {
    let src = "time t in [0, 0.5]\nspace x in [0, 1]\nunknown u(t, x)\n\
               pde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n\
               exact u = exp(-pi * t) * sin(pi * x)\n";
    let first = compile(src).diags;
    assert_eq!(codes(src), ["pdec::passes::exact_not_solution"]);
    for _ in 0..3 {
        assert_eq!(compile(src).diags.into_vec(), first.clone().into_vec());
    }
}

#[test]
fn an_exact_solution_with_a_kink_is_checked_on_each_side() {
    // `if t < 1` has no time derivative at `t = 1`; inside, each side satisfies the equation.
    let src = "use std::finance::{call, bs_call}\ntime t in [0, 1]\nspace s in [0.01, 3]\n\
               unknown u(t, s)\n\
               pde d(u, t) + 0.02 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
               terminal u = call(s, 1)\nboundary s = 0.01: u = 0\n\
               boundary s = 3: u = 3 - exp(-0.05 * (1 - t))\n\
               exact u = if t < 1 then bs_call(s, 1, 0.05, 0, 0.2, 1 - t) else call(s, 1)\n";
    assert!(codes(src).is_empty(), "{:?}", codes(src));
    let wrong = src.replace("3 - exp(-0.05 * (1 - t))", "3 - 1");
    assert_eq!(codes(&wrong), ["pdec::passes::exact_mismatch"]);
    // The exact solution satisfies the equation and the other conditions: the boundary
    // condition is blamed.
    let c = compile(&wrong);
    let d = c.diags.iter().next().expect("a diagnostic");
    let start = d.primary_span().expect("a label").start as usize;
    let line = wrong[..start].matches('\n').count() + 1;
    assert_eq!(line, 8, "{d:#?}");
    // A call's exact price under a put's payoff: the exact solution is blamed, once the
    // equation holds for it but two conditions do not.
    let put = src.replace("terminal u = call(s, 1)", "terminal u = max(1 - s, 0)");
    assert_eq!(codes(&put), ["pdec::passes::exact_mismatch"]);
}
