//! Formatting: the text `pdec fmt` prints ([`pdec_lang::fmt::format`], after the same parse
//! check), as one edit of the whole document. A text that does not parse gets no edit (its
//! diagnostics say why), never a half-formatted document.

use super::documents::Document;
use lsp_types::TextEdit;
use pdec_lang::diag::Diags;

/// `Ok(None)`: nothing to format (the text does not parse, or is too large to load); `Err`:
/// the formatter refused its own result (a bug, reported as such).
pub fn format(doc: &Document) -> Result<Option<Vec<TextEdit>>, String> {
    let Ok(source) = pdec_lang::loader::from_text(String::new(), doc.text.clone()) else {
        return Ok(None);
    };
    let mut map = pdec_lang::source::SourceMap::default();
    let id = map.add(source.name.clone(), source.text.clone());
    let mut diags = Diags::default();
    pdec_lang::syntax::parse(id, map.get(id), &mut diags);
    if diags.has_errors() {
        return Ok(None);
    }
    let out = pdec_lang::fmt::format(&source.text)
        .map_err(|why| format!("internal error in pdec fmt: {why} (this is a bug)"))?;
    if out == doc.text {
        return Ok(Some(Vec::new()));
    }
    Ok(Some(vec![TextEdit::new(doc.lines.whole(&doc.text), out)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document::new("file:///f.pde".parse().expect("uri"), 1, text.into())
    }

    #[test]
    fn the_whole_text_is_replaced_by_the_canonical_layout() {
        let text = "const a=1\nconst bb = 2*a\n";
        let edits = format(&doc(text)).expect("formats").expect("parses");
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].new_text, "const a  = 1\nconst bb = 2 * a\n");
        assert_eq!(edits[0].range.end, lsp_types::Position::new(2, 0));
        let formatted = format(&doc(&edits[0].new_text)).expect("formats");
        assert_eq!(formatted, Some(Vec::new()));
        assert_eq!(format(&doc("const a = (1\n")).expect("no bug"), None);
    }
}
