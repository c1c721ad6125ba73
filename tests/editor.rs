//! Editor support stays in step with the language: the TextMate grammar and the VS Code
//! manifest are valid JSON, every keyword of `grammar/pde.pest` is highlighted as a keyword,
//! every built-in function and std module is known to the grammar, and the extension starts
//! `pdec lsp`.

use std::path::Path;

fn json(path: &str) -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"))
}

/// The words of the pest rule `keyword = @{ ... }`.
fn pest_keywords() -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/pde.pest");
    let text = std::fs::read_to_string(p).expect("grammar");
    let start = text.find("\nkeyword = @{").expect("keyword rule");
    let body = &text[start..];
    let body = &body[..body.find("~ !ident_char").expect("end of keyword rule")];
    body.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every `match` regex of the grammar whose scope (`name`, or a capture's) satisfies `f`.
fn matches(v: &serde_json::Value, f: &dyn Fn(&str) -> bool, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            let named = |o: &serde_json::Map<String, serde_json::Value>| {
                o.get("name").and_then(|n| n.as_str()).is_some_and(f)
                    || ["captures", "beginCaptures"].iter().any(|c| {
                        o.get(*c).and_then(|c| c.as_object()).is_some_and(|c| {
                            c.values()
                                .any(|x| x.get("name").and_then(|n| n.as_str()).is_some_and(f))
                        })
                    })
            };
            if named(m) {
                for key in ["match", "begin"] {
                    if let Some(s) = m.get(key).and_then(|s| s.as_str()) {
                        out.push(s.to_string());
                    }
                }
            }
            for x in m.values() {
                matches(x, f, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| matches(x, f, out)),
        _ => {}
    }
}

/// The alternatives of the regexes: the words they can match literally.
fn words(regexes: &[String]) -> Vec<String> {
    regexes
        .iter()
        .flat_map(|r| {
            r.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn manifests_are_valid_json() {
    let pkg = json("editors/vscode/package.json");
    assert_eq!(pkg["contributes"]["grammars"][0]["scopeName"], "source.pde");
    assert_eq!(pkg["contributes"]["languages"][0]["extensions"][0], ".pde");
    let conf = json("editors/vscode/language-configuration.json");
    assert_eq!(conf["comments"]["lineComment"], "//");
    assert_eq!(conf["comments"]["blockComment"][0], "/*");
    assert_eq!(conf["brackets"].as_array().map(Vec::len), Some(3));
}

#[test]
fn every_pest_keyword_is_a_keyword_of_the_textmate_grammar() {
    let g = json("editors/pde.tmLanguage.json");
    assert_eq!(g["scopeName"], "source.pde");
    let mut regexes = Vec::new();
    matches(
        &g,
        &|s| s.starts_with("keyword") || s.starts_with("constant.language"),
        &mut regexes,
    );
    let known = words(&regexes);
    let keywords = pest_keywords();
    assert!(keywords.len() >= 25, "{keywords:?}");
    let missing: Vec<&String> = keywords.iter().filter(|k| !known.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "keywords not in the TextMate grammar: {missing:?}"
    );
    // The compiler's list is the grammar's.
    let mut ours: Vec<String> = pdec_lang::syntax::KEYWORDS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut theirs = keywords.clone();
    ours.sort();
    theirs.sort();
    assert_eq!(
        ours, theirs,
        "pdec::syntax::KEYWORDS differs from grammar/pde.pest"
    );
}

/// The words that `grammar/pde.pest` spells as keywords of one statement (`kw_coef = @{ "coef"
/// ~ !ident_char }`, `coef_log`) but leaves out of its reserved `keyword` rule.
fn pest_contextual_keywords() -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/pde.pest");
    let text = std::fs::read_to_string(p).expect("grammar");
    let reserved = pest_keywords();
    text.lines()
        .filter_map(|l| {
            let (rule, body) = l.split_once('=')?;
            let rule = rule.trim();
            let word = body
                .trim()
                .strip_prefix("@{ \"")?
                .strip_suffix("\" ~ !ident_char }")?;
            (rule.starts_with("kw_") || rule == "coef_log").then(|| word.to_string())
        })
        .filter(|w| !reserved.contains(w))
        .collect()
}

/// `coef`, `init`, `log`, `at`, `from`, `weight`, `noise` and `mean` are keywords only in
/// their statements (`unknown coef k(x) in [0, 1] init 0.5 log`, `observe d(u, x) at x = 1
/// from "f.csv" noise 0.01`, `mean p = 0`), and names or functions elsewhere: each is
/// highlighted as a keyword by a rule of those statements, and none by the rules that apply
/// everywhere (`log(x)` stays a function, `at` or `noise` a name).
#[test]
fn contextual_keywords_are_highlighted_in_their_statements_only() {
    let g = json("editors/pde.tmLanguage.json");
    let contextual = pest_contextual_keywords();
    for w in [
        "coef", "init", "log", "at", "from", "weight", "noise", "mean",
    ] {
        assert!(contextual.iter().any(|c| c == w), "{w} in {contextual:?}");
    }
    let is_keyword = |s: &str| s.starts_with("keyword");
    let mut statements = Vec::new();
    matches(
        &g["repository"]["declarations"],
        &is_keyword,
        &mut statements,
    );
    let mut everywhere = Vec::new();
    matches(&g["repository"]["keywords"], &is_keyword, &mut everywhere);
    let statements = words(&statements);
    let everywhere = words(&everywhere);
    let missing: Vec<&String> = contextual
        .iter()
        .filter(|w| !statements.contains(w) && !everywhere.contains(w))
        .collect();
    assert!(
        missing.is_empty(),
        "contextual keywords not in the TextMate grammar: {missing:?}"
    );
    for w in [
        "coef", "init", "log", "at", "from", "weight", "noise", "mean",
    ] {
        assert!(
            !everywhere.iter().any(|e| e == w),
            "`{w}` is highlighted as a keyword everywhere, not only in its statement"
        );
    }
    // `log` is a keyword only where no `(` follows it: `log(x)` is the function there too.
    let mut logs = Vec::new();
    matches(&g["repository"]["declarations"], &is_keyword, &mut logs);
    let log = logs
        .iter()
        .find(|r| r.contains("(log)"))
        .expect("a rule for `log`");
    assert!(log.contains("(?!\\s*\\()"), "{log}");
}

#[test]
fn builtins_and_std_modules_are_highlighted() {
    let g = json("editors/pde.tmLanguage.json");
    let mut regexes = Vec::new();
    matches(
        &g,
        &|s| s.starts_with("support.function") || s.starts_with("constant.language"),
        &mut regexes,
    );
    let known = words(&regexes);
    let missing: Vec<&str> = pdec_lang::builtins::BUILTINS
        .iter()
        .map(|b| b.name)
        .filter(|n| !known.iter().any(|k| k == n))
        .collect();
    assert!(
        missing.is_empty(),
        "built-ins not in the TextMate grammar: {missing:?}"
    );
    let mut ns = Vec::new();
    matches(&g, &|s| s.starts_with("entity.name.namespace"), &mut ns);
    assert!(words(&ns).iter().any(|w| w == "std"), "{ns:?}");
}

/// What `extension.js` hands the language client, with `vscode` and the client stubbed (the
/// real ones need VS Code): `pdec.path` (or its default) run as `pdec lsp` for `.pde` files.
/// Needs `node` (`.ci/run` installs Debian's `nodejs` where it is missing).
#[test]
fn the_vscode_extension_starts_pdec_lsp() {
    let pkg = json("editors/vscode/package.json");
    assert_eq!(pkg["main"], "./extension.js");
    assert_eq!(pkg["activationEvents"][0], "onLanguage:pde");
    let setting = &pkg["contributes"]["configuration"]["properties"]["pdec.path"];
    assert_eq!(setting["default"], "pdec");
    assert!(pkg["dependencies"]["vscode-languageclient"].is_string());
    const STUBS: &str = r#"
const Module = require('module');
const seen = {};
const stubs = {
  vscode: { workspace: { getConfiguration: (section) => ({ get: (key) => {
    seen.setting = section + '.' + key;
    return process.env.PDEC_PATH_SETTING || undefined;
  } }) } },
  'vscode-languageclient/node': { LanguageClient: class {
    constructor(id, name, server, client) { Object.assign(seen, { id, server, client }); }
    start() { seen.started = true; return Promise.resolve(); }
    stop() { seen.stopped = true; return Promise.resolve(); }
  } },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request in stubs ? stubs[request] : load.call(this, request, ...rest);
};
const ext = require(process.argv[1]);
Promise.resolve(ext.activate({ subscriptions: [] }))
  .then(() => ext.deactivate())
  .then(() => console.log(JSON.stringify(seen)));
"#;
    let extension = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode/extension.js");
    let run = |setting: &str| {
        let out = std::process::Command::new("node")
            .args(["-e", STUBS])
            .arg(&extension)
            .env("PDEC_PATH_SETTING", setting)
            .output();
        match out {
            Ok(o) if o.status.success() => {
                serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("the stub's JSON")
            }
            Ok(o) => panic!("extension.js: {}", String::from_utf8_lossy(&o.stderr)),
            Err(e) => panic!("node runs extension.js ({e}): install Node.js (`.ci/run` does)"),
        }
    };
    let seen = run("");
    assert_eq!(seen["setting"], "pdec.path");
    assert_eq!(seen["server"]["command"], setting["default"]);
    assert_eq!(seen["server"]["args"], serde_json::json!(["lsp"]));
    assert!(seen["server"].get("transport").is_none(), "stdio: {seen}");
    assert_eq!(seen["client"]["documentSelector"][0]["language"], "pde");
    assert_eq!(seen["started"], true);
    assert_eq!(seen["stopped"], true);
    let seen = run("/opt/pdec/bin/pdec");
    assert_eq!(seen["server"]["command"], "/opt/pdec/bin/pdec");
}
