//! The command-line side of `pdec plot`, `pdec export` and the plots `pdec solve` draws at
//! the end (kept out of `cli.rs`, which only declares the commands and dispatches).

use crate::cli::{ExportFormat, print_diags, print_one, run_result};
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use std::path::Path;

fn failure(f: crate::rundir::Failure, format: Format) -> i32 {
    match f {
        crate::rundir::Failure::Compile(c) => {
            print_diags(&c.diags, &c.program.sources, format, "");
            1
        }
        crate::rundir::Failure::Run(e) => run_result(Err(e), format),
    }
}

/// `pdec solve` draws the run's pictures; a failure is a warning, never a lost run.
pub(crate) fn plot_after_solve(
    dir: &Path,
    reference: Option<&crate::table::Table>,
    quiet: bool,
    format: Format,
) {
    let opts = crate::plot::PlotOptions {
        svg: false,
        slice: None,
        reference,
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::rundir::open(dir).and_then(|run| crate::plot::plot(&run, &opts))
    }));
    let why = match r {
        Err(_) => "drawing panicked (a bug in pdec)".to_string(),
        Ok(r) => match r {
            Ok(files) => {
                if !quiet {
                    println!("  plots: {}", crate::plot::names(&files));
                }
                return;
            }
            Err(crate::rundir::Failure::Run(crate::run::RunError::Diag(d))) => {
                format!("{} [{}]", d.message, d.code)
            }
            Err(crate::rundir::Failure::Run(e)) => format!("{e:?}"),
            Err(crate::rundir::Failure::Compile(_)) => {
                "the run's problem.pde does not compile".into()
            }
        },
    };
    print_one(
        Diag::warning(
            "pdec::plot::failed",
            format!("the plots were not drawn: {why}"),
        )
        .help(format!(
            "the run is complete; `pdec plot {}` tries again",
            dir.display()
        )),
        format,
    );
}

pub(crate) fn plot_command(run: &Path, svg: bool, slice: Option<&str>, format: Format) -> i32 {
    let opened = match crate::rundir::open(run) {
        Ok(o) => o,
        Err(f) => return failure(f, format),
    };
    let reference = match crate::plot::reference_table(&opened) {
        Ok(t) => t,
        Err(note) => {
            eprintln!("note: {note}");
            None
        }
    };
    let opts = crate::plot::PlotOptions {
        svg,
        slice,
        reference: reference.as_ref(),
    };
    match crate::plot::plot(&opened, &opts) {
        Ok(files) => {
            println!("wrote {}", crate::plot::names(&files));
            0
        }
        Err(f) => failure(f, format),
    }
}

pub(crate) fn export_command(
    run: &Path,
    grid: Option<&str>,
    points: Option<&Path>,
    out: Option<ExportFormat>,
    gradient: bool,
    output: &Path,
    format: Format,
) -> i32 {
    let text;
    let name;
    let source = match (grid, points) {
        (Some(g), None) => crate::export::Source::Grid(g),
        (None, Some(p)) => {
            text = match std::fs::read_to_string(p) {
                Ok(t) => t,
                Err(e) => {
                    print_one(
                        Diag::error(
                            "pdec::load::cannot_read",
                            format!("cannot read `{}`: {e}", p.display()),
                        )
                        .help("give a CSV file of points"),
                        format,
                    );
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
        Ok(n) => {
            println!("wrote {n} points to {}", output.display());
            0
        }
        Err(f) => failure(f, format),
    }
}
