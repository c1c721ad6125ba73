//! Completion. Inside a `solve { }` block: the settings' keys (`settings::TABLE`, with their
//! defaults and notes). Elsewhere: the language's keywords (`syntax::KEYWORDS`, the list the
//! grammar's test keeps in step), the built-in functions and constants (`builtins::BUILTINS`),
//! the std library's functions and constants (its modules' own declarations), and the names
//! the document declares. The editor filters them by what is typed.

use super::documents::Document;
use super::hover::declaration_text;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionItemLabelDetails, Documentation, MarkupContent,
    MarkupKind,
};
use pdec_lang::builtins::{BUILTINS, Namespace};
use pdec_lang::diag::Diags;
use pdec_lang::settings::{Dot, TABLE};
use pdec_lang::source::{SourceFile, SourceMap};
use pdec_lang::std_lib;
use pdec_lang::syntax::ast::{Item, ItemKind};
use pdec_lang::syntax::{self, KEYWORDS};

/// What is offered whatever the document holds, built once.
pub struct Library {
    words: Vec<CompletionItem>,
    settings: Vec<CompletionItem>,
}

impl Library {
    pub fn new() -> Library {
        let mut words: Vec<CompletionItem> = KEYWORDS
            .iter()
            .map(|k| item(k, CompletionItemKind::KEYWORD, None, None))
            .collect();
        for b in BUILTINS {
            let kind = match b.namespace {
                Namespace::Callable => CompletionItemKind::FUNCTION,
                Namespace::Value => CompletionItemKind::CONSTANT,
            };
            words.push(item(
                b.name,
                kind,
                Some(b.signature.to_string()),
                Some(format!("{} (built in)", b.doc)),
            ));
        }
        for m in std_lib::MODULES {
            let mut sources = SourceMap::default();
            let file = sources.add(std_lib::display_path(m.name), m.text);
            let source = SourceFile {
                name: std_lib::display_path(m.name),
                text: m.text.to_string(),
            };
            let ast = syntax::parse(file, &source, &mut Diags::default());
            for it in &ast.items {
                let Some((name, kind)) = declared(it) else {
                    continue;
                };
                let import = match m.name {
                    "prelude" => "always in scope".to_string(),
                    module => format!("use std::{module}::{{{name}}}"),
                };
                words.push(item(
                    name,
                    kind,
                    Some(signature(sources.text(it.span))),
                    Some(format!(
                        "```pde\n{}\n```\n\nfrom `std::{}` ({import})",
                        declaration_text(&sources, it),
                        m.name
                    )),
                ));
            }
        }
        let settings = TABLE
            .iter()
            .map(|k| {
                let dotted = match k.dot {
                    Dot::No => String::new(),
                    _ => format!(" (also `{}.NAME`)", k.name),
                };
                item(
                    k.name,
                    CompletionItemKind::PROPERTY,
                    Some(format!("default {}{dotted}", k.default.replace('`', ""))),
                    Some(k.doc.to_string()).filter(|d| !d.is_empty()),
                )
            })
            .collect();
        Library { words, settings }
    }

    /// The completions at byte `offset` of the document.
    pub fn complete(&self, doc: &Document, offset: usize) -> Vec<CompletionItem> {
        if in_solve_block(&doc.text, offset) {
            return self.settings.clone();
        }
        let mut out = self.words.clone();
        if let Some(c) = &doc.analysis.compiled {
            let sources = &c.program.sources;
            for it in &c.program.user().ast.items {
                if let Some((name, kind)) = declared(it) {
                    out.push(item(
                        name,
                        kind,
                        Some(signature(sources.text(it.span))),
                        Some(format!("```pde\n{}\n```", declaration_text(sources, it))),
                    ));
                }
            }
        }
        out
    }
}

/// The name an item declares and its kind of completion.
fn declared(it: &Item) -> Option<(&str, CompletionItemKind)> {
    Some(match &it.kind {
        ItemKind::Fn { name, .. } => (&name.text, CompletionItemKind::FUNCTION),
        ItemKind::Const { name, .. } => (&name.text, CompletionItemKind::CONSTANT),
        ItemKind::Param { name, .. }
        | ItemKind::Time { name, .. }
        | ItemKind::Space { name, .. }
        | ItemKind::Unknown { name, .. }
        | ItemKind::Coefficient { name, .. } => (&name.text, CompletionItemKind::VARIABLE),
        _ => None?,
    })
}

/// A declaration's head: its first line, up to ` =` (`fn call(s, k)`, `param nu in [0, 1]`).
fn signature(statement: &str) -> String {
    let first = statement.lines().next().unwrap_or("");
    first.split(" =").next().unwrap_or(first).trim().to_string()
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        label_details: detail.as_ref().map(|d| CompletionItemLabelDetails {
            detail: None,
            description: Some(d.clone()),
        }),
        detail,
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..CompletionItem::default()
    }
}

/// Whether byte `offset` is inside a `solve { }` block: the statement it is in (from the
/// last line before it that starts in column 0 with a keyword) is `solve`, and its braces
/// are still open there (comments left out).
fn in_solve_block(text: &str, offset: usize) -> bool {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let mut start = before.len();
    for line in before.rsplit('\n') {
        start -= line.len();
        let word_len = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(line.len());
        let word = &line[..word_len];
        if KEYWORDS.contains(&word) {
            if word != "solve" {
                return false;
            }
            let open: i64 = before[start..]
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .map(|l| l.matches('{').count() as i64 - l.matches('}').count() as i64)
                .sum();
            return open > 0;
        }
        start = start.saturating_sub(1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solve_block_is_found_by_its_statement_and_braces() {
        let text = "const a = 1\nsolve {\n  steps = 10\n  \n}\npde x = 0\n";
        let at = |needle: &str| text.find(needle).expect("there");
        assert!(!in_solve_block(text, at("a = 1")));
        assert!(in_solve_block(text, at("steps")));
        assert!(in_solve_block(text, at("  \n}")));
        assert!(!in_solve_block(text, at("x = 0")));
        assert!(!in_solve_block(text, at("\npde")));
        assert!(in_solve_block("solve { steps = 1, ", 19));
        assert!(!in_solve_block("solve { steps = 1 } ", 20));
        assert!(!in_solve_block("solve // {\n", 11));
        assert!(!in_solve_block("", 0));
        assert!(!in_solve_block("é", 1));
    }

    #[test]
    fn the_library_has_keywords_builtins_std_and_settings() {
        let lib = Library::new();
        let has = |v: &[CompletionItem], label: &str, kind| {
            v.iter().any(|i| i.label == label && i.kind == Some(kind))
        };
        assert!(has(&lib.words, "boundary", CompletionItemKind::KEYWORD));
        assert!(has(&lib.words, "lap", CompletionItemKind::FUNCTION));
        assert!(has(&lib.words, "pi", CompletionItemKind::CONSTANT));
        assert!(has(&lib.words, "normal_cdf", CompletionItemKind::FUNCTION));
        assert!(has(&lib.words, "bs_call", CompletionItemKind::FUNCTION));
        assert!(has(&lib.settings, "steps", CompletionItemKind::PROPERTY));
        assert_eq!(lib.settings.len(), TABLE.len());
        let call = lib.words.iter().find(|i| i.label == "call").expect("call");
        assert_eq!(call.detail.as_deref(), Some("fn call(s, k)"));
    }
}
