//! `quiver_U.png`: a vector unknown of 2 components on a 2-D space variable (a velocity
//! `U(t, x)[2]` on `x in [0, 1]^2`) as arrows on a coarse grid over a heat map of its speed
//! `|U|`, on the plane of that space variable: at the time a `report` of `U` gives, else the
//! end of the time range, unless the slice fixes the time; the other space variables at the
//! middle of their range unless the slice sets them. A slice that leaves anything but that
//! plane varying draws no quiver (the components' own pictures still show it).

use super::field::{caption, cells, outline, sample};
use super::figure::{Figure, HeatMap, Quiver};
use crate::grid::{self, Index, Item, Layout, Purpose, Value};
use crate::rundir::{Failure, Opened};
use pdec_lang::ir::{Input, Problem, VectorUnknown};

/// Arrows along each axis.
pub(super) const ARROWS: usize = 20;

/// The quiver pictures of the run's 2-component vector unknowns, named `quiver_U`.
pub(super) fn quiver_figures(
    run: &Opened,
    items: &[Item],
) -> Result<Vec<(String, Figure)>, Failure> {
    let p = run.problem();
    let mut out = Vec::new();
    for v in p.vector_unknowns() {
        let [k1, k2] = v.components[..] else {
            continue;
        };
        let Some((layout, swap)) = plane(run, items, &v) else {
            continue;
        };
        let axes = &layout.axes;
        // The components along the picture's x and y axes.
        let along = |pts: &[f64], rows: usize| -> Result<(Vec<f64>, Vec<f64>), Failure> {
            let (a, b) = (
                run.solution_of(k1, pts, rows)?,
                run.solution_of(k2, pts, rows)?,
            );
            Ok(if swap { (b, a) } else { (a, b) })
        };
        let w = run.cols.layout.width.max(1);
        let (xs, ys) = (axes[0].values(), axes[1].values());
        let s = sample(run, &layout, &[xs.clone(), ys.clone()]);
        let (a, b) = along(&s.points, s.points.len() / w)?;
        let speed: Vec<f64> = (0..a.len())
            .map(|i| match s.inside[i] {
                true => a[i].hypot(b[i]),
                false => f64::NAN,
            })
            .collect();
        // Arrows at the centres of an ARROWS x ARROWS grid of cells.
        let centres = |ax: &grid::Axis| -> Vec<f64> {
            let h = (ax.hi - ax.lo) / ARROWS as f64;
            (0..ARROWS).map(|i| ax.lo + h * (i as f64 + 0.5)).collect()
        };
        let (cx, cy) = (centres(&axes[0]), centres(&axes[1]));
        let c = sample(run, &layout, &[cx.clone(), cy.clone()]);
        let (ca, cb) = along(&c.points, c.points.len() / w)?;
        let mut arrows = Vec::new();
        for (i, x) in cx.iter().enumerate() {
            for (j, y) in cy.iter().enumerate() {
                let r = i * cy.len() + j;
                if c.inside[r] && ca[r].is_finite() && cb[r].is_finite() {
                    arrows.push([*x, *y, ca[r], cb[r]]);
                }
            }
        }
        let args: Vec<&str> = p.unknowns[k1]
            .args
            .iter()
            .map(|a| p.input_name(*a))
            .collect();
        let what = format!("{}({}), arrows over |{}|", v.name, args.join(", "), v.name);
        let heat = HeatMap {
            title: caption(run, &layout, &what),
            x_label: axes[0].label.clone(),
            y_label: axes[1].label.clone(),
            x_range: (axes[0].lo, axes[0].hi),
            y_range: (axes[1].lo, axes[1].hi),
            cells: cells(&xs, &ys, &speed),
            dots: Vec::new(),
            bar_label: format!("|{}|", v.name),
            binary: None,
            curve: Vec::new(),
            curve_name: String::new(),
            outline: outline(run, &layout),
            quiver: Some(Quiver {
                arrows,
                spacing: (
                    (axes[0].hi - axes[0].lo) / ARROWS as f64,
                    (axes[1].hi - axes[1].lo) / ARROWS as f64,
                ),
            }),
        };
        out.push((format!("quiver_{}", v.name), Figure::Heat(heat)));
    }
    Ok(out)
}

/// The plot layout on the plane of the vector's 2-D space variable, and whether the
/// picture's x axis is its second component; `None` when it has none, or the slice leaves
/// something else varying.
fn plane(run: &Opened, items: &[Item], v: &VectorUnknown) -> Option<(Layout, bool)> {
    let p = run.problem();
    let unknown = &p.unknowns[*v.components.first()?];
    let var = unknown.args.iter().find_map(|a| match a {
        Input::Space(k) if p.space[*k].domain.dim() == Some(2) => Some(*k),
        _ => None,
    })?;
    let mut items = items.to_vec();
    let named = |items: &[Item], name: &str| items.iter().any(|i| i.name == name);
    if let Some(t) = &p.time
        && unknown.args.contains(&Input::Time)
        && !named(&items, &t.name)
    {
        let at = report_time(p, v).unwrap_or(t.hi);
        items.push(fixed(&t.name, None, at));
    }
    for (k, s) in p.space.iter().enumerate() {
        if k == var || named(&items, &s.name) {
            continue;
        }
        let bounds = s.domain.bounds();
        let vector = s.domain.dim().is_some();
        for (j, (lo, hi)) in bounds.iter().enumerate() {
            let index = vector.then_some(j + 1);
            items.push(fixed(&s.name, index, (lo + hi) / 2.0));
        }
    }
    // A slice the solution pictures refused is reported there.
    let layout = grid::resolve(p, &run.cols, &items, Purpose::Plot).ok()?;
    let (off, _) = run.cols.layout.space(var)?;
    let swap = match layout.axes.as_slice() {
        [a, b] => match (a.cols.as_slice(), b.cols.as_slice()) {
            (&[ca], &[cb]) if (ca, cb) == (off, off + 1) => false,
            (&[ca], &[cb]) if (ca, cb) == (off + 1, off) => true,
            _ => return None,
        },
        _ => return None,
    };
    Some((layout, swap))
}

