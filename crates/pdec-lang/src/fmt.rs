//! `pdec fmt FILE [--check]`: the canonical layout of a `.pde` file.
//!
//! The formatter works on tokens, not on the syntax tree, so it keeps every comment and every
//! line break the author chose, and changes only the blanks (the layout rules are in
//! `docs/LANGUAGE.md`, "Canonical layout"):
//!
//! - a statement starts in column 0; its continuation lines are indented by 4 spaces; inside
//!   `solve { }` a setting is indented by 2 (6 for a line inside brackets within it) and the
//!   closing `}` is in column 0;
//! - one space around binary operators, `=` and `:` (none before `:`), after `,`; none inside
//!   brackets, around `^`, `..`, `::` and `.`, after a unary `-` or before a call's `(`;
//! - at most one blank line in a row, none at the start or end of the file;
//! - consecutive one-line statements of the same group (`time space unknown param` and
//!   `pde initial terminal boundary periodic constraint exact ansatz`) align what follows the
//!   keyword; consecutive `const NAME =` and `param NAME in` align the `=` and `in`;
//!   consecutive settings align their `=`; consecutive trailing comments are aligned two
//!   spaces after the longest line.
//!
//! Blank lines and comment lines end an alignment group. The result is checked before it is
//! returned: it must parse to the same syntax tree (printed canonically) with the same
//! comments, so a bug in the formatter can never change a file's meaning.

use crate::diag::Diags;
use crate::source::{SourceFile, SourceMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Number,
    Str,
    LineComment,
    BlockComment,
    Punct,
}

#[derive(Clone, Debug)]
struct Tok<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
    /// Line breaks between the previous token and this one.
    breaks: usize,
}

fn lex(text: &str) -> Result<Vec<Tok<'_>>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut breaks = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b'\n' => {
                breaks += 1;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                Kind::LineComment
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match text[i + 2..].find("*/") {
                    Some(k) => i += 2 + k + 2,
                    None => return Err("unterminated block comment".into()),
                }
                Kind::BlockComment
            }
            b'"' => {
                match text[i + 1..].find('"') {
                    Some(k) => i += 1 + k + 1,
                    None => return Err("unterminated string".into()),
                }
                Kind::Str
            }
            b'0'..=b'9' => {
                // As `number` in grammar/pde.pest: the point and the exponent need digits.
                let digits = |mut j: usize| {
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    j
                };
                i = digits(i);
                if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i = digits(i + 1);
                }
                if matches!(b.get(i), Some(b'e' | b'E')) {
                    let mut j = i + 1;
                    if matches!(b.get(j), Some(b'+' | b'-')) {
                        j += 1;
                    }
                    if b.get(j).is_some_and(u8::is_ascii_digit) {
                        i = digits(j);
                    }
                }
                Kind::Number
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or("");
                if ["::", "..", "<=", ">=", "==", "!="].contains(&two) {
                    i += 2;
                } else if b"()[]{},;:=+-*/^<>.".contains(&c) {
                    i += 1;
                } else {
                    return Err(format!("unexpected character at byte {i}"));
                }
                Kind::Punct
            }
        };
        let t = text[start..i].trim_end();
        out.push(Tok {
            kind,
            text: t,
            start,
            breaks,
        });
        breaks = 0;
    }
    Ok(out)
}

/// What kind of bracket is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Paren,
    /// `sum(` or `prod(`: a reduction's binders (`sum(i in 1..d)`) or argument (`sum(v)`).
    Reduce {
        binders: bool,
    },
    Bracket,
    Brace,
    /// `use std::finance::{a, b}`.
    UseList,
}

/// The previous code token, for telling unary from binary `-` and calls from brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prev {
    /// Nothing yet, an operator, an opening bracket, `,`, `=`, a keyword: an operand follows.
    OperandNext,
    /// A name (a call or an index may follow).
    Name,
    /// A number, string or closing bracket: an operator follows.
    Operand,
    /// A unary `-` or `+`.
    Unary,
    /// `sum` or `prod`.
    Reduce,
}

