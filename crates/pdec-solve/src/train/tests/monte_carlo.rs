//! The Monte Carlo estimator: unbiased gradients, gradient squares, stacked products,
//! f32 rounding.

use super::*;

#[test]
fn monte_carlo_gradient_is_unbiased_and_one_draw_is_not() {
    for difference in ["gradients", "values"] {
        two_draw_gradient_is_unbiased(LAP5, difference, &[]);
    }
}

#[test]
fn monte_carlo_gradient_squares_keep_the_gradient_unbiased() {
    let (_, a, p) = compiled(HJB5, &["auto_mc_threshold=1".into()]);
    assert_eq!(a.gradient_squares.len(), 2);
    assert!(
        p.gradient_squares
            .iter()
            .all(|q| q.path == Path::MonteCarlo)
    );
    two_draw_gradient_is_unbiased(HJB5, "gradients", &[]);
}

/// Two diagonal second-order terms in five dimensions.
pub(super) const LAP5: &str = "time t in [0, 1]\nspace x in [-1, 1]^5\nunknown u(t, x)\nboundary none\npde d(u, t) = 0.5 * lap(u) + 0.25 * sum(i in 1..5) x[i]^2 * d(u, x[i], x[i])\ninitial u = 0\n";

/// The Monte Carlo residual of `mc` at the points `x` (its two draws per step, 4,000 draws in
/// all) averages to `want` within five standard errors (plus `slack`, the estimator's delta
/// bias), and varies (something is estimated).
pub(super) fn averages_to(
    mc: &LossProgram,
    net: &Net,
    x: &Tensor,
    want: &[f64],
    rng: &mut rand_chacha::ChaCha8Rng,
    slack: f64,
) {
    let m = 4000;
    let n = want.len();
    let (mut s, mut q) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..m / 2 {
        let noise = mc.noise_tensor(rng, n).expect("noise");
        let (r, _, _) = mc.pde_residuals(net, x, noise.as_ref()).expect("mc");
        for d in &r {
            for (k, v) in d.to_vec1::<f64>().expect("v").iter().enumerate() {
                s[k] += v;
                q[k] += v * v;
            }
        }
    }
    for k in 0..n {
        let mean = s[k] / m as f64;
        let se = ((q[k] / m as f64 - mean * mean).max(0.0) / m as f64).sqrt();
        assert!(se > 0.0, "the estimate does not vary: nothing is estimated");
        assert!(
            (mean - want[k]).abs() < 5.0 * se + slack,
            "point {k}: mean {mean} vs exact {} (se {se})",
            want[k]
        );
    }
}

#[test]
fn the_gradient_square_estimate_averages_to_the_exact_residual() {
    let sets = |so: &str| {
        vec![
            "dtype=f64".to_string(),
            "net=mlp(layers=2, width=8)".into(),
            format!("second_order={so}"),
        ]
    };
    // Only the gradient squares are estimated: the Laplacian stays exact, so the
    // residual's mean over draws must be the exact residual (no delta in the estimator).
    let src = HJB5.replace("lap(u)", "0");
    let (ce, _, pe) = compiled(&src, &sets("exact"));
    let (cm, _, pm) = compiled(&src, &sets("monte_carlo(delta = 0.01)"));
    assert!(
        pm.gradient_squares
            .iter()
            .all(|q| q.path == Path::MonteCarlo)
    );
    let (exact, net) = program_and_net(&ce, &pe, 5);
    let (mc, _) = program_and_net(&cm, &pm, 5);
    let mut rng = step_rng(3, 0);
    let b = geometry::sample_interior(&ce.problem, &exact.layout, 6, &mut rng);
    let (x, _) = exact.tensor(&b).expect("x");
    let (r, _, _) = exact.pde_residuals(&net, &x, None).expect("exact");
    let want: Vec<f64> = r[0].to_vec1().expect("v");
    averages_to(&mc, &net, &x, &want, &mut rng, 1e-12);
}

