//! Completion. Inside a `solve { }` block: the settings' keys (`settings::TABLE`, with their
//! defaults and notes). Elsewhere: the language's keywords (`syntax::KEYWORDS`, the list the
//! grammar's test keeps in step), the built-in functions and constants (`builtins::BUILTINS`),
//! the std library's functions and constants (its modules' own declarations), and the names
//! the document declares. The editor filters them by what is typed.

use super::documents::Document;
use super::hover::declaration_text;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionItemLabelDetails, Documentation, MarkupContent,
    MarkupKind,
};
use pdec_lang::builtins::{BUILTINS, Namespace};
use pdec_lang::diag::Diags;
use pdec_lang::settings::{Dot, TABLE};
use pdec_lang::source::{SourceFile, SourceMap};
use pdec_lang::std_lib;
use pdec_lang::syntax::ast::{Item, ItemKind};
use pdec_lang::syntax::{self, KEYWORDS};

/// What is offered whatever the document holds, built once.
pub struct Library {
    words: Vec<CompletionItem>,
    settings: Vec<CompletionItem>,
}

impl Library {
    pub fn new() -> Library {
        let mut words: Vec<CompletionItem> = KEYWORDS
            .iter()
            .map(|k| item(k, CompletionItemKind::KEYWORD, None, None))
            .collect();
        for b in BUILTINS {
            let kind = match b.namespace {
                Namespace::Callable => CompletionItemKind::FUNCTION,
                Namespace::Value => CompletionItemKind::CONSTANT,
            };
            words.push(item(
                b.name,
                kind,
                Some(b.signature.to_string()),
                Some(format!("{} (built in)", b.doc)),
            ));
        }
        for m in std_lib::MODULES {
            let mut sources = SourceMap::default();
            let file = sources.add(std_lib::display_path(m.name), m.text);
            let source = SourceFile {
                name: std_lib::display_path(m.name),
                text: m.text.to_string(),
            };
            let ast = syntax::parse(file, &source, &mut Diags::default());
            for it in &ast.items {
                let Some((name, kind)) = declared(it) else {
                    continue;
                };
                let import = match m.name {
                    "prelude" => "always in scope".to_string(),
                    module => format!("use std::{module}::{{{name}}}"),
                };
                words.push(item(
                    name,
                    kind,
                    Some(signature(sources.text(it.span))),
                    Some(format!(
                        "```pde\n{}\n```\n\nfrom `std::{}` ({import})",
                        declaration_text(&sources, it),
                        m.name
                    )),
                ));
            }
        }
        let settings = TABLE
            .iter()
            .map(|k| {
                let dotted = match k.dot {
                    Dot::No => String::new(),
                    _ => format!(" (also `{}.NAME`)", k.name),
                };
                item(
                    k.name,
                    CompletionItemKind::PROPERTY,
                    Some(format!("default {}{dotted}", k.default.replace('`', ""))),
                    Some(k.doc.to_string()).filter(|d| !d.is_empty()),
                )
            })
            .collect();
        Library { words, settings }
    }

    /// The completions at byte `offset` of the document.
    pub fn complete(&self, doc: &Document, offset: usize) -> Vec<CompletionItem> {
        if in_solve_block(&doc.text, offset) {
            return self.settings.clone();
        }
        let mut out = self.words.clone();
        out.extend(
            contextual(&doc.text, offset)
                .into_iter()
                .map(|(word, note)| {
                    item(word, CompletionItemKind::KEYWORD, None, Some(note.into()))
                }),
        );
        if let Some(c) = &doc.analysis.compiled {
            let sources = &c.program.sources;
            for it in &c.program.user().ast.items {
                if let Some((name, kind)) = declared(it) {
                    out.push(item(
                        name,
                        kind,
                        Some(signature(sources.text(it.span))),
                        Some(format!("```pde\n{}\n```", declaration_text(sources, it))),
                    ));
                }
            }
        }
        out
    }
}

/// The name an item declares and its kind of completion.
fn declared(it: &Item) -> Option<(&str, CompletionItemKind)> {
    Some(match &it.kind {
        ItemKind::Fn { name, .. } => (&name.text, CompletionItemKind::FUNCTION),
        ItemKind::Const { name, .. } => (&name.text, CompletionItemKind::CONSTANT),
        ItemKind::Param { name, .. }
        | ItemKind::Time { name, .. }
        | ItemKind::Space { name, .. }
        | ItemKind::Unknown { name, .. }
        | ItemKind::Coefficient { name, .. } => (&name.text, CompletionItemKind::VARIABLE),
        _ => None?,
    })
}

/// A declaration's head: its first line, up to ` =` (`fn call(s, k)`, `param nu in [0, 1]`).
fn signature(statement: &str) -> String {
    let first = statement.lines().next().unwrap_or("");
    first.split(" =").next().unwrap_or(first).trim().to_string()
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        label_details: detail.as_ref().map(|d| CompletionItemLabelDetails {
            detail: None,
            description: Some(d.clone()),
        }),
        detail,
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..CompletionItem::default()
    }
}

