//! The value readers of the settings (`Value`: a setting's right-hand side, read as a number,
//! a word or a call form `name(a = 1, b = 2)`), and the checks and diagnostics every key's
//! parser shares: `bad_value` (`pdec::settings::bad_value`), `out_of_range`, whole and positive
//! numbers, a call form's named arguments (`args_of`).
//!
//! Terms: a *key* is the name before `=` (`net`, `weight.pde`); an *item* is one `key = value`
//! of the `solve` block or of `--set`; an *argument* is one `name = value` of a call form.

use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, Setting, UnaryOp};
use std::collections::BTreeMap;

/// One item as a key's parser reads it: `key[.sub] = value`.
pub(super) struct Item<'a> {
    /// The key before any dot.
    pub(super) key: &'a str,
    /// The name after the dot (`pde` in `weight.pde`), for keys that take one.
    pub(super) sub: Option<&'a str>,
    pub(super) v: Value<'a>,
    /// The value's span.
    pub(super) span: Span,
    /// The whole key's span.
    pub(super) key_span: Span,
}

impl<'a> Item<'a> {
    /// The parts of a setting as written (a key with two dots is refused before a parser
    /// reads it).
    pub(super) fn of(s: &'a Setting) -> Item<'a> {
        Item {
            key: s.key[0].as_str(),
            sub: s.key.get(1).map(String::as_str),
            v: Value { expr: &s.value },
            span: s.value.span,
            key_span: s.key_span,
        }
    }
}

/// An argument of a setting's call form: `layers = 3`.
pub(super) type NamedValue<'a> = (Option<&'a str>, Value<'a>);

/// A setting's value as written.
pub(super) struct Value<'a> {
    pub(super) expr: &'a Expr,
}

impl Value<'_> {
    /// A number, negated or not.
    pub(super) fn number(&self) -> Option<f64> {
        match &self.expr.kind {
            ExprKind::Number(v) => Some(*v),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => match operand.kind {
                ExprKind::Number(v) => Some(-v),
                _ => None,
            },
            _ => None,
        }
    }

    /// A list of numbers: `[1, 0.5]`, a point.
    pub(super) fn numbers(&self) -> Option<Vec<f64>> {
        match &self.expr.kind {
            ExprKind::List(items) => items.iter().map(|e| Value { expr: e }.number()).collect(),
            _ => None,
        }
    }

    /// A bare name: `none`, `f64`.
    pub(super) fn word(&self) -> Option<&str> {
        match &self.expr.kind {
            ExprKind::Name(n) => Some(&n.text),
            _ => None,
        }
    }

    /// `name(a = 1, b = 2)` or bare `name`.
    pub(super) fn call(&self) -> Option<(&str, Vec<NamedValue<'_>>)> {
        match &self.expr.kind {
            ExprKind::Name(n) => Some((&n.text, vec![])),
            ExprKind::Call { callee, args } => Some((
                &callee.text,
                args.iter()
                    .map(|a| {
                        (
                            a.name.as_ref().map(|n| n.text.as_str()),
                            Value { expr: &a.value },
                        )
                    })
                    .collect(),
            )),
            _ => None,
        }
    }
}

/// `pdec::settings::bad_value`: the value is not of the form `key` takes.
pub(super) fn bad_value(span: Span, key: &str, expected: &str) -> Diag {
    Diag::error(
        "pdec::settings::bad_value",
        format!("invalid value for `{key}`: expected {expected}"),
    )
    .primary(span, "not accepted here")
    .help("the settings, their values and defaults are listed in docs/LANGUAGE.md (section \"Solver settings\")")
}

/// `pdec::settings::out_of_range`: the value has the form but not the range.
pub(super) fn out_of_range(span: Span, key: &str, range: &str) -> Diag {
    Diag::error(
        "pdec::settings::out_of_range",
        format!("`{key}` is out of range: it must be {range}"),
    )
    .primary(span, "out of range")
    .help("the settings, their values and defaults are listed in docs/LANGUAGE.md (section \"Solver settings\")")
}

/// `1e12` rather than `1000000000000` in messages.
fn show(max: f64) -> String {
    if max >= 1e6 {
        format!("{max:e}")
    } else {
        format!("{max}")
    }
}

/// A whole number from 1 to `max`.
pub(super) fn positive_int(v: &Value, key: &str, max: f64, diags: &mut Diags) -> Option<u64> {
    let span = v.expr.span;
    match v.number() {
        Some(x) if x.fract() != 0.0 => {
            diags.push(bad_value(span, key, "a whole number"));
            None
        }
        Some(x) if x < 1.0 || x > max => {
            diags.push(out_of_range(
                span,
                key,
                &format!("between 1 and {}", show(max)),
            ));
            None
        }
        Some(x) => Some(x as u64),
        None => {
            diags.push(bad_value(span, key, "a whole number"));
            None
        }
    }
}

/// A finite number above 0.
pub(super) fn positive(v: &Value, key: &str, diags: &mut Diags) -> Option<f64> {
    match v.number() {
        Some(x) if x > 0.0 && x.is_finite() => Some(x),
        Some(_) => {
            diags.push(out_of_range(v.expr.span, key, "a positive number"));
            None
        }
        None => {
            diags.push(bad_value(v.expr.span, key, "a number"));
            None
        }
    }
}

/// Argument `name` of a call form (`None` when absent): its number if `good`, else an
/// out-of-range diagnostic naming `range`, and `ok` turns false.
pub(super) fn arg_number(
    a: &BTreeMap<&str, &Value>,
    name: &str,
    good: &dyn Fn(f64) -> bool,
    range: &str,
    diags: &mut Diags,
    ok: &mut bool,
) -> Option<f64> {
    let v = a.get(name)?;
    match v.number() {
        Some(x) if good(x) => Some(x),
        _ => {
            diags.push(out_of_range(v.expr.span, name, range));
            *ok = false;
            None
        }
    }
}

/// A whole number in `[lo, hi]`.
pub(super) fn whole_in(lo: f64, hi: f64) -> impl Fn(f64) -> bool {
    move |x: f64| x.fract() == 0.0 && x >= lo && x <= hi
}

/// A call form's arguments by name (unnamed ones take `allowed`'s names in order), or a
/// diagnostic for an argument `key` does not take.
pub(super) fn args_of<'v>(
    args: &'v [(Option<&'v str>, Value<'v>)],
    allowed: &[&'static str],
    key: &str,
    span: Span,
    diags: &mut Diags,
) -> Option<BTreeMap<&'v str, &'v Value<'v>>> {
    let mut out = BTreeMap::new();
    for (i, (name, v)) in args.iter().enumerate() {
        let name = match name {
            Some(n) => n,
            None => match allowed.get(i).copied() {
                Some(n) => n,
                None => {
                    diags.push(bad_value(v.expr.span, key, "named arguments"));
                    return None;
                }
            },
        };
        if !allowed.contains(&name) {
            diags.push(
                Diag::error(
                    "pdec::settings::unknown_setting",
                    format!("`{key}` has no argument `{name}`"),
                )
                .primary(v.expr.span, "unknown argument")
                .help(match did_you_mean(name, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("its arguments are: {}", allowed.join(", ")),
                }),
            );
            return None;
        }
        out.insert(name, v);
    }
    let _ = span;
    Some(out)
}