/// The stacked input products change nothing but the work: a DGM's Monte Carlo residuals
/// (both difference forms, gradient squares included, dense draws and sampled coordinates)
/// and every parameter gradient of a loss over them are the weight-by-weight ones.
#[test]
fn stacked_input_products_give_the_same_residuals_and_gradients() {
    for (form, law) in [
        ("gradients", "rademacher"),
        ("values", "rademacher"),
        ("gradients", "coordinates"),
        ("values", "coordinates"),
    ] {
        let sets: Vec<String> = vec![
            "auto_mc_threshold=1".into(),
            "net=dgm(layers = 2, width = 6)".into(),
            "dtype=f64".into(),
            format!("mc_difference={form}"),
            format!("mc_noise={law}"),
        ];
        let (c, _, p) = compiled(HJB5, &sets);
        let (prog, net) = program_and_net(&c, &p, 9);
        let mut rng = step_rng(4, 0);
        let b = geometry::sample_interior(&c.problem, &prog.layout, 7, &mut rng);
        let (x, _) = prog.tensor(&b).expect("x");
        let noise = prog.noise_tensor(&mut rng, 7).expect("noise");
        let run = |proj: Projections| {
            let (mut r, f, _) = prog
                .pde_residuals_with(&net, &x, noise.as_ref(), &proj)
                .expect("residuals");
            let r = r.swap_remove(0);
            let loss = ((&r[0] * &r[1]).expect("m").sum_all().expect("s")
                + f.sqr().expect("sq").sum_all().expect("s"))
            .expect("loss");
            let g = gradients(&net, &loss.backward().expect("b"), &[proj]).expect("gradients");
            let mut out: Vec<f64> = r
                .iter()
                .flat_map(|t| t.to_vec1::<f64>().expect("r"))
                .collect();
            for t in g {
                out.extend(t.flatten_all().expect("f").to_vec1::<f64>().expect("g"));
            }
            out
        };
        let (alone, stacked) = (run(Projections::default()), run(Projections::for_net(&net)));
        assert_eq!(alone.len(), stacked.len());
        assert!(alone.iter().any(|v| *v != 0.0));
        // Only the summation order differs; the difference of values divides it by delta.
        let tol = if form == "values" { 1e-9 } else { 1e-11 };
        for (i, (a, b)) in alone.iter().zip(&stacked).enumerate() {
            assert!(
                (a - b).abs() <= tol * a.abs().max(1.0),
                "{form} {law} {i}: {a} vs {b}"
            );
        }
    }
}

/// The two-draw Monte Carlo loss's gradient is unbiased for the exact one (a chi-squared
/// test over many draws), where one draw for both factors is biased.
pub(super) fn two_draw_gradient_is_unbiased(src: &str, difference: &str, extra: &[&str]) {
    let build = |so: &str| {
        let mut sets = vec![
            "dtype=f64".to_string(),
            "net=mlp(layers=2, width=8)".into(),
            format!("second_order={so}"),
            "auto_mc_threshold=1".into(),
            format!("mc_difference={difference}"),
        ];
        sets.extend(extra.iter().map(|s| s.to_string()));
        compiled(src, &sets)
    };
    let (ce, _, pe) = build("exact");
    let (cm, _, pm) = build("monte_carlo(delta = 1e-4)");
    assert!(pm.second_order.iter().all(|t| t.path == Path::MonteCarlo));
    let (exact, net) = program_and_net(&ce, &pe, 5);
    let (mc, _) = program_and_net(&cm, &pm, 5);
    let mut rng = step_rng(2, 0);
    let b = geometry::sample_interior(&ce.problem, &exact.layout, 8, &mut rng);
    let (x, _) = exact.tensor(&b).expect("x");

    let (r, _, _) = exact.pde_residuals(&net, &x, None).expect("exact residual");
    let g_exact = grad_vector(&net, &r[0].sqr().expect("sq").mean_all().expect("mean"));

    let draws = 300;
    let p = g_exact.len();
    let (mut s2, mut q2) = (vec![0.0; p], vec![0.0; p]);
    let (mut s1, mut q1) = (vec![0.0; p], vec![0.0; p]);
    for _ in 0..draws {
        let noise = mc.noise_tensor(&mut rng, 8).expect("noise");
        let (r, _, _) = mc
            .pde_residuals(&net, &x, noise.as_ref())
            .expect("two draws");
        let two = ((r[0].detach() * &r[1]).expect("p").mean_all().expect("m") * 2.0).expect("x2");
        for (k, g) in grad_vector(&net, &two).iter().enumerate() {
            s2[k] += g;
            q2[k] += g * g;
        }
        let one = r[0].sqr().expect("sq").mean_all().expect("m");
        for (k, g) in grad_vector(&net, &one).iter().enumerate() {
            s1[k] += g;
            q1[k] += g * g;
        }
    }
    let m = draws as f64;
    // Squared distance of the averaged gradient from the exact one, in units of the
    // estimated variance of that average: about `p` when unbiased (chi-squared with p
    // degrees of freedom), much larger when biased.
    let stat = |s: &[f64], q: &[f64]| -> f64 {
        (0..p)
            .map(|k| {
                let mean = s[k] / m;
                let var = (q[k] / m - mean * mean).max(1e-30) / m;
                (mean - g_exact[k]).powi(2) / var
            })
            .sum::<f64>()
    };
    let (two, one) = (stat(&s2, &q2), stat(&s1, &q1));
    eprintln!(
        "{difference}: chi2 statistic: two draws {two:.1}, one draw {one:.1}, {p} parameters"
    );
    let limit = p as f64 + 6.0 * (2.0 * p as f64).sqrt(); // chi-squared mean + 6 sd
    assert!(
        two < limit,
        "two-draw gradient deviates: {two:.1} (limit {limit:.1}, {p} parameters)"
    );
    assert!(
        one > 4.0 * limit,
        "one-draw gradient looks unbiased ({one:.1}); the test cannot tell them apart"
    );
}

