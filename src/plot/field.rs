//! `solution.png` and `error.png`: a field (the solution, `|u - exact|`) on the points of a
//! plot [`Layout`]: one axis, a line; time and one space axis, lines at a few times beside a
//! heat map; two space axes, a heat map. Points outside a ball or constructive domain are left
//! blank, and the boundary of a 2-D one is outlined. Also `|u - reference|` at a reference
//! table's points, and the helpers `exercise.rs` shares (sampling a layout, heat-map cells,
//! captions).

use super::TIME_SLICES;
use super::figure::{Cell, Figure, HeatMap, LineChart, PALETTE, Series, tick};
use crate::grid::{self, Axis, Layout};
use crate::rundir::{Failure, Opened};
use crate::table::Table;
use pdec_lang::ir::Domain;

/// Values at the points of a layout, `None` outside a ball domain.
pub(super) struct Sampled {
    pub(super) points: Vec<f64>,
    pub(super) inside: Vec<bool>,
}

/// The layout's points for the product of `values` along its axes, and which lie inside
/// the domain.
pub(super) fn sample(run: &Opened, layout: &Layout, values: &[Vec<f64>]) -> Sampled {
    let points = layout.points_on(values);
    let w = run.cols.layout.width;
    let p = run.problem();
    let rows = points.len() / w.max(1);
    let inside = (0..rows)
        .map(|i| {
            let row = &points[i * w..(i + 1) * w];
            p.space.iter().enumerate().all(|(k, s)| match &s.domain {
                Domain::Ball { center, radius } => {
                    // Every space variable has columns (checked).
                    let Some((off, _)) = run.cols.layout.space(k) else {
                        return true;
                    };
                    let r2: f64 = center
                        .iter()
                        .enumerate()
                        .map(|(j, c)| (row[off + j] - c).powi(2))
                        .sum();
                    r2 <= radius * radius * (1.0 + 1e-9)
                }
                // A constructive domain: its points (the slice's other coordinates as set).
                Domain::Csg(c) => {
                    let Some((off, n)) = run.cols.layout.space(k) else {
                        return true;
                    };
                    c.contains(&row[off..off + n])
                }
                _ => true,
            })
        })
        .collect();
    Sampled { points, inside }
}

/// Segments drawn along each outline curve (a circle in 400 steps is smooth at the pictures'
/// size).
const OUTLINE_STEPS: usize = 400;

/// The boundary of a 2-D constructive domain or ball whose two components are the heat map's
/// axes, as polylines in the axes' order; empty otherwise (a slice of a larger domain, a
/// box, whose boundary is the frame).
pub(super) fn outline(run: &Opened, layout: &Layout) -> Vec<Vec<(f64, f64)>> {
    let [a, b] = layout.axes.as_slice() else {
        return Vec::new();
    };
    let (&[ca], &[cb]) = (a.cols.as_slice(), b.cols.as_slice()) else {
        return Vec::new();
    };
    let p = run.problem();
    for (k, s) in p.space.iter().enumerate() {
        let Some((off, 2)) = run.cols.layout.space(k) else {
            continue;
        };
        let swap = match (ca.checked_sub(off), cb.checked_sub(off)) {
            (Some(0), Some(1)) => false,
            (Some(1), Some(0)) => true,
            _ => continue,
        };
        let lines = match &s.domain {
            Domain::Csg(c) => c.outline(OUTLINE_STEPS),
            Domain::Ball { center, radius } => vec![
                (0..=OUTLINE_STEPS)
                    .map(|i| {
                        let t = std::f64::consts::TAU * i as f64 / OUTLINE_STEPS as f64;
                        [center[0] + radius * t.cos(), center[1] + radius * t.sin()]
                    })
                    .collect(),
            ],
            _ => Vec::new(),
        };
        return lines
            .into_iter()
            .map(|l| {
                l.into_iter()
                    .map(|q| if swap { (q[1], q[0]) } else { (q[0], q[1]) })
                    .collect()
            })
            .collect();
    }
    Vec::new()
}

/// A field's values at rows of points: `f(points, rows)`.
pub(super) type Eval<'a> = &'a dyn Fn(&[f64], usize) -> Result<Vec<f64>, Failure>;

/// What to draw of a field on the layout's points (the solution, an error).
pub(super) struct Field<'a> {
    pub(super) name: String,
    pub(super) eval: Eval<'a>,
}

/// Heat-map cells around the grid values `xs` x `ys` (C order), edges halfway between.
pub(super) fn cells(xs: &[f64], ys: &[f64], v: &[f64]) -> Vec<Cell> {
    let edges = |a: &[f64], i: usize| -> (f64, f64) {
        let lo = if i == 0 {
            a[0]
        } else {
            (a[i - 1] + a[i]) / 2.0
        };
        let hi = if i + 1 == a.len() {
            a[i]
        } else {
            (a[i] + a[i + 1]) / 2.0
        };
        (lo, hi)
    };
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for i in 0..xs.len() {
        for j in 0..ys.len() {
            out.push(Cell {
                x: edges(xs, i),
                y: edges(ys, j),
                v: v[i * ys.len() + j],
            });
        }
    }
    out
}

/// A picture's title: `what`, the problem's name, and the coordinates held fixed.
pub(super) fn caption(run: &Opened, layout: &Layout, what: &str) -> String {
    let p = run.problem();
    let mut t = format!("{what}: {}", p.name);
    if !layout.fixed.is_empty() {
        let f = layout.fixed.join(", ");
        if f.len() <= 60 {
            t.push_str(&format!(" at {f}"));
        } else {
            t.push_str(" (other coordinates fixed)");
        }
    }
    t
}

