//! The open documents: each one's text as the editor has it (saved or not), and what the
//! front end made of it, recomputed on every change. The front end is `pdec check`'s:
//! [`pdec_lang::driver::compile`] on the text under the file's path, so the diagnostics are
//! the ones `pdec check FILE` prints once the file is saved. Never a panic: a text the front
//! end cannot take is a diagnostic, and a bug in it is the internal-error diagnostic.

use super::position::LineIndex;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use pdec_lang::diag::{Diag, Diags};
use pdec_lang::driver::{self, Compiled};
use pdec_lang::resolve::{self, Resolution};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// One open document.
pub struct Document {
    pub uri: Uri,
    pub version: i32,
    pub text: String,
    pub lines: LineIndex,
    pub analysis: Analysis,
}

/// What the front end made of a document's text.
pub struct Analysis {
    /// Every diagnostic, as `pdec check` finds them.
    pub diags: Diags,
    /// The compilation (its `diags` moved to the field above); `None` when the text was
    /// refused before parsing (too large) or the front end failed.
    pub compiled: Option<Compiled>,
    /// Every name of the program bound, also where a syntax error stopped the compilation
    /// before resolution (the statements that parsed are resolved).
    pub resolution: Option<Resolution>,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String) -> Document {
        let analysis = analyse(&name_of(&uri), &text);
        Document {
            lines: LineIndex::new(&text),
            uri,
            version,
            text,
            analysis,
        }
    }

    /// An empty document whose one diagnostic is the internal error of `pdec lsp` (after a bug
    /// lost the text); the editor's next whole-text change replaces it.
    pub fn failed(uri: Uri, version: i32) -> Document {
        Document {
            uri,
            version,
            text: String::new(),
            lines: LineIndex::new(""),
            analysis: refused(crate::commands::report::internal(
                "pdec lsp failed on this change",
            )),
        }
    }

    /// Applies the editor's changes in order (the whole text, or a range replaced) and
    /// analyses the result.
    pub fn change(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for c in changes {
            match c.range {
                None => self.text = c.text,
                Some(Range { start, end }) => {
                    let a = self.offset(start);
                    let b = self.offset(end).max(a);
                    self.text.replace_range(a..b, &c.text);
                }
            }
            self.lines = LineIndex::new(&self.text);
        }
        self.version = version;
        self.analysis = analyse(&name_of(&self.uri), &self.text);
    }

    pub fn offset(&self, p: Position) -> usize {
        self.lines.offset(&self.text, p)
    }

    pub fn range(&self, bytes: std::ops::Range<usize>) -> Range {
        self.lines.range(&self.text, bytes)
    }
}

/// The front end on `text` under the name `name` (the file's path).
pub fn analyse(name: &str, text: &str) -> Analysis {
    let source = match pdec_lang::loader::from_text(name.to_string(), text.to_string()) {
        Ok(s) => s,
        Err(d) => return refused(*d),
    };
    let run = catch_unwind(AssertUnwindSafe(|| {
        let mut compiled = driver::compile(source, &[]);
        let diags = std::mem::take(&mut compiled.diags);
        // The driver resolves only a file that parsed; an editor wants the names of the
        // statements that did. Its diagnostics are the driver's already, or follow from the
        // syntax errors.
        let resolution = resolve::resolve(&compiled.program, &mut Diags::default());
        Analysis {
            diags,
            compiled: Some(compiled),
            resolution: Some(resolution),
        }
    }));
    run.unwrap_or_else(|_| {
        refused(crate::commands::report::internal(
            "the front end failed on this text",
        ))
    })
}

fn refused(d: Diag) -> Analysis {
    let mut diags = Diags::default();
    diags.push(d);
    Analysis {
        diags,
        compiled: None,
        resolution: None,
    }
}

/// The path of a `file:` URI (percent-decoded), as diagnostics and `explain` name the file;
/// any other URI as it is written.
pub fn name_of(uri: &Uri) -> String {
    let s = uri.as_str();
    let Some(rest) = s.strip_prefix("file://") else {
        return s.to_string();
    };
    // `file:///path` (no host) or `file://host/path`.
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().expect("a URI")
    }

    #[test]
    fn file_uris_are_paths() {
        assert_eq!(
            name_of(&uri("file:///tmp/a%20b/heat.pde")),
            "/tmp/a b/heat.pde"
        );
        assert_eq!(name_of(&uri("file://host/x.pde")), "/x.pde");
        assert_eq!(name_of(&uri("untitled:Untitled-1")), "untitled:Untitled-1");
        // `%C3%A9` is `é`, `%25` a `%`.
        assert_eq!(name_of(&uri("file:///r%C3%A9/%25.pde")), "/ré/%.pde");
    }

    #[test]
    fn changes_apply_in_order() {
        let mut d = Document::new(uri("file:///t.pde"), 1, "const a = 1\n".into());
        assert!(d.analysis.compiled.is_some());
        let at = |l, c| Position::new(l, c);
        d.change(
            2,
            vec![
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(at(0, 6), at(0, 7))),
                    range_length: None,
                    text: "bb".into(),
                },
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(at(0, 13), at(0, 13))),
                    range_length: None,
                    text: "0".into(),
                },
            ],
        );
        assert_eq!(d.text, "const bb = 10\n");
        assert_eq!(d.version, 2);
        d.change(
            3,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "x".into(),
            }],
        );
        assert_eq!(d.text, "x");
        assert!(d.analysis.diags.has_errors());
    }

    #[test]
    fn a_text_over_the_limit_is_refused_with_the_loaders_diagnostic() {
        let big = "// x\n".repeat(1 + pdec_lang::limits::Limit::ProblemBytes.get_usize() / 5);
        let a = analyse("/big.pde", &big);
        assert!(a.compiled.is_none());
        let codes: Vec<&str> = a.diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["pdec::load::too_large"]);
    }
}
