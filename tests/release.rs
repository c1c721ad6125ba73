//! The release configuration stays honest without cargo-dist installed: `dist-workspace.toml`
//! (cargo-dist's settings), the workflow it generated (`.github/workflows/release.yml`), the
//! `[package.metadata.dist]` tables of the workspace's crates and the README's "Prebuilt
//! binaries" section must agree. Checked: the four targets, `pdec` as the one package
//! released, no `cuda` or `mpi` in a release build, a workflow that runs on version tags and
//! installs the cargo-dist version the settings name, and a README that names the same
//! targets and the repository the installers download from.
//!
//! The files are read with a small TOML reader (tables, `key = value`, strings, booleans and
//! arrays of them, over several lines) that panics on what it does not know, such as
//! multi-line strings, rather than misread it; and with a line reader for the workflow's `on:`
//! block. Changing the settings means running `dist generate` (README, "Prebuilt binaries").

use std::collections::BTreeSet;
use std::path::Path;

/// The targets the release archives are built for (README, "Prebuilt binaries").
const TARGETS: [&str; 4] = [
    "aarch64-apple-darwin",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-unknown-linux-gnu",
];

/// Features that must stay off in the archives: they need libraries at build and run time.
const SOURCE_ONLY_FEATURES: [&str; 2] = ["cuda", "mpi"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    Array(Vec<Value>),
    /// Numbers, inline tables and dates, kept as written.
    Other(String),
}

impl Value {
    fn str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The strings of an array (a panic on anything else: the settings use string arrays).
    fn strings(&self) -> Vec<String> {
        match self {
            Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.str()
                        .unwrap_or_else(|| panic!("not a string: {v:?}"))
                        .to_string()
                })
                .collect(),
            v => panic!("not an array: {v:?}"),
        }
    }
}

/// One `key = value` of a TOML file: its table (`[a.b]` as `a.b`, `[[bin]]` as `[bin]`), its
/// key as written (`version.workspace` stays dotted) and its value.
#[derive(Debug)]
struct Entry {
    table: String,
    key: String,
    value: Value,
}

/// The text before a `#` that is outside a string.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return &line[..i],
            None => {}
        }
    }
    line
}

/// Whether the brackets and braces outside strings are all closed.
fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    depth == 0
}

fn parse_value(text: &str) -> (Value, &str) {
    let t = text.trim_start();
    if t.starts_with("\"\"\"") || t.starts_with("'''") {
        panic!("multi-line strings are not read here: {t}");
    }
    if let Some(rest) = t.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return (Value::Str(out), &rest[i + 1..]),
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, c @ ('"' | '\\'))) => out.push(c),
                    other => panic!("escape not read here: {other:?} in {t}"),
                },
                c => out.push(c),
            }
        }
        panic!("unterminated string: {t}");
    }
    if let Some(rest) = t.strip_prefix('\'') {
        let end = rest
            .find('\'')
            .unwrap_or_else(|| panic!("unterminated string: {t}"));
        return (Value::Str(rest[..end].to_string()), &rest[end + 1..]);
    }
    if let Some(mut rest) = t.strip_prefix('[') {
        let mut items = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix(']') {
                return (Value::Array(items), r);
            }
            let (v, r) = parse_value(rest);
            items.push(v);
            rest = r.trim_start();
            if let Some(r) = rest.strip_prefix(',') {
                rest = r;
            } else if !rest.starts_with(']') {
                panic!("expected ',' or ']' in an array: {t}");
            }
        }
    }
    if t.starts_with('{') {
        let mut depth = 0;
        for (i, c) in t.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return (Value::Other(t[..=i].to_string()), &t[i + 1..]);
                    }
                }
                _ => {}
            }
        }
        panic!("unterminated inline table: {t}");
    }
    let end = t.find([',', ']', '}']).unwrap_or(t.len());
    let word = t[..end].trim();
    let v = match word {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "" => panic!("a key without a value"),
        w => Value::Other(w.to_string()),
    };
    (v, &t[end..])
}