/// The contextual keywords that the statement around byte `offset` takes at that point, with
/// a note on each: `coef` after `unknown`; `init` and `log` after the range of `unknown const`
/// or `unknown coef` (each once, `init` before `log`); `at` (once) and `from` after
/// `observe`'s target or an `at` coordinate; `weight` or `noise` after its file's name. The
/// word being typed is left out of the statement; inside a string, an open bracket or a
/// comment there is none.
fn contextual(text: &str, offset: usize) -> Vec<(&'static str, &'static str)> {
    const COEF: (&str, &str) = (
        "coef",
        "`unknown coef k(x) in [lo, hi] [init v] [log]`: a coefficient function identified from data",
    );
    const INIT: (&str, &str) = ("init", "`init v`: the coefficient's starting value");
    const LOG: (&str, &str) = ("log", "`log`: trained on a log scale (a positive range)");
    const AT: (&str, &str) = (
        "at",
        "`at NAME = VALUE, ...`: observed at fixed coordinates (the file has no column for them)",
    );
    const FROM: (&str, &str) = ("from", "`from \"FILE.csv\"`: the measurements");
    const WEIGHT: (&str, &str) = ("weight", "`weight W`: the data term's weight (default 1)");
    const NOISE: (&str, &str) = (
        "noise",
        "`noise SIGMA`: the data's noise level, weight `1 / SIGMA^2` (instead of `weight`)",
    );
    let Some(tokens) = statement_tokens(text, offset) else {
        return Vec::new();
    };
    let word = |i: usize| match tokens.get(i) {
        Some(Token::Word(w)) => w.as_str(),
        _ => "",
    };
    let has = |w: &str| tokens.iter().any(|t| *t == Token::Word(w.to_string()));
    // The last token ends an expression (`u`, `d(u, x)`, `1`, `"u.csv"`): not an operator
    // and not a keyword that waits for one.
    let complete = match tokens.last() {
        Some(Token::Word(w)) => !matches!(
            w.as_str(),
            "unknown"
                | "const"
                | "coef"
                | "in"
                | "init"
                | "observe"
                | "at"
                | "from"
                | "weight"
                | "noise"
        ),
        Some(Token::String | Token::Close) => true,
        _ => false,
    };
    match word(0) {
        "unknown" if tokens.len() == 1 => vec![COEF],
        "unknown" if matches!(word(1), "const" | "coef") => {
            let in_at = tokens.iter().position(|t| *t == Token::Word("in".into()));
            let ranged = in_at.is_some_and(|i| tokens.len() > i + 1);
            if !(ranged && complete) || has("log") {
                return Vec::new();
            }
            let mut out = Vec::new();
            if !has("init") {
                out.push(INIT);
            }
            out.push(LOG);
            out
        }
        "observe" if tokens.len() > 1 && complete => {
            let from = tokens.iter().position(|t| *t == Token::Word("from".into()));
            match from {
                None if has("at") => vec![FROM],
                None => vec![AT, FROM],
                Some(i) if tokens.len() == i + 2 && tokens[i + 1] == Token::String => {
                    vec![WEIGHT, NOISE]
                }
                Some(_) => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// A token of [`statement_tokens`]: a word or number, a whole string, a closing bracket, or
/// any other character.
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    String,
    Close,
    Other,
}

/// The tokens of the statement that byte `offset` is in, up to the word being typed there:
/// the statement starts at the last line before it whose first word is in column 0 or is a
/// statement keyword (`syntax::split`'s rule, near enough). `None` where `offset` is inside a
/// string, a comment or an open bracket, or starts a line (a word in column 0 starts a
/// statement of its own).
fn statement_tokens(text: &str, offset: usize) -> Option<Vec<Token>> {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let typed = text[..end]
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let before = &text[..end - typed];
    if before.is_empty() || before.ends_with('\n') {
        return None;
    }
    let mut start = before.len();
    for line in before.rsplit('\n') {
        start -= line.len();
        let trimmed = line.trim_start_matches([' ', '\t', '\r']);
        let word_len = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        let word = &trimmed[..word_len];
        if (!word.is_empty() && trimmed.len() == line.len()) || KEYWORDS.contains(&word) {
            break;
        }
        start = start.saturating_sub(1);
    }
    let mut tokens = Vec::new();
    let mut depth = 0i64;
    let mut chars = before[start..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // A string ends on its line; one still open at the end holds the cursor.
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == '"' {
                        closed = true;
                        break;
                    }
                    if d == '\n' {
                        break;
                    }
                }
                if !closed {
                    return None;
                }
                tokens.push(Token::String);
            }
            '/' if chars.peek() == Some(&'/') => {
                // A line comment: to the end of its line, or over the cursor.
                chars.by_ref().find(|d| *d == '\n')?;
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                let mut closed = false;
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        closed = true;
                        break;
                    }
                    last = d;
                }
                if !closed {
                    return None;
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                tokens.push(Token::Other);
            }
            ')' | ']' | '}' => {
                depth -= 1;
                tokens.push(Token::Close);
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let mut w = c.to_string();
                while let Some(d) =
                    chars.next_if(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == '.')
                {
                    w.push(d);
                }
                tokens.push(Token::Word(w));
            }
            c if c.is_whitespace() => {}
            _ => tokens.push(Token::Other),
        }
    }
    (depth == 0).then_some(tokens)
}

