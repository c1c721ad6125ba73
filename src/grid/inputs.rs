//! A problem's input columns as a spec sees them: time, each component of each space
//! variable (`x[2]`, header `x2`), each parameter, with their ranges.

use pdec_lang::ir::Problem;
use pdec_solve::lower::Columns;

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

/// What an input column is: time, a component of a space variable, or a parameter.
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
    if let (Some(c), Some(t)) = (cols.layout.time(), &p.time) {
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
        // Every space variable is an argument of the unknown (checked), so has columns.
        let Some((off, _)) = cols.layout.space(k) else {
            continue;
        };
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
    for (col, pv) in cols.layout.params().zip(&p.params) {
        out.push(InputCol {
            col,
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

/// The problem's input names: time, space variables, parameters.
pub(super) fn names(p: &Problem) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    if let Some(t) = &p.time {
        v.push(&t.name);
    }
    v.extend(p.space.iter().map(|s| s.name.as_str()));
    v.extend(p.params.iter().map(|s| s.name.as_str()));
    v
}

/// The middle of a column's range: where an unnamed coordinate is held.
pub(super) fn mid(c: &InputCol) -> f64 {
    (c.lo + c.hi) / 2.0
}
