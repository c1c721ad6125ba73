//! Issue 39: the TensorBoard event file of a run, read back with TensorBoard's own reader
//! (`EventAccumulator`, and the raw `LegacyEventFileLoader` to see every event), holds
//! loss.csv's values at loss.csv's steps under the tags docs/OUTPUTS.md lists, the steps per
//! second, and the plots as images; a resumed run's file reads as one run.
//!
//! It needs a Python with the `tensorboard` package: `PDEC_TEST_PYTHON`, else the virtual
//! environment `.ci/tensorboard-python` makes under the target folder (the test runs it when
//! there is none yet), else `python3`. Without any the test fails and says how to get one.

mod common;
use common::{ok, out_dir, pdec};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// The run's event files, their versions, every scalar and image as EventAccumulator reads
/// them, and each tag's steps as the raw loader sees them (duplicates included).
const READ_BACK: &str = r#"
import glob, json, os, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
run = sys.argv[1]
files = sorted(glob.glob(os.path.join(run, "events.out.tfevents.*")))
ea = EventAccumulator(run, size_guidance={"scalars": 0, "images": 0}, purge_orphaned_data=False)
ea.Reload()
tags = ea.Tags()
out = {"files": [os.path.basename(f) for f in files], "versions": [], "raw_steps": {},
       "scalars": {t: [[e.step, e.value] for e in ea.Scalars(t)] for t in tags["scalars"]},
       "images": {}}
for t in tags["images"]:
    rows = []
    for e in ea.Images(t):
        with open(os.path.join(run, t.split("/", 1)[1] + ".png"), "rb") as f:
            same = f.read() == e.encoded_image_string
        rows.append([e.step, e.width, e.height, same])
    out["images"][t] = rows
for f in files:
    for ev in LegacyEventFileLoader(f).Load():
        if ev.HasField("file_version"):
            out["versions"].append(ev.file_version)
        for v in ev.summary.value:
            out["raw_steps"].setdefault(v.tag, []).append(ev.step)
print(json.dumps(out))
"#;

fn has_tensorboard(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import tensorboard"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A Python that imports `tensorboard` (made once per test binary); a failure that says how
/// to get one otherwise.
fn python() -> PathBuf {
    static FOUND: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FOUND.get_or_init(find_python).clone()
}

fn find_python() -> PathBuf {
    if let Some(p) = std::env::var_os("PDEC_TEST_PYTHON") {
        let p = PathBuf::from(p);
        assert!(
            has_tensorboard(&p),
            "PDEC_TEST_PYTHON={} cannot `import tensorboard`: install it there (`{0} -m pip install tensorboard`) or run `.ci/tensorboard-python`",
            p.display()
        );
        return p;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = tmp
        .parent()
        .unwrap_or(tmp)
        .join("tensorboard-venv/bin/python");
    for p in [venv.clone(), PathBuf::from("python3")] {
        if has_tensorboard(&p) {
            return p;
        }
    }
    // None yet: make the virtual environment (so that `cargo test --release`, the README's
    // test command, works on a fresh machine with Python 3 and its `venv` module).
    let made = Command::new(common::root().join(".ci/tensorboard-python"))
        .env("CARGO_TARGET_DIR", tmp.parent().unwrap_or(tmp))
        .output();
    if made.is_ok_and(|o| o.status.success()) && has_tensorboard(&venv) {
        return venv;
    }
    panic!(
        "this test reads pdec's TensorBoard event files with TensorBoard's own reader and needs a Python with the `tensorboard` package: run `.ci/tensorboard-python` once (it makes a virtual environment under the target folder, which this test finds), or set PDEC_TEST_PYTHON to a python that can `import tensorboard`; `.ci/run` does the first"
    );
}

fn read_back(run: &Path) -> Value {
    let out = Command::new(python())
        .args(["-c", READ_BACK, s(run)])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the reader")
}

/// loss.csv's header and rows.
fn loss_csv(run: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut r = csv::Reader::from_path(run.join("loss.csv")).expect("loss.csv");
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            rec.expect("row")
                .iter()
                .map(|c| c.parse::<f64>().expect("a number"))
                .collect()
        })
        .collect();
    (header, rows)
}

/// The tag of a loss.csv column (`total` at `total`: reports before it, terms after it).
fn tag_of(col: &str, i: usize, total: usize) -> String {
    match col {
        "lr" => "train/lr".into(),
        "exact_rel_l2" | "reference_rel_l2" => format!("error/{col}"),
        "total" => "loss/total".into(),
        _ if i < total => format!("report/{col}"),
        _ => match col.strip_prefix("balance.") {
            Some(name) => format!("balance/{name}"),
            None => format!("loss/{col}"),
        },
    }
}

