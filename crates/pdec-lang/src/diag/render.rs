//! The one place that turns [`Diag`]s into text: miette's graphical report for people,
//! one JSON object per line for tools and editors.

use super::{Diag, Diags, Severity};
use crate::source::SourceMap;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;
use std::fmt;

/// Diagnostics printed per run; the rest are counted in one note.
pub const MAX_SHOWN: usize = 100;

/// Labels beyond this column are reported by position, without a source snippet.
const MAX_SNIPPET_COLUMN: usize = 2000;

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// miette's graphical report; `color` adds ANSI colours.
    Human {
        color: bool,
        width: usize,
    },
    Json,
}

/// Adapter giving a [`Diag`] and its file to miette.
struct Report<'a> {
    diag: &'a Diag,
    source: NamedSource<String>,
    file: Option<crate::source::FileId>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.file.map(|_| &self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let file = self.file?;
        let labels = self
            .diag
            .labels
            .iter()
            .filter(move |l| l.span.file == file)
            .map(|l| {
                let span = SourceSpan::new((l.span.start as usize).into(), l.span.len());
                let text = (!l.message.is_empty()).then(|| l.message.clone());
                if l.primary {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            });
        Some(Box::new(labels))
    }
}

/// One diagnostic as a JSON object (`--message-format json`).
#[derive(Serialize)]
pub struct JsonDiag<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub file: Option<&'a str>,
    /// Byte offsets `[start, end)` of the primary label.
    pub span: Option<[u32; 2]>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub label: Option<&'a str>,
    pub help: Option<&'a str>,
}

pub fn to_json<'a>(diag: &'a Diag, sources: &'a SourceMap) -> JsonDiag<'a> {
    let primary = diag.labels.iter().find(|l| l.primary);
    let (file, span, line, column) = match primary {
        Some(l) => {
            let f = sources.get(l.span.file);
            let (line, col) = f.line_col(l.span.start as usize);
            (
                Some(f.name.as_str()),
                Some([l.span.start, l.span.end]),
                Some(line),
                Some(col),
            )
        }
        None => (None, None, None, None),
    };
    JsonDiag {
        severity: diag.severity,
        code: diag.code,
        message: &diag.message,
        file,
        span,
        line,
        column,
        label: primary.map(|l| l.message.as_str()),
        help: diag.help.as_deref(),
    }
}

/// Renders one diagnostic.
pub fn render_one(diag: &Diag, sources: &SourceMap, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string(&to_json(diag, sources))
            .expect("invariant: diagnostics serialise to JSON"),
        Format::Human { color, width } => {
            let file = diag.primary_span().map(|s| s.file);
            let source = match file {
                Some(f) => {
                    let sf = sources.get(f);
                    NamedSource::new(sf.name.clone(), sf.text.clone())
                }
                None => NamedSource::new("", String::new()),
            };
            // miette draws labels with format widths, which Rust caps at 65535 columns: on
            // absurdly long lines show the position instead of the snippet.
            let far_right = diag.labels.iter().any(|l| {
                let f = sources.get(l.span.file);
                f.line_col(l.span.end as usize).1 > MAX_SNIPPET_COLUMN
            });
            let file = if far_right { None } else { file };
            let report = Report { diag, source, file };
            let theme = if color {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let handler = GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                .with_links(false);
            let mut out = String::new();
            let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                handler.render_report(&mut out, &report)
            }));
            if !matches!(rendered, Ok(Ok(()))) {
                out = format!("{}: {}\n", diag.code, diag.message);
            }
            if far_right && let Some(l) = diag.labels.iter().find(|l| l.primary) {
                let f = sources.get(l.span.file);
                let (line, col) = f.line_col(l.span.start as usize);
                out.push_str(&format!("  at {}:{line}:{col}: {}\n", f.name, l.message));
            }
            out
        }
    }
}

/// Renders every diagnostic in source order, then (for people) one summary line.
/// `what` ends the summary line ("nothing was trained"); empty for no summary line.
pub fn render_all(diags: &Diags, sources: &SourceMap, format: Format, what: &str) -> String {
    let mut out = String::new();
    let sorted = diags.sorted();
    let shown = sorted.len().min(MAX_SHOWN);
    for d in &sorted[..shown] {
        out.push_str(&render_one(d, sources, format));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    let hidden = sorted.len() - shown + diags.dropped();
    if hidden > 0 {
        // Each diagnostic locates itself in its file: thousands of them (a generated file,
        // 100,000 unused constants) would take time quadratic in the file's size.
        let note = Diag {
            code: "pdec::cli::too_many_diagnostics",
            severity: Severity::Note,
            message: format!("{hidden} more diagnostics not shown (the first {MAX_SHOWN} are)"),
            labels: Vec::new(),
            help: Some("fix these and check again".into()),
        };
        out.push_str(&render_one(&note, sources, format));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    if let Format::Human { .. } = format
        && !what.is_empty()
    {
        let (e, w) = (diags.error_count(), diags.warning_count());
        let place = sources
            .files()
            .next()
            .map(|(_, f)| format!(" in {}", f.name))
            .unwrap_or_default();
        if e > 0 {
            out.push_str(&format!("{}{place}; {what}\n", plural(e, "error")));
        } else if w > 0 {
            out.push_str(&format!("{}{place}\n", plural(w, "warning")));
        }
    }
    out
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A computed value in a message: six significant digits, trailing zeros dropped (`0.841471`,
/// `1200`, `-3.5e-9`), so that a point or a gap reads at a glance.
pub fn number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..=6).contains(&magnitude) {
        let s = format!("{x:.5e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exponent}", trim(mantissa));
    }
    let decimals = (5 - magnitude).max(0) as usize;
    trim(&format!("{x:.decimals$}"))
}
