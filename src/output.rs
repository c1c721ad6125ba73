//! Writing files safely: every file `pdec` writes (a run directory's files, `pdec export`,
//! `pdec eval --output`, `pdec reference --out`, the pictures) goes through [`write_atomic`]
//! or [`write_new`]; [`guard`] refuses a user-named output that is a run directory's own
//! file; [`io_diag`] turns an I/O error into a coded diagnostic whose help fits its cause.
//!
//! A temporary file is created exclusively (`O_EXCL`, a random name, never through a link)
//! in the target's own folder by the `tempfile` crate, removed when any step fails (its
//! `Drop`), and persisted by a rename, so concurrent writers of one target never share a
//! temporary and a user's own `X.tmp` is never touched. A target that is a device, a FIFO or
//! a socket (`--output /dev/stdout`) is written in place: renaming over it would replace it.

use pdec_lang::diag::Diag;
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The names of a run directory's own files, which no output may replace.
pub const RUN_FILES: [&str; 7] = [
    "problem.pde",
    "settings.json",
    "summary.json",
    "loss.csv",
    "model.safetensors",
    "checkpoint.safetensors",
    "polish.safetensors",
];

/// How a run's TensorBoard event file is named (`events.out.tfevents.<seconds>.<host>`, as
/// TensorFlow names them; `run::tensorboard`): a run's own file too.
pub const EVENT_FILE_PREFIX: &str = "events.out.tfevents.";

/// Tests only: `PDEC_FAULT_WRITE_BYTES=N` lets the process write N bytes through this module
/// (and loss.csv's lines), then fails every write with ENOSPC, as a full disk does. Without
/// root a test cannot fill a real disk at a chosen moment; this makes it deterministic.
const FAULT_VAR: &str = "PDEC_FAULT_WRITE_BYTES";

/// What is left of the test hook's budget (`u64::MAX`: no hook).
fn budget() -> &'static AtomicU64 {
    static LEFT: std::sync::OnceLock<AtomicU64> = std::sync::OnceLock::new();
    LEFT.get_or_init(|| {
        let n = std::env::var(FAULT_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        AtomicU64::new(n)
    })
}

/// Takes `n` bytes from the test hook's budget; ENOSPC once it is spent.
pub fn spend(n: usize) -> std::io::Result<()> {
    let left = budget();
    let n = n as u64;
    let ok = left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(n))
        .is_ok();
    match ok {
        true => Ok(()),
        false => {
            left.store(0, Ordering::SeqCst);
            Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
        }
    }
}

/// Whether `path` names a file that is not a regular file (following links): a device, a
/// FIFO or a socket, which is written in place rather than replaced.
fn is_special(path: &Path) -> std::io::Result<bool> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(std::io::Error::new(
            ErrorKind::IsADirectory,
            "it is a directory",
        )),
        Ok(m) => Ok(!m.is_file()),
        // Missing (or a dangling link, which the rename replaces).
        Err(_) => Ok(false),
    }
}

/// The folder a file is written in (`.` for a bare name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new temporary file beside `path` (`.pdec-XXXXXX.tmp`), created exclusively with the
/// permissions `File::create` gives (0o666 less the umask; tempfile's own default, 0o600,
/// would make every output private).
fn temporary(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix(".pdec-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(folder(path))
}

/// Writes `bytes` to `path` so that a reader, a killed process or a power cut sees the old
/// file or the new one, never half of one: a unique temporary file beside it, flushed, then
/// renamed over it, and the folder flushed. A link at `path` is replaced, never written
/// through; a device or FIFO at `path` is written in place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if is_special(path)? {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        spend(bytes.len())?;
        return f.write_all(bytes);
    }
    let mut tmp = temporary(path)?;
    // Every `?` below drops `tmp`, which removes the temporary file.
    spend(bytes.len())?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(path);
    Ok(())
}

/// Writes a new file, never replacing one (`pdec new`): the text goes to a temporary file
/// that is then linked to `path` only if nothing is there (`AlreadyExists` otherwise), so a
/// failed write leaves nothing behind that would block a retry.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(ErrorKind::AlreadyExists.into());
    }
    let mut tmp = temporary(path)?;
    spend(bytes.len())?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    sync_dir(path);
    Ok(())
}

/// Flushes the folder holding `path`, so that a rename survives a power cut too.
fn sync_dir(path: &Path) {
    if let Ok(d) = std::fs::File::open(folder(path)) {
        let _ = d.sync_all();
    }
}

