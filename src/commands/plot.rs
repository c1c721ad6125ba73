//! `pdec plot RUN`: the command-line side of [`crate::plot`] (a run's loss.png,
//! solution.png, ...), and the same pictures `pdec solve` draws at the end of a run.

use crate::commands::report::{failure, note as report_note, print_one};
use pdec_lang::diag::render::Format;
use std::path::Path;

/// `pdec solve` draws the run's pictures and adds them to its TensorBoard event file; a
/// failure is a warning, never a lost run.
pub fn after_solve(
    dir: &Path,
    reference: Option<&crate::table::Table>,
    quiet: bool,
    format: Format,
) {
    let (files, warning) = crate::api::draw_plots(dir, reference);
    if !files.is_empty() && !quiet {
        println!("  plots: {}", crate::plot::names(&files));
    }
    if let Some(w) = warning {
        print_one(w, format);
    }
}

/// Draws the pictures of the run directory `run` (`svg` too; `slice` picks where to look
/// in higher dimensions).
pub fn execute(run: &Path, svg: bool, slice: Option<&str>, format: Format) -> i32 {
    let opened = match crate::rundir::open(run) {
        Ok(o) => o,
        Err(f) => return failure(f, format),
    };
    let reference = match crate::plot::reference_table(&opened) {
        Ok(t) => t,
        Err(note) => {
            report_note(&note, format);
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
