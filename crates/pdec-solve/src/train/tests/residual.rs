//! The PDE residual against finite differences, under ansatzes, and the summed channel.

use super::*;

fn residual_matches(src: &str, fd: Fd) {
    residual_matches_with(src, false, fd)
}

fn residual_matches_finite_differences(src: &str, exact_path: bool) {
    residual_matches_with(src, exact_path, &fd_residual)
}

fn residual_matches_with(src: &str, exact_path: bool, fd: Fd) {
    residual_matches_mapped(src, exact_path, None, fd)
}

/// The network reads its space columns as `ln(x + offset)` (the plan's input map).
fn read_as_logs(plan: &mut Plan, offset: f64) {
    for input in &mut plan.layout.inputs {
        if input.kind == "space" {
            input.map = pdec_lang::geometry::inputs::InputMap::Log {
                offset: vec![offset; input.components],
            };
        }
    }
}

/// [`residual_matches_with`], the network reading `ln(x + offset)` when `log` is given.
fn residual_matches_mapped(src: &str, exact_path: bool, log: Option<f64>, fd: Fd) {
    let mut sets = vec!["dtype=f64".to_string(), "net=dgm(layers=2, width=8)".into()];
    if exact_path {
        sets.push("second_order=exact".into());
    }
    let (checked, _, mut plan) = compiled(src, &sets);
    if let Some(offset) = log {
        read_as_logs(&mut plan, offset);
    }
    let dev = Device::Cpu;
    let (prog, net) = program_and_net(&checked, &plan, 3);
    let mut rng = step_rng(1, 0);
    let b = geometry::sample_interior(&checked.problem, &prog.layout, 5, &mut rng);
    let (x, _) = prog.tensor(&b).expect("x");
    let (res, _, _) = prog.pde_residuals(&net, &x, None).expect("residual");
    let got = res[0].to_vec1::<f64>().expect("v");
    // Finite differences: u(x + h e_i +- h e_j) combinations of the plain network.
    let w = plan.layout.width;
    let u = |p: &[f64]| -> f64 {
        let t = Tensor::from_vec(p.to_vec(), (1, w), &dev).expect("t");
        values(&net, &checked.problem, &prog.cols, &t)
            .expect("v")
            .to_vec1::<f64>()
            .expect("v")[0]
    };
    let h = 2e-4;
    for (i, g) in got.iter().enumerate() {
        let p: Vec<f64> = b.point(i).to_vec();
        let d1 = |c: usize| {
            let (mut a, mut m) = (p.clone(), p.clone());
            a[c] += h;
            m[c] -= h;
            (u(&a) - u(&m)) / (2.0 * h)
        };
        let d2 = |c: usize, e: usize| {
            let at = |s1: f64, s2: f64| {
                let mut q = p.clone();
                q[c] += s1 * h;
                q[e] += s2 * h;
                u(&q)
            };
            (at(1.0, 1.0) - at(1.0, -1.0) - at(-1.0, 1.0) + at(-1.0, -1.0)) / (4.0 * h * h)
        };
        let expect = fd(&p, &u(&p), &d1, &d2);
        assert!(
            (g - expect).abs() <= 1e-6 * expect.abs().max(1.0),
            "point {i}: jets {g} vs finite differences {expect}"
        );
    }
}

// Column layout: t = 0, x = 1..=3.
fn fd_residual(
    p: &[f64],
    u: &f64,
    d1: &dyn Fn(usize) -> f64,
    d2: &dyn Fn(usize, usize) -> f64,
) -> f64 {
    let rho = [[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]];
    let mut r = d1(0) + 0.5 * u * d1(1);
    for i in 0..3 {
        for j in 0..3 {
            r += 0.1 * rho[i][j] * p[1 + i] * p[1 + j] * d2(1 + i, 1 + j);
        }
        r -= (1.0 + p[1 + i]) * d2(1 + i, 1 + i);
        r += 0.3 * (p[1 + i] - 1.0) * d1(1 + i);
    }
    r
}

#[test]
fn nonfactorable_and_nonlinear_second_order_terms_match_finite_differences() {
    // A lone mixed derivative (polarization) and a u-dependent coefficient (IR path).
    let src = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
        pde d(u, t) + 0.5 * u * d(u, x[1]) + 0.1 * x[1] * x[2] * d(u, x[1], x[2]) - u^2 * d(u, x[3], x[3]) = 0\nterminal u = 0\n";
    let c = pdec_lang::driver::compile(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &[],
    );
    let a = c.analysis.expect("analysed");
    assert!(
        a.second_order.iter().any(|t| t.factor.is_err()),
        "the mixed term is not factorable"
    );
    assert_eq!(a.other_second_order.len(), 1);
    let _ = fd_residual;
    residual_matches(src, &|p, u, d1, d2| {
        d1(0) + 0.5 * u * d1(1) + 0.1 * p[1] * p[2] * d2(1, 2) - u * u * d2(3, 3)
    });
}

