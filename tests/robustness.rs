//! No input makes the front end panic: mutated examples and UI cases (token insertions,
//! deletions, duplications, line swaps) go through every stage and the renderers. A bounded
//! number of cases runs here; issue 6's fuzz harness runs millions.

use pdec_lang::diag::render::{Format, render_all};
use pdec_lang::source::SourceFile;
use proptest::prelude::*;
use std::path::Path;

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "examples",
        "tests/ui/syntax",
        "tests/ui/resolve",
        "tests/ui/check",
        "tests/ui/passes",
        "tests/ui/settings",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pde"))
            .collect();
        paths.sort();
        for p in paths {
            if let Ok(t) = std::fs::read_to_string(&p) {
                // Keep high-dimensional examples cheap in a debug build.
                files.push(
                    t.replace("const d     = 100", "const d     = 7")
                        .replace("const d      = 100", "const d      = 7"),
                );
            }
        }
    }
    files
}

// The fuzz engine's token list: one list for both mutation tests.
use pdec_lang::fuzz::TOKENS;

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    SwapLines(usize, usize),
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for e in edits {
        let n = s.len().max(1);
        match *e {
            Edit::Insert(at, tok) => {
                let at = at % (s.len() + 1);
                let t: Vec<char> = TOKENS[tok % TOKENS.len()].chars().collect();
                s.splice(at..at, t);
            }
            Edit::Delete(at, len) => {
                let a = at % n;
                let b = (a + len % 40).min(s.len());
                if a < b {
                    s.drain(a..b);
                }
            }
            Edit::Duplicate(at, len) => {
                let a = at % n;
                let b = (a + len % 80).min(s.len());
                if a < b {
                    let piece: Vec<char> = s[a..b].to_vec();
                    s.splice(b..b, piece);
                }
            }
            Edit::SwapLines(a, b) => {
                let text: String = s.iter().collect();
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let (x, y) = (a % lines.len(), b % lines.len());
                    lines.swap(x, y);
                }
                s = lines.join("\n").chars().collect();
            }
        }
    }
    s.into_iter().collect()
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Insert(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Delete(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Duplicate(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
    ]
}

fn run(text: String) {
    let compiled = pdec_lang::driver::compile(
        SourceFile {
            name: "fuzz.pde".into(),
            text,
        },
        &[],
    );
    let _ = render_all(
        &compiled.diags,
        &compiled.program.sources,
        Format::Human {
            color: false,
            width: 80,
        },
        "",
    );
    let _ = render_all(&compiled.diags, &compiled.program.sources, Format::Json, "");
    if let (Some(c), Some(a), Some(p)) = (&compiled.checked, &compiled.analysis, &compiled.plan) {
        let _ = pdec_lang::explain::explain("fuzz.pde", c, a, p);
        serde_json::to_string(p).expect("plan serialises");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_inputs_never_panic(which in any::<usize>(), edits in proptest::collection::vec(edit(), 1..6)) {
        let files = corpus();
        let base = &files[which % files.len()];
        run(apply(base, &edits));
    }
}

#[test]
fn every_corpus_file_compiles_without_panicking() {
    for f in corpus() {
        run(f);
    }
}