fn parse_toml(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut table = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut logical = strip_comment(line).trim().to_string();
        if logical.is_empty() {
            continue;
        }
        if let Some(name) = logical
            .strip_prefix("[[")
            .and_then(|l| l.strip_suffix("]]"))
        {
            table = format!("[{}]", name.trim());
            continue;
        }
        if let Some(name) = logical.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = name.trim().to_string();
            continue;
        }
        // An array or inline table may go on over the next lines.
        while !balanced(&logical) {
            let next = lines
                .next()
                .unwrap_or_else(|| panic!("unclosed value: {logical}"));
            logical.push(' ');
            logical.push_str(strip_comment(next).trim());
        }
        let (key, value) = logical
            .split_once('=')
            .unwrap_or_else(|| panic!("not `key = value`: {logical}"));
        let (value, rest) = parse_value(value);
        assert!(rest.trim().is_empty(), "text after a value: {logical}");
        entries.push(Entry {
            table: table.clone(),
            key: key.trim().trim_matches('"').to_string(),
            value,
        });
    }
    entries
}

fn get<'a>(entries: &'a [Entry], table: &str, key: &str) -> Option<&'a Value> {
    let mut found = entries.iter().filter(|e| e.table == table && e.key == key);
    let first = found.next().map(|e| &e.value);
    assert!(found.next().is_none(), "[{table}] {key} is set twice");
    first
}

/// A `[dist]` or `[package.metadata.dist]` setting that would turn a feature on.
fn enabled_features(entries: &[Entry], table: &str, what: &str) -> Vec<String> {
    let mut on = Vec::new();
    if let Some(v) = get(entries, table, "all-features") {
        assert_eq!(
            v,
            &Value::Bool(false),
            "{what}: all-features would build cuda and mpi"
        );
    }
    if let Some(v) = get(entries, table, "features") {
        on.extend(v.strings());
    }
    on
}

/// The workspace's crates: (manifest path, entries).
fn workspace_crates() -> Vec<(String, Vec<Entry>)> {
    let manifest = parse_toml(&read("Cargo.toml"));
    let members = get(&manifest, "workspace", "members")
        .expect("[workspace] members")
        .strings();
    let mut crates = vec![("Cargo.toml".to_string(), manifest)];
    for m in members {
        assert!(
            !m.contains('*'),
            "a glob in workspace members is not read here: {m}"
        );
        let path = format!("{m}/Cargo.toml");
        let entries = parse_toml(&read(&path));
        crates.push((path, entries));
    }
    crates
}

fn has_binary(manifest: &str, entries: &[Entry]) -> bool {
    let dir = root().join(manifest).parent().unwrap().to_path_buf();
    let autobins = get(entries, "package", "autobins") != Some(&Value::Bool(false));
    entries.iter().any(|e| e.table == "[bin]")
        || (autobins && (dir.join("src/main.rs").exists() || dir.join("src/bin").is_dir()))
}

#[test]
fn the_toml_reader_reads_what_the_settings_use() {
    let e = parse_toml(
        "[a] # c\nx = \"s#t\" # c\ny = ['p', \"q\\\"\",\n  \"r\", # c\n]\nz = true\n\
         [[bin]]\nname = 'b'\nw.k = { path = \"p\" }\nn = 3\n",
    );
    assert_eq!(get(&e, "a", "x"), Some(&Value::Str("s#t".into())));
    assert_eq!(get(&e, "a", "y").unwrap().strings(), ["p", "q\"", "r"]);
    assert_eq!(get(&e, "a", "z"), Some(&Value::Bool(true)));
    assert_eq!(get(&e, "[bin]", "name"), Some(&Value::Str("b".into())));
    assert_eq!(
        get(&e, "[bin]", "w.k"),
        Some(&Value::Other("{ path = \"p\" }".into()))
    );
    assert_eq!(get(&e, "[bin]", "n"), Some(&Value::Other("3".into())));
}

