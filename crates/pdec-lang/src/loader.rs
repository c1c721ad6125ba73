//! Stage 1, load: the only module besides the CLI that touches the file system. It reads
//! the user's file with size and encoding checks; std modules come from the binary.

use crate::diag::Diag;
use crate::limits::Limit;
use crate::source::SourceFile;
use std::path::{Path, PathBuf};

pub fn read_file(path: &Path) -> Result<SourceFile, Box<Diag>> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| {
        Box::new(
            Diag::error(
                "pdec::load::cannot_read",
                format!("cannot read `{name}`: {e}"),
            )
            .help("check the path; `pdec check examples/burgers.pde` checks an example"),
        )
    })?;
    if meta.is_dir() {
        return Err(Box::new(
            Diag::error(
                "pdec::load::cannot_read",
                format!("`{name}` is a directory"),
            )
            .help("give the path of a `.pde` file"),
        ));
    }
    let limit = Limit::ProblemBytes;
    let too_large = |len: String| too_large(&name, &len);
    if meta.len() > limit.get() {
        return Err(too_large(meta.len().to_string()));
    }
    let bytes = read_limited(path, limit.get()).map_err(|e| match e {
        Limited::TooLarge => too_large(format!("more than {}", limit.get())),
        e => Box::new(
            Diag::error(
                "pdec::load::cannot_read",
                format!("cannot read `{name}`: {e}"),
            )
            .help("give the path of a `.pde` file (a regular file)"),
        ),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Box::new(
            Diag::error(
                "pdec::load::not_utf8",
                format!(
                    "`{name}` is not valid UTF-8 (at byte {})",
                    e.utf8_error().valid_up_to()
                ),
            )
            .help("save the file as UTF-8"),
        )
    })?;
    Ok(SourceFile { name, text })
}

/// A problem's text that is not read from disk (an editor's unsaved buffer, for `pdec lsp`),
/// under `name` (its path), with the size check of [`read_file`]; the text is UTF-8 already.
pub fn from_text(name: String, text: String) -> Result<SourceFile, Box<Diag>> {
    match text.len() as u64 > Limit::ProblemBytes.get() {
        true => Err(too_large(&name, &text.len().to_string())),
        false => Ok(SourceFile { name, text }),
    }
}

/// `pdec::load::too_large` for a problem file of `len` bytes (real problems are a few
/// kilobytes).
fn too_large(name: &str, len: &str) -> Box<Diag> {
    Box::new(
        Diag::error(
            "pdec::load::too_large",
            format!("`{name}` is {len} bytes, over the limit of a problem file"),
        )
        .help(format!(
            "a `.pde` file describes a problem and data belongs in a `reference` CSV file; {}",
            Limit::ProblemBytes.raise_hint()
        )),
    )
}

/// Why [`read_limited`] read nothing.
#[derive(Debug)]
pub enum Limited {
    /// Not a regular file (a FIFO, a device, a socket, a directory): reading it could block
    /// forever (a FIFO without a writer) or never end (`/dev/zero`).
    NotRegular,
    /// Longer than the limit.
    TooLarge,
    Io(std::io::Error),
}

impl std::fmt::Display for Limited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limited::NotRegular => {
                write!(f, "it is not a regular file (a FIFO, a device or a socket)")
            }
            Limited::TooLarge => write!(f, "it is too large"),
            Limited::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads a regular file of at most `limit` bytes. The type is checked before the file is
/// opened (opening a FIFO blocks until a writer comes) and again on the open file, and the
/// read stops at `limit + 1` bytes whatever size the file reports.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, Limited> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(Limited::Io)?;
    if !meta.is_file() {
        return Err(Limited::NotRegular);
    }
    if meta.len() > limit {
        return Err(Limited::TooLarge);
    }
    let f = std::fs::File::open(path).map_err(Limited::Io)?;
    if !f.metadata().map_err(Limited::Io)?.is_file() {
        return Err(Limited::NotRegular);
    }
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(Limited::Io)?;
    match bytes.len() as u64 > limit {
        true => Err(Limited::TooLarge),
        false => Ok(bytes),
    }
}

/// A `reference "file.csv"` table as read from disk, before it is parsed.
#[derive(Debug, Clone)]
pub struct ReferenceFile {
    /// The resolved path, for messages.
    pub name: String,
    /// Where a run directory keeps its copy, under its `reference/` folder: the path as the
    /// problem writes it (see [`copy_name`]); `None` for an absolute path or one that climbs out.
    pub copy: Option<PathBuf>,
    pub text: String,
}

