//! A mutation fuzzer for the front end on stable Rust (issue 6): no nightly, no cargo-fuzz.
//!
//! Inputs are generated from a corpus of `.pde` files (examples, UI cases, test problems,
//! templates) by byte and token mutations, splicing lines between files, deleting and
//! duplicating lines, inserting operators, numbers, keywords and unicode, deep nesting and huge
//! numbers. Case `i` of seed `s` is a pure function of `(s, i)` ([`generate`]), so a failure
//! found by any worker is reproduced from its two numbers alone.
//!
//! [`check_case`] drives one input through `driver::compile` (load checks, parse, resolve,
//! check, passes, plan), both renderers and, when there is a plan, `explain` and the plan's
//! JSON, and what an editor asks of the text (`pdec lsp`: every name by position, resolved
//! also after syntax errors, with its declaration; each statement's explanation), under
//! `catch_unwind`, and checks the outcome: acceptance (a plan and no error), or
//! errors whose codes are well formed and whose labels lie inside their files on character
//! boundaries. `tools/fuzz.rs` (`cargo run --release --example fuzz`) runs millions of cases
//! in worker processes; `tests/fuzz.rs` runs a bounded number in CI.
//!
//! Stack overflows cannot be caught in-process (Rust aborts the process), so callers run
//! cases on a thread with a bounded stack ([`STACK_BYTES`], a quarter of the binary's): the
//! example's worker processes turn an abort into a failure of the case being run (the parent
//! knows which case a worker had started), and the CI test fails as a whole.

use crate::diag::render::{Format, render_all};
use crate::source::SourceFile;
use std::path::Path;
use std::time::{Duration, Instant};

/// Stack of the thread that runs cases: a quarter of the binary's 256 MiB, so that what
/// passes here passes in `pdec` with a margin.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// A case slower than this is a failure (the front end takes milliseconds; the 100,000-statement
/// stress cases take 1.5-3 s on the shared 2-core machines, and a quadratic path takes far
/// longer: 2 s failed there on an unchanged front end).
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// The seed inputs.
pub struct Corpus {
    pub files: Vec<(String, String)>,
    /// Files that are whole problems (not UI cases), picked as the base half the time so
    /// that mutants often get past the checker to the passes and the plan.
    problems: Vec<usize>,
    /// Every line of every file (for splicing statements between files).
    lines: Vec<String>,
}

impl Corpus {
    /// `examples/*.pde`, `tests/ui/**/*.pde`, `tests/problems/*.pde`, `templates/*.pde`
    /// under `root` (the crate's folder), in a fixed order.
    pub fn load(root: &Path) -> Corpus {
        fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "pde") {
                    out.push(p);
                }
            }
        }
        let mut paths = Vec::new();
        for d in ["examples", "tests/ui", "tests/problems", "templates"] {
            walk(&root.join(d), &mut paths);
        }
        paths.sort();
        let mut files = Vec::new();
        for p in paths {
            if let Ok(t) = std::fs::read_to_string(&p) {
                let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                files.push((name, t));
            }
        }
        Corpus::from_files(files)
    }

    pub fn from_files(files: Vec<(String, String)>) -> Corpus {
        let lines = files
            .iter()
            .flat_map(|(_, t)| t.lines().map(str::to_string).collect::<Vec<_>>())
            .filter(|l| !l.trim().is_empty())
            .collect();
        let problems = files
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| !name.contains("tests/ui"))
            .map(|(i, _)| i)
            .collect();
        Corpus {
            files,
            problems,
            lines,
        }
    }
}