/// Every column of loss.csv but the step and the clock is a scalar at the same steps with
/// the same values (the event file's are 32-bit floats), each step logged once; the steps
/// per second come at every step but the first of each piece of the run (`fresh`: the
/// steps a process began logging at).
fn same_as_loss_csv(run: &Path, back: &Value, fresh: &[i64]) {
    let (header, rows) = loss_csv(run);
    let steps: Vec<i64> = rows.iter().map(|r| r[0] as i64).collect();
    assert!(steps.len() >= 4, "{steps:?}");
    let total = header.iter().position(|c| c == "total").expect("total");
    let scalars = back["scalars"].as_object().expect("scalars");
    assert_eq!(
        scalars.len(),
        header.len() - 2 + 1,
        "tags {:?} for columns {header:?}",
        scalars.keys().collect::<Vec<_>>()
    );
    for (i, col) in header.iter().enumerate().skip(2) {
        let tag = tag_of(col, i, total);
        let got = scalars[&tag]
            .as_array()
            .unwrap_or_else(|| panic!("no tag {tag}"));
        let got_steps: Vec<i64> = got.iter().map(|e| e[0].as_i64().expect("step")).collect();
        assert_eq!(got_steps, steps, "{tag}");
        assert_eq!(back["raw_steps"][&tag], serde_json::json!(steps), "{tag}");
        for (e, row) in got.iter().zip(&rows) {
            let (v, want) = (e[1].as_f64().expect("value"), row[i]);
            assert!(
                (v - want).abs() <= 1e-5 * want.abs() + 1e-30,
                "{tag} at step {}: {v} in the event file, {want} in loss.csv",
                row[0]
            );
        }
    }
    let rate = scalars["train/steps_per_s"].as_array().expect("rate");
    let rate_steps: Vec<i64> = rate.iter().map(|e| e[0].as_i64().expect("step")).collect();
    let want: Vec<i64> = steps
        .iter()
        .copied()
        .filter(|s| !fresh.contains(s))
        .collect();
    assert_eq!(rate_steps, want);
    assert!(rate.iter().all(|e| e[1].as_f64().is_some_and(|v| v > 0.0)));
    assert_eq!(back["versions"], serde_json::json!(["brain.Event:2"]));
    assert_eq!(back["files"].as_array().map(Vec::len), Some(1));
}

#[test]
fn the_event_file_reads_back_in_tensorboard_as_loss_csv_and_the_plots() {
    let run = out_dir("tensorboard", "plots").join("run");
    ok(&pdec(&[
        "solve",
        "tests/problems/heat1d.pde",
        "--quiet",
        "--set",
        "steps=60",
        "--set",
        "log_every=10",
        "--out",
        s(&run),
    ]));
    let back = read_back(&run);
    same_as_loss_csv(&run, &back, &[0]);
    let name = back["files"][0].as_str().expect("a file");
    assert!(name.starts_with("events.out.tfevents."), "{name}");
    // The plots `pdec solve` drew, byte for byte, at the last step.
    let images = back["images"].as_object().expect("images");
    let mut tags: Vec<&String> = images.keys().collect();
    tags.sort();
    assert_eq!(tags, ["plots/error", "plots/loss", "plots/solution"]);
    for (tag, rows) in images {
        let rows = rows.as_array().expect("rows");
        assert_eq!(rows.len(), 1, "{tag}");
        assert_eq!(rows[0][0], 59, "{tag}");
        assert_eq!(rows[0][3], true, "{tag}: not the bytes of the PNG file");
    }
    assert_eq!(images["plots/loss"][0][1], 900);
    assert_eq!(images["plots/loss"][0][2], 600);
    // Turned off: no event file.
    let off = out_dir("tensorboard", "off").join("run");
    ok(&pdec(&[
        "solve",
        "tests/problems/heat1d.pde",
        "--quiet",
        "--no-tensorboard",
        "--set",
        "steps=5",
        "--out",
        s(&off),
    ]));
    let names: Vec<String> = std::fs::read_dir(&off)
        .expect("run")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with("events.")), "{names:?}");
    assert!(names.iter().any(|n| n == "loss.png"), "{names:?}");
}

#[test]
fn a_killed_and_resumed_run_has_one_event_file_without_repeated_steps() {
    let run = out_dir("tensorboard", "resumed").join("run");
    std::fs::create_dir_all(run.parent().expect("parent")).expect("dir");
    // Killed between checkpoints: the event file has lines past the checkpoint, which the
    // resumed run logs again.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args([
            "solve",
            "tests/problems/heat1d.pde",
            "--quiet",
            "--no-plots",
            "--set",
            "steps=10000000",
            "--set",
            "log_every=1",
            "--set",
            "checkpoint_every=25",
            "--set",
            "balance=gradients(every = 5)",
            "--out",
            s(&run),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let rows = || loss_csv(&run).1.len();
    let start = std::time::Instant::now();
    while !(run.join("loss.csv").is_file() && rows() >= 40) {
        assert!(start.elapsed().as_secs() < 120, "training did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    let logged = rows() as u64;
    let steps = format!("steps={}", logged + 30);
    ok(&pdec(&[
        "solve",
        "--resume",
        s(&run),
        "--quiet",
        "--no-plots",
        "--set",
        &steps,
    ]));
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("settings.json")).expect("read"))
            .expect("settings.json");
    let resumed = settings["resumed_at_step"].as_i64().expect("resumed");
    assert!(resumed > 0 && (resumed as u64) < logged, "{resumed}");
    let back = read_back(&run);
    same_as_loss_csv(&run, &back, &[0, resumed]);
    let (header, rows) = loss_csv(&run);
    assert!(header.iter().any(|c| c == "balance.pde"), "{header:?}");
    assert_eq!(rows.len() as u64, logged + 30);
}
