//! `pdec solve --seeds`: the group's summary (median, min, max over the seeds), each seed's
//! run directory against a `--seed N` run bit for bit, a failed seed beside finished ones,
//! Ctrl-C, and the refusals ("pdec::cli::bad_seeds") that leave nothing behind.

mod common;

use common::pdec;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("seeds")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("readable json");
    serde_json::from_str(&text).expect("valid json")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

/// The heat equation with its exact solution and two reports, a few steps of a tiny net.
const HEAT: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\nexact u = exp(-pi^2 * t) * sin(pi * x)\nreport u(0.1, 0.5)\nreport u(0.5, 0.25)\nsolve {\n  net = mlp(layers = 1, width = 8)\n  steps = 20\n  batch = 32\n  dtype = f64\n}\n";

fn assert_ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `values` of a spread, in seed order, and its median checked to be the middle one.
fn middle_checked(spread: &serde_json::Value, seeds: &[&str]) -> Vec<f64> {
    let values: Vec<f64> = seeds
        .iter()
        .map(|k| spread["values"][*k].as_f64().expect("a value per seed"))
        .collect();
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(spread["median"].as_f64(), Some(sorted[1]), "{spread}");
    assert_eq!(spread["min"].as_f64(), Some(sorted[0]), "{spread}");
    assert_eq!(spread["max"].as_f64(), Some(sorted[2]), "{spread}");
    values
}

#[test]
fn three_seeds_give_the_median_and_each_seed_is_its_own_single_run() {
    let dir = scratch("three");
    let p = dir.join("heat.pde");
    std::fs::write(&p, HEAT).expect("write");
    let group = dir.join("group");
    // Two threads for three seeds: two at a time, one thread each.
    let out = pdec(&[
        "solve",
        s(&p),
        "--seeds",
        "0..3",
        "--threads",
        "2",
        "--no-plots",
        "--out",
        s(&group),
    ]);
    assert_ok(&out);
    let table = text(&out.stdout);
    assert!(
        table.contains("3 seeds, 2 at a time with 1 thread each")
            && table.contains(" over 3 seeds)"),
        "{table}"
    );
    let g = json(&group.join("summary.json"));
    assert_eq!(g["seeds"], serde_json::json!([0, 1, 2]));
    assert_eq!(g["summarised"], serde_json::json!([0, 1, 2]));
    assert_eq!(g["threads_per_seed"], 1);
    let keys = ["0", "1", "2"];
    let reports: Vec<Vec<f64>> = (0..2)
        .map(|i| middle_checked(&g["reports"][i], &keys))
        .collect();
    assert_eq!(g["reports"][0]["expr"], "u(0.1, 0.5)");
    let rel = middle_checked(&g["metrics"]["rel_l2"], &keys);
    let pde = middle_checked(&g["final_loss"]["pde"], &keys);

    for (k, seed) in keys.iter().enumerate() {
        let run = group.join(format!("seed-{seed}"));
        let single = dir.join(format!("single-{seed}"));
        let out = pdec(&[
            "solve",
            s(&p),
            "--seed",
            seed,
            "--threads",
            "1",
            "--quiet",
            "--no-plots",
            "--out",
            s(&single),
        ]);
        assert_ok(&out);
        let (a, b) = (
            json(&run.join("summary.json")),
            json(&single.join("summary.json")),
        );
        for key in ["reports", "metrics", "final_loss", "steps", "seed"] {
            assert_eq!(a[key], b[key], "seed {seed}: `{key}` differs");
        }
        assert_eq!(a["reports"][0]["value"].as_f64(), Some(reports[0][k]));
        assert_eq!(a["reports"][1]["value"].as_f64(), Some(reports[1][k]));
        assert_eq!(a["metrics"]["rel_l2"].as_f64(), Some(rel[k]));
        assert_eq!(a["final_loss"]["pde"].as_f64(), Some(pde[k]));
        // Bit for bit (the checkpoint differs in its wall clock only).
        for f in ["model.safetensors", "settings.json"] {
            assert!(
                std::fs::read(run.join(f)).expect("group file")
                    == std::fs::read(single.join(f)).expect("single file"),
                "seed {seed}: {f} differs"
            );
        }
        assert!(run.join("loss.csv").is_file() && run.join("problem.pde").is_file());
    }
    // The seeds differ: the spread is the seeds', not a copy of one run.
    assert!(reports[0][0] != reports[0][1]);
}

