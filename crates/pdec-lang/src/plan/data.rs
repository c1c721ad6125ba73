//! The rows of `observe` data files, read and checked before training: a header naming the
//! network's inputs as a `reference` table names them (`t`, `x`, a vector's `x1` or `x[1]`,
//! each parameter) and the observed quantity as written (`u`, `U[1]` or `U1`), then one row
//! of plain numbers per point. The file is a source file of its own, so each diagnostic
//! points at its row and cell. Rows are kept in the network's input columns.

use crate::diag::{Diag, Diags};
use crate::geometry::inputs::InputLayout;
use crate::ir::{Domain, Input, Observation, Problem};
use crate::source::{FileId, Span};
use crate::syntax::print::format_number;
use std::collections::HashMap;

/// One cell: its text and its span in the file.
struct Cell<'a> {
    text: &'a str,
    span: Span,
}

/// The file's lines as cells (comma-separated, blanks around a cell dropped); blank lines
/// are skipped. Each line comes with its own span.
fn lines(file: FileId, text: &str) -> Vec<(Span, Vec<Cell<'_>>)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let start = at;
        at += line.len();
        if body.trim().is_empty() {
            continue;
        }
        let mut cells = Vec::new();
        let mut from = 0;
        for piece in body.split(',') {
            let lead = piece.len() - piece.trim_start().len();
            let t = piece.trim();
            let s = start + from + lead;
            cells.push(Cell {
                text: t,
                span: Span::new(file, s, s + t.len()),
            });
            from += piece.len() + 1;
        }
        out.push((Span::new(file, start, start + body.len()), cells));
    }
    out
}

/// Each input column's accepted names (the first is the one messages give), in column order.
fn column_names(p: &Problem, layout: &InputLayout) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for i in &layout.inputs {
        let vector = matches!(i.input, Input::Space(k) if p.space[k].domain.dim().is_some());
        if vector {
            for j in 0..i.components {
                out.push((
                    i.offset + j,
                    vec![
                        format!("{}{}", i.name, j + 1),
                        format!("{}[{}]", i.name, j + 1),
                    ],
                ));
            }
        } else {
            out.push((i.offset, vec![i.name.clone()]));
        }
    }
    out
}

/// The input columns a data set's file holds: all but those `at` fixes.
fn columns_read(p: &Problem, layout: &InputLayout, o: &Observation) -> Vec<(usize, Vec<String>)> {
    let fixed: Vec<usize> = o
        .fixed
        .iter()
        .filter_map(|(i, _)| layout.columns(*i))
        .flatten()
        .collect();
    column_names(p, layout)
        .into_iter()
        .filter(|(c, _)| !fixed.contains(c))
        .collect()
}

/// The observed quantity's accepted names: as written, and `U1` for `U[1]`.
fn target_names(o: &Observation) -> Vec<String> {
    // A derived quantity's text (`d(u, x)`) holds commas: its column is `value`.
    if o.derived {
        return vec!["value".into()];
    }
    let plain: String = o.target.chars().filter(|c| !"[] ".contains(*c)).collect();
    let mut v = vec![o.target.clone()];
    if plain != o.target {
        v.push(plain);
    }
    v
}

/// Reads data set `k`'s rows from `text` (source file `file`) into the problem; every
/// problem is a diagnostic, pointing into the file, with the `observe` statement's path as a
/// second label. The rows stay empty when any is found.
pub fn read_rows(p: &mut Problem, k: usize, file: FileId, text: &str, diags: &mut Diags) {
    let mut local = Diags::default();
    rows_into(p, k, file, text, &mut local);
    let at = p.observations[k].span;
    for d in local.into_vec() {
        diags.push(d.secondary(at, "the data of this `observe`"));
    }
}