struct Part {
    text: String,
    /// Spaces before this part (ignored for the first part of a line).
    space: usize,
    is_comment: bool,
}

struct Line {
    indent: usize,
    parts: Vec<Part>,
    comment: Option<String>,
    blank_before: bool,
    /// The first word of the statement this line starts, if it starts one.
    starts: Option<String>,
    /// The statement it starts ends on this line.
    single: bool,
    /// A setting line of a `solve` block (depth 1, starts with a word).
    setting: bool,
    /// Holds a multi-line block comment: no alignment.
    multiline: bool,
}

impl Line {
    fn width(&self) -> usize {
        let mut w = self.indent;
        for (k, p) in self.parts.iter().enumerate() {
            if k > 0 {
                w += p.space;
            }
            w += p.text.len();
        }
        w
    }

    /// Column of part `k`.
    fn column(&self, k: usize) -> usize {
        let mut w = self.indent;
        for (j, p) in self.parts.iter().enumerate().take(k + 1) {
            if j > 0 {
                w += p.space;
            }
            if j < k {
                w += p.text.len();
            }
        }
        w
    }
}

const DECLARATIONS: &[&str] = &["time", "space", "unknown", "param"];
const CONDITIONS: &[&str] = &[
    "pde",
    "initial",
    "terminal",
    "boundary",
    "periodic",
    "constraint",
    "exact",
    "ansatz",
];

fn is_open(t: &str) -> bool {
    matches!(t, "(" | "[" | "{")
}

fn is_close(t: &str) -> bool {
    matches!(t, ")" | "]" | "}")
}

/// The statement being laid out.
struct Stmt {
    solve: bool,
    /// An `unknown` statement: `init` at its top level is a keyword (`init [1, 2]`).
    unknown: bool,
    end: usize,
    stack: Vec<Open>,
    prev: Prev,
}

impl Stmt {
    /// Spaces before `t` (after `p` on the same line), updating the bracket stack and `prev`.
    fn space(&mut self, p: Option<&Tok>, t: &Tok) -> usize {
        let before = self.prev;
        let top = self.stack.last().copied();
        let space = match p {
            None => 0,
            Some(p) => {
                let (pt, tt) = (p.text, t.text);
                let comment = |k: Kind| matches!(k, Kind::LineComment | Kind::BlockComment);
                if comment(p.kind) || comment(t.kind) {
                    1
                } else if matches!(tt, "," | ";" | ")" | "]" | ":" | "::" | ".." | "." | "^")
                    || matches!(pt, "(" | "[" | "::" | ".." | "." | "^")
                {
                    0
                } else if tt == "}" {
                    usize::from(top != Some(Open::UseList))
                } else if pt == "{" {
                    // The brace just opened is on the stack.
                    usize::from(top != Some(Open::UseList))
                } else if before == Prev::Unary {
                    0
                } else if tt == "(" {
                    usize::from(!matches!(before, Prev::Name | Prev::Reduce))
                } else if tt == "[" {
                    usize::from(!matches!(before, Prev::Name | Prev::Operand))
                } else if tt == "{" {
                    usize::from(pt != "::")
                } else {
                    1
                }
            }
        };
        // Update the state with `t`.
        if matches!(t.kind, Kind::LineComment | Kind::BlockComment) {
            return space;
        }
        let tt = t.text;
        self.prev = match t.kind {
            Kind::Word if tt == "sum" || tt == "prod" => Prev::Reduce,
            Kind::Word if self.unknown && tt == "init" && self.stack.is_empty() => {
                Prev::OperandNext
            }
            Kind::Word if crate::syntax::is_keyword(tt) => {
                if tt == "in"
                    && let Some(Open::Reduce { binders }) = self.stack.last_mut()
                {
                    *binders = true;
                }
                Prev::OperandNext
            }
            Kind::Word => Prev::Name,
            Kind::Number | Kind::Str => Prev::Operand,
            _ if is_open(tt) => {
                self.stack.push(match tt {
                    "(" if before == Prev::Reduce => Open::Reduce { binders: false },
                    "(" => Open::Paren,
                    "[" => Open::Bracket,
                    _ if p.is_some_and(|p| p.text == "::") => Open::UseList,
                    _ => Open::Brace,
                });
                Prev::OperandNext
            }
            _ if is_close(tt) => match self.stack.pop() {
                // `sum(i in 1..d)` is followed by its body, an operand.
                Some(Open::Reduce { binders: true }) => Prev::OperandNext,
                _ => Prev::Operand,
            },
            _ if (tt == "-" || tt == "+")
                && matches!(before, Prev::OperandNext | Prev::Unary | Prev::Reduce) =>
            {
                Prev::Unary
            }
            _ => Prev::OperandNext,
        };
        space
    }
}

