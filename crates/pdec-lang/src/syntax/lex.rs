//! Lexical checks of one statement before pest parses it, so that a mistake inside a token is
//! reported at that token with what it is, rather than as whatever pest trips over next:
//!
//! - a character outside the language (outside comments and strings a file is ASCII), named
//!   by code point and, where `confusables` knows it, by name and by what it looks like
//!   (`pdec::syntax::invalid_character`; mathematical typesetting is
//!   `pdec::syntax::unicode_operator`);
//! - a number glued to a word, `10min`, `2x`, `1e4x` (`pdec::syntax::number_with_suffix`), or
//!   with its point out of place, `1.`, `.5`, `1.2.3` (`pdec::syntax::malformed_number`): both
//!   in `numbers`;
//! - a string not closed on its line (`pdec::syntax::unterminated_string`), and a `*/` that
//!   closes no comment (`pdec::syntax::unexpected_token`).
//!
//! A statement with a lexical error is not parsed: its other errors would be consequences.

use super::confusables::{self, CharInfo, Meaning};
use super::numbers;
use super::split::Chunk;
use crate::diag::Diag;
use crate::source::{FileId, Span};

/// Lexical errors reported per statement at most (a pasted document would otherwise get one
/// per character); the statement is not parsed, so nothing else hides behind them.
const MAX_PER_STATEMENT: usize = 16;

