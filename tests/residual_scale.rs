//! `residual_scale = auto`, end to end: the 1-D heat problem written in seconds (every term of
//! its equation 3,600 times smaller than in hours, the conditions not) trains to the answer
//! the problem in hours reaches, and without the scale it fits the data alone; `pdec explain`
//! says what was read and applied.

mod common;

fn rel_l2(scale: &str) -> f64 {
    let set = format!("residual_scale={scale}");
    let (_, s) = common::solve_summary(
        "tests/problems/heat1d_seconds.pde",
        "residual_scale",
        scale,
        &[&set, "steps=600"],
    );
    s["metrics"]["rel_l2"].as_f64().expect("rel_l2")
}

#[test]
fn a_problem_in_seconds_trains_like_the_same_problem_in_hours() {
    let (auto, none) = (rel_l2("auto"), rel_l2("none"));
    // tests/problems/heat1d.pde (hours) after 600 steps: about 5e-2.
    assert!(auto < 0.1, "residual_scale = auto: rel-L2 {auto}");
    assert!(none > 0.5, "residual_scale = none: rel-L2 {none}");
}

#[test]
fn explain_shows_the_scale_and_the_weight() {
    let out = common::pdec(&["explain", "tests/problems/heat1d_seconds.pde"]);
    common::ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    // d(u, t) over 1,800 seconds is the largest term: 1 / 1800, weight 1800^2.
    assert!(
        text.contains("residual scale: `pde` is about 5.556e-4")
            && text.contains("its term d(u, t)")
            && text.contains("= 3.240e6 "),
        "{text}"
    );
    assert!(
        text.contains("pde                      weight 3240000"),
        "{text}"
    );
}
