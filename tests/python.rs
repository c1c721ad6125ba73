//! Issue 39: the Python package. The test builds the wheel from `python/` with maturin
//! (`.ci/python-wheel`, which keeps maturin in a virtual environment under the target folder
//! and builds into cargo's target folder, so after `cargo test --release` has built pdec it
//! compiles only pyo3, numpy and the module), installs it into a fresh virtual environment
//! (with numpy from the package index), and runs Python there: a short solve, `eval` and
//! `gradient` as numpy arrays equal to what `pdec eval --points` and `pdec export --gradient`
//! give on the same run directory, the losses and the summary, `pdec.check` and the
//! exceptions' codes and spans, warnings, and Ctrl-C during a training.
//!
//! It needs Python 3 with its `venv` module and the network the first time (maturin and
//! numpy); without them it fails and says so.

mod common;
use common::{ok, out_dir, pdec, root};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The target folder (`target/`, or `CARGO_TARGET_DIR`): where cargo built pdec.
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// The wheel, built once per test binary by `.ci/python-wheel`.
fn wheel() -> PathBuf {
    static WHEEL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WHEEL
        .get_or_init(|| {
            let out = out_dir("python", "wheels");
            let start = Instant::now();
            let built = Command::new(root().join(".ci/python-wheel"))
                .arg(&out)
                .env("CARGO_TARGET_DIR", target_dir())
                .current_dir(root())
                .output()
                .expect(".ci/python-wheel runs");
            assert!(
                built.status.success(),
                "building the wheel failed (it needs python3 with `venv` and, the first time, the network for maturin):\n{}",
                text(&built)
            );
            eprintln!(
                "the wheel was built in {:.1} s",
                start.elapsed().as_secs_f64()
            );
            let path = PathBuf::from(String::from_utf8_lossy(&built.stdout).trim());
            assert!(
                path.is_file()
                    && path.starts_with(&out)
                    && path.extension().is_some_and(|e| e == "whl"),
                "not a wheel: {}",
                path.display()
            );
            path
        })
        .clone()
}

/// A fresh virtual environment with the wheel installed (once per test binary): its python.
fn python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let wheel = wheel();
            let venv = out_dir("python", "venv");
            let made = Command::new("python3")
                .args(["-m", "venv", s(&venv)])
                .output()
                .expect("python3 runs");
            assert!(
                made.status.success(),
                "python3 -m venv failed (Debian: apt-get install python3-venv):\n{}",
                text(&made)
            );
            let python = venv.join("bin/python");
            let installed = Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    s(&wheel),
                ])
                .output()
                .expect("pip runs");
            assert!(
                installed.status.success(),
                "installing the wheel failed (numpy comes from the package index):\n{}",
                text(&installed)
            );
            python
        })
        .clone()
}

/// Runs `code` with the venv's python from the project's root, with `args`; asserts that
/// it succeeded and returns the JSON it printed last.
fn run_python(code: &str, args: &[&str]) -> Value {
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .current_dir(root())
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
}

/// A problem small enough to train in well under a second: the 1-D heat equation in f64.
const SETTINGS: &str = r#"{"steps": 40, "net": "mlp(layers = 2, width = 8)", "batch": 64, "log_every": 10, "dtype": "f64"}"#;

/// The points `solve_eval_gradient.py` evaluates at (t, x).
const POINTS: &[[f64; 2]] = &[[0.0, 0.0], [0.1, 0.25], [0.25, 0.5], [0.4, 0.9], [0.5, 1.0]];

const SOLVE: &str = r#"
import json, sys, pathlib
import numpy as np
import pdec

