//! Determinacy in time: an equation of order `k` in time (the most `t`s in one derivative of
//! the unknown: 1 for `d(u, t)`, 2 for `d(u, t, t)`) needs `k` conditions at one end of the
//! time interval, one on each of `u`, ..., the `(k - 1)`-th time derivative (the Cauchy data
//! of the wave equation are `u` and `d(u, t)`). Fewer leave the solution undetermined,
//! more (or one on a derivative the equation itself fixes) over-determine it, and an
//! equation with no time derivative has no initial value problem at all. Each condition's
//! *orders* are the time orders of the unknown's values and derivatives it reads
//! (`initial u = ...`: {0}; `initial d(u, t) + u = 0`: {0, 1}).

use super::Found;
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{Coord, Graph, Input, NodeId, Op};
use crate::source::Span;
use crate::syntax::print;

/// An `initial` or `terminal` statement, as the time checks need it.
pub(super) struct TimeCondition {
    pub(super) terminal: bool,
    pub(super) keyword: Span,
    /// The whole statement.
    pub(super) span: Span,
    /// The time orders it reads (sorted, distinct); `None` when it failed to check.
    pub(super) orders: Option<Vec<usize>>,
}

/// The time orders of the unknown's values and derivatives that `node` reads, sorted and
/// distinct, with the span of the first node of each.
pub(super) fn time_orders(g: &Graph, node: NodeId) -> Vec<(usize, Span)> {
    let mut found: Vec<(usize, Span, NodeId)> = Vec::new();
    let mut stack = vec![node];
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        let op = g.op(n);
        let order = match op {
            Op::U | Op::NormalDeriv => Some(0),
            Op::Deriv(c) => Some(c.iter().filter(|c| **c == Coord::Time).count()),
            _ => None,
        };
        if let Some(o) = order {
            found.push((o, g.node(n).span, n));
        }
        stack.extend(crate::ir::children(op));
    }
    // The first node (in graph order) of each order: the same whatever the walk's order.
    found.sort_by_key(|(o, _, n)| (*o, *n));
    found.dedup_by_key(|(o, _, _)| *o);
    found.into_iter().map(|(o, s, _)| (o, s)).collect()
}