/// The lexical errors of `chunk`, a statement of the file `text`, in source order.
pub(super) fn check(file: FileId, text: &str, chunk: &Chunk) -> Vec<Diag> {
    let (start, end) = (chunk.start, chunk.end.min(text.len()));
    let mut out: Vec<Diag> = Vec::new();
    // One report per line and word (or character): the same slip repeated on a line has the
    // same fix.
    let mut seen: Vec<(usize, String)> = Vec::new();
    let mut line = 0usize;
    let mut counted_to = start;
    let mut i = start;
    while i < end && out.len() < MAX_PER_STATEMENT {
        let rest = &text[i..end];
        let Some(c) = rest.chars().next() else { break };
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if let Some(comment) = rest.strip_prefix("/*") {
            // The file-level check reports a comment that is never closed.
            i += comment.find("*/").map_or(rest.len(), |k| k + 4);
        } else if rest.starts_with("*/") {
            // Never valid outside a comment (`*` then `/` has no operand between): the end of
            // a comment that was already closed, as when comments are nested.
            out.push(stray_comment_end(file, i));
            i += 2;
        } else if c == '"' {
            // A string ends at its closing quote, on its line.
            let body = &rest[1..];
            match body.find(['"', '\n']) {
                Some(k) if body[k..].starts_with('"') => i += k + 2,
                _ => {
                    out.push(unterminated_string(file, i));
                    i += 1 + body.find('\n').unwrap_or(body.len());
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            i += super::ascii_word_len(rest);
        } else if c.is_ascii_digit() || (c == '.' && numbers::leading_point(text, start, i)) {
            let (len, diag) = numbers::check(file, text, chunk, i);
            out.extend(diag);
            i += len;
        } else if c.is_ascii() && in_language(c, rest) {
            i += 1;
        } else {
            line += text[counted_to..i].matches('\n').count();
            counted_to = i;
            let info = confusables::lookup(c);
            if word_like(c, &info) {
                let (ws, we) = word_bounds(text, start, end, i);
                let key = (line, text[ws..we].to_string());
                if !seen.contains(&key) {
                    out.push(word_diag(file, &text[ws..we], i, &info));
                    seen.push(key);
                }
                i = we.max(i + c.len_utf8());
            } else {
                let key = (line, c.to_string());
                if !seen.contains(&key) {
                    out.push(char_diag(file, i, &info));
                    seen.push(key);
                }
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Printable ASCII the grammar uses, and the whitespace it skips (`!` only in `!=`).
fn in_language(c: char, rest: &str) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '!' => rest.starts_with("!="),
        _ => !c.is_ascii_control() && confusables::unused_ascii(c).is_none(),
    }
}

/// A `*/` outside any comment.
fn stray_comment_end(file: FileId, at: usize) -> Diag {
    Diag::error("pdec::syntax::unexpected_token", "`*/` outside a comment")
        .primary(Span::new(file, at, at + 2), "closes no comment")
        .help("comments do not nest: the first `*/` closes a comment; remove this one, or write the inner comment with `//`")
}

/// A `"` whose string does not end on its line.
fn unterminated_string(file: FileId, at: usize) -> Diag {
    Diag::error(
        "pdec::syntax::unterminated_string",
        "this string is never closed",
    )
    .primary(
        Span::new(file, at, at + 1),
        "`\"` opens a string that does not end on this line",
    )
    .help(
        "close it with `\"` on the same line: strings do not span lines (`reference \"data.csv\"`)",
    )
}

/// A character that belongs to a word: an ASCII name character, or a letter of another
/// script (not mathematics: `π` and `²` stand alone).
fn word_like(c: char, info: &CharInfo) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    match &info.meaning {
        Meaning::LooksLike(s) => s.chars().all(|a| a.is_ascii_alphanumeric()),
        Meaning::Accented(_) | Meaning::Greek { .. } => true,
        Meaning::Other => c.is_alphanumeric(),
        _ => false,
    }
}

/// The word around byte `at` within `[lo, hi)`: name characters and letters of any script,
/// leading digits left out (`2х` is a number and a letter).
fn word_bounds(text: &str, lo: usize, hi: usize, at: usize) -> (usize, usize) {
    let in_word = |c: char| word_like(c, &confusables::lookup(c));
    let mut ws = at;
    for (k, c) in text[lo..at].char_indices().rev() {
        if !in_word(c) {
            break;
        }
        ws = lo + k;
    }
    let mut we = at;
    for (k, c) in text[at..hi].char_indices() {
        if !in_word(c) {
            break;
        }
        we = at + k + c.len_utf8();
    }
    while ws < at && text[ws..].starts_with(|c: char| c.is_ascii_digit()) {
        ws += 1;
    }
    (ws, we)
}

/// The word retyped in ASCII, when every character in it has a plain spelling: look-alikes
/// as the letter they look like, accented letters without the accent, Greek letters spelled
/// out (or as their Latin look-alike inside a Latin word: `νelocity` is `velocity`).
fn ascii_spelling(word: &str) -> Option<String> {
    let latin = word.chars().any(|c| {
        c.is_ascii_alphabetic()
            || matches!(
                confusables::lookup(c).meaning,
                Meaning::LooksLike(_) | Meaning::Accented(_)
            )
    });
    let mut out = String::new();
    let mut spelled_before = false;
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c);
            spelled_before = false;
            continue;
        }
        match confusables::lookup(c).meaning {
            Meaning::LooksLike(s) | Meaning::Accented(s) => {
                out.push_str(&s);
                spelled_before = false;
            }
            Meaning::Greek {
                looks_like: Some(l),
                ..
            } if latin => out.push(l),
            Meaning::Greek { spelled, .. } => {
                // `αβ` reads `alpha_beta`, not `alphabeta`.
                if spelled_before {
                    out.push('_');
                }
                out.push_str(spelled);
                spelled_before = true;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A word with characters outside ASCII: the first of them named, the word retyped.
fn word_diag(file: FileId, word: &str, at: usize, info: &CharInfo) -> Diag {
    let c = info.ch;
    let here = Span::new(file, at, at + c.len_utf8());
    let others = word
        .chars()
        .filter(|c| !c.is_ascii())
        .count()
        .saturating_sub(1);
    let alone = word.chars().count() == 1;
    let spelling = ascii_spelling(word);
    let in_latin_word = word.chars().any(|c| c.is_ascii_alphabetic());
    let name = info.describe();
    let (message, label) = match &info.meaning {
        Meaning::LooksLike(l) => {
            let what = if l.chars().all(|a| a.is_ascii_digit()) {
                "the digit"
            } else if l.len() > 1 {
                "the Latin letters"
            } else {
                "the Latin letter"
            };
            (
                format!("`{c}` is {name}, not {what} `{l}`"),
                format!("looks like `{l}`"),
            )
        }
        Meaning::Greek {
            looks_like: Some(l),
            ..
        } if in_latin_word => (
            format!("`{c}` is {name}, not the Latin letter `{l}`"),
            format!("looks like `{l}`"),
        ),
        Meaning::Greek { .. } => (
            format!("`{c}` is {name}; names are ASCII"),
            "a Greek letter".to_string(),
        ),
        // A combining accent shows on the letter before it, not on its own.
        Meaning::Accented(plain) if plain.is_empty() => (
            format!("{name} in `{word}`; names are ASCII"),
            "an accent".to_string(),
        ),
        Meaning::Accented(_) => (
            format!("`{c}` is {name}; names are ASCII"),
            "an accented letter".to_string(),
        ),
        _ => (
            format!("`{c}` ({name}) is not part of the `.pde` language"),
            "not an ASCII letter".to_string(),
        ),
    };
    let label = if others > 0 {
        format!("{label}; `{word}` has {}", plural(others, "such character"))
    } else {
        label
    };
    let help = match (&info.meaning, spelling) {
        (Meaning::Greek { spelled, looks_like: Some(l) }, Some(_)) if alone => format!(
            "spell the Greek letter out, `{spelled}`, or type the Latin `{l}` it looks like"
        ),
        (Meaning::Greek { spelled, .. }, Some(_)) if alone => {
            format!("spell the Greek letter out: `{spelled}`")
        }
        (_, Some(s)) => format!("retype it in ASCII: `{s}`"),
        (_, None) => {
            "names are ASCII letters, digits and `_`; other characters may only appear in comments and strings"
                .to_string()
        }
    };
    Diag::error("pdec::syntax::invalid_character", message)
        .primary(here, label)
        .help(help)
}

/// A character outside the language that is not part of a word: mathematics, typography,
/// spaces, invisible and control characters, anything else.
fn char_diag(file: FileId, at: usize, info: &CharInfo) -> Diag {
    let c = info.ch;
    let here = Span::new(file, at, at + c.len_utf8());
    let name = info.describe();
    let (code, message, label, help) = match &info.meaning {
        Meaning::UnusedAscii(hint) => (
            "pdec::syntax::invalid_character",
            format!("`{c}` ({name}) is not part of the `.pde` language"),
            "not used in `.pde` files".to_string(),
            hint.to_string(),
        ),
        Meaning::Math(hint) => (
            "pdec::syntax::unicode_operator",
            format!("`{c}` ({name}) is not part of the `.pde` language"),
            "mathematical notation".to_string(),
            hint.to_string(),
        ),
        Meaning::LooksLike(a) => {
            let help = match a.as_str() {
                "'" => "the language has no `'`: strings are written in straight double quotes, `\"data.csv\"`, and derivatives `d(u, x)`".to_string(),
                "\"" => "strings are written in straight double quotes: `\"data.csv\"`".to_string(),
                _ => format!("write `{a}`"),
            };
            (
                "pdec::syntax::invalid_character",
                format!("`{c}` is {name}, not `{a}`"),
                format!("looks like `{a}`"),
                help,
            )
        }
        Meaning::Space => (
            "pdec::syntax::invalid_character",
            format!("{name} where a plain space belongs"),
            "not a plain space".to_string(),
            "replace it with a plain space; such spaces come with text copied from web pages, PDFs and word processors".to_string(),
        ),
        Meaning::Invisible => (
            "pdec::syntax::invalid_character",
            format!("invisible character {name}"),
            "an invisible character is here".to_string(),
            if c == '\u{FEFF}' {
                "delete it: save the file as UTF-8 without a byte order mark".to_string()
            } else {
                "delete it; it comes with text copied from web pages, PDFs and word processors"
                    .to_string()
            },
        ),
        Meaning::Control => (
            "pdec::syntax::invalid_character",
            format!("control character {name}"),
            "not allowed here".to_string(),
            "delete it: spaces, tabs and line breaks are the only whitespace".to_string(),
        ),
        _ => (
            "pdec::syntax::invalid_character",
            format!("`{c}` ({name}) is not part of the `.pde` language"),
            "not allowed here".to_string(),
            "outside comments and strings a `.pde` file is ASCII: names are letters, digits and `_`; operators are `+ - * / ^`".to_string(),
        ),
    };
    Diag::error(code, message).primary(here, label).help(help)
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 more {what}")
    } else {
        format!("{n} more {what}s")
    }
}
