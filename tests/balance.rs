//! `balance`, end to end: the multipliers in loss.csv, a run resumed from its checkpoint that
//! goes on as if it had never stopped (the balance's state is saved with it), and a polish
//! after balanced steps.

mod common;

use common::{ok, pdec};
use std::path::{Path, PathBuf};

/// `pdec solve tests/problems/heat1d.pde` into `name` with `sets` (each a `--set` value).
fn solve(name: &str, sets: &[&str]) -> PathBuf {
    solve_file("tests/problems/heat1d.pde", name, sets).0
}

/// `pdec solve FILE` into `name` with `sets`; the run directory and what it printed on
/// standard error.
fn solve_file(file: &str, name: &str, sets: &[&str]) -> (PathBuf, String) {
    let dir = common::out_dir("balance", name);
    // Not `--quiet`: what `pdec solve` says of the balance is part of what is tested.
    let mut args = vec![
        "solve",
        file,
        "--no-plots",
        "--out",
        dir.to_str().expect("utf8"),
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let out = pdec(&args);
    ok(&out);
    (dir, String::from_utf8_lossy(&out.stderr).to_string())
}

/// loss.csv's header and its rows without the clock column.
fn loss_csv(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("loss.csv")).expect("loss.csv");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            let mut row: Vec<String> = rec.expect("row").iter().map(String::from).collect();
            row.remove(1);
            row
        })
        .collect();
    (header, rows)
}

/// summary.json's `balance`: what the run trained with.
fn balance_of(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    let s: serde_json::Value = serde_json::from_str(&text).expect("json");
    s["balance"].clone()
}

const BASE: [&str; 5] = [
    "lr_schedule=constant",
    "log_every=1",
    "checkpoint_every=10",
    "batch=64",
    "net=mlp(layers = 2, width = 16)",
];

#[test]
fn the_multipliers_are_logged_and_move_the_conditions_up() {
    let mut sets = BASE.to_vec();
    sets.extend(["steps=30", "balance=gradients(every = 5)"]);
    let dir = solve("logged", &sets);
    let (header, rows) = loss_csv(&dir);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name) - 1;
    for name in ["balance.pde", "balance.initial", "balance.boundary on(x)"] {
        col(name);
    }
    let last = rows.last().expect("rows");
    let m = |name: &str| last[col(name)].parse::<f64>().expect("a number");
    // The PDE's multiplier stays 1; a condition's is `max(1, |g_pde| / |g_i|)` on average,
    // and one of them is raised here (the PDE's gradient is the larger).
    let all = [
        m("balance.pde"),
        m("balance.initial"),
        m("balance.boundary on(x)"),
    ];
    assert_eq!(all[0], 1.0, "{all:?}");
    assert!(all.iter().all(|&x| x >= 1.0), "{all:?}");
    assert!(all.iter().any(|&x| x > 1.01), "{all:?}");
    // Without balancing there are no such columns.
    let mut plain = BASE.to_vec();
    plain.extend(["steps=3", "balance=none"]);
    let (header, _) = loss_csv(&solve("plain", &plain));
    assert!(!header.iter().any(|h| h.starts_with("balance.")));
}

#[test]
fn a_balanced_run_resumed_goes_on_as_if_it_never_stopped() {
    for (name, balance) in [
        ("gradients", "balance=gradients(every = 3, alpha = 0.5)"),
        ("relobralo", "balance=relobralo(lookback = 0.5)"),
    ] {
        let mut whole = BASE.to_vec();
        whole.extend(["steps=25", balance]);
        let whole_dir = solve(&format!("{name}_whole"), &whole);
        let mut first = BASE.to_vec();
        first.extend(["steps=10", balance]);
        let dir = solve(&format!("{name}_pieces"), &first);
        let d = dir.to_str().expect("utf8");
        ok(&pdec(&[
            "solve",
            "--resume",
            d,
            "--quiet",
            "--no-plots",
            "--set",
            "steps=25",
        ]));
        assert_eq!(loss_csv(&dir), loss_csv(&whole_dir), "{name}");
    }
}

#[test]
fn a_polish_after_balanced_steps_keeps_their_multipliers() {
    let mut sets = BASE.to_vec();
    sets.extend([
        "steps=20",
        "balance=gradients(every = 4)",
        "polish=lbfgs(steps = 5, batches = 2)",
    ]);
    let dir = solve("polish", &sets);
    let (header, rows) = loss_csv(&dir);
    let at = header
        .iter()
        .position(|h| h == "balance.initial")
        .expect("column")
        - 1;
    // The polish's lines (after the 20 Adam steps) carry the multipliers the steps ended with.
    let adam_end = rows.iter().find(|r| r[0] == "19").expect("step 19");
    let polished = rows.last().expect("rows");
    assert!(polished[0].parse::<u64>().expect("step") > 19);
    assert_eq!(polished[at], adam_end[at]);
}

/// `balance = auto` (the default) measures the conditions' gradients against the PDE's once,
/// before the first step: where the PDE swamps a condition (the 100-D heat equation, whose
/// Laplacian's gradient is hundreds of times its conditions') the run is the one `balance =
/// gradients()` gives, bit for bit, and says so; where it does not (the 1-D heat equation),
/// the one `balance = none` gives. A resumed run keeps the choice its checkpoint recorded.
#[test]
fn auto_balances_where_the_pde_swamps_a_condition_and_nowhere_else() {
    let swamped = "tests/problems/heat100.pde";
    // A small DGM (its Laplacian is what swamps the conditions: 317 times at seed 0).
    let base = BASE.map(|s| match s.starts_with("net=") {
        true => "net=dgm(layers = 2, width = 16)",
        false => s,
    });
    let mut sets = base.to_vec();
    sets.push("steps=12");
    let (auto, said) = solve_file(swamped, "auto_on", &sets);
    assert!(
        said.contains("balance: the PDE's gradient is")
            && said.contains("gradient balancing is on"),
        "{said}"
    );
    let mut explicit = sets.clone();
    explicit.push("balance=gradients()");
    let (gradients, _) = solve_file(swamped, "auto_on_explicit", &explicit);
    let (header, rows) = loss_csv(&auto);
    assert!(header.iter().any(|h| h == "balance.initial"), "{header:?}");
    assert_eq!(balance_of(&auto)["kind"], "gradients");
    assert_eq!((header, rows), loss_csv(&gradients));
    // Resumed from step 5's checkpoint: the same run.
    let mut first = base.to_vec();
    first.push("steps=6");
    let (pieces, _) = solve_file(swamped, "auto_on_pieces", &first);
    let d = pieces.to_str().expect("utf8");
    ok(&pdec(&[
        "solve",
        "--resume",
        d,
        "--quiet",
        "--no-plots",
        "--set",
        "steps=12",
    ]));
    assert_eq!(loss_csv(&pieces), loss_csv(&auto));
    // The 1-D heat equation with its conditions weighted up: nothing swamped (a starting
    // ratio of 15 over weights of 10), the plain run.
    let mut plain = BASE.to_vec();
    plain.extend(["steps=12", "weight.initial=10", "weight.boundary=10"]);
    let (auto, said) = solve_file("tests/problems/heat1d.pde", "auto_off", &plain);
    assert!(!said.contains("balance:"), "{said}");
    assert_eq!(balance_of(&auto)["kind"], "none");
    plain.push("balance=none");
    let (none, _) = solve_file("tests/problems/heat1d.pde", "auto_off_none", &plain);
    assert_eq!(loss_csv(&auto), loss_csv(&none));
}
