//! Diagnostic snapshot tests: every `tests/ui/**/*.pde` is compiled by the front end; its
//! rendered diagnostics (miette's graphical output, no colour, width 100) must equal the
//! committed `.stderr` file and its JSON lines the `.json` file. Each line annotated
//! `//~ CODE` must carry a diagnostic with that code, and every diagnostic must be annotated,
//! so a careless bless cannot move an error.
//!
//! Run one case: `cargo test --test ui -- unknown_name`.
//! Regenerate snapshots: `PDEC_BLESS=1 cargo test --test ui`.

use libtest_mimic::{Arguments, Failed, Trial};
use pdec_lang::diag::render::{Format, render_all};
use pdec_lang::source::SourceFile;
use std::path::{Path, PathBuf};

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            cases(&p, out);
        } else if p.extension().is_some_and(|e| e == "pde") {
            out.push(p);
        }
    }
}

/// `--set` overrides for a case, from lines `//@ set KEY=VALUE`.
fn sets(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("//@ set "))
        .map(|s| s.trim().to_string())
        .collect()
}

fn compare(path: &Path, actual: &str, bless: bool) -> Result<(), String> {
    if bless {
        std::fs::write(path, actual).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        return Err(format!(
            "{} differs (PDEC_BLESS=1 regenerates it)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ));
    }
    Ok(())
}

fn run_case(path: &Path, bless: bool) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let rel = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string();
    if !text.starts_with("//") {
        return Err(format!(
            "{rel}: the first line must be a `//` comment saying what the case tests"
        )
        .into());
    }
    let compiled = pdec_lang::driver::compile(
        SourceFile {
            name: rel.clone(),
            text: text.clone(),
        },
        &sets(&text),
    );
    let human = render_all(
        &compiled.diags,
        &compiled.program.sources,
        Format::Human {
            color: false,
            width: 100,
        },
        "nothing was trained",
    );
    let json = render_all(&compiled.diags, &compiled.program.sources, Format::Json, "");

    // Annotations: `//~ CODE` on the line where the diagnostic's primary label starts.
    let mut expected: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("//~") {
            for code in line[pos + 3..].split_whitespace() {
                expected.push((i + 1, code.to_string()));
            }
        }
    }
    if expected.is_empty() {
        return Err(format!("{rel}: no `//~ CODE` annotation").into());
    }
    let user = &compiled.program.sources.get(pdec_lang::source::FileId(0));
    let mut actual: Vec<(usize, String)> = Vec::new();
    for d in compiled.diags.iter() {
        // A diagnostic in another file (a std module, `--set`, an `observe` data file) is
        // annotated on the case's line its first label there points at, if any.
        let in_user = d
            .labels
            .iter()
            .find(|l| l.primary)
            .filter(|l| l.span.file == pdec_lang::source::FileId(0))
            .or_else(|| {
                d.labels
                    .iter()
                    .find(|l| l.span.file == pdec_lang::source::FileId(0))
            });
        let line = match in_user {
            Some(l) => user.line_col(l.span.start as usize).0,
            None => 0,
        };
        actual.push((line, d.code.to_string()));
    }
    expected.sort();
    actual.sort();
    if expected != actual {
        return Err(format!(
            "{rel}: annotations do not match the diagnostics\n  annotated: {expected:?}\n  reported:  {actual:?}\n{human}"
        )
        .into());
    }
    compare(&path.with_extension("stderr"), &human, bless)?;
    compare(&path.with_extension("json"), &json, bless)?;
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let bless = std::env::var_os("PDEC_BLESS").is_some();
    let mut files = Vec::new();
    cases(&root, &mut files);
    let trials = files
        .into_iter()
        .map(|p| {
            let name = p
                .strip_prefix(&root)
                .unwrap_or(&p)
                .with_extension("")
                .display()
                .to_string()
                .replace('/', "::");
            Trial::test(name, move || run_case(&p, bless))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
