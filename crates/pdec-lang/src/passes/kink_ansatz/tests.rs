//! The kink ansatz: where it is built, what it says, and that it solves what it can.
use crate::source::SourceFile;

/// Each unknown's ansatz explanation (`Ansatz::chosen`) and the conditions imposed, of the
/// compiled problem (also `time_ansatz`'s tests).
pub(in crate::passes) fn chosen_for_each(
    src: &str,
    sets: &[&str],
) -> (Vec<Option<String>>, Vec<String>) {
    let c = crate::driver::compile(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &sets.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    );
    assert!(!c.diags.has_errors(), "{:#?}", c.diags);
    let p = c.checked.expect("checked").problem;
    let why = p
        .unknowns
        .iter()
        .map(|u| u.ansatz.as_ref().and_then(|a| a.chosen.clone()))
        .collect();
    (why, p.imposed)
}

/// The first unknown's ansatz explanation and the conditions imposed.
fn chosen(src: &str, sets: &[&str]) -> (Option<String>, Vec<String>) {
    let (why, imposed) = chosen_for_each(src, sets);
    (why.into_iter().next().flatten(), imposed)
}

const CALL: &str = "time t in [0, 1]\nspace s in [0.01, 3]\nunknown u(t, s)\n\
    pde d(u, t) + 0.5 * 0.2^2 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
    terminal u = max(s - 1.2, 0)\nboundary s = 0.01: u = 0\n\
    boundary s = 3: u = s - 1.2 * exp(-0.05 * (1 - t))\n";

#[test]
fn a_call_payoff_is_smoothed_with_the_normal_volatility_at_the_strike() {
    let (why, imposed) = chosen(CALL, &[]);
    let why = why.expect("an ansatz for the kinked payoff");
    // sigma K = 0.2 * 1.2: the diffusion 0.02 s^2 at s = 1.2.
    assert!(
        why.contains("kink at s = 1.2") && why.contains("volatility 0.24"),
        "{why}"
    );
    assert_eq!(imposed, vec!["terminal".to_string()]);
    let (none, imposed) = chosen(CALL, &["kink_ansatz=none"]);
    assert!(none.is_none() && imposed.is_empty());
}

#[test]
fn the_coefficients_linearised_at_the_kink_are_named() {
    // b = 0.05 s and f' = 1: 0.06 at s = 1.2, slope 0.05; rho = 0.05; the midpoint's normal
    // volatility 0.2 (s + 1.2) / 2.
    let (why, _) = chosen(CALL, &[]);
    let why = why.expect("an ansatz");
    assert!(
        why.contains(
            "volatility 0.24 + 0.1 (s - 1.2), drift 0.06 + 0.05 (s - 1.2) and discount rate 0.05"
        ),
        "{why}"
    );
}