/// Issue 38: a drift multiplied by `u` or inside `max(...)` (divided by a number) is one
/// directional derivative each, not the full gradient: the base pass carries the time tangent and the two drifts'
/// directions (plus the Laplacian's unit directions), and the residual is unchanged.
#[test]
fn drifts_inside_nonlinear_terms_are_directional_derivatives() {
    let src = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
        pde d(u, t) + u * sum(i in 1..3) (x[i] - 1) * d(u, x[i]) \
        + max(0, sum(i in 1..3) x[i] * d(u, x[i]) / 2) + 0.5 * lap(u) = 0\nterminal u = 0\n";
    let (_, _, plan) = compiled(src, &["second_order=exact".to_string()]);
    let pde = &plan.program.pde;
    // Two drifts (a term of its own with `u` as a per-point scalar, or a node inside the
    // IR term), one of them inside `max`.
    let drifts: Vec<_> = pde.drifts().collect();
    assert_eq!(drifts.len(), 2, "{drifts:?}");
    assert!(drifts.iter().any(|d| d.inside.is_some()), "{drifts:?}");
    // The IR terms read d(u, t) alone: no first derivative along x.
    assert_eq!(pde.needs.first.iter().copied().collect::<Vec<_>>(), [0]);
    residual_matches_with(src, true, &|p, u, d1, d2| {
        let (mut drift, mut up) = (0.0, 0.0);
        let mut lap = 0.0;
        for (i, xi) in p.iter().enumerate().skip(1) {
            drift += (xi - 1.0) * d1(i);
            up += xi * d1(i);
            lap += d2(i, i);
        }
        d1(0) + u * drift + (up / 2.0).max(0.0) + 0.5 * lap
    });
}

#[test]
fn pde_residual_matches_finite_differences_on_the_exact_path() {
    residual_matches_finite_differences(PROBLEM, true);
}

/// With the network reading log-prices, the jets carry the map's first and second
/// derivatives: the residual in the user's coordinates still equals finite differences of
/// the network's values, on the exact path (unit, Cholesky and point-dependent directions,
/// the summed channel) and the IR's (mixed pairs), with and without an offset.
#[test]
fn pde_residual_matches_finite_differences_through_a_log_map() {
    for offset in [0.0, 0.3] {
        residual_matches_mapped(PROBLEM, true, Some(offset), &fd_residual);
    }
    let mixed = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
        pde d(u, t) + 0.5 * u * d(u, x[1]) + 0.1 * x[1] * x[2] * d(u, x[1], x[2]) - u^2 * d(u, x[3], x[3]) = 0\nterminal u = 0\n";
    residual_matches_mapped(mixed, false, Some(0.1), &|p, u, d1, d2| {
        d1(0) + 0.5 * u * d1(1) + 0.1 * p[1] * p[2] * d2(1, 2) - u * u * d2(3, 3)
    });
}

/// With periodic coordinates read as cos and sin (`periodic_inputs = auto`), the jets
/// carry the features' derivatives: the residual (unit and mixed directions, a periodic
/// coordinate beside one read as it is) equals finite differences of the network's values.
#[test]
fn pde_residual_matches_finite_differences_through_periodic_inputs() {
    // Periods of 2 pi: the features' derivatives stay of unit size, and so the finite
    // differences' truncation error.
    let src = "time t in [0, 1]\nspace x in [0, 2 * pi]^3\nunknown u(t, x)\n\
        pde d(u, t) + 0.5 * u * d(u, x[1]) + 0.1 * x[1] * x[2] * d(u, x[1], x[2]) - (1 + x[3]) * d(u, x[3], x[3]) - d(u, x[1], x[1]) = 0\n\
        initial u = 0\nperiodic x[1]\nperiodic x[2]\nboundary x[3] = 0: u = 0\nboundary x[3] = 2 * pi: u = 0\n";
    let (_, _, plan) = compiled(src, &["dtype=f64".to_string()]);
    assert_eq!(plan.layout.periodic.len(), 2);
    for exact_path in [true, false] {
        residual_matches_mapped(src, exact_path, None, &|p, u, d1, d2| {
            d1(0) + 0.5 * u * d1(1) + 0.1 * p[1] * p[2] * d2(1, 2)
                - (1.0 + p[3]) * d2(3, 3)
                - d2(1, 1)
        });
    }
}

