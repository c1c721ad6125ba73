//! The plan counts the work the step does: its base pass's tangent directions and
//! second-order directions are the ones the loss program lays out, and its noise per point
//! the values the step draws, on every example and CI training problem, under every Monte
//! Carlo setting.

use super::*;

#[test]
fn the_plans_count_is_the_steps_layout() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut files = Vec::new();
    for dir in ["examples", "tests/problems"] {
        for e in std::fs::read_dir(format!("{root}/{dir}"))
            .expect("a folder")
            .flatten()
        {
            if e.path().extension().is_some_and(|x| x == "pde") {
                files.push(e.path());
            }
        }
    }
    assert!(files.len() > 10);
    for f in &files {
        let src = std::fs::read_to_string(f).expect("readable");
        for sets in [
            vec![],
            vec!["second_order=exact".to_string()],
            vec!["mc_draws=3".to_string(), "mc_difference=gradients".into()],
            vec!["mc_noise=coordinates".to_string(), "mc_draws=3".into()],
        ] {
            let (c, _, plan) = compiled(&src, &sets);
            let (prog, _) = program_and_net(&c, &plan, 0);
            let what = format!("{} {sets:?}", f.display());
            assert_eq!(prog.pde_dirs.dirs.len(), plan.cost.tangents, "{what}");
            assert_eq!(
                prog.pde_dirs.k2, plan.cost.second_order_directions,
                "{what}"
            );
            assert_eq!(
                prog.noise.draws_per_step() * plan.program.pde.squares().count(),
                plan.cost.gradient_square_jvps,
                "{what}"
            );
            // The noise the step draws is the plan's count per point.
            let rows = 3;
            let noise = prog
                .noise_tensor(&mut crate::train::step_rng(0, 0), rows)
                .expect("noise")
                .map_or(0, |t| t.elem_count());
            let per_point = plan.monte_carlo.as_ref().map_or(0, |m| m.noise_per_point());
            assert_eq!(noise, rows * per_point, "{what}");
        }
    }
}
