//! TensorBoard event files: `events.out.tfevents.<unix seconds>.<host>` in the run
//! directory, written beside loss.csv at its cadence (every logged step: each loss term,
//! the total, the learning rate, the errors against `exact` and `reference`, the reports,
//! the balance's multipliers, and the steps per second), and at the end the pictures
//! `pdec solve` draws, as image summaries. `tensorboard --logdir runs/` shows them live;
//! `wandb sync` and MLflow import them (docs/OUTPUTS.md).
//!
//! Like loss.csv, the file is created atomically with its first event and then appended
//! to, one whole record per write; every byte counts against the full-disk test hook
//! (`output::spend`). A resumed run rewrites the file with the events before the step it
//! resumes at, so that it reads as one uninterrupted run (no duplicate steps for TensorBoard,
//! W&B or MLflow to reconcile).
//!
//! Files: `record` (TFRecord framing, CRC-32C), `proto` (the protobuf messages).

mod proto;
mod record;

use crate::run::error::RunError;
use std::io::Write;
use std::path::{Path, PathBuf};

// How TensorFlow names event files; TensorBoard reads the files whose name contains it.
use crate::output::EVENT_FILE_PREFIX as PREFIX;

/// The open event file of a run and the tags of the values each logged step writes.
pub(crate) struct EventLog {
    file: std::fs::File,
    path: PathBuf,
    tags: Vec<String>,
    /// The step and training clock of the last line, for the steps per second.
    last: Option<(u64, f64)>,
}

impl EventLog {
    /// Opens the event file of the run in `dir` for the values named `tags`: a new file, or
    /// for a resumed run (`resumed`) its existing one, keeping the events before
    /// `keep_before`.
    pub fn open(
        dir: &Path,
        tags: Vec<String>,
        keep_before: u64,
        resumed: bool,
    ) -> Result<EventLog, RunError> {
        let old = match resumed {
            true => find(dir)?,
            false => None,
        };
        let (path, bytes) = match old {
            Some(path) => {
                let bytes = std::fs::read(&path).map_err(|e| read_error(&path, &e))?;
                let kept = kept_before(&bytes, keep_before);
                (path, kept)
            }
            None => (
                dir.join(file_name()),
                record::frame(&proto::file_version_event(now())),
            ),
        };
        crate::output::write_atomic(&path, &bytes).map_err(|e| RunError::io(&path, &e))?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| RunError::io(&path, &e))?;
        Ok(EventLog {
            file,
            path,
            tags,
            last: None,
        })
    }

    /// One event with a scalar per tag (`values` in the order of the tags), and the steps per
    /// second since the last line of this process (none on its first line).
    pub fn write(&mut self, step: u64, wall: f64, values: &[f64]) -> Result<(), RunError> {
        let mut scalars: Vec<(&str, f64)> = self
            .tags
            .iter()
            .map(String::as_str)
            .zip(values.iter().copied())
            .collect();
        if let Some((s, w)) = self.last
            && step > s
            && wall > w
        {
            scalars.push(("train/steps_per_s", (step - s) as f64 / (wall - w)));
        }
        self.last = Some((step, wall));
        let event = proto::scalars_event(now(), step as i64, &scalars);
        append(&mut self.file, &self.path, &record::frame(&event))
    }
}

/// The run's event file: the newest by name (their names start with the time).
pub fn find(dir: &Path) -> Result<Option<PathBuf>, RunError> {
    let entries = std::fs::read_dir(dir).map_err(|e| read_error(dir, &e))?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    Ok(found.pop())
}

/// Adds the pictures `pngs` (the `.png` files among them) to the run's event file as image
/// summaries `plots/<name>` at its last step. `false` when the run has no event file.
pub fn add_pictures(dir: &Path, pngs: &[PathBuf]) -> Result<bool, RunError> {
    let Some(path) = find(dir)? else {
        return Ok(false);
    };
    let bytes = std::fs::read(&path).map_err(|e| read_error(&path, &e))?;
    let step = record::records(&bytes)
        .iter()
        .filter_map(|r| proto::step_of(r))
        .map(|(s, _)| s)
        .max()
        .unwrap_or(0);
    let mut pictures = Vec::new();
    for p in pngs
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
    {
        let png = std::fs::read(p).map_err(|e| read_error(p, &e))?;
        let name = p
            .file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned());
        pictures.push((format!("plots/{name}"), png));
    }
    let images: Vec<proto::Image> = pictures
        .iter()
        .filter_map(|(tag, png)| {
            let (width, height, colorspace) = png_header(png)?;
            Some(proto::Image {
                tag,
                height,
                width,
                colorspace,
                png,
            })
        })
        .collect();
    if images.is_empty() {
        return Ok(true);
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|e| RunError::io(&path, &e))?;
    let event = proto::images_event(now(), step, &images);
    append(&mut file, &path, &record::frame(&event))?;
    Ok(true)
}

