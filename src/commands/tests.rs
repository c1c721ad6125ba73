//! The commands' shared printing: an internal error is a coded diagnostic in both formats.

use super::report::internal;
use pdec_lang::diag::Diags;
use pdec_lang::diag::render::{self, Format};
use pdec_lang::source::SourceMap;

/// No user input can cause an internal error (that is what makes it one), so its diagnostic
/// is checked here: a JSON line with its code under `--message-format json`, the message and
/// the hint in the human format.
#[test]
fn an_internal_error_is_a_coded_diagnostic_in_both_formats() {
    let mut diags = Diags::default();
    diags.push(internal("an invariant failed"));
    let json = render::render_all(&diags, &SourceMap::default(), Format::Json, "");
    let first = json.lines().next().expect("a line");
    let v: serde_json::Value = serde_json::from_str(first).expect("a JSON line");
    assert_eq!(v["code"], "pdec::run::internal", "{json}");
    let human = render::render_all(
        &diags,
        &SourceMap::default(),
        Format::Human {
            color: false,
            width: 200,
        },
        "",
    );
    assert!(
        human.contains("internal error in pdec: an invariant failed"),
        "{human}"
    );
    assert!(human.contains("this is a bug"), "{human}");
}
