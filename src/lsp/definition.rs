//! Go to definition: from a use of a `const`, `fn`, `param`, input variable, the unknown, a
//! function parameter or an index variable to the name that declares it in the document
//! (`pdec_lang::resolve::index`). A std function is declared in a module embedded in the
//! binary, with no file to open: its hover shows the declaration instead.

use super::documents::Document;
use lsp_types::Location;
use pdec_lang::resolve::index::{declaration, name_at};
use pdec_lang::source::FileId;

pub fn definition(doc: &Document, offset: usize) -> Option<Location> {
    let compiled = doc.analysis.compiled.as_ref()?;
    let res = doc.analysis.resolution.as_ref()?;
    let named = name_at(&compiled.program, res, FileId(0), offset)?;
    let span = declaration(&compiled.program, named.res?, named.module)?;
    (span.file == FileId(0)).then(|| {
        Location::new(
            doc.uri.clone(),
            doc.range(span.start as usize..span.end as usize),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn a_use_goes_to_its_declaration_and_a_builtin_nowhere() {
        let src = "use std::finance::{call}\nconst K = 1\ntime t in [0, 1]\nspace x in [0, 2]\n\
            unknown u(t, x)\npde d(u, t) = d(u, x, x) + call(x, K)\n";
        let doc = Document::new("file:///d.pde".parse().expect("uri"), 1, src.into());
        let at = |needle: &str| src.find(needle).expect("there");
        let k = definition(&doc, at("K)")).expect("K is declared");
        assert_eq!(
            k.range,
            Range::new(Position::new(1, 6), Position::new(1, 7))
        );
        assert_eq!(k.uri, doc.uri);
        assert_eq!(definition(&doc, at("d(u, t)")), None);
        assert_eq!(
            definition(&doc, at("call(x")),
            None,
            "std::finance has no file"
        );
    }
}
