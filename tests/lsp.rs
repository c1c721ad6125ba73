//! `pdec lsp` driven as an editor drives it: the binary spawned, JSON-RPC messages with
//! `Content-Length` framing over its standard input and output. Each test opens documents
//! and checks what comes back (diagnostics, hover, completion, definition, formatting)
//! against what `pdec check`, `pdec explain` and `pdec fmt` say of the same text, and that
//! `shutdown` then `exit` ends the server with code 0. Every read has a time limit, so a
//! server that hangs fails the test instead of blocking it.

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// Longest wait for one message (a compile of a test problem takes milliseconds).
const TIMEOUT: Duration = Duration::from_secs(20);

/// A client of one `pdec lsp` process.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Notifications read while waiting for a response.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Spawns `pdec lsp` and completes the `initialize` handshake; returns the client and
    /// the `initialize` result.
    fn start() -> (Client, Value) {
        Client::start_with(&["lsp"])
    }

    /// [`Client::start`] with the command line `pdec ARGS...`.
    fn start_with(args: &[&str]) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pdec"))
            .args(args)
            .current_dir(common::root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("pdec lsp starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            stdin: child.stdin.take(),
            child,
            messages: rx,
            pending: Vec::new(),
            next_id: 0,
        };
        let init = c.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        c.notify("initialized", json!({}));
        (c, init)
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).expect("json");
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write");
        stdin.write_all(&body).expect("write");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn next(&mut self) -> Value {
        self.messages
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|e| panic!("no message from pdec lsp within {TIMEOUT:?}: {e}"))
    }

    /// The whole response to a request (`result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let m = self.next();
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m;
            }
            self.pending.push(m);
        }
    }

    /// A request's result, asserted not to be an error.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method}: {r}");
        r["result"].clone()
    }

    /// The next notification `method`'s params.
    fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == method) {
            return self.pending.remove(i)["params"].clone();
        }
        loop {
            let m = self.next();
            if m["method"] == method {
                return m["params"].clone();
            }
            self.pending.push(m);
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "pde", "version": 1, "text": text } }),
        );
        self.diagnostics(uri)
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) -> Value {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
        self.diagnostics(uri)
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            let p = self.notification("textDocument/publishDiagnostics");
            if p["uri"] == uri {
                return p;
            }
        }
    }

    fn at(&mut self, method: &str, uri: &str, (line, character): (usize, usize)) -> Value {
        self.request(
            method,
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        )
    }

    /// `shutdown`, `exit`, and the exit code.
    fn stop(mut self) -> Option<i32> {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(mut self) -> Option<i32> {
        drop(self.stdin.take());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("pdec lsp did not exit within 20 s");
    }
}

/// One message: `Content-Length` headers, a blank line, the JSON body.
fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A scratch file's path and URI (the file holds `text`, for the commands to read).
fn scratch(name: &str, text: &str) -> (PathBuf, String) {
    let dir = common::out_dir("lsp", name);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let path = dir.join(format!("{name}.pde"));
    std::fs::write(&path, text).expect("written");
    let uri = format!("file://{}", path.display()).replace(' ', "%20");
    (path, uri)
}

/// The (line, UTF-16 column) of the `nth` occurrence of `needle` (plus `shift` characters).
fn position(text: &str, needle: &str, nth: usize, shift: usize) -> (usize, usize) {
    let at = text.match_indices(needle).nth(nth).expect("in the text").0;
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..at].encode_utf16().count() + shift)
}

fn range(line: usize, a: usize, b: usize) -> Value {
    json!({ "start": { "line": line, "character": a }, "end": { "line": line, "character": b } })
}

fn markdown(hover: &Value) -> String {
    assert_eq!(hover["contents"]["kind"], "markdown", "{hover}");
    hover["contents"]["value"]
        .as_str()
        .expect("text")
        .to_string()
}

fn pdec_out(args: &[&str]) -> String {
    String::from_utf8_lossy(&common::pdec(args).stdout).into_owned()
}

const HEAT: &str = "// Heat in 20 dimensions.\nproblem heat\n\nconst d = 20\nconst k = 0.5\n\
    param a in [1, 2]\n\ntime    t in [0, 1]\nspace   x in [0, 1]^d\nunknown u(t, x)\n\n\
    fn g(z) = a * norm2(z) / d\n\npde      d(u, t) = k * lap(u)\ninitial  u = g(x)\n\
    boundary on(x): u = g(x) + 2 * k * a * t\n\nsolve {\n  steps = 10\n}\n";

#[test]
fn initialize_announces_the_capabilities_and_shutdown_exits_0() {
    let (c, init) = Client::start();
    let caps = &init["capabilities"];
    assert_eq!(caps["textDocumentSync"], 1, "full text sync: {init}");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["documentFormattingProvider"], true);
    assert!(caps["completionProvider"].is_object(), "{init}");
    assert_eq!(init["serverInfo"]["name"], "pdec");
    assert_eq!(c.stop(), Some(0));
}

