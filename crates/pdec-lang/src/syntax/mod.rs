//! Stage 2, parse: source text to [`ast::File`].
//!
//! The file is first cut into statements (a statement starts on a line whose first word is a
//! statement keyword), then each statement is parsed on its own with the pest grammar in
//! `grammar/pde.pest`. A syntax error thus costs one statement, not the rest of the file, and
//! several independent errors are reported in one run. Nesting is bounded before pest runs,
//! so hostile input cannot overflow the stack. Before pest, `lex` checks each statement's
//! characters, so that a character outside the language or a number glued to a word is
//! reported at its token, not where pest stumbles next; a `/*` never closed is reported at
//! the `/*`, not as the statements it swallows.

pub mod ast;
mod build;
pub mod confusables;
mod errors;
mod lex;
mod numbers;
pub mod print;
pub(crate) mod split;

use crate::diag::{Diag, Diags};
use crate::source::{FileId, SourceFile, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/pde.pest"]
pub(crate) struct PdeParser;

/// The reserved words of `grammar/pde.pest`'s `keyword` rule (a test keeps them in step).
pub const KEYWORDS: &[&str] = &[
    "problem",
    "use",
    "const",
    "param",
    "time",
    "space",
    "unknown",
    "fn",
    "pde",
    "initial",
    "terminal",
    "boundary",
    "periodic",
    "constraint",
    "exact",
    "ansatz",
    "reference",
    "observe",
    "report",
    "solve",
    "none",
    "if",
    "then",
    "else",
    "sum",
    "prod",
    "in",
    "for",
    "and",
    "or",
    "not",
    "as",
    "where",
];

/// A reserved word (cannot be a name).
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Length of the ASCII name characters (`[A-Za-z0-9_]*`) at the start of `s`.
fn ascii_word_len(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len())
}

/// Deepest bracket nesting accepted in one statement.
pub const MAX_NESTING: usize = 64;
/// Most statements read from one file (about 0.7 s of parsing).
pub const MAX_STATEMENTS: usize = 20_000;
/// Deepest expression tree accepted (operators chained without brackets count too).
pub const MAX_EXPR_DEPTH: u32 = 200;

/// Parses a whole file. Statements with syntax errors are left out of the tree and reported.
pub fn parse(file: FileId, source: &SourceFile, diags: &mut Diags) -> ast::File {
    // Track the literal tokens pest tried at the farthest position (`,` `)` `:`), so that
    // errors can name them; a process-wide switch in pest.
    pest::set_error_detail(true);
    let mut builder = build::Builder::new(file);
    let mut items = Vec::new();
    let split = split::split(&source.text);
    if let Some(at) = split.open_comment {
        diags.push(unterminated_comment(file, &source.text, at));
    }
    let last = split.chunks.len();
    for (n, chunk) in split.chunks.into_iter().enumerate() {
        if n == MAX_STATEMENTS {
            // Parsing costs tens of microseconds per statement: bound the whole file's time.
            let end = source.text[chunk.start..]
                .find('\n')
                .map_or(source.text.len(), |k| chunk.start + k);
            diags.push(
                Diag::error(
                    "pdec::syntax::too_many_statements",
                    format!("the file has more than {MAX_STATEMENTS} statements; the rest is not read"),
                )
                .primary(
                    Span::new(file, chunk.start, end),
                    format!("statement {}", MAX_STATEMENTS + 1),
                )
                .help("a problem is a few dozen statements; generate data into a `reference` CSV file instead"),
            );
            break;
        }
        let lexical = lex::check(file, &source.text, &chunk);
        if !lexical.is_empty() {
            lexical.into_iter().for_each(|d| diags.push(d));
            continue;
        }
        // A statement cut short by a comment that never closes: its "ends too early" is
        // that comment's doing, reported above.
        let cut_short = split.open_comment.is_some() && n + 1 == last;
        if let Some(d) = split::check_chunk(file, &source.text, &chunk) {
            if !(cut_short && d.code == "pdec::syntax::unclosed_delimiter") {
                diags.push(d);
            }
            continue;
        }
        let text = &source.text[chunk.start..chunk.end];
        match <PdeParser as pest::Parser<Rule>>::parse(Rule::statement_eoi, text) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { continue };
                builder.offset = chunk.start;
                match builder.statement(pair) {
                    Ok(built) => items.extend(built),
                    Err(d) => diags.push(*d),
                }
                diags.extend(std::mem::take(&mut builder.diags));
            }
            Err(e) => {
                let d = errors::from_pest(file, &source.text, chunk.start, text, e);
                if !(cut_short && d.code == "pdec::syntax::unexpected_end") {
                    diags.push(d);
                }
            }
        }
    }
    ast::File {
        items,
        name_count: builder.next_name,
    }
}

/// `/*` that is never closed: everything after it is a comment, so the statements it hides
/// would otherwise be reported missing.
fn unterminated_comment(file: FileId, text: &str, at: usize) -> Diag {
    let inside = at + 2;
    let hidden: Vec<usize> = split::statements(&text[inside..])
        .iter()
        .map(|c| inside + c.start)
        .filter(|&s| {
            split::STATEMENT_KEYWORDS
                .iter()
                .any(|k| starts_with_word(&text[s..], k))
        })
        .collect();
    let swallowed = match hidden.first() {
        Some(&first) => {
            let word = split::STATEMENT_KEYWORDS
                .iter()
                .find(|k| starts_with_word(&text[first..], k))
                .unwrap_or(&"");
            let line = text[..first].matches('\n').count() + 1;
            let n = hidden.len();
            let statements = if n == 1 { "statement" } else { "statements" };
            format!(
                "; as it is, it runs to the end of the file and swallows {n} {statements}, the first `{word}` on line {line}"
            )
        }
        None => "; as it is, it runs to the end of the file".to_string(),
    };
    Diag::error(
        "pdec::syntax::unterminated_comment",
        "this comment is never closed",
    )
    .primary(
        Span::new(file, at, at + 2),
        "`/*` opens a comment without `*/`",
    )
    .help(format!(
        "close it with `*/` where the comment should end{swallowed}; a one-line comment is `// ...`"
    ))
}

/// Does `text` start with the word `word` (not a longer name)?
fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

/// Parses a single expression (used by `--at` style command-line values and tests).
pub fn parse_expr(file: FileId, text: &str, diags: &mut Diags) -> Option<ast::Expr> {
    let wrapped = format!("report {text}");
    let source = SourceFile {
        name: String::new(),
        text: wrapped,
    };
    let parsed = parse(file, &source, diags);
    match parsed.items.into_iter().next()?.kind {
        ast::ItemKind::Report(e) => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
