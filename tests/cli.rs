//! The `pdec` binary end to end: commands, exit codes (0 accepted, 1 errors, 2 internal),
//! output formats, and diagnostics that have no `.pde` source of their own
//! ("pdec::load::cannot_read", "pdec::load::too_large", "pdec::load::not_utf8",
//! "pdec::cli::unknown_std_module").

mod common;
use common::pdec;

use std::path::{Path, PathBuf};
use std::process::Output;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

const GOOD: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\ninitial u = 0\nboundary on(x): u = 0\n";

#[test]
fn check_accepts_every_example() {
    let out = pdec(&[
        "check",
        "examples/burgers.pde",
        "examples/american_basket.pde",
        "examples/heat_ball.pde",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches("ok: ").count(), 3, "{stdout}");
}

#[test]
fn errors_exit_1_with_rendered_diagnostics_and_a_summary() {
    let p = scratch("bad.pde");
    std::fs::write(&p, GOOD.replace("d(u, x, x)", "d(u, x, x) + nuu")).expect("write");
    let out = pdec(&["check", p.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("pdec::resolve::unknown_name"), "{err}");
    assert!(err.contains("unknown name `nuu`"), "{err}");
    assert!(err.contains("1 error in"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "NO_COLOR output has escape codes: {err}"
    );
}

#[test]
fn json_message_format_prints_one_object_per_diagnostic() {
    let p = scratch("bad_json.pde");
    std::fs::write(&p, GOOD.replace("d(u, x, x)", "d(u, x, x) + nuu + 1 ** 2")).expect("write");
    let out = pdec(&[
        "check",
        "--message-format",
        "json",
        p.to_str().expect("utf8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(!lines.is_empty());
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON line");
        for key in [
            "severity", "code", "message", "file", "span", "line", "column", "help",
        ] {
            assert!(v.get(key).is_some(), "missing {key} in {l}");
        }
        assert_eq!(v["severity"], "error");
        assert!(v["code"].as_str().is_some_and(|c| c.starts_with("pdec::")));
    }
}

#[test]
fn unreadable_inputs_are_diagnostics() {
    let out = pdec(&["check", "no/such/file.pde"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::load::cannot_read"));

    let big = scratch("big.pde");
    std::fs::write(&big, vec![b' '; 5 * 1024 * 1024]).expect("write");
    let out = pdec(&["check", big.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::load::too_large"));

    let bin = scratch("latin1.pde");
    std::fs::write(&bin, b"problem caf\xe9\n").expect("write");
    let out = pdec(&["check", bin.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::load::not_utf8"));
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let p = scratch("deep.pde");
    let deep = format!(
        "{GOOD}report u(0, x = {}1{})\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    std::fs::write(&p, deep).expect("write");
    let out = pdec(&["check", p.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pdec::syntax::too_deep"));
}

#[test]
fn explain_reports_paths_and_factors() {
    let out = pdec(&["explain", "examples/american_basket.pde"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("Monte Carlo-eligible"), "{s}");
    assert!(
        s.contains("Cholesky factor of a constant 100x100 matrix"),
        "{s}"
    );
    assert!(s.contains("path: monte_carlo"), "{s}");

    let out = pdec(&["explain", "examples/burgers.pde"]);
    let s = text(&out.stdout);
    assert!(s.contains("path: exact"), "{s}");
}

#[test]
fn explain_says_how_adaptive_sampling_draws_the_pde_points() {
    let out = pdec(&[
        "explain",
        "examples/burgers_family.pde",
        "--set",
        "adaptive=residual(power = 2, pool = 8)",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("adaptive: drawn from 8 x batch candidates of that law by |residual|^2 (50% uniform), rebuilt every 100 steps"),
        "{s}"
    );
    let out = pdec(&["explain", "examples/burgers_family.pde"]);
    assert!(!text(&out.stdout).contains("adaptive"));
}

#[test]
fn explain_json_is_the_serialised_plan() {
    let out = pdec(&["explain", "--format", "json", "examples/heat_ball.pde"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(v["problem"], "heat_ball");
    assert_eq!(v["input_width"], 11);
    let names: Vec<&str> = v["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["pde", "initial", "boundary on(x)"]);
}

#[test]
fn explain_names_the_polish_and_its_points() {
    let out = pdec(&[
        "explain",
        "examples/burgers.pde",
        "--set",
        "polish=lbfgs(steps = 10, batches = 3)",
        "--set",
        "batch.pde=100",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains(
            "then polish = lbfgs(steps = 10, batches = 3, history = 20): L-BFGS on 300 fixed points"
        ),
        "{s}"
    );
    // Its own time budget, when it has one.
    let out = pdec(&[
        "explain",
        "examples/burgers.pde",
        "--set",
        "polish=lbfgs(steps = 10, time_limit = 90)",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("then polish = lbfgs(steps = 10, batches = 8, history = 20, time_limit = 90):"),
        "{s}"
    );
}

#[test]
fn set_overrides_settings_and_is_checked() {
    let out = pdec(&[
        "explain",
        "examples/burgers.pde",
        "--set",
        "steps=123",
        "--set",
        "dtype=f64",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("steps = 123") && s.contains("dtype = f64"),
        "{s}"
    );

    let out = pdec(&["check", "examples/burgers.pde", "--set", "stepz=5"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("pdec::settings::unknown_setting") && err.contains("did you mean `steps`?"),
        "{err}"
    );

    // Monte Carlo on a term that cannot be factored is refused with the reason.
    let p = scratch("mixed.pde");
    std::fs::write(
        &p,
        "space x in [0, 1]^2\nunknown u(x)\npde d(u, x[1], x[2]) = 1\nboundary on(x): u = 0\n",
    )
    .expect("write");
    let out = pdec(&[
        "check",
        p.to_str().expect("utf8 path"),
        "--set",
        "second_order=monte_carlo",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::passes::not_factorable"));
    let out = pdec(&["check", p.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn std_lists_and_prints_modules() {
    let out = pdec(&["std"]);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(
        s.contains("std::finance") && s.contains("geomean(x)") && s.contains("std::prelude"),
        "{s}"
    );

    let out = pdec(&["std", "finance"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("fn call(s, k) = max(s - k, 0)"));

    let out = pdec(&["std", "finanse"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("pdec::cli::unknown_std_module") && err.contains("did you mean `finance`?"),
        "{err}"
    );
}

#[test]
fn warnings_do_not_fail_the_check() {
    let p = scratch("warn.pde");
    std::fs::write(&p, format!("param nu in [0, 1]\n{GOOD}")).expect("write");
    let out = pdec(&["check", p.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("pdec::resolve::unused_param"));
}

fn problem_dir(name: &str) -> PathBuf {
    let d = scratch(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

const SMALL: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\nsolve {\n  net = mlp(layers = 1, width = 4)\n  steps = 2\n  batch = 16\n}\n";

#[test]
fn solve_and_eval_refuse_what_they_cannot_do() {
    let dir = problem_dir("refuse");
    let p = dir.join("p.pde");
    std::fs::write(&p, SMALL).expect("write");
    let ps = p.to_str().expect("utf8");

    let out = pdec(&["solve", ps, "--device", "cuda"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::cli::no_device"));
    let out = pdec(&["solve", ps, "--device", "tpu"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::cli::bad_device"));
    let out = pdec(&["solve", ps, "--threads", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::cli::bad_threads"));

    let out = pdec(&["solve", ps, "--quiet", "--out", "/dev/null/run"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pdec::run::io"));

    let run = dir.join("run");
    let out = pdec(&[
        "solve",
        ps,
        "--quiet",
        "--threads",
        "2",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let settings = std::fs::read_to_string(run.join("settings.json")).expect("settings");
    assert!(settings.contains("\"threads\": 2"), "{settings}");

    let out = pdec(&["eval", run.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::cli::nothing_to_evaluate"));

    let out = pdec(&[
        "eval",
        dir.to_str().expect("utf8"),
        "--at",
        "t = 0, x = 0.5",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::run::not_a_run"));

    // Points from a CSV file, written to another.
    let pts = dir.join("points.csv");
    std::fs::write(&pts, "x,t\n0.5,0\n0.25,0.5\n").expect("write");
    let res = dir.join("values.csv");
    let out = pdec(&[
        "eval",
        run.to_str().expect("utf8"),
        "--points",
        pts.to_str().expect("utf8"),
        "--output",
        res.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&res).expect("values");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "t,x,u");
    assert_eq!(lines.len(), 3);
    let at = pdec(&[
        "eval",
        run.to_str().expect("utf8"),
        "--at",
        "t = 0, x = 0.5",
    ]);
    let v: f64 = text(&at.stdout)
        .rsplit('=')
        .next()
        .and_then(|v| v.trim().parse().ok())
        .expect("value");
    let w: f64 = lines[1]
        .rsplit(',')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("csv value");
    assert!((v - w).abs() < 1e-6, "{v} vs {w}");

    // A corrupt model is a diagnostic, not a panic.
    std::fs::write(run.join("model.safetensors"), b"not a model").expect("write");
    let out = pdec(&[
        "eval",
        run.to_str().expect("utf8"),
        "--at",
        "t = 0, x = 0.5",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pdec::run::bad_checkpoint"));
}

#[test]
fn reference_tables_are_checked_before_training() {
    let dir = problem_dir("reference");
    let sub = dir.join("problem");
    std::fs::create_dir_all(&sub).expect("dir");
    let p = sub.join("p.pde");
    let ps = p.to_str().expect("utf8");
    let run = |csv: &str| {
        std::fs::write(&p, format!("{SMALL}reference \"{csv}\"\n")).expect("write");
        pdec(&[
            "solve",
            ps,
            "--quiet",
            "--out",
            dir.join("run").to_str().expect("utf8"),
        ])
    };
    let out = run("missing.csv");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::load::reference_missing"));

    std::fs::write(dir.join("outside.csv"), "t,x,u\n0,0,0\n").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("outside.csv"), sub.join("link.csv")).expect("symlink");
    let out = run("link.csv");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pdec::load::reference_outside_folder"));

    std::fs::write(sub.join("bad.csv"), "t,u\n0,1\n").expect("write");
    let out = run("bad.csv");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pdec::load::bad_table")
            && text(&out.stderr).contains("no column `x`")
    );

    std::fs::write(sub.join("good.csv"), "t,x,u\n0,0.5,1\n0.5,0.5,0.0072\n").expect("write");
    let out = run("good.csv");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("against the reference table"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn problems_the_solver_cannot_compute_are_refused_before_training() {
    let dir = problem_dir("unsupported");
    let p = dir.join("p.pde");
    std::fs::write(
        &p,
        "space x in [0, 1]^100\nunknown u(x)\nboundary none\npde sum(i in 1..100, j in 1..100) d(u, x[i], x[j])^2 = 1\nsolve { steps = 1 }\n",
    )
    .expect("write");
    let file = p.to_str().expect("utf8");
    let run = dir.join("run");
    // Refused while planning: by `pdec check` as by `pdec solve`, before any run directory.
    for args in [
        vec!["check", file],
        vec![
            "solve",
            file,
            "--quiet",
            "--out",
            run.to_str().expect("utf8"),
        ],
    ] {
        let out = pdec(&args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("pdec::plan::too_many_mixed_derivatives"),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(!run.exists(), "no run directory for a refused problem");
}

#[test]
fn a_nan_loss_stops_the_run_with_exit_3_naming_the_term() {
    let dir = problem_dir("nan");
    let p = dir.join("p.pde");
    std::fs::write(
        &p,
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x) + sqrt(u - 10)\ninitial u = 0\nboundary on(x): u = 0\nsolve {\n  steps = 5\n  batch = 16\n}\n",
    )
    .expect("write");
    let run = dir.join("run");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--quiet",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("the loss term `pde`") && err.contains("p.pde:4:5") && err.contains("NaN"),
        "{err}"
    );
    // The last good model is kept.
    assert!(run.join("model.safetensors").is_file());
}

#[test]
fn learning_rate_schedules() {
    use pdec_lang::settings::{RunSettings, Schedule};
    let mut s = RunSettings {
        lr: 1e-2,
        steps: 100,
        ..RunSettings::default()
    };
    s.lr_schedule = Schedule::Constant;
    assert_eq!(pdec_solve::train::learning_rate(&s, 77, 0.0), 1e-2);
    s.lr_schedule = Schedule::Step {
        every: 10,
        factor: 0.5,
    };
    assert!((pdec_solve::train::learning_rate(&s, 25, 0.0) - 2.5e-3).abs() < 1e-15);
    s.lr_schedule = Schedule::Exponential {
        every: 10,
        factor: 0.5,
    };
    assert!((pdec_solve::train::learning_rate(&s, 5, 0.0) - 1e-2 * 0.5f64.sqrt()).abs() < 1e-15);
    s.lr_schedule = Schedule::Cosine { min_lr: 1e-4 };
    assert!((pdec_solve::train::learning_rate(&s, 0, 0.0) - 1e-2).abs() < 1e-15);
    assert!(
        (pdec_solve::train::learning_rate(&s, 50, 0.0) - (1e-4 + (1e-2 - 1e-4) * 0.5)).abs()
            < 1e-12
    );
    assert!((pdec_solve::train::learning_rate(&s, 100, 0.0) - 1e-4).abs() < 1e-15);
    // With a time limit, the cosine follows the budget that is further along.
    s.time_limit = Some(10.0);
    assert!(
        (pdec_solve::train::learning_rate(&s, 0, 5.0) - (1e-4 + (1e-2 - 1e-4) * 0.5)).abs() < 1e-12
    );
    assert!((pdec_solve::train::learning_rate(&s, 0, 20.0) - 1e-4).abs() < 1e-15);
}

#[test]
fn bench_prints_one_json_row_per_case() {
    let out = pdec(&[
        "bench",
        "--d",
        "1,3",
        "--path",
        "exact,mc,mc_values,mc_gradients",
        "--dtype",
        "f32",
        "--batch",
        "8",
        "--width",
        "4",
        "--layers",
        "1",
        "--steps",
        "1",
        "--warmup",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect();
    // `mc_values` names the default `mc`: one row for the two.
    assert_eq!(rows.len(), 6);
    let paths: Vec<&str> = rows.iter().filter_map(|r| r["path"].as_str()).collect();
    assert_eq!(
        paths,
        ["exact", "exact", "mc", "mc", "mc_gradients", "mc_gradients"]
    );
    for r in &rows {
        for key in [
            "d",
            "path",
            "dtype",
            "batch",
            "width",
            "ms_per_step",
            "peak_mem_mb",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert!(r["ms_per_step"].as_f64().expect("ms") > 0.0);
    }
    let out = pdec(&["bench", "--path", "quadrature"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::cli::bad_bench"));
}

#[test]
fn reference_hjb_prints_an_estimate_with_its_interval() {
    let out = pdec(&["reference", "hjb", "--d", "10", "--samples", "20000"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("+-") && s.contains("95%"), "{s}");
    let out = pdec(&["reference", "hjb", "--t", "2"]);
    assert_eq!(out.status.code(), Some(1));
}

/// `pdec reference burgers-family` writes `t,x,nu,alpha,a,b,u` rows at the given parameter
/// points (refusing a malformed point), and a problem with parameters reports the reference
/// errors at each parameter point of its table.
#[test]
fn parametric_reference_tables_report_each_parameter_point() {
    let dir = problem_dir("family");
    let csv = dir.join("family.csv");
    let cs = csv.to_str().expect("utf8");
    let out = pdec(&[
        "reference",
        "burgers-family",
        "--at",
        "0.05,oops",
        "--out",
        cs,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!csv.exists(), "nothing written for a bad point");
    let out = pdec(&[
        "reference",
        "burgers-family",
        "--at",
        "0.05,0.5,-1,1",
        "--at",
        "0.1,0.01,1,0",
        "--nt",
        "3",
        "--nx",
        "5",
        "--out",
        cs,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = std::fs::read_to_string(&csv).expect("table");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "t,x,nu,alpha,a,b,u");
    assert_eq!(lines.len(), 1 + 2 * 3 * 5);
    // t = 0 is the initial line a + (b - a) x; x = 1 is the boundary value b.
    assert_eq!(lines[2], "0,0.25,0.05,0.5,-1,1,-0.500000000000");
    assert!(
        lines[15].starts_with("1,1,0.05,0.5,-1,1,1.0000000000"),
        "{}",
        lines[15]
    );

    let (_, run, out) = solve_tiny_family(&dir, "family.csv");
    assert!(
        text(&out.stdout).contains("at nu = 0.1, alpha = 0.01, a = 1, b = 0: relative L2 error"),
        "{}",
        text(&out.stdout)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).expect("summary"))
            .expect("json");
    let groups = summary["reference_by_parameters"]
        .as_array()
        .expect("groups");
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["points"], 15);
    assert_eq!(groups[0]["at"][0][0], "nu");
    assert_eq!(groups[0]["at"][0][1], 0.05);
    let csv = std::fs::read_to_string(run.join("loss.csv")).expect("loss.csv");
    assert!(
        csv.starts_with("step,wall_s,lr,reference_rel_l2,total,"),
        "{csv}"
    );
}

/// A run keeps a copy of its reference table: after the problem file and its table are gone
/// and the run directory has moved, `--resume` still reports against the table and `pdec
/// plot` still draws the error picture; without the copy, the plot says why it draws none.
#[test]
fn a_run_keeps_its_reference_table_for_a_resume_and_a_plot_after_a_move() {
    let dir = problem_dir("moved_run");
    let sub = dir.join("tables");
    std::fs::create_dir_all(&sub).expect("dir");
    let csv = sub.join("family.csv");
    write_family_table(&csv);
    let table = std::fs::read_to_string(&csv).expect("table");
    let (p, run, _) = solve_tiny_family(&dir, "tables/family.csv");
    let copy = run.join("reference").join("tables").join("family.csv");
    assert_eq!(std::fs::read_to_string(&copy).expect("copy"), table);

    // A run from before copies resumes from the original table and gets its copy then.
    std::fs::remove_dir_all(run.join("reference")).expect("rm");
    let rs = run.to_str().expect("utf8");
    let out = pdec(&["solve", "--resume", rs, "--set", "steps=3", "--no-plots"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&copy).expect("copy"), table);

    // The originals gone, the run moved.
    std::fs::remove_dir_all(&sub).expect("rm");
    std::fs::remove_file(&p).expect("rm");
    let moved = dir.join("elsewhere");
    std::fs::rename(&run, &moved).expect("mv");
    let ms = moved.to_str().expect("utf8");
    let out = pdec(&["solve", "--resume", ms, "--set", "steps=4", "--no-plots"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("at nu = 0.05, alpha = 0.5, a = -1, b = 1: relative L2 error"),
        "{}",
        text(&out.stdout)
    );
    let out = pdec(&["plot", ms]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(moved.join("error.png").is_file());

    // Without the copy the plot still draws the solution and says why error.png is missing.
    std::fs::remove_dir_all(moved.join("reference")).expect("rm");
    std::fs::remove_file(moved.join("error.png")).expect("rm");
    let out = pdec(&["plot", ms]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!moved.join("error.png").exists());
    assert!(
        text(&out.stderr)
            .contains("the run directory has no copy of the reference table `tables/family.csv`"),
        "{}",
        text(&out.stderr)
    );
    // Nor can a resume go on: a diagnostic that says where to put the table, the run intact.
    let losses = std::fs::read_to_string(moved.join("loss.csv")).expect("loss.csv");
    let out = pdec(&["solve", "--resume", ms, "--set", "steps=6", "--no-plots"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("pdec::load::reference_missing"), "{err}");
    assert!(
        err.contains("the run directory has no copy of its reference table"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(moved.join("loss.csv")).expect("loss.csv"),
        losses
    );
}

/// A table named through a symlink is copied under the name the problem writes,
/// where the resume and the plot look for it; a copy that no longer fits the problem is
/// called that, not missing.
#[cfg(unix)]
#[test]
fn a_reference_named_through_a_symlink_is_found_in_the_runs_copy() {
    let dir = problem_dir("symlinked_reference");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("dir");
    std::os::unix::fs::symlink(&data, dir.join("link")).expect("symlink");
    let csv = data.join("family.csv");
    write_family_table(&csv);
    // On the disk the table is `data/family.csv`; the copy keeps the name the problem reads.
    let (p, run, _) = solve_tiny_family(&dir, "link/family.csv");
    let copy = run.join("reference").join("link").join("family.csv");
    assert_eq!(
        std::fs::read_to_string(&copy).expect("copy"),
        std::fs::read_to_string(&csv).expect("table")
    );
    std::fs::remove_dir_all(&data).expect("rm");
    std::fs::remove_file(&p).expect("rm");
    let rs = run.to_str().expect("utf8");
    let out = pdec(&["solve", "--resume", rs, "--set", "steps=3", "--no-plots"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("at nu = 0.05, alpha = 0.5, a = -1, b = 1: relative L2 error"),
        "{}",
        text(&out.stdout)
    );
    let out = pdec(&["plot", rs]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(run.join("error.png").is_file());

    // A copy that is there but does not parse is not reported as missing.
    std::fs::write(&copy, "t,x,u\n0,0,1\n").expect("write");
    std::fs::remove_file(run.join("error.png")).expect("rm");
    let out = pdec(&["plot", rs]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!run.join("error.png").exists());
    let err = text(&out.stderr);
    assert!(err.contains("does not fit the problem"), "{err}");
    assert!(!err.contains("no copy"), "{err}");
}

/// `pdec reference burgers-family` at one parameter point (3 times x 5 places) into `csv`.
fn write_family_table(csv: &Path) {
    let out = pdec(&[
        "reference",
        "burgers-family",
        "--at",
        "0.05,0.5,-1,1",
        "--nt",
        "3",
        "--nx",
        "5",
        "--out",
        csv.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// `dir/family.pde`, the Burgers family on a 4-wide network for 2 steps with `reference
/// "REFERENCE"`, solved into `dir/run`: the problem file, the run and the output.
fn solve_tiny_family(dir: &Path, reference: &str) -> (PathBuf, PathBuf, Output) {
    let src = format!(
        "problem family\nparam nu in [0.01, 0.1]\nparam alpha in [0.01, 1]\nparam a in [-1, 1]\nparam b in [-1, 1]\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = nu * d(u, x, x) - alpha * u * d(u, x)\ninitial u = a + (b - a) * x\nboundary x = 0: u = a\nboundary x = 1: u = b\nreference \"{reference}\"\nsolve {{\n  net = mlp(layers = 1, width = 4)\n  steps = 2\n  batch = 16\n}}\n"
    );
    let p = dir.join("family.pde");
    std::fs::write(&p, src).expect("write");
    let run = dir.join("run");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--no-plots",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (p, run, out)
}
