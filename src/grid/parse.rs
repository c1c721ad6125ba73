//! Parsing a grid or slice spec, independent of any problem: `TARGET = VALUE` items
//! separated by commas; a target is a name with an optional 1-based component range
//! (`x[2..]`), a value a number or a range `lo..hi` with an optional point count `:n`.

use super::SpecError;

/// An item's value: a fixed coordinate, or a range with an optional point count.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Fixed(f64),
    Range { lo: f64, hi: f64, n: Option<usize> },
}

/// `x[a..b]` as 1-based inclusive bounds; `None` ends mean the first or last component.
#[derive(Clone, Debug, PartialEq)]
pub struct Index {
    pub from: Option<usize>,
    pub to: Option<usize>,
}

/// One `TARGET = VALUE` item of a spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The item as written, for messages.
    pub text: String,
    pub name: String,
    pub index: Option<Index>,
    pub value: Value,
}

const SYNTAX_HELP: &str = "write items like `t = 0..1:101, x = -1..1:201, x[2..] = 1, nu = 0.05` (a number fixes a coordinate, `lo..hi:n` varies it on n points)";

fn number(s: &str, item: &str) -> Result<f64, SpecError> {
    let s = s.trim();
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            SpecError::syntax(
                format!("`{s}` in `{item}` is not a finite number"),
                SYNTAX_HELP,
            )
        })
}

fn component(s: &str, item: &str) -> Result<Option<usize>, SpecError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<usize>() {
        Ok(k) if k >= 1 => Ok(Some(k)),
        _ => Err(SpecError::syntax(
            format!("`{s}` in `{item}` is not a component number (components count from 1)"),
            "index a vector variable like `x[1]`, `x[2..]` or `x[2..4]`",
        )),
    }
}

fn parse_item(text: &str) -> Result<Item, SpecError> {
    let Some((target, value)) = text.split_once('=') else {
        return Err(SpecError::syntax(
            format!("`{text}` is not of the form `name = value`"),
            SYNTAX_HELP,
        ));
    };
    let target = target.trim();
    let (name, index) = match target.split_once('[') {
        None => (target, None),
        Some((name, rest)) => {
            let Some(inner) = rest.trim_end().strip_suffix(']') else {
                return Err(SpecError::syntax(
                    format!("`{target}` has no closing `]`"),
                    "index a vector variable like `x[1]`, `x[2..]` or `x[2..4]`",
                ));
            };
            let index = match inner.split_once("..") {
                None => {
                    let k = component(inner, text)?;
                    if k.is_none() {
                        return Err(SpecError::syntax(
                            format!("`{target}` has an empty index"),
                            "index a vector variable like `x[1]`, `x[2..]` or `x[2..4]`",
                        ));
                    }
                    Index { from: k, to: k }
                }
                Some((a, b)) => Index {
                    from: component(a, text)?,
                    to: component(b, text)?,
                },
            };
            if let (Some(a), Some(b)) = (index.from, index.to)
                && a > b
            {
                return Err(SpecError::syntax(
                    format!("`{target}` is an empty component range"),
                    "ranges are inclusive and increasing, like `x[2..4]`",
                ));
            }
            (name.trim(), Some(index))
        }
    };
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !ident {
        return Err(SpecError::syntax(
            format!("`{target}` in `{text}` is not a variable name"),
            SYNTAX_HELP,
        ));
    }
    let value = value.trim();
    let value = match value.split_once("..") {
        None => Value::Fixed(number(value, text)?),
        Some((lo, rest)) => {
            let (hi, n) = match rest.split_once(':') {
                None => (rest, None),
                Some((hi, n)) => {
                    let n = n.trim();
                    let count = n.parse::<usize>().ok().filter(|k| *k >= 2).ok_or_else(|| {
                        SpecError::syntax(
                            format!("`{n}` in `{text}` is not a point count of at least 2"),
                            "give the number of points after a colon: `0..1:101`",
                        )
                    })?;
                    (hi, Some(count))
                }
            };
            let (lo, hi) = (number(lo, text)?, number(hi, text)?);
            if lo >= hi {
                return Err(SpecError::syntax(
                    format!("the range in `{text}` is empty or reversed"),
                    "write ranges as `lo..hi` with lo < hi",
                ));
            }
            Value::Range { lo, hi, n }
        }
    };
    Ok(Item {
        text: text.to_string(),
        name: name.to_string(),
        index,
        value,
    })
}

/// Parses a comma-separated spec. An empty spec has no items.
pub fn parse(spec: &str) -> Result<Vec<Item>, SpecError> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_item)
        .collect()
}
