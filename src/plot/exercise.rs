//! `exercise.png` (free-boundary problems): where the solution is within a tolerance of the
//! obstacle (`EXERCISE_TOL`), and the boundary of that region: shaded bands on a line of the
//! solution and the obstacle for one axis, a two-colour region map with its boundary for two.

use super::EXERCISE_TOL;
use super::field::{caption, cells, sample};
use super::figure::{Figure, HeatMap, LineChart, PALETTE, Series, tick};
use crate::grid::{Axis, Layout};
use crate::rundir::{Failure, Opened};

/// Where the solution meets the obstacle (`|u - g| <= tol`) and the boundary of that region.
pub(super) fn exercise_figure(run: &Opened, layout: &Layout) -> Result<Option<Figure>, Failure> {
    let p = run.problem();
    let Some(c) = &p.constraint else {
        return Ok(None);
    };
    let w = run.cols.layout.width;
    let axes = &layout.axes;
    let values: Vec<Vec<f64>> = axes.iter().map(Axis::values).collect();
    let s = sample(run, layout, &values);
    let rows = s.points.len() / w.max(1);
    let u = run.solution_of(c.unknown, &s.points, rows)?;
    let g = run.free(c.obstacle, &s.points, rows)?;
    let scale = g.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let tol = EXERCISE_TOL * scale;
    // Where the obstacle is at its floor (an option's payoff of 0) exercising is never
    // better than waiting, and u and g are both near the floor: not counted.
    let floor = g.iter().copied().fold(f64::INFINITY, f64::min);
    let ex: Vec<bool> = u
        .iter()
        .zip(&g)
        .zip(&s.inside)
        .map(|((u, g), ok)| *ok && (u - g).abs() <= tol && (g - floor).abs() > tol)
        .collect();
    let un = &p.unknowns[c.unknown].name;
    let title = caption(
        run,
        layout,
        &format!(
            "exercise region ({un} within {} of the obstacle)",
            tick(&tol)
        ),
    );
    Ok(Some(match axes.len() {
        1 => {
            let xs = &values[0];
            let mut bands = Vec::new();
            let mut start: Option<usize> = None;
            for i in 0..=xs.len() {
                let on = i < xs.len() && ex[i];
                match (on, start) {
                    (true, None) => start = Some(i),
                    (false, Some(a)) => {
                        bands.push((xs[a], xs[i - 1].max(xs[a])));
                        start = None;
                    }
                    _ => {}
                }
            }
            Figure::Lines(LineChart {
                title,
                x_label: axes[0].label.clone(),
                y_label: format!("{un} and obstacle"),
                log_y: false,
                series: vec![
                    Series {
                        name: un.clone(),
                        points: xs.iter().copied().zip(u).collect(),
                        color: PALETTE[0],
                        width: 2,
                        dots: false,
                    },
                    Series {
                        name: "obstacle".into(),
                        points: xs.iter().copied().zip(g).collect(),
                        color: PALETTE[3],
                        width: 2,
                        dots: false,
                    },
                ],
                bands,
                band_name: "exercise region".into(),
            })
        }
        _ => {
            let (xs, ys) = (&values[0], &values[1]);
            let v: Vec<f64> = ex
                .iter()
                .zip(&s.inside)
                .map(|(e, ok)| {
                    if !ok {
                        f64::NAN
                    } else if *e {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            // The boundary: between neighbours along the vertical axis that differ.
            let mut curve = Vec::new();
            for (i, x) in xs.iter().enumerate() {
                for j in 0..ys.len().saturating_sub(1) {
                    let (a, b) = (i * ys.len() + j, i * ys.len() + j + 1);
                    if s.inside[a] && s.inside[b] && ex[a] != ex[b] {
                        curve.push((*x, (ys[j] + ys[j + 1]) / 2.0));
                    }
                }
            }
            Figure::Heat(HeatMap {
                title,
                x_label: axes[0].label.clone(),
                y_label: axes[1].label.clone(),
                x_range: (axes[0].lo, axes[0].hi),
                y_range: (axes[1].lo, axes[1].hi),
                cells: cells(xs, ys, &v),
                dots: Vec::new(),
                bar_label: String::new(),
                binary: Some(["continuation".into(), "exercise".into()]),
                curve,
                curve_name: "exercise boundary".into(),
                outline: Vec::new(),
                quiver: None,
            })
        }
    }))
}
