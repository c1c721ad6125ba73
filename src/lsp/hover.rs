//! Hover. On a name: its declaration as written (the statement, with the comment lines just
//! above it), from the user's file or the std module it comes from; a built-in's signature
//! and doc. On a setting's key in `solve { }`: its default and notes. Elsewhere on a `pde`, condition or constraint statement: what `pdec explain` says
//! of its loss term (`pdec_lang::explain::statement`: path, factor, work per point), or that
//! the problem has no plan while it has errors.

use super::documents::Document;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};
use pdec_lang::builtins::BUILTINS;
use pdec_lang::driver::Compiled;
use pdec_lang::resolve::index::{declaration, name_at};
use pdec_lang::resolve::{ModuleKind, Program, Res};
use pdec_lang::settings::{Dot, TABLE};
use pdec_lang::source::{FileId, SourceMap, Span};
use pdec_lang::syntax::ast::{Boundary, Item, ItemKind, Setting};

/// Lines of a declaration shown at most.
const MAX_LINES: usize = 12;

pub fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let compiled = doc.analysis.compiled.as_ref()?;
    if let Some(res) = &doc.analysis.resolution
        && let Some(named) = name_at(&compiled.program, res, FileId(0), offset)
        && let Some(r) = named.res
        && let Some(text) = name(&compiled.program, r, named.module)
    {
        return Some(markdown(
            text,
            doc.range(named.span.start as usize..named.span.end as usize),
        ));
    }
    let item = compiled
        .program
        .user()
        .ast
        .items
        .iter()
        .find(|i| i.span.start as usize <= offset && offset <= i.span.end as usize)?;
    let text = match &item.kind {
        ItemKind::Solve(settings) => setting(settings, offset)?,
        _ => term(doc, compiled, item)?,
    };
    Some(markdown(
        text,
        doc.range(item.span.start as usize..item.span.end as usize),
    ))
}

fn markdown(value: String, range: lsp_types::Range) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    }
}

/// What a name refers to, in markdown.
fn name(program: &Program, r: Res, module: usize) -> Option<String> {
    match r {
        Res::Builtin(b) => {
            let info = BUILTINS.iter().find(|i| i.builtin == b)?;
            Some(format!(
                "```pde\n{}\n```\n{} (built in)",
                info.signature, info.doc
            ))
        }
        Res::Item(i) => {
            let m = &program.modules[i.module];
            let text = declaration_text(&program.sources, program.item(i));
            let from = match m.kind {
                ModuleKind::Std => format!("\n\nfrom `std::{}`", m.name),
                ModuleKind::User => String::new(),
            };
            Some(format!("```pde\n{text}\n```{from}"))
        }
        Res::Local(_) => {
            let at = declaration(program, r, module)?;
            let m = &program.modules[module];
            let item = m.ast.items.iter().find(|i| inside(at, i.span))?;
            let what = match &item.kind {
                ItemKind::Fn { name, params, .. } if params.iter().any(|p| p.span == at) => {
                    format!("parameter of `{}`", name.text)
                }
                _ => "index variable".to_string(),
            };
            Some(format!(
                "{what}\n```pde\n{}\n```",
                declaration_text(&program.sources, item)
            ))
        }
    }
}

fn inside(s: Span, outer: Span) -> bool {
    s.file == outer.file && outer.start <= s.start && s.end <= outer.end
}

/// A statement as written, after the `//` comment lines just above it, at most
/// [`MAX_LINES`] lines.
pub(super) fn declaration_text(sources: &SourceMap, item: &Item) -> String {
    let text = &sources.get(item.span.file).text;
    let before = text.get(..item.span.start as usize).unwrap_or("");
    let mut comments: Vec<&str> = Vec::new();
    // The lines above, nearest first; the first is the statement's own line's start.
    for line in before.rsplit('\n').skip(1) {
        let t = line.trim();
        if !t.starts_with("//") {
            break;
        }
        comments.push(t);
    }
    comments.reverse();
    let body = sources.text(item.span);
    let mut lines: Vec<&str> = comments.into_iter().chain(body.lines()).collect();
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        lines.push("...");
    }
    lines.join("\n")
}