/// In f32 at the default `delta` (1e-3), the rounding of each Monte Carlo estimate (its
/// difference from the same estimate in f64: same network, points and noise) is small
/// against the estimator's own spread over draws, for both differences: the difference of
/// values cancels more digits than that of directional derivatives, but not enough to
/// matter.
#[test]
fn f32_rounding_of_the_estimate_is_small_against_its_spread() {
    let src = "time t in [0, 1]\nspace x in [-1, 1]^20\nunknown u(t, x)\nboundary none\npde d(u, t) = 0.5 * lap(u) + 0.1 * sum(i in 1..20) d(u, x[i])\ninitial u = sum(i in 1..20) x[i]^2\n";
    for difference in ["values", "gradients"] {
        let build = |dtype: &str| {
            let sets = vec![
                format!("dtype={dtype}"),
                "second_order=monte_carlo(delta = 1e-3)".into(),
                format!("mc_difference={difference}"),
            ];
            compiled(src, &sets)
        };
        let (c64, _, p64) = build("f64");
        let (c32, _, p32) = build("f32");
        let (prog64, net64) = program_and_net(&c64, &p64, 9);
        let (prog32, net32) = program_and_net(&c32, &p32, 9);
        let mut rng = step_rng(4, 0);
        let n = 64;
        let b = geometry::sample_interior(&c64.problem, &prog64.layout, n, &mut rng);
        let (x64, _) = prog64.tensor(&b).expect("x");
        let x32 = x64.to_dtype(DType::F32).expect("x32");
        let draws = 40;
        let (mut rounding, mut spread) = (0.0, 0.0);
        let mut all: Vec<Vec<f64>> = Vec::new();
        for _ in 0..draws {
            let w = prog64
                .noise_tensor(&mut rng, n)
                .expect("noise")
                .expect("some");
            let (r64, _, _) = prog64.pde_residuals(&net64, &x64, Some(&w)).expect("r");
            let w32 = w.to_dtype(DType::F32).expect("w32");
            let (r32, _, _) = prog32.pde_residuals(&net32, &x32, Some(&w32)).expect("r");
            for (a, b) in r64.iter().zip(&r32) {
                let a: Vec<f64> = a.to_vec1().expect("a");
                let b: Vec<f64> = b.to_dtype(DType::F64).expect("b").to_vec1().expect("b");
                rounding += a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
                all.push(a);
            }
        }
        for k in 0..n {
            let mean = all.iter().map(|r| r[k]).sum::<f64>() / all.len() as f64;
            spread += all.iter().map(|r| (r[k] - mean).powi(2)).sum::<f64>();
        }
        let (rounding, spread) = (rounding.sqrt(), spread.sqrt());
        eprintln!("{difference}: rounding {rounding:.3e} spread {spread:.3e}");
        assert!(
            rounding < 0.01 * spread,
            "{difference}: f32 rounding {rounding:.3e} against a spread of {spread:.3e}"
        );
    }
}

/// With the network reading log-prices, the estimator's shifted points go through the map
/// one by one: the Monte Carlo residual (differences of values and of gradients) averages
/// to the exact path's residual of the same network.
#[test]
fn the_estimate_through_a_log_map_averages_to_the_exact_residual() {
    let src = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
        pde d(u, t) + 0.5 * sum(i in 1..3, j in 1..3) 0.04 * (if i == j then 1 else 0.5) * x[i] * x[j] * d(u, x[i], x[j]) = 0\n\
        terminal u = max(mean(x) - 1, 0)\nreport u(0, x = 1)\n";
    for difference in ["gradients", "values"] {
        let sets = |so: &str| {
            vec![
                "dtype=f64".to_string(),
                "net=mlp(layers=2, width=8)".into(),
                format!("second_order={so}"),
                format!("mc_difference={difference}"),
                "coordinates=log".into(),
            ]
        };
        let (ce, _, pe) = compiled(src, &sets("exact"));
        let (cm, _, pm) = compiled(src, &sets("monte_carlo(delta = 0.0001)"));
        for plan in [&pe, &pm] {
            assert!(
                plan.layout.inputs.iter().any(|i| !i.map.is_affine()),
                "a Black-Scholes operator is read in log-prices"
            );
        }
        let (exact, net) = program_and_net(&ce, &pe, 5);
        let (mc, _) = program_and_net(&cm, &pm, 5);
        let mut rng = step_rng(3, 0);
        let b = geometry::sample_interior(&ce.problem, &exact.layout, 6, &mut rng);
        let (x, _) = exact.tensor(&b).expect("x");
        let (r, _, _) = exact.pde_residuals(&net, &x, None).expect("exact");
        let want: Vec<f64> = r[0].to_vec1().expect("v");
        averages_to(&mc, &net, &x, &want, &mut rng, 1e-6);
    }
}

