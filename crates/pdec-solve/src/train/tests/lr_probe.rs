//! `lr = auto`'s probe on a real problem: it leaves the network as it found it, chooses the
//! same rate twice, and never a rate that wrecks the fit.

use super::*;
use crate::distributed::Comm;
use crate::train::lr_probe::probe_learning_rate;
use pdec_lang::settings::lr_auto::probe_steps;

#[test]
fn the_probe_restores_the_network_repeats_itself_and_shuns_a_wild_rate() {
    let src = include_str!("../../../../../tests/problems/heat1d.pde");
    let sets = [
        "steps=400".to_string(),
        "net=mlp(layers=2, width=16)".into(),
    ];
    let (c, _, plan) = compiled(src, &sets);
    let (prog, net) = program_and_net(&c, &plan, 3);
    let weights = |net: &Net| -> Vec<f64> {
        net.params
            .iter()
            .flat_map(|(_, v)| {
                let t = v.as_tensor().flatten_all().expect("flat");
                t.to_dtype(DType::F64)
                    .expect("f64")
                    .to_vec1::<f64>()
                    .expect("v")
            })
            .collect()
    };
    let before = weights(&net);
    let candidates = [1e-3, 1e-2, 8.0];
    let comm = Comm::single();
    let run = &c.settings.run;
    let a = probe_learning_rate(&prog, run, &net, &comm, &candidates).expect("probe");
    assert_eq!(
        weights(&net),
        before,
        "the run must start from the same weights"
    );
    let b = probe_learning_rate(&prog, run, &net, &comm, &candidates).expect("probe");
    assert_eq!(a, b, "same seed, same probe");
    assert_eq!(a.steps, probe_steps(400));
    assert_ne!(a.chosen, 8.0, "{a:?}");
    // The sane rates fit something in 20 steps: their scores are finite and negative.
    for s in &a.scores[..2] {
        assert!(s.is_some_and(|s| s < 0.0), "{a:?}");
    }
}
