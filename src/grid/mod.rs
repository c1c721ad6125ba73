//! Grid and slice specifications for `pdec export --grid` and `pdec plot --slice`, e.g.
//! `t = 0..1:101, x = -1..1:201, x[2..] = 1, nu = 0.05`, and the points they describe.
//!
//! An item is `TARGET = VALUE`. A target is a time, space or parameter variable of the
//! problem; a vector space variable takes 1-based component ranges, inclusive like the
//! language's index ranges: `x[2]`, `x[2..]`, `x[..3]`, `x[2..4]` (`x` alone is every
//! component). A value is a number (the coordinate is fixed) or a range `lo..hi` with an
//! optional point count `lo..hi:n` (the coordinate varies on a grid axis). A range over
//! several components is one axis along their diagonal (all equal).
//!
//! Parsing ([`parse`]) is independent of the problem; [`resolve`] binds a spec to a problem's
//! input columns and gives a [`Layout`]: grid axes and, for each input column, a fixed value
//! or an affine function of one axis.

use pdec_lang::diag::Diag;
use pdec_lang::ir::{Domain, Problem};
use pdec_solve::lower::Columns;

/// Which command a spec belongs to: picks the diagnostic codes and the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `pdec plot --slice`: unnamed coordinates vary (or take the diagonal).
    Plot,
    /// `pdec export --grid`: every time and space variable must be named.
    Export,
}

/// Points per axis when a range has no `:n`.
pub const DEFAULT_POINTS: usize = 101;
/// The most points one spec may describe (bounds memory; 4e7 points is about 2.5 GB of f64
/// in a 8-column problem).
pub const MAX_POINTS: usize = 20_000_000;

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

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The item as written, for messages.
    pub text: String,
    pub name: String,
    pub index: Option<Index>,
    pub value: Value,
}

/// A spec's parse or resolution error: message and help; the caller picks the code.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub kind: ErrorKind,
    pub message: String,
    pub help: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed text, a bad range or count, a duplicate.
    Syntax,
    /// A name that is not an input of the problem.
    UnknownVariable,
    /// A time or space variable the export grid does not name.
    Missing,
}

impl SpecError {
    fn syntax(message: impl Into<String>, help: impl Into<String>) -> SpecError {
        SpecError {
            kind: ErrorKind::Syntax,
            message: message.into(),
            help: help.into(),
        }
    }

    /// The diagnostic with the code of `purpose`'s command.
    pub fn diag(&self, purpose: Purpose) -> Diag {
        let code = match (purpose, self.kind) {
            (Purpose::Plot, ErrorKind::UnknownVariable) => "pdec::plot::unknown_variable",
            (Purpose::Plot, _) => "pdec::plot::bad_slice",
            (Purpose::Export, ErrorKind::UnknownVariable) => "pdec::export::unknown_variable",
            (Purpose::Export, ErrorKind::Missing) => "pdec::export::missing_coordinate",
            (Purpose::Export, ErrorKind::Syntax) => "pdec::export::bad_grid",
        };
        Diag::error(code, self.message.clone()).help(self.help.clone())
    }
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

/// How one input column gets its value at a grid point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    Fixed(f64),
    /// `a + b * v` where `v` is the value of grid axis `axis`.
    Axis {
        axis: usize,
        a: f64,
        b: f64,
    },
}

/// One grid axis: `n` equally spaced values from `lo` to `hi`.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// For plot axes: `x`, `x[2]`, `x[1] = x[2] = x[3]`, `s (x[i] = lo_i + s (hi_i - lo_i))`.
    pub label: String,
    /// For array and column names: `x`, `x2`, `s`.
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
    /// The input columns that vary along this axis.
    pub cols: Vec<usize>,
    /// The time axis.
    pub time: bool,
}

impl Axis {
    pub fn value(&self, i: usize) -> f64 {
        if self.n < 2 {
            return self.lo;
        }
        // Exact end points.
        if i + 1 == self.n {
            return self.hi;
        }
        self.lo + (self.hi - self.lo) * i as f64 / (self.n - 1) as f64
    }

