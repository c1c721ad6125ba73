//! Data-parallel training over MPI (`cargo test --release --features mpi --test mpi`; CI
//! installs Open MPI in `.ci/run`). Two ranks with the same total batch and seed follow the
//! one-rank loss curve to round-off, and only rank 0 writes files.
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("mpi-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

/// `pdec` on one rank (no mpirun) or on `ranks` ranks, run in `cwd`.
fn pdec(cwd: &Path, ranks: usize, args: &[&str]) -> Output {
    let exe = env!("CARGO_BIN_EXE_pdec");
    let mut c = if ranks == 1 {
        Command::new(exe)
    } else {
        let mut c = Command::new("mpirun");
        c.args([
            "-n",
            &ranks.to_string(),
            "--oversubscribe",
            "--allow-run-as-root",
            exe,
        ]);
        c
    };
    c.args(args)
        .current_dir(cwd)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .expect("mpirun (Open MPI's `openmpi-bin`) must be installed for the mpi tests")
}

/// loss.csv rows as numbers, without the wall-time column.
fn curve(run: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(run.join("loss.csv"))
        .expect("loss.csv")
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .map(|(_, f)| f.parse::<f64>().expect("number"))
                .collect()
        })
        .collect()
}

fn same_curve(a: &[Vec<f64>], b: &[Vec<f64>]) {
    assert_eq!(a.len(), b.len(), "as many logged steps");
    for (ra, rb) in a.iter().zip(b) {
        for (x, y) in ra.iter().zip(rb) {
            let tol = 1e-9 * x.abs().max(y.abs()).max(1e-12);
            assert!((x - y).abs() <= tol, "one rank {ra:?}\ntwo ranks {rb:?}");
        }
    }
}

fn compare(name: &str, problem: &str) {
    compare_with(name, problem, &[]);
}

/// [`compare`] with more files beside the problem (`observe`'s data: `(name, contents)`).
fn compare_with(name: &str, problem: &str, extra: &[(&str, &str)]) {
    let d = dir(name);
    std::fs::write(d.join("p.pde"), problem).expect("write");
    for (file, text) in extra {
        std::fs::write(d.join(file), text).expect("write");
    }
    let one = pdec(
        &d,
        1,
        &["solve", "p.pde", "--quiet", "--no-plots", "--out", "one"],
    );
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    let two = pdec(
        &d,
        2,
        &["solve", "p.pde", "--quiet", "--no-plots", "--out", "two"],
    );
    assert_eq!(
        two.status.code(),
        Some(0),
        "{}{}",
        text(&two.stdout),
        text(&two.stderr)
    );
    same_curve(&curve(&d.join("one")), &curve(&d.join("two")));
    // settings.json says how each run ran: one rank, two ranks.
    let ranks = |run: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(d.join(run).join("settings.json")).expect("settings");
        serde_json::from_str::<serde_json::Value>(&text).expect("json")["ranks"].clone()
    };
    assert_eq!(ranks("one"), 1);
    assert_eq!(ranks("two"), 2);
    // Rank 0 alone wrote: the run directory holds one set of files, nothing else appeared.
    let mut entries: Vec<String> = std::fs::read_dir(&d)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    let mut beside: Vec<&str> = vec!["one", "p.pde", "two"];
    beside.extend(extra.iter().map(|(f, _)| *f));
    beside.sort();
    assert_eq!(entries, beside);
    let files = |run: &str| -> Vec<String> {
        let mut f: Vec<String> = std::fs::read_dir(d.join(run))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            // The event file's name has the time and the host in it.
            .map(|n| match n.starts_with("events.out.tfevents.") {
                true => "events.out.tfevents.*".to_string(),
                false => n,
            })
            .collect();
        f.sort();
        f
    };
    // The files of a one-rank run (polish.safetensors too where the problem polishes).
    let mut expected = vec![
        "checkpoint.safetensors",
        "events.out.tfevents.*",
        "loss.csv",
        "model.safetensors",
        "problem.pde",
        "settings.json",
        "summary.json",
    ];
    if problem.contains("polish") {
        expected.insert(4, "polish.safetensors");
    }
    if !extra.is_empty() {
        // The data are copied into the run (`reference/`), so the run stands on its own.
        let at = expected
            .iter()
            .position(|f| *f > "reference")
            .unwrap_or(expected.len());
        expected.insert(at, "reference");
    }
    assert_eq!(files("two"), expected);
    assert_eq!(files("one"), expected);
    // The report is printed once.
    assert_eq!(text(&two.stdout).matches("run directory").count(), 1);
}