/// Whether byte `offset` is inside a `solve { }` block: the statement it is in (from the
/// last line before it that starts in column 0 with a keyword) is `solve`, and its braces
/// are still open there (comments left out).
fn in_solve_block(text: &str, offset: usize) -> bool {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let mut start = before.len();
    for line in before.rsplit('\n') {
        start -= line.len();
        let word_len = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(line.len());
        let word = &line[..word_len];
        if KEYWORDS.contains(&word) {
            if word != "solve" {
                return false;
            }
            let open: i64 = before[start..]
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .map(|l| l.matches('{').count() as i64 - l.matches('}').count() as i64)
                .sum();
            return open > 0;
        }
        start = start.saturating_sub(1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solve_block_is_found_by_its_statement_and_braces() {
        let text = "const a = 1\nsolve {\n  steps = 10\n  \n}\npde x = 0\n";
        let at = |needle: &str| text.find(needle).expect("there");
        assert!(!in_solve_block(text, at("a = 1")));
        assert!(in_solve_block(text, at("steps")));
        assert!(in_solve_block(text, at("  \n}")));
        assert!(!in_solve_block(text, at("x = 0")));
        assert!(!in_solve_block(text, at("\npde")));
        assert!(in_solve_block("solve { steps = 1, ", 19));
        assert!(!in_solve_block("solve { steps = 1 } ", 20));
        assert!(!in_solve_block("solve // {\n", 11));
        assert!(!in_solve_block("", 0));
        assert!(!in_solve_block("é", 1));
    }

    #[test]
    fn contextual_keywords_come_where_their_statement_takes_them() {
        let words = |text: &str| -> Vec<&str> {
            contextual(text, text.len())
                .into_iter()
                .map(|(w, _)| w)
                .collect()
        };
        assert_eq!(words("unknown "), ["coef"]);
        assert_eq!(words("unknown co"), ["coef"]);
        assert_eq!(words("unknown const C in [0.1, 10] "), ["init", "log"]);
        assert_eq!(words("unknown coef k(x) in [0.01, 2] init 0.5 "), ["log"]);
        assert_eq!(words("unknown coef k(x) in [0.01, 2] init 1e-2 l"), ["log"]);
        assert!(words("unknown coef k(x) in [0.01, 2] init ").is_empty());
        assert!(words("unknown coef k(x) in [0.01, 2] log ").is_empty());
        assert!(words("unknown coef k(x) in [0.01, ").is_empty());
        assert!(words("unknown u(t, x) ").is_empty());
        assert_eq!(words("observe u "), ["at", "from"]);
        assert_eq!(words("observe U[1] f"), ["at", "from"]);
        assert_eq!(words("observe d(u, x) at x = 1 "), ["from"]);
        assert_eq!(words("observe u(t, x)\n    at x = 1, t = 0.5 fr"), ["from"]);
        assert!(words("observe d(u, x) at x = 1, ").is_empty());
        assert!(words("observe d(u, ").is_empty());
        assert!(words("observe ").is_empty());
        assert_eq!(words("observe u from \"u.csv\" "), ["weight", "noise"]);
        assert_eq!(
            words("observe u from \"u.csv\" // the data\n  no"),
            ["weight", "noise"]
        );
        assert!(words("observe u from \"u.cs").is_empty());
        assert!(words("observe u from \"u.csv\" weight 10 ").is_empty());
        assert!(words("observe u from \"u.csv\" // ").is_empty());
        assert!(words("observe u from \"u.csv\"\n").is_empty());
        assert!(words("observe u from \"u.csv\"\nno").is_empty());
        assert!(words("pde d(u, t) = lap(u) ").is_empty());
        assert!(words("").is_empty());
        // The statement is the cursor's, not the one before it.
        assert!(words("observe u from \"u.csv\"\npde u = ").is_empty());
        assert_eq!(words("const a = 1\nunknown "), ["coef"]);
    }

    #[test]
    fn the_library_has_keywords_builtins_std_and_settings() {
        let lib = Library::new();
        let has = |v: &[CompletionItem], label: &str, kind| {
            v.iter().any(|i| i.label == label && i.kind == Some(kind))
        };
        assert!(has(&lib.words, "boundary", CompletionItemKind::KEYWORD));
        assert!(has(&lib.words, "lap", CompletionItemKind::FUNCTION));
        assert!(has(&lib.words, "pi", CompletionItemKind::CONSTANT));
        assert!(has(&lib.words, "normal_cdf", CompletionItemKind::FUNCTION));
        assert!(has(&lib.words, "bs_call", CompletionItemKind::FUNCTION));
        assert!(has(&lib.settings, "steps", CompletionItemKind::PROPERTY));
        assert_eq!(lib.settings.len(), TABLE.len());
        let call = lib.words.iter().find(|i| i.label == "call").expect("call");
        assert_eq!(call.detail.as_deref(), Some("fn call(s, k)"));
    }
}