#[test]
fn dist_builds_the_four_targets() {
    let dist = parse_toml(&read("dist-workspace.toml"));
    let targets: BTreeSet<String> = get(&dist, "dist", "targets")
        .expect("[dist] targets")
        .strings()
        .into_iter()
        .collect();
    let want: BTreeSet<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    assert_eq!(targets, want, "dist-workspace.toml: [dist] targets");
    // The README documents the shell installer and GitHub Releases as where archives live.
    let listed = |key| {
        get(&dist, "dist", key)
            .map(|v| v.strings())
            .unwrap_or_default()
    };
    assert!(listed("installers").contains(&"shell".to_string()));
    let ci = get(&dist, "dist", "ci").expect("[dist] ci");
    let ci = ci
        .str()
        .map(|s| vec![s.to_string()])
        .unwrap_or_else(|| ci.strings());
    assert!(ci.contains(&"github".to_string()), "[dist] ci: {ci:?}");
    // `dist` builds with the profile it added (thin LTO on top of release).
    let manifest = parse_toml(&read("Cargo.toml"));
    assert_eq!(
        get(&manifest, "profile.dist", "inherits"),
        Some(&Value::Str("release".into())),
        "Cargo.toml: [profile.dist]"
    );
}

#[test]
fn pdec_is_the_one_package_released() {
    let dist = parse_toml(&read("dist-workspace.toml"));
    assert_eq!(
        get(&dist, "workspace", "members").map(Value::strings),
        Some(vec!["cargo:.".to_string()]),
        "dist-workspace.toml: dist reads the Cargo workspace at the root"
    );
    let default_on = get(&dist, "dist", "dist") != Some(&Value::Bool(false));
    let mut released = Vec::new();
    for (path, entries) in workspace_crates() {
        let name = get(&entries, "package", "name")
            .and_then(Value::str)
            .unwrap_or_else(|| panic!("{path}: package.name"))
            .to_string();
        let flag = get(&entries, "package.metadata.dist", "dist");
        if name != "pdec" {
            // Libraries stay out even if one gains a binary (a tool, an example runner).
            assert_eq!(flag, Some(&Value::Bool(false)), "{path}: set dist = false");
        }
        let on = match flag {
            Some(v) => v == &Value::Bool(true),
            None => default_on,
        };
        if on && has_binary(&path, &entries) {
            released.push(name);
        }
    }
    assert_eq!(released, ["pdec"], "the packages dist would release");
}

#[test]
fn release_builds_leave_cuda_and_mpi_off() {
    let dist = parse_toml(&read("dist-workspace.toml"));
    let manifest = parse_toml(&read("Cargo.toml"));
    let mut on = enabled_features(&dist, "dist", "dist-workspace.toml [dist]");
    on.extend(enabled_features(
        &manifest,
        "package.metadata.dist",
        "Cargo.toml [package.metadata.dist]",
    ));
    let default_features = [
        get(&dist, "dist", "default-features"),
        get(&manifest, "package.metadata.dist", "default-features"),
    ];
    if !default_features.contains(&Some(&Value::Bool(false)))
        && let Some(v) = get(&manifest, "features", "default")
    {
        on.extend(v.strings());
    }
    // A feature is off only if nothing switched on reaches it through `[features]`.
    let mut reach: Vec<String> = on.clone();
    let mut seen = BTreeSet::new();
    while let Some(f) = reach.pop() {
        if !seen.insert(f.clone()) {
            continue;
        }
        for s in SOURCE_ONLY_FEATURES {
            assert!(
                f != s && !f.ends_with(&format!("/{s}")),
                "a release build would enable `{s}` (through {on:?})"
            );
        }
        if let Some(v) = get(&manifest, "features", &f) {
            reach.extend(v.strings());
        }
    }
    // The features exist: a rename must come here too.
    for s in SOURCE_ONLY_FEATURES {
        assert!(
            get(&manifest, "features", s).is_some(),
            "Cargo.toml: feature {s}"
        );
    }
}