#[test]
fn two_ranks_follow_the_one_rank_curve_on_the_exact_path() {
    compare(
        "exact",
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\n\
         initial u = sin(pi * x)\nboundary on(x): u = 0\nsolve {\n  net = mlp(layers = 2, width = 8)\n  \
         steps = 40\n  batch = 64\n  batch.initial = 33\n  dtype = f64\n  log_every = 1\n}\n",
    );
}

#[test]
fn two_ranks_follow_the_one_rank_curve_on_the_monte_carlo_path() {
    compare(
        "mc",
        "time t in [0, 1]\nspace x in [0, 1]^3\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
         initial u = sum(i in 1..3) x[i]^2\nboundary none\nsolve {\n  net = dgm(layers = 1, width = 8)\n  \
         steps = 30\n  batch = 31\n  second_order = monte_carlo()\n  dtype = f64\n  log_every = 1\n}\n",
    );
}

#[test]
fn two_ranks_follow_the_one_rank_curve_for_a_system() {
    // Two unknowns, one network with an output each, their Laplacians from one summed
    // channel read with a ratio per equation.
    compare(
        "system",
        "time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x), v(t, x)\n\
         pde d(u, t) = 0.5 * lap(u) + v\npde d(v, t) = 2 * lap(v) - u\n\
         initial u = sin(pi * x[1])\ninitial v = 0\nboundary on(x): u = 0\nboundary on(x): v = 0\n\
         solve {\n  net = mlp(layers = 2, width = 8)\n  steps = 30\n  batch = 64\n  dtype = f64\n  \
         log_every = 1\n}\n",
    );
}

#[test]
fn two_ranks_weigh_the_one_rank_adaptive_pool() {
    // The pool's chunks are dealt round the ranks (and one rank's round its two threads)
    // and summed: both runs draw their points from the same pool, Monte Carlo noise and all.
    compare(
        "adaptive",
        "time t in [0, 1]\nspace x in [0, 1]^3\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
         initial u = sum(i in 1..3) x[i]^2\nboundary none\nsolve {\n  net = dgm(layers = 1, width = 8)\n  \
         steps = 30\n  batch = 31\n  second_order = monte_carlo()\n  dtype = f64\n  log_every = 1\n  \
         adaptive = residual(pool = 5, every = 10)\n}\n",
    );
}

#[test]
fn two_ranks_split_the_data_rows_and_train_a_coefficient_as_one() {
    // 50 observations, 16 drawn a step (`batch.data`): each rank takes its rows of the same
    // draw, and the coefficient's column in loss.csv follows the one-rank run.
    let rows: String = (0..50)
        .map(|i| {
            let x = -0.98 + 0.04 * i as f64;
            let t = 0.02 * i as f64;
            format!(
                "{t},{x},{}\n",
                (-t).exp() * (std::f64::consts::PI * x).sin()
            )
        })
        .collect();
    compare_with(
        "data",
        "time t in [0, 1]\nspace x in [-1, 1]\nunknown u(t, x)\nunknown const C in [0.1, 10] init 2 log\n\
         pde d(u, t) = C * d(u, x, x) - exp(-t) * (1 - pi^2) * sin(pi * x)\n\
         initial u = sin(pi * x)\nboundary on(x): u = 0\nobserve u from \"obs.csv\"\n\
         solve {\n  net = mlp(layers = 2, width = 8)\n  steps = 30\n  batch = 64\n  batch.data = 16\n  \
         dtype = f64\n  log_every = 1\n}\n",
        &[("obs.csv", &format!("t,x,u\n{rows}"))],
    );
}

