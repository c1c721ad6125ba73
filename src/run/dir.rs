//! The run directory on disk: its name (`runs/<problem>-<UTC time>/` unless `--out`), the
//! files the run writes before training (`problem.pde`, the `reference/` copy,
//! `settings.json`), and atomic writes: every file a reader may meet mid-run is written
//! through a temporary file and a rename, so that it is the old one or the new one, never a
//! torn one.

use crate::run::error::RunError;
use crate::run::lock::{self, RunLock};
use candle_core::Tensor;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use crate::output::{write_atomic, write_new};

/// Where a run directory keeps its copy of the problem's `reference` table: the table's
/// relative path is taken under it (a folder of its own, so that no name the problem gives it
/// can meet the run's own files).
pub fn reference_folder(run: &Path) -> PathBuf {
    run.join("reference")
}

/// `2026-11-25T21-17-13` from the system clock (UTC), for run directory names.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}-{:02}-{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A new run directory for problem `name`, or `out` when given (created if missing). A
/// name of its own is taken with `create_dir`, which fails if another process took it first.
pub(crate) fn create(name: &str, out: Option<&Path>) -> std::io::Result<PathBuf> {
    if let Some(o) = out {
        std::fs::create_dir_all(o)?;
        return Ok(o.to_path_buf());
    }
    let runs = PathBuf::from("runs");
    std::fs::create_dir_all(&runs)?;
    let base = runs.join(format!("{name}-{}", timestamp()));
    let mut dir = base.clone();
    let mut k = 1;
    loop {
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                k += 1;
                dir = PathBuf::from(format!("{}-{k}", base.display()));
            }
            Err(e) => return Err(e),
        }
    }
}

/// safetensors serialised in memory, then written by [`write_atomic`]: a crash at any
/// moment leaves the old file or the new one, and a failed write (a full disk) is an I/O
/// error with its code, not a tensor library's error.
pub(crate) fn save_tensors(tensors: &HashMap<String, Tensor>, path: &Path) -> Result<(), RunError> {
    let bytes = safetensors::serialize(tensors, None)
        .map_err(|e| RunError::Internal(format!("cannot serialise tensors: {e}")))?;
    write_atomic(path, &bytes).map_err(|e| RunError::io(path, &e))
}

/// The run directory: the resumed one, or a new one (`--out`, else named after the problem
/// and the time), locked for this process ([`lock`]); `--out` onto a folder that holds a run
/// is refused. Only rank 0 writes: the other ranks never create nor lock it.
pub(crate) fn choose(
    name: &str,
    resume: Option<&Path>,
    out: Option<&Path>,
    root: bool,
) -> Result<(PathBuf, Option<RunLock>), RunError> {
    Ok(match (resume, out) {
        (Some(d), _) if root => (d.to_path_buf(), Some(lock::acquire(d)?)),
        (Some(d), _) => (d.to_path_buf(), None),
        (None, Some(out)) if !root => (out.to_path_buf(), None),
        (None, None) if !root => (PathBuf::new(), None),
        (None, _) => {
            let dir = create(name, out)
                .map_err(|e| RunError::io(out.unwrap_or(Path::new("runs")), &e))?;
            let held = lock::acquire(&dir)?;
            // Under the lock: a run another process finished here meanwhile is seen.
            lock::refuse_existing_run(&dir)?;
            (dir, Some(held))
        }
    })
}

/// Writes the source as `problem.pde` (a new run only) and the problem's `reference` table
/// under [`reference_folder`] (a resumed run from before copies gets one now), so that
/// `--resume` and `pdec plot` find it after the run or its problem file moved. Rank 0 only.
pub(crate) fn write_inputs(
    dir: &Path,
    source_text: &str,
    resumed: bool,
    reference_file: Option<&pdec_lang::loader::ReferenceFile>,
    observations: &[pdec_lang::ir::Observation],
) -> Result<(), RunError> {
    if !resumed {
        write_atomic(&dir.join("problem.pde"), source_text.as_bytes())?;
    }
    // The `observe` data files beside the reference table's copy, at the paths the problem
    // names: `pdec eval`, `plot` and `--resume` compile the run's problem against them.
    for o in observations {
        if let Some(name) = pdec_lang::loader::copy_name(&o.path) {
            let copy = reference_folder(dir).join(name);
            if !copy.exists() {
                if let Some(folder) = copy.parent() {
                    std::fs::create_dir_all(folder)?;
                }
                write_atomic(&copy, o.text.as_bytes())?;
            }
        }
    }
    if let Some(r) = reference_file
        && let Some(name) = &r.copy
    {
        let copy = reference_folder(dir).join(name);
        if !copy.exists() {
            if let Some(folder) = copy.parent() {
                std::fs::create_dir_all(folder)?;
            }
            write_atomic(&copy, r.text.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes `settings.json`: every resolved setting and what else the run depended on.
pub(crate) fn write_settings(dir: &Path, settings: &serde_json::Value) -> Result<(), RunError> {
    write_atomic(
        &dir.join("settings.json"),
        serde_json::to_string_pretty(settings)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    Ok(())
}