/// A system's equations each take their own factor on the Monte Carlo path (a Laplacian of
/// `u`, a diagonal with a varying coefficient of `v`, a correlated one of `u` again), each
/// estimated from the output of the unknown it differentiates: every equation's estimate
/// averages to the exact path's residual of the same network, for both differences.
#[test]
fn a_systems_estimates_average_to_each_equations_exact_residual() {
    let src = "time t in [0, 1]\nspace x in [-1, 1]^3\nunknown u(t, x), v(t, x), w(t, x)\nboundary none\n\
        pde d(u, t) = 0.5 * lap(u) + v * w\n\
        pde d(v, t) = sum(i in 1..3) (1 + x[i]^2) * d(v, x[i], x[i]) - u\n\
        pde d(w, t) = sum(i in 1..3, j in 1..3) 0.1 * (if i == j then 1 else 0.4) * d(u, x[i], x[j]) + 0.2 * lap(w)\n\
        initial u = 0\ninitial v = 0\ninitial w = 0\n";
    for difference in ["gradients", "values"] {
        let sets = |so: &str| {
            vec![
                "dtype=f64".to_string(),
                "net=mlp(layers=2, width=8)".into(),
                format!("second_order={so}"),
                format!("mc_difference={difference}"),
            ]
        };
        let (ce, _, pe) = compiled(src, &sets("exact"));
        let (cm, _, pm) = compiled(src, &sets("monte_carlo(delta = 0.0001)"));
        assert_eq!(pm.second_order.len(), 4);
        assert!(pm.second_order.iter().all(|t| t.path == Path::MonteCarlo));
        let unknowns: Vec<Vec<usize>> = pm
            .program
            .pde
            .equations
            .iter()
            .map(|e| e.factors.iter().map(|f| f.unknown).collect())
            .collect();
        assert_eq!(unknowns, [vec![0], vec![1], vec![0, 2]]);
        let (exact, _) = program_and_net(&ce, &pe, 5);
        let (mc, _) = program_and_net(&cm, &pm, 5);
        // One output per unknown.
        let net = Net::for_plan(&pe, 5, exact.dtype, &Device::Cpu).expect("net");
        let mut rng = step_rng(3, 0);
        let n = 6;
        let b = geometry::sample_interior(&ce.problem, &exact.layout, n, &mut rng);
        let (x, _) = exact.tensor(&b).expect("x");
        let p = Projections::default();
        let (want, _, _) = exact.pde_residuals_with(&net, &x, None, &p).expect("exact");
        let m = 4000;
        let eqs = want.len();
        let (mut s, mut q) = (vec![vec![0.0; n]; eqs], vec![vec![0.0; n]; eqs]);
        for _ in 0..m / 2 {
            let noise = mc.noise_tensor(&mut rng, n).expect("noise");
            let (r, _, _) = mc
                .pde_residuals_with(&net, &x, noise.as_ref(), &p)
                .expect("mc");
            for (e, estimates) in r.iter().enumerate() {
                assert_eq!(estimates.len(), 2, "two estimates per equation");
                for d in estimates {
                    for (k, v) in d.to_vec1::<f64>().expect("v").iter().enumerate() {
                        s[e][k] += v;
                        q[e][k] += v * v;
                    }
                }
            }
        }
        for e in 0..eqs {
            let want: Vec<f64> = want[e][0].to_vec1().expect("want");
            for k in 0..n {
                let mean = s[e][k] / m as f64;
                let se = ((q[e][k] / m as f64 - mean * mean).max(0.0) / m as f64).sqrt();
                assert!(se > 0.0, "equation {e}: nothing is estimated");
                assert!(
                    (mean - want[k]).abs() < 5.0 * se + 1e-6,
                    "{difference}: equation {e} point {k}: mean {mean} vs exact {} (se {se})",
                    want[k]
                );
            }
        }
    }
}
