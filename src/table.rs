//! Tables of points in CSV: `reference "file.csv"` data and `pdec eval --points`. Columns are
//! named after the problem's inputs: the time variable, each scalar space variable, each
//! component of a vector variable as `x1`, `x2`, ... (or `x[1]`, ...), and each parameter;
//! a reference table also has a column of values named after an unknown (a system's, one for
//! each unknown it gives: `u`, `v`, `U[1]`).

use pdec_lang::diag::Diag;
use pdec_lang::ir::{Input, Problem};
use pdec_solve::lower::Columns;

/// Reads a `--points` CSV file (`pdec eval`, `pdec export`): a regular file of at most
/// [`Limit::TableBytes`](pdec_lang::limits::Limit::TableBytes), in UTF-8.
pub fn read_points(path: &std::path::Path) -> Result<String, Box<Diag>> {
    use pdec_lang::limits::Limit;
    use pdec_lang::loader::{Limited, read_limited};
    let name = path.display();
    let limit = Limit::TableBytes;
    let bytes = read_limited(path, limit.get()).map_err(|e| {
        Box::new(match e {
            Limited::TooLarge => Diag::error(
                "pdec::load::too_large",
                format!(
                    "`{name}` is larger than {}, the limit of a points file",
                    limit.shown()
                ),
            )
            .help(format!(
                "split the points into several files and evaluate each; {}",
                limit.raise_hint()
            )),
            e => Diag::error(
                "pdec::load::cannot_read",
                format!("cannot read `{name}`: {e}"),
            )
            .help("give a CSV file of points (a regular file)"),
        })
    })?;
    String::from_utf8(bytes).map_err(|e| {
        Box::new(
            Diag::error(
                "pdec::load::not_utf8",
                format!(
                    "`{name}` is not valid UTF-8 (at byte {})",
                    e.utf8_error().valid_up_to()
                ),
            )
            .help("save the points as UTF-8 CSV text"),
        )
    })
}

/// Points in the network's column order, and the values of each unknown the table has a
/// column for: `(unknown, values)` in declaration order (none for a table of points).
#[derive(Clone, Debug)]
pub struct Table {
    pub rows: usize,
    pub points: Vec<f64>,
    pub values: Vec<(usize, Vec<f64>)>,
}

impl Table {
    /// The values of unknown `k`, when the table has its column.
    pub fn values_of(&self, k: usize) -> Option<&[f64]> {
        self.values
            .iter()
            .find(|(u, _)| *u == k)
            .map(|(_, v)| v.as_slice())
    }
}

fn column_names(p: &Problem, cols: &Columns) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for a in &p.args() {
        match a {
            Input::Time => {
                if let (Some(c), Some(t)) = (cols.layout.time(), &p.time) {
                    out.push((c, vec![t.name.clone()]));
                }
            }
            Input::Space(k) => {
                // The unknown's arguments are the layout's first inputs.
                let Some((off, len)) = cols.layout.space(*k) else {
                    continue;
                };
                let name = &p.space[*k].name;
                if p.space[*k].domain.dim().is_none() {
                    out.push((off, vec![name.clone()]));
                } else {
                    for j in 0..len {
                        out.push((
                            off + j,
                            vec![format!("{name}{}", j + 1), format!("{name}[{}]", j + 1)],
                        ));
                    }
                }
            }
            Input::Param(_) => {}
        }
    }
    for (c, pv) in cols.layout.params().zip(&p.params) {
        out.push((c, vec![pv.name.clone()]));
    }
    out
}

