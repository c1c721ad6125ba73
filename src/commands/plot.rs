//! `pdec plot RUN`: the command-line side of [`crate::plot`] (a run's loss.png,
//! solution.png, ...), and the same pictures `pdec solve` draws at the end of a run.

use crate::commands::report::{failure, note as report_note, print_one};
use pdec_lang::diag::Diag;
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
                match crate::run::tensorboard::add_pictures(dir, &files) {
                    Ok(_) => return,
                    Err(e) => {
                        let why = match e {
                            crate::run::RunError::Diag(d) => format!("{} [{}]", d.message, d.code),
                            e => e.message(),
                        };
                        return print_one(
                            Diag::warning(
                                "pdec::plot::failed",
                                format!("the plots were not added to the TensorBoard event file: {why}"),
                            )
                            .help("the run and its pictures are complete; TensorBoard shows its scalars without them"),
                            format,
                        );
                    }
                }
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
