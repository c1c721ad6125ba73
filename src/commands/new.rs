//! `pdec new NAME --template heat|burgers|american|poisson`: commented starter problems.
//! The templates are `.pde` files under `templates/`, embedded with `include_str!`; each
//! checks clean, trains, and is in the canonical layout of `pdec fmt` (tests pin all three).

use crate::commands::report::print_one;
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use std::path::{Path, PathBuf};

/// `--template`: the starter problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    /// The heat equation on [0, 1] with its closed form.
    Heat,
    /// Viscous Burgers' equation on [-1, 1].
    Burgers,
    /// An American put: a backward equation with a free boundary.
    American,
    /// Poisson's equation in the unit square (no time variable).
    Poisson,
}

impl Template {
    /// Every template.
    pub const ALL: [Template; 4] = [
        Template::Heat,
        Template::Burgers,
        Template::American,
        Template::Poisson,
    ];

    /// The template's name on the command line and its file's stem.
    pub fn name(self) -> &'static str {
        match self {
            Template::Heat => "heat",
            Template::Burgers => "burgers",
            Template::American => "american",
            Template::Poisson => "poisson",
        }
    }

    /// The template file's text as written under `templates/`.
    pub fn text(self) -> &'static str {
        match self {
            Template::Heat => include_str!("../../templates/heat.pde"),
            Template::Burgers => include_str!("../../templates/burgers.pde"),
            Template::American => include_str!("../../templates/american.pde"),
            Template::Poisson => include_str!("../../templates/poisson.pde"),
        }
    }
}

/// The template's text for the file `STEM.pde`: its `problem` named after the file when that
/// is a valid problem name, and the commands in its comments naming the file.
pub fn instantiate(t: Template, stem: &str) -> String {
    // The commands in the comments name the file.
    let text = t
        .text()
        .replace(&format!("{}.pde", t.name()), &format!("{stem}.pde"));
    let valid = stem.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !pdec_lang::syntax::is_keyword(stem);
    let old = format!("\nproblem {}\n", t.name());
    if valid && text.contains(&old) {
        text.replacen(&old, &format!("\nproblem {stem}\n"), 1)
    } else {
        text
    }
}

/// `NAME` -> `NAME.pde` (a name that already ends in `.pde` is kept).
pub fn file_name(name: &Path) -> PathBuf {
    if name.extension().is_some_and(|e| e == "pde") {
        name.to_path_buf()
    } else {
        let mut s = name.as_os_str().to_os_string();
        s.push(".pde");
        PathBuf::from(s)
    }
}

/// Writes `NAME.pde` from `template`; never overwrites a file.
pub fn execute(name: &Path, template: Template, format: Format) -> i32 {
    let path = file_name(name);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = instantiate(template, &stem);
    match crate::run::write_new(&path, text.as_bytes()) {
        Ok(()) => {
            println!(
                "wrote {} (template {}); next: `pdec check {0}`, `pdec explain {0}`, `pdec solve {0}`",
                path.display(),
                template.name()
            );
            0
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            print_one(
                Diag::error(
                    "pdec::cli::file_exists",
                    format!("`{}` already exists", path.display()),
                )
                .help("`pdec new` never overwrites a file: choose another name or remove it"),
                format,
            );
            1
        }
        Err(e) => {
            print_one(
                Diag::error(
                    "pdec::run::io",
                    format!("cannot write `{}`: {e}", path.display()),
                )
                .help("check that the folder exists and is writable"),
                format,
            );
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_is_named_after_the_file_when_it_can_be() {
        assert!(instantiate(Template::Heat, "rod").contains("\nproblem rod\n"));
        assert!(instantiate(Template::Heat, "my-rod").contains("\nproblem heat\n"));
        assert!(instantiate(Template::Heat, "solve").contains("\nproblem heat\n"));
        assert_eq!(file_name(Path::new("a/rod")), PathBuf::from("a/rod.pde"));
        assert_eq!(file_name(Path::new("rod.pde")), PathBuf::from("rod.pde"));
    }
}