/// An `exit` without `shutdown` ends the server with code 1, as the protocol asks (`--stdio`,
/// which clients may add, changes nothing); so does a stream that is not JSON-RPC, without
/// a panic (exit code 2).
#[test]
fn exit_without_shutdown_or_a_broken_stream_exits_1() {
    let (mut c, _) = Client::start_with(&["lsp", "--stdio"]);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait(), Some(1));
    let (mut c, _) = Client::start();
    let stdin = c.stdin.as_mut().expect("stdin");
    stdin
        .write_all(b"Content-Length: 7\r\n\r\n{{{{{{{")
        .expect("written");
    stdin.flush().expect("flushed");
    assert_eq!(c.wait(), Some(1));
}

/// Diagnostics of an unsaved text are `pdec check`'s of the same text: code, message, help,
/// the range in UTF-16 columns (non-ASCII characters before the error on its line); a change
/// that fixes the error clears them.
#[test]
fn diagnostics_follow_the_text_as_it_changes() {
    let broken = "param nu in [0.01, 0.1]\ntime t in [0, 1]\nspace x in [0, 1]\n\
        unknown u(t, x)\npde d(u, t) = /* ∂𝜕 */ nuu * d(u, x, x)\ninitial u = 0\n\
        boundary on(x): u = 0\n";
    let (path, uri) = scratch("diagnostics", broken);
    let (mut c, _) = Client::start();
    let published = c.open(&uri, broken);
    assert_eq!(published["version"], 1);
    let diags = published["diagnostics"].as_array().expect("a list").clone();
    assert_eq!(diags.len(), 1, "{published}");
    let d = &diags[0];
    assert_eq!(d["code"], "pdec::resolve::unknown_name");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "pdec");
    // `nuu` starts after `∂` (one UTF-16 unit) and `𝜕` (two): column 24, not 23 characters
    // or 27 bytes.
    assert_eq!(position(broken, "nuu", 0, 0), (4, 24));
    assert_eq!(d["range"], range(4, 24, 27));
    let message = d["message"].as_str().expect("a message");
    assert_eq!(
        message,
        "unknown name `nuu`\nnot declared\nhelp: did you mean `nu`?"
    );
    // The same as `pdec check` on the saved file.
    let check = common::pdec(&[
        "check",
        "--message-format",
        "json",
        path.to_str().expect("utf8"),
    ]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    let json: Value = serde_json::from_str(stderr.lines().next().expect("a line")).expect("json");
    assert_eq!(json["code"], d["code"]);
    assert!(message.starts_with(json["message"].as_str().expect("message")));
    assert!(message.ends_with(json["help"].as_str().expect("help")));
    let fixed = broken.replace("nuu", "nu");
    let published = c.change(&uri, 2, &fixed);
    assert_eq!(published["version"], 2);
    assert_eq!(published["diagnostics"], json!([]), "{published}");
    // Broken again: the diagnostic comes back.
    let published = c.change(&uri, 3, broken);
    assert_eq!(
        published["diagnostics"][0]["code"],
        "pdec::resolve::unknown_name"
    );
    assert_eq!(c.stop(), Some(0));
}

/// Hover on a statement is what `pdec explain` says of its term; on a name, its
/// declaration; on a std function, its declaration in the std module.
#[test]
fn hover_shows_the_plan_of_a_term_and_the_declaration_of_a_name() {
    let (path, uri) = scratch("hover", HEAT);
    let (mut c, _) = Client::start();
    assert_eq!(c.open(&uri, HEAT)["diagnostics"], json!([]));
    let pde = markdown(&c.at("textDocument/hover", &uri, position(HEAT, "pde", 0, 1)));
    assert!(pde.contains("path: monte_carlo"), "{pde}");
    assert!(pde.contains("B = sqrt(s) D L has 20 column(s)"), "{pde}");
    assert!(pde.contains("work per collocation point"), "{pde}");
    let explain = pdec_out(&["explain", path.to_str().expect("utf8")]);
    let block = pde.split("```text\n").nth(1).expect("a text block");
    for line in block
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with("```"))
    {
        assert!(
            explain.contains(line),
            "`{line}` is not in pdec explain:\n{explain}"
        );
    }
    let initial = markdown(&c.at("textDocument/hover", &uri, position(HEAT, "initial", 0, 0)));
    assert!(
        initial.contains("initial") && initial.contains("weight"),
        "{initial}"
    );
    // A const's use: its declaration with the comment above it (none here).
    let k = markdown(&c.at("textDocument/hover", &uri, position(HEAT, "k * lap", 0, 0)));
    assert_eq!(k, "```pde\nconst k = 0.5\n```");
    let g = markdown(&c.at("textDocument/hover", &uri, position(HEAT, "g(x)", 0, 0)));
    assert!(g.contains("fn g(z) = a * norm2(z) / d"), "{g}");
    let norm2 = markdown(&c.at("textDocument/hover", &uri, position(HEAT, "norm2", 0, 2)));
    assert!(
        norm2.contains("fn norm2(") && norm2.contains("std::prelude"),
        "{norm2}"
    );
    let lap = markdown(&c.at("textDocument/hover", &uri, position(HEAT, "lap", 0, 0)));
    assert!(lap.contains("lap(u)") && lap.contains("Laplacian"), "{lap}");
    // A problem with an error has no plan to show.
    let broken = HEAT.replace("const k = 0.5", "const k = 0.5 * q");
    c.change(&uri, 2, &broken);
    let pde = markdown(&c.at("textDocument/hover", &uri, position(&broken, "pde", 0, 0)));
    assert!(pde.contains("no training plan"), "{pde}");
    assert_eq!(c.stop(), Some(0));
}

