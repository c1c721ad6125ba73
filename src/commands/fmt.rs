//! `pdec fmt FILE [--check]`: prints a problem file in the canonical layout of
//! [`pdec_lang::fmt`], or (with `--check`) points at the first line that differs.

use crate::commands::report::{internal, print_diags, print_one};
use pdec_lang::diag::render::Format;
use std::path::Path;

/// `pdec fmt FILE [--check]`.
pub fn execute(path: &Path, check: bool, format: Format) -> i32 {
    let source = match pdec_lang::loader::read_file(path) {
        Ok(s) => s,
        Err(d) => {
            print_one(*d, format);
            return 1;
        }
    };
    let mut map = pdec_lang::source::SourceMap::default();
    let id = map.add(source.name.clone(), source.text.clone());
    let mut diags = pdec_lang::diag::Diags::default();
    pdec_lang::syntax::parse(id, map.get(id), &mut diags);
    if diags.has_errors() {
        print_diags(&diags, &map, format, "nothing was formatted");
        return 1;
    }
    let out = match pdec_lang::fmt::format(&source.text) {
        Ok(o) => o,
        Err(why) => {
            print_one(internal(&format!("`pdec fmt`: {why}")), format);
            return 2;
        }
    };
    if !check {
        print!("{out}");
        return 0;
    }
    match pdec_lang::fmt::first_difference(&source, &out) {
        None => 0,
        Some((range, expected)) => {
            let mut diags = pdec_lang::diag::Diags::default();
            diags.push(
                pdec_lang::diag::Diag::error(
                    "pdec::fmt::not_formatted",
                    format!("`{}` is not in the canonical layout", source.name),
                )
                .primary(
                    pdec_lang::source::Span::new(id, range.start, range.end),
                    match expected {
                        Some(e) if e.is_empty() => {
                            "the canonical layout has a blank line here".to_string()
                        }
                        Some(e) => format!("the canonical layout has `{e}`"),
                        None => "the canonical layout ends before this line".to_string(),
                    },
                )
                .help(format!(
                    "`pdec fmt {}` prints the file in the canonical layout",
                    path.display()
                )),
            );
            print_diags(&diags, &map, format, "");
            1
        }
    }
}
