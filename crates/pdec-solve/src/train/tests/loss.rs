//! Per-point losses and the free-boundary losses.

use super::*;

/// Adaptive sampling weighs candidates by each point's loss: averaged over a batch it
/// is the weighted PDE and constraint terms of the training loss, in every loss form.
#[test]
fn pointwise_losses_average_to_the_training_loss() {
    let obstacle = "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
               pde d(u, t) + 0.5 * x^2 * d(u, x, x) - 0.1 * u = 0\n\
               terminal u = max(x - 1, 0)\nboundary on(x): u = max(x - 1, 0)\n\
               constraint u >= x - 1\n";
    let heat = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
                pde d(u, t) = d(u, x, x) + x\ninitial u = 0\nboundary on(x): u = 0\n";
    // Monte Carlo Laplacian and gradient squares: two draws, the same noise as training.
    let cases = [
        (obstacle, "penalty"),
        (obstacle, "variational"),
        (obstacle, "complementarity"),
        (heat, "penalty"),
        (HJB5, "penalty"),
    ];
    for (src, fb) in cases {
        let mut sets = vec![
            "dtype=f64".to_string(),
            "net=dgm(layers=2, width=8)".into(),
            "weight.pde=2".into(),
        ];
        if src == obstacle {
            sets.push(format!("free_boundary={fb}"));
            sets.push("weight.constraint=3".into());
        }
        if src == HJB5 {
            sets.extend(["auto_mc_threshold=1".into(), "batch=64".into()]);
        }
        let (checked, _, plan) = compiled(src, &sets);
        let (prog, net) = program_and_net(&checked, &plan, 3);
        let batches = sample(&prog, None, DrawKey { seed: 3, number: 0 });
        let noise = prog.draw_noise(&mut step_rng(9, 0));
        assert_eq!(noise.is_empty(), src != HJB5);
        let (uploaded, noise) = prog.upload(&batches, &noise).expect("upload");
        let losses = prog
            .losses(&net, &uploaded, noise.as_ref())
            .expect("losses");
        let mut expect = 0.0;
        for (t, l) in plan.terms.iter().zip(&losses.terms) {
            if matches!(t.kind, TermKind::Pde | TermKind::Constraint) {
                expect += t.weight * l.to_scalar::<f64>().expect("scalar");
            }
        }
        let k = plan
            .terms
            .iter()
            .position(|t| t.kind == TermKind::Pde)
            .expect("pde term");
        let got = prog
            .pointwise_loss(&net, &uploaded[k][0].x, &mut step_rng(9, 0))
            .expect("pointwise")
            .mean_all()
            .expect("mean")
            .to_scalar::<f64>()
            .expect("scalar");
        assert!(
            (got - expect).abs() <= 1e-12 * expect.abs().max(1.0),
            "{fb}: {got} against {expect}"
        );
    }
}

/// `free_boundary = variational` is the penalty's loss plus `max(s r, 0)^2` on the points
/// where the network is on or below the obstacle (`r` the residual, `s` the sign that
/// means "holding on is worth more"); a backward `u >= g` makes that `max(r, 0)`. Under
/// an ansatz, "the network" is the ansatz made from it.
#[test]
fn variational_loss_adds_the_residual_sign_on_the_obstacle() {
    // The obstacle crosses the network's range, so both regions have points.
    let src = "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
               pde d(u, t) + 0.5 * x^2 * d(u, x, x) - 0.1 * u = 0\n\
               terminal u = max(x - 1, 0)\nboundary on(x): u = max(x - 1, 0)\n\
               constraint u >= x - 1\n";
    // Under an ansatz the gap is the ansatz's (`x - 1` plus a part that changes sign).
    let with_ansatz = format!("{src}ansatz u = x - 1 + (1 - t) * net + 0.2 * sin(6 * x)\n");
    for src in [src, with_ansatz.as_str()] {
        free_boundary_losses_match_by_hand(src);
    }
}

fn free_boundary_losses_match_by_hand(src: &str) {
    let mut pde_loss = Vec::new();
    for fb in ["penalty", "variational"] {
        let sets = vec![
            "dtype=f64".to_string(),
            "net=dgm(layers=2, width=8)".into(),
            format!("free_boundary={fb}"),
        ];
        let (checked, _, plan) = compiled(src, &sets);
        let (prog, net) = program_and_net(&checked, &plan, 3);
        assert_eq!(prog.active_sign, Some(-1.0));
        let batches = sample(&prog, None, DrawKey { seed: 3, number: 0 });
        let (uploaded, noise) = prog.upload(&batches, &[]).expect("upload");
        let losses = prog
            .losses(&net, &uploaded, noise.as_ref())
            .expect("losses");
        let k = plan
            .terms
            .iter()
            .position(|t| t.kind == TermKind::Pde)
            .expect("pde term");
        let got = losses.terms[k].to_scalar::<f64>().expect("scalar");
        // By hand from the residuals, the network and the obstacle at the same points.
        let x = uploaded[k][0].x.clone();
        let (res, _, g) = prog.pde_residuals(&net, &x, None).expect("residual");
        let r = res[0].to_vec1::<f64>().expect("r");
        let (f, g) = (
            values(&net, &checked.problem, &prog.cols, &x)
                .and_then(|f| f.to_vec1::<f64>())
                .expect("f"),
            g.expect("obstacle").to_vec1::<f64>().expect("g"),
        );
        let (mut off, mut on, mut wrong_sign) = (0.0, 0, 0.0);
        for i in 0..r.len() {
            if f[i] > g[i] {
                off += r[i] * r[i];
            } else {
                on += 1;
                wrong_sign += r[i].max(0.0).powi(2);
            }
        }
        assert!(
            on > 0 && on < r.len(),
            "{on} of {} points on the obstacle",
            r.len()
        );
        let n = r.len() as f64;
        let expect = match fb {
            "penalty" => off / n,
            _ => {
                assert!(wrong_sign > 0.0, "no wrong-signed residual on the obstacle");
                (off + wrong_sign) / n
            }
        };
        assert!(
            (got - expect).abs() <= 1e-12 * expect.max(1.0),
            "{fb}: loss {got} against {expect} by hand"
        );
        pde_loss.push(got);
    }
    assert!(pde_loss[1] > pde_loss[0]);
}

