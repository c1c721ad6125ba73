//! Issue 6, the resource guard: `pdec solve` estimates the memory of a training step from the
//! plan and refuses, before allocating, when it exceeds the available memory or
//! `--max-memory`, naming the setting to lower (`pdec::run::too_much_memory`).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn pdec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(args)
        .output()
        .expect("pdec runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn problem(name: &str) -> (PathBuf, PathBuf) {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("memory-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    let p = d.join("heat.pde");
    std::fs::write(
        &p,
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\n\
         initial u = sin(pi * x)\nboundary on(x): u = 0\n\
         solve {\n  net = mlp(layers = 1, width = 4)\n  steps = 2\n  batch = 16\n}\n",
    )
    .expect("write");
    (d.clone(), p)
}

#[test]
fn an_absurd_batch_is_refused_before_allocating() {
    let (d, p) = problem("absurd");
    let run = d.join("run");
    let start = Instant::now();
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--set",
        "batch=100000000",
        "--set",
        "net=dgm(layers = 3, width = 512)",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    let took = start.elapsed();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("pdec::run::too_much_memory"), "{err}");
    assert!(err.contains("`batch`"), "names the setting: {err}");
    assert!(took < Duration::from_secs(5), "refused in {took:?}");
    assert!(!run.exists(), "no run directory for a refused run");

    // JSON: the label is on the `--set` value that decided it.
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--set",
        "batch=100000000",
        "--message-format",
        "json",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    let err = text(&out.stderr);
    assert!(err.contains("\"pdec::run::too_much_memory\""), "{err}");
    assert!(err.contains("\"file\":\"--set\""), "{err}");
}

#[test]
fn max_memory_limits_a_normal_problem() {
    let (d, p) = problem("limit");
    let run = d.join("run");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--max-memory",
        "1M",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("pdec::run::too_much_memory"), "{err}");
    assert!(err.contains("--max-memory"), "{err}");
    assert!(!run.exists());

    // The same problem under a sufficient limit trains.
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--max-memory",
        "4G",
        "--quiet",
        "--no-plots",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A malformed size is a usage error.
    let out = pdec(&["solve", p.to_str().expect("utf8"), "--max-memory", "8X"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("unknown unit"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn many_exact_directions_name_the_second_order_setting() {
    let (d, _) = problem("exact");
    let p = d.join("wide.pde");
    std::fs::write(
        &p,
        "const d = 2000\ntime t in [0, 1]\nspace x in [-1, 1]^d\nunknown u(t, x)\nboundary none\n\
         pde d(u, t) = 0.5 * lap(u)\ninitial u = 0\n\
         solve {\n  second_order = exact\n  batch = 4096\n  net = dgm(layers = 3, width = 256)\n}\n",
    )
    .expect("write");
    let out = pdec(&["solve", p.to_str().expect("utf8"), "--max-memory", "64G"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("pdec::run::too_much_memory"), "{err}");
    assert!(err.contains("second_order"), "{err}");
}

#[test]
fn the_polish_points_count_against_the_memory() {
    // The L-BFGS polish keeps `batches` batches of every term on the host: 1024 batches of
    // 100,000 PDE points (and 25,000 per condition) is some 5 GB; the step alone is not.
    let (d, p) = problem("polish");
    let run = d.join("run");
    let args = |polish: bool| {
        let mut a = vec![
            "solve".to_string(),
            p.to_str().expect("utf8").to_string(),
            "--set".into(),
            "batch=100000".into(),
            "--max-memory".into(),
            "2G".into(),
            "--quiet".into(),
            "--no-plots".into(),
            "--out".into(),
            run.to_str().expect("utf8").to_string(),
        ];
        if polish {
            a.extend([
                "--set".into(),
                "polish=lbfgs(steps = 1, batches = 1024)".into(),
            ]);
        }
        a
    };
    let with: Vec<String> = args(true);
    let out = pdec(&with.iter().map(String::as_str).collect::<Vec<_>>());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("pdec::run::too_much_memory"), "{err}");
    assert!(err.contains("fewer `polish` batches (now 1024"), "{err}");
    assert!(!run.exists(), "no run directory for a refused run");
    let without: Vec<String> = args(false);
    let out = pdec(&without.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// The estimate counts the `[N, d]` rows of points, noise and shifted points and the input
/// layer's parameter copies: at d = 20,000 (batch 1024, DGM 3 x 50, f32) it stays within
/// -25% .. +35% of the peaks `pdec bench` measured (docs/RELIABILITY.md, "Memory guard"),
/// where the `[N, width]` model alone was 4 to 9 times under them at d = 100,000.
#[test]
fn the_estimate_counts_rows_as_wide_as_the_input() {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("memory-wide");
    std::fs::create_dir_all(&d).expect("dir");
    // (noise, measured peak in MiB): `pdec bench --d 20000 --path mc,mc_coordinates
    // --batch 1024 --width 50 --dtype f32`, 2026-12-07.
    for (noise, measured) in [("rademacher", 3233.0), ("coordinates", 1815.0)] {
        let p = d.join(format!("heat_{noise}.pde"));
        std::fs::write(
            &p,
            format!(
                "const d = 20000\ntime t in [0, 1]\nspace x in [-1, 1]^d\nunknown u(t, x)\n\
                 boundary none\npde d(u, t) = 0.5 * lap(u)\ninitial u = sum(i in 1..d) x[i]^2 / d\n\
                 solve {{\n  net = dgm(layers = 3, width = 50)\n  batch = 1024\n  lr = 1e-4\n  \
                 second_order = monte_carlo()\n  mc_noise = {noise}\n  dtype = f32\n}}\n"
            ),
        )
        .expect("write");
        let out = pdec(&["solve", p.to_str().expect("utf-8"), "--max-memory", "1M"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let gib: f64 = stderr
            .split("needs about ")
            .nth(1)
            .and_then(|rest| rest.split(" GiB").next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("an estimate in GiB: {stderr}"));
        let ratio = gib * 1024.0 / measured;
        assert!(
            (0.75..=1.35).contains(&ratio),
            "{noise}: estimate {gib} GiB against {measured} MiB measured (ratio {ratio:.2})"
        );
    }
}
