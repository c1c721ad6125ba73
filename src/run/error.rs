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

    /// The error as the coded diagnostic `pdec` prints for it: a [`RunError::Diag`] as it is,
    /// the others under `pdec::run::not_finite`, `pdec::run::unhealthy` and
    /// `pdec::run::internal` with their hints.
    pub fn into_diag(self) -> Diag {
        match self {
            RunError::Diag(d) => *d,
            RunError::NotFinite(msg) => Diag::error("pdec::run::not_finite", msg).help(
                "lower `lr`, set `clip = 1`, use `dtype = f64`, a smaller Monte Carlo `delta`, or `on_nan = rollback` (back to the last checkpoint with half the learning rate)",
            ),
            RunError::Unhealthy(msg) => Diag::error("pdec::run::unhealthy", msg).help(
                "each finding's `help` names the setting that addresses it; `pdec solve --resume RUN` goes on from the checkpoint (without `--strict` to train through)",
            ),
            RunError::Internal(msg) => internal(&msg),
        }
    }

    /// The error in one line (a diagnostic's message and code), for `summary.json`.
    pub fn message(&self) -> String {
        match self {
            RunError::Diag(d) => format!("{} [{}]", d.message, d.code),
            RunError::NotFinite(m) => format!("{m} [pdec::run::not_finite]"),
            RunError::Unhealthy(m) => format!("{m} [pdec::run::unhealthy]"),
            RunError::Internal(m) => format!("internal error in pdec: {m}"),
        }
    }
}

/// An internal error (a bug in pdec, exit code 2) as a diagnostic, so that under
/// `--message-format json` it is a JSON line like every other error.
pub fn internal(message: &str) -> Diag {
    Diag::error(
        "pdec::run::internal",
        format!("internal error in pdec: {message}"),
    )
    .help("this is a bug; please report it with the input file")
}

impl RunError {
    /// The same error with `seed N: ` before its message, so that the seeds of one
    /// `--seeds` group tell their failures apart in both message formats.
    pub fn for_seed(self, seed: u64) -> RunError {
        let prefix = |m: String| format!("seed {seed}: {m}");
        match self {
            RunError::Diag(mut d) => {
                d.message = prefix(std::mem::take(&mut d.message));
                RunError::Diag(d)
            }
            RunError::NotFinite(m) => RunError::NotFinite(prefix(m)),
            RunError::Unhealthy(m) => RunError::Unhealthy(prefix(m)),
            RunError::Internal(m) => RunError::Internal(prefix(m)),
        }
    }

    /// An I/O error on `path` of the run directory: a coded diagnostic whose help fits the
    /// error (a full disk, a folder that is not writable).
    pub fn io(path: &std::path::Path, e: &std::io::Error) -> RunError {
        RunError::Diag(Box::new(crate::output::io_diag(
            "pdec::run::io",
            "write",
            path,
            e,
        )))
    }
}

impl From<candle_core::Error> for RunError {
    fn from(e: candle_core::Error) -> RunError {
        // An I/O error inside a tensor operation (a file candle reads or writes) is the
        // user's environment, not a bug.
        match io_inside(&e) {
            Some(io) => RunError::from(std::io::Error::new(io.kind(), io.to_string())),
            None => RunError::Internal(e.to_string()),
        }
    }
}

/// The I/O error a candle error carries, through its backtrace and context wrappers.
fn io_inside(e: &candle_core::Error) -> Option<&std::io::Error> {
    match e {
        candle_core::Error::Io(io) => Some(io),
        candle_core::Error::WithBacktrace { inner, .. }
        | candle_core::Error::Context { inner, .. }
        | candle_core::Error::WithPath { inner, .. } => io_inside(inner),
        _ => None,
    }
}

impl From<csv::Error> for RunError {
    fn from(e: csv::Error) -> RunError {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => RunError::from(io),
            k => RunError::Internal(format!("{k:?}")),
        }
    }
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> RunError {
        let d = crate::output::io_diag("pdec::run::io", "write", std::path::Path::new(""), &e);
        RunError::Diag(Box::new(Diag {
            message: format!("cannot write the run directory: {e}"),
            ..d
        }))
    }
}
