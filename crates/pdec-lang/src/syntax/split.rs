//! Cutting a file into statements before parsing, for per-statement error recovery.
//!
//! A statement starts at a line whose first word is a statement keyword (or a keyword from
//! another language, so that `import` gets its own message) when no bracket is open, or when
//! that word sits in column 0 (so an unclosed bracket costs one statement, not the file).
//! Any other word in column 0 with no bracket open starts a statement too (continuation
//! lines are indented), so a misspelt keyword is reported on its own line.

use crate::diag::Diag;
use crate::source::{FileId, Span};

pub const STATEMENT_KEYWORDS: &[&str] = &[
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
];

/// `mean p = 0`, the gauge statement. `mean` is also a function (`mean(x)`), so it is no
/// reserved word: a line's `mean` starts a statement unless a `(` follows it, so an
/// indented `mean(...)` stays a continuation line.
pub const GAUGE_WORD: &str = "mean";

/// Words that start statements in other languages; each gets a tailored message.
pub const FOREIGN_KEYWORDS: &[&str] = &[
    "import",
    "from",
    "let",
    "var",
    "def",
    "function",
    "func",
    "include",
    "equation",
    "domain",
    "variable",
    "parameter",
    "bc",
    "ic",
];

#[derive(Clone, Debug)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    /// Deepest bracket nesting and where it first happened.
    pub max_depth: usize,
    pub deepest_at: usize,
    /// Brackets left open at the end of the chunk (positions of the openers).
    pub open: Vec<(usize, char)>,
    /// A closing bracket without opener.
    pub stray_close: Option<(usize, char)>,
}

fn first_word(line: &str) -> &str {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    &line[..end]
}

/// A file cut into statements.
pub struct Split {
    pub chunks: Vec<Chunk>,
    /// Where a `/*` starts that is never closed: the rest of the file is that comment.
    pub open_comment: Option<usize>,
}

pub fn statements(text: &str) -> Vec<Chunk> {
    split(text).chunks
}

pub fn split(text: &str) -> Split {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut cur: Option<Chunk> = None;
    let mut in_block_comment = false;
    let mut comment_start = 0usize;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        // Indentation is ASCII: a no-break space before a keyword stays in the statement
        // before it, where the lexical check names it.
        let trimmed = line.trim_start_matches([' ', '\t', '\r']);
        let indent = line.len() - trimmed.len();
        let word = first_word(trimmed);
        let no_open = cur.as_ref().is_none_or(|c| c.open.is_empty());
        // `mean` not followed by `(` is the gauge statement (`mean p = 0`), wherever it is.
        let gauge = word == GAUGE_WORD && !trimmed[word.len()..].trim_start().starts_with('(');
        let keyword =
            STATEMENT_KEYWORDS.contains(&word) || FOREIGN_KEYWORDS.contains(&word) || gauge;
        // Any word in column 0 also starts a statement: continuation lines are indented, so
        // a misspelt keyword (`pde` as `pd`, or as `рde` with a Cyrillic `р`) gets its own
        // message instead of spoiling the statement before it.
        let letter = trimmed
            .starts_with(|c: char| c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic()));
        let starts = !in_block_comment
            && ((!word.is_empty() && keyword && (no_open || indent == 0))
                || (indent == 0 && no_open && letter));
        if starts {
            if let Some(c) = cur.take() {
                chunks.push(c);
            }
            cur = Some(Chunk {
                start: offset + indent,
                end: offset + indent,
                max_depth: 0,
                deepest_at: offset + indent,
                open: Vec::new(),
                stray_close: None,
            });
        }
        // Scan the line for brackets, comments and strings.
        let bytes = line.as_bytes();
        let mut i = 0;
        let mut in_string = false;
        let mut content_end = None;
        while i < bytes.len() {
            let b = bytes[i];
            let pos = offset + i;
            if in_block_comment {
                if b == b'*' && bytes.get(i + 1) == Some(&b'/') {
                    in_block_comment = false;
                    i += 1;
                }
                i += 1;
                continue;
            }
            if in_string {
                if b == b'"' {
                    in_string = false;
                }
                content_end = Some(pos + 1);
                i += 1;
                continue;
            }
            match b {
                b'/' if bytes.get(i + 1) == Some(&b'/') => break,
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    in_block_comment = true;
                    comment_start = pos;
                    i += 2;
                    continue;
                }
                b'"' => in_string = true,
                b'(' | b'[' | b'{' => {
                    if cur.is_none() {
                        cur = Some(stray_chunk(pos));
                    }
                    if let Some(c) = cur.as_mut() {
                        c.open.push((pos, b as char));
                        if c.open.len() > c.max_depth {
                            c.max_depth = c.open.len();
                            c.deepest_at = pos;
                        }
                    }
                }
                b')' | b']' | b'}' => {
                    if cur.is_none() {
                        cur = Some(stray_chunk(pos));
                    }
                    if let Some(c) = cur.as_mut()
                        && c.open.pop().is_none()
                        && c.stray_close.is_none()
                    {
                        c.stray_close = Some((pos, b as char));
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if cur.is_none() {
                cur = Some(stray_chunk(pos));
            }
            content_end = Some(pos + 1);
            i += 1;
        }
        if let (Some(c), Some(end)) = (cur.as_mut(), content_end) {
            c.end = c.end.max(end);
        }
        offset += line.len();
    }
    if let Some(c) = cur {
        chunks.push(c);
    }
    // A chunk extends to the start of the next one so that trailing comments stay inside.
    chunks.retain(|c| c.end > c.start);
    Split {
        chunks,
        open_comment: in_block_comment.then_some(comment_start),
    }
}