    pub fn values(&self) -> Vec<f64> {
        (0..self.n).map(|i| self.value(i)).collect()
    }
}

/// A spec bound to a problem.
#[derive(Clone, Debug)]
pub struct Layout {
    pub axes: Vec<Axis>,
    pub rules: Vec<Rule>,
    /// `nu = 0.05`, `x[3] = 1`: the coordinates held fixed (for captions).
    pub fixed: Vec<String>,
}

impl Layout {
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.n).product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.n).collect()
    }

    /// One row per grid point in C order (the last axis varies fastest).
    pub fn points(&self) -> Vec<f64> {
        let values: Vec<Vec<f64>> = self.axes.iter().map(Axis::values).collect();
        self.points_on(&values)
    }

    /// Rows for the product of the given values of each axis (C order).
    pub fn points_on(&self, values: &[Vec<f64>]) -> Vec<f64> {
        let width = self.rules.len();
        let total: usize = values.iter().map(Vec::len).product();
        let mut out = vec![0.0; total * width];
        let mut idx = vec![0usize; self.axes.len()];
        for r in 0..total {
            let row = &mut out[r * width..(r + 1) * width];
            for (c, rule) in self.rules.iter().enumerate() {
                row[c] = match *rule {
                    Rule::Fixed(v) => v,
                    Rule::Axis { axis, a, b } => a + b * values[axis][idx[axis]],
                };
            }
            for k in (0..idx.len()).rev() {
                idx[k] += 1;
                if idx[k] < values[k].len() {
                    break;
                }
                idx[k] = 0;
            }
        }
        out
    }
}

/// A problem's input columns with their names and ranges.
#[derive(Clone, Debug)]
pub struct InputCol {
    pub col: usize,
    /// `t`, `x`, `x[2]`, `nu`.
    pub label: String,
    /// The CSV header name: `t`, `x`, `x2`, `nu`.
    pub header: String,
    pub lo: f64,
    pub hi: f64,
    pub kind: ColKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColKind {
    Time,
    /// Space variable `var`, component `comp` (0-based; 0 for a scalar variable).
    Space {
        var: usize,
        comp: usize,
    },
    Param,
}

/// Every input column of the problem, in column order.
pub fn input_columns(p: &Problem, cols: &Columns) -> Vec<InputCol> {
    let mut out = Vec::new();
    if let (Some(c), Some(t)) = (cols.time, &p.time) {
        out.push(InputCol {
            col: c,
            label: t.name.clone(),
            header: t.name.clone(),
            lo: t.lo,
            hi: t.hi,
            kind: ColKind::Time,
        });
    }
    for (k, s) in p.space.iter().enumerate() {
        let (off, _) = cols.space[k];
        let vector = s.domain.dim().is_some();
        for (j, (lo, hi)) in s.domain.bounds().into_iter().enumerate() {
            out.push(InputCol {
                col: off + j,
                label: if vector {
                    format!("{}[{}]", s.name, j + 1)
                } else {
                    s.name.clone()
                },
                header: if vector {
                    format!("{}{}", s.name, j + 1)
                } else {
                    s.name.clone()
                },
                lo,
                hi,
                kind: ColKind::Space { var: k, comp: j },
            });
        }
    }
    for (k, pv) in p.params.iter().enumerate() {
        out.push(InputCol {
            col: cols.params[k],
            label: pv.name.clone(),
            header: pv.name.clone(),
            lo: pv.lo,
            hi: pv.hi,
            kind: ColKind::Param,
        });
    }
    out.sort_by_key(|c| c.col);
    out
}

fn names(p: &Problem) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    if let Some(t) = &p.time {
        v.push(&t.name);
    }
    v.extend(p.space.iter().map(|s| s.name.as_str()));
    v.extend(p.params.iter().map(|s| s.name.as_str()));
    v
}

