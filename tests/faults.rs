//! Faults and hostile inputs (issue 41), injected deterministically: planted links and
//! `X.tmp` files, FIFOs and devices as inputs and outputs, a full disk at chosen points (the
//! `PDEC_FAULT_WRITE_BYTES` test hook, docs/RELIABILITY.md), concurrent solves into one
//! folder, SIGTERM at chosen moments, a closed pipe, damaged checkpoints, a replaced
//! problem, and extreme values in loss.csv. Every failure is a coded diagnostic with exit
//! code 1 (3 for a non-finite loss), and a run directory is never damaged.

mod common;
use common::{ok, out_dir, pdec};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const HEAT: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
pde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n\
solve {\n  net = mlp(layers = 2, width = 8)\n  steps = 40\n  batch = 32\n  \
checkpoint_every = 10\n  log_every = 10\n  seed = 3\n}\n";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A fresh folder holding `heat.pde`.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let d = out_dir("faults", name);
    std::fs::create_dir_all(&d).expect("scratch");
    let p = d.join("heat.pde");
    std::fs::write(&p, HEAT).expect("write");
    (d, p)
}

/// `pdec ARGS` with extra environment variables.
fn pdec_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pdec"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("pdec runs")
}

/// Exit code 1 with `code` in the diagnostics and no "internal error".
fn fails_with(out: &Output, code: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(code), "expected {code}: {err}");
    assert!(!err.contains("internal error"), "{err}");
}

/// Every line of standard error is a JSON object (`--message-format json`).
fn json_lines(out: &Output) {
    for line in text(&out.stderr).lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not a JSON line: {line}\n{}",
            text(&out.stderr)
        );
    }
}

/// The names of temporary files left in `dir` (none may be).
fn debris(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// One small trained run that the tests copy or read (never change).
fn trained() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let (d, p) = scratch("trained");
        let run = d.join("run");
        ok(&pdec(&[
            "solve",
            s(&p),
            "--quiet",
            "--no-plots",
            "--out",
            s(&run),
        ]));
        run
    })
}

/// A copy of the trained run's files in a fresh folder.
fn copy_run(name: &str) -> PathBuf {
    let (d, _) = scratch(name);
    let run = d.join("run");
    std::fs::create_dir_all(&run).expect("dir");
    for e in std::fs::read_dir(trained()).expect("run").flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), run.join(e.file_name())).expect("copy");
        }
    }
    run
}

/// The bytes of every file of a run, to see that nothing changed.
fn files(run: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(run)
        .expect("run")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(st.success());
}

fn kill(sig: &str, pid: u32) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
}

/// Waits until `cond` holds (at most 60 s).
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(60), "{what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn rows(run: &Path) -> usize {
    std::fs::read_to_string(run.join("loss.csv"))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// A long `pdec solve` into `run`, started and waited for until training has begun.
fn long_solve(p: &Path, run: &Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args([
            "solve",
            s(p),
            "--quiet",
            "--no-plots",
            "--set",
            "steps=10000000",
            "--out",
            s(run),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for("training did not start", || rows(run) >= 2);
    child
}

#[test]
fn temporary_files_are_unique_and_links_beside_an_output_are_never_followed() {
    let run = trained();
    let (d, _) = scratch("tmp_links");
    // A user's own file and a planted link where the old fixed temporary names were.
    std::fs::write(d.join("u.tmp"), "mine").expect("write");
    let victim = d.join("victim");
    std::fs::write(&victim, "victim").expect("write");
    std::os::unix::fs::symlink(&victim, d.join("v.tmp")).expect("link");
    for out in ["u.csv", "v.csv", "v.npz"] {
        let o = d.join(out);
        ok(&pdec(&[
            "export",
            s(run),
            "--grid",
            "t = 0..1:3, x = 0..1:3",
            "--output",
            s(&o),
        ]));
        assert!(std::fs::metadata(&o).expect("output").len() > 0);
    }
    assert_eq!(
        std::fs::read_to_string(d.join("u.tmp")).expect("kept"),
        "mine"
    );
    assert_eq!(std::fs::read_to_string(&victim).expect("kept"), "victim");
    let left: Vec<String> = debris(&d)
        .into_iter()
        .filter(|n| n != "u.tmp" && n != "v.tmp")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The NPZ is a zip of .npy arrays that candle reads back.
    let arrays = candle_core::Tensor::read_npz(d.join("v.npz")).expect("npz");
    assert!(arrays.iter().any(|(n, t)| n == "u" && t.dims() == [3, 3]));
}

#[test]
fn a_fifo_output_is_written_in_place_not_replaced() {
    let run = trained();
    let (d, _) = scratch("fifo_out");
    let fifo = d.join("out.csv");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the fifo"))
    };
    let out = pdec(&[
        "export",
        s(run),
        "--grid",
        "t = 0..1:3, x = 0..1:3",
        "--output",
        s(&fifo),
    ]);
    ok(&out);
    let got = reader.join().expect("reader");
    assert!(got.starts_with("t,x,u"), "{got}");
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .expect("meta")
            .file_type()
            .is_fifo()
    );
}