/// Under an ansatz the residual is formed from the network's jets through the rewritten
/// graph, and `values` returns the ansatz: finite differences of `values` must give the
/// same residual (product and chain rules, time and space, axis components, a whole
/// gradient, mixed second derivatives by polarization).
#[test]
fn an_ansatz_residual_matches_finite_differences_of_the_ansatz() {
    let ansatz = "ansatz u = (1.5 - t) * x[1] * tanh(net) + t * x[2]^2 + sin(x[3]) * exp(-t)\n";
    let src = format!("{PROBLEM}{ansatz}");
    residual_matches_finite_differences(&src, true);
    residual_matches_finite_differences(&src, false);
    let grad = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
        pde d(u, t) + 0.2 * sum(grad(u) * x) + 0.5 * lap(u) = 0\nterminal u = 0\n\
        ansatz u = x[1] * x[2] * net + x[3]\n";
    residual_matches(grad, &|p, _u, d1, d2| {
        let mut r = d1(0);
        for i in 0..3 {
            r += 0.2 * d1(1 + i) * p[1 + i] + 0.5 * d2(1 + i, 1 + i);
        }
        r
    });
}

/// `dn(u)` under an ansatz is the face's normal dotted with the ansatz's gradient: the
/// boundary term's loss equals the mean squared residual formed by hand from central
/// differences of `values` along each point's normal (a box, whose normals are vectors,
/// and an interval, whose normal is a sign).
#[test]
fn a_normal_derivative_under_an_ansatz_differentiates_the_ansatz() {
    let cases = [
        (
            "time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x)\n\
             pde d(u, t) = 0.1 * lap(u)\ninitial u = cos(pi * x[1]) * cos(pi * x[2])\n\
             boundary on(x): dn(u) = 0.3 * x[1]\n\
             ansatz u = cos(pi * x[1]) * cos(pi * x[2]) + t * (1 + x[1] + x[2]^2) * net\n",
            2,
        ),
        (
            "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
             pde d(u, t) = 0.1 * d(u, x, x)\ninitial u = x^2\n\
             boundary on(x): dn(u) + u = 1\nansatz u = x^2 + t * exp(x) * net\n",
            1,
        ),
    ];
    for (src, dim) in cases {
        let sets = ["dtype=f64".to_string(), "net=dgm(layers=2, width=8)".into()];
        let (checked, _, plan) = compiled(src, &sets);
        let (prog, net) = program_and_net(&checked, &plan, 3);
        let (batches, k, got) = term_loss(&prog, &net, TermKind::Boundary, 7);
        let b = &batches[k][0];
        let normals = b.normals.as_ref().expect("normals on faces");
        let col = prog.cols.layout.space(0).expect("a space column").0;
        let at = |shift: &dyn Fn(usize) -> f64| -> Vec<f64> {
            let mut b = b.clone();
            for i in 0..b.n {
                for c in 0..dim {
                    b.points[i * b.width + col + c] += shift(c);
                }
            }
            let (x, _) = prog.tensor(&b).expect("x");
            values(&net, &checked.problem, &prog.cols, &x)
                .and_then(|v| v.to_vec1::<f64>())
                .expect("values")
        };
        let h = 1e-5;
        let u = at(&|_| 0.0);
        let mut dn = vec![0.0; b.n];
        for c in 0..dim {
            let unit = |k: usize| if k == c { h } else { 0.0 };
            let (p, m) = (at(&unit), at(&|k| -unit(k)));
            for i in 0..b.n {
                dn[i] += normals[i * b.width + col + c] * (p[i] - m[i]) / (2.0 * h);
            }
        }
        let mut expect = 0.0;
        for i in 0..b.n {
            let x1 = b.points[i * b.width + col];
            let r = match dim {
                2 => dn[i] - 0.3 * x1,
                _ => dn[i] + u[i] - 1.0,
            };
            expect += r * r / b.n as f64;
        }
        assert!(
            (got - expect).abs() <= 1e-6 * expect,
            "{dim}-D: boundary loss {got} vs by hand {expect}"
        );
    }
}