fn rows_into(p: &mut Problem, k: usize, file: FileId, text: &str, diags: &mut Diags) {
    let layout = InputLayout::new(p);
    let o = &p.observations[k];
    let errors = diags.error_count();
    let all = lines(file, text);
    let Some(((header_span, header), rows)) = all.split_first() else {
        diags.push(
            Diag::error(
                "pdec::data::empty",
                format!("data file `{}` is empty", o.path),
            )
            .primary(o.span, "no header and no rows")
            .help(format!(
                "the first line names the columns ({}), each further line is one point",
                expected(p, &layout, o)
            )),
        );
        return;
    };
    // Which header cell holds each input column, and the observed value.
    let names = columns_read(p, &layout, o);
    let targets = target_names(o);
    let mut index = Vec::new();
    for (col, accepted) in &names {
        match header
            .iter()
            .position(|c| accepted.iter().any(|a| a == c.text))
        {
            Some(pos) => index.push((*col, pos)),
            None => missing_column(diags, *header_span, &accepted[0], p, &layout, o),
        }
    }
    let value_pos = header
        .iter()
        .position(|c| targets.iter().any(|a| a == c.text));
    if value_pos.is_none() {
        missing_column(diags, *header_span, &targets[0], p, &layout, o);
    }
    for c in header {
        let known = names.iter().any(|(_, a)| a.iter().any(|n| n == c.text))
            || targets.iter().any(|t| t == c.text);
        if !known {
            diags.push(
                Diag::error(
                    "pdec::data::unknown_column",
                    format!(
                        "data column `{}` is neither an input nor `{}`",
                        c.text, targets[0]
                    ),
                )
                .primary(c.span, "not a column of this problem")
                .help(format!("the columns are {}", expected(p, &layout, o))),
            );
        }
    }
    if diags.error_count() > errors {
        return;
    }
    let Some(value_pos) = value_pos else { return };
    if rows.is_empty() {
        diags.push(
            Diag::error(
                "pdec::data::empty",
                format!("data file `{}` has no rows", o.path),
            )
            .primary(*header_span, "a header and nothing after it")
            .help("add one line per measured point, e.g. `0.5,0.25,0.1`"),
        );
        return;
    }
    let mut points = Vec::with_capacity(rows.len() * layout.width);
    let mut values = Vec::with_capacity(rows.len());
    let mut seen: HashMap<Vec<u64>, Span> = HashMap::new();
    for (span, cells) in rows {
        if cells.len() != header.len() {
            diags.push(
                Diag::error(
                    "pdec::data::wrong_count",
                    format!(
                        "this row has {} values but the header names {} columns",
                        cells.len(),
                        header.len()
                    ),
                )
                .primary(*span, "a row of another length")
                .help("every row holds one number per column of the header"),
            );
            continue;
        }
        let mut row = vec![0.0; layout.width];
        for (input, v) in &o.fixed {
            if let Some(c) = layout.columns(*input) {
                row[c].iter_mut().for_each(|x| *x = *v);
            }
        }
        let mut ok = true;
        for &(col, pos) in &index {
            match number(&cells[pos], diags) {
                Some(v) => row[col] = v,
                None => ok = false,
            }
        }
        let value = number(&cells[value_pos], diags);
        let (true, Some(value)) = (ok, value) else {
            continue;
        };
        if let Some(why) = outside(p, &layout, &row) {
            diags.push(
                Diag::error("pdec::data::outside_domain", format!("this point lies outside the domain: {why}"))
                    .primary(*span, "outside the problem's domain")
                    .help("data must lie inside the declared domain and ranges; drop the row or widen the domain"),
            );
            continue;
        }
        let key: Vec<u64> = row.iter().map(|v| (v + 0.0).to_bits()).collect();
        if let Some(first) = seen.get(&key) {
            diags.push(
                Diag::error(
                    "pdec::data::duplicate_point",
                    "this point is measured twice",
                )
                .primary(*span, "the same inputs again")
                .secondary(*first, "first here")
                .help("keep one row per point (average repeated measurements)"),
            );
            continue;
        }
        seen.insert(key, *span);
        points.extend(row);
        values.push(value);
    }
    if diags.error_count() > errors {
        return;
    }
    let o = &mut p.observations[k];
    o.width = layout.width;
    o.points = points;
    o.values = values;
}

