//! Binding parsed items to a problem ([`resolve`]): which input columns each item names, the
//! axes its ranges add (one along the diagonal when it names several columns), and the
//! defaults for what it leaves out, which differ by [`Purpose`].

use super::inputs::{ColKind, InputCol, input_columns, mid, names};
use super::layout::{Axis, Layout, Rule};
use super::parse::{Item, Value};
use super::{DEFAULT_POINTS, ErrorKind, Purpose, SpecError, max_points};
use pdec_lang::ir::{Domain, Problem};
use pdec_solve::lower::Columns;

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
    let (named, members) = assign(p, &inputs, items)?;
    let mut b = Builder {
        p,
        inputs,
        named,
        axes: Vec::new(),
        rules: vec![Rule::Fixed(0.0); cols.layout.width],
        fixed: Vec::new(),
    };
    b.named_items(items, &members, purpose);
    b.default_params();
    match purpose {
        Purpose::Export => b.export_defaults()?,
        Purpose::Plot => b.plot_defaults()?,
    }
    b.finish()
}

/// For each input, the item that names it (`None`: unnamed).
type Named = Vec<Option<usize>>;

/// Which item names each input and the inputs each item names; an input named by two items
/// is an error.
fn assign(
    p: &Problem,
    inputs: &[InputCol],
    items: &[Item],
) -> Result<(Named, Vec<Vec<usize>>), SpecError> {
    // Each input's assignment: None (unnamed), or the item that names it.
    let mut named: Named = vec![None; inputs.len()];
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let t = targets(p, inputs, item)?;
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
    Ok((named, members))
}

/// A layout being built: the problem's inputs, which item names each, and the axes, column
/// rules and fixed coordinates so far.
struct Builder<'a> {
    p: &'a Problem,
    inputs: Vec<InputCol>,
    /// Each input's assignment: `None` (unnamed), or the item that names it.
    named: Named,
    axes: Vec<Axis>,
    rules: Vec<Rule>,
    /// The coordinates held fixed, for captions.
    fixed: Vec<String>,
}

impl Builder<'_> {
    /// Adds an axis of `n` points along the inputs `m`: over `lo_hi` when the spec gives a
    /// range, otherwise over their own ranges (their diagonal when there are several).
    fn add_axis(&mut self, m: &[usize], n: usize, lo_hi: Option<(f64, f64)>) {
        let (inputs, axes, rules) = (&self.inputs, &mut self.axes, &mut self.rules);
        let (mut axis, rs) = diagonal(self.p, inputs, m, n);
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
    }

    /// The items, in the order written: a value fixes its inputs, a range adds an axis.
    fn named_items(&mut self, items: &[Item], members: &[Vec<usize>], purpose: Purpose) {
        for (k, item) in items.iter().enumerate() {
            let m = &members[k];
            match item.value {
                Value::Fixed(v) => {
                    for i in m {
                        self.rules[self.inputs[*i].col] = Rule::Fixed(v);
                    }
                    self.fixed.push(format!(
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
                    self.add_axis(m, n, Some((lo, hi)));
                }
            }
        }
    }

    /// The inputs no item names that satisfy `pred`.
    fn unnamed(&self, pred: &dyn Fn(&InputCol) -> bool) -> Vec<usize> {
        (0..self.inputs.len())
            .filter(|i| self.named[*i].is_none() && pred(&self.inputs[*i]))
            .collect()
    }

    /// Holds input `i` at the middle of its range, noted for captions.
    fn fix_at_middle(&mut self, i: usize) {
        let v = mid(&self.inputs[i]);
        self.rules[self.inputs[i].col] = Rule::Fixed(v);
        self.fixed.push(format!(
            "{} = {}",
            self.inputs[i].label,
            pdec_lang::syntax::print::format_number(v)
        ));
    }

    /// Parameters: the middle of their range.
    fn default_params(&mut self) {
        for i in self.unnamed(&|c| c.kind == ColKind::Param) {
            self.fix_at_middle(i);
        }
    }

    /// Export: every time and space variable named; components of a named vector variable
    /// the spec leaves out take the middle of their range.
    fn export_defaults(&mut self) -> Result<(), SpecError> {
        let p = self.p;
        let mut missing = Vec::new();
        for (k, s) in p.space.iter().enumerate() {
            let comps = self.unnamed(&|c| matches!(c.kind, ColKind::Space { var, .. } if var == k));
            let total = s.domain.bounds().len();
            if comps.len() == total {
                missing.push(format!(
                    "{} = {}..{}:{DEFAULT_POINTS}",
                    s.name,
                    pdec_lang::syntax::print::format_number(self.inputs[comps[0]].lo),
                    pdec_lang::syntax::print::format_number(self.inputs[comps[0]].hi)
                ));
            } else {
                for i in comps {
                    self.rules[self.inputs[i].col] = Rule::Fixed(mid(&self.inputs[i]));
                }
            }
        }
        if let Some(t) = &p.time
            && !self.unnamed(&|c| c.kind == ColKind::Time).is_empty()
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
        Ok(())
    }

    /// Plot: time varies unless fixed (as the first axis); the unnamed space coordinates each
    /// get an axis when they fit in the two a plot shows, else one along their diagonal, and
    /// the rest are held at the middle of their range.
    fn plot_defaults(&mut self) -> Result<(), SpecError> {
        let time = self.unnamed(&|c| c.kind == ColKind::Time);
        // Time counts as one of the two axes a plot shows.
        let budget = 2;
        let space = self.unnamed(&|c| matches!(c.kind, ColKind::Space { .. }));
        let taken = self.axes.len() + time.len();
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
            self.add_axis(&time, plot_points(total_axes), None);
            // Time first.
            let last = self.axes.len() - 1;
            self.axes[..=last].rotate_right(1);
            for r in self.rules.iter_mut() {
                if let Rule::Axis { axis, .. } = r {
                    *axis = if *axis == last { 0 } else { *axis + 1 };
                }
            }
        }
        for g in &groups {
            self.add_axis(g, plot_points(total_axes), None);
        }
        for i in space {
            if !grouped.contains(&i) {
                self.fix_at_middle(i);
            }
        }
        if self.axes.is_empty() {
            return Err(SpecError::syntax(
                "the slice fixes every coordinate: nothing varies".to_string(),
                "leave a coordinate out of the slice, or give it a range `lo..hi`",
            ));
        }
        Ok(())
    }

    /// The layout, unless it has more than [`max_points`] points.
    fn finish(self) -> Result<Layout, SpecError> {
        let total = self
            .axes
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.n))
            .filter(|t| *t <= max_points());
        if total.is_none() {
            let limit = pdec_lang::limits::Limit::GridPoints;
            return Err(SpecError::syntax(
                format!("the grid has more than {} points", limit.shown()),
                format!("use fewer points per axis; {}", limit.raise_hint()),
            ));
        }
        Ok(Layout {
            axes: self.axes,
            rules: self.rules,
            fixed: self.fixed,
        })
    }
}