/// A setting's key in a `solve { }` block: its default and notes (`settings::TABLE`).
fn setting(settings: &[Setting], offset: usize) -> Option<String> {
    let s = settings
        .iter()
        .find(|s| s.key_span.start as usize <= offset && offset <= s.key_span.end as usize)?;
    let name = s.key.first()?;
    let key = TABLE.iter().find(|k| k.name == name)?;
    let (default, doc) = match (&key.dot, s.key.len()) {
        (Dot::Setting { default, doc }, 2) => (*default, *doc),
        _ => (key.default, key.doc),
    };
    // The table's cells are markdown already, as `docs/LANGUAGE.md` shows them.
    Some(format!("`{}`: default {default}\n\n{doc}", s.key.join(".")))
}

/// What `pdec explain` says of a `pde`, condition or constraint statement.
fn term(doc: &Document, compiled: &Compiled, item: &Item) -> Option<String> {
    let condition = match &item.kind {
        ItemKind::Pde { .. } | ItemKind::Constraint { .. } => false,
        ItemKind::Initial(_)
        | ItemKind::Terminal(_)
        | ItemKind::Periodic(_)
        | ItemKind::Boundary(Boundary::Locus(_)) => true,
        _ => return None,
    };
    let (Some(checked), Some(analysis), Some(plan)) =
        (&compiled.checked, &compiled.analysis, &compiled.plan)
    else {
        let errors = doc.analysis.diags.error_count();
        return Some(format!(
            "`pdec explain`: no training plan while the problem has {errors} error{} (see the diagnostics)",
            if errors == 1 { "" } else { "s" }
        ));
    };
    match pdec_lang::explain::statement(checked, analysis, plan, item.span) {
        Some(text) => Some(format!(
            "`pdec explain` of this statement:\n```text\n{text}```"
        )),
        None if condition && checked.problem.has_ansatz() => Some(
            "`pdec explain`: no loss term, the ansatz imposes this condition exactly".to_string(),
        ),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "// The diffusivity.\nconst k = 0.5\ntime t in [0, 1]\nspace x in [0, 1]\n\
        unknown u(t, x)\nfn g(z) = sin(pi * z)\npde d(u, t) = k * d(u, x, x)\n\
        initial u = g(x)\nboundary on(x): u = 0\n";

    fn text_at(src: &str, needle: &str) -> Option<String> {
        let doc = Document::new("file:///h.pde".parse().expect("uri"), 1, src.into());
        let offset = src.find(needle).expect("in the source");
        hover(&doc, offset).map(|h| match h.contents {
            HoverContents::Markup(m) => m.value,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn names_show_their_declarations() {
        let k = text_at(SRC, "k * d").expect("k");
        assert_eq!(k, "```pde\n// The diffusivity.\nconst k = 0.5\n```");
        let g = text_at(SRC, "g(x)").expect("g");
        assert!(g.contains("fn g(z) = sin(pi * z)"), "{g}");
        let z = text_at(SRC, "z)").expect("z");
        assert!(z.starts_with("parameter of `g`"), "{z}");
        let sin = text_at(SRC, "sin").expect("sin");
        assert!(sin.contains("sin(z)") && sin.contains("built in"), "{sin}");
        let u = text_at(SRC, "u = g").expect("u");
        assert!(u.contains("unknown u(t, x)"), "{u}");
    }

    #[test]
    fn statements_show_what_explain_says() {
        let pde = text_at(SRC, "pde").expect("pde");
        assert!(pde.contains("path: exact"), "{pde}");
        let broken = SRC.replace("const k = 0.5", "const k = 0.5 * q");
        let pde = text_at(&broken, "pde").expect("pde");
        assert!(pde.contains("no training plan"), "{pde}");
        assert_eq!(text_at(SRC, "time"), None);
        let src = format!("{SRC}solve {{\n  steps = 10\n  sampling.x = arcsine\n}}\n");
        let steps = text_at(&src, "steps").expect("a key");
        assert!(steps.starts_with("`steps`: default 10000\n"), "{steps}");
        let law = text_at(&src, "sampling.x").expect("a dotted key");
        assert!(law.starts_with("`sampling.x`: default `uniform`"), "{law}");
        assert_eq!(text_at(&src, "10\n"), None);
    }
}