/// GitHub's filter patterns for branches and tags: `*` (no `/`), `**`, `?`, `+` (one or more
/// of the previous character or class) and `[...]` classes with ranges.
fn glob_matches(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Debug)]
    enum Atom {
        Any { slash: bool },
        Class(Vec<(char, char)>),
    }
    #[derive(Clone, Debug)]
    enum Tok {
        Star { slash: bool },
        One(Atom),
        Plus(Atom),
        Opt(Atom),
    }
    let p: Vec<char> = pattern.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < p.len() {
        let atom = match p[i] {
            '*' => {
                let slash = p.get(i + 1) == Some(&'*');
                i += if slash { 2 } else { 1 };
                toks.push(Tok::Star { slash });
                continue;
            }
            '?' => {
                // `?` after a character makes it optional; alone it is one character.
                i += 1;
                match toks.pop() {
                    Some(Tok::One(a)) => {
                        toks.push(Tok::Opt(a));
                        continue;
                    }
                    t => {
                        toks.extend(t);
                        Atom::Any { slash: false }
                    }
                }
            }
            '+' => {
                i += 1;
                match toks.pop() {
                    Some(Tok::One(a)) => toks.push(Tok::Plus(a)),
                    t => panic!("`+` after {t:?} in {pattern}"),
                }
                continue;
            }
            '[' => {
                let end = i + p[i..].iter().position(|&c| c == ']').expect("closed class");
                let body = &p[i + 1..end];
                let mut ranges = Vec::new();
                let mut j = 0;
                while j < body.len() {
                    if j + 2 < body.len() && body[j + 1] == '-' {
                        ranges.push((body[j], body[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((body[j], body[j]));
                        j += 1;
                    }
                }
                i = end + 1;
                Atom::Class(ranges)
            }
            '\\' => {
                i += 2;
                Atom::Class(vec![(p[i - 1], p[i - 1])])
            }
            c => {
                i += 1;
                Atom::Class(vec![(c, c)])
            }
        };
        toks.push(Tok::One(atom));
    }
    fn atom_ok(a: &Atom, c: char) -> bool {
        match a {
            Atom::Any { slash } => *slash || c != '/',
            Atom::Class(r) => r.iter().any(|&(lo, hi)| lo <= c && c <= hi),
        }
    }
    fn go(toks: &[Tok], t: &[char]) -> bool {
        let Some((first, rest)) = toks.split_first() else {
            return t.is_empty();
        };
        match first {
            Tok::Star { slash } => (0..=t.len())
                .take_while(|&k| k == 0 || *slash || t[k - 1] != '/')
                .any(|k| go(rest, &t[k..])),
            Tok::One(a) => !t.is_empty() && atom_ok(a, t[0]) && go(rest, &t[1..]),
            Tok::Opt(a) => go(rest, t) || (!t.is_empty() && atom_ok(a, t[0]) && go(rest, &t[1..])),
            Tok::Plus(a) => {
                let n = t.iter().take_while(|&&c| atom_ok(a, c)).count();
                (1..=n).any(|k| go(rest, &t[k..]))
            }
        }
    }
    let text: Vec<char> = text.chars().collect();
    go(&toks, &text)
}

/// The tag patterns under `on: push: tags:` of a workflow.
fn tag_patterns(workflow: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let lines: Vec<&str> = workflow
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "on:" || l.trim_end() == "\"on\":")
        .expect("a top-level `on:` block");
    let block: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| indent(l) > 0)
        .copied()
        .collect();
    let push = block
        .iter()
        .position(|l| l.trim() == "push:")
        .expect("`on: push:`");
    let push_indent = indent(block[push]);
    let in_push: Vec<&str> = block[push + 1..]
        .iter()
        .take_while(|l| indent(l) > push_indent)
        .copied()
        .collect();
    let tags = in_push
        .iter()
        .position(|l| l.trim() == "tags:")
        .expect("`on: push: tags:`");
    let tags_indent = indent(in_push[tags]);
    in_push[tags + 1..]
        .iter()
        .take_while(|l| indent(l) > tags_indent)
        .map(|l| {
            let item = l
                .trim()
                .strip_prefix("- ")
                .expect("a list of patterns")
                .trim();
            item.trim_matches(|c| c == '\'' || c == '"').to_string()
        })
        .collect()
}