/// Parses a CSV table; `file` names it in diagnostics.
pub fn parse(
    p: &Problem,
    cols: &Columns,
    file: &str,
    text: &str,
    want_values: bool,
) -> Result<Table, Box<Diag>> {
    let bad = |msg: String, help: &str| {
        Box::new(Diag::error("pdec::load::bad_table", msg).help(help.to_string()))
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            bad(
                format!("`{file}` has no readable header: {e}"),
                "the first line names the columns",
            )
        })?
        .iter()
        .map(str::to_string)
        .collect();
    let mut index = Vec::new();
    for (col, names) in column_names(p, cols) {
        let pos = header
            .iter()
            .position(|h| names.contains(h))
            .ok_or_else(|| {
                bad(
                    format!("`{file}` has no column `{}`", names[0]),
                    &format!(
                        "the header must name every input: {}",
                        column_names(p, cols)
                            .iter()
                            .map(|(_, n)| n[0].clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        index.push((col, pos));
    }
    // The unknowns' value columns: the only unknown's, or those of a system it has.
    let value_pos: Vec<(usize, usize)> = match want_values {
        false => Vec::new(),
        true => p
            .unknowns
            .iter()
            .enumerate()
            .filter_map(|(k, u)| Some((k, header.iter().position(|h| *h == u.name)?)))
            .collect(),
    };
    if want_values && value_pos.is_empty() {
        let names: Vec<String> = p.unknowns.iter().map(|u| format!("`{}`", u.name)).collect();
        return Err(match names.as_slice() {
            [one] => bad(
                format!("`{file}` has no column {one} with the solution's values"),
                "add a column named after the unknown",
            ),
            _ => bad(
                format!(
                    "`{file}` has no column of values named after an unknown ({})",
                    names.join(", ")
                ),
                "add a column for each unknown the table gives, named after it",
            ),
        });
    }
    let mut points = Vec::new();
    let mut values: Vec<(usize, Vec<f64>)> =
        value_pos.iter().map(|(k, _)| (*k, Vec::new())).collect();
    let mut rows = 0;
    for (line, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            bad(
                format!("`{file}` line {}: {e}", line + 2),
                "every row needs a value in every column",
            )
        })?;
        let num = |pos: usize| -> Result<f64, Box<Diag>> {
            let s = rec.get(pos).unwrap_or("");
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    bad(
                        format!("`{file}` line {}: `{s}` is not a finite number", line + 2),
                        "cells hold plain numbers such as 0.5 or 1e-3",
                    )
                })
        };
        let mut row = vec![0.0; cols.layout.width];
        for (col, pos) in &index {
            row[*col] = num(*pos)?;
        }
        points.extend(row);
        for ((_, pos), (_, column)) in value_pos.iter().zip(&mut values) {
            column.push(num(*pos)?);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(bad(
            format!("`{file}` has no rows"),
            "add at least one point",
        ));
    }
    Ok(Table {
        rows,
        points,
        values,
    })
}

/// The header of an output table: inputs, then the unknown.
pub fn header(p: &Problem, cols: &Columns) -> Vec<String> {
    let mut h: Vec<String> = column_names(p, cols)
        .into_iter()
        .map(|(_, n)| n[0].clone())
        .collect();
    h.extend(p.unknowns.iter().map(|u| u.name.clone()));
    h
}

/// Input columns in header order, for writing rows back.
pub fn header_columns(p: &Problem, cols: &Columns) -> Vec<usize> {
    column_names(p, cols).into_iter().map(|(c, _)| c).collect()
}

/// The warning `pdec::run::point_outside_domain` when rows of `points` (`rows` of the
/// layout's width) lie outside their space variable's domain, naming the first such row
/// (1-based, as `what` counts them: "row" of a points file, "point" of a grid); `None` when
/// every row is inside. The values there are still computed: like a report under
/// `extrapolate = true`, they are the network's, which no loss term controlled.
pub fn outside_warning(
    p: &Problem,
    cols: &Columns,
    points: &[f64],
    rows: usize,
    what: &str,
) -> Option<Diag> {
    use pdec_lang::ir::Domain;
    let w = cols.layout.width;
    let slack = |lo: f64, hi: f64| 1e-12 * lo.abs().max(hi.abs()).max(1.0);
    let inside = |d: &Domain, x: &[f64]| match d {
        Domain::Csg(c) => c.contains_closure(x),
        Domain::Ball { center, radius } => {
            let r2: f64 = x.iter().zip(center).map(|(v, c)| (v - c) * (v - c)).sum();
            r2.sqrt() <= radius + slack(0.0, *radius)
        }
        _ => d
            .bounds()
            .iter()
            .zip(x)
            .all(|((lo, hi), v)| *v >= lo - slack(*lo, *hi) && *v <= hi + slack(*lo, *hi)),
    };
    for (k, s) in p.space.iter().enumerate() {
        let Some((o, l)) = cols.layout.space(k) else {
            continue;
        };
        let out: Vec<usize> = (0..rows)
            .filter(|i| !inside(&s.domain, &points[i * w + o..i * w + o + l]))
            .collect();
        let Some(first) = out.first() else {
            continue;
        };
        let x = &points[first * w + o..first * w + o + l];
        let shown: Vec<String> = x.iter().take(4).map(|v| format!("{v}")).collect();
        let more = if l > 4 { ", ..." } else { "" };
        return Some(
            Diag::warning(
                "pdec::run::point_outside_domain",
                format!(
                    "{} of {rows} {what}s {} outside the domain of `{}`; the first is {what} {} (`{} = [{}{more}]`)",
                    out.len(),
                    if out.len() == 1 { "is" } else { "are" },
                    s.name,
                    first + 1,
                    s.name,
                    shown.join(", ")
                ),
            )
            .help("the network was trained inside the domain only: its values there are extrapolations that no loss term controlled (plots mask them); drop those points if they are not wanted"),
        );
    }
    None
}