/// The name a run directory's copy of a reference table goes under: `relative` as the problem
/// writes it (its `.` and `a/..` steps taken out by the letters, not by the file system), so
/// that the writer and the readers, who all know only those words, agree even when the path
/// goes through a symlink. `None` for an absolute path or one that climbs above its folder:
/// the checker refuses those, and a copy must never land outside the copies' folder.
pub fn copy_name(relative: &str) -> Option<PathBuf> {
    use std::path::Component;
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in Path::new(relative).components() {
        match c {
            Component::Normal(n) => parts.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.iter().collect())
}

/// Reads a run directory's copy of the reference table the problem names `relative`, from
/// `copies` (the run's `reference/` folder).
pub fn read_reference_copy(copies: &Path, relative: &str) -> Result<ReferenceFile, Box<Diag>> {
    let Some(name) = copy_name(relative) else {
        return Err(Box::new(
            Diag::error(
                "pdec::load::reference_missing",
                format!("a run keeps no copy of reference file `{relative}`: the path climbs out of its folder"),
            )
            .help("name the table with a path inside the problem's folder"),
        ));
    };
    read_reference_in(copies, &name.to_string_lossy())
}

/// Reads a `reference "file.csv"` named by a problem file: the path is relative to the
/// problem's folder and, once symlinks are resolved, must stay inside it.
pub fn read_reference(problem_path: &Path, relative: &str) -> Result<ReferenceFile, Box<Diag>> {
    let folder = problem_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    read_reference_in(folder, relative)
}

/// Reads a reference table at `relative` under `folder` (a problem's folder, or a run
/// directory's copy of it), kept inside it.
pub fn read_reference_in(folder: &Path, relative: &str) -> Result<ReferenceFile, Box<Diag>> {
    read_table_in(folder, relative, TableKind::Reference)
}

/// Which kind of table a problem names: a `reference` (errors after training) or an
/// `observe` data set (a loss term). Both obey the same rules; their codes differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    Reference,
    Data,
}

impl TableKind {
    fn word(self) -> &'static str {
        match self {
            TableKind::Reference => "reference",
            TableKind::Data => "data",
        }
    }
}

/// Reads an `observe` data file named by a problem file, as [`read_reference_in`] reads a
/// reference table: under `folder`, kept inside it, within the size limit, UTF-8.
pub fn read_data_in(folder: &Path, relative: &str) -> Result<ReferenceFile, Box<Diag>> {
    read_table_in(folder, relative, TableKind::Data)
}

fn read_table_in(
    folder: &Path,
    relative: &str,
    kind: TableKind,
) -> Result<ReferenceFile, Box<Diag>> {
    let word = kind.word();
    let (outside_code, missing_code) = match kind {
        TableKind::Reference => (
            "pdec::load::reference_outside_folder",
            "pdec::load::reference_missing",
        ),
        TableKind::Data => (
            "pdec::load::data_outside_folder",
            "pdec::load::data_missing",
        ),
    };
    let outside = |why: String| {
        Box::new(
            Diag::error(outside_code, format!("{word} file `{relative}` {why}"))
                .help("put the CSV file next to the `.pde` file (or in a sub-folder) and name it with a relative path"),
        )
    };
    let root =
        std::fs::canonicalize(folder).map_err(|e| outside(format!("cannot be located: {e}")))?;
    let target = std::fs::canonicalize(folder.join(relative)).map_err(|e| {
        Box::new(
            Diag::error(
                missing_code,
                format!("cannot read {word} file `{relative}`: {e}"),
            )
            .help("the path is relative to the folder of the `.pde` file"),
        )
    })?;
    if !target.starts_with(&root) {
        return Err(outside("resolves outside the problem's folder".into()));
    }
    let text = read_limited(&target, Limit::TableBytes.get())
        .map_err(|e| match e {
            Limited::TooLarge => Box::new(
                Diag::error(
                    "pdec::load::too_large",
                    format!(
                        "{word} file `{relative}` is larger than {}, the limit of a table",
                        Limit::TableBytes.shown()
                    ),
                )
                .help(format!(
                    "sample fewer reference points; {}",
                    Limit::TableBytes.raise_hint()
                )),
            ),
            e => Box::new(
                Diag::error(
                    missing_code,
                    format!("cannot read {word} file `{relative}`: {e}"),
                )
                .help("the file must be UTF-8 CSV text"),
            ),
        })
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| {
                Box::new(
                    Diag::error(
                        missing_code,
                        format!("cannot read {word} file `{relative}`: it is not UTF-8"),
                    )
                    .help("the file must be UTF-8 CSV text"),
                )
            })
        })?;
    Ok(ReferenceFile {
        name: target.display().to_string(),
        copy: copy_name(relative),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_named_by_the_path_as_written_with_its_steps_taken_out() {
        let name = |r: &str| copy_name(r).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(name("t.csv").as_deref(), Some("t.csv"));
        assert_eq!(name("./a/./t.csv").as_deref(), Some("a/t.csv"));
        assert_eq!(name("a/b/../t.csv").as_deref(), Some("a/t.csv"));
        assert_eq!(name("link/../../t.csv"), None);
        assert_eq!(name("../t.csv"), None);
        assert_eq!(name("/abs/t.csv"), None);
        assert_eq!(name("a/.."), None);
    }
}