#[test]
fn the_tag_pattern_reader_knows_github_globs() {
    let p = "**[0-9]+.[0-9]+.[0-9]+*";
    for tag in ["v0.1.0", "v12.3.45", "pdec/v1.0.0-rc.1", "1.2.3"] {
        assert!(glob_matches(p, tag), "{tag}");
    }
    for tag in ["v1.2", "latest", "v.1.2", ""] {
        assert!(!glob_matches(p, tag), "{tag}");
    }
    assert!(glob_matches("v*", "v1") && !glob_matches("v*", "v1/x") && glob_matches("v**", "v1/x"));
    let yml = "name: R\non:\n  pull_request:\n  push:\n    # c\n    tags:\n      - 'v*'\n      \
               - \"x\"\n    branches:\n      - main\njobs:\n  a:\n";
    assert_eq!(tag_patterns(yml), ["v*", "x"]);
}

#[test]
fn the_workflow_runs_on_version_tags_with_the_configured_dist() {
    let workflow = read(".github/workflows/release.yml");
    assert!(
        workflow.starts_with("# This file was autogenerated by dist"),
        "the release workflow is dist's own (`dist generate` writes it)"
    );
    let patterns = tag_patterns(&workflow);
    let manifest = parse_toml(&read("Cargo.toml"));
    let version = get(&manifest, "workspace.package", "version")
        .and_then(Value::str)
        .expect("[workspace.package] version");
    for tag in [format!("v{version}"), "v0.1.0".into(), "v1.2.3-rc.1".into()] {
        assert!(
            patterns.iter().any(|p| glob_matches(p, &tag)),
            "the tag {tag} starts no release (patterns {patterns:?})"
        );
    }
    for tag in ["nightly", "docs-update"] {
        assert!(
            !patterns.iter().any(|p| glob_matches(p, tag)),
            "{tag} starts a release"
        );
    }

    let dist = parse_toml(&read("dist-workspace.toml"));
    let want = get(&dist, "dist", "cargo-dist-version")
        .and_then(Value::str)
        .expect("[dist] cargo-dist-version");
    let marker = "cargo-dist/releases/download/v";
    let installed: BTreeSet<&str> = workflow
        .match_indices(marker)
        .map(|(i, _)| {
            let rest = &workflow[i + marker.len()..];
            &rest[..rest.find('/').expect("a version folder")]
        })
        .collect();
    assert_eq!(
        installed,
        BTreeSet::from([want]),
        "the workflow installs another dist than [dist] cargo-dist-version: run `dist generate`"
    );
}

/// The README's section from `## Prebuilt binaries` to the next `## `.
fn readme_section() -> String {
    let readme = read("README.md");
    let start = readme
        .find("\n## Prebuilt binaries\n")
        .expect("README: a `## Prebuilt binaries` section");
    let body = &readme[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |e| e + 3);
    body[..end].to_string()
}

#[test]
fn the_readme_names_the_released_targets_and_repository() {
    let section = readme_section();
    // Every target triple the section names, and every archive name.
    let words: BTreeSet<&str> = section
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .collect();
    let triples: BTreeSet<String> = words
        .iter()
        .filter_map(|w| {
            let w = w.trim_end_matches(".tar.xz").trim_start_matches("pdec-");
            (w.contains("-apple-") || w.contains("-linux-") || w.contains("-windows-"))
                .then(|| w.to_string())
        })
        .collect();
    let want: BTreeSet<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    assert_eq!(
        triples, want,
        "README, Prebuilt binaries: the targets it names"
    );
    for t in TARGETS {
        assert!(
            section.contains(&format!("pdec-{t}.tar.xz")),
            "README, Prebuilt binaries: the archive of {t}"
        );
    }
    // The download URLs are the ones dist writes into the installer: the repository's
    // GitHub Releases.
    let manifest = parse_toml(&read("Cargo.toml"));
    let repo = get(&manifest, "package", "repository")
        .and_then(Value::str)
        .expect("Cargo.toml: package.repository (dist's GitHub CI needs it)");
    assert!(repo.starts_with("https://github.com/"), "{repo}");
    let urls: Vec<&str> = section
        .split_whitespace()
        .filter(|w| w.starts_with("https://github.com/"))
        .collect();
    assert!(!urls.is_empty(), "README, Prebuilt binaries: download URLs");
    for u in urls {
        assert!(
            u.starts_with(&format!("{repo}/releases/")),
            "README: {u} is not under {repo}/releases/"
        );
    }
    assert!(section.contains(&format!(
        "{repo}/releases/latest/download/pdec-installer.sh"
    )));
}
