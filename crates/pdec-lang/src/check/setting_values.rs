//! Constant expressions in `solve { }` and `--set`: a setting's value may use the language's
//! constants, arithmetic and functions (`time_limit = 5 * 60`, `sd = 0.2 * sqrt(T)`,
//! `center = x0`, a point `center = [1, x0]`). Before the settings are read, each part of a
//! value that is a constant expression is folded to a number (a vector to a list of numbers);
//! words (`none`, `tanh`) and call forms (`normal(center = ..., sd = ...)`) stay as written,
//! their arguments folded in turn, so the settings' own parsers see numbers and words only.
//!
//! Names in settings are looked up by their text among the user file's top-level names
//! (`Resolution::top_value`): settings are not resolved with the file, and `--set` values come
//! from no file of the program.

use super::Checker;
use super::expr::{Ctx, Env};
use crate::diag::Diag;
use crate::ir::eval;
use crate::resolve::Res;
use crate::syntax::ast::{Arg, Expr, ExprKind, Ident, ItemKind, Setting};

/// The place, for messages: "a setting must be known before training, but it uses `x`".
const SETTING: Ctx = Ctx {
    what: "a setting",
    ..Ctx::CONST
};

impl Checker<'_> {
    /// The settings with their constant expressions folded; a setting whose value is an
    /// expression that fails to evaluate is reported here and left out.
    pub(super) fn fold_settings(&mut self, settings: &[Setting]) -> Vec<Setting> {
        settings
            .iter()
            .filter_map(|s| {
                let value = self.fold_value(&s.value)?;
                Some(Setting { value, ..s.clone() })
            })
            .collect()
    }

    /// `e` with its constant parts folded; `None` when a part that must be a constant
    /// expression failed (reported).
    fn fold_value(&mut self, e: &Expr) -> Option<Expr> {
        let kind = match &e.kind {
            ExprKind::Number(_) => return Some(e.clone()),
            // A word unless it names a constant: `none`, `uniform`, `f64`.
            ExprKind::Name(n) if self.top_value(&n.text).is_none() => return Some(e.clone()),
            ExprKind::Call { callee, args } if !self.is_function(&callee.text) => {
                let args = args
                    .iter()
                    .map(|a| {
                        Some(Arg {
                            name: a.name.clone(),
                            value: self.fold_value(&a.value)?,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                ExprKind::Call {
                    callee: callee.clone(),
                    args,
                }
            }
            ExprKind::List(items) => ExprKind::List(
                items
                    .iter()
                    .map(|i| self.fold_value(i))
                    .collect::<Option<Vec<_>>>()?,
            ),
            _ => return self.constant(e),
        };
        Some(Expr { kind, span: e.span })
    }

    /// Whether `name` is a function of the file or a built-in one (`sqrt(2)` is arithmetic;
    /// `mlp(...)` is a setting's call form).
    fn is_function(&self, name: &str) -> bool {
        self.res.top_callable(name).is_some()
    }

    /// A constant expression folded to a number or a list of numbers.
    fn constant(&mut self, e: &Expr) -> Option<Expr> {
        let env = Env {
            by_name: true,
            ..Env::default()
        };
        let errors = self.diags.error_count();
        let node = self.lower(e, &env, SETTING)?;
        let Some(value) = eval::leaf(&self.g, node).filter(|v| v.layout.axes.is_empty()) else {
            // Index variables left free (`sum` without its binder): not one value.
            if self.diags.error_count() == errors {
                self.diags.push(
                    Diag::error(
                        "pdec::check::expected_scalar",
                        "a setting must be a number or a point",
                    )
                    .primary(e.span, "not a constant value")
                    .help("give a number, a constant, or a point `[a, b]`"),
                );
            }
            return None;
        };
        let number = |v: f64| Expr {
            kind: ExprKind::Number(v),
            span: e.span,
        };
        Some(match value.layout.dims.as_slice() {
            [] => number(value.data[0]),
            _ => Expr {
                kind: ExprKind::List(value.data.iter().map(|v| number(*v)).collect()),
                span: e.span,
            },
        })
    }

    /// A value name of the user's file by its text: its items and the built-in constants,
    /// and its functions of no arguments (`fn k = ...`, used as `k`).
    fn top_value(&self, name: &str) -> Option<Res> {
        self.res.top_value(name).or_else(|| {
            self.res.top_callable(name).filter(|r| match r {
                Res::Item(i) => {
                    matches!(&self.program.item(*i).kind, ItemKind::Fn { params, .. } if params.is_empty())
                }
                _ => false,
            })
        })
    }

    /// A name in a setting's value (`callee`: called), looked up by its text; an unknown one
    /// is reported.
    pub(super) fn setting_name(&mut self, n: &Ident, callee: bool) -> Option<Res> {
        let found = if callee {
            self.res.top_callable(&n.text)
        } else {
            self.top_value(&n.text)
        };
        if found.is_none() {
            let (what, help) = if callee {
                (
                    "function",
                    format!("define it, e.g. `fn {}(z) = ...`", n.text),
                )
            } else {
                ("name", format!("declare it, e.g. `const {} = ...`", n.text))
            };
            self.diags.push(
                Diag::error(
                    if callee {
                        "pdec::resolve::unknown_function"
                    } else {
                        "pdec::resolve::unknown_name"
                    },
                    format!("unknown {what} `{}`", n.text),
                )
                .primary(n.span, "not declared")
                .help(help),
            );
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Diags;
    use crate::settings::{Center, Sampling, Settings};
    use crate::source::SourceFile;

    const PROBLEM: &str = "const x0 = 0.5\nconst T = 2\nfn width = 0.1 * sqrt(T)\n\
        time t in [0, T]\nspace x in [-1, 1]^2\nunknown u(t, x)\npde d(u, t) = lap(u)\n\
        initial u = 0\nboundary on(x): u = 0\n";

    fn settings(solve: &str, sets: &[&str]) -> (Option<Settings>, Diags) {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: format!("{PROBLEM}solve {{\n{solve}\n}}\n"),
            },
            &sets,
        );
        (c.checked.map(|c| c.settings), c.diags)
    }

    #[test]
    fn settings_take_constants_arithmetic_and_points() {
        let (s, d) = settings(
            "time_limit = 5 * 60\nlr = 1e-3 / T\n\
             sampling = normal(center = [x0, -x0], sd = width, uniform = 1 / 4)",
            &["steps=10 * T"],
        );
        assert!(!d.has_errors(), "{d:#?}");
        let s = s.expect("settings");
        assert_eq!(s.run.time_limit, Some(300.0));
        assert_eq!((s.run.lr, s.run.steps), (5e-4, 20));
        let Sampling::Law {
            center,
            sd,
            uniform,
            ..
        } = s.plan.sampling
        else {
            panic!("a law")
        };
        assert_eq!(center, Center::Point(vec![0.5, -0.5]));
        assert!((sd - 0.1 * 2f64.sqrt()).abs() < 1e-15 && uniform == 0.25);
    }

    #[test]
    fn words_stay_words_and_inputs_are_refused() {
        let (s, d) = settings("polish = lbfgs(steps = 2 * 50, time_limit = none)", &[]);
        assert!(!d.has_errors(), "{d:#?}");
        assert_eq!(s.expect("settings").run.polish.expect("polish").steps, 100);
        let (_, d) = settings("time_limit = 60 * t", &[]);
        assert_eq!(d.error_count(), 1, "{d:#?}");
        let (_, d) = settings("time_limit = 60 * minutes", &[]);
        let text = format!("{d:?}");
        assert!(text.contains("unknown name `minutes`"), "{text}");
        let (_, d) = settings("sampling = normal(center = [1, 2, 3], sd = 1)", &[]);
        assert!(format!("{d:?}").contains("center_dimension"), "{d:#?}");
    }
}