out, points, settings = sys.argv[1], np.array(json.loads(sys.argv[2])), json.loads(sys.argv[3])
run = pdec.solve("tests/problems/heat1d.pde", set=settings, seed=3, out=out, quiet=True, plots=False)
assert isinstance(run, pdec.Run) and run.dir == pathlib.Path(out), run.dir
assert run.inputs == ["t", "x"], run.inputs
u = run.eval(points)
g = run.gradient(points)
assert isinstance(u, np.ndarray) and u.dtype == np.float64 and u.shape == (len(points),), (type(u), u.dtype, u.shape)
assert isinstance(g, np.ndarray) and g.dtype == np.float64 and g.shape == (len(points), 2), (type(g), g.dtype, g.shape)
# One point as a 1-D array is one row.
assert run.eval(points[2]).tolist() == [u[2]]
# d/dt by central differences of eval (f64 network, step 1e-6).
h = 1e-6
dt = (run.eval(points + [h, 0]) - run.eval(points - [h, 0])) / (2 * h)
assert np.allclose(g[:, 0], dt, rtol=1e-6, atol=1e-6), (g[:, 0], dt)
# The same run opened again evaluates alike.
again = pdec.open(out)
assert np.array_equal(again.eval(points), u) and np.array_equal(again.gradient(points), g)
summary, loss, history = run.summary, run.loss, run.history
assert summary["steps"] == 40 and summary["seed"] == 3 and summary["stopped"] == "steps", summary
assert loss == summary["final_loss"] and sorted(loss) == ["boundary on(x)", "initial", "pde"], loss
assert history["step"].tolist() == [0, 10, 20, 30, 39], history["step"]
assert all(isinstance(v, np.ndarray) and len(v) == 5 for v in history.values())
assert abs(history["pde"][-1] - loss["pde"]) <= 1e-6 * loss["pde"], (history["pde"], loss)
assert run.settings["seed"] == 3
print(json.dumps({"u": u.tolist(), "g": g.tolist(), "report": summary["reports"][0]["value"]}))
"#;

/// A short solve from Python, and its run directory read back by the `pdec` binary: `eval`
/// equals `pdec eval --points` value for value, `gradient`'s space column equals `pdec export
/// --gradient`'s, and the report summary.json holds equals `pdec eval --at` there.
#[test]
fn a_solve_from_python_evaluates_as_the_command_line_does() {
    let dir = out_dir("python", "solve");
    let points = serde_json::to_string(POINTS).expect("json");
    let got = run_python(SOLVE, &[s(&dir), &points, SETTINGS]);
    let u: Vec<f64> = serde_json::from_value(got["u"].clone()).expect("u");
    let g: Vec<Vec<f64>> = serde_json::from_value(got["g"].clone()).expect("g");

    let csv = dir.with_extension("points.csv");
    let mut table = String::from("t,x\n");
    for p in POINTS {
        table.push_str(&format!("{},{}\n", p[0], p[1]));
    }
    std::fs::write(&csv, table).expect("points.csv");
    let values = dir.with_extension("values.csv");
    ok(&pdec(&[
        "eval",
        s(&dir),
        "--points",
        s(&csv),
        "--output",
        s(&values),
    ]));
    let mut rows = csv::Reader::from_path(&values).expect("values.csv");
    let cli: Vec<f64> = rows
        .records()
        .map(|r| r.expect("row")[2].parse().expect("u"))
        .collect();
    assert_eq!(u, cli, "eval from Python against pdec eval --points");

    let exported = dir.with_extension("gradient.csv");
    ok(&pdec(&[
        "export",
        s(&dir),
        "--points",
        s(&csv),
        "--gradient",
        "--output",
        s(&exported),
    ]));
    let mut rows = csv::Reader::from_path(&exported).expect("gradient.csv");
    assert_eq!(
        rows.headers().expect("header").iter().collect::<Vec<_>>(),
        ["t", "x", "u", "du_dx"]
    );
    for (r, row) in rows.records().enumerate() {
        let row = row.expect("row");
        let du_dx: f64 = row[3].parse().expect("du_dx");
        let from_python = g[r][1];
        assert!(
            (from_python - du_dx).abs() <= 1e-12 * (1.0 + du_dx.abs()),
            "point {r}: du/dx {from_python} from Python, {du_dx} from pdec export"
        );
        let value: f64 = row[2].parse().expect("u");
        assert_eq!(value, u[r]);
    }

    let report = got["report"].as_f64().expect("report");
    let at = common::eval_at(&dir, "t = 0.25, x = 0.5");
    assert!(
        (report - at).abs() <= 1e-7 * (1.0 + at.abs()),
        "{report} vs {at}"
    );
}

