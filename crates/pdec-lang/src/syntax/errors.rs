//! Turning pest's "expected one of" into messages a person can act on, with tailored hints
//! for habits from other notations (`**`, `:=`, `a.b`). Characters outside the language never
//! reach pest: `lex` reports them first.

use super::Rule;
use crate::diag::Diag;
use crate::source::{FileId, Span};

fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident | Rule::arg_name => "a name",
        Rule::number => "a number",
        Rule::string => "a quoted string",
        Rule::expr => "an expression",
        Rule::equation => "an equation",
        Rule::binder => "an index range like `i in 1..d`",
        Rule::use_list => "`{`",
        Rule::use_all => "`*`",
        Rule::setting | Rule::setting_key => "a setting `name = value`",
        Rule::locus => "a boundary locus like `x = 0` or `on(x)`",
        Rule::kw_none => "`none`",
        Rule::kw_in => "`in`",
        Rule::kw_for => "`for`",
        Rule::kw_where => "`where`",
        Rule::index => "`[`",
        Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::pow => "an operator",
        Rule::le | Rule::ge | Rule::lt | Rule::gt | Rule::eq | Rule::ne => "an operator",
        Rule::and_op | Rule::or_op => "an operator",
        Rule::EOI => "the end of the statement",
        _ => return None,
    })
}

/// Turns a pest error for one statement into a diagnostic. `text` is the statement's text,
/// which starts at byte `offset` of the file; `full` is the whole file's text (unused).
pub fn from_pest(
    file: FileId,
    full: &str,
    offset: usize,
    text: &str,
    err: pest::error::Error<Rule>,
) -> Diag {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let (mut pos, literals) = farthest(&err, pos);
    // Skip whitespace so the label lands on the offending token.
    while text[pos.min(text.len())..].starts_with([' ', '\t', '\r', '\n']) {
        pos += 1;
    }
    let _ = full;
    let at = Here {
        file,
        text,
        pos,
        at: offset + pos,
        rest: &text[pos.min(text.len())..],
    };
    if let Some(d) =
        super::numbers::detached_word(file, text, offset, pos).or_else(|| notation_habit(&at))
    {
        return d;
    }
    let expected = expected_list(&err, &literals);
    unexpected(&at, &expected)
}

/// Where a statement went wrong: the statement's text and the position in it (`pos`), in the
/// file (`at`), and the text from there on (`rest`).
struct Here<'t> {
    file: FileId,
    text: &'t str,
    pos: usize,
    at: usize,
    rest: &'t str,
}

impl Here<'_> {
    /// The offending character, if the statement has not ended.
    fn ch(&self) -> Option<char> {
        self.rest.chars().next()
    }
}

/// The farthest position any alternative reached is where the user's text went wrong
/// (pest may report the start of the statement when every alternative failed); with it, the
/// literal punctuation expected there.
fn farthest(err: &pest::error::Error<Rule>, mut pos: usize) -> (usize, Vec<String>) {
    let mut literals: Vec<String> = Vec::new();
    if let Some(a) = &err.parse_attempts()
        && a.max_position >= pos
    {
        if a.max_position > pos {
            pos = a.max_position;
        }
        for t in a.expected_tokens() {
            // Literal punctuation only (the token type is not exported; its text is).
            let token = t.to_string();
            let punctuation = !token.is_empty()
                && token.len() <= 2
                && token.chars().all(|c| c.is_ascii_punctuation())
                && !matches!(token.as_str(), "//" | "/*" | "*/" | "..");
            if punctuation {
                literals.push(format!("`{token}`"));
            }
        }
    }
    (pos, literals)
}

/// Operators and paths from other languages: `**`, `:=`, `a.b` in a `use`.
fn notation_habit(h: &Here) -> Option<Diag> {
    let (file, text, pos, at, rest) = (h.file, h.text, h.pos, h.at, h.rest);
    let prev_star = text[..pos.min(text.len())].trim_end().ends_with('*');
    if rest.starts_with("**") || (prev_star && rest.starts_with('*')) {
        let start = if rest.starts_with("**") { at } else { at - 1 };
        return Some(
            Diag::error(
                "pdec::syntax::double_star",
                "`**` is not the power operator",
            )
            .primary(
                Span::new(file, start, start + 2),
                "power written as in Python",
            )
            .help("powers are written with `^`: `x^2`"),
        );
    }
    if rest.starts_with(":=") {
        return Some(
            Diag::error("pdec::syntax::walrus", "`:=` is not used in `.pde` files")
                .primary(
                    Span::new(file, at, at + 2),
                    "assignment written as in Pascal or Go",
                )
                .help("definitions use `=`: `const d = 100`"),
        );
    }
    if rest.starts_with(".{") || rest.starts_with("::{") && text[..pos].trim_end().ends_with('.') {
        return Some(
            Diag::error("pdec::syntax::dot_import", "module paths use `::`, not `.`")
                .primary(Span::new(file, at, at + 2), "path written with `.`")
                .help("write `use std::finance::{call, geomean}`"),
        );
    }
    if rest.starts_with('.')
        && text[..pos]
            .trim_end()
            .ends_with(|c: char| c.is_alphanumeric())
        && text.trim_start().starts_with("use")
    {
        return Some(
            Diag::error("pdec::syntax::dot_import", "module paths use `::`, not `.`")
                .primary(Span::new(file, at, at + 1), "path written with `.`")
                .help("write `use std::finance::{call, geomean}`"),
        );
    }
    None
}