fn missing_column(
    diags: &mut Diags,
    header: Span,
    name: &str,
    p: &Problem,
    layout: &InputLayout,
    o: &Observation,
) {
    diags.push(
        Diag::error(
            "pdec::data::missing_column",
            format!("data file `{}` has no column `{name}`", o.path),
        )
        .primary(header, "the header")
        .help(format!(
            "the header names every input and the observed value: {}",
            expected(p, layout, o)
        )),
    );
}

/// The columns a data file of `o` has, in words.
fn expected(p: &Problem, layout: &InputLayout, o: &Observation) -> String {
    let mut v: Vec<String> = columns_read(p, layout, o)
        .into_iter()
        .map(|(_, n)| format!("`{}`", n[0]))
        .collect();
    v.push(format!("`{}`", target_names(o)[0]));
    v.join(", ")
}

/// A cell's finite number, or a diagnostic.
fn number(c: &Cell, diags: &mut Diags) -> Option<f64> {
    match c.text.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        Ok(_) => {
            diags.push(
                Diag::error(
                    "pdec::data::not_finite",
                    format!("`{}` is not a finite number", c.text),
                )
                .primary(c.span, "not finite")
                .help(
                    "every cell holds a finite number; drop rows with missing or infinite values",
                ),
            );
            None
        }
        Err(_) => {
            diags.push(
                Diag::error(
                    "pdec::data::not_finite",
                    format!("`{}` is not a number", c.text),
                )
                .primary(c.span, "not a number")
                .help("cells hold plain numbers such as 0.5 or 1e-3"),
            );
            None
        }
    }
}

