//! The layering you can see and cannot break: the modules of each crate import each other
//! without a cycle, the front end's stages import only earlier stages, and no candle crate is
//! in the front end's dependency tree.
//!
//! A module is a file. Its imports are the `crate::` and `super::` paths in its code outside
//! comments, string literals and `#[cfg(test)]` modules (and files named `tests.rs`), and in a
//! `mod.rs` the paths through
//! its own child modules; a path names the deepest module file it reaches, so an item
//! imported through a parent's `pub use` counts as an import of the parent. A module's use of
//! its own ancestors (`super::Type`) is not an edge: a parent and its children are one room.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The crates and their source folders.
const CRATES: &[(&str, &str)] = &[
    ("pdec-lang", "crates/pdec-lang/src"),
    ("pdec-solve", "crates/pdec-solve/src"),
    ("pdec", "src"),
];

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `a/b.rs` and `a/b/mod.rs` are module `a::b`; `lib.rs` and `main.rs` the crate root.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).expect("inside the crate");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// The code of a file without comments, string and char literals, and without the
/// `#[cfg(test)]` module that closes a file (tests may import what the code may not).
fn code_of(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map_or("", |l| l.trim());
        if line.trim() == "#[cfg(test)]" && next.contains("mod ") && !next.ends_with(';') {
            break;
        }
        kept.push(*line);
    }
    let text = kept.join("\n");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every path in `code` that starts with `prefix` (`crate::`, `super::`, `child::`), as its
/// segments after the prefix; a `{...}` group yields one path per entry.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(k) = code[from..].find(prefix) {
        let at = from + k;
        from = at + prefix.len();
        let before = at.checked_sub(1).map(|b| bytes[b] as char);
        if before.is_some_and(|b| b.is_alphanumeric() || b == '_' || b == ':' || b == '$') {
            continue;
        }
        let rest = &code[from..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let head: Vec<String> = rest[..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
            let close = rest[end..].find('}').map_or(rest.len(), |c| end + c);
            for entry in rest[end + 1..close].split(',') {
                let entry = entry.split_whitespace().next().unwrap_or("");
                let mut p = head.clone();
                p.extend(
                    entry
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                );
                out.push(p);
            }
        } else {
            out.push(head);
        }
    }
    out
}

/// The deepest module among `modules` that `path` reaches.
fn deepest(modules: &BTreeSet<Module>, path: &[String]) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|m| modules.contains(m))
}

/// Each module's imports of other modules of its crate.
fn imports(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(src, f)).collect();
    let mut edges = BTreeMap::new();
    for file in &files {
        let me = module_of(src, file);
        // A `tests` module (a `#[cfg(test)] mod tests;` file or folder) and all below it is
        // test code.
        if me.iter().any(|m| m == "tests") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).expect("readable source"));
        let mut targets = BTreeSet::new();
        let mut reach = |path: Vec<String>| {
            if let Some(m) = deepest(&modules, &path)
                && m != me
                && !m.is_empty()
                && !me.starts_with(&m)
            {
                targets.insert(m);
            }
        };
        for p in paths_after(&code, "crate::") {
            reach(p);
        }
        let parent: Vec<String> = me[..me.len().saturating_sub(1)].to_vec();
        // `super::` is the parent module, for `a/b.rs` and `a/b/mod.rs` alike.
        for p in paths_after(&code, "super::") {
            reach(parent.iter().cloned().chain(p).collect());
        }
        // A `mod.rs` (or the crate root) reaches its children by their bare names.
        for child in modules
            .iter()
            .filter(|m| m.len() == me.len() + 1 && m.starts_with(&me))
        {
            let name = child.last().expect("a child has a name");
            for p in paths_after(&code, &format!("{name}::")) {
                reach(me.iter().cloned().chain([name.clone()]).chain(p).collect());
            }
        }
        edges.insert(me, targets);
    }
    edges
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "(root)".into()
    } else {
        m.join("::")
    }
}