/// A gauge (`mean p = 0`) on fresh points is the U-statistic `((sum r)^2 - sum r^2) /
/// (m (m - 1))`, unbiased over draws; on a fixed set (the polish) the square of the mean,
/// `(sum r)^2 / m^2`, which is never negative: the U-statistic's `- sum r^2` would reward a
/// quasi-Newton method for spreading `p` over the set's points.
#[test]
fn a_gauge_is_unbiased_on_fresh_points_and_bounded_below_on_a_fixed_set() {
    // A Neumann problem: `p` is fixed up to a constant, which the gauge picks.
    let src = "space x in [0, 1]\nunknown p(x)\npde d(p, x, x) = 1\n\
               boundary x = 0: dn(p) = 0\nboundary x = 1: dn(p) = 1\nmean p = 0\n";
    let sets = vec!["dtype=f64".to_string(), "net=mlp(layers=2, width=8)".into()];
    let (checked, _, plan) = compiled(src, &sets);
    let (prog, net) = program_and_net(&checked, &plan, 3);
    let batches = sample(&prog, None, DrawKey { seed: 3, number: 0 });
    let (uploaded, noise) = prog.upload(&batches, &[]).expect("upload");
    let k = plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Gauge)
        .expect("a gauge term");
    let value = |points| {
        prog.losses_on(&net, &uploaded, noise.as_ref(), points)
            .expect("losses")
            .terms[k]
            .to_scalar::<f64>()
            .expect("scalar")
    };
    // By hand: p at every point of the gauge's batches (nothing is shared without time).
    let xs: Vec<&Tensor> = uploaded[k].iter().map(|b| &b.x).collect();
    let x = Tensor::cat(&xs, 0).expect("cat");
    let p = crate::train::eval::values(&net, &checked.problem, &prog.cols, &x)
        .and_then(|p| p.flatten_all()?.to_vec1::<f64>())
        .expect("p");
    let m = p.len() as f64;
    let (s, q) = (p.iter().sum::<f64>(), p.iter().map(|v| v * v).sum::<f64>());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * b.abs().max(1e-12);
    let fresh = value(Points::Fresh);
    let fixed = value(Points::Fixed);
    assert!(close(fresh, (s * s - q) / (m * (m - 1.0))), "{fresh}");
    assert!(close(fixed, s * s / (m * m)), "{fixed}");
    assert!(fixed >= 0.0);
}

/// Anchored at a network, a fixed set's gauge measures how far the mean has moved since:
/// zero at that network whatever the set's own mean, and the square of the moved mean
/// after the constant is shifted.
#[test]
fn an_anchored_gauge_measures_the_change_of_the_mean() {
    let src = "space x in [0, 1]\nunknown p(x)\npde d(p, x, x) = 1\n\
               boundary x = 0: dn(p) = 0\nboundary x = 1: dn(p) = 1\nmean p = 0\n";
    let sets = vec!["dtype=f64".to_string(), "net=mlp(layers=2, width=8)".into()];
    let (checked, _, plan) = compiled(src, &sets);
    let (prog, net) = program_and_net(&checked, &plan, 3);
    let k = plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Gauge)
        .expect("a gauge term");
    let comm = crate::distributed::Comm::single();
    let gauge = |set: &crate::train::FixedSet| {
        set.loss_and_gradient(&prog, &net, &comm).expect("loss").0[k]
    };
    let plain = crate::train::FixedSet::draw(&prog, 5, 2, 77);
    let anchored = crate::train::FixedSet::draw(&prog, 5, 2, 77)
        .anchored(&prog, &net)
        .expect("anchored");
    assert!(gauge(&plain) > 1e-6, "{}", gauge(&plain));
    assert!(gauge(&anchored).abs() < 1e-24, "{}", gauge(&anchored));
    // Shift the constant by 0.1: the anchored gauge is 0.01.
    let (_, bias) = net
        .params
        .iter()
        .find(|(name, _)| name == "out.bias")
        .expect("the output bias");
    bias.set(&(bias.as_tensor() + 0.1).expect("shift"))
        .expect("set");
    let moved = gauge(&anchored);
    assert!((moved - 0.01).abs() < 1e-9, "{moved}");
}