impl Checker<'_> {
    /// The time conditions against the equation's order in time, where time plays a part (a
    /// time variable the unknown depends on). Runs after every statement.
    pub(super) fn time_determinacy(&mut self, s: &Found) {
        let Some(t) = self.time.clone() else { return };
        if !self.unknown_args.contains(&Input::Time) {
            return;
        }
        let Some((pde, _)) = &s.pde else {
            // Without an equation only the count can be checked.
            if s.time_conditions.is_empty() && self.unknown_item.is_some() {
                self.missing_initial(&t.name, t.lo, t.hi, t.span, 1);
            }
            return;
        };
        let pde_orders = time_orders(&self.g, pde.residual);
        let (order, order_span) = pde_orders
            .last()
            .copied()
            .map_or((0, pde.span), |(o, sp)| (o, sp));
        if order == 0 {
            self.no_time_derivative(s, &t.name, t.span, pde.span);
            return;
        }
        if s.time_conditions.is_empty() {
            self.missing_initial(&t.name, t.lo, t.hi, t.span, order);
            return;
        }
        let initial = s.time_conditions.iter().find(|c| !c.terminal);
        let terminal = s.time_conditions.iter().find(|c| c.terminal);
        if let (Some(i), Some(tc)) = (initial, terminal) {
            self.diags.push(
                Diag::error(
                    "pdec::check::initial_and_terminal",
                    "a problem has either initial or terminal conditions, not both",
                )
                .primary(tc.keyword, "terminal condition")
                .secondary(i.keyword, "initial condition")
                .help("a forward equation takes `initial`, a backward one (`d(u, t) + ... = 0`, as in finance) takes `terminal`"),
            );
            return;
        }
        // A condition that failed to check has its own error; what it meant is unknown.
        if s.time_conditions.iter().any(|c| c.orders.is_none()) {
            return;
        }
        self.count_time_conditions(s, order, order_span, &t.name);
    }

    /// Each condition is matched to one order below the equation's: a condition on a higher
    /// derivative, or a second one on an order already given, is extra; an order left
    /// without a condition is missing.
    fn count_time_conditions(&mut self, s: &Found, order: usize, order_span: Span, t: &str) {
        let u = self.unknown_name.clone().unwrap_or_else(|| "u".into());
        let what = |o: usize| derivative_text(&u, t, o);
        let kw = if s.time_conditions[0].terminal {
            "terminal"
        } else {
            "initial"
        };
        let end = self
            .time
            .as_ref()
            .map(|tv| {
                print::format_number(if s.time_conditions[0].terminal {
                    tv.hi
                } else {
                    tv.lo
                })
            })
            .unwrap_or_default();
        let order_text = order_words(order);
        // Pure conditions (one order) first, so that a mixed one takes whatever is left.
        let mut by_purity: Vec<&TimeCondition> = s.time_conditions.iter().collect();
        by_purity.sort_by_key(|c| c.orders.as_ref().map_or(0, Vec::len));
        let mut taken: Vec<Option<Span>> = vec![None; order];
        let mut extra = false;
        for c in by_purity {
            let orders = c.orders.as_deref().unwrap_or(&[]);
            let top = orders.last().copied().unwrap_or(0);
            if top >= order {
                self.diags.push(
                    Diag::error(
                        "pdec::check::extra_time_condition",
                        format!(
                            "the equation is {order_text} in time, so a condition on `{}` at {t} = {end} over-determines it",
                            what(top)
                        ),
                    )
                    .primary(c.span, format!("`{}` at {t} = {end} follows from the equation and the other data", what(top)))
                    .secondary(order_span, format!("the highest time derivative: {order_text}"))
                    .help(format!(
                        "remove this condition: a {} equation takes {}; if the equation should be of higher order in time, write it with `{}`",
                        order_words(order).replace(' ', "-"),
                        needed_list(kw, &u, t, order),
                        what(top + 1)
                    )),
                );
                extra = true;
                continue;
            }
            match orders.iter().find(|o| taken[**o].is_none()) {
                Some(o) => taken[*o] = Some(c.span),
                None => {
                    let first = taken[top].unwrap_or(c.span);
                    let missing: Vec<usize> = (0..order).filter(|o| taken[*o].is_none()).collect();
                    let help = match missing.first() {
                        Some(m) => format!(
                            "give `{}` once; the equation needs `{kw} {} = ...` instead",
                            what(top),
                            what(*m)
                        ),
                        None => format!("keep one condition on `{}` at {t} = {end}", what(top)),
                    };
                    self.diags.push(
                        Diag::error(
                            "pdec::check::extra_time_condition",
                            format!("a second {kw} condition on `{}`", what(top)),
                        )
                        .primary(
                            c.span,
                            format!("`{}` at {t} = {end} is already given", what(top)),
                        )
                        .secondary(first, "first given here")
                        .help(help),
                    );
                    extra = true;
                }
            }
        }
        // An extra condition's help already names what is missing.
        let missing: Vec<usize> = (0..order).filter(|o| taken[*o].is_none()).collect();
        let Some(first_missing) = missing.first().copied().filter(|_| !extra) else {
            return;
        };
        let given: Vec<String> = s
            .time_conditions
            .iter()
            .filter(|c| {
                c.orders
                    .as_ref()
                    .is_some_and(|o| o.last().is_some_and(|t| *t < order))
            })
            .map(|c| {
                let o = c.orders.as_deref().unwrap_or(&[]);
                format!("`{kw} {}`", what(o.last().copied().unwrap_or(0)))
            })
            .collect();
        let last = s.time_conditions.last().map_or(order_span, |c| c.span);
        let example = match first_missing {
            0 => format!("`{kw} {} = ...` (the value at {t} = {end})", what(0)),
            _ => format!(
                "`{kw} {} = ...` (the rate of change at {t} = {end}, e.g. `{kw} {} = 0` for {} at rest)",
                what(first_missing),
                what(first_missing),
                if kw == "terminal" {
                    "an end"
                } else {
                    "a start"
                }
            ),
        };
        self.diags.push(
            Diag::error(
                "pdec::check::missing_time_condition",
                format!(
                    "the equation is {order_text} in time and needs {order} {kw} conditions, on {}; {} given",
                    needed_orders(&u, t, order),
                    if given.is_empty() {
                        "none is".to_string()
                    } else {
                        format!("only {} is", given.join(" and "))
                    }
                ),
            )
            .primary(
                last,
                format!(
                    "the {kw} data end here, with none on `{}`",
                    what(first_missing)
                ),
            )
            .secondary(order_span, format!("{order_text} in time"))
            .help(format!("add {example}")),
        );
    }

    /// The equation reads no time derivative, yet the unknown depends on time.
    fn no_time_derivative(&mut self, s: &Found, t: &str, time_span: Span, pde_span: Span) {
        let u = self.unknown_name.clone().unwrap_or_else(|| "u".into());
        let mut d = Diag::error(
            "pdec::check::no_time_derivative",
            format!("the equation has no derivative in `{t}`, but `{u}` depends on `{t}`"),
        )
        .primary(pde_span, format!("no `d({u}, {t})` in the equation"))
        .secondary(time_span, "time declared here");
        for c in &s.time_conditions {
            d = d.secondary(
                c.span,
                "data the equation cannot take: nothing carries it in time",
            );
        }
        self.diags.push(d.help(format!(
            "if `{u}` evolves in time, add its time derivative (e.g. `pde d({u}, {t}) = ...`); if `{t}` only labels a family of stationary problems, declare it a parameter (`param {t} in [...]`), drop it from `{u}`'s arguments and remove the initial or terminal conditions"
        )));
    }

    /// No initial or terminal condition at all.
    fn missing_initial(&mut self, t: &str, lo: f64, hi: f64, span: Span, order: usize) {
        let u = self.unknown_name.clone().unwrap_or_else(|| "u".into());
        let f = print::format_number;
        let second = if order >= 2 {
            format!(
                "; a {} equation needs `{}` too",
                order_words(order).replace(' ', "-"),
                derivative_text(&u, t, 1)
            )
        } else {
            String::new()
        };
        self.diags.push(
            Diag::error(
                "pdec::check::missing_initial",
                "a time-dependent problem needs an initial or terminal condition",
            )
            .primary(span, "time declared here")
            .help(format!(
                "add `initial {u} = ...` (the value at {t} = {}) or, for a backward equation such as Black-Scholes, `terminal {u} = ...` (at {t} = {}){second}",
                f(lo),
                f(hi)
            )),
        );
    }
}

