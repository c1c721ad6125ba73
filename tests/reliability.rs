//! Crash safety and numerical faults: a run killed with SIGKILL resumes to the same final
//! loss as an uninterrupted run; damaged checkpoints are diagnostics; a diverging run names
//! its loss term, and `on_nan = rollback` recovers from it.

mod common;
use common::losses_without_clock as losses;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn pdec_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pdec"));
    c.args(args);
    c
}

fn pdec(args: &[&str]) -> Output {
    pdec_cmd(args).output().expect("pdec runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("reliability-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

const HEAT: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
pde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n\
solve {\n  net = mlp(layers = 2, width = 8)\n  steps = 1500\n  batch = 32\n  \
checkpoint_every = 25\n  log_every = 50\n  seed = 3\n}\n";

fn final_loss(run: &Path) -> serde_json::Value {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).expect("summary"))
            .expect("json");
    s["final_loss"].clone()
}

/// Starts `pdec solve PROBLEM --out RUN` and kills it with SIGKILL once `loss.csv` has `rows`
/// lines (a checkpoint past the start exists by then), checking that it had not finished.
fn solve_killed_after_rows(problem: &str, run: &Path, rows: usize) {
    let mut child = pdec_cmd(&[
        "solve",
        problem,
        "--quiet",
        "--out",
        run.to_str().expect("utf8"),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawn");
    let start = Instant::now();
    loop {
        let n = std::fs::read_to_string(run.join("loss.csv"))
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if n >= rows || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        !run.join("summary.json").exists(),
        "the run finished before it was killed: make it longer"
    );
}

/// Writes `src` to `d/heat.pde` and trains it uninterrupted into `d/whole`; both paths.
fn solve_whole(d: &Path, src: &str) -> (PathBuf, PathBuf) {
    let p = d.join("heat.pde");
    std::fs::write(&p, src).expect("write");
    let whole = d.join("whole");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--quiet",
        "--out",
        whole.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (p, whole)
}

/// Writes `src` to `d/heat.pde`, runs it whole (`d/whole`), runs it again killed after `rows`
/// lines of loss.csv (`d/killed`) and resumes that; returns the two run directories.
fn whole_and_killed_then_resumed(d: &Path, src: &str, rows: usize) -> (PathBuf, PathBuf) {
    let (p, whole) = solve_whole(d, src);
    let ps = p.to_str().expect("utf8");
    let killed = d.join("killed");
    solve_killed_after_rows(ps, &killed, rows);
    let out = pdec(&[
        "solve",
        "--resume",
        killed.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (whole, killed)
}

#[test]
fn a_run_killed_with_sigkill_resumes_to_the_same_final_loss() {
    // Killed once it has written a checkpoint past the start.
    let (whole, killed) = whole_and_killed_then_resumed(&dir("kill"), HEAT, 3);
    assert_eq!(final_loss(&killed), final_loss(&whole));
    assert_eq!(losses(&killed), losses(&whole), "loss.csv reads as one run");
}

#[test]
fn a_run_killed_while_polishing_goes_on_with_its_polish() {
    // Saved every iteration (`checkpoint_every / batches` = 1); killed once the polish has
    // logged 15 iterations (a line every 5), the resumed run goes on from the saved polish and
    // ends where the uninterrupted run does. loss.csv: the header, steps 0 and 29, the
    // polish's start (30), then 35, 40, 45.
    let src = HEAT
        .replace("steps = 1500", "steps = 30")
        .replace("checkpoint_every = 25", "checkpoint_every = 16")
        .replace(
            "seed = 3",
            "seed = 3\n  polish = lbfgs(steps = 40, batches = 16)",
        );
    let (whole, killed) = whole_and_killed_then_resumed(&dir("kill_polish"), &src, 7);
    assert!(killed.join("polish.safetensors").is_file());
    let polish = |run: &Path| -> serde_json::Value {
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(run.join("summary.json")).expect("summary"),
        )
        .expect("json");
        s["polish"].clone()
    };
    let (k, w) = (polish(&killed), polish(&whole));
    let from = k["resumed_at_iteration"]
        .as_u64()
        .expect("went on from a saved polish");
    // Iteration 15 was logged; its save may not have followed before the kill.
    assert!(from >= 14, "{k}");
    assert_eq!(k["iterations"], w["iterations"], "{k} against {w}");
    assert_eq!(k["loss_after"], w["loss_after"], "{k} against {w}");
    assert_eq!(final_loss(&killed), final_loss(&whole));
    assert_eq!(losses(&killed), losses(&whole), "loss.csv reads as one run");
}

/// Adaptive sampling's pool is rebuilt at every checkpoint (besides every `every` steps) and
/// the points drawn again from it, so a killed run resumes from its checkpoint with the same
/// pool and the same points, also when points are kept for several steps (`resample_every`
/// 3 does not divide the checkpoints' 25).
#[test]
fn a_killed_adaptive_run_resumes_to_the_same_losses() {
    let d = dir("adaptive");
    let src = HEAT.replace(
        "seed = 3",
        "seed = 3\n  adaptive = residual(pool = 4, every = 40)\n  resample_every = 3",
    );
    let (whole, killed) = whole_and_killed_then_resumed(&d, &src, 4);
    assert_eq!(losses(&killed), losses(&whole), "loss.csv reads as one run");

    // The pool changes the points: the plain run's losses differ from the first step on.
    let plain = d.join("plain.pde");
    std::fs::write(&plain, HEAT).expect("write");
    let uniform = d.join("uniform");
    let out = pdec(&[
        "solve",
        plain.to_str().expect("utf8"),
        "--quiet",
        "--out",
        uniform.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_ne!(losses(&uniform)[2], losses(&whole)[2]);
}

/// `pdec eval RUN --at ...`'s values: what the saved model says.
fn eval_at(run: &Path, points: &[&str]) -> Vec<String> {
    let mut args = vec!["eval", run.to_str().expect("utf8")];
    for p in points {
        args.extend(["--at", p]);
    }
    let out = pdec(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).collect()
}

/// Weight averaging (the last 90% of the steps here): a run killed while averaging resumes
/// to the same averaged model, which differs from the last iterate's.
#[test]
fn a_run_killed_while_averaging_resumes_to_the_same_average() {
    let d = dir("average");
    let p = d.join("heat.pde");
    // A report: the averaged run's summary gives it for the last iterate too.
    let heat = HEAT.replace("solve {", "report u(0.5, x = 0.3)\nsolve {");
    std::fs::write(&p, heat.replace("seed = 3", "seed = 3\n  average = 0.9")).expect("write");
    let ps = p.to_str().expect("utf8");
    let points = ["t = 0.5, x = 0.3", "t = 1, x = 0.7"];

    let whole = d.join("whole");
    let out = pdec(&[
        "solve",
        ps,
        "--quiet",
        "--out",
        whole.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(whole.join("summary.json")).expect("summary"),
    )
    .expect("json");
    assert_eq!(summary["averaged_steps"], 1350);

    // The same run without averaging ends on its last iterate: another model.
    let last = d.join("last");
    let plain = d.join("plain.pde");
    std::fs::write(&plain, &heat).expect("write");
    let out = pdec(&[
        "solve",
        plain.to_str().expect("utf8"),
        "--quiet",
        "--out",
        last.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(final_loss(&last), final_loss(&whole), "same iterates");
    assert_ne!(eval_at(&last, &points), eval_at(&whole, &points));
    // The averaged run reports its last iterate beside the average: the plain run's value.
    let plain_summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(last.join("summary.json")).expect("summary"))
            .expect("json");
    assert!(plain_summary.get("last_iterate_reports").is_none());
    let last_value = &plain_summary["reports"][0]["value"];
    assert_eq!(&summary["last_iterate_reports"][0]["value"], last_value);
    assert_ne!(&summary["reports"][0]["value"], last_value);

    // Killed once averaging is under way (a checkpoint past step 150), then resumed.
    let killed = d.join("killed");
    solve_killed_after_rows(ps, &killed, 7);
    let out = pdec(&[
        "solve",
        "--resume",
        killed.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(eval_at(&killed, &points), eval_at(&whole, &points));
}

#[test]
fn resume_continues_a_finished_run_with_more_steps() {
    let d = dir("more");
    let p = d.join("heat.pde");
    std::fs::write(&p, HEAT.replace("steps = 1500", "steps = 100")).expect("write");
    let run = d.join("run");
    let rs = run.to_str().expect("utf8");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--quiet",
        "--log-every",
        "20",
        "--out",
        rs,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // `--log-every` again on the resume replaces the run's own (it once clashed with it).
    let out = pdec(&[
        "solve",
        "--resume",
        rs,
        "--set",
        "steps=150",
        "--log-every",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("resumed at step 100"));
    let steps: Vec<String> = losses(&run)
        .iter()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_string))
        .collect();
    assert!(steps.contains(&"80".to_string()), "{steps:?}");
    assert!(!steps.contains(&"90".to_string()), "{steps:?}");
    assert!(steps.contains(&"110".to_string()), "{steps:?}");
    assert!(
        text(&out.stdout).contains("150 steps"),
        "{}",
        text(&out.stdout)
    );
    let settings = std::fs::read_to_string(run.join("settings.json")).expect("settings");
    assert!(settings.contains("\"resumed_at_step\": 100"));
}

/// A finished run with `average` resumed with more steps: its averaging window moves to the
/// new end, so the old mean is dropped (with a note) and the new window is averaged whole.
#[test]
fn resuming_with_more_steps_averages_the_new_window_only() {
    let d = dir("more_average");
    let p = d.join("heat.pde");
    let src = HEAT
        .replace("steps = 1500", "steps = 100")
        .replace("seed = 3", "seed = 3\n  average = 0.5");
    std::fs::write(&p, src).expect("write");
    let run = d.join("run");
    let rs = run.to_str().expect("utf8");
    let out = pdec(&["solve", p.to_str().expect("utf8"), "--quiet", "--out", rs]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let averaged = || -> serde_json::Value {
        let s = std::fs::read_to_string(run.join("summary.json")).expect("summary");
        serde_json::from_str::<serde_json::Value>(&s).expect("json")["averaged_steps"].clone()
    };
    assert_eq!(averaged(), 50);
    // Same settings: nothing to redo, the average stays.
    let out = pdec(&["solve", "--resume", rs]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("averaging starts again"));
    assert_eq!(averaged(), 50);
    // Twice the steps: the window is steps 101..200; the mean over 51..100 is dropped.
    let out = pdec(&["solve", "--resume", rs, "--set", "steps=200"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("averaging starts again"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(averaged(), 100);
}

#[test]
fn damaged_checkpoints_and_directories_are_diagnostics() {
    let d = dir("damaged");
    let p = d.join("heat.pde");
    std::fs::write(&p, HEAT.replace("steps = 1500", "steps = 30")).expect("write");
    let run = d.join("run");
    let rs = run.to_str().expect("utf8");
    let out = pdec(&["solve", p.to_str().expect("utf8"), "--quiet", "--out", rs]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Truncated checkpoint.
    let ck = run.join("checkpoint.safetensors");
    let bytes = std::fs::read(&ck).expect("checkpoint");
    std::fs::write(&ck, &bytes[..bytes.len() / 2]).expect("truncate");
    let out = pdec(&["solve", "--resume", rs]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pdec::run::bad_checkpoint"));

    // Not a run directory.
    let out = pdec(&["solve", "--resume", d.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::run::bad_checkpoint"));

    // A checkpoint of another network (the problem's copy changed).
    std::fs::write(&ck, &bytes).expect("restore");
    let copy = run.join("problem.pde");
    let src = std::fs::read_to_string(&copy).expect("copy");
    std::fs::write(&copy, src.replace("width = 8", "width = 9")).expect("edit");
    let out = pdec(&["solve", "--resume", rs]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pdec::run::problem_changed"),
        "{}",
        text(&out.stderr)
    );
    // A run from before fingerprints: the checkpoint's shapes still catch it.
    let settings = run.join("settings.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).expect("settings")).expect("json");
    json.as_object_mut()
        .expect("object")
        .remove("problem_fingerprint");
    std::fs::write(&settings, json.to_string()).expect("write");
    let out = pdec(&["solve", "--resume", rs]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("has shape"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_damaged_polish_is_a_diagnostic_and_leaves_the_run_as_it_was() {
    let d = dir("damaged_polish");
    let p = d.join("heat.pde");
    std::fs::write(&p, HEAT.replace("steps = 1500", "steps = 30")).expect("write");
    let run = d.join("run");
    let rs = run.to_str().expect("utf8");
    let polish = "polish=lbfgs(steps = 4, batches = 2)";
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--set",
        polish,
        "--quiet",
        "--out",
        rs,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let saved = run.join("polish.safetensors");
    let bytes = std::fs::read(&saved).expect("polish.safetensors");
    std::fs::write(&saved, &bytes[..bytes.len() / 2]).expect("truncate");
    let files = || -> Vec<Vec<u8>> {
        [
            "summary.json",
            "loss.csv",
            "model.safetensors",
            "settings.json",
        ]
        .iter()
        .map(|f| std::fs::read(run.join(f)).expect("a run file"))
        .collect()
    };
    let before = files();
    let out = pdec(&["solve", "--resume", rs, "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("pdec::run::bad_checkpoint")
            && err.contains("cannot resume the polish")
            && err.contains("delete it"),
        "{err}"
    );
    assert!(before == files(), "a failed resume changed the run's files");
    // Deleted, as the hint says: the resume polishes again from the Adam steps' end.
    std::fs::remove_file(&saved).expect("delete");
    let out = pdec(&["solve", "--resume", rs, "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(saved.is_file());
}

const DIVERGES: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
pde d(u, t) = d(u, x, x) + exp(u)\ninitial u = 0\nboundary on(x): u = 0\n\
solve {\n  net = mlp(layers = 2, width = 16)\n  steps = 200\n  batch = 64\n  lr = 9\n  \
lr_schedule = constant\n  checkpoint_every = 10\n}\n";

#[test]
fn a_diverging_run_stops_naming_its_term_and_keeps_the_last_checkpoint() {
    let d = dir("diverge");
    let p = d.join("p.pde");
    std::fs::write(&p, DIVERGES).expect("write");
    let run = d.join("run");
    // JSON lines: the human form wraps its lines at a fixed width.
    let out = pdec(&[
        "--message-format",
        "json",
        "solve",
        p.to_str().expect("utf8"),
        "--quiet",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let d: serde_json::Value = serde_json::from_str(err.trim()).expect("one JSON line");
    assert_eq!(d["code"], "pdec::run::not_finite");
    let msg = d["message"].as_str().unwrap_or_default();
    assert!(msg.contains("`pde`") && msg.contains("p.pde:4"), "{err}");
    let help = d["help"].as_str().unwrap_or_default();
    assert!(help.contains("on_nan = rollback"), "{err}");
    assert!(run.join("checkpoint.safetensors").exists());
    // The kept checkpoint resumes (and diverges again, the same way).
    let out = pdec(&["solve", "--resume", run.to_str().expect("utf8"), "--quiet"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

#[test]
fn rollback_halves_the_learning_rate_and_finishes() {
    let d = dir("rollback");
    let p = d.join("p.pde");
    std::fs::write(&p, DIVERGES).expect("write");
    let run = d.join("run");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--set",
        "on_nan=rollback",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("back to step 0 with the learning rate x0.5"),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(s["steps"], 200);
}

#[test]
fn a_non_finite_gradient_with_a_finite_loss_is_caught_at_its_step() {
    // sqrt(max(u, 0) * min(u, 0)) is 0 everywhere, but its derivative is 0 / 0.
    let d = dir("gradient");
    let p = d.join("g.pde");
    std::fs::write(
        &p,
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
         pde d(u, t) = d(u, x, x) + sqrt(max(u, 0) * min(u, 0))\ninitial u = 0\n\
         boundary on(x): u = 0\nsolve {\n  net = mlp(layers = 2, width = 8)\n  steps = 20\n  \
         batch = 32\n}\n",
    )
    .expect("write");
    let run = d.join("run");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--quiet",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("the gradient of the loss term `pde`")
            && err.contains("g.pde:4")
            && err.contains("at step 0"),
        "{err}"
    );
}

/// SIGKILL at many moments (delays from a fixed pseudo-random sequence, from before the first
/// checkpoint to late in the run), each time resumed: the run ends as the one never killed,
/// loss.csv reading as one run. Killed before its first checkpoint, a run cannot be resumed:
/// that is a coded diagnostic (`pdec::run::bad_checkpoint`), and the folder is started again.
#[test]
fn a_run_killed_at_many_moments_ends_as_the_one_never_killed() {
    let d = dir("many-kills");
    let started = Instant::now();
    // Longer than HEAT, so that most of the kills land before the end on a fast machine.
    let (p, whole) = solve_whole(&d, &HEAT.replace("steps = 1500", "steps = 4000"));
    let ps = p.to_str().expect("utf8");
    // Delays up to a third of the whole run's time (at least 50 ms).
    let span = (started.elapsed().as_millis() as u64 / 3).max(50);
    let run = d.join("killed");
    let rs = run.to_str().expect("utf8");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut kills = 0;
    for _ in 0..40 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_millis(5 + (state >> 33) % span);
        let resume = run.join("checkpoint.safetensors").is_file();
        if !resume && run.exists() {
            // Killed before its first checkpoint: nothing to resume, said with a code.
            let out = pdec(&["solve", "--resume", rs, "--quiet"]);
            assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
            assert!(
                text(&out.stderr).contains("pdec::run::bad_checkpoint"),
                "{}",
                text(&out.stderr)
            );
            std::fs::remove_dir_all(&run).expect("remove");
        }
        let args: Vec<&str> = match resume {
            true => vec!["solve", "--resume", rs, "--quiet"],
            false => vec!["solve", ps, "--quiet", "--out", rs],
        };
        let mut child = pdec_cmd(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
        if run.join("summary.json").is_file() {
            break;
        }
    }
    assert!(
        kills >= 3,
        "only {kills} kills landed: the run is too short"
    );
    if !run.join("summary.json").is_file() {
        let out = match run.join("checkpoint.safetensors").is_file() {
            true => pdec(&["solve", "--resume", rs, "--quiet"]),
            false => {
                let _ = std::fs::remove_dir_all(&run);
                pdec(&["solve", ps, "--quiet", "--out", rs])
            }
        };
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert_eq!(final_loss(&run), final_loss(&whole));
    assert_eq!(losses(&run), losses(&whole), "loss.csv reads as one run");
}

/// loss.csv's `(step, lr)` rows.
fn learning_rates(run: &Path) -> Vec<(u64, f64)> {
    losses(run)
        .iter()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().expect("step"), f[1].parse().expect("lr"))
        })
        .collect()
}

#[test]
fn a_resume_that_raises_steps_goes_on_from_the_learning_rate_reached() {
    // 300 steps, then resumed to 1500: the cosine goes on from the learning rate reached
    // (no jump back up at step 300), and that extension killed halfway and resumed ends as
    // the one never killed (the continued schedule is in the checkpoint).
    let d = dir("extended");
    let (_, first) = solve_whole(&d, &HEAT.replace("steps = 1500", "steps = 300"));
    let copy = |name: &str| {
        let to = d.join(name);
        let ok = Command::new("cp")
            .args([
                "-r",
                first.to_str().expect("utf8"),
                to.to_str().expect("utf8"),
            ])
            .status()
            .expect("cp");
        assert!(ok.success());
        to
    };
    let (whole, killed) = (copy("extended-whole"), copy("extended-killed"));
    let resume = |run: &Path| {
        pdec_cmd(&[
            "solve",
            "--resume",
            run.to_str().expect("utf8"),
            "--quiet",
            "--set",
            "steps=1500",
        ])
    };
    let out = resume(&whole).output().expect("pdec runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lrs = learning_rates(&whole);
    let at = |step: u64| lrs.iter().find(|(s, _)| *s == step).expect("logged").1;
    assert!(at(300) <= at(299), "the learning rate jumped: {lrs:?}");
    assert!(lrs.windows(2).all(|w| w[1].1 <= w[0].1), "{lrs:?}");
    // Killed once its loss.csv has 12 more lines (near step 850), then resumed alike.
    let mut child = resume(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while losses(&killed).len() < losses(&first).len() + 12 && start.elapsed().as_secs() < 60 {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        losses(&killed).len() < losses(&whole).len(),
        "finished before the kill"
    );
    let out = resume(&killed).output().expect("pdec runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(losses(&killed), losses(&whole), "loss.csv reads as one run");
}