/// A periodic condition under an ansatz asks the ansatz, not the network, to agree on the
/// two faces: `sin(2 pi x) + t (1 + x) net` is periodic only if `net` is not. The term's
/// loss equals the mean squared mismatch of the ansatz's values and of its slope (by
/// central differences of `values`) across the pairs of points.
#[test]
fn a_periodic_condition_under_an_ansatz_compares_the_ansatz() {
    let src = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
               pde d(u, t) = 0.1 * d(u, x, x)\ninitial u = sin(2 * pi * x)\nperiodic x\n\
               ansatz u = sin(2 * pi * x) + t * (1 + x) * net\n";
    let sets = ["dtype=f64".to_string(), "net=dgm(layers=2, width=8)".into()];
    let (checked, _, plan) = compiled(src, &sets);
    assert_eq!(checked.problem.imposed, ["initial"]);
    let (prog, net) = program_and_net(&checked, &plan, 3);
    let (batches, k, got) = term_loss(&prog, &net, TermKind::Periodic, 6);
    let col = prog.cols.layout.space(0).expect("a space column").0;
    let h = 1e-5;
    let at = |b: &geometry::Batch, shift: f64| -> Vec<f64> {
        let mut b = b.clone();
        for i in 0..b.n {
            b.points[i * b.width + col] += shift;
        }
        let (x, _) = prog.tensor(&b).expect("x");
        values(&net, &checked.problem, &prog.cols, &x)
            .and_then(|v| v.to_vec1::<f64>())
            .expect("values")
    };
    let (lo, hi) = (&batches[k][0], &batches[k][1]);
    let (u0, u1) = (at(lo, 0.0), at(hi, 0.0));
    let slope = |b| -> Vec<f64> {
        let (p, m) = (at(b, h), at(b, -h));
        p.iter().zip(&m).map(|(p, m)| (p - m) / (2.0 * h)).collect()
    };
    let (s0, s1) = (slope(lo), slope(hi));
    let n = u0.len() as f64;
    let values_part: f64 = u0
        .iter()
        .zip(&u1)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / n;
    let slope_part: f64 = s0
        .iter()
        .zip(&s1)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / n;
    let expect = values_part + slope_part;
    assert!(
        values_part > 1e-4,
        "the pairs' values differ: {values_part}"
    );
    assert!(
        (got - expect).abs() <= 1e-6 * expect,
        "periodic loss {got} vs by hand {expect}"
    );
}

/// The summed channel and one channel per direction give the same residual and the same
/// parameter gradient, for identity (with a point-dependent diagonal), single-component
/// and Cholesky factors, several exact terms sharing one channel, f64 and f32.
#[test]
fn summed_channel_equals_per_direction_channels() {
    let laplace = "space x in [0, 1]^4\nunknown u(x)\nboundary on(x): u = 0\npde 0.5 * lap(u) + 2 * d(u, x[2], x[2]) = 1\n";
    for (src, dtype, tol, log) in [
        (PROBLEM, "f64", 1e-12, false),
        (laplace, "f64", 1e-12, false),
        (PROBLEM, "f32", 2e-4, false),
        // The log map's own second-order channels, summed or one per direction.
        (PROBLEM, "f64", 1e-12, true),
        (laplace, "f64", 1e-12, true),
    ] {
        let sets = [
            format!("dtype={dtype}"),
            "net=dgm(layers=2, width=8)".into(),
            "second_order=exact".into(),
        ];
        let (checked, _, mut plan) = compiled(src, &sets);
        assert!(
            plan.program.pde.summed,
            "only factor terms read second derivatives"
        );
        if log {
            read_as_logs(&mut plan, 0.2);
        }
        // The same plan with one channel per direction.
        let mut per_direction = plan.clone();
        per_direction.program.pde.summed = false;
        let run = |plan: &Plan| -> (Vec<f64>, Vec<f64>) {
            let (prog, net) = program_and_net(&checked, plan, 3);
            let b =
                geometry::sample_interior(&checked.problem, &prog.layout, 7, &mut step_rng(1, 0));
            let (x, _) = prog.tensor(&b).expect("x");
            let (res, _, _) = prog.pde_residuals(&net, &x, None).expect("residual");
            let r = res[0]
                .to_dtype(DType::F64)
                .expect("f")
                .to_vec1::<f64>()
                .expect("v");
            let loss = res[0].sqr().expect("sq").mean_all().expect("m");
            (r, grad_vector(&net, &loss))
        };
        let (r1, g1) = run(&plan);
        let (r0, g0) = run(&per_direction);
        let close = |a: &[f64], b: &[f64], what: &str| {
            let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (i, (p, q)) in a.iter().zip(b).enumerate() {
                assert!(
                    (p - q).abs() <= tol * scale,
                    "{dtype} {what} {i}: summed {p} vs per direction {q}"
                );
            }
        };
        close(&r1, &r0, "residual");
        close(&g1, &g0, "gradient");
    }
}