/// The factor `passes::ansatz_scale` put on the network (1 where it put none).
fn network_scale(src: &str) -> f64 {
    let c = crate::driver::compile(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &[],
    );
    let p = c.checked.expect("checked").problem;
    let Some(why) = p.unknowns[0].ansatz.as_ref().and_then(|a| a.scaled.clone()) else {
        return 1.0;
    };
    let after = why.split("multiplied by ").nth(1).expect("a scale");
    after
        .split(':')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

#[test]
fn the_network_is_scaled_to_what_the_smoothed_data_miss() {
    // The call's smoothing misses the equation by a few thousandths (the lognormal against
    // the normal law, second order in the distance to the strike).
    let call = network_scale(CALL);
    assert!((1e-3..1e-2).contains(&call), "{call}");
    // Dirichlet data that leave the smoothed data (about 2 x at x = 1) by 3 (1 - t): the
    // network must make up the difference on that face, a scale of 3.
    let src = "time t in [0, 1]\nspace x in [-1, 1]\nunknown u(t, x)\n\
               pde d(u, t) + 0.3 * d(u, x, x) = 0\n\
               terminal u = max(2 * x, 0)\nboundary x = -1: u = 0\n\
               boundary x = 1: u = 2 + 3 * (1 - t)\n";
    // Within a decade of one: `output_scale = auto` leaves it.
    assert_eq!(network_scale(src), 1.0);
    let forced = src.to_string() + "solve {\n  output_scale = always\n}\n";
    let faces = network_scale(&forced);
    assert!((2.5..3.5).contains(&faces), "{faces}");
}

/// With constant coefficients and a linear `f`, the smoothed data with `net = 0` solve the
/// equation: checked by central differences of the ansatz at points inside.
#[test]
fn with_constant_coefficients_the_smoothing_is_the_solution() {
    let src = "time t in [0, 1]\nspace x in [-2, 2]\nunknown u(t, x)\n\
               pde d(u, t) + 0.3 * d(u, x, x) + 0.4 * d(u, x) - 0.1 * u = 0\n\
               terminal u = max(2 * x - 0.5, 0)\nboundary on(x): u = 0\n";
    let c = crate::driver::compile(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &[],
    );
    let p = c.checked.expect("checked").problem;
    let node = p.unknowns[0].ansatz.as_ref().expect("an ansatz").node;
    let u = |t: f64, x: f64| {
        super::scalar_at(&p, node, t, x, &|op| {
            matches!(op, crate::ir::Op::U(0)).then_some(0.0)
        })
        .expect("a value")
    };
    for (t, x) in [(0.2, 0.25), (0.7, 0.1), (0.5, 0.6), (0.9, -0.2)] {
        let h = 1e-3;
        let u_t = (u(t + h, x) - u(t - h, x)) / (2.0 * h);
        let u_x = (u(t, x + h) - u(t, x - h)) / (2.0 * h);
        let u_xx = (u(t, x + h) - 2.0 * u(t, x) + u(t, x - h)) / (h * h);
        let residual = u_t + 0.3 * u_xx + 0.4 * u_x - 0.1 * u(t, x);
        assert!(
            residual.abs() < 1e-4,
            "residual {residual} at t = {t}, x = {x}"
        );
    }
}

#[test]
fn initial_data_of_a_forward_equation_are_smoothed_too() {
    // u_t = u_xx: diffusion 1, f = 2 (x - 0.25), normal volatility sqrt(2) * 2.
    let src = "time t in [0, 0.5]\nspace x in [-1, 1]\nunknown u(t, x)\n\
               pde d(u, t) = d(u, x, x)\ninitial u = max(2 * (x - 0.25), 0)\n\
               boundary on(x): u = 0\n";
    let (why, imposed) = chosen(src, &[]);
    let why = why.expect("an ansatz");
    assert!(
        why.contains("initial") && why.contains("volatility 2.828"),
        "{why}"
    );
    assert_eq!(imposed, vec!["initial".to_string()]);
}

#[test]
fn nothing_is_built_where_a_piece_is_missing() {
    let cases = [
        // An American option: exercised, the solution is its payoff.
        format!("{CALL}constraint u >= max(s - 1.2, 0)\n"),
        // The kink outside the domain: smooth data.
        CALL.replace("max(s - 1.2, 0)", "max(s - 5, 0)"),
        // A kink inside f itself.
        CALL.replace("max(s - 1.2, 0)", "max(abs(s - 1.2) - 0.1, 0)"),
        // Two sign changes.
        CALL.replace("max(s - 1.2, 0)", "max((s - 1) * (s - 2), 0)"),
        // A parameter.
        CALL.replace("time t", "param k in [1, 2]\ntime t")
            .replace("max(s - 1.2, 0)", "max(s - k, 0)"),
        // The user's own ansatz.
        format!("{CALL}ansatz u = max(s - 1.2, 0) + (1 - t) * net\n"),
        // A diffusion of the wrong sign for terminal data is the checker's business; a
        // forward equation with terminal data never gets here. An equation without a
        // second derivative has no diffusion to smooth with.
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) + d(u, x) = 0\n\
         terminal u = max(x - 0.5, 0)\nboundary x = 0: u = 0\n"
            .to_string(),
    ];
    for src in &cases {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.clone(),
            },
            &[],
        );
        let Some(checked) = c.checked else { continue };
        let chosen = checked.problem.unknowns[0]
            .ansatz
            .as_ref()
            .and_then(|a| a.chosen.clone());
        assert!(chosen.is_none(), "{src}: {chosen:?}");
    }
}