/// splitmix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Operators, brackets, keywords and foreign notation spliced into inputs (also used by
/// tests/robustness.rs).
pub const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "==",
    ":=",
    "+",
    "-",
    "*",
    "/",
    "^",
    "**",
    "..",
    "<",
    ">",
    "<=",
    ">=",
    "!=",
    "&&",
    "||",
    "!",
    ".",
    ";",
    "'",
    "\"",
    "\\",
    "|",
    "@",
    "#",
    "$",
    "%",
    "\n",
    " ",
    "\t",
    "\r\n",
    "//",
    "/*",
    "*/",
    "x",
    "u",
    "t",
    "i",
    "j",
    "d",
    "d(u, x)",
    "d(u, x, x)",
    "d(u, t)",
    "d(u, x[i], x[j])",
    "d(u, x[1], x[2], x[3])",
    "sum(i in 1..d)",
    "sum(i in 1..0)",
    "prod(i in 1..d)",
    "lap(u)",
    "grad(u)",
    "hess(u)",
    "div(grad(u))",
    "dn(u)",
    "norm(x)",
    "dot(x, x)",
    "x[0]",
    "x[i]",
    "x[-1]",
    "x[d]",
    "x[2..]",
    "x[100000]",
    "u(0, x)",
    "u(t, 0.5)",
    "exp(",
    "log(",
    "sqrt(",
    "max(",
    "min(",
    "abs(",
    "if",
    "then",
    "else",
    "for",
    "where",
    "in",
    "and",
    "or",
    "not",
    "none",
    "pi",
    "for i in 1..d",
    "on(x)",
    "on(x[1] = 0)",
    "ball(3, radius = 0)",
    "ball(0)",
    "sphere(2)",
    "[0, 1]^d",
    "[1, 0]",
    "[0, 1]^0",
    "[0, 1]^-1",
    "[0, 1] x [0, 1]",
    "problem ",
    "pde ",
    "initial ",
    "terminal ",
    "boundary ",
    "boundary none\n",
    "constraint u >= ",
    "exact u = ",
    "ansatz u = t * net",
    " * net",
    "report u(",
    "reference \"a.csv\"\n",
    "solve {",
    "solve {\n  batch = 0\n}\n",
    "const ",
    "const d = 3\n",
    "const d = 0\n",
    "param ",
    "param p in [0, 1]\n",
    "fn ",
    "fn f(a) = f(a)\n",
    "fn g(a) = a * g(a)\n",
    "use std::finance::*\n",
    "use std::",
    "periodic x\n",
    "time t in [0, 1]\n",
    "space x in [0, 1]^d\n",
    "unknown u(t, x)\n",
    "∂",
    "²",
    "é",
    "∇",
    "Δ",
    "≤",
    "≥",
    "−",
    "×",
    "·",
    "\u{200b}",
    "\u{feff}",
    "\u{0}",
    "𝑥",
    "🙂",
    "ﬁ",
    "\u{301}",
    "λ",
    "σ",
    "х",
    "\u{a0}",
    "ｘ",
    "“",
    "10min",
    "1_000",
    "0x1F",
    ".5",
    "1.",
    "/* ",
    "#",
    "&&",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "0.5",
    "1e308",
    "1e309",
    "-1e309",
    "1e-308",
    "1e-400",
    "4.9e-324",
    "1.7976931348623157e308",
    "99999999999999999999999999",
    "18446744073709551616",
    "4294967296",
    "2147483648",
    "10^12",
    "10^308",
    "2^64",
    "1e6",
    "1000000",
    "100000000",
    "0.0000000001",
    "0x10",
    "1_000",
    "1.",
    ".5",
    "1e",
    "1e+",
    "NaN",
    "inf",
    "-inf",
];

const SETS: &[&str] = &[
    "batch=0",
    "batch=100000000",
    "steps=0",
    "net=dgm(layers = 100000, width = 100000)",
    "net=mlp(layers = 0, width = 1)",
    "lr=-1",
    "lr=1e309",
    "second_order=exact",
    "second_order=monte_carlo(delta = 0)",
    "mc_draws=1000000000",
    "dtype=f16",
    "weight.pde=nan",
    "batch.boundary=3",
    "seed=18446744073709551616",
    "time_limit=-1",
    "}",
    "pde u = 0",
];