/// The columns an item names (indices into `inputs`).
fn targets(p: &Problem, inputs: &[InputCol], item: &Item) -> Result<Vec<usize>, SpecError> {
    let all = names(p);
    if !all.contains(&item.name.as_str()) {
        let help = match pdec_lang::diag::suggest::did_you_mean(&item.name, all.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? the inputs are {}", all.join(", ")),
            None => format!("the problem's inputs are {}", all.join(", ")),
        };
        return Err(SpecError {
            kind: ErrorKind::UnknownVariable,
            message: format!("the problem has no variable `{}`", item.name),
            help,
        });
    }
    let matching: Vec<usize> = inputs
        .iter()
        .enumerate()
        .filter(|(_, c)| match c.kind {
            ColKind::Time => p.time.as_ref().is_some_and(|t| t.name == item.name),
            ColKind::Space { var, .. } => p.space[var].name == item.name,
            ColKind::Param => c.label == item.name,
        })
        .map(|(i, _)| i)
        .collect();
    let Some(index) = &item.index else {
        return Ok(matching);
    };
    let var = match inputs[matching[0]].kind {
        ColKind::Space { var, .. } if p.space[var].domain.dim().is_some() => var,
        _ => {
            return Err(SpecError::syntax(
                format!(
                    "`{}` is not a vector variable and takes no index",
                    item.name
                ),
                format!("write `{} = ...`", item.name),
            ));
        }
    };
    let d = p.space[var].domain.dim().unwrap_or(1);
    let (from, to) = (index.from.unwrap_or(1), index.to.unwrap_or(d));
    if to > d {
        return Err(SpecError::syntax(
            format!(
                "`{}` has {d} components; `{}` names component {to}",
                item.name, item.text
            ),
            format!("components of `{}` are 1..{d}", item.name),
        ));
    }
    Ok(matching
        .into_iter()
        .filter(|i| match inputs[*i].kind {
            ColKind::Space { comp, .. } => comp + 1 >= from && comp < to,
            _ => false,
        })
        .collect())
}

fn mid(c: &InputCol) -> f64 {
    (c.lo + c.hi) / 2.0
}

/// One axis along several columns: their common coordinate when they share a range,
/// otherwise a parameter `s` in [0, 1] with `col = lo + s (hi - lo)`.
fn diagonal(p: &Problem, inputs: &[InputCol], members: &[usize], n: usize) -> (Axis, Vec<Rule>) {
    let first = &inputs[members[0]];
    if members.len() == 1 {
        return (
            Axis {
                label: first.label.clone(),
                name: first.header.clone(),
                lo: first.lo,
                hi: first.hi,
                n,
                cols: vec![first.col],
                time: first.kind == ColKind::Time,
            },
            vec![Rule::Axis {
                axis: 0,
                a: 0.0,
                b: 1.0,
            }],
        );
    }
    let labels: Vec<&str> = members.iter().map(|i| inputs[*i].label.as_str()).collect();
    let label = if labels.len() > 3 {
        format!("{} = ... = {}", labels[0], labels[labels.len() - 1])
    } else {
        labels.join(" = ")
    };
    let cols = members.iter().map(|i| inputs[*i].col).collect();
    let same = members
        .iter()
        .all(|i| inputs[*i].lo == first.lo && inputs[*i].hi == first.hi);
    if same {
        // Inside a ball the diagonal through its centre leaves it at radius / sqrt(k).
        let (mut lo, mut hi) = (first.lo, first.hi);
        if let ColKind::Space { var, .. } = first.kind
            && let Domain::Ball { radius, .. } = &p.space[var].domain
            && members
                .iter()
                .all(|i| matches!(inputs[*i].kind, ColKind::Space { var: v, .. } if v == var))
        {
            let c = (lo + hi) / 2.0;
            let h = radius / (members.len() as f64).sqrt();
            (lo, hi) = (c - h, c + h);
        }
        let rules = members
            .iter()
            .map(|_| Rule::Axis {
                axis: 0,
                a: 0.0,
                b: 1.0,
            })
            .collect();
        return (
            Axis {
                label: format!("{label} (diagonal)"),
                name: first.header.clone(),
                lo,
                hi,
                n,
                cols,
                time: false,
            },
            rules,
        );
    }
    let rules = members
        .iter()
        .map(|i| Rule::Axis {
            axis: 0,
            a: inputs[*i].lo,
            b: inputs[*i].hi - inputs[*i].lo,
        })
        .collect();
    (
        Axis {
            label: format!("s (diagonal {label}, each lo + s (hi - lo))"),
            name: "s".into(),
            lo: 0.0,
            hi: 1.0,
            n,
            cols,
            time: false,
        },
        rules,
    )
}