/// A call whose volatility is an unknown coefficient (an implied volatility): the smoothing
/// is written in the coefficient, and at any of its values it is the smoothing the compiler
/// builds for that value written as a number. Observations of `u` are compared with the
/// same scaled ansatz as the equation.
#[test]
fn a_trained_volatility_smooths_the_payoff_with_its_own_value() {
    let with_sigma = |sigma: &str, coefficient: bool| {
        let head = match coefficient {
            true => format!("unknown const sigma in [0.05, 1] init {sigma} log\n"),
            false => format!("const sigma = {sigma}\n"),
        };
        let observe = match coefficient {
            true => "observe u from \"obs.csv\"\n",
            false => "",
        };
        format!(
            "{head}time t in [0, 1]\nspace s in [0.01, 3]\nunknown u(t, s)\n\
             pde d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
             terminal u = max(s - 1.2, 0)\nboundary s = 0.01: u = 0\n\
             boundary s = 3: u = s - 1.2 * exp(-0.05 * (1 - t))\n{observe}"
        )
    };
    let problem = |src: &str| {
        let c = crate::driver::compile_without_data(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &["output_scale=none".into()],
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        c.checked.expect("checked").problem
    };
    for sigma in ["0.25", "0.4"] {
        let trained = problem(&with_sigma(sigma, true));
        let fixed = problem(&with_sigma(sigma, false));
        let a = trained.unknowns[0].ansatz.as_ref().expect("an ansatz");
        let why = a.chosen.clone().expect("chosen by the compiler");
        assert!(why.contains("written in the trained `sigma`"), "{why}");
        let b = fixed.unknowns[0].ansatz.as_ref().expect("an ansatz").node;
        // `value_at` reads the coefficient at its initial value, here `sigma`.
        let at = |p: &crate::ir::Problem, node, t: f64, s: f64| {
            let layout = crate::geometry::Layout::new(p);
            crate::passes::ansatz::value_at(p, &layout, &[t, s], &[0.3], node).expect("a value")
        };
        for (t, s) in [(0.0, 1.0), (0.5, 1.2), (0.9, 0.7), (0.99, 1.25), (0.2, 2.5)] {
            let (x, y) = (at(&trained, a.node, t, s), at(&fixed, b, t, s));
            assert!(
                (x - y).abs() <= 1e-9 * (1.0 + y.abs()),
                "sigma {sigma}, t {t}, s {s}: {x} against {y}"
            );
        }
        // The terminal data hold for every value of the coefficient: imposed.
        assert_eq!(trained.imposed, vec!["terminal".to_string()]);
    }
}

/// With the network scaled to what the smoothing misses (`output_scale`), an observation
/// sees the same unknown as the equation: the scaled ansatz, not the unscaled one.
#[test]
fn observations_see_the_network_scaled_as_the_equation_does() {
    let src = "unknown const sigma in [0.05, 1] init 0.4 log\ntime t in [0, 1]\n\
        space s in [0.01, 3]\nunknown u(t, s)\n\
        pde d(u, t) + 0.5 * sigma^2 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
        terminal u = max(s - 1.2, 0)\nboundary s = 0.01: u = 0\n\
        boundary s = 3: u = s - 1.2 * exp(-0.05 * (1 - t))\nobserve u from \"obs.csv\"\n";
    let c = crate::driver::compile_without_data(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &[],
    );
    assert!(!c.diags.has_errors(), "{:?}", c.diags);
    let p = c.checked.expect("checked").problem;
    let a = p.unknowns[0].ansatz.as_ref().expect("an ansatz");
    assert!(a.scaled.is_some(), "the call's network is scaled");
    let layout = crate::geometry::Layout::new(&p);
    let at = |node| {
        crate::passes::ansatz::value_at(&p, &layout, &[0.3, 1.1], &[0.7], node).expect("a value")
    };
    assert_eq!(at(p.observations[0].node), at(a.node));
}