#[test]
fn outputs_over_a_runs_own_files_are_refused() {
    let run = copy_run("own_files");
    let before = files(&run);
    for f in [
        "model.safetensors",
        "checkpoint.safetensors",
        "problem.pde",
        "settings.json",
        "summary.json",
        "loss.csv",
    ] {
        let o = run.join(f);
        let out = pdec(&[
            "export",
            s(&run),
            "--grid",
            "t = 0..1:3, x = 0..1:3",
            "--output",
            s(&o),
        ]);
        fails_with(&out, "pdec::output::run_file");
    }
    let points = run.parent().expect("parent").join("points.csv");
    std::fs::write(&points, "t,x\n0.5,0.5\n").expect("write");
    let o = run.join("settings.json");
    let out = pdec(&["eval", s(&run), "--points", s(&points), "--output", s(&o)]);
    fails_with(&out, "pdec::output::run_file");
    assert!(before == files(&run), "a refused output changed the run");
    // The run still evaluates.
    ok(&pdec(&["eval", s(&run), "--at", "t=0.5,x=0.5"]));
}

#[test]
fn one_run_directory_is_owned_by_one_solve_at_a_time() {
    let (d, p) = scratch("lock");
    let run = d.join("run");
    let mut first = long_solve(&p, &run);
    // A second solve into the same folder, and a resume of it, are refused while it trains.
    fails_with(
        &pdec(&["solve", s(&p), "--quiet", "--no-plots", "--out", s(&run)]),
        "pdec::run::locked",
    );
    fails_with(
        &pdec(&["solve", "--resume", s(&run), "--quiet"]),
        "pdec::run::locked",
    );
    kill("-INT", first.id());
    assert_eq!(first.wait().expect("wait").code(), Some(0));
    let settings = std::fs::read_to_string(run.join("settings.json")).expect("settings");
    assert!(settings.contains("\"seed\": 3"));
    // Finished: a new run onto it would replace it, and is refused.
    let out = pdec(&[
        "solve",
        s(&p),
        "--quiet",
        "--no-plots",
        "--seed",
        "7",
        "--out",
        s(&run),
    ]);
    fails_with(&out, "pdec::run::out_exists");
    assert_eq!(
        std::fs::read_to_string(run.join("settings.json")).expect("kept"),
        settings
    );
    assert!(debris(&run).is_empty(), "{:?}", debris(&run));
}