/// Why a row lies outside the domain, if it does (a little rounding allowed).
fn outside(p: &Problem, layout: &InputLayout, row: &[f64]) -> Option<String> {
    let f = format_number;
    let near = |v: f64, lo: f64, hi: f64| {
        let tol = 1e-9 * (hi - lo).abs().max(1.0);
        v >= lo - tol && v <= hi + tol
    };
    for i in &layout.inputs {
        let x = &row[i.offset..i.offset + i.components];
        match i.input {
            Input::Time => {
                let t = p.time.as_ref()?;
                if !near(x[0], t.lo, t.hi) {
                    return Some(format!(
                        "{} = {} is not in [{}, {}]",
                        t.name,
                        f(x[0]),
                        f(t.lo),
                        f(t.hi)
                    ));
                }
            }
            Input::Param(k) => {
                let q = &p.params[k];
                if !near(x[0], q.lo, q.hi) {
                    return Some(format!(
                        "{} = {} is not in [{}, {}]",
                        q.name,
                        f(x[0]),
                        f(q.lo),
                        f(q.hi)
                    ));
                }
            }
            Input::Space(k) => {
                let s = &p.space[k];
                let inside = match &s.domain {
                    Domain::Interval { lo, hi } => near(x[0], *lo, *hi),
                    Domain::Box { lo, hi } => (0..x.len()).all(|j| near(x[j], lo[j], hi[j])),
                    Domain::Ball { center, radius } => {
                        let r2: f64 = x.iter().zip(center).map(|(a, c)| (a - c).powi(2)).sum();
                        r2.sqrt() <= radius * (1.0 + 1e-9)
                    }
                    Domain::Csg(c) => c.contains_closure(x),
                };
                if !inside {
                    let shown: Vec<String> = x.iter().map(|v| f(*v)).collect();
                    return Some(format!(
                        "{} = {} is not in its domain",
                        s.name,
                        shown.join(", ")
                    ));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    const SRC: &str = "time t in [0, 1]\nspace x in [0, 1]^2\nparam nu in [0.1, 1]\n\
        unknown u(t, x)\nunknown const k in [0.01, 100] log\n\
        pde d(u, t) = k * nu * lap(u)\ninitial u = 0\nboundary on(x): u = 0\n\
        observe u from \"obs.csv\"\n";

    fn read(text: &str) -> (Problem, Diags) {
        read_for(SRC, text)
    }

    fn read_for(src: &str, text: &str) -> (Problem, Diags) {
        let mut c = crate::driver::compile_without_data(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        let mut p = c.checked.take().expect("checked").problem;
        let file = c.program.sources.add("obs.csv", text);
        let mut diags = Diags::default();
        read_rows(&mut p, 0, file, text, &mut diags);
        (p, diags)
    }

    #[test]
    fn rows_land_in_the_network_columns_whatever_the_header_order() {
        let (p, diags) = read("u, nu, x[2], x1, t\n0.5, 0.2, 0.75, 0.25, 1\n\n1.5,1,0,0,0\n");
        assert!(diags.is_empty(), "{diags:?}");
        let o = &p.observations[0];
        assert_eq!(o.width, 4);
        assert_eq!(o.points, vec![1.0, 0.25, 0.75, 0.2, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(o.values, vec![0.5, 1.5]);
    }

    /// `observe d(u, x[1]) at t = 0.5, nu = 1`: the file gives `x1`, `x2` and `value`; the
    /// fixed inputs fill their columns.
    #[test]
    fn a_derived_quantity_at_fixed_inputs_reads_the_other_columns_and_value() {
        let src = SRC.replace(
            "observe u from",
            "observe d(u, x[1]) at t = 0.5, nu = 1 from",
        );
        let (p, diags) = read_for(&src, "value,x2,x1\n3,0.75,0.25\n");
        assert!(diags.is_empty(), "{diags:?}");
        let o = &p.observations[0];
        assert!(o.derived);
        assert_eq!(o.points, vec![0.5, 0.25, 0.75, 1.0]);
        assert_eq!(o.values, vec![3.0]);
        // A fixed input's column, or the target's text as a column, is not this file's.
        for bad in ["t,x1,x2,value\n0.5,0.25,0.75,3\n", "x1,x2,u\n0.25,0.75,3\n"] {
            let (_, diags) = read_for(&src, bad);
            assert!(
                diags.iter().any(|d| d.code == "pdec::data::unknown_column"),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_bad_row_is_reported_and_no_row_is_kept() {
        let (p, diags) = read(
            "t,x1,x2,nu,u\n0,0.5,0.5,0.5,1\n0,0.5,0.5,0.5,2\n0,2,0.5,0.5,1\n0,0.5\n0,0.5,0.5,0.05,1\n",
        );
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "pdec::data::duplicate_point",
                "pdec::data::outside_domain",
                "pdec::data::wrong_count",
                "pdec::data::outside_domain"
            ]
        );
        assert!(p.observations[0].values.is_empty());
    }

    /// Under an ansatz the unknown is made from the network: the data are compared with the
    /// ansatz, not with the network's raw output.
    #[test]
    fn an_observation_under_an_ansatz_observes_the_ansatz() {
        let src = "time t in [0, 1]\nspace x in [-1, 1]\nunknown u(t, x)\n\
            unknown const k in [0.1, 10]\npde d(u, t) = k * d(u, x, x)\ninitial u = 0\n\
            boundary on(x): u = 0\nansatz u = t * net\nobserve u from \"obs.csv\"\n";
        let c = crate::driver::compile_without_data(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        let p = &c.checked.as_ref().expect("checked").problem;
        let node = p.observations[0].node;
        assert!(!matches!(p.graph.op(node), crate::ir::Op::U(_)));
        assert!(p.graph.depends_on_input(node, Input::Time));
        let plan = c.plan.as_ref().expect("plan");
        let data = plan.terms.iter().find(|t| t.name == "data").expect("data");
        assert_eq!(data.residual, node);
    }

    #[test]
    fn a_coefficient_starts_at_its_initial_value_and_never_leaves_its_range() {
        let (p, _) = read("t,x1,x2,nu,u\n0,0.5,0.5,0.5,1\n");
        let k = &p.coefficients[0];
        assert!(k.log);
        // The geometric middle of [0.01, 100].
        assert!((k.init - 1.0).abs() < 1e-12);
        assert!((k.value(k.theta0()) - k.init).abs() < 1e-12);
        for theta in [-1e3, -30.0, -1.0, 0.0, 1.0, 30.0, 1e3] {
            let v = k.value(theta);
            assert!((0.01..=100.0).contains(&v), "{theta}: {v}");
        }
    }
}
