//! A run directory is owned by one process at a time: `pdec solve` (and `--resume`) holds an
//! advisory lock on the directory itself (`flock` through std's `File::try_lock`, stable
//! since Rust 1.89: no lock file to leave behind, and the kernel drops the lock when the
//! process dies, even by SIGKILL), so two solves into one folder cannot mix their files.
//! `--out` onto a folder that already holds a run is refused: it would replace that run.

use crate::output::RUN_FILES;
use crate::run::error::RunError;
use pdec_lang::diag::Diag;
use std::path::Path;

/// The held lock; dropping it releases the directory.
#[derive(Debug)]
pub struct RunLock {
    _dir: std::fs::File,
}

/// Locks `dir` for this process, or refuses with `pdec::run::locked` when another process
/// holds it.
pub fn acquire(dir: &Path) -> Result<RunLock, RunError> {
    let f = std::fs::File::open(dir).map_err(|e| RunError::io(dir, &e))?;
    match f.try_lock() {
        Ok(()) => Ok(RunLock { _dir: f }),
        Err(std::fs::TryLockError::WouldBlock) => Err(RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::locked",
                format!(
                    "the run directory `{}` is in use by another `pdec solve`",
                    dir.display()
                ),
            )
            .help("wait for it to finish (or stop it), or train into another folder with `--out`"),
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(RunError::io(dir, &e)),
    }
}

/// Refuses a new run into `dir` when a run is already there (`pdec::run::out_exists`).
pub fn refuse_existing_run(dir: &Path) -> Result<(), RunError> {
    let Some(found) = RUN_FILES.iter().find(|f| dir.join(f).exists()) else {
        return Ok(());
    };
    Err(RunError::Diag(Box::new(
        Diag::error(
            "pdec::run::out_exists",
            format!(
                "`{}` already holds a run (it has {found}); a new run would replace it",
                dir.display()
            ),
        )
        .help(format!(
            "continue it with `pdec solve --resume {0}`, train into another folder with `--out`, or remove `{0}` first",
            dir.display()
        )),
    )))
}