/// `NAME = at` (or `NAME[j] = at`) as a slice item.
fn fixed(name: &str, index: Option<usize>, at: f64) -> Item {
    let target = match index {
        Some(j) => format!("{name}[{j}]"),
        None => name.to_string(),
    };
    Item {
        text: format!("{target} = {at}"),
        name: name.to_string(),
        index: index.map(|j| Index {
            from: Some(j),
            to: Some(j),
        }),
        value: Value::Fixed(at),
    }
}

/// The time of the first `report` of one of the vector's components that gives one.
fn report_time(p: &Problem, v: &VectorUnknown) -> Option<f64> {
    p.reports
        .iter()
        .filter(|r| v.components.contains(&r.unknown))
        .find_map(|r| r.time)
}

#[cfg(test)]
mod tests {
    use super::quiver_figures;
    use crate::grid;
    use crate::plot::figure::Figure;
    use crate::rundir::tests::{file, opened};

    /// The arrows and the speed map are the two components at their points, at the report's
    /// time by default or the slice's, along the picture's axes in the slice's order; a slice
    /// off the plane draws none.
    #[test]
    fn arrows_are_the_components_at_their_points() {
        let run = opened("tg.pde", &file("examples/taylor_green.pde"), &[]);
        let w = run.cols.layout.width;
        let t = run.cols.layout.time().expect("time");
        let (x, _) = run.cols.layout.space(0).expect("x");
        let tau = std::f64::consts::TAU;
        for (slice, at, swap) in [
            ("", 1.0, false),
            ("t = 0.5", 0.5, false),
            (
                &format!("t = 0.25, x[2] = 0..{tau}, x[1] = 0..{tau}") as &str,
                0.25,
                true,
            ),
        ] {
            let items = grid::parse(slice).expect("a slice");
            let Ok(figures) = quiver_figures(&run, &items) else {
                panic!("{slice}: the figures failed");
            };
            let [(name, Figure::Heat(h))] = figures.as_slice() else {
                panic!("{slice}: one heat map");
            };
            assert_eq!(name, "quiver_U");
            let q = h.quiver.as_ref().expect("arrows");
            assert_eq!(q.arrows.len(), super::ARROWS * super::ARROWS, "{slice}");
            let mut rows = Vec::new();
            for a in &q.arrows {
                let mut row = vec![0.0; w];
                row[t] = at;
                let (x1, x2) = if swap { (a[1], a[0]) } else { (a[0], a[1]) };
                row[x] = x1;
                row[x + 1] = x2;
                rows.extend(row);
            }
            let n = q.arrows.len();
            let u1 = run.solution_of(0, &rows, n).expect("U[1]");
            let u2 = run.solution_of(1, &rows, n).expect("U[2]");
            for (i, a) in q.arrows.iter().enumerate() {
                let (along_x, along_y) = if swap { (u2[i], u1[i]) } else { (u1[i], u2[i]) };
                assert!(
                    (a[2] - along_x).abs() < 1e-12 && (a[3] - along_y).abs() < 1e-12,
                    "{slice}: {a:?} against ({along_x}, {along_y})"
                );
            }
            // The speed map's corner cell is |U| at the plane's corner (0, 0).
            let mut corner = vec![0.0; w];
            corner[t] = at;
            let c1 = run.solution_of(0, &corner, 1).expect("U[1]")[0];
            let c2 = run.solution_of(1, &corner, 1).expect("U[2]")[0];
            assert!((h.cells[0].v - c1.hypot(c2)).abs() < 1e-12, "{slice}");
        }
        let items = grid::parse("x[1] = 1").expect("a slice");
        assert!(quiver_figures(&run, &items).is_ok_and(|f| f.is_empty()));
        // A report of `U` at t = 0.3 puts the default picture there.
        let text = file("examples/taylor_green.pde").replace("report U(1,", "report U(0.3,");
        let run = opened("tg.pde", &text, &[]);
        let Ok(figures) = quiver_figures(&run, &[]) else {
            panic!("the figures failed");
        };
        let [(_, Figure::Heat(h))] = figures.as_slice() else {
            panic!("one heat map");
        };
        let a = h.quiver.as_ref().expect("arrows").arrows[0];
        let mut row = vec![0.0; w];
        (row[t], row[x], row[x + 1]) = (0.3, a[0], a[1]);
        let u1 = run.solution_of(0, &row, 1).expect("U[1]")[0];
        assert!((a[2] - u1).abs() < 1e-12, "{a:?} against {u1} at t = 0.3");
    }
}
