//! `pdec export RUN`: the command-line side of [`crate::export`] (the solution on a grid or
//! at points, as CSV, NPZ or VTK).

use crate::commands::report::{failure, print_one};
use clap::ValueEnum;
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use std::path::Path;

/// `--format`: the file format of the export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Npz,
    Vtk,
}

/// Writes the solution of the run directory `run` on `grid` or at `points` into `output`
/// (`out` names the file format; by default it follows the extension).
pub fn execute(
    run: &Path,
    grid: Option<&str>,
    points: Option<&Path>,
    out: Option<ExportFormat>,
    gradient: bool,
    output: &Path,
    format: Format,
) -> i32 {
    // Before any work: an output that is one of a run's own files would destroy it.
    if let Err(d) = crate::output::guard(output) {
        print_one(*d, format);
        return 1;
    }
    let text;
    let name;
    let source = match (grid, points) {
        (Some(g), None) => crate::export::Source::Grid(g),
        (None, Some(p)) => {
            text = match crate::table::read_points(p) {
                Ok(t) => t,
                Err(d) => {
                    print_one(*d, format);
                    return 1;
                }
            };
            name = p.display().to_string();
            crate::export::Source::Points {
                name: &name,
                text: &text,
            }
        }
        _ => {
            print_one(
                Diag::error(
                    "pdec::export::grid_or_points",
                    "`pdec export` needs exactly one of `--grid` and `--points`",
                )
                .help("e.g. `--grid \"t = 0..1:101, x = -1..1:201\"` or `--points points.csv`"),
                format,
            );
            return 1;
        }
    };
    let opened = match crate::rundir::open(run) {
        Ok(o) => o,
        Err(f) => return failure(f, format),
    };
    let opts = crate::export::ExportOptions {
        source,
        format: match out {
            Some(ExportFormat::Csv) => crate::export::Format::Csv,
            Some(ExportFormat::Npz) => crate::export::Format::Npz,
            Some(ExportFormat::Vtk) => crate::export::Format::Vtk,
            None => crate::export::Format::from_path(output),
        },
        gradient,
        output,
    };
    // A spinner on a terminal: large grids take seconds (the network runs on every point).
    let result = crate::progress::spinner("evaluating the solution on the export's points", || {
        crate::export::export(&opened, &opts)
    });
    match result {
        Ok((n, outside)) => {
            if let Some(d) = outside {
                print_one(d, format);
            }
            println!("wrote {n} points to {}", output.display());
            0
        }
        Err(f) => failure(f, format),
    }
}
