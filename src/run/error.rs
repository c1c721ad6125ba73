//! Why a run stops early or fails: [`RunError`], the error type of every run-directory
//! operation (training, checkpoints, reports, `pdec eval`, plots and exports), and how the
//! commands map it to exit codes (1 a diagnostic, 2 a bug, 3 a non-finite loss, 4 a training-health finding under
//! `--strict`).

use pdec_lang::diag::Diag;

/// Why a run stopped early or failed.
#[derive(Debug)]
pub enum RunError {
    /// A problem with the input or the environment, reported as a diagnostic (exit 1).
    Diag(Box<Diag>),
    /// A loss became NaN or infinite (exit 3).
    NotFinite(String),
    /// `pdec solve --strict` found a training-health problem (exit 4); the run directory is
    /// complete (model, checkpoint, summary.json).
    Unhealthy(String),
    /// A tensor operation failed (exit 2: a bug).
    Internal(String),
}

impl From<candle_core::Error> for RunError {
    fn from(e: candle_core::Error) -> RunError {
        RunError::Internal(e.to_string())
    }
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> RunError {
        RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::io",
                format!("cannot write the run directory: {e}"),
            )
            .help("check that the output folder is writable and the disk is not full"),
        ))
    }
}
