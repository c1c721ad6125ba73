//! What to say about a name that is declared nowhere: a suggestion of the kind its position
//! wants, in a fixed order, and never one that would silently change what the problem means.
//!
//! - Candidates come in declaration order: the file's own items as written, then std's (the
//!   prelude and imports, by module and item), then the builtins in `builtins::BUILTINS`'s
//!   order (so `sinn` gets `sin`, not `sinh` or `sign`). Index variables and function
//!   parameters in reach come first, innermost first.
//! - The position decides the kinds: the first argument of `d`, `grad`, `lap`, `hess`, `dn`
//!   takes the unknown (and a bare name on the left of an equation is most likely it); their
//!   other arguments take the time and space variables; a call takes functions, before the
//!   unknown; any other value prefers constants and parameters.
//! - A time or space variable or the unknown is never offered as a plain "did you mean" for a
//!   value: an undeclared `T` beside the time variable `t` is most likely a constant, and
//!   replacing it by `t` would change the problem without a word. The help names the variable
//!   and shows how to declare the constant instead.

use super::scope::{Kind, Scope, in_declaration_order};
use super::{Program, Res};
use crate::builtins::{self, Builtin, Namespace};
use crate::diag::suggest::closest;
use crate::syntax::ast::NameId;

/// What a name's position takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// A value anywhere in an expression.
    Value,
    /// The first argument of a derivative operator: the unknown.
    Differentiated,
    /// A bare name on the left of an equation: most likely the unknown.
    LeftSide,
    /// The other arguments of a derivative operator, and the unknown's declared arguments:
    /// a time or space variable.
    Variable,
}

impl Slot {
    /// The slots of the arguments of a call to `b`: derivative operators take the unknown,
    /// then the variables.
    pub(super) fn of_argument(b: Option<Builtin>, index: usize) -> Slot {
        match b {
            Some(Builtin::D | Builtin::Grad | Builtin::Lap | Builtin::Hess | Builtin::Dn) => {
                if index == 0 {
                    Slot::Differentiated
                } else {
                    Slot::Variable
                }
            }
            _ => Slot::Value,
        }
    }
}

/// What a candidate name is, for the choice among equally close ones and for the wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sort {
    /// A `const`, `param`, index variable, function parameter or builtin value (`pi`).
    Constant,
    Time,
    Space,
    Unknown,
    Function,
}

/// What an undeclared name's help may draw on: the program (for the kinds of items), the
/// module's scope and the locals in reach.
pub(super) struct InReach<'a> {
    pub(super) program: &'a Program,
    pub(super) scope: &'a Scope,
    pub(super) locals: &'a [(String, NameId)],
}

impl InReach<'_> {
    fn sort_of(&self, r: Res) -> Sort {
        match r {
            Res::Local(_) => Sort::Constant,
            Res::Builtin(b) => match builtins::info(b).namespace {
                Namespace::Callable => Sort::Function,
                Namespace::Value => Sort::Constant,
            },
            Res::Item(i) => match Kind::of(&self.program.item(i).kind) {
                Some((Kind::Time, _)) => Sort::Time,
                Some((Kind::Space, _)) => Sort::Space,
                Some((Kind::Unknown, _)) => Sort::Unknown,
                Some((Kind::Fn, _)) => Sort::Function,
                _ => Sort::Constant,
            },
        }
    }

    /// The values in reach, locals first (innermost first), then the scope's values in
    /// declaration order.
    fn values_in_order(&self) -> Vec<(&str, Res)> {
        let mut v: Vec<(&str, Res)> = Vec::new();
        for (n, id) in self.locals.iter().rev() {
            if !v.iter().any(|(m, _)| m == n) {
                v.push((n.as_str(), Res::Local(*id)));
            }
        }
        v.extend(in_declaration_order(&self.scope.values));
        v
    }

    /// The help for an undeclared value `name` in `slot`.
    pub(super) fn unknown_value_help(&self, name: &str, slot: Slot) -> String {
        let declare =
            || format!("declare it, e.g. `const {name} = ...` or `param {name} in [lo, hi]`");
        let values = self.values_in_order();
        let of = |wanted: &[Sort]| -> Vec<(&str, Sort)> {
            values
                .iter()
                .map(|(n, r)| (*n, self.sort_of(*r)))
                .filter(|(_, s)| wanted.contains(s))
                .collect()
        };
        match slot {
            Slot::Differentiated => match of(&[Sort::Unknown]).first() {
                Some((u, _)) => {
                    format!("derivatives are taken of the unknown: did you mean `{u}`?")
                }
                None => format!(
                    "derivatives are taken of the unknown; declare it: `unknown {name}(t, x)`"
                ),
            },
            Slot::Variable => {
                let vars = of(&[Sort::Time, Sort::Space]);
                if let Some((v, s)) = closest(name, vars.iter().copied(), |_| true) {
                    let which = if s == Sort::Time {
                        "the time variable"
                    } else {
                        "the space variable"
                    };
                    format!("did you mean {which} `{v}`?")
                } else if vars.is_empty() {
                    format!("declare it: `space {name} in [lo, hi]` or `time {name} in [lo, hi]`")
                } else {
                    let names: Vec<String> = vars.iter().map(|(v, _)| format!("`{v}`")).collect();
                    format!(
                        "the time and space variables are {}; declare another with `space {name} in [lo, hi]`",
                        names.join(", ")
                    )
                }
            }
            Slot::LeftSide => match closest(name, of(&[Sort::Unknown]), |_| true) {
                Some((u, _)) => format!("did you mean the unknown `{u}`?"),
                None => self.unknown_value_help(name, Slot::Value),
            },
            Slot::Value => {
                let all = of(&[Sort::Constant, Sort::Time, Sort::Space, Sort::Unknown]);
                match closest(name, all.iter().copied(), |s| s == Sort::Constant) {
                    Some((c, Sort::Constant)) => format!("did you mean `{c}`?"),
                    Some((v, s)) => {
                        let case = if v.eq_ignore_ascii_case(name) {
                            " (names are case-sensitive)"
                        } else {
                            ""
                        };
                        format!(
                            "`{v}` is {}{case}; if you meant a constant, declare it: `const {name} = ...`",
                            describe(s)
                        )
                    }
                    None => declare(),
                }
            }
        }
    }

    /// The suggestion for an undeclared function `name`: the closest callable, functions
    /// before the unknown.
    pub(super) fn unknown_callee_suggestion(&self, name: &str) -> Option<String> {
        let callables = in_declaration_order(&self.scope.callables);
        let sorted = callables.iter().map(|(n, r)| (*n, self.sort_of(*r)));
        closest(name, sorted, |s| s == Sort::Function).map(|(c, _)| c.to_string())
    }
}

fn describe(s: Sort) -> &'static str {
    match s {
        Sort::Constant => "a constant",
        Sort::Time => "the time variable",
        Sort::Space => "a space variable",
        Sort::Unknown => "the unknown",
        Sort::Function => "a function",
    }
}