/// What the grammar expected, condensed for a person: "`,`, `)` or an expression".
fn expected_list(err: &pest::error::Error<Rule>, literals: &[String]) -> String {
    let mut expected: Vec<&str> = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| rule_name(*r)).collect()
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    if let Some(a) = &err.parse_attempts() {
        for stack in a.call_stacks() {
            if let Some(r) = stack.deepest.get_rule()
                && let Some(n) = rule_name(*r)
            {
                expected.push(n);
            }
        }
    }
    // Condense: operator tokens become "an operator"; the tokens that merely start an
    // expression are implied by "an expression" or "a name".
    const OPERATORS: &[&str] = &[
        "`+`", "`-`", "`*`", "`/`", "`^`", "`<`", "`<=`", "`>`", "`>=`", "`==`", "`!=`",
    ];
    let starts_operand = expected
        .iter()
        .any(|e| matches!(*e, "an expression" | "a name" | "a number"));
    let mut separators: Vec<&str> = Vec::new();
    for l in literals {
        if OPERATORS.contains(&l.as_str()) {
            if !starts_operand {
                expected.push("an operator");
            }
        } else if !(starts_operand && matches!(l.as_str(), "`(`" | "`[`" | "`_`")) {
            separators.push(l.as_str());
        }
    }
    if expected.contains(&"an expression") {
        expected.retain(|e| !matches!(*e, "a name" | "a number"));
    }
    if !separators.is_empty() {
        expected.retain(|e| *e != "`[`");
    }
    expected.sort();
    expected.dedup();
    separators.sort();
    separators.dedup();
    let mut all = separators;
    all.extend(expected);
    let expected = all;
    match expected.len() {
        0 => "something else".to_string(),
        1 => expected[0].to_string(),
        n => format!("{} or {}", expected[..n - 1].join(", "), expected[n - 1]),
    }
}

/// The general message: the statement ended early, or an unexpected token with a hint.
fn unexpected(h: &Here, expected: &str) -> Diag {
    let Some(c) = h.ch() else {
        return Diag::error(
            "pdec::syntax::unexpected_end",
            format!("the statement ends too early: expected {expected}"),
        )
        .primary(Span::new(h.file, h.at, h.at), "ends here")
        .help("complete the statement; a continued expression goes on an indented line");
    };
    let token: String = if c.is_ascii_digit() {
        h.rest[..super::numbers::number_len(h.rest)].to_string()
    } else if c.is_alphanumeric() || c == '_' {
        h.rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    } else {
        c.to_string()
    };
    let span = Span::new(h.file, h.at, h.at + token.len());
    let help = unexpected_help(h, c, &token, expected);
    Diag::error(
        "pdec::syntax::unexpected_token",
        format!("unexpected `{token}`"),
    )
    .primary(span, format!("expected {expected}"))
    .help(help)
}

/// The hint for an unexpected token `token` starting with `c`.
fn unexpected_help(h: &Here, c: char, token: &str, expected: &str) -> String {
    let before = h.text[..h.pos.min(h.text.len())].trim_end();
    let juxtaposed = (c.is_alphanumeric() || c == '(')
        && before.ends_with(|p: char| p.is_alphanumeric() || p == ')' || p == '_')
        && !super::split::STATEMENT_KEYWORDS.contains(&token);
    let numbers = token.starts_with(|c: char| c.is_ascii_digit())
        && before.ends_with(|c: char| c.is_ascii_digit());
    let setting = h.text.starts_with("solve") && expected.contains("`=`");
    if juxtaposed && setting {
        let key: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("a setting is `name = value`: `{key} = {token}`")
    } else if juxtaposed && numbers {
        format!(
            "two numbers with nothing between them: numbers have no digit separators (`1000`, not `1 000`); otherwise put an operator or `,` before `{token}`"
        )
    } else if juxtaposed {
        let prev: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.' || *c == ')')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("multiplication needs an explicit `*`: `{prev} * {token}`")
    } else if token == "=" {
        "`=` separates the two sides of an equation; comparisons inside `if` use `==`".to_string()
    } else if super::split::STATEMENT_KEYWORDS.contains(&token) {
        format!("`{token}` starts a new statement: put it at the start of a line")
    } else if expected.contains("`,`") || expected.contains("`)`") || expected.contains("`:`") {
        "check for a missing separator or closing bracket before this point".to_string()
    } else {
        "statements are `keyword ...` on their own line; see docs/LANGUAGE.md for the syntax"
            .to_string()
    }
}
