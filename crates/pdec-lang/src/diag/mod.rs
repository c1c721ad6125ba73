//! Diagnostics: one data type for every error, warning and note of every stage.
//!
//! A [`Diag`] carries a stable code (`pdec::<stage>::<kind>`), a lower-case message, a primary
//! label on the exact span, optional secondary labels ("declared here") and one `help` line.
//! Stages push into a [`Diags`] collection; [`render`] turns them into miette's graphical
//! output or into JSON lines. Codes are listed in `docs/DIAGNOSTICS.md`, and every code has a
//! case in `tests/ui/` (a test checks both).

pub mod render;
pub mod suggest;

use crate::source::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diag {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diag {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diag {
        Diag {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diag {
        Diag {
            severity: Severity::Warning,
            ..Diag::error(code, message)
        }
    }

    /// The label on the text that is wrong.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diag {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Context that makes it wrong: the declaration, the domain.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diag {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    pub fn maybe_help(mut self, help: Option<String>) -> Diag {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Diagnostics kept per compilation; later ones are only counted (a generated file with
/// 100,000 bad statements would otherwise hold and sort half a million of them).
pub const MAX_KEPT: usize = 10_000;

/// The diagnostics a compilation has produced so far.
#[derive(Clone, Debug, Default)]
pub struct Diags {
    list: Vec<Diag>,
    /// Counted beyond [`MAX_KEPT`]: errors, warnings, all.
    dropped_errors: usize,
    dropped_warnings: usize,
    dropped: usize,
}

impl Diags {
    pub fn push(&mut self, d: Diag) {
        if self.list.len() >= MAX_KEPT {
            self.dropped += 1;
            self.dropped_errors += usize::from(d.is_error());
            self.dropped_warnings += usize::from(d.severity == Severity::Warning);
            return;
        }
        self.list.push(d);
    }

    pub fn extend(&mut self, other: Diags) {
        self.dropped += other.dropped;
        self.dropped_errors += other.dropped_errors;
        self.dropped_warnings += other.dropped_warnings;
        for d in other.list {
            self.push(d);
        }
    }

    /// Diagnostics counted but not kept (beyond [`MAX_KEPT`]).
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    pub fn has_errors(&self) -> bool {
        self.dropped_errors > 0 || self.list.iter().any(Diag::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.dropped_errors + self.list.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.dropped_warnings
            + self
                .list
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// In source order (file, then position), errors before warnings at the same place.
    pub fn sorted(&self) -> Vec<&Diag> {
        let mut v: Vec<&Diag> = self.list.iter().collect();
        v.sort_by_key(|d| {
            let s = d.primary_span();
            (s.map(|s| (s.file, s.start)).unwrap_or_default(), d.severity)
        });
        v
    }

    pub fn into_vec(self) -> Vec<Diag> {
        self.list
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diag> {
        self.list.iter()
    }
}