#[test]
fn a_full_disk_at_any_point_is_a_coded_diagnostic_in_both_formats() {
    let (d, p) = scratch("disk_full");
    // From nothing written at all to the middle of training (a checkpoint is about 3 kB).
    for budget in [0, 100, 1500, 6000, 12_000, 20_000] {
        let run = d.join(format!("run-{budget}"));
        let b = budget.to_string();
        let args = ["solve", s(&p), "--no-plots", "--quiet", "--out", s(&run)];
        let out = pdec_env(&args, &[("PDEC_FAULT_WRITE_BYTES", &b)]);
        fails_with(&out, "pdec::run::io");
        assert!(
            text(&out.stderr).contains("disk is full"),
            "{}",
            text(&out.stderr)
        );
        assert!(debris(&run).is_empty(), "{budget}: {:?}", debris(&run));
        let _ = std::fs::remove_dir_all(&run);
        let mut json = vec!["--message-format", "json"];
        json.extend(args);
        let out = pdec_env(&json, &[("PDEC_FAULT_WRITE_BYTES", &b)]);
        fails_with(&out, "pdec::run::io");
        json_lines(&out);
        // What was written stays usable: a run with a checkpoint resumes to the end.
        if run.join("checkpoint.safetensors").exists() {
            ok(&pdec(&[
                "solve",
                "--resume",
                s(&run),
                "--quiet",
                "--no-plots",
            ]));
        }
    }
    // An export and a new problem file on a full disk: coded, nothing left behind, and
    // `pdec new` can be retried.
    let o = d.join("u.npz");
    let out = pdec_env(
        &[
            "--message-format",
            "json",
            "export",
            s(trained()),
            "--grid",
            "t = 0..1:3, x = 0..1:3",
            "--output",
            s(&o),
        ],
        &[("PDEC_FAULT_WRITE_BYTES", "100")],
    );
    fails_with(&out, "pdec::export::io");
    json_lines(&out);
    assert!(!o.exists());
    let new = d.join("fresh");
    let out = pdec_env(&["new", s(&new)], &[("PDEC_FAULT_WRITE_BYTES", "10")]);
    fails_with(&out, "pdec::run::io");
    assert!(!d.join("fresh.pde").exists());
    ok(&pdec(&["new", s(&new)]));
    assert!(debris(&d).is_empty(), "{:?}", debris(&d));
}

#[test]
fn sigterm_stops_a_run_as_ctrl_c_does_even_at_its_start() {
    let (d, p) = scratch("sigterm");
    let run = d.join("run");
    let child = long_solve(&p, &run);
    kill("-TERM", child.id());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary["stopped"], "interrupted");
    assert!(debris(&run).is_empty());
    // Early: as soon as the run directory exists, before any checkpoint.
    let early = d.join("early");
    let child = Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(["solve", s(&p), "--quiet", "--no-plots", "--out", s(&early)])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for("no run directory", || early.exists());
    kill("-TERM", child.id());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(early.join("checkpoint.safetensors").is_file());
    assert!(debris(&early).is_empty(), "{:?}", debris(&early));
    ok(&pdec(&[
        "solve",
        "--resume",
        s(&early),
        "--quiet",
        "--no-plots",
    ]));
}

#[test]
fn a_closed_pipe_ends_eval_quietly() {
    let run = trained();
    let (d, _) = scratch("pipe");
    let points = d.join("points.csv");
    let mut csv = String::from("t,x\n");
    for i in 0..100_000 {
        csv.push_str(&format!("0.5,{}\n", i as f64 / 100_000.0));
    }
    std::fs::write(&points, csv).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(["eval", s(run), "--points", s(&points)])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut head = [0u8; 10];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut head)
        .expect("ten bytes");
    // The reader is gone (`| head -c 10`).
    let out = child.wait_with_output().expect("wait");
    let err = text(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    use std::os::unix::process::ExitStatusExt;
    assert!(
        out.status.code() == Some(0) || out.status.signal() == Some(libc_sigpipe()),
        "{:?} {err}",
        out.status
    );
}

/// SIGPIPE's number on Linux.
fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn a_replaced_problem_is_refused_on_resume() {
    let run = copy_run("replaced");
    let copy = run.join("problem.pde");
    let src = std::fs::read_to_string(&copy).expect("copy");
    std::fs::write(
        &copy,
        src.replace(
            "boundary on(x): u = 0",
            "boundary on(x): u = 0\nreport u(0.5, x = 0.5)",
        ),
    )
    .expect("edit");
    let before = files(&run);
    let out = pdec(&["solve", "--resume", s(&run), "--quiet", "--set", "steps=50"]);
    fails_with(&out, "pdec::run::problem_changed");
    assert!(before == files(&run), "a refused resume changed the run");
}

