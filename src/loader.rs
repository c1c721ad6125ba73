//! Stage 1, load: the only module besides the CLI that touches the file system. It reads
//! the user's file with size and encoding checks; std modules come from the binary.

use crate::diag::Diag;
use crate::source::SourceFile;
use std::path::Path;

/// Largest `.pde` file accepted. Real problems are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

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
    if meta.len() > MAX_FILE_BYTES {
        return Err(Box::new(
            Diag::error(
                "pdec::load::too_large",
                format!(
                    "`{name}` is {} bytes; problem files are limited to {} bytes",
                    meta.len(),
                    MAX_FILE_BYTES
                ),
            )
            .help("a `.pde` file describes a problem; data belongs in a `reference` CSV file"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Box::new(Diag::error(
            "pdec::load::cannot_read",
            format!("cannot read `{name}`: {e}"),
        ))
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