#[test]
fn completion_offers_keywords_functions_and_settings() {
    let (_, uri) = scratch("completion", HEAT);
    let (mut c, _) = Client::start();
    c.open(&uri, HEAT);
    let labels = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a list of items")
            .iter()
            .map(|i| i["label"].as_str().expect("label").to_string())
            .collect()
    };
    let body = labels(&c.at(
        "textDocument/completion",
        &uri,
        position(HEAT, "initial", 0, 0),
    ));
    for want in [
        "boundary",
        "constraint",
        "lap",
        "exp",
        "normal_cdf",
        "bs_call",
        "g",
        "k",
    ] {
        assert!(body.contains(&want.to_string()), "`{want}` not in {body:?}");
    }
    assert!(!body.contains(&"mc_noise".to_string()));
    let settings = labels(&c.at(
        "textDocument/completion",
        &uri,
        position(HEAT, "steps", 0, 0),
    ));
    for want in ["steps", "lr", "second_order", "batch"] {
        assert!(
            settings.contains(&want.to_string()),
            "`{want}` not in {settings:?}"
        );
    }
    assert!(!settings.contains(&"boundary".to_string()));
    assert_eq!(c.stop(), Some(0));
}

/// The words that are keywords only in one statement come where that statement takes them
/// next, and not elsewhere: `coef` after `unknown`, `init` and `log` after an unknown
/// coefficient's range, `at` and `from` after `observe`'s target, `weight` and `noise` after
/// its file.
#[test]
fn completion_offers_contextual_keywords_in_their_statements() {
    let text = "problem inverse\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\n\
        unknown \nunknown coef k(x) in [0.01, 2] \nobserve d(u, x) \n\
        observe u from \"u.csv\" \npde d(u, t) = k * lap(u)\n";
    let (_, uri) = scratch("contextual", text);
    let (mut c, _) = Client::start();
    c.open(&uri, text);
    // After the `nth` occurrence of `needle`.
    let keywords = |c: &mut Client, needle: &str, nth: usize| -> Vec<String> {
        let at = position(text, needle, nth, needle.len());
        c.at("textDocument/completion", &uri, at)
            .as_array()
            .expect("a list of items")
            .iter()
            .filter(|i| i["kind"] == 14)
            .map(|i| i["label"].as_str().expect("label").to_string())
            .collect()
    };
    let contextual = ["coef", "init", "log", "at", "from", "weight", "noise"];
    for (needle, nth, want) in [
        ("unknown ", 1, &["coef"][..]),
        ("in [0.01, 2] ", 0, &["init", "log"]),
        ("observe d(u, x) ", 0, &["at", "from"]),
        ("\"u.csv\" ", 0, &["weight", "noise"]),
        ("pde d(u, t) = ", 0, &[]),
        ("u(t, x)", 0, &[]),
    ] {
        let got = keywords(&mut c, needle, nth);
        for w in contextual {
            assert_eq!(
                got.iter().any(|g| g == w),
                want.contains(&w),
                "`{w}` after `{needle}`: {got:?}"
            );
        }
        assert!(got.iter().any(|g| g == "boundary"), "{got:?}");
    }
    assert_eq!(c.stop(), Some(0));
}

#[test]
fn definition_goes_to_the_declaring_name() {
    let (_, uri) = scratch("definition", HEAT);
    let (mut c, _) = Client::start();
    c.open(&uri, HEAT);
    for (usage, declared) in [
        ("k * lap", "k = 0.5"),
        ("g(x)", "g(z)"),
        ("a * norm2", "a in"),
        ("z) / d", "z) ="),
    ] {
        let loc = c.at("textDocument/definition", &uri, position(HEAT, usage, 0, 0));
        let (line, col) = position(HEAT, declared, 0, 0);
        assert_eq!(loc["uri"], uri.as_str(), "{usage}: {loc}");
        assert_eq!(loc["range"], range(line, col, col + 1), "{usage}");
    }
    // A built-in has no declaration.
    let loc = c.at("textDocument/definition", &uri, position(HEAT, "lap", 0, 0));
    assert_eq!(loc, Value::Null);
    assert_eq!(c.stop(), Some(0));
}

