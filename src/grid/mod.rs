//! Grid and slice specifications for `pdec export --grid` and `pdec plot --slice`, e.g.
//! `t = 0..1:101, x = -1..1:201, x[2..] = 1, nu = 0.05`, and the points they describe.
//!
//! An item is `TARGET = VALUE`. A target is a time, space or parameter variable of the
//! problem; a vector space variable takes 1-based component ranges, inclusive like the
//! language's index ranges: `x[2]`, `x[2..]`, `x[..3]`, `x[2..4]` (`x` alone is every
//! component). A value is a number (the coordinate is fixed) or a range `lo..hi` with an
//! optional point count `lo..hi:n` (the coordinate varies on a grid axis). A range over
//! several components is one axis along their diagonal (all equal).
//!
//! Parsing ([`parse`]) is independent of the problem; [`resolve`] binds a spec to a problem's
//! input columns and gives a [`Layout`]: grid axes and, for each input column, a fixed value
//! or an affine function of one axis.
//!
//! Files: `parse.rs` (the text to [`Item`]s), `inputs.rs` (a problem's input columns and their
//! names), `resolve.rs` (items bound to a problem: a [`Layout`]), `layout.rs` (axes, rules and
//! the points they describe); this file has the command a spec belongs to and its errors.

mod inputs;
mod layout;
mod parse;
mod resolve;
#[cfg(test)]
mod tests;

pub use inputs::{ColKind, InputCol, input_columns};
pub use layout::{Axis, Layout, Rule};
pub use parse::{Index, Item, Value, parse};
pub use resolve::{plot_points, resolve};

use pdec_lang::diag::Diag;

/// Which command a spec belongs to: picks the diagnostic codes and the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `pdec plot --slice`: unnamed coordinates vary (or take the diagonal).
    Plot,
    /// `pdec export --grid`: every time and space variable must be named.
    Export,
}

/// Points per axis when a range has no `:n`.
pub const DEFAULT_POINTS: usize = 101;
/// The most points one spec may describe (bounds memory; 2e7 points is about 1.3 GB of f64
/// in a 8-column problem): `--limit grid_points=N`.
pub fn max_points() -> usize {
    pdec_lang::limits::Limit::GridPoints.get_usize()
}

/// A spec's parse or resolution error: message and help; the caller picks the code.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub kind: ErrorKind,
    pub message: String,
    pub help: String,
}

/// What kind of mistake a spec has: it picks the diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed text, a bad range or count, a duplicate.
    Syntax,
    /// A name that is not an input of the problem.
    UnknownVariable,
    /// A time or space variable the export grid does not name.
    Missing,
}

impl SpecError {
    fn syntax(message: impl Into<String>, help: impl Into<String>) -> SpecError {
        SpecError {
            kind: ErrorKind::Syntax,
            message: message.into(),
            help: help.into(),
        }
    }

    /// The diagnostic with the code of `purpose`'s command.
    pub fn diag(&self, purpose: Purpose) -> Diag {
        let code = match (purpose, self.kind) {
            (Purpose::Plot, ErrorKind::UnknownVariable) => "pdec::plot::unknown_variable",
            (Purpose::Plot, _) => "pdec::plot::bad_slice",
            (Purpose::Export, ErrorKind::UnknownVariable) => "pdec::export::unknown_variable",
            (Purpose::Export, ErrorKind::Missing) => "pdec::export::missing_coordinate",
            (Purpose::Export, ErrorKind::Syntax) => "pdec::export::bad_grid",
        };
        Diag::error(code, self.message.clone()).help(self.help.clone())
    }
}
