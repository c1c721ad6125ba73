//! `pdec solve NEW.pde --init-from RUN_DIR`: a warm start from a trained run of the heat
//! equation with another diffusivity starts far below a cold start; a longer time keeps the
//! network's function exactly (the weights are rewritten for the new range); another network,
//! other inputs, `--resume` and a folder that is not a run are refused with their codes,
//! nothing written.

mod common;

use common::{ok, out_dir, pdec};
use std::path::{Path, PathBuf};
use std::process::Output;

/// The heat equation `u_t = k u_xx` with its exact solution: `k`, the time's end and extra
/// declarations (a parameter, a wider space) spliced in.
fn heat(k: &str, t_end: &str, space: &str, extra: &str) -> String {
    // In 2-D only what the refusal needs: it comes after the problem compiles.
    let (x, uxx, exact, report) = match space.contains('^') {
        true => ("x[1]) * sin(pi * x[2]", "d(u, x[1], x[1])", "", ""),
        false => (
            "x",
            "d(u, x, x)",
            "exact u = exp(-k * pi^2 * t) * sin(pi * x)\n",
            "report u(0.25, x = 0.5)\n",
        ),
    };
    format!(
        "problem heat\nconst k = {k}\n{extra}time t in [0, {t_end}]\nspace x in {space}\nunknown u(t, x)\npde d(u, t) = k * {uxx}\ninitial u = sin(pi * {x})\nboundary on(x): u = 0\n{exact}{report}solve {{\n  net = mlp(layers = 2, width = 16)\n  steps = 400\n  batch = 128\n  lr = 1e-2\n  clip = 1\n  dtype = f64\n  log_every = 50\n}}\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("scratch dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("problem written");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `total` of loss.csv's first line (step 0: the starting network).
fn first_total(run: &Path) -> f64 {
    let text = std::fs::read_to_string(run.join("loss.csv")).expect("loss.csv");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let i = head.iter().position(|h| *h == "total").expect("total");
    assert_eq!(row[0], "0", "the first row is step 0: {text}");
    row[i].parse().expect("a number")
}

/// A trained base run (k = 1), shared by the tests through its own folder.
fn base(group: &str) -> (PathBuf, PathBuf) {
    let dir = out_dir("warm_start", group);
    let file = write(&dir, "heat.pde", &heat("1", "0.5", "[0, 1]", ""));
    let run = dir.join("base");
    // Trained as the measurement in docs/RESULTS.md ("Warm starts") was, without balancing.
    let out = pdec(&[
        "solve",
        s(&file),
        "--out",
        s(&run),
        "--set",
        "balance=none",
        "--quiet",
        "--no-plots",
    ]);
    ok(&out);
    (dir, run)
}

#[test]
fn warm_start_on_a_changed_coefficient_starts_far_below_a_cold_one() {
    let (dir, run) = base("coefficient");
    let file = write(&dir, "heat11.pde", &heat("1.1", "0.5", "[0, 1]", ""));
    // The totals at step 0 are compared: without balancing, whose multipliers (measured
    // on each starting network) would weigh the two differently.
    let short = [
        "--set",
        "steps=50",
        "--set",
        "balance=none",
        "--quiet",
        "--no-plots",
    ];
    let cold = dir.join("cold");
    ok(&pdec(
        &[&["solve", s(&file), "--out", s(&cold)][..], &short[..]].concat(),
    ));
    let warm = dir.join("warm");
    let out = pdec(
        &[
            &["solve", s(&file), "--out", s(&warm), "--init-from", s(&run)][..],
            &short[..],
        ]
        .concat(),
    );
    ok(&out);
    let (c, w) = (first_total(&cold), first_total(&warm));
    assert!(w * 10.0 < c, "warm start {w}, cold start {c}");
    let settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(warm.join("settings.json")).unwrap())
            .unwrap();
    let from = &settings["init_from"];
    assert_eq!(from["step"].as_u64(), Some(400), "{settings}");
    assert!(
        from["run"].as_str().is_some_and(|r| r.ends_with("base")),
        "{settings}"
    );
    // summary.json says it too.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(warm.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["init_from"], *from, "{summary}");
    // Every seed of a group starts from the same network.
    let group = dir.join("seeds");
    let out = pdec(&[
        "solve",
        s(&file),
        "--out",
        s(&group),
        "--init-from",
        s(&run),
        "--seeds",
        "0,1",
        "--set",
        "steps=5",
        "--quiet",
        "--no-plots",
    ]);
    ok(&out);
    for seed in ["seed-0", "seed-1"] {
        let t = first_total(&group.join(seed));
        assert!(t * 10.0 < c, "{seed} starts at {t}, cold {c}");
    }
}

#[test]
fn a_longer_time_keeps_the_network_s_function() {
    let (dir, run) = base("longer");
    let file = write(&dir, "heat_long.pde", &heat("1", "0.8", "[0, 1]", ""));
    let warm = dir.join("warm");
    let out = pdec(&[
        "solve",
        s(&file),
        "--out",
        s(&warm),
        "--init-from",
        s(&run),
        // One step too small to move the weights (`steps` is at least 1).
        "--set",
        "steps=1",
        "--set",
        "lr=1e-12",
        "--no-plots",
    ]);
    ok(&out);
    assert!(
        flat(&out).contains("the range of t changed"),
        "{}",
        err(&out)
    );
    let at = "t = 0.3, x = 0.7";
    let value = |r: &Path| {
        let o = pdec(&["eval", s(r), "--at", at]);
        ok(&o);
        let t = String::from_utf8_lossy(&o.stdout).into_owned();
        t.rsplit('=')
            .next()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("a value in {t}"))
    };
    let (a, b) = (value(&run), value(&warm));
    assert!(
        (a - b).abs() < 1e-7,
        "base {a}, warm start after a null step {b}"
    );
}

