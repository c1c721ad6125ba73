//! Turning pest's "expected one of" into messages a person can act on, with tailored hints
//! for habits from other notations (`**`, `:=`, `∂`, `≥`, ...).

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
        Rule::index => "`[`",
        Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::pow => "an operator",
        Rule::le | Rule::ge | Rule::lt | Rule::gt | Rule::eq | Rule::ne => "an operator",
        Rule::and_op | Rule::or_op => "an operator",
        Rule::EOI => "the end of the statement",
        _ => return None,
    })
}

/// Characters from mathematical typesetting and their ASCII spelling in pdec.
fn unicode_habit(c: char) -> Option<&'static str> {
    Some(match c {
        '∂' => "derivatives are written `d(u, t)`, `d(u, x, x)`",
        '∇' => "the gradient is `grad(u)`; the divergence is `div(...)`",
        'Δ' | '∆' => "the Laplacian is `lap(u)`",
        '²' => "powers are written `x^2`",
        '³' => "powers are written `x^3`",
        '≥' => "write `>=`",
        '≤' => "write `<=`",
        '≠' => "write `!=`",
        '×' | '·' | '⋅' => "multiplication is `*`",
        '−' => "this is a Unicode minus sign; write `-`",
        'π' => "the constant is `pi`",
        '∑' | 'Σ' => "sums are written `sum(i in 1..d) expression`",
        '∏' => "products are written `prod(i in 1..d) expression`",
        '√' => "write `sqrt(...)`",
        '∈' => "write `in`",
        _ => return None,
    })
}

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
    let rest = &text[pos.min(text.len())..];
    let ch = rest.chars().next();
    let at = offset + pos;
    let width = ch.map(char::len_utf8).unwrap_or(0);
    let here = Span::new(file, at, at + width);
    let _ = full;

    if let Some(c) = ch {
        if let Some(hint) = unicode_habit(c) {
            return Diag::error(
                "pdec::syntax::unicode_operator",
                format!("`{c}` is not part of the `.pde` language"),
            )
            .primary(here, "mathematical notation")
            .help(hint);
        }
        if !c.is_ascii() {
            return Diag::error(
                "pdec::syntax::invalid_character",
                format!("unexpected character `{c}`"),
            )
            .primary(here, "not allowed here")
            .help("names are ASCII letters, digits and `_`; operators are `+ - * / ^`");
        }
    }
    let prev_star = text[..pos.min(text.len())].trim_end().ends_with('*');
    if rest.starts_with("**") || (prev_star && rest.starts_with('*')) {
        let start = if rest.starts_with("**") { at } else { at - 1 };
        return Diag::error(
            "pdec::syntax::double_star",
            "`**` is not the power operator",
        )
        .primary(
            Span::new(file, start, start + 2),
            "power written as in Python",
        )
        .help("powers are written with `^`: `x^2`");
    }
    if rest.starts_with(":=") {
        return Diag::error("pdec::syntax::walrus", "`:=` is not used in `.pde` files")
            .primary(
                Span::new(file, at, at + 2),
                "assignment written as in Pascal or Go",
            )
            .help("definitions use `=`: `const d = 100`");
    }
    if rest.starts_with(".{") || rest.starts_with("::{") && text[..pos].trim_end().ends_with('.') {
        return Diag::error("pdec::syntax::dot_import", "module paths use `::`, not `.`")
            .primary(Span::new(file, at, at + 2), "path written with `.`")
            .help("write `use std::finance::{call, geomean}`");
    }
    if rest.starts_with('.')
        && text[..pos]
            .trim_end()
            .ends_with(|c: char| c.is_alphanumeric())
        && text.trim_start().starts_with("use")
    {
        return Diag::error("pdec::syntax::dot_import", "module paths use `::`, not `.`")
            .primary(Span::new(file, at, at + 1), "path written with `.`")
            .help("write `use std::finance::{call, geomean}`");
    }

    let mut expected: Vec<&str> = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| rule_name(*r)).collect()
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort();
    expected.dedup();
    let expected = match expected.len() {
        0 => "something else".to_string(),
        1 => expected[0].to_string(),
        n => format!("{} or {}", expected[..n - 1].join(", "), expected[n - 1]),
    };
    match ch {
        None => Diag::error(
            "pdec::syntax::unexpected_end",
            format!("the statement ends too early: expected {expected}"),
        )
        .primary(Span::new(file, at, at), "ends here")
        .help("complete the statement; a continued expression goes on an indented line"),
        Some(c) => {
            let token: String = if c.is_alphanumeric() || c == '_' {
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            } else {
                c.to_string()
            };
            let span = Span::new(file, at, at + token.len());
            let help = if token == "=" {
                "`=` separates the two sides of an equation; comparisons inside `if` use `==`"
                    .to_string()
            } else if super::split::STATEMENT_KEYWORDS.contains(&token.as_str()) {
                format!("`{token}` starts a new statement: put it at the start of a line")
            } else {
                format!("expected {expected} here")
            };
            Diag::error(
                "pdec::syntax::unexpected_token",
                format!("unexpected `{token}`"),
            )
            .primary(span, format!("expected {expected}"))
            .help(help)
        }
    }
}
