//! Behaviour pinned bit for bit: short f64 trainings of every example, every CI training
//! problem and the settings that choose another code path (Monte Carlo draws and
//! differences, adaptive sampling, the polish, the free-boundary losses, `balance`,
//! `output_scale`), each against a fingerprint committed in `tests/curves/`: every tenth
//! line of `loss.csv` (all columns but the wall time), the final loss terms and metrics of
//! `summary.json` in full precision, and a hash of the saved weights. A refactor of the
//! solver must leave them all as they are.
//!
//! `PDEC_BLESS=1 cargo test --release --test curves` rewrites the fingerprints; a changed
//! fingerprint is a change of behaviour and says so in its commit.
//!
//! Bits depend on the CPU's vector instructions (the matmul kernels are chosen at run time):
//! a fingerprint records the instruction sets it was made with, and on a machine with others
//! the numbers are compared to a relative 1e-6 instead, and the weight hash not at all.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The settings every case trains with: short, f64, the same points whatever the machine.
const COMMON: &[&str] = &[
    "--set",
    "steps=300",
    "--set",
    "dtype=f64",
    "--set",
    "batch=64",
    "--set",
    "log_every=10",
    "--set",
    "time_limit=none",
    "--threads",
    "2",
    "--seed",
    "0",
    "--no-plots",
    "--quiet",
];

