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

impl RunError {
    /// The exit code `pdec` ends with for this error: 1 a diagnostic, 2 a bug, 3 a
    /// non-finite loss, 4 a training-health finding under `--strict`.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Diag(_) => 1,
            RunError::Internal(_) => 2,
            RunError::NotFinite(_) => 3,
            RunError::Unhealthy(_) => 4,
        }
    }

    /// The error in one line (a diagnostic's message and code), for `summary.json`.
    pub fn message(&self) -> String {
        match self {
            RunError::Diag(d) => format!("{} [{}]", d.message, d.code),
            RunError::NotFinite(m) | RunError::Unhealthy(m) => m.clone(),
            RunError::Internal(m) => format!("internal error in pdec: {m}"),
        }
    }
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