/// What `pdec` printed on standard error as words: miette wraps a message at its width,
/// wherever the paths in it put the break.
fn flat(out: &Output) -> String {
    err(out)
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// A refusal: exit 1 with `code` in the message, the new run's folder never made.
fn refused(out: &Output, code: &str, dir: &Path) {
    assert_eq!(out.status.code(), Some(1), "{}", err(out));
    assert!(flat(out).contains(code), "{}", err(out));
    assert!(!dir.exists(), "{} was written", dir.display());
}

#[test]
fn mismatches_are_refused_with_their_codes() {
    let (dir, run) = base("mismatch");
    let file = write(&dir, "heat11.pde", &heat("1.1", "0.5", "[0, 1]", ""));
    let new = dir.join("new");
    // Another network.
    let out = pdec(&[
        "solve",
        s(&file),
        "--out",
        s(&new),
        "--init-from",
        s(&run),
        "--set",
        "net=mlp(layers = 3, width = 16)",
    ]);
    refused(&out, "pdec::run::init_from_network", &new);
    let said = flat(&out);
    assert!(
        said.contains("mlp(layers = 2, width = 16)")
            && said.contains("mlp(layers = 3, width = 16)"),
        "{said}"
    );
    // A parameter added.
    let param = write(
        &dir,
        "heat_param.pde",
        &heat("1.1", "0.5", "[0, 1]", "param a in [0, 1]\n")
            .replace("x = 0.5)", "x = 0.5, a = 0.5)")
            .replace("k * d(u, x, x)", "k * (1 + a) * d(u, x, x)")
            .replace("exp(-k * pi^2 * t)", "exp(-k * (1 + a) * pi^2 * t)"),
    );
    let out = pdec(&["solve", s(&param), "--out", s(&new), "--init-from", s(&run)]);
    refused(&out, "pdec::run::init_from_inputs", &new);
    assert!(flat(&out).contains("param a"), "{}", err(&out));
    // Another space dimension.
    let wide = write(&dir, "heat2.pde", &heat("1", "0.5", "[0, 1]^2", ""));
    let out = pdec(&["solve", s(&wide), "--out", s(&new), "--init-from", s(&run)]);
    refused(&out, "pdec::run::init_from_inputs", &new);
    assert!(flat(&out).contains("2 components"), "{}", err(&out));
    // With `--resume`.
    let out = pdec(&["solve", "--resume", s(&run), "--init-from", s(&run)]);
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    assert!(
        flat(&out).contains("pdec::cli::init_from_resume"),
        "{}",
        err(&out)
    );
    // A folder that is not a run.
    let out = pdec(&["solve", s(&file), "--out", s(&new), "--init-from", s(&dir)]);
    refused(&out, "pdec::run::not_a_run", &new);
}