/// Default points per axis for plots: lines get more points than heat maps.
pub fn plot_points(axes: usize) -> usize {
    if axes <= 1 { 201 } else { 121 }
}

/// Binds `items` to the problem's inputs.
///
/// Export: every time and space variable must be named (components of a vector variable the
/// spec does not name take the middle of their range); parameters default to the middle of
/// their range. Plot: time varies unless fixed; unnamed space coordinates vary, along their
/// diagonal when there are more than the plot can show (2 without time, 1 with it); ranges
/// in the slice add axes; parameters default to the middle of their range.
pub fn resolve(
    p: &Problem,
    cols: &Columns,
    items: &[Item],
    purpose: Purpose,
) -> Result<Layout, SpecError> {
    let inputs = input_columns(p, cols);
    // Each input's assignment: None (unnamed), or the item that names it.
    let mut named: Vec<Option<usize>> = vec![None; inputs.len()];
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let t = targets(p, &inputs, item)?;
        for i in &t {
            if let Some(prev) = named[*i] {
                return Err(SpecError::syntax(
                    format!(
                        "`{}` is given twice: in `{}` and in `{}`",
                        inputs[*i].label, items[prev].text, item.text
                    ),
                    "name each coordinate once",
                ));
            }
            named[*i] = Some(k);
        }
        members.push(t);
    }
    let mut axes: Vec<Axis> = Vec::new();
    let mut rules: Vec<Rule> = vec![Rule::Fixed(0.0); cols.width];
    let mut fixed = Vec::new();
    let add_axis = |axes: &mut Vec<Axis>, rules: &mut Vec<Rule>, m: &[usize], n, lo_hi| {
        let (mut axis, rs) = diagonal(p, &inputs, m, n);
        if let Some((lo, hi)) = lo_hi {
            axis.lo = lo;
            axis.hi = hi;
            // A range given by the user is in the coordinate itself.
            for i in m {
                rules[inputs[*i].col] = Rule::Axis {
                    axis: axes.len(),
                    a: 0.0,
                    b: 1.0,
                };
            }
            if m.len() > 1 {
                axis.name = inputs[m[0]].header.clone();
                axis.label = format!(
                    "{} (diagonal)",
                    m.iter()
                        .map(|i| inputs[*i].label.as_str())
                        .collect::<Vec<_>>()
                        .join(" = ")
                );
            }
        } else {
            for (i, r) in m.iter().zip(rs) {
                rules[inputs[*i].col] = match r {
                    Rule::Axis { a, b, .. } => Rule::Axis {
                        axis: axes.len(),
                        a,
                        b,
                    },
                    f => f,
                };
            }
        }
        axes.push(axis);
    };
    // Named items, in the order written.
    for (k, item) in items.iter().enumerate() {
        let m = &members[k];
        match item.value {
            Value::Fixed(v) => {
                for i in m {
                    rules[inputs[*i].col] = Rule::Fixed(v);
                }
                fixed.push(format!(
                    "{} = {}",
                    item.text.split('=').next().unwrap_or("").trim(),
                    pdec_lang::syntax::print::format_number(v)
                ));
            }
            Value::Range { lo, hi, n } => {
                let n = n.unwrap_or(match purpose {
                    Purpose::Export => DEFAULT_POINTS,
                    Purpose::Plot => plot_points(2),
                });
                add_axis(&mut axes, &mut rules, m, n, Some((lo, hi)));
            }
        }
    }
    let unnamed = |pred: &dyn Fn(&InputCol) -> bool| -> Vec<usize> {
        (0..inputs.len())
            .filter(|i| named[*i].is_none() && pred(&inputs[*i]))
            .collect()
    };
    // Parameters: the middle of their range.
    for i in unnamed(&|c| c.kind == ColKind::Param) {
        let v = mid(&inputs[i]);
        rules[inputs[i].col] = Rule::Fixed(v);
        fixed.push(format!(
            "{} = {}",
            inputs[i].label,
            pdec_lang::syntax::print::format_number(v)
        ));
    }
    match purpose {
        Purpose::Export => {
            let mut missing = Vec::new();
            for (k, s) in p.space.iter().enumerate() {
                let comps = unnamed(&|c| matches!(c.kind, ColKind::Space { var, .. } if var == k));
                let total = s.domain.bounds().len();
                if comps.len() == total {
                    missing.push(format!(
                        "{} = {}..{}:{DEFAULT_POINTS}",
                        s.name,
                        pdec_lang::syntax::print::format_number(inputs[comps[0]].lo),
                        pdec_lang::syntax::print::format_number(inputs[comps[0]].hi)
                    ));
                } else {
                    for i in comps {
                        rules[inputs[i].col] = Rule::Fixed(mid(&inputs[i]));
                    }
                }
            }
            if let Some(t) = &p.time
                && !unnamed(&|c| c.kind == ColKind::Time).is_empty()
            {
                missing.insert(
                    0,
                    format!(
                        "{} = {}..{}:{DEFAULT_POINTS}",
                        t.name,
                        pdec_lang::syntax::print::format_number(t.lo),
                        pdec_lang::syntax::print::format_number(t.hi)
                    ),
                );
            }
            if !missing.is_empty() {
                let vars: Vec<String> = missing
                    .iter()
                    .map(|m| format!("`{}`", m.split(" =").next().unwrap_or(m)))
                    .collect();
                return Err(SpecError {
                    kind: ErrorKind::Missing,
                    message: format!("the grid does not give {}", vars.join(", ")),
                    help: format!(
                        "add a range or a value for each, e.g. `{}`",
                        missing.join(", ")
                    ),
                });
            }
        }
        Purpose::Plot => {
            let time = unnamed(&|c| c.kind == ColKind::Time);
            // Time counts as one of the two axes a plot shows.
            let budget = 2;
            let space = unnamed(&|c| matches!(c.kind, ColKind::Space { .. }));
            let taken = axes.len() + time.len();
            if taken > budget {
                return Err(SpecError::syntax(
                    format!(
                        "the slice leaves {taken} coordinates varying; a plot shows at most {budget}"
                    ),
                    "fix more coordinates with a value, e.g. `x[2..] = 1`",
                ));
            }
            let room = budget - taken;
            // The remaining space coordinates: each its own axis if they fit, else their diagonal.
            let groups: Vec<Vec<usize>> = if space.is_empty() || room == 0 {
                Vec::new()
            } else if space.len() <= room {
                space.iter().map(|i| vec![*i]).collect()
            } else {
                vec![space.clone()]
            };
            let grouped: Vec<usize> = groups.iter().flatten().copied().collect();
            let total_axes = taken + groups.len();
            if !time.is_empty() {
                add_axis(&mut axes, &mut rules, &time, plot_points(total_axes), None);
                // Time first.
                let last = axes.len() - 1;
                axes[..=last].rotate_right(1);
                for r in rules.iter_mut() {
                    if let Rule::Axis { axis, .. } = r {
                        *axis = if *axis == last { 0 } else { *axis + 1 };
                    }
                }
            }
            for g in &groups {
                add_axis(&mut axes, &mut rules, g, plot_points(total_axes), None);
            }
            for i in space {
                if !grouped.contains(&i) {
                    let v = mid(&inputs[i]);
                    rules[inputs[i].col] = Rule::Fixed(v);
                    fixed.push(format!(
                        "{} = {}",
                        inputs[i].label,
                        pdec_lang::syntax::print::format_number(v)
                    ));
                }
            }
            if axes.is_empty() {
                return Err(SpecError::syntax(
                    "the slice fixes every coordinate: nothing varies".to_string(),
                    "leave a coordinate out of the slice, or give it a range `lo..hi`",
                ));
            }
        }
    }
    let total = axes
        .iter()
        .try_fold(1usize, |acc, a| acc.checked_mul(a.n))
        .filter(|t| *t <= MAX_POINTS);
    if total.is_none() {
        return Err(SpecError::syntax(
            format!("the grid has more than {MAX_POINTS} points"),
            "use fewer points per axis",
        ));
    }
    Ok(Layout { axes, rules, fixed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_values_and_indices() {
        let items = parse("t = 0..1:11, x = -1..1, x[2..] = 1, nu = 5e-2, y[..3] = 0, z[2] = 0.5")
            .expect("parses");
        assert_eq!(items.len(), 6);
        assert_eq!(
            items[0].value,
            Value::Range {
                lo: 0.0,
                hi: 1.0,
                n: Some(11)
            }
        );
        assert_eq!(
            items[1].value,
            Value::Range {
                lo: -1.0,
                hi: 1.0,
                n: None
            }
        );
        assert_eq!(
            items[2].index,
            Some(Index {
                from: Some(2),
                to: None
            })
        );
        assert_eq!(items[3].value, Value::Fixed(0.05));
        assert_eq!(
            items[4].index,
            Some(Index {
                from: None,
                to: Some(3)
            })
        );
        assert_eq!(
            items[5].index,
            Some(Index {
                from: Some(2),
                to: Some(2)
            })
        );
        assert!(parse("").expect("empty").is_empty());
        assert!(parse(" , ").expect("only commas").is_empty());
    }

    #[test]
    fn rejects_malformed_items() {
        for bad in [
            "t",
            "t = ",
            "t = a",
            "t = 1..0",
            "t = 0..1:1",
            "t = 0..1:x",
            "x[0] = 1",
            "x[3..2] = 1",
            "x[2 = 1",
            "x[] = 1",
            "1x = 2",
            "t = inf",
            "t = 0..nan",
        ] {
            let e = parse(bad).expect_err(bad);
            assert_eq!(e.kind, ErrorKind::Syntax, "{bad}");
            assert!(!e.help.is_empty());
        }
    }

    fn problem(src: &str) -> (Problem, Columns) {
        let c = pdec_lang::driver::compile(
            pdec_lang::source::SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        let p = c.checked.expect("checked").problem;
        let cols = Columns::new(&p);
        (p, cols)
    }

    const HEAT: &str = "time t in [0, 1]\nspace x in [0, 1]^3\nparam nu in [0.1, 0.3]\nunknown u(t, x)\npde d(u, t) = nu * lap(u, x)\ninitial u = 0\nboundary on(x): u = 0\n";

    #[test]
    fn export_needs_every_variable_and_fills_components_and_params() {
        let (p, cols) = problem(HEAT);
        let e = resolve(
            &p,
            &cols,
            &parse("t = 0..1:3").expect("ok"),
            Purpose::Export,
        )
        .expect_err("x missing");
        assert_eq!(e.kind, ErrorKind::Missing);
        assert!(e.message.contains("`x`"), "{}", e.message);
        let l = resolve(
            &p,
            &cols,
            &parse("t = 0..1:3, x[1] = 0..1:5").expect("ok"),
            Purpose::Export,
        )
        .expect("resolves");
        assert_eq!(l.shape(), vec![3, 5]);
        let pts = l.points();
        assert_eq!(pts.len(), 15 * cols.width);
        let ins = input_columns(&p, &cols);
        let col = |label: &str| ins.iter().find(|c| c.label == label).expect(label).col;
        // Last axis fastest; unnamed components and the param at the middle.
        let row = |r: usize| &pts[r * cols.width..(r + 1) * cols.width];
        assert_eq!(row(1)[col("x[1]")], 0.25);
        assert_eq!(row(5)[col("t")], 0.5);
        assert_eq!(row(5)[col("x[2]")], 0.5);
        assert_eq!(row(5)[col("nu")], 0.2);
        let e = resolve(
            &p,
            &cols,
            &parse("t = 0, y = 1").expect("ok"),
            Purpose::Export,
        )
        .expect_err("unknown");
        assert_eq!(e.kind, ErrorKind::UnknownVariable);
        let e = resolve(
            &p,
            &cols,
            &parse("t = 0, x[4] = 1").expect("ok"),
            Purpose::Export,
        )
        .expect_err("out of range component");
        assert_eq!(e.kind, ErrorKind::Syntax);
        let e = resolve(
            &p,
            &cols,
            &parse("t = 0, x = 1, x[2] = 0").expect("ok"),
            Purpose::Export,
        )
        .expect_err("twice");
        assert!(e.message.contains("twice"));
        let e = resolve(
            &p,
            &cols,
            &parse("t[1] = 0, x = 1").expect("ok"),
            Purpose::Export,
        )
        .expect_err("index on a scalar");
        assert_eq!(e.kind, ErrorKind::Syntax);
    }

    #[test]
    fn plot_defaults_to_time_and_the_diagonal() {
        let (p, cols) = problem(HEAT);
        let l = resolve(&p, &cols, &[], Purpose::Plot).expect("resolves");
        assert_eq!(l.axes.len(), 2);
        assert!(l.axes[0].time);
        assert!(l.axes[1].label.contains("diagonal"), "{}", l.axes[1].label);
        assert_eq!(l.axes[1].cols.len(), 3);
        assert!(l.fixed.iter().any(|f| f == "nu = 0.2"), "{:?}", l.fixed);
        // A slice fixing x[2..] leaves x[1] as the space axis.
        let l =
            resolve(&p, &cols, &parse("x[2..] = 1").expect("ok"), Purpose::Plot).expect("resolves");
        assert_eq!(l.axes.len(), 2);
        assert_eq!(l.axes[1].label, "x[1]");
        // Fixing time and two components: a line along x[1].
        let l = resolve(
            &p,
            &cols,
            &parse("t = 0.5, x[2..] = 1, nu = 0.1").expect("ok"),
            Purpose::Plot,
        )
        .expect("resolves");
        assert_eq!(l.axes.len(), 1);
        assert_eq!(l.points()[cols.params[0]], 0.1);
        // Too many ranges.
        let e = resolve(
            &p,
            &cols,
            &parse("x[1] = 0..1, x[2] = 0..1").expect("ok"),
            Purpose::Plot,
        )
        .expect_err("three axes with time");
        assert_eq!(e.kind, ErrorKind::Syntax);
        // Everything fixed.
        let e = resolve(
            &p,
            &cols,
            &parse("t = 0, x = 0.5").expect("ok"),
            Purpose::Plot,
        )
        .expect_err("nothing varies");
        assert!(e.message.contains("nothing varies"));
    }

    #[test]
    fn plot_without_time_shows_two_space_axes() {
        let (p, cols) = problem(
            "space x in [0, 1]^2\nunknown u(x)\npde lap(u, x) = 1\nboundary on(x): u = 0\n",
        );
        let l = resolve(&p, &cols, &[], Purpose::Plot).expect("resolves");
        assert_eq!(l.axes.len(), 2);
        assert_eq!(l.axes[0].label, "x[1]");
        assert_eq!(l.axes[1].label, "x[2]");
        assert_eq!(l.len(), 121 * 121);
    }
}
