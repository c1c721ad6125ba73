//! The training step: threads split a step without changing it; one upload per step.

use super::*;

/// The Monte Carlo gradient (two independent draws) averaged over many draws matches the
/// exact-path gradient of the same network and points, within a stated statistical
/// tolerance; the one-draw gradient (of `mean(A(w)^2)`) is biased by the variance of the
/// estimator and fails the same check.
/// Splitting a step over threads changes nothing but rounding: the summed term values
/// and gradients of 2 and 3 threads equal one thread's, in f64, on batches that do not
/// split evenly, with Monte Carlo noise (cut per thread), a free-boundary constraint
/// (weighted by the PDE's rows), a periodic pair, a term with fewer rows than threads (it
/// goes whole to the first thread) and an MPI rank share. The PDE's rows cap the count.
#[test]
fn threads_split_a_step_without_changing_it() {
    let cases = [
        (
            include_str!("../../../../../tests/problems/heat5_mc.pde"),
            "batch=7",
        ),
        (
            include_str!("../../../../../tests/problems/heat1d.pde"),
            "batch.initial=2",
        ),
        (
            include_str!("../../../../../tests/problems/american_put.pde"),
            "batch=9",
        ),
        (
            "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = 0.1 * d(u, x, x) - d(u, x)\ninitial u = sin(2 * pi * x)\nperiodic x\n",
            "batch=8;periodic_inputs=none",
        ),
        // The same with the periodic coordinate read as cos and sin (no pair term).
        (
            "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = 0.1 * d(u, x, x) - d(u, x)\ninitial u = sin(2 * pi * x)\nperiodic x\n",
            "batch=8",
        ),
        // Monte Carlo Laplacian and gradient squares: their noise is cut the same way.
        (HJB5, "batch=7;auto_mc_threshold=1"),
    ];
    for (src, batch) in cases {
        let mut sets = vec!["dtype=f64".to_string(), "net=dgm(layers=2, width=6)".into()];
        sets.extend(batch.split(';').map(String::from));
        let (c, _, plan) = compiled(src, &sets);
        let (mut prog, net) = program_and_net(&c, &plan, 3);
        let batches = sample(&prog, None, DrawKey { seed: 4, number: 0 });
        let noise = prog.draw_noise(&mut step_rng(5, 0));
        let share: Vec<f64> = (0..plan.terms.len())
            .map(|k| 0.5 + 0.1 * k as f64)
            .collect();
        let ones = vec![1.0; plan.terms.len()];
        let run_weighed = |prog: &LossProgram, term_gradients: bool| {
            let weighing = Weighing {
                multipliers: &ones,
                term_gradients,
                points: crate::train::Points::Fresh,
            };
            let passes =
                worker_passes(prog, &net, &batches, &noise, &share, weighing).expect("passes");
            let (v, g) = sum_passes(&passes).expect("sum");
            let mut out = v.to_vec1::<f64>().expect("values");
            for t in g {
                out.extend(t.flatten_all().expect("f").to_vec1::<f64>().expect("g"));
            }
            (passes.len(), out)
        };
        let run = |prog: &LossProgram| run_weighed(prog, false);
        let (one_count, one) = run(&prog);
        // Each term differentiated on its own (for `balance = gradients(...)`) and summed:
        // the same gradient, up to rounding.
        let (_, by_term) = run_weighed(&prog, true);
        for (i, (x, y)) in one.iter().zip(&by_term).enumerate() {
            assert!(
                (x - y).abs() <= 1e-8 * x.abs().max(1e-2),
                "{batch}, by term, entry {i}: {x} vs {y}"
            );
        }
        assert_eq!(one_count, 1);
        for workers in [2, 3] {
            prog.workers = workers;
            let (count, many) = run(&prog);
            assert_eq!(count, workers, "{batch}");
            assert_eq!(one.len(), many.len());
            for (i, (x, y)) in one.iter().zip(&many).enumerate() {
                // The Monte Carlo difference of values divides a difference of O(1)
                // values by delta = 1e-3: rounding grows by about 1/delta, to ~1e-9.
                assert!(
                    (x - y).abs() <= 1e-8 * x.abs().max(1e-2),
                    "{batch}, {workers} threads, entry {i}: {x} vs {y}"
                );
            }
        }
        prog.workers = 100_000;
        let pde = plan.terms.iter().position(|t| t.kind == TermKind::Pde);
        let rows = pde.and_then(|k| batches[k].first().map(|b| b.n));
        assert_eq!(Some(prog.effective_workers(&batches)), rows);
    }
}

#[test]
fn one_upload_per_step_gives_every_batch_and_its_normals() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/poisson_mixed.pde"
    ))
    .expect("example");
    let (checked, _, plan) = compiled(&src, &["dtype=f64".to_string()]);
    let (prog, _) = program_and_net(&checked, &plan, 0);
    let batches = sample(&prog, None, DrawKey { seed: 4, number: 2 });
    let noise = [0.25, -1.5, 3.0];
    let (up, got) = prog.upload(&batches, &noise).expect("upload");
    let got = got.expect("noise comes back").to_vec1::<f64>().expect("v");
    assert_eq!(
        got, noise,
        "the noise rides in the same buffer, after the points"
    );
    let mut normals = 0;
    for (term, uploaded) in batches.iter().zip(&up) {
        for (b, u) in term.iter().zip(uploaded) {
            let (x, n) = prog.tensor(b).expect("tensor");
            let flat = |t: &Tensor| t.flatten_all().and_then(|t| t.to_vec1::<f64>()).expect("v");
            assert_eq!(flat(&x), flat(&u.x));
            assert_eq!(n.is_some(), u.normals.is_some());
            if let (Some(n), Some(m)) = (n, &u.normals) {
                assert_eq!(flat(&n), flat(m));
                normals += 1;
            }
        }
    }
    assert!(
        normals > 0,
        "the example has Neumann/Robin faces with normals"
    );
}