/// The figure of a field in the layout: lines, lines and a heat map, or a heat map.
pub(super) fn field_figure(
    run: &Opened,
    layout: &Layout,
    f: &Field,
    title: &str,
) -> Result<Figure, Failure> {
    let w = run.cols.layout.width;
    let axes = &layout.axes;
    let eval = |values: &[Vec<f64>]| -> Result<(Sampled, Vec<f64>), Failure> {
        let s = sample(run, layout, values);
        let rows = s.points.len() / w.max(1);
        let v = (f.eval)(&s.points, rows)?;
        let v = v
            .into_iter()
            .zip(&s.inside)
            .map(|(v, ok)| if *ok { v } else { f64::NAN })
            .collect();
        Ok((s, v))
    };
    match axes.len() {
        1 => {
            let xs = axes[0].values();
            let (_, v) = eval(std::slice::from_ref(&xs))?;
            Ok(Figure::Lines(LineChart {
                title: title.to_string(),
                x_label: axes[0].label.clone(),
                y_label: f.name.clone(),
                log_y: false,
                series: vec![Series {
                    name: String::new(),
                    points: xs.into_iter().zip(v).collect(),
                    color: PALETTE[0],
                    width: 2,
                    dots: false,
                }],
                bands: Vec::new(),
                band_name: String::new(),
            }))
        }
        _ => {
            let (xs, ys) = (axes[0].values(), axes[1].values());
            let (_, v) = eval(&[xs.clone(), ys.clone()])?;
            let heat = Figure::Heat(HeatMap {
                title: title.to_string(),
                x_label: axes[0].label.clone(),
                y_label: axes[1].label.clone(),
                x_range: (axes[0].lo, axes[0].hi),
                y_range: (axes[1].lo, axes[1].hi),
                cells: cells(&xs, &ys, &v),
                dots: Vec::new(),
                bar_label: f.name.clone(),
                binary: None,
                curve: Vec::new(),
                curve_name: String::new(),
                outline: outline(run, layout),
                quiver: None,
            });
            if !axes[0].time {
                return Ok(heat);
            }
            // Lines of the field along space at a few times, beside the heat map.
            let times = time_slices(&axes[0]);
            let fine = Axis {
                n: grid::plot_points(1),
                ..axes[1].clone()
            };
            let xs = fine.values();
            let (_, v) = eval(&[times.clone(), xs.clone()])?;
            let series = times
                .iter()
                .enumerate()
                .map(|(k, t)| Series {
                    name: format!("{} = {}", axes[0].label, tick(t)),
                    points: xs
                        .iter()
                        .copied()
                        .zip(v[k * xs.len()..(k + 1) * xs.len()].iter().copied())
                        .collect(),
                    color: PALETTE[k % PALETTE.len()],
                    width: 2,
                    dots: false,
                })
                .collect();
            let lines = Figure::Lines(LineChart {
                title: format!("{} at {TIME_SLICES} times", f.name),
                x_label: axes[1].label.clone(),
                y_label: f.name.clone(),
                log_y: false,
                series,
                bands: Vec::new(),
                band_name: String::new(),
            });
            Ok(Figure::Row(vec![lines, heat]))
        }
    }
}

/// The times of the lines beside a heat map: `TIME_SLICES` from start to end.
fn time_slices(a: &Axis) -> Vec<f64> {
    (0..TIME_SLICES)
        .map(|k| a.lo + (a.hi - a.lo) * k as f64 / (TIME_SLICES - 1) as f64)
        .collect()
}

/// `|u - reference|` at the table's points, placed by the layout's axes when each is one
/// input column; `None` when the layout cannot place them.
pub(super) fn reference_figure(
    run: &Opened,
    layout: &Layout,
    t: &Table,
) -> Result<Option<Figure>, Failure> {
    // A problem of one unknown's (a system's tables are not drawn: `plot::draw`).
    let Some(values) = t.values_of(0) else {
        return Ok(None);
    };
    let single: Option<Vec<usize>> = layout
        .axes
        .iter()
        .map(|a| (a.cols.len() == 1).then_some(a.cols[0]))
        .collect();
    let Some(single) = single else {
        return Ok(None);
    };
    let u = run.solution(&t.points, t.rows)?;
    let w = run.cols.layout.width;
    let e: Vec<f64> = u.iter().zip(values).map(|(a, b)| (a - b).abs()).collect();
    let name = format!("|{} - reference|", run.problem().unknowns[0].name);
    let title = format!("error against the reference table: {}", run.problem().name);
    let at = |i: usize, c: usize| t.points[i * w + c];
    Ok(Some(match single.as_slice() {
        [c] => Figure::Lines(LineChart {
            title,
            x_label: layout.axes[0].label.clone(),
            y_label: name,
            log_y: false,
            series: vec![Series {
                name: String::new(),
                points: (0..t.rows).map(|i| (at(i, *c), e[i])).collect(),
                color: PALETTE[3],
                width: 1,
                dots: true,
            }],
            bands: Vec::new(),
            band_name: String::new(),
        }),
        [a, b] => {
            let range = |c: usize| {
                (0..t.rows)
                    .map(|i| at(i, c))
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(v), hi.max(v))
                    })
            };
            Figure::Heat(HeatMap {
                title,
                x_label: layout.axes[0].label.clone(),
                y_label: layout.axes[1].label.clone(),
                x_range: range(*a),
                y_range: range(*b),
                cells: Vec::new(),
                dots: (0..t.rows).map(|i| (at(i, *a), at(i, *b), e[i])).collect(),
                bar_label: name,
                binary: None,
                curve: Vec::new(),
                curve_name: String::new(),
                outline: outline(run, layout),
                quiver: None,
            })
        }
        _ => return Ok(None),
    }))
}