/// `(case name, problem file, extra arguments)`.
const CASES: &[(&str, &str, &[&str])] = &[
    ("american_basket", "examples/american_basket.pde", &[]),
    ("annulus", "examples/annulus.pde", &[]),
    (
        "american_basket_log",
        "examples/american_basket_log.pde",
        &[],
    ),
    ("black_scholes", "examples/black_scholes.pde", &[]),
    ("burgers", "examples/burgers.pde", &[]),
    ("cube_minus_ball", "examples/cube_minus_ball.pde", &[]),
    ("burgers_family", "examples/burgers_family.pde", &[]),
    ("heat_ball", "examples/heat_ball.pde", &[]),
    ("heat_box", "examples/heat_box.pde", &[]),
    ("hjb", "examples/hjb.pde", &[]),
    ("inverse_diffusion", "examples/inverse_diffusion.pde", &[]),
    ("implied_vol", "examples/implied_vol.pde", &[]),
    (
        "burgers_inverse",
        "examples/burgers_inverse.pde",
        &["--set", "polish=none"],
    ),
    (
        "inverse_coefficient",
        "examples/inverse_coefficient.pde",
        &[],
    ),
    ("lshape", "examples/lshape.pde", &[]),
    ("plate_with_hole", "examples/plate_with_hole.pde", &[]),
    ("poisson_mixed", "examples/poisson_mixed.pde", &[]),
    ("american_put", "tests/problems/american_put.pde", &[]),
    (
        "american_put_ansatz",
        "tests/problems/american_put_ansatz.pde",
        &[],
    ),
    ("heat1d", "tests/problems/heat1d.pde", &[]),
    // Two networks: a steady unknown's beside a time-dependent one's, and one per unknown.
    (
        "steady_beside_heat",
        "tests/problems/steady_beside_heat.pde",
        &[],
    ),
    (
        "coupled_heat_separate",
        "tests/problems/coupled_heat.pde",
        &["--set", "networks=separate"],
    ),
    ("heat1d_ansatz", "tests/problems/heat1d_ansatz.pde", &[]),
    (
        "heat1d_neumann_ansatz",
        "tests/problems/heat1d_neumann_ansatz.pde",
        &[],
    ),
    ("heat5_mc", "tests/problems/heat5_mc.pde", &[]),
    ("heat5_mc_ansatz", "tests/problems/heat5_mc_ansatz.pde", &[]),
    ("hjb5_mc", "tests/problems/hjb5_mc.pde", &[]),
    // Settings that take another path through the step.
    (
        "heat5_mc_draws2",
        "tests/problems/heat5_mc.pde",
        &["--set", "mc_draws=2"],
    ),
    (
        "heat5_mc_draws4_gradients",
        "tests/problems/heat5_mc.pde",
        &["--set", "mc_draws=4", "--set", "mc_difference=gradients"],
    ),
    (
        "heat5_mc_gaussian",
        "tests/problems/heat5_mc.pde",
        &["--set", "mc_noise=gaussian"],
    ),
    (
        "heat5_mc_coordinates",
        "tests/problems/heat5_mc.pde",
        &["--set", "mc_noise=coordinates"],
    ),
    (
        "heat5_exact",
        "tests/problems/heat5_mc.pde",
        &["--set", "second_order=exact"],
    ),
    (
        "hjb5_mc_gradients",
        "tests/problems/hjb5_mc.pde",
        &["--set", "mc_difference=gradients"],
    ),
    (
        "heat5_mc_adaptive",
        "tests/problems/heat5_mc.pde",
        &["--set", "adaptive=residual(pool = 2, every = 50)"],
    ),
    (
        "heat1d_polish",
        "tests/problems/heat1d.pde",
        &["--set", "polish=lbfgs(steps = 20, batches = 2)"],
    ),
    (
        "heat1d_average_resample",
        "tests/problems/heat1d.pde",
        &["--set", "average=0.2", "--set", "resample_every=3"],
    ),
    (
        "american_put_penalty",
        "tests/problems/american_put.pde",
        &["--set", "free_boundary=penalty"],
    ),
    (
        "american_put_complementarity",
        "tests/problems/american_put.pde",
        &["--set", "free_boundary=complementarity"],
    ),
    (
        "heat1d_balance_gradients",
        "tests/problems/heat1d.pde",
        &["--set", "balance=gradients(every = 5)"],
    ),
    (
        // A free-boundary constraint keeps its written weight under gradient balancing.
        "american_put_balance_gradients",
        "tests/problems/american_put.pde",
        &["--set", "balance=gradients(every = 5)"],
    ),
    (
        "heat1d_balance_relobralo",
        "tests/problems/heat1d.pde",
        &["--set", "balance=relobralo()"],
    ),
    (
        "heat1d_offset_output_scale",
        "tests/problems/heat1d_offset.pde",
        &["--set", "output_scale=auto"],
    ),
    // Systems with a gauge (`mean p = 0`): steady, and of time (groups of points per time).
    (
        "kovasznay",
        "examples/kovasznay.pde",
        &["--set", "polish=none"],
    ),
    ("gauged_heat", "tests/problems/gauged_heat.pde", &[]),
    // Systems on the Monte Carlo path (each equation's own factor and passes), and a
    // mean-field game's backward and forward equations.
    (
        "coupled_heat20_mc",
        "tests/problems/coupled_heat20_mc.pde",
        &[],
    ),
    ("reaction_diffusion", "examples/reaction_diffusion.pde", &[]),
    ("mfg", "examples/mfg.pde", &[]),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The vector instruction sets the matmul kernels choose between, as this CPU has them.
fn cpu_signature() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags: Vec<&str> = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let have: Vec<&str> = ["avx512f", "avx2", "fma", "sse4_1", "neon", "asimd"]
        .into_iter()
        .filter(|f| flags.contains(f))
        .collect();
    if have.is_empty() {
        format!("{} (no flags)", std::env::consts::ARCH)
    } else {
        format!("{} {}", std::env::consts::ARCH, have.join(" "))
    }
}