/// Rewrites one scalar of a checkpoint.
fn set_meta(ck: &Path, name: &str, value: f64) {
    let mut map = candle_core::safetensors::load(ck, &candle_core::Device::Cpu).expect("load");
    map.insert(
        name.to_string(),
        candle_core::Tensor::from_vec(vec![value], 1, &candle_core::Device::Cpu).expect("tensor"),
    );
    candle_core::safetensors::save(&map, ck).expect("save");
}

#[test]
fn a_damaged_checkpoint_step_is_refused_not_saturated() {
    for (k, bad) in [1e30, 1.5, -1.0, f64::NAN].into_iter().enumerate() {
        let run = copy_run(&format!("step_{k}"));
        set_meta(&run.join("checkpoint.safetensors"), "meta.step", bad);
        let before = files(&run);
        let out = pdec(&["solve", "--resume", s(&run), "--quiet", "--no-plots"]);
        fails_with(&out, "pdec::run::bad_checkpoint");
        assert!(before == files(&run));
    }
}

#[test]
fn fifos_and_devices_as_inputs_are_refused_at_once() {
    let (d, _) = scratch("fifo_in");
    let fifo = d.join("p.pde");
    mkfifo(&fifo);
    let start = Instant::now();
    fails_with(&pdec(&["check", s(&fifo)]), "pdec::load::cannot_read");
    fails_with(&pdec(&["check", "/dev/zero"]), "pdec::load::cannot_read");
    let points = d.join("points.csv");
    mkfifo(&points);
    fails_with(
        &pdec(&["eval", s(trained()), "--points", s(&points)]),
        "pdec::load::cannot_read",
    );
    fails_with(
        &pdec(&[
            "export",
            s(trained()),
            "--points",
            "/dev/zero",
            "--output",
            s(&d.join("u.csv")),
        ]),
        "pdec::load::cannot_read",
    );
    assert!(start.elapsed() < Duration::from_secs(30));
    // A points file past the limit is refused by its size, before it is read (sparse).
    let big = d.join("big.csv");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(300 * 1024 * 1024))
        .expect("sparse file");
    fails_with(
        &pdec(&["eval", s(trained()), "--points", s(&big)]),
        "pdec::load::too_large",
    );
}

