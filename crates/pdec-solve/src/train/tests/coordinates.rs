//! The coordinate-sampled estimator (`mc_noise = coordinates`, SDGD): its draws, the
//! residual it averages to (a non-diagonal factor's columns included) and the unbiased
//! gradient of its two-draw loss.

use super::monte_carlo::{LAP5, averages_to, two_draw_gradient_is_unbiased};
use super::*;

/// Settings of a small f64 network with coordinate draws.
fn sets(extra: &[&str]) -> Vec<String> {
    let mut s = vec![
        "dtype=f64".to_string(),
        "net=mlp(layers=2, width=8)".into(),
        "auto_mc_threshold=1".into(),
    ];
    s.extend(extra.iter().map(|x| x.to_string()));
    s
}

/// Each draw of an estimate is one column, held as its index (one value per point and
/// draw), whose `w` is `sqrt(delta)` there and zero elsewhere; the draws of one estimate at
/// one point take distinct columns (a new round after `n`), and over many points every
/// column is drawn about equally often.
#[test]
fn the_draws_of_an_estimate_are_distinct_columns() {
    for draws in [3usize, 7] {
        let (c, _, p) = compiled(
            LAP5,
            &sets(&[
                "mc_noise=coordinates",
                &format!("mc_draws={draws}"),
                "second_order=monte_carlo(delta = 0.01)",
            ]),
        );
        let (prog, _) = program_and_net(&c, &p, 1);
        let rows = 400;
        let mut rng = step_rng(1, 0);
        let tensor = prog
            .noise_tensor(&mut rng, rows)
            .expect("noise")
            .expect("some");
        let noise: Vec<f64> = tensor.to_vec1().expect("values");
        let mc = p.monte_carlo.as_ref().expect("monte carlo");
        assert_eq!(mc.factors.len(), 2);
        assert_eq!(mc.noise_per_point(), 2 * 2 * draws);
        assert_eq!(noise.len(), rows * mc.noise_per_point());
        let n = 5;
        let w = prog
            .noise
            .coordinate(&tensor.narrow(0, 0, rows).expect("block"), n)
            .expect("w");
        for (row, w) in w.to_vec2::<f64>().expect("w").iter().enumerate() {
            let hot: Vec<usize> = (0..n).filter(|i| w[*i] != 0.0).collect();
            assert_eq!(hot, vec![noise[row] as usize], "{w:?}");
            assert_eq!(w[hot[0]], 0.1);
        }
        let mut counts = [0usize; 5];
        // Blocks: per factor, per estimate, `draws` blocks of [rows].
        for estimate in noise.chunks(draws * rows) {
            for row in 0..rows {
                let picks: Vec<usize> = (0..draws)
                    .map(|j| estimate[j * rows + row] as usize)
                    .collect();
                let mut first: Vec<usize> = picks[..draws.min(n)].to_vec();
                first.sort();
                first.dedup();
                assert_eq!(first.len(), draws.min(n), "{picks:?}");
                for i in picks {
                    counts[i] += 1;
                }
            }
        }
        let total: usize = counts.iter().sum();
        for c in counts {
            let share = c as f64 / total as f64;
            assert!((share - 0.2).abs() < 0.03, "{counts:?}");
        }
    }
}

/// The coordinate estimate of a correlated operator (a Cholesky factor, whose columns are
/// not coordinate directions) and of gradient squares averages to the exact residual of
/// the same network, with both differences.
#[test]
fn the_coordinate_estimate_averages_to_the_exact_residual() {
    let correlated = "time t in [0, 1]\nspace x in [-1, 1]^3\nunknown u(t, x)\nboundary none\n\
        pde d(u, t) + 0.5 * sum(i in 1..3, j in 1..3) (if i == j then 1 else 0.5) * (1 + x[i]^2) * (1 + x[j]^2) * d(u, x[i], x[j]) = 0\n\
        terminal u = 0\n";
    let squares = HJB5.replace("lap(u)", "0");
    for (src, difference, slack) in [
        (correlated, "gradients", 1e-6),
        (correlated, "values", 1e-6),
        (squares.as_str(), "gradients", 1e-12),
    ] {
        let with = |so: &str| {
            sets(&[
                &format!("second_order={so}"),
                &format!("mc_difference={difference}"),
                "mc_noise=coordinates",
                "mc_draws=2",
            ])
        };
        let (ce, _, pe) = compiled(src, &with("exact"));
        let (cm, _, pm) = compiled(src, &with("monte_carlo(delta = 0.0001)"));
        let mc = pm.monte_carlo.as_ref().expect("monte carlo");
        assert!(!mc.factors.is_empty() || !mc.gradient_squares.is_empty());
        let (exact, net) = program_and_net(&ce, &pe, 5);
        let (prog, _) = program_and_net(&cm, &pm, 5);
        let mut rng = step_rng(3, 0);
        let b = geometry::sample_interior(&ce.problem, &exact.layout, 6, &mut rng);
        let (x, _) = exact.tensor(&b).expect("x");
        let (r, _, _) = exact.pde_residuals(&net, &x, None).expect("exact");
        let want: Vec<f64> = r[0].to_vec1().expect("v");
        averages_to(&prog, &net, &x, &want, &mut rng, slack);
    }
}

/// The two-draw loss under coordinate draws has an unbiased gradient (and one draw has
/// not), for diagonal factors (one input column per shifted point) with both differences
/// and for gradient squares. One coordinate per estimate: with more the one-draw loss's
/// bias, the estimate's variance, is too small for the test to see.
#[test]
fn coordinate_draws_give_an_unbiased_gradient() {
    let extra = ["mc_noise=coordinates", "mc_draws=1"];
    for difference in ["gradients", "values"] {
        two_draw_gradient_is_unbiased(LAP5, difference, &extra);
    }
    two_draw_gradient_is_unbiased(HJB5, "gradients", &extra);
}

/// The ball ansatz's factor `1 - sum(x * x)` is proven non-negative over the ball, but in
/// f32 it rounds below zero at points on the sphere: its square root is clamped there, and
/// the estimate stays finite (before, NaN: a d = 1,000 training stopped at such a draw).
#[test]
fn a_factor_rounded_below_zero_at_the_sphere_stays_finite() {
    let src = "space x in ball(3, center = 0, radius = 1)\nunknown u(x)\npde lap(u) = 1\n\
        boundary on(x): u = 0\nansatz u = (1 - sum(x * x)) * net\n";
    for law in ["rademacher", "coordinates"] {
        let (c, _, p) = compiled(
            src,
            &[
                "dtype=f32".to_string(),
                "second_order=monte_carlo()".into(),
                format!("mc_noise={law}"),
            ],
        );
        assert_eq!(p.second_order[0].path, Path::MonteCarlo);
        let (prog, net) = program_and_net(&c, &p, 2);
        // Just outside the sphere by one f32 rounding: 1 - x^2 is about -2.4e-7.
        let x = Tensor::new(
            &[[1.000_000_1f32, 0.0, 0.0], [0.0, -0.6, 0.8]],
            &Device::Cpu,
        )
        .expect("x");
        let mut rng = step_rng(5, 0);
        let noise = prog.noise_tensor(&mut rng, 2).expect("noise");
        let (r, _, _) = prog
            .pde_residuals(&net, &x, noise.as_ref())
            .expect("residuals");
        for t in &r {
            let v: Vec<f32> = t.to_vec1().expect("v");
            assert!(v.iter().all(|v| v.is_finite()), "{law}: {v:?}");
        }
    }
}