/// A system's per-unknown errors (against each `exact` and each column of the reference
/// table) have their spread over the seeds too, each seed's value its run's.
#[test]
fn a_systems_errors_per_unknown_are_spread_over_the_seeds() {
    let dir = scratch("system");
    let rate = 1.0 - 0.1 * std::f64::consts::PI.powi(2);
    let mut table = String::from("t,x,u,v\n");
    for x in [0.25, 0.5, 0.75] {
        let u = rate.exp() * (std::f64::consts::PI * x).sin();
        table.push_str(&format!("1,{x},{u},{}\n", 2.0 * u));
    }
    std::fs::write(dir.join("uv.csv"), table).expect("write");
    let p = dir.join("coupled.pde");
    std::fs::write(
        &p,
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x), v(t, x)\n\
         pde d(u, t) = 0.1 * d(u, x, x) + 0.5 * v\npde d(v, t) = 0.1 * d(v, x, x) + 2 * u\n\
         initial u = sin(pi * x)\ninitial v = 2 * sin(pi * x)\nboundary on(x): u = 0\n\
         boundary on(x): v = 0\nexact u = exp((1 - 0.1 * pi^2) * t) * sin(pi * x)\n\
         exact v = 2 * exp((1 - 0.1 * pi^2) * t) * sin(pi * x)\nreference \"uv.csv\"\n\
         solve {\n  net = mlp(layers = 1, width = 8)\n  steps = 10\n  batch = 32\n}\n",
    )
    .expect("write");
    let group = dir.join("group");
    let out = pdec(&[
        "solve",
        s(&p),
        "--seeds",
        "0..3",
        "--threads",
        "2",
        "--no-plots",
        "--out",
        s(&group),
    ]);
    assert_ok(&out);
    let g = json(&group.join("summary.json"));
    let keys = ["0", "1", "2"];
    for by in ["metrics_by_unknown", "reference_metrics_by_unknown"] {
        for u in ["u", "v"] {
            let values = middle_checked(&g[by][u]["rel_l2"], &keys);
            for (k, seed) in keys.iter().enumerate() {
                let run = json(&group.join(format!("seed-{seed}")).join("summary.json"));
                assert_eq!(run[by][u]["rel_l2"].as_f64(), Some(values[k]), "{by} {u}");
            }
        }
    }
    let table = text(&out.stdout);
    assert!(
        table.contains("u against the reference table: relative L2 error"),
        "{table}"
    );
}