#[test]
fn a_non_finite_loss_has_a_code_in_both_formats() {
    let (d, _) = scratch("nan");
    let p = d.join("p.pde");
    // tests/reliability.rs's diverging problem.
    let diverges = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
pde d(u, t) = d(u, x, x) + exp(u)\ninitial u = 0\nboundary on(x): u = 0\n\
solve {\n  net = mlp(layers = 2, width = 16)\n  steps = 200\n  batch = 64\n  lr = 9\n  \
lr_schedule = constant\n  checkpoint_every = 10\n}\n";
    std::fs::write(&p, diverges).expect("write");
    let run = d.join("run");
    let out = pdec(&["solve", s(&p), "--quiet", "--no-plots", "--out", s(&run)]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pdec::run::not_finite"));
    let run = d.join("run-json");
    let out = pdec(&[
        "--message-format",
        "json",
        "solve",
        s(&p),
        "--quiet",
        "--no-plots",
        "--out",
        s(&run),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    json_lines(&out);
    assert!(text(&out.stderr).contains("pdec::run::not_finite"));
}

#[test]
fn extreme_losses_are_plotted_quickly() {
    for (k, v) in ["1e308", "1e-320", "inf", "nan", "0"]
        .into_iter()
        .enumerate()
    {
        let run = copy_run(&format!("plot_{k}"));
        let csv = std::fs::read_to_string(run.join("loss.csv")).expect("loss");
        let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
        // The last row's total and terms all become `v`.
        let last = lines.len() - 1;
        let cells: Vec<String> = lines[last]
            .split(',')
            .enumerate()
            .map(|(i, c)| if i >= 3 { v.to_string() } else { c.to_string() })
            .collect();
        lines[last] = cells.join(",");
        std::fs::write(run.join("loss.csv"), lines.join("\n") + "\n").expect("write");
        let start = Instant::now();
        ok(&pdec(&["plot", s(&run)]));
        assert!(start.elapsed() < Duration::from_secs(30), "{v}");
    }
}

#[test]
fn reference_computations_are_bounded_and_their_errors_coded() {
    let (d, _) = scratch("reference");
    let out = d.join("b.csv");
    let start = Instant::now();
    for args in [
        vec![
            "reference",
            "burgers",
            "--nt",
            "100000",
            "--nx",
            "100000",
            "--out",
            s(&out),
        ],
        vec![
            "reference",
            "burgers-family",
            "--nt",
            "100000",
            "--out",
            s(&out),
        ],
        vec!["reference", "hjb", "--samples", "1000000000000"],
        vec![
            "reference",
            "american",
            "--sigma",
            "1e-9",
            "--maturity",
            "1e9",
        ],
    ] {
        let got = pdec(&args);
        fails_with(&got, "pdec::reference::too_large");
        assert!(text(&got.stderr).contains("limit"), "{}", text(&got.stderr));
        let mut json = vec!["--message-format", "json"];
        json.extend(&args);
        json_lines(&pdec(&json));
    }
    assert!(start.elapsed() < Duration::from_secs(20));
    assert!(!out.exists());
    fails_with(
        &pdec(&["reference", "burgers", "--nt", "0", "--out", s(&out)]),
        "pdec::reference::bad_argument",
    );
    fails_with(
        &pdec(&["reference", "european", "--sigma=-1"]),
        "pdec::reference::bad_argument",
    );
    // A table over a run's own file is refused like any output.
    let run = copy_run("reference_run");
    let before = files(&run);
    fails_with(
        &pdec(&["reference", "burgers", "--out", s(&run.join("loss.csv"))]),
        "pdec::output::run_file",
    );
    assert!(before == files(&run));
}

/// The Rust files under `dir`.
fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            // Code only: comments may name anything.
            let text: String = std::fs::read_to_string(&p)
                .expect("source")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n"))
                .collect();
            out.push((p, text));
        }
    }
}