/// The records of an event file a resumed run keeps: the first event (the file's version)
/// and the events of steps before `keep_before`; a damaged tail is dropped.
fn kept_before(bytes: &[u8], keep_before: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for r in record::records(bytes) {
        match proto::step_of(r) {
            Some((_, true)) => out.extend(record::frame(r)),
            Some((s, false)) if s >= 0 && (s as u64) < keep_before => out.extend(record::frame(r)),
            _ => {}
        }
    }
    if out.is_empty() {
        out = record::frame(&proto::file_version_event(now()));
    }
    out
}

/// Appends one whole record (a single write, so a live reader never sees half of one).
fn append(file: &mut std::fs::File, path: &Path, framed: &[u8]) -> Result<(), RunError> {
    crate::output::spend(framed.len()).map_err(|e| RunError::io(path, &e))?;
    file.write_all(framed).map_err(|e| RunError::io(path, &e))
}

fn read_error(path: &Path, e: &std::io::Error) -> RunError {
    RunError::Diag(Box::new(crate::output::io_diag(
        "pdec::run::io",
        "read",
        path,
        e,
    )))
}

/// Seconds since the Unix epoch, as TensorBoard's `wall_time`.
fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `events.out.tfevents.<unix seconds>.<host>`, as TensorFlow names them (TensorBoard sorts
/// a folder's files by name, so the seconds are padded to 10 digits).
fn file_name() -> String {
    format!("{PREFIX}{:010}.{}", now() as u64, hostname())
}

/// The machine's name (characters safe in a file name), or `pdec` when it has none.
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length, which is what is passed.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name: String = String::from_utf8_lossy(&buf[..end])
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    match r == 0 && !name.is_empty() {
        true => name,
        false => "pdec".into(),
    }
}

/// A PNG's width, height and TensorBoard colour space (from its IHDR chunk).
fn png_header(png: &[u8]) -> Option<(u32, u32, u32)> {
    if png.len() < 26 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    let colorspace = match png[25] {
        0 => 1,
        4 => 2,
        6 => 4,
        _ => 3,
    };
    Some((be(16), be(20), colorspace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_file_keeps_its_version_and_the_steps_before() {
        let mut file = record::frame(&proto::file_version_event(1.0));
        for step in [0, 10, 20, 30] {
            file.extend(record::frame(&proto::scalars_event(
                2.0,
                step,
                &[("a", 1.0)],
            )));
        }
        // A record cut short at the end, as a full disk leaves it.
        let last = record::frame(&proto::scalars_event(2.0, 40, &[("a", 1.0)]));
        file.extend(&last[..last.len() - 3]);
        let kept = kept_before(&file, 20);
        let steps: Vec<(i64, bool)> = record::records(&kept)
            .iter()
            .filter_map(|r| proto::step_of(r))
            .collect();
        assert_eq!(steps, vec![(0, true), (0, false), (10, false)]);
        // Nothing readable: a fresh first event.
        let fresh = kept_before(b"junk", 5);
        assert_eq!(
            record::records(&fresh)
                .iter()
                .filter_map(|r| proto::step_of(r))
                .collect::<Vec<_>>(),
            vec![(0, true)]
        );
    }

    #[test]
    fn png_sizes_and_names() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(900u32.to_be_bytes());
        png.extend(600u32.to_be_bytes());
        png.extend([8, 2, 0, 0, 0]);
        assert_eq!(png_header(&png), Some((900, 600, 3)));
        assert_eq!(png_header(b"GIF89a"), None);
        let name = file_name();
        assert!(
            name.starts_with(PREFIX) && name.len() > PREFIX.len() + 11,
            "{name}"
        );
    }
}