fn stray_chunk(pos: usize) -> Chunk {
    Chunk {
        start: pos,
        end: pos,
        max_depth: 0,
        deepest_at: pos,
        open: Vec::new(),
        stray_close: None,
    }
}

/// Problems found without parsing: bad nesting, foreign keywords, text that is no statement.
pub fn check_chunk(file: FileId, text: &str, chunk: &Chunk) -> Option<Diag> {
    let body = &text[chunk.start..chunk.end];
    let word = first_word(body);
    let word_span = Span::new(
        file,
        chunk.start,
        chunk.start + word.len().max(1).min(body.len()),
    );
    if chunk.max_depth > super::MAX_NESTING {
        return Some(
            Diag::error(
                "pdec::syntax::too_deep",
                format!(
                    "brackets nested {} deep; at most {} are accepted",
                    chunk.max_depth,
                    super::MAX_NESTING
                ),
            )
            .primary(
                Span::new(file, chunk.deepest_at, chunk.deepest_at + 1),
                "nested too deeply here",
            )
            .help("split the expression with `fn` or `const` definitions"),
        );
    }
    if let Some(&(pos, open)) = chunk.open.last() {
        let close = match open {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        return Some(
            Diag::error(
                "pdec::syntax::unclosed_delimiter",
                format!("`{open}` is never closed"),
            )
            .primary(Span::new(file, pos, pos + 1), "opened here")
            .secondary(
                Span::new(file, chunk.end, chunk.end),
                "the statement ends here",
            )
            .help(format!("add `{close}` before the end of the statement")),
        );
    }
    if let Some((pos, close)) = chunk.stray_close {
        return Some(
            Diag::error(
                "pdec::syntax::unmatched_delimiter",
                format!("`{close}` has no matching opening bracket"),
            )
            .primary(Span::new(file, pos, pos + 1), "unmatched")
            .help("remove it, or add the opening bracket it closes"),
        );
    }
    if FOREIGN_KEYWORDS.contains(&word) {
        let help = match word {
            "import" | "from" | "include" => {
                "modules are brought in with `use`, e.g. `use std::finance::{call, geomean}`"
            }
            "let" | "var" | "variable" => {
                "constants are declared with `const NAME = value`; network inputs with `param`, `time`, `space`"
            }
            "parameter" => "parameters are declared with `param NAME in [lo, hi]`",
            "def" | "function" | "func" => {
                "functions are declared with `fn name(a, b) = expression`"
            }
            "equation" => "the equation is declared with `pde lhs = rhs`",
            "domain" => "domains are declared with `time t in [0, 1]` and `space x in [0, 1]^d`",
            "bc" => "boundary conditions are written `boundary x = 0: u = 0`",
            _ => "initial conditions are written `initial u = expression`",
        };
        return Some(
            Diag::error(
                "pdec::syntax::foreign_keyword",
                format!("`{word}` is not a pdec keyword"),
            )
            .primary(word_span, "not a statement of the `.pde` language")
            .help(help),
        );
    }
    if !STATEMENT_KEYWORDS.contains(&word) && word != GAUGE_WORD {
        let suggestion =
            crate::diag::suggest::did_you_mean(word, STATEMENT_KEYWORDS.iter().copied());
        let (label_span, found) = if word.is_empty() {
            let ch = body.chars().next().unwrap_or(' ');
            (
                Span::new(file, chunk.start, chunk.start + ch.len_utf8()),
                format!("`{ch}`"),
            )
        } else {
            (word_span, format!("`{word}`"))
        };
        return Some(
            Diag::error(
                "pdec::syntax::expected_statement",
                format!("expected a statement, found {found}"),
            )
            .primary(label_span, "a statement starts with a keyword")
            .help(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "statements start with `problem`, `const`, `param`, `time`, `space`, `unknown`, `fn`, `pde`, `initial`, `terminal`, `boundary`, `constraint`, `exact`, `ansatz`, `report` or `solve`; a continued expression must be indented".to_string(),
            }),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_statement_keywords_only() {
        let src =
            "problem p\n// pde in a comment\npde d(u, t) =\n   lap(u)\nsolve {\n  steps = 3\n}\n";
        let chunks = statements(src);
        let texts: Vec<&str> = chunks.iter().map(|c| &src[c.start..c.end]).collect();
        assert_eq!(
            texts,
            [
                "problem p",
                "pde d(u, t) =\n   lap(u)",
                "solve {\n  steps = 3\n}"
            ]
        );
    }

    #[test]
    fn unclosed_bracket_costs_one_statement() {
        let src = "pde d(u, t = lap(u)\ninitial u = 0\n";
        let chunks = statements(src);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].open.len(), 1);
        assert!(chunks[1].open.is_empty());
    }

    #[test]
    fn mean_starts_a_gauge_but_not_a_call() {
        // `mean p = 0` is a statement, indented or not; `mean(x)` on a continuation line is
        // the function.
        let src = "pde lap(u) = 1 +\n    mean(x)\n  mean p = 0\nmean q = 1\n";
        let chunks = statements(src);
        let texts: Vec<&str> = chunks.iter().map(|c| &src[c.start..c.end]).collect();
        assert_eq!(
            texts,
            ["pde lap(u) = 1 +\n    mean(x)", "mean p = 0", "mean q = 1"]
        );
    }
}