const ERRORS: &str = r#"
import json, pickle, sys, warnings
import numpy as np
import pdec

broken, heat, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}

diags = pdec.check(broken)
assert [d.code for d in diags] == ["pdec::resolve::unknown_name"], diags
d = diags[0]
text = open(broken, encoding="utf-8").read().encode()
out["check"] = {"code": d.code, "severity": d.severity, "line": d.span.line, "column": d.span.column,
                "spanned": text[d.span.start:d.span.end].decode(), "file": d.span.file, "help": d.help,
                "label": d.label, "in_text": "unknown name `nuu`" in d.text}
assert pdec.check(heat) == []
missing = pdec.check(scratch + "/missing.pde")
out["missing_file"] = [(m.code, m.span) for m in missing]

def error(f):
    try:
        f()
    except pdec.PdecError as e:
        assert isinstance(e.diagnostics[0], pdec.Diagnostic)
        again = pickle.loads(pickle.dumps(e))
        assert (again.code, again.diagnostics, again.exit_code) == (e.code, e.diagnostics, e.exit_code)
        return {"code": e.code, "exit_code": e.exit_code, "message": e.message,
                "span": None if e.diagnostics[0].span is None else [e.diagnostics[0].span.line, e.diagnostics[0].span.column],
                "str": str(e)}
    raise AssertionError("no PdecError")

out["bad_file"] = error(lambda: pdec.solve(broken, out=scratch + "/never", quiet=True))
out["bad_setting"] = error(lambda: pdec.solve(heat, set={"stepz": 10}, out=scratch + "/never", quiet=True))
out["bad_seed"] = error(lambda: pdec.solve(heat, seed=-1, out=scratch + "/never", quiet=True))
out["missing_run"] = error(lambda: pdec.open(scratch + "/never"))
out["bad_log_every"] = error(lambda: pdec.solve(heat, log_every=0, quiet=True))
out["bad_memory"] = error(lambda: pdec.solve(heat, max_memory="lots", quiet=True))

run = pdec.solve(heat, set={"steps": 3, "net": "mlp(layers = 1, width = 4)", "batch": 16}, out=scratch + "/tiny", quiet=True, plots=False, tensorboard=False)
out["bad_points_width"] = error(lambda: run.eval(np.zeros((2, 3))))
out["bad_points_nan"] = error(lambda: run.gradient(np.array([[0.1, float("nan")]])))
out["bad_points_text"] = error(lambda: run.eval([["a", "b"]]))
out["bad_points_shape"] = error(lambda: run.eval(np.zeros((2, 2, 2))))
assert run.eval(np.zeros((0, 2))).shape == (0,) and run.gradient(np.zeros((0, 2))).shape == (0, 2)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pdec.solve(sys.argv[4], set={"steps": 2, "net": "mlp(layers = 1, width = 4)", "batch": 16}, out=scratch + "/warned", quiet=True, plots=False, tensorboard=False)
out["warnings"] = [(w.category.__name__, w.message.diagnostic.code, w.message.diagnostic.span.line, w.filename == "<string>") for w in caught]
print(json.dumps(out))
"#;