/// `u`, `d(u, t)`, `d(u, t, t)`.
fn derivative_text(u: &str, t: &str, order: usize) -> String {
    if order == 0 {
        return u.to_string();
    }
    let ts = vec![t; order].join(", ");
    format!("d({u}, {ts})")
}

fn order_words(order: usize) -> String {
    match order {
        1 => "first order".into(),
        2 => "second order".into(),
        n => format!("of order {n}"),
    }
}

/// "`u` and `d(u, t)`".
fn needed_orders(u: &str, t: &str, order: usize) -> String {
    let v: Vec<String> = (0..order)
        .map(|o| format!("`{}`", derivative_text(u, t, o)))
        .collect();
    v.join(" and ")
}

/// "one condition, on `u`" / "2 conditions, on `u` and `d(u, t)`".
fn needed_list(kw: &str, u: &str, t: &str, order: usize) -> String {
    if order == 1 {
        format!("one {kw} condition, on `{u}`")
    } else {
        format!("{order} {kw} conditions, on {}", needed_orders(u, t, order))
    }
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    /// The codes `pdec check` reports for a problem on `x` in [0, 1] with `t` in [0, 1].
    fn codes(pde: &str, conditions: &str) -> Vec<&'static str> {
        let src = format!(
            "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde {pde}\n{conditions}\nboundary on(x): u = 0\n"
        );
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src,
            },
            &[],
        );
        c.diags.iter().map(|d| d.code).collect()
    }

    #[test]
    fn each_order_below_the_equations_takes_one_condition() {
        let wave = "d(u, t, t) = d(u, x, x)";
        assert!(codes(wave, "initial u = sin(pi * x)\ninitial d(u, t) = 0").is_empty());
        assert!(codes(wave, "terminal d(u, t) = 0\nterminal u = sin(pi * x)").is_empty());
        // Two conditions that each mix the value and the velocity determine both.
        let mixed = "initial u + d(u, t) = sin(pi * x)\ninitial u - d(u, t) = 0";
        assert!(codes(wave, mixed).is_empty());
        // A mixed derivative is first order in time.
        let first = "d(u, t) + 0.1 * d(u, t, x) = d(u, x, x)";
        assert!(codes(first, "initial u = sin(pi * x)").is_empty());
    }

    #[test]
    fn too_few_too_many_or_none_needed_are_errors() {
        let wave = "d(u, t, t) = d(u, x, x)";
        assert_eq!(
            codes(wave, "initial u = sin(pi * x)"),
            ["pdec::check::missing_time_condition"]
        );
        assert_eq!(
            codes(wave, "initial u + d(u, t) = 0"),
            ["pdec::check::missing_time_condition"]
        );
        assert_eq!(
            codes(
                wave,
                "initial u = 0\ninitial d(u, t) = 0\ninitial d(u, t, t) = 0"
            ),
            ["pdec::check::extra_time_condition"]
        );
        assert_eq!(
            codes("d(u, t) = d(u, x, x)", "initial d(u, t) = 0"),
            ["pdec::check::extra_time_condition"]
        );
        assert_eq!(
            codes("d(u, x, x) = 1", "initial u = 0"),
            ["pdec::check::no_time_derivative"]
        );
        assert_eq!(
            codes("d(u, x, x) = 1", ""),
            ["pdec::check::no_time_derivative"]
        );
    }
}