/// The cycles of the import graph (Tarjan's strongly connected components of two or more).
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let Some((w, _)) = s.edges.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_crate_has_an_import_cycle() {
    let mut found = Vec::new();
    for (krate, src) in CRATES {
        let edges = imports(&root().join(src));
        assert!(
            edges.len() > 5,
            "{krate}: only {} modules found",
            edges.len()
        );
        for comp in cycles(&edges) {
            let members: BTreeSet<&Module> = comp.iter().collect();
            let arrows: Vec<String> = comp
                .iter()
                .flat_map(|m| {
                    edges[m]
                        .iter()
                        .filter(|t| members.contains(t))
                        .map(move |t| format!("{} -> {}", name(m), name(t)))
                })
                .collect();
            found.push(format!("{krate}: {}", arrows.join(", ")));
        }
    }
    assert!(
        found.is_empty(),
        "import cycles (move the shared piece to the module that owns it, or import it from the file that defines it):\n{}",
        found.join("\n")
    );
}

/// The front end's stages in pipeline order: a module imports only from its own stage or an
/// earlier one. (`driver`, `explain`, `fmt` and `fuzz` sit on top and may import any.)
const LANG_STAGES: &[&[&str]] = &[
    &["source", "limits"],
    &["diag"],
    &["syntax", "builtins", "std_lib", "loader"],
    &["resolve"],
    &["ir"],
    &["settings", "check"],
    &["geometry"],
    &["passes"],
    &["plan"],
    &["driver", "explain", "fmt", "fuzz"],
];

#[test]
fn the_front_end_imports_only_earlier_stages() {
    let edges = imports(&root().join("crates/pdec-lang/src"));
    let stage_of = |m: &Module| -> Option<usize> {
        let top = m.first()?;
        LANG_STAGES.iter().position(|s| s.contains(&top.as_str()))
    };
    let mut wrong = Vec::new();
    for (from, targets) in &edges {
        let Some(a) = stage_of(from) else {
            assert!(
                from.is_empty(),
                "`{}` is in no stage of LANG_STAGES",
                name(from)
            );
            continue;
        };
        for to in targets {
            if stage_of(to).is_some_and(|b| b > a) {
                wrong.push(format!("{} -> {}", name(from), name(to)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a stage imports a later one:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_front_end_depends_on_no_tensor_library() {
    let manifest = std::fs::read_to_string(root().join("crates/pdec-lang/Cargo.toml"))
        .expect("the front end's manifest");
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "pdec-lang",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(root())
        .output();
    // `cargo tree` needs the registry index; where it cannot run, the manifest still tells.
    let tree = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => manifest.clone(),
    };
    for banned in ["candle", "pdec-solve", "gemm", "safetensors"] {
        assert!(
            !tree.contains(banned),
            "`{banned}` is in pdec-lang's dependency tree"
        );
    }
    assert!(tree.contains("pest"), "the tree was read: {tree}");
}

#[test]
fn the_check_finds_a_cycle_and_a_child_import() {
    let code = "use crate::a::{B, c::D};\nfn f() { super::x::y(); child::g(); }\n// crate::z\n";
    let paths = paths_after(&code_of(code), "crate::");
    assert_eq!(
        paths,
        vec![
            vec!["a".to_string(), "B".to_string()],
            vec!["a".into(), "c".into(), "D".into()]
        ]
    );
    // A `super::` and a child path are read the same way, and a comment is not code.
    assert_eq!(
        paths_after(&code_of(code), "super::"),
        vec![vec!["x".to_string(), "y".to_string()]]
    );
    assert_eq!(
        paths_after(&code_of(code), "child::"),
        vec![vec!["g".to_string()]]
    );
    let m = |s: &str| -> Module { s.split("::").map(str::to_string).collect() };
    let edges: BTreeMap<Module, BTreeSet<Module>> = [
        (m("a"), [m("b")].into()),
        (m("b"), [m("c")].into()),
        (m("c"), [m("a")].into()),
        (m("d"), [m("a")].into()),
    ]
    .into();
    assert_eq!(cycles(&edges), vec![vec![m("a"), m("b"), m("c")]]);
}