/// `pdec.check` gives the diagnostics as objects with the code and the span of the text;
/// every failure is a `PdecError` with the first error's code and the command's exit code;
/// warnings are `PdecWarning`s.
#[test]
fn errors_are_exceptions_that_carry_the_diagnostics() {
    let scratch = out_dir("python", "errors");
    std::fs::create_dir_all(&scratch).expect("scratch");
    let warned = scratch.join("warned.pde");
    let heat = std::fs::read_to_string(root().join("tests/problems/heat1d.pde")).expect("heat1d");
    std::fs::write(
        &warned,
        heat.replace("time t", "const never_used = 3\ntime t"),
    )
    .expect("warned.pde");
    let got = run_python(
        ERRORS,
        &[
            "tests/ui/resolve/unknown_name.pde",
            "tests/problems/heat1d.pde",
            s(&scratch),
            s(&warned),
        ],
    );
    let check = &got["check"];
    assert_eq!(check["code"], "pdec::resolve::unknown_name");
    assert_eq!(check["severity"], "error");
    assert_eq!(
        (&check["line"], &check["column"]),
        (&Value::from(6), &Value::from(15))
    );
    assert_eq!(check["spanned"], "nuu");
    assert_eq!(check["file"], "tests/ui/resolve/unknown_name.pde");
    assert_eq!(check["help"], "did you mean `nu`?");
    assert_eq!(check["label"], "not declared");
    assert_eq!(check["in_text"], true);
    assert_eq!(
        got["missing_file"],
        serde_json::json!([["pdec::load::cannot_read", null]])
    );

    let error = |key: &str, code: &str, exit_code: i64| {
        let e = &got[key];
        assert_eq!(e["code"], code, "{key}: {e}");
        assert_eq!(e["exit_code"], exit_code, "{key}: {e}");
        assert!(
            e["str"].as_str().is_some_and(|t| t.contains(code)),
            "{key}: {e}"
        );
        e.clone()
    };
    let bad_file = error("bad_file", "pdec::resolve::unknown_name", 1);
    assert_eq!(bad_file["span"], serde_json::json!([6, 15]));
    assert_eq!(bad_file["message"], "unknown name `nuu`");
    let bad_setting = error("bad_setting", "pdec::settings::unknown_setting", 1);
    assert!(
        bad_setting["str"]
            .as_str()
            .is_some_and(|t| t.contains("did you mean `steps`?")),
        "{bad_setting}"
    );
    error("bad_seed", "pdec::settings::out_of_range", 1);
    error("missing_run", "pdec::run::not_a_run", 1);
    error("bad_log_every", "pdec::python::bad_argument", 1);
    error("bad_memory", "pdec::python::bad_argument", 1);
    for key in [
        "bad_points_width",
        "bad_points_nan",
        "bad_points_text",
        "bad_points_shape",
    ] {
        error(key, "pdec::python::bad_points", 1);
    }
    assert!(
        !scratch.join("never").exists(),
        "a failed solve wrote a run directory"
    );
    assert_eq!(
        got["warnings"],
        serde_json::json!([["PdecWarning", "pdec::resolve::unused_const", 3, true]])
    );
}

const INTERRUPTED: &str = r#"
import json, signal, sys
import pdec

# Python's own Ctrl-C handler, even where the test runner started it with SIGINT ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)
out = sys.argv[1]
try:
    pdec.solve("tests/problems/heat1d.pde", set={"steps": 10000000, "log_every": 10}, out=out, quiet=True, plots=False)
    raise AssertionError("the training was not stopped")
except KeyboardInterrupt as e:
    run = pdec.open(e.run_dir)
    summary = run.summary
    more = pdec.resume(e.run_dir, set={"steps": summary["steps"] + 5}, quiet=True, plots=False)
    print(json.dumps({"run_dir": e.run_dir, "stopped": summary["stopped"], "steps": summary["steps"],
                      "resumed": more.summary["steps"], "resumed_stopped": more.summary["stopped"]}))
"#;

/// Ctrl-C while `pdec.solve` trains (with the GIL released) stops the training at its next
/// step, as it stops `pdec solve`: the run directory is complete, and KeyboardInterrupt names
/// it; `pdec.resume` goes on from its checkpoint.
#[test]
fn ctrl_c_stops_a_training_cleanly() {
    let dir = out_dir("python", "interrupted");
    let child = Command::new(python())
        .arg("-c")
        .arg(INTERRUPTED)
        .arg(s(&dir))
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    // Interrupt once it has logged a few steps.
    let start = Instant::now();
    let loss = dir.join("loss.csv");
    while std::fs::read_to_string(&loss).map_or(0, |t| t.lines().count()) < 4 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the training did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = child.wait_with_output().expect("python ends");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(got["run_dir"], s(&dir));
    assert_eq!(got["stopped"], "interrupted");
    let steps = got["steps"].as_u64().expect("steps");
    assert!(steps > 20, "stopped after {steps} steps");
    assert_eq!(got["resumed"], steps + 5);
    assert_eq!(got["resumed_stopped"], "steps");
}