#[test]
fn two_ranks_polish_as_one() {
    // The L-BFGS polish sums its loss and gradient over the ranks: the same fixed points
    // split between two ranks give the one-rank iterations, line searches and all.
    compare(
        "polish",
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\n\
         initial u = sin(pi * x)\nboundary on(x): u = 0\nsolve {\n  net = mlp(layers = 2, width = 8)\n  \
         steps = 20\n  batch = 64\n  batch.initial = 33\n  dtype = f64\n  log_every = 1\n  \
         polish = lbfgs(steps = 15, batches = 3)\n}\n",
    );
    // The fresh points that check the polish are split between the ranks as its own are:
    // their loss, before and after, is the one-rank loss.
    let fresh = |run: &str| -> Vec<Vec<f64>> {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("mpi-polish/{run}"));
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path.join("summary.json")).expect("summary.json"),
        )
        .expect("json");
        let p = &s["polish"];
        assert_eq!(p["fresh_points"], 64, "{p}");
        let num = |k: &str| p[k].as_f64().expect(k);
        vec![vec![num("fresh_loss_before"), num("fresh_loss_after")]]
    };
    same_curve(&fresh("one"), &fresh("two"));
}

#[test]
fn two_ranks_go_on_with_a_saved_polish_as_one_rank_polishes_in_one_piece() {
    // Every rank reads polish.safetensors (rank 0 alone writes it): two ranks that polish 6
    // iterations and then resume to 15 follow one rank's uninterrupted 15.
    let d = dir("polish_resume");
    let problem = |n: u32| {
        format!(
            "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\n\
             initial u = sin(pi * x)\nboundary on(x): u = 0\nsolve {{\n  net = mlp(layers = 2, width = 8)\n  \
             steps = 20\n  batch = 64\n  batch.initial = 33\n  dtype = f64\n  log_every = 10\n  \
             polish = lbfgs(steps = {n}, batches = 3)\n}}\n"
        )
    };
    std::fs::write(d.join("whole.pde"), problem(15)).expect("write");
    std::fs::write(d.join("pieces.pde"), problem(6)).expect("write");
    let ok = |out: Output| {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    };
    ok(pdec(
        &d,
        1,
        &[
            "solve",
            "whole.pde",
            "--quiet",
            "--no-plots",
            "--out",
            "one",
        ],
    ));
    ok(pdec(
        &d,
        2,
        &[
            "solve",
            "pieces.pde",
            "--quiet",
            "--no-plots",
            "--out",
            "two",
        ],
    ));
    ok(pdec(
        &d,
        2,
        &[
            "solve",
            "--resume",
            "two",
            "--set",
            "polish=lbfgs(steps = 15, batches = 3)",
            "--quiet",
            "--no-plots",
        ],
    ));
    same_curve(&curve(&d.join("one")), &curve(&d.join("two")));
    let summary = |run: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(d.join(run).join("summary.json")).expect("summary"),
        )
        .expect("json")
    };
    let two = summary("two");
    assert_eq!(
        two["polish"]["resumed_at_iteration"], 6,
        "{}",
        two["polish"]
    );
    assert_eq!(
        two["polish"]["iterations"],
        summary("one")["polish"]["iterations"]
    );
}

#[test]
fn fewer_points_than_ranks_is_a_diagnostic() {
    let d = dir("few");
    std::fs::write(
        d.join("p.pde"),
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\n\
         initial u = 0\nboundary none\nsolve {\n  steps = 2\n  batch = 1\n}\n",
    )
    .expect("write");
    let out = pdec(&d, 2, &["solve", "p.pde", "--quiet", "--out", "run"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("pdec::run::too_few_points"),
        "{}",
        text(&out.stderr)
    );
}