#[test]
fn bad_seed_lists_and_combinations_are_refused_leaving_nothing() {
    let dir = scratch("refused");
    let p = dir.join("heat.pde");
    std::fs::write(&p, HEAT).expect("write");
    let out_dir = dir.join("out");
    let cases: [&[&str]; 9] = [
        &["--seeds", "0,1,0"],
        &["--seeds", ""],
        &["--seeds", "1,,2"],
        &["--seeds", "3..3"],
        &["--seeds=-1"],
        &["--seeds", "0..5000"],
        &["--seeds", "0,1", "--seed", "2"],
        &["--seeds", "0,1", "--set", "seed = 2"],
        &["--seeds", "0,1", "--dry-run", "--seed", "2"],
    ];
    for case in cases {
        let mut args = vec!["solve", s(&p), "--out", s(&out_dir)];
        args.extend(case);
        let out = pdec(&args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{case:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("pdec::cli::bad_seeds"),
            "{case:?}: {}",
            text(&out.stderr)
        );
        assert!(!out_dir.exists(), "{case:?} left {}", out_dir.display());
    }
    let out = pdec(&["solve", "--resume", s(&dir), "--seeds", "0,1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot `--resume`"));

    // The dry run prints the plan once and the seeds, and writes nothing.
    let out = pdec(&[
        "solve",
        s(&p),
        "--seeds",
        "4..6,9",
        "--threads",
        "4",
        "--dry-run",
        "--out",
        s(&out_dir),
    ]);
    assert_ok(&out);
    let t = text(&out.stdout);
    assert_eq!(t.matches("dry run:").count(), 1, "{t}");
    assert!(
        t.contains("seeds: 4, 5, 9 (3 runs, each as `pdec solve --seed N --threads 1`"),
        "{t}"
    );
    assert!(!out_dir.exists());
}

/// `sqrt(u + 1)` is NaN where the network is below -1: seed 3's first steps go there, seeds 2
/// and 4 stay above (`on_nan = stop`, the default).
const NAN_FOR_SEED_3: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x) + sqrt(u + 1.0)\ninitial u = 0\nboundary on(x): u = 0\nreport u(0.5, 0.5)\nsolve {\n  net = mlp(layers = 1, width = 4)\n  steps = 3\n  batch = 16\n}\n";

#[test]
fn a_failed_seed_is_named_and_the_others_summarised_with_exit_3() {
    let dir = scratch("failed");
    let p = dir.join("nan.pde");
    std::fs::write(&p, NAN_FOR_SEED_3).expect("write");
    let group = dir.join("group");
    let out = pdec(&[
        "solve",
        s(&p),
        "--seeds",
        "2,3,4",
        "--quiet",
        "--no-plots",
        "--out",
        s(&group),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("× seed 3: ") && err.contains("the loss term `pde`"),
        "{err}"
    );
    assert!(text(&out.stdout).contains("seed 3: FAILED (exit 3)"));
    let g = json(&group.join("summary.json"));
    assert_eq!(g["summarised"], serde_json::json!([2, 4]));
    assert_eq!(g["runs"][1]["status"], "failed");
    assert_eq!(g["runs"][1]["exit_code"], 3);
    assert_eq!(g["runs"][0]["status"], "done");
    let values = g["reports"][0]["values"]
        .as_object()
        .expect("values by seed");
    assert_eq!(values.keys().collect::<Vec<_>>(), ["2", "4"]);
    // The failed seed keeps its run directory as a single failed run does.
    assert!(group.join("seed-3/model.safetensors").is_file());
    assert!(!group.join("seed-3/summary.json").exists());
}

#[test]
fn ctrl_c_stops_every_seed_and_starts_no_more() {
    let dir = scratch("interrupted");
    let p = dir.join("heat.pde");
    std::fs::write(&p, HEAT).expect("write");
    let group = dir.join("group");
    let child = Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args([
            "solve",
            s(&p),
            "--seeds",
            "0..4",
            "--threads",
            "2",
            "--quiet",
            "--no-plots",
            "--set",
            "steps=100000000",
            "--out",
            s(&group),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the first two seeds train (their loss files have a row), then Ctrl-C.
    let rows = |seed: u32| {
        std::fs::read_to_string(group.join(format!("seed-{seed}/loss.csv")))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    let start = std::time::Instant::now();
    while rows(0) < 2 || rows(1) < 2 {
        assert!(start.elapsed().as_secs() < 60, "training did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let g = json(&group.join("summary.json"));
    for k in 0..2 {
        assert_eq!(g["runs"][k]["stopped"], "interrupted", "{g}");
        assert!(group.join(format!("seed-{k}/summary.json")).is_file());
    }
    for k in 2..4 {
        assert_eq!(g["runs"][k]["status"], "not_started", "{g}");
        assert!(!group.join(format!("seed-{k}")).exists());
    }
}