/// Mutations of one case.
fn mutate_once(rng: &mut Rng, corpus: &Corpus, s: &mut Vec<u8>) {
    let at = |rng: &mut Rng, s: &Vec<u8>| rng.below(s.len() + 1);
    match rng.below(16) {
        // Byte flips and random bytes (the result may not be UTF-8: see `generate`).
        0 => {
            if !s.is_empty() {
                let i = rng.below(s.len());
                s[i] ^= 1 << rng.below(8);
            }
        }
        1 => {
            let i = at(rng, s);
            let b = rng.below(256) as u8;
            s.insert(i, b);
        }
        // Tokens, numbers.
        2..=4 => {
            let i = at(rng, s);
            let t = rng.pick(TOKENS).as_bytes().to_vec();
            s.splice(i..i, t);
        }
        5 => {
            // Replace a number with an extreme one.
            let text = String::from_utf8_lossy(s).into_owned();
            let digits: Vec<usize> = text
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            let n = rng.pick(NUMBERS).as_bytes().to_vec();
            if digits.is_empty() {
                let i = at(rng, s);
                s.splice(i..i, n);
            } else {
                let a = *rng.pick(&digits);
                let b = text[a..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                    .map_or(text.len(), |k| a + k);
                *s = [&text.as_bytes()[..a], &n, &text.as_bytes()[b..]].concat();
            }
        }
        // Delete or duplicate a range.
        6 => {
            if !s.is_empty() {
                let a = rng.below(s.len());
                let b = (a + 1 + rng.below(40)).min(s.len());
                s.drain(a..b);
            }
        }
        7 => {
            if !s.is_empty() {
                let a = rng.below(s.len());
                let b = (a + 1 + rng.below(80)).min(s.len());
                let piece = s[a..b].to_vec();
                s.splice(b..b, piece);
            }
        }
        // Lines: delete, duplicate, swap, splice from another file.
        8..=11 => {
            let text = String::from_utf8_lossy(s).into_owned();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            if lines.is_empty() {
                lines.push(String::new());
            }
            let k = rng.below(lines.len());
            match rng.below(4) {
                0 => {
                    lines.remove(k);
                }
                1 => {
                    let l = lines[k].clone();
                    for _ in 0..1 + rng.below(3) {
                        lines.insert(k, l.clone());
                    }
                }
                2 => {
                    let j = rng.below(lines.len());
                    lines.swap(k, j);
                }
                _ => {
                    if !corpus.lines.is_empty() {
                        let l = rng.pick(&corpus.lines).clone();
                        lines.insert(k, l);
                    }
                }
            }
            *s = lines.join("\n").into_bytes();
        }
        // Deep nesting: brackets, unary chains, operator chains, nested calls.
        12 => {
            let i = at(rng, s);
            let depth = [10, 63, 64, 65, 200, 1000, 10_000][rng.below(7)];
            let (open, close) = *rng.pick(&[
                ("(", ")"),
                ("[", "]"),
                ("{", "}"),
                ("exp(", ")"),
                ("sum(i in 1..2) (", ")"),
                ("-", ""),
                ("not ", ""),
                ("if x > 0 then ", " else 0"),
            ]);
            let mut piece = open.repeat(depth);
            piece.push('x');
            if rng.chance(80) {
                piece.push_str(&close.repeat(depth));
            }
            s.splice(i..i, piece.into_bytes());
        }
        13 => {
            let i = at(rng, s);
            let n = [10, 199, 200, 201, 1000, 20_000][rng.below(6)];
            let op = *rng.pick(&[" + x", " * x", "^x", " - 1", "..", ", x", " x"]);
            let mut piece = String::from("x");
            piece.push_str(&op.repeat(n));
            s.splice(i..i, piece.into_bytes());
        }
        // Many statements.
        14 => {
            if !corpus.lines.is_empty() {
                let l = rng.pick(&corpus.lines).clone();
                let n = [10, 100, 1000][rng.below(3)];
                let mut piece = String::from("\n");
                for _ in 0..n {
                    piece.push_str(&l);
                    piece.push('\n');
                }
                let i = at(rng, s);
                s.splice(i..i, piece.into_bytes());
            }
        }
        // Splice the tail of another file.
        _ => {
            let (_, other) = rng.pick(&corpus.files);
            let o = other.as_bytes();
            let from = rng.below(o.len() + 1);
            let i = at(rng, s);
            s.truncate(i);
            s.extend_from_slice(&o[from..]);
        }
    }
}

/// One generated input: the text and its `--set` overrides.
#[derive(Clone, Debug)]
pub struct Case {
    pub text: String,
    pub sets: Vec<String>,
}

/// Case `index` of `seed`: a base file from the corpus and 1 to 8 mutations (mostly 1 to 3;
/// sometimes none, so the corpus itself is covered). Bytes that are not UTF-8 become U+FFFD, as the
/// loader refuses such files before the front end sees them (`pdec::load::not_utf8`).
pub fn generate(corpus: &Corpus, seed: u64, index: u64) -> Case {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    rng.next_u64();
    let mut s = if corpus.files.is_empty() {
        Vec::new()
    } else if !corpus.problems.is_empty() && rng.chance(50) {
        corpus.files[*rng.pick(&corpus.problems)]
            .1
            .clone()
            .into_bytes()
    } else {
        rng.pick(&corpus.files).1.clone().into_bytes()
    };
    let n = match rng.below(100) {
        0..3 => 0,
        3..70 => 1 + rng.below(3),
        _ => 1 + rng.below(8),
    };
    for _ in 0..n {
        mutate_once(&mut rng, corpus, &mut s);
        if s.len() > 1 << 20 {
            s.truncate(1 << 20);
        }
    }
    let mut sets = Vec::new();
    if rng.chance(5) {
        sets.push(rng.pick(SETS).to_string());
    }
    Case {
        text: String::from_utf8_lossy(&s).into_owned(),
        sets,
    }
}

/// How one case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A plan, no errors.
    Accepted,
    /// At least one error, every one well formed.
    Rejected,
    /// A failure: a panic, a malformed diagnostic, no plan without an error, too slow.
    Failed(String),
}