/// FNV-1a, 64 bits: enough to tell two weight files apart, and dependency-free.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The run's fingerprint: the CPU line, `loss.csv` without its wall-time column, the
/// summary's numbers in full precision, the weights' hash.
fn fingerprint(dir: &Path) -> String {
    let mut out = format!("cpu: {}\n", cpu_signature());
    let csv = std::fs::read_to_string(dir.join("loss.csv")).expect("loss.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let wall = header.iter().position(|c| *c == "wall_s");
    let keep = |row: &str| -> String {
        row.split(',')
            .enumerate()
            .filter(|(i, _)| Some(*i) != wall)
            .map(|(_, c)| c)
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&keep(&header.join(",")));
    out.push('\n');
    for row in lines {
        out.push_str(&keep(row));
        out.push('\n');
    }
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    let summary: serde_json::Value = serde_json::from_str(&text).expect("summary parses");
    for key in [
        "steps",
        "final_loss",
        "reports",
        "metrics",
        "reference_metrics",
        "constraint_violation",
    ] {
        out.push_str(&format!("{key}: {}\n", summary[key]));
    }
    if let Some(polish) = summary.get("polish") {
        for key in [
            "iterations",
            "evaluations",
            "loss_before",
            "loss_after",
            "stopped",
        ] {
            out.push_str(&format!("polish.{key}: {}\n", polish[key]));
        }
    }
    let weights = std::fs::read(dir.join("model.safetensors")).expect("model.safetensors");
    out.push_str(&format!("weights: {:016x}\n", fnv1a(&weights)));
    out
}

fn train(name: &str, problem: &str, extra: &[&str]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("curves")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_pdec"))
        .arg("solve")
        .arg(problem)
        .arg("--out")
        .arg(&dir)
        .args(COMMON)
        .args(extra)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("pdec runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Every number of two fingerprint lines within a relative 1e-6 (text otherwise equal).
fn close(want: &str, got: &str) -> bool {
    let split = |s: &str| -> Vec<String> {
        s.split([',', ' ', ':', '[', ']'])
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (split(want), split(got));
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x == y
                || match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => (x - y).abs() <= 1e-6 * x.abs().max(y.abs()),
                    _ => false,
                }
        })
}

fn check(name: &str, problem: &str, extra: &[&str]) -> Result<(), String> {
    let got = fingerprint(&train(name, problem, extra));
    let path = root().join("tests/curves").join(format!("{name}.txt"));
    if std::env::var_os("PDEC_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("tests/curves");
        std::fs::write(&path, &got).expect("write the fingerprint");
        return Ok(());
    }
    let want = std::fs::read_to_string(&path)
        .map_err(|e| format!("{name}: no fingerprint at {} ({e})", path.display()))?;
    if want == got {
        return Ok(());
    }
    let (want_cpu, got_cpu) = (want.lines().next(), got.lines().next());
    if want_cpu != got_cpu {
        // Another CPU picks other kernels: the bits differ, the numbers must not by much.
        let numbers = |s: &str| -> Vec<String> {
            s.lines()
                .skip(1)
                .filter(|l| !l.starts_with("weights:"))
                .map(str::to_string)
                .collect()
        };
        let (w, g) = (numbers(&want), numbers(&got));
        if w.len() == g.len() && w.iter().zip(&g).all(|(a, b)| close(a, b)) {
            eprintln!(
                "{name}: made on `{}`, run on `{}`: compared to 1e-6, not bitwise",
                want_cpu.unwrap_or(""),
                got_cpu.unwrap_or("")
            );
            return Ok(());
        }
    }
    let first = want
        .lines()
        .zip(got.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("first difference:\n  want {a}\n  got  {b}"))
        .unwrap_or_else(|| "the lengths differ".into());
    Err(format!(
        "{name}: the training changed ({}); {first}",
        path.display()
    ))
}

#[test]
fn every_case_trains_to_its_committed_fingerprint() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|(name, problem, extra)| check(name, problem, extra).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_fingerprint_tells_apart_runs_that_differ() {
    // The check must be able to fail: one setting more moves every line after the first.
    let a = fingerprint(&train("probe_a", "tests/problems/heat1d.pde", &[]));
    let b = fingerprint(&train(
        "probe_b",
        "tests/problems/heat1d.pde",
        &["--set", "lr=1.001e-3"],
    ));
    assert_ne!(a, b);
    assert!(!close(
        a.lines().nth(3).expect("a line"),
        b.lines().nth(3).expect("a line")
    ));
}
