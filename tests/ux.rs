//! The commands around the compiler: progress lines of `pdec solve --log-every`,
//! `pdec solve --dry-run`, `pdec new` templates, and `pdec fmt` (canonical layout: keeps
//! every comment, never changes meaning, idempotent). Diagnostics checked here:
//! "pdec_lang::fmt::not_formatted", "pdec::cli::file_exists".

mod common;
use common::{pde_files, root};

use pdec_lang::source::SourceFile;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pdec_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("pdec runs")
}

fn pdec(args: &[&str]) -> Output {
    pdec_in(root(), args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh, empty scratch folder.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ux").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

const SMALL: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\nsolve {\n  net = mlp(layers = 1, width = 4)\n  steps = 2\n  batch = 16\n}\n";

#[test]
fn solve_with_log_every_prints_plain_lines_every_n_steps_plus_the_last() {
    let dir = scratch("log_every");
    let p = dir.join("p.pde");
    std::fs::write(&p, SMALL).expect("write");
    let out = pdec_in(
        &dir,
        &[
            "solve",
            "p.pde",
            "--set",
            "steps=10",
            "--log-every",
            "4",
            "--out",
            "run",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("step ")).collect();
    // Steps 0, 4, 8 and the last one, 9.
    assert_eq!(lines.len(), 4, "{err}");
    for (line, step) in lines.iter().zip([0, 4, 8, 9]) {
        let rest = line
            .strip_prefix(&format!("step {step:>7}  loss "))
            .unwrap_or_else(|| panic!("bad line: {line}"));
        let (loss, rest) = rest.split_once("  lr ").expect("lr");
        assert!(loss.parse::<f64>().is_ok(), "{line}");
        let (lr, terms) = rest.split_once("  [").expect("terms");
        assert!(lr.parse::<f64>().is_ok(), "{line}");
        let terms = terms.strip_suffix(']').expect("closing bracket");
        let names: Vec<&str> = terms
            .split(", ")
            .map(|t| t.rsplit_once(' ').expect("name value").0)
            .collect();
        // The columns of loss.csv, in order.
        assert_eq!(names, ["pde", "initial", "boundary on(x)"], "{line}");
    }
    assert!(err.starts_with("training "), "{err}");
    let csv = std::fs::read_to_string(dir.join("run/loss.csv")).expect("loss.csv");
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
    // The report on stdout is unchanged by the progress display.
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("p: 10 steps in "), "{stdout}");
    assert!(stdout.contains("  run directory: run"), "{stdout}");

    // `--quiet` prints no progress at all.
    let out = pdec_in(&dir, &["solve", "p.pde", "--quiet", "--out", "run2"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    // Without a terminal, lines come every `log_every` steps (here the first and last).
    let out = pdec_in(&dir, &["solve", "p.pde", "--out", "run3"]);
    let err = text(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("step ")).count(),
        2,
        "{err}"
    );
}

#[test]
fn dry_run_prints_settings_and_plan_and_trains_nothing() {
    let dir = scratch("dry_run");
    std::fs::write(dir.join("p.pde"), SMALL).expect("write");
    let out = pdec_in(
        &dir,
        &[
            "solve",
            "p.pde",
            "--dry-run",
            "--set",
            "steps=7",
            "--seed",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Every setting, with the overrides applied.
    let start = stdout.find("\n{").expect("settings JSON");
    let end = stdout[start..].find("\n}\n").expect("end of JSON") + start + 2;
    let v: serde_json::Value = serde_json::from_str(&stdout[start..end]).expect("JSON");
    let st = &v["settings"];
    assert_eq!(st["steps"], 7);
    assert_eq!(st["seed"], 3);
    assert_eq!(st["batch"], 16);
    for key in pdec_lang::settings::KEYS {
        let field = match *key {
            "weight" => "weights",
            k => k,
        };
        assert!(st.get(field).is_some(), "setting {key} missing: {st}");
    }
    assert_eq!(v["set"], serde_json::json!(["steps=7", "seed=3"]));
    // The plan, as `pdec explain` prints it.
    let explain = pdec_in(
        &dir,
        &["explain", "p.pde", "--set", "steps=7", "--set", "seed=3"],
    );
    assert!(stdout.ends_with(&text(&explain.stdout)), "{stdout}");
    // Nothing trained, nothing written.
    let entries: Vec<_> = std::fs::read_dir(&dir).expect("dir").flatten().collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let out = pdec_in(&dir, &["solve", "p.pde", "--dry-run", "--out", "run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!dir.join("run").exists());
    // Errors are reported as by `pdec solve`.
    let out = pdec_in(&dir, &["solve", "p.pde", "--dry-run", "--set", "stepz=7"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn every_template_checks_clean_trains_and_is_formatted() {
    let dir = scratch("templates");
    for t in ["heat", "burgers", "american", "poisson"] {
        let name = format!("my_{t}");
        let out = pdec_in(&dir, &["new", &name, "--template", t]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let file = format!("{name}.pde");
        let body = std::fs::read_to_string(dir.join(&file)).expect("written");
        assert!(body.contains(&format!("\nproblem {name}\n")), "{body}");
        assert!(body.starts_with("// "), "a template starts with a comment");

        let out = pdec_in(&dir, &["check", &file]);
        assert_eq!(out.status.code(), Some(0), "{t}: {}", text(&out.stderr));
        assert!(text(&out.stderr).is_empty(), "{t}: {}", text(&out.stderr));
        let out = pdec_in(&dir, &["fmt", "--check", &file]);
        assert_eq!(out.status.code(), Some(0), "{t}: {}", text(&out.stderr));
        let run = format!("run_{t}");
        let out = pdec_in(
            &dir,
            &["solve", &file, "--set", "steps=2", "--quiet", "--out", &run],
        );
        assert_eq!(out.status.code(), Some(0), "{t}: {}", text(&out.stderr));
        assert!(dir.join(&run).join("summary.json").exists());
    }
    // The default template is heat; an existing file is never overwritten.
    let out = pdec_in(&dir, &["new", "rod"]);
    assert_eq!(out.status.code(), Some(0));
    let rod = std::fs::read_to_string(dir.join("rod.pde")).expect("rod.pde");
    assert!(rod.contains("heat equation"));
    std::fs::write(dir.join("rod.pde"), "mine").expect("write");
    let out = pdec_in(&dir, &["new", "rod.pde", "--template", "poisson"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::cli::file_exists"));
    assert_eq!(
        std::fs::read_to_string(dir.join("rod.pde")).expect("rod"),
        "mine"
    );
}

/// What the front end makes of a text: diagnostics (code and message) and the plan.
fn meaning(text: &str) -> (Vec<(String, String)>, String) {
    let c = pdec_lang::driver::compile(
        SourceFile {
            name: "f.pde".into(),
            text: text.into(),
        },
        &[],
    );
    let mut diags: Vec<(String, String)> = c
        .diags
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    diags.sort();
    let plan = c
        .plan
        .as_ref()
        .map(|p| serde_json::to_string_pretty(p).expect("plan"))
        .unwrap_or_default();
    (diags, plan)
}

fn parses(text: &str) -> bool {
    let mut map = pdec_lang::source::SourceMap::default();
    let id = map.add("f.pde", text);
    let mut diags = pdec_lang::diag::Diags::default();
    pdec_lang::syntax::parse(id, map.get(id), &mut diags);
    !diags.has_errors()
}

fn comments(text: &str) -> usize {
    text.matches("//").count() + text.matches("/*").count()
}

#[test]
fn fmt_is_idempotent_and_keeps_meaning_and_comments() {
    let mut files = Vec::new();
    for d in ["examples", "tests/problems", "tests/ui", "templates"] {
        pde_files(&root().join(d), &mut files);
    }
    let mut formatted = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).expect("read");
        if !parses(&src) {
            continue;
        }
        let once = pdec_lang::fmt::format(&src).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let twice = pdec_lang::fmt::format(&once).expect("formats again");
        assert_eq!(once, twice, "{}: not idempotent", f.display());
        assert_eq!(meaning(&src), meaning(&once), "{}", f.display());
        assert_eq!(comments(&src), comments(&once), "{}", f.display());
        formatted += 1;
    }
    assert!(formatted > 100, "only {formatted} files formatted");
}

#[test]
fn formatted_examples_explain_to_the_same_plan_and_are_canonical() {
    let dir = scratch("fmt_examples");
    let mut files = Vec::new();
    pde_files(&root().join("examples"), &mut files);
    pde_files(&root().join("tests/problems"), &mut files);
    for f in &files {
        let path = f.to_str().expect("utf8");
        let out = pdec(&["fmt", path]);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
        let copy = dir.join(f.file_name().expect("name"));
        std::fs::write(&copy, &out.stdout).expect("write");
        // The `observe` data files beside it, as beside the original.
        for e in std::fs::read_dir(f.parent().expect("folder"))
            .expect("folder")
            .flatten()
        {
            if e.path().extension().is_some_and(|x| x == "csv") {
                std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
            }
        }
        let a = pdec(&["explain", "--format", "json", path]);
        let b = pdec(&["explain", "--format", "json", copy.to_str().expect("utf8")]);
        assert_eq!(a.status.code(), Some(0), "{path}");
        assert_eq!(text(&a.stdout), text(&b.stdout), "{path}");
        if f.starts_with(root().join("examples")) {
            let check = pdec(&["fmt", "--check", path]);
            assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
            assert!(check.stdout.is_empty());
        }
    }
}

#[test]
fn fmt_check_names_the_first_differing_line() {
    let dir = scratch("fmt_check");
    let p = dir.join("p.pde");
    let canonical = pdec_lang::fmt::format(SMALL).expect("formats");
    assert!(canonical.contains("\nunknown u(t, x)\n"), "{canonical}");
    std::fs::write(&p, canonical.replace("unknown u(t, x)", "unknown u(t,x)")).expect("write");
    let out = pdec(&[
        "fmt",
        "--check",
        "--message-format",
        "json",
        p.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(text(&out.stderr).trim()).expect("one JSON diagnostic");
    assert_eq!(v["code"], "pdec::fmt::not_formatted");
    assert_eq!(v["line"], 3);
    let out = pdec(&["fmt", "--check", p.to_str().expect("utf8")]);
    assert!(
        text(&out.stderr).contains("unknown u(t, x)"),
        "{}",
        text(&out.stderr)
    );
    // Formatting it makes it pass.
    let out = pdec(&["fmt", p.to_str().expect("utf8")]);
    std::fs::write(&p, &out.stdout).expect("write");
    let out = pdec(&["fmt", "--check", p.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn fmt_of_a_file_with_syntax_errors_prints_diagnostics_only() {
    let dir = scratch("fmt_syntax");
    let p = dir.join("p.pde");
    std::fs::write(&p, SMALL.replace("d(u, x, x)", "d(u, x, x) +")).expect("write");
    let out = pdec(&["fmt", p.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("pdec::syntax::"),
        "{}",
        text(&out.stderr)
    );
    let out = pdec(&["fmt", dir.join("missing.pde").to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pdec::load::cannot_read"));
}

/// An example's text with extra blanks: spaces and tabs after existing blanks in code,
/// indentation of continuation lines, repeated blank lines. Comments and strings stay.
fn perturb(src: &str, noise: &[u8]) -> String {
    let mut k = 0;
    let mut next = || {
        k += 1;
        noise[k % noise.len()]
    };
    let mut out = String::new();
    for line in src.lines() {
        if line.is_empty() {
            for _ in 0..next() % 3 {
                out.push('\n');
            }
        }
        let (code, comment) = match line.find("//") {
            Some(i) => line.split_at(i),
            None => (line, ""),
        };
        if line.starts_with(' ') {
            out.push_str(&" ".repeat(usize::from(next() % 4)));
        }
        let plain = !code.contains('"') && !code.contains("/*");
        for c in code.chars() {
            out.push(c);
            if c == ' ' && plain {
                match next() % 4 {
                    0 => out.push(' '),
                    1 => out.push('\t'),
                    _ => {}
                }
            }
        }
        out.push_str(comment);
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn layout_depends_only_on_tokens_and_line_breaks(
        noise in proptest::collection::vec(any::<u8>(), 1..64),
        which in 0usize..9,
    ) {
        let mut files = Vec::new();
        pde_files(&root().join("examples"), &mut files);
        pde_files(&root().join("tests/problems"), &mut files);
        let f = &files[which % files.len()];
        let src = std::fs::read_to_string(f).expect("read");
        let canonical = pdec_lang::fmt::format(&src).expect("formats");
        let noisy = perturb(&src, &noise);
        prop_assert!(parses(&noisy), "{noisy}");
        let again = pdec_lang::fmt::format(&noisy).expect("formats");
        prop_assert_eq!(again, canonical);
    }
}