/// CPU time of the calling thread, where the platform gives it.
#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// CPU time of the calling thread, where the platform gives it.
#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// Runs one case on the current thread (under `catch_unwind`) and checks its outcome. The time
/// it took is this thread's CPU time where available (the front end's own work, whatever else
/// the machine is doing), else wall time.
pub fn check_case(case: &Case) -> (Verdict, Duration) {
    let (start, cpu) = (Instant::now(), thread_cpu_time());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| outcome(case)));
    let took = match (cpu, thread_cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => start.elapsed(),
    };
    let verdict = match result {
        Ok(Ok(v)) => v,
        Ok(Err(why)) => Verdict::Failed(why),
        Err(p) => Verdict::Failed(format!("panic: {}", panic_message(&p))),
    };
    let verdict = match verdict {
        v @ Verdict::Failed(_) => v,
        _ if took > TIME_LIMIT => Verdict::Failed(format!(
            "slow: {:.2} s (limit {:.0} s)",
            took.as_secs_f64(),
            TIME_LIMIT.as_secs_f64()
        )),
        v => v,
    };
    (verdict, took)
}

pub fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(not a string)".into())
}

fn outcome(case: &Case) -> Result<Verdict, String> {
    let compiled = crate::driver::compile(
        SourceFile {
            name: "fuzz.pde".into(),
            text: case.text.clone(),
        },
        &case.sets,
    );
    let sources = &compiled.program.sources;
    let files: Vec<&SourceFile> = sources.files().map(|(_, f)| f).collect();
    for d in compiled.diags.iter() {
        let parts: Vec<&str> = d.code.split("::").collect();
        if parts.len() != 3 || parts[0] != "pdec" || parts.iter().any(|p| p.is_empty()) {
            return Err(format!("malformed code `{}`", d.code));
        }
        for l in &d.labels {
            let Some(f) = files.get(l.span.file.0 as usize) else {
                return Err(format!("{}: label in no file", d.code));
            };
            let (a, b) = (l.span.start as usize, l.span.end as usize);
            if a > b
                || b > f.text.len()
                || !f.text.is_char_boundary(a)
                || !f.text.is_char_boundary(b)
            {
                return Err(format!(
                    "{}: span {a}..{b} outside `{}` ({} bytes) or inside a character",
                    d.code,
                    f.name,
                    f.text.len()
                ));
            }
        }
        if d.is_error() && d.labels.is_empty() {
            return Err(format!("{}: an error without a location", d.code));
        }
    }
    editor(&compiled)?;
    let human = render_all(
        &compiled.diags,
        sources,
        Format::Human {
            color: false,
            width: 100,
        },
        "",
    );
    let _ = render_all(&compiled.diags, sources, Format::Json, "");
    if compiled.diags.has_errors() {
        if human.is_empty() {
            return Err("errors rendered as nothing".into());
        }
        return Ok(Verdict::Rejected);
    }
    let (Some(c), Some(a), Some(p)) = (&compiled.checked, &compiled.analysis, &compiled.plan)
    else {
        return Err("no plan and no error".into());
    };
    let _ = crate::explain::explain("fuzz.pde", c, a, p);
    serde_json::to_string(p).map_err(|e| format!("the plan does not serialise: {e}"))?;
    Ok(Verdict::Accepted)
}

/// What `pdec lsp` asks of a compilation: the statements that parsed resolved (also after
/// syntax errors, where the driver stops), every name on character boundaries of its file
/// and its declaration found, and, with a plan, each statement's explanation.
fn editor(compiled: &crate::driver::Compiled) -> Result<(), String> {
    let program = &compiled.program;
    let res = crate::resolve::resolve(program, &mut crate::diag::Diags::default());
    for m in 0..program.modules.len() {
        for n in crate::resolve::index::names(program, &res, m) {
            let text = &program.sources.get(n.span.file).text;
            let (a, b) = (n.span.start as usize, n.span.end as usize);
            if text.get(a..b) != Some(n.text.as_str()) {
                return Err(format!("name `{}` at {a}..{b} is not its text", n.text));
            }
            if let Some(r) = n.res {
                let _ = crate::resolve::index::declaration(program, r, m);
            }
        }
    }
    if let (Some(c), Some(a), Some(p)) = (&compiled.checked, &compiled.analysis, &compiled.plan) {
        for item in &program.user().ast.items {
            let _ = crate::explain::statement(c, a, p, item.span);
        }
    }
    Ok(())
}

/// Runs `case` on a fresh thread with a [`STACK_BYTES`] stack and returns its verdict; a case
/// that has not finished after `hang` is reported as a hang (its thread is left running).
pub fn check_case_isolated(case: Case, hang: Duration) -> (Verdict, Duration) {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("fuzz-case".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let _ = tx.send(check_case(&case));
        });
    if let Err(e) = spawned {
        return (
            Verdict::Failed(format!("cannot start a thread: {e}")),
            Duration::ZERO,
        );
    }
    match rx.recv_timeout(hang) {
        Ok(r) => r,
        Err(_) => (
            Verdict::Failed(format!("hang: no result after {:.0} s", hang.as_secs_f64())),
            hang,
        ),
    }
}
