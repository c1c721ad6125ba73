//! The front end's diagnostics as the protocol's: the primary label's span as the range (in
//! UTF-16 positions), the code, the severity, the message with the label's words and the
//! `help` line, and the secondary labels ("declared here") as related information.

use super::documents::Document;
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range,
};
use pdec_lang::diag::{Diag, Severity};
use pdec_lang::source::{FileId, Span};

/// The user's file in every compilation (`SourceMap`'s first file).
const USER: FileId = FileId(0);

/// Every diagnostic of the document, in source order.
pub fn of(doc: &Document) -> Vec<Diagnostic> {
    let diags = &doc.analysis.diags;
    let mut out: Vec<Diagnostic> = diags.sorted().into_iter().map(|d| one(doc, d)).collect();
    if diags.dropped() > 0 {
        out.push(Diagnostic {
            range: Range::default(),
            severity: Some(DiagnosticSeverity::INFORMATION),
            source: Some("pdec".into()),
            message: format!(
                "{} more diagnostics were found and are not shown",
                diags.dropped()
            ),
            ..Diagnostic::default()
        });
    }
    out
}

fn one(doc: &Document, d: &Diag) -> Diagnostic {
    let range = |s: Span| doc.range(s.start as usize..s.end as usize);
    let primary = d.labels.iter().find(|l| l.primary);
    let mut message = d.message.clone();
    match primary {
        // A label in another file (a std module): named, at the file's start.
        Some(l) if l.span.file != USER => {
            let file = doc
                .analysis
                .compiled
                .as_ref()
                .map(|c| c.program.sources.get(l.span.file).name.clone())
                .unwrap_or_default();
            message.push_str(&format!("\n{file}: {}", l.message));
        }
        Some(l) if !l.message.is_empty() => message.push_str(&format!("\n{}", l.message)),
        _ => {}
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary && l.span.file == USER)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(doc.uri.clone(), range(l.span)),
            message: l.message.clone(),
        })
        .collect();
    Diagnostic {
        range: match primary {
            Some(l) if l.span.file == USER => range(l.span),
            _ => Range::new(Position::new(0, 0), Position::new(0, 0)),
        },
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("pdec".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::documents::Document;

    /// The range is the primary label's, in UTF-16 columns; the message carries the label's
    /// words and the help; a secondary label is related information.
    #[test]
    fn a_diagnostic_keeps_its_code_range_label_and_help() {
        let text = "// é𝜕\nconst a = 1\nconst a = 2\n";
        let doc = Document::new("file:///t.pde".parse().expect("uri"), 1, text.into());
        let all = of(&doc);
        let dup = all
            .iter()
            .find(|d| {
                d.code
                    == Some(NumberOrString::String(
                        "pdec::resolve::duplicate_definition".into(),
                    ))
            })
            .unwrap_or_else(|| panic!("{all:?}"));
        assert_eq!(
            dup.range,
            Range::new(Position::new(2, 6), Position::new(2, 7))
        );
        assert_eq!(dup.severity, Some(DiagnosticSeverity::ERROR));
        assert!(
            dup.message
                .starts_with("`a` is defined twice\ndefined again here\nhelp: "),
            "{}",
            dup.message
        );
        let rel = dup.related_information.as_ref().expect("first definition");
        assert_eq!(rel[0].location.range.start, Position::new(1, 6));
        assert_eq!(rel[0].message, "first defined here");
    }
}