/// Formatting replaces the whole text by `pdec fmt`'s; a text that does not parse gets no
/// edit.
#[test]
fn formatting_is_pdec_fmt() {
    let messy = "const a=1\nconst bb = 2*a\ntime t in[0,1]\nspace x in [0 ,1]\nunknown u(t,x)\n\
        pde d(u,t)=bb*d(u,x,x)\ninitial u=sin(pi*x)\nboundary on(x):u=0\nsolve{\nsteps=3\n  lr = 1e-3\n}\n";
    let (path, uri) = scratch("formatting", messy);
    let want = pdec_out(&["fmt", path.to_str().expect("utf8")]);
    assert!(want.contains("const bb = 2 * a"), "{want}");
    let (mut c, _) = Client::start();
    c.open(&uri, messy);
    let opts = json!({ "tabSize": 4, "insertSpaces": true });
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": opts }),
    );
    let lines = messy.lines().count();
    assert_eq!(
        edits,
        json!([{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": lines, "character": 0 } }, "newText": want }])
    );
    c.change(&uri, 2, &want);
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": opts }),
    );
    assert_eq!(edits, json!([]));
    c.change(&uri, 3, "const a = (1\n");
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": opts }),
    );
    assert_eq!(edits, Value::Null);
    assert_eq!(c.stop(), Some(0));
}

/// Garbage is diagnostics, and every request on it is answered: the server neither crashes
/// nor hangs, and goes on serving a good document after it.
#[test]
fn garbage_yields_diagnostics_and_no_crash() {
    let garbage: Vec<String> = vec![
        "\u{0}\u{1}\u{7f}pde ( ] }} \u{feff}∂²u/∂t² = Δu".into(),
        format!("pde {}u{}", "(".repeat(5000), ")".repeat(4999)),
        format!("const a = {}1", "-".repeat(100_000)),
        "solve {\n  steps = \"\n  lr = [[[\n".into(),
        "fn f(x) = f(x)\nconst c = c\nuse std::nope::*\nuse std::finance::{zz}\n".into(),
        "/* never closed\npde u = 0\n".into(),
        "\r\n\r\r\n".into(),
        String::new(),
    ];
    let (_, uri) = scratch("garbage", "");
    let (mut c, _) = Client::start();
    c.open(&uri, HEAT);
    for (k, text) in garbage.iter().enumerate() {
        let published = c.change(&uri, 2 + k as i64, text);
        let diags = published["diagnostics"].as_array().expect("a list");
        if !text.trim().is_empty() {
            assert!(!diags.is_empty(), "no diagnostic for garbage {k}");
        }
        for d in diags {
            assert!(
                d["code"].as_str().is_some_and(|c| c.starts_with("pdec::")),
                "{d}"
            );
        }
        let lines = text.lines().count();
        for line in [0, lines / 2, lines + 3] {
            for col in [0, 3, 10_000] {
                for m in [
                    "textDocument/hover",
                    "textDocument/completion",
                    "textDocument/definition",
                ] {
                    c.at(m, &uri, (line, col));
                }
            }
        }
        c.request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
        );
    }
    // A request the server does not know is an error response, not a crash.
    let r = c.call("textDocument/rename", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    let r = c.call("textDocument/hover", json!({ "nonsense": 1 }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert_eq!(c.change(&uri, 100, HEAT)["diagnostics"], json!([]));
    assert_eq!(c.stop(), Some(0));
}

/// The document is compiled under its own path (the URI percent-decoded), with the loader's
/// limit on a file's size: a text over it is refused as `pdec check` refuses such a file.
#[test]
fn a_document_keeps_its_path_and_the_size_limit() {
    let (path, uri) = scratch("with space", "");
    assert!(uri.contains("with%20space"), "{uri}");
    let (mut c, _) = Client::start();
    let big = "// filler\n".repeat(500_000);
    let published = c.open(&uri, &big);
    let d = &published["diagnostics"];
    assert_eq!(d[0]["code"], "pdec::load::too_large", "{published}");
    let message = d[0]["message"].as_str().expect("a message");
    assert!(
        message.contains(&format!("`{}`", path.display())),
        "{message}"
    );
    assert_eq!(c.change(&uri, 2, HEAT)["diagnostics"], json!([]));
    assert_eq!(c.stop(), Some(0));
}