/// Refuses a user-named output that is one of a run directory's own files (`pdec export RUN
/// --output RUN/model.safetensors`, its TensorBoard event file), or the run's copy of its
/// reference table: writing it
/// would destroy the run. A folder is a run directory when it holds `problem.pde` and
/// `settings.json`.
pub fn guard(path: &Path) -> Result<(), Box<Diag>> {
    let dir = folder(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let is_run = |d: &Path| d.join("problem.pde").is_file() && d.join("settings.json").is_file();
    let own = match &name {
        Some(n)
            if (RUN_FILES.contains(&n.as_str()) || n.starts_with(EVENT_FILE_PREFIX))
                && is_run(dir) =>
        {
            true
        }
        // Anything under a run's `reference/` folder is its copy of the table.
        _ => dir.ancestors().any(|a| {
            a.file_name().is_some_and(|n| n == "reference") && a.parent().is_some_and(is_run)
        }),
    };
    if !own {
        return Ok(());
    }
    Err(Box::new(
        Diag::error(
            "pdec::output::run_file",
            format!(
                "`{}` is a file of the run directory `{}`; writing it would destroy the run",
                path.display(),
                dir.display()
            ),
        )
        .help("write the output under another name (e.g. `RUN/u.csv`) or in another folder"),
    ))
}

/// An I/O error on `path` as a diagnostic with code `code`, its help naming what to do about
/// this kind of error (a full disk, a folder that is not writable, a missing folder).
pub fn io_diag(code: &'static str, verb: &str, path: &Path, e: &std::io::Error) -> Diag {
    let help = match (e.kind(), e.raw_os_error()) {
        (ErrorKind::StorageFull | ErrorKind::QuotaExceeded, _) => {
            "the disk is full (or the quota is spent): free some space or write elsewhere; a run stopped this way keeps its last checkpoint and goes on with `pdec solve --resume RUN`"
        }
        (ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem, _) => {
            "the folder is not writable: choose another place or change its permissions"
        }
        (ErrorKind::NotFound, _) => "the folder does not exist: create it or choose another",
        (ErrorKind::IsADirectory, _) => "give the path of a file, not of a folder",
        (ErrorKind::BrokenPipe, _) => "the reader of the output went away",
        _ => "check that the folder exists and is writable and the disk is not full",
    };
    Diag::error(code, format!("cannot {verb} `{}`: {e}", path.display())).help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("pdec-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("scratch folder");
        d
    }

    #[test]
    fn a_users_tmp_file_and_a_planted_link_are_left_alone() {
        let d = scratch("tmp");
        std::fs::write(d.join("data.tmp"), "mine").expect("write");
        let victim = d.join("victim");
        std::fs::write(&victim, "victim").expect("write");
        std::os::unix::fs::symlink(&victim, d.join("out.tmp")).expect("link");
        write_atomic(&d.join("data.csv"), b"new").expect("written");
        write_atomic(&d.join("out.csv"), b"new").expect("written");
        assert_eq!(
            std::fs::read_to_string(d.join("data.tmp")).ok().as_deref(),
            Some("mine")
        );
        assert_eq!(
            std::fs::read_to_string(&victim).ok().as_deref(),
            Some("victim")
        );
        let left: Vec<_> = std::fs::read_dir(&d)
            .expect("read")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".pdec-"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_link_at_the_target_is_replaced_not_written_through() {
        let d = scratch("link");
        let victim = d.join("victim");
        std::fs::write(&victim, "victim").expect("write");
        std::os::unix::fs::symlink(&victim, d.join("out.csv")).expect("link");
        write_atomic(&d.join("out.csv"), b"new").expect("written");
        assert_eq!(
            std::fs::read_to_string(&victim).ok().as_deref(),
            Some("victim")
        );
        assert_eq!(
            std::fs::read_to_string(d.join("out.csv")).ok().as_deref(),
            Some("new")
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_device_is_written_in_place_and_new_files_never_replace() {
        write_atomic(Path::new("/dev/null"), b"x").expect("written");
        assert!(
            !std::fs::symlink_metadata("/dev/null")
                .expect("meta")
                .is_file()
        );
        let d = scratch("new");
        let p = d.join("a.pde");
        write_new(&p, b"one").expect("new");
        let e = write_new(&p, b"two").expect_err("exists");
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&p).ok().as_deref(), Some("one"));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_run_directorys_own_files_are_refused() {
        let d = scratch("guard");
        std::fs::write(d.join("problem.pde"), "").expect("write");
        std::fs::write(d.join("settings.json"), "{}").expect("write");
        for f in RUN_FILES {
            let e = guard(&d.join(f)).expect_err("refused");
            assert_eq!(e.code, "pdec::output::run_file");
        }
        assert!(guard(&d.join("reference/t.csv")).is_err());
        assert!(guard(&d.join("events.out.tfevents.1796576276.vm")).is_err());
        assert!(guard(&d.join("u.csv")).is_ok());
        // Not a run directory: any name goes.
        assert!(guard(&std::env::temp_dir().join("model.safetensors")).is_ok());
        let _ = std::fs::remove_dir_all(&d);
    }
}