/// The canonical layout of `text`, which must parse without syntax errors.
pub fn layout(text: &str) -> Result<String, String> {
    let toks = lex(text)?;
    let chunks = crate::syntax::split::statements(text);
    // Group tokens into lines.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if k == 0 || t.breaks > 0 {
            groups.push(Vec::new());
        }
        if let Some(g) = groups.last_mut() {
            g.push(k);
        }
    }
    let mut lines: Vec<Line> = Vec::new();
    let mut stmt: Option<Stmt> = None;
    let mut next_chunk = 0;
    for g in &groups {
        let first = &toks[g[0]];
        while next_chunk < chunks.len() && chunks[next_chunk].start < first.start {
            next_chunk += 1;
        }
        let mut starts = None;
        if next_chunk < chunks.len() && chunks[next_chunk].start == first.start {
            let c = &chunks[next_chunk];
            stmt = Some(Stmt {
                solve: first.text == "solve",
                unknown: first.text == "unknown",
                end: c.end,
                stack: Vec::new(),
                prev: Prev::OperandNext,
            });
            starts = Some(first.text.to_string());
            next_chunk += 1;
        }
        let inside = stmt.as_ref().is_some_and(|s| first.start < s.end);
        let indent = match (&stmt, starts.is_some(), inside) {
            (_, true, _) | (None, _, _) | (_, _, false) => 0,
            (Some(s), false, true) if s.solve => {
                let depth = s.stack.len() - usize::from(is_close(first.text));
                match depth {
                    0 => 0,
                    1 => 2,
                    _ => 6,
                }
            }
            _ => 4,
        };
        let setting = starts.is_none()
            && inside
            && first.kind == Kind::Word
            && stmt.as_ref().is_some_and(|s| s.solve && s.stack.len() == 1);
        let mut line = Line {
            indent,
            parts: Vec::new(),
            comment: None,
            blank_before: first.breaks > 1 && !lines.is_empty(),
            starts,
            single: false,
            setting,
            multiline: false,
        };
        let mut prev: Option<&Tok> = None;
        for &k in g {
            let t = &toks[k];
            if t.kind == Kind::LineComment && !line.parts.is_empty() {
                line.comment = Some(t.text.to_string());
                continue;
            }
            let space = match stmt.as_mut() {
                Some(s) if inside => s.space(prev, t),
                _ => usize::from(prev.is_some()),
            };
            line.multiline |= t.text.contains('\n');
            line.parts.push(Part {
                text: t.text.to_string(),
                space,
                is_comment: matches!(t.kind, Kind::LineComment | Kind::BlockComment),
            });
            prev = Some(t);
        }
        let last = &toks[*g.last().unwrap_or(&g[0])];
        line.single = line.starts.is_some()
            && stmt
                .as_ref()
                .is_some_and(|s| s.end <= last.start + last.text.len());
        lines.push(line);
    }
    align(&mut lines);
    let mut out = String::new();
    for l in &lines {
        if l.blank_before {
            out.push('\n');
        }
        let mut s = " ".repeat(l.indent);
        for (k, p) in l.parts.iter().enumerate() {
            if k > 0 {
                s.push_str(&" ".repeat(p.space));
            }
            s.push_str(&p.text);
        }
        if let Some(c) = &l.comment {
            s.push_str("  ");
            s.push_str(c);
        }
        out.push_str(s.trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Runs of consecutive lines (no blank line between) for which `key` gives the same `Some`.
fn runs<K: PartialEq>(lines: &[Line], key: impl Fn(&Line) -> Option<K>) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut cur: Option<K> = None;
    for (i, l) in lines.iter().enumerate() {
        let k = if l.multiline { None } else { key(l) };
        match (&k, &cur) {
            (Some(a), Some(b)) if a == b && !l.blank_before => {
                if let Some(r) = out.last_mut() {
                    r.push(i);
                }
            }
            (Some(_), _) => out.push(vec![i]),
            _ => {}
        }
        cur = k;
    }
    out
}

/// Moves part `k` of every line in `run` to the same column (the largest natural one).
fn align_part(lines: &mut [Line], run: &[usize], k: usize) {
    if run.len() < 2 {
        return;
    }
    let col = run.iter().map(|&i| lines[i].column(k)).max().unwrap_or(0);
    for &i in run {
        let c = lines[i].column(k);
        lines[i].parts[k].space += col - c;
    }
}

fn align(lines: &mut [Line]) {
    // What follows the statement keyword.
    let group = |l: &Line| -> Option<u8> {
        let kw = l.starts.as_deref()?;
        if !l.single || l.parts.len() < 2 || l.parts.iter().any(|p| p.is_comment) {
            None
        } else if DECLARATIONS.contains(&kw) {
            Some(0)
        } else if CONDITIONS.contains(&kw) {
            Some(1)
        } else {
            None
        }
    };
    for r in runs(lines, group) {
        align_part(lines, &r, 1);
    }
    // `const NAME = ...` and `param NAME in ...`.
    let named = |l: &Line| -> Option<&'static str> {
        let kw = l.starts.as_deref()?;
        let third = l.parts.get(2).map(|p| p.text.as_str());
        match (kw, third) {
            _ if !l.single => None,
            ("const", Some("=")) => Some("const"),
            ("param", Some("in")) => Some("param"),
            _ => None,
        }
    };
    for r in runs(lines, named) {
        align_part(lines, &r, 2);
    }
    // Settings: the first `=`.
    let eq = |l: &Line| l.parts.iter().position(|p| p.text == "=");
    for r in runs(lines, |l| (l.setting && eq(l).is_some()).then_some(())) {
        if r.len() < 2 {
            continue;
        }
        let col = r
            .iter()
            .map(|&i| lines[i].column(eq(&lines[i]).unwrap_or(0)))
            .max()
            .unwrap_or(0);
        for &i in &r {
            let k = eq(&lines[i]).unwrap_or(0);
            let c = lines[i].column(k);
            lines[i].parts[k].space += col - c;
        }
    }
    // Trailing comments.
    for r in runs(lines, |l| {
        (l.comment.is_some() && !l.parts.is_empty()).then_some(())
    }) {
        let col = r.iter().map(|&i| lines[i].width()).max().unwrap_or(0);
        for &i in &r {
            let pad = col - lines[i].width();
            if let Some(c) = lines[i].comment.as_mut() {
                *c = format!("{}{c}", " ".repeat(pad));
            }
        }
    }
}

