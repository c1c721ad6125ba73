//! Issue 6, containment: a `.pde` file reads only the embedded std and `reference` files inside
//! its own folder (no absolute paths, no `..`, symlinks resolved before the check), and
//! `pdec solve` writes only into its run directory. The language has no `use` of sibling
//! files: `use` names std modules only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pdec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pdec"))
        .args(args)
        .output()
        .expect("pdec runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("containment-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

const SMALL: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
pde d(u, t) = d(u, x, x)\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n\
solve {\n  net = mlp(layers = 1, width = 4)\n  steps = 2\n  batch = 16\n}\n";

const TABLE: &str = "t,x,u\n0,0.5,1\n";

/// `pdec solve --dry-run` reads the reference table (and trains nothing).
fn with_reference(problem_dir: &Path, reference: &str) -> Output {
    let p = problem_dir.join("p.pde");
    std::fs::write(&p, format!("{SMALL}reference \"{reference}\"\n")).expect("write");
    pdec(&["solve", p.to_str().expect("utf8"), "--dry-run"])
}

fn refused(out: &Output, code: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(code), "expected {code}: {err}");
}

#[test]
fn absolute_and_parent_paths_are_refused_by_the_checker() {
    let d = dir("paths");
    let problem = d.join("problem");
    std::fs::create_dir_all(problem.join("sub")).expect("dir");
    std::fs::write(d.join("outside.csv"), TABLE).expect("write");
    let outside = d.join("outside.csv");
    for path in [
        outside.to_str().expect("utf8"),
        "/etc/passwd",
        "../outside.csv",
        "sub/../../outside.csv",
        "./../outside.csv",
        "sub\\..\\..\\outside.csv",
        "C:\\data.csv",
        "",
    ] {
        refused(
            &with_reference(&problem, path),
            "pdec::check::reference_outside_folder",
        );
    }
    // `..` that stays inside is still refused: the rule is on the text, before any file.
    refused(
        &with_reference(&problem, "sub/../data.csv"),
        "pdec::check::reference_outside_folder",
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_folder_are_refused_after_resolution() {
    let d = dir("links");
    let problem = d.join("problem");
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir_all(&problem).expect("dir");
    std::fs::create_dir_all(&elsewhere).expect("dir");
    std::fs::write(elsewhere.join("data.csv"), TABLE).expect("write");
    // A symlinked file pointing outside.
    std::os::unix::fs::symlink(elsewhere.join("data.csv"), problem.join("link.csv"))
        .expect("symlink");
    refused(
        &with_reference(&problem, "link.csv"),
        "pdec::load::reference_outside_folder",
    );
    // A symlinked folder pointing outside.
    std::os::unix::fs::symlink(&elsewhere, problem.join("linked")).expect("symlink");
    refused(
        &with_reference(&problem, "linked/data.csv"),
        "pdec::load::reference_outside_folder",
    );
    // A chain of links that ends outside.
    std::os::unix::fs::symlink(problem.join("link.csv"), problem.join("chain.csv"))
        .expect("symlink");
    refused(
        &with_reference(&problem, "chain.csv"),
        "pdec::load::reference_outside_folder",
    );
    // A symlink that stays inside the folder is fine.
    std::fs::create_dir_all(problem.join("tables")).expect("dir");
    std::fs::write(problem.join("tables/real.csv"), TABLE).expect("write");
    std::os::unix::fs::symlink(problem.join("tables/real.csv"), problem.join("inside.csv"))
        .expect("symlink");
    let out = with_reference(&problem, "inside.csv");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = with_reference(&problem, "tables/real.csv");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[cfg(unix)]
#[test]
fn the_folder_is_the_one_the_problem_is_named_in() {
    // A problem reached through a symlink reads beside the link, not beside its target: the
    // target's folder is never searched.
    let d = dir("linked-problem");
    let real = d.join("real");
    let user = d.join("user");
    std::fs::create_dir_all(&real).expect("dir");
    std::fs::create_dir_all(&user).expect("dir");
    std::fs::write(
        real.join("p.pde"),
        format!("{SMALL}reference \"data.csv\"\n"),
    )
    .expect("write");
    std::fs::write(real.join("data.csv"), TABLE).expect("write");
    std::os::unix::fs::symlink(real.join("p.pde"), user.join("p.pde")).expect("symlink");
    let out = pdec(&[
        "solve",
        user.join("p.pde").to_str().expect("utf8"),
        "--dry-run",
    ]);
    refused(&out, "pdec::load::reference_missing");
}

fn listing(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn solve_writes_only_into_its_run_directory() {
    let d = dir("writes");
    let problem = d.join("problem");
    std::fs::create_dir_all(&problem).expect("dir");
    let p = problem.join("p.pde");
    std::fs::write(&p, SMALL).expect("write");
    let before = listing(&d);
    let run = d.join("run");
    let out = pdec(&[
        "solve",
        p.to_str().expect("utf8"),
        "--quiet",
        "--out",
        run.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let after = listing(&d);
    let new: Vec<&PathBuf> = after
        .iter()
        .filter(|p| !before.contains(p))
        .filter(|p| !p.starts_with(&run) && **p != run)
        .collect();
    assert!(
        new.is_empty(),
        "files written outside the run directory: {new:?}"
    );
    // No temporary files are left behind in the run directory either.
    let leftovers: Vec<PathBuf> = listing(&run)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn use_names_only_std_modules() {
    let d = dir("use");
    std::fs::write(d.join("other.pde"), "const a = 1\n").expect("write");
    let p = d.join("p.pde");
    std::fs::write(&p, format!("use other::*\n{SMALL}")).expect("write");
    let out = pdec(&["check", p.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = pdec(&[
        "check",
        "--message-format",
        "json",
        p.to_str().expect("utf8"),
    ]);
    let err = text(&out.stderr);
    assert!(err.contains("pdec::"), "{err}");
}

#[test]
fn pdec_links_no_network_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    for krate in [
        "reqwest",
        "hyper",
        "ureq",
        "curl",
        "hf-hub",
        "tokio",
        "native-tls",
        "rustls",
    ] {
        assert!(
            !lock.contains(&format!("name = \"{krate}\"")),
            "`{krate}` is in the dependency tree"
        );
    }
    fn walk(dir: &Path, out: &mut String) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    let mut src = String::new();
    for dir in ["src", "crates"] {
        walk(&root.join(dir), &mut src);
    }
    for api in ["std::net", "TcpStream", "UdpSocket", "TcpListener"] {
        assert!(!src.contains(api), "the source uses `{api}`");
    }
}
