//! `pdec plot RUN_DIR`: pictures of a trained run, drawn with `plotters` (no Python, no system
//! font libraries: the font is DejaVu Sans, embedded from `assets/`).
//!
//! - `loss.png`: every loss term of `loss.csv` against the step, log scale.
//! - `solution.png`: the solution along the layout of [`crate::grid::resolve`] for plots:
//!   one axis, a line; time and one space axis, lines at 5 times beside a heat map; two space
//!   axes, a heat map. Higher dimensions go along `--slice` or the box's diagonal.
//! - `error.png`: `|u - exact|` in the same layout, or `|u - reference|` at the reference
//!   table's points.
//! - `quiver_U.png`: a vector unknown of 2 components on a 2-D space variable, arrows over
//!   a heat map of its speed on that plane (at a reported or the end time).
//! - `exercise.png` (free-boundary problems): where the solution is within a tolerance of the
//!   obstacle, and the boundary of that region.
//!
//! Every picture is drawn in memory first and then written through a temporary file and a
//! rename, so a failed plot leaves no partial file.
//!
//! Files: `figure.rs` (the pictures as data), `draw.rs` (drawing them with `plotters`, the
//! embedded font), `loss.rs`, `field.rs` (solution and error), `quiver.rs` (vector fields),
//! `exercise.rs`; this file draws
//! a run's pictures and writes them.

mod draw;
mod exercise;
mod field;
mod figure;
mod loss;
mod quiver;

use crate::grid::{self, Purpose};
use crate::rundir::{Failure, Opened};
use crate::table::Table;
use field::Field;
use figure::Figure;
use std::path::PathBuf;

/// Width and height of a one-panel picture.
pub const SIZE: (u32, u32) = (900, 600);
/// Width and height of a two-panel picture (lines beside a heat map).
pub const WIDE: (u32, u32) = (1600, 600);
/// Times at which lines are drawn for time + one space axis.
pub const TIME_SLICES: usize = 5;
/// The exercise region is where `|u - g| <= EXERCISE_TOL * max(1, max |g|)` and the obstacle
/// `g` is above its smallest value on the plot by more than that tolerance.
pub const EXERCISE_TOL: f64 = 1e-3;

/// What `pdec plot` asks for besides the run: SVG copies, a slice spec, a reference table.
pub struct PlotOptions<'a> {
    pub svg: bool,
    pub slice: Option<&'a str>,
    /// The problem's `reference` table, when there is one.
    pub reference: Option<&'a Table>,
}

/// Draws the pictures of a run; returns the files written.
pub fn plot(run: &Opened, opts: &PlotOptions) -> Result<Vec<PathBuf>, Failure> {
    let p = run.problem();
    let items = grid::parse(opts.slice.unwrap_or("")).map_err(|e| e.diag(Purpose::Plot))?;
    let layout =
        grid::resolve(p, &run.cols, &items, Purpose::Plot).map_err(|e| e.diag(Purpose::Plot))?;
    let mut figures: Vec<(String, Figure)> = vec![("loss".into(), loss::loss_figure(run)?)];
    if let Some(f) = loss::coefficient_figure(run)? {
        figures.push(("coefficients".into(), f));
    }
    // One solution (and error) picture per unknown: `solution.png`, or `solution_u.png`,
    // `solution_v.png` for a system.
    let several = p.unknowns.len() > 1;
    for (k, unknown) in p.unknowns.iter().enumerate() {
        let un = unknown.name.clone();
        let file = |base: &str| match several {
            true => format!("{base}_{un}"),
            false => base.to_string(),
        };
        let sol = |pts: &[f64], rows: usize| -> Result<Vec<f64>, Failure> {
            Ok(run.solution_of(k, pts, rows)?)
        };
        let args: Vec<&str> = unknown.args.iter().map(|a| p.input_name(*a)).collect();
        figures.push((
            file("solution"),
            field::field_figure(
                run,
                &layout,
                &Field {
                    name: un.clone(),
                    eval: &sol,
                },
                &field::caption(run, &layout, &format!("{un}({})", args.join(", "))),
            )?,
        ));
        if let Some(exact) = unknown.exact {
            let errf = |pts: &[f64], rows: usize| -> Result<Vec<f64>, Failure> {
                let u = run.solution_of(k, pts, rows)?;
                let e = run.free(exact, pts, rows)?;
                Ok(u.iter().zip(&e).map(|(a, b)| (a - b).abs()).collect())
            };
            figures.push((
                file("error"),
                field::field_figure(
                    run,
                    &layout,
                    &Field {
                        name: format!("|{un} - exact|"),
                        eval: &errf,
                    },
                    &field::caption(run, &layout, "error against the exact solution"),
                )?,
            ));
        } else if let Some(t) = opts.reference.filter(|_| !several)
            && let Some(f) = field::reference_figure(run, &layout, t)?
        {
            figures.push(("error".into(), f));
        }
    }
    figures.extend(quiver::quiver_figures(run, &items)?);
    if let Some(f) = exercise::exercise_figure(run, &layout)? {
        figures.push(("exercise".into(), f));
    }
    // Draw everything before writing anything.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (name, f) in &figures {
        let fail =
            |why: String| crate::run::RunError::Internal(format!("cannot draw {name}: {why}"));
        files.push((
            run.dir.join(format!("{name}.png")),
            draw::png(f).map_err(fail)?,
        ));
        if opts.svg {
            files.push((
                run.dir.join(format!("{name}.svg")),
                draw::svg(f).map_err(fail)?.into_bytes(),
            ));
        }
    }
    let mut written = Vec::new();
    for (path, bytes) in files {
        crate::output::write_atomic(&path, &bytes)
            .map_err(|e| crate::output::io_diag("pdec::plot::io", "write", &path, &e))?;
        written.push(path);
    }
    Ok(written)
}

/// `loss.png, solution.png` for messages.
pub fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The problem's `reference` table: the run directory's copy (or, for a run from before
/// copies, a table put beside its `problem.pde`). `Err` says why it is not used.
pub fn reference_table(run: &Opened) -> Result<Option<Table>, String> {
    let p = run.problem();
    let Some(rel) = &p.reference else {
        return Ok(None);
    };
    let file = pdec_lang::loader::read_reference_copy(&crate::run::reference_folder(&run.dir), rel)
        .or_else(|_| pdec_lang::loader::read_reference(&run.dir.join("problem.pde"), rel))
        .map_err(|d| {
            format!(
                "the run directory has no copy of the reference table `{rel}` ({}); error.png is not drawn",
                d.message
            )
        })?;
    crate::table::parse(p, &run.cols, &file.name, &file.text, true)
        .map(Some)
        .map_err(|d| {
            format!(
                "the reference table `{}` does not fit the problem ({}); error.png is not drawn",
                file.name, d.message
            )
        })
}