#[test]
fn no_file_system_error_is_turned_into_an_internal_error() {
    // "internal error" (exit 2) is for bugs: a statement that touches the file system must
    // not map its error to `RunError::Internal` (a full disk, a permission, a missing file
    // are the user's environment; `RunError::from(io::Error)` is coded).
    let mut files = Vec::new();
    sources(&common::root().join("src"), &mut files);
    let io = [
        "std::fs::",
        "File::",
        "write_atomic",
        "write_new",
        "safetensors::load",
        "read_limited",
    ];
    let mut found = Vec::new();
    for (p, text) in &files {
        for stmt in text.split(';') {
            if io.iter().any(|c| stmt.contains(c)) && stmt.contains("Internal(") {
                found.push(format!("{}: {}", p.display(), stmt.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_panic_is_a_coded_internal_error_in_both_formats() {
    // `PDEC_FAULT_PANIC` panics at the start of every command (tests only): the report is
    // `pdec::run::internal` with the panic's message and place, exit code 2, and under
    // `--message-format json` one JSON line and nothing else.
    let (_, p) = scratch("panic");
    let panic = [("PDEC_FAULT_PANIC", "1"), ("RUST_BACKTRACE", "1")];
    // Rust's own message (and backtrace) only where a developer asked and JSON is not kept.
    let human = pdec_env(&["check", s(&p)], &panic[..1]);
    let err = text(&human.stderr);
    assert_eq!(human.status.code(), Some(2), "{err}");
    assert!(err.contains("pdec::run::internal"), "{err}");
    assert!(
        err.contains("PDEC_FAULT_PANIC is set at src/cli.rs"),
        "{err}"
    );
    assert!(!err.contains("panicked at"), "{err}");
    let with_trace = pdec_env(&["check", s(&p)], &panic);
    assert!(text(&with_trace.stderr).contains("panicked at"));
    let json = pdec_env(&["--message-format", "json", "check", s(&p)], &panic);
    assert_eq!(json.status.code(), Some(2), "{}", text(&json.stderr));
    json_lines(&json);
    let lines: Vec<serde_json::Value> = text(&json.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["code"], "pdec::run::internal", "{lines:?}");
}

/// `pdec ARGS` fails with `code`, and its help names the limit and the `--limit` option.
fn over_limit(args: &[&str], code: &str, name: &str) {
    let out = pdec(args);
    fails_with(&out, code);
    let err = text(&out.stderr).replace('\n', " ");
    let err: String = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        (err.contains("the limit is") || err.contains("the limits are"))
            && err.contains(&format!("`--limit {name}=")),
        "{args:?}: {err}"
    );
}

#[test]
fn every_limit_is_documented_and_raised_by_its_option() {
    use pdec_lang::limits::{ALL, Limit};
    let doc = std::fs::read_to_string(common::root().join("docs/RELIABILITY.md")).expect("doc");
    for l in ALL {
        let row = format!("| `{}` | {} | {} |", l.name(), l.shown(), l.what());
        assert!(
            doc.contains(&row),
            "docs/RELIABILITY.md lacks the row {row}"
        );
    }
    let (d, p) = scratch("limits");
    let heat = s(&p);
    // Each limit refuses past it, names itself, and a value above the size lets it through.
    over_limit(
        &["--limit", "problem_bytes=100", "check", heat],
        "pdec::load::too_large",
        Limit::ProblemBytes.name(),
    );
    ok(&pdec(&["check", heat, "--limit", "problem_bytes=1KiB"]));
    let consts = d.join("consts.pde");
    std::fs::write(
        &consts,
        HEAT.replace(
            "unknown u(t, x)",
            "unknown u(t, x)\nconst _w = [1, 2, 3, 4]",
        ),
    )
    .expect("write");
    over_limit(
        &["check", s(&consts), "--limit", "constant_elements=3"],
        "pdec::check::too_large",
        "constant_elements",
    );
    ok(&pdec(&[
        "check",
        s(&consts),
        "--limit",
        "constant_elements=4",
    ]));
    over_limit(
        &["check", heat, "--limit", "expression_nodes=5"],
        "pdec::check::too_large",
        "expression_nodes",
    );
    let run = trained();
    let points = d.join("points.csv");
    std::fs::write(&points, "t,x\n0,0.5\n0.5,0.25\n").expect("write");
    let values = d.join("values.csv");
    let eval = |limit: &str| {
        pdec(&[
            "eval",
            s(run),
            "--points",
            s(&points),
            "--output",
            s(&values),
            "--limit",
            limit,
        ])
    };
    fails_with(&eval("table_bytes=8"), "pdec::load::too_large");
    ok(&eval("table_bytes=1KiB"));
    let export = |limit: &str| {
        pdec(&[
            "export",
            s(run),
            "--grid",
            "t = 0..1:11, x = 0..1:11",
            "--output",
            s(&d.join("grid.csv")),
            "--limit",
            limit,
        ])
    };
    let refused = export("grid_points=120");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("--limit grid_points="));
    ok(&export("grid_points=121"));
    let table = d.join("b.csv");
    let burgers = |limit| {
        let args = ["reference", "burgers", "--nt", "3", "--nx", "11", "--out"];
        [&args[..], &[s(&table), "--limit", limit]].concat()
    };
    over_limit(
        &burgers("reference_rows=32"),
        "pdec::reference::too_large",
        "reference_rows",
    );
    ok(&pdec(&burgers("reference_rows=33")));
    over_limit(
        &[
            "reference",
            "burgers-family",
            "--nt",
            "3",
            "--out",
            s(&table),
            "--limit",
            "reference_profiles=2",
        ],
        "pdec::reference::too_large",
        "reference_profiles",
    );
    let hjb = ["reference", "hjb", "--d", "2", "--samples", "100"];
    over_limit(
        &[&hjb[..], &["--limit", "reference_draws=199"]].concat(),
        "pdec::reference::too_large",
        "reference_draws",
    );
    ok(&pdec(
        &[&hjb[..], &["--limit", "reference_draws=200"]].concat(),
    ));
    over_limit(
        &["reference", "american", "--limit", "reference_nodes=1000"],
        "pdec::reference::too_large",
        "reference_nodes",
    );
    let seeds = |limit: &str| {
        pdec(&[
            "solve",
            heat,
            "--seeds",
            "0..3",
            "--dry-run",
            "--limit",
            limit,
        ])
    };
    let refused = seeds("seeds=2");
    fails_with(&refused, "pdec::cli::bad_seeds");
    assert!(text(&refused.stderr).contains("--limit seeds="));
    ok(&seeds("seeds=3"));
    // A malformed limit is refused before the command runs, in both formats.
    for bad in ["seed=3", "seeds", "seeds=0", "table_bytes=1XB"] {
        fails_with(
            &pdec(&["check", heat, "--limit", bad]),
            "pdec::cli::bad_limit",
        );
        json_lines(&pdec(&[
            "--message-format",
            "json",
            "--limit",
            bad,
            "check",
            heat,
        ]));
    }
}

#[test]
fn json_messages_keep_standard_error_json_while_training() {
    // Progress, notes and training-health warnings of `pdec solve --message-format json` are
    // JSON objects, one per line, for one run and for a group of seeds.
    let (d, p) = scratch("json_progress");
    let json = ["--message-format", "json", "solve", s(&p), "--no-plots"];
    let run = d.join("run");
    let out = pdec(&[&json[..], &["--out", s(&run), "--set", "steps=30"]].concat());
    ok(&out);
    json_lines(&out);
    let err = text(&out.stderr);
    assert!(
        err.contains("{\"progress\":{") && err.contains("{\"note\":"),
        "{err}"
    );
    assert!(err.contains("\"code\":\"pdec::health::"), "{err}");
    let group = d.join("group");
    let out = pdec(&[&json[..], &["--out", s(&group), "--seeds", "0,1"]].concat());
    ok(&out);
    json_lines(&out);
    assert!(text(&out.stderr).contains("\"run\":\"seed 1\""));
}

#[test]
fn a_benchmark_row_that_does_not_fit_is_a_coded_diagnostic() {
    // Under a 2 GB address-space limit the d = 3000 row cannot allocate its step: that row is
    // `pdec::bench::case_failed` (exit 1, both formats), the d = 1 row is still measured.
    let bench = |format: &str| {
        let out = Command::new("bash")
            .args([
                "-c",
                &format!(
                    "ulimit -v 2000000; exec \"$0\" --message-format {format} bench --d 1,3000 \
                 --path exact --dtype f32 --width 50 --batch 2048 --steps 1 --warmup 0"
                ),
            ])
            .arg(env!("CARGO_BIN_EXE_pdec"))
            .env("NO_COLOR", "1")
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("bash runs");
        (out.status.code(), text(&out.stdout), out)
    };
    let (code, table, out) = bench("human");
    let err = text(&out.stderr);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("pdec::bench::case_failed") && err.contains("d 3000"),
        "{err}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with("1  exact")),
        "{table}"
    );
    let (code, _, out) = bench("json");
    assert_eq!(code, Some(1));
    json_lines(&out);
    assert!(text(&out.stderr).contains("\"code\":\"pdec::bench::case_failed\""));
}

#[test]
fn a_usage_error_is_a_json_line_under_json_messages() {
    for args in [
        &["--message-format", "json", "solve", "--bogus", "x.pde"][..],
        &["--message-format=json", "frobnicate"][..],
        &["eval", "--message-format", "json"][..],
    ] {
        let out = pdec(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        json_lines(&out);
        let code = "pdec::cli::usage";
        let want = format!("\"code\":\"{code}\"");
        assert!(text(&out.stderr).contains(&want), "{args:?}");
    }
    // Human messages keep clap's own usage text; help and version are not errors.
    let human = pdec(&["solve", "--bogus", "x.pde"]);
    assert_eq!(human.status.code(), Some(2));
    assert!(text(&human.stderr).contains("Usage: pdec solve"));
    ok(&pdec(&["--message-format", "json", "--version"]));
}