/// Comments in order, for the meaning check.
fn comments(text: &str) -> Result<Vec<String>, String> {
    Ok(lex(text)?
        .into_iter()
        .filter(|t| matches!(t.kind, Kind::LineComment | Kind::BlockComment))
        .map(|t| t.text.to_string())
        .collect())
}

/// The syntax tree printed canonically (spans and name ids left out): equal for two texts
/// exactly when they mean the same.
fn meaning(text: &str) -> Option<String> {
    let mut map = SourceMap::default();
    let id = map.add("", text);
    let mut diags = Diags::default();
    let tree = crate::syntax::parse(id, map.get(id), &mut diags);
    (!diags.has_errors()).then(|| crate::syntax::print::file(&tree))
}

/// Formats a file that parsed: the layout, checked to mean the same and keep every comment.
pub fn format(text: &str) -> Result<String, String> {
    let out = layout(text)?;
    if meaning(&out) != meaning(text) {
        return Err("the canonical layout would change the file's meaning".into());
    }
    if comments(&out)? != comments(text)? {
        return Err("the canonical layout would lose a comment".into());
    }
    Ok(out)
}

/// The byte range of the first line of `source` that differs from `formatted`, and the
/// formatted line (`None` when the formatted text has fewer lines).
pub fn first_difference(
    source: &SourceFile,
    formatted: &str,
) -> Option<(std::ops::Range<usize>, Option<String>)> {
    if source.text == formatted {
        return None;
    }
    let mut offset = 0;
    let mut want = formatted.split_inclusive('\n');
    for line in source.text.split_inclusive('\n') {
        let expected = want.next();
        if expected != Some(line) {
            let body = line.trim_end_matches(['\n', '\r']);
            return Some((
                offset..offset + body.len(),
                expected.map(|e| e.trim_end_matches('\n').to_string()),
            ));
        }
        offset += line.len();
    }
    // The source is a prefix of the canonical text (e.g. no final line break).
    let end = source.text.len();
    Some((
        end..end,
        want.next().map(|e| e.trim_end_matches('\n').to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_indentation() {
        let src = "problem  p\nconst a=-1  // c\nconst bb = 2*a^ 2\ntime t in[0,1]\nspace x in [0 , 1]^3\nunknown u(t,x)\npde d(u,t)=lap( u )+sum(i in 1..3) -x[i]*d(u,x[i])\n  - a\ninitial u = max(x[1],0)\nboundary x[i] = 0 for i in 1..3:u=0\nboundary x[i]=1 for i in 1..3: u = 0\nsolve{\nsteps=3\n  lr = 1e-3\n}\n";
        let want = "problem p\nconst a  = -1  // c\nconst bb = 2 * a^2\ntime    t in [0, 1]\nspace   x in [0, 1]^3\nunknown u(t, x)\npde d(u, t) = lap(u) + sum(i in 1..3) -x[i] * d(u, x[i])\n    - a\ninitial  u = max(x[1], 0)\nboundary x[i] = 0 for i in 1..3: u = 0\nboundary x[i] = 1 for i in 1..3: u = 0\nsolve {\n  steps = 3\n  lr    = 1e-3\n}\n";
        let got = format(src).expect("formats");
        assert_eq!(got, want);
        assert_eq!(format(&got).expect("formats"), got);
    }

    #[test]
    fn vector_unknowns_are_printed_canonically() {
        let src =
            "unknown U(t,x) [ 2 ],p(t,x)\npde m:d(U,t)+convect(U,U)=0\nboundary on(x):U=[0,0]\n";
        let want = "unknown U(t, x)[2], p(t, x)\npde      m: d(U, t) + convect(U, U) = 0\nboundary on(x): U = [0, 0]\n";
        let got = format(src).expect("formats");
        assert_eq!(got, want);
        assert_eq!(format(&got).expect("formats"), got);
    }

    #[test]
    fn a_vector_of_coefficients_keeps_init_apart_from_its_values() {
        let src = "unknown const   k[ 2 ] in [0.1,3] init[1,2] log\nunknown const init in [1, 2]\n";
        let want = "unknown const k[2] in [0.1, 3] init [1, 2] log\nunknown const init in [1, 2]\n";
        let got = format(src).expect("formats");
        assert_eq!(got, want);
        assert_eq!(format(&got).expect("formats"), got);
    }

    #[test]
    fn comments_and_blank_lines_are_kept() {
        let src = "\n\n// head\n/* block\n   comment */\nproblem p   /* inline */  // tail\n\n\n\nuse std::finance::{ call , put }\n";
        let got = format(src).expect("formats");
        assert_eq!(
            got,
            "// head\n/* block\n   comment */\nproblem p /* inline */  // tail\n\nuse std::finance::{call, put}\n"
        );
    }
}
