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
    /// The unknown it is for (`systems::condition_unknown`); `None` when it failed to check
    /// and its left side is not an unknown by itself.
    pub(super) unknown: Option<usize>,
}

/// The time orders of unknown `k`'s values and derivatives that `node` reads, sorted and
/// distinct, with the span of the first node of each.
pub(super) fn time_orders(g: &Graph, node: NodeId, k: usize) -> Vec<(usize, Span)> {
    let mut found: Vec<(usize, Span, NodeId)> = Vec::new();
    let mut stack = vec![node];
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        let op = g.op(n);
        let order = match op {
            Op::U(j) | Op::NormalDeriv(j) if *j == k => Some(0),
            Op::Deriv(j, c) if *j == k => Some(c.iter().filter(|c| **c == Coord::Time).count()),
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
    /// The time conditions against the equations' order in time, per unknown, where time
    /// plays a part (a time variable the unknowns depend on). Runs after every statement.
    pub(super) fn time_determinacy(&mut self, s: &Found) {
        let Some(t) = self.time.clone() else { return };
        if !self.unknown_args.contains(&Input::Time) {
            return;
        }
        let residuals: Vec<(NodeId, Span)> = s
            .pdes
            .iter()
            .filter_map(|p| Some((p.residual?, p.span)))
            .collect();
        if residuals.is_empty() {
            // Without an equation only the count can be checked.
            if s.time_conditions.is_empty() && !self.unknowns.is_empty() && s.pdes.is_empty() {
                self.missing_initial(&self.unknown_name(), &t.name, t.lo, t.hi, t.span, 1);
            }
            return;
        }
        // Each unknown's order in time: the most `t`s in one derivative of it, in any
        // equation, with where that derivative is.
        // A coefficient function takes no time data, whatever the equations read of it.
        let orders: Vec<(usize, Span)> = (0..self.unknowns.len().max(1))
            .map(|k| {
                // Nor does an unknown without time (`p(x)`): a time derivative of it is
                // `derivative_not_argument`'s error.
                let steady = self
                    .unknowns
                    .get(k)
                    .is_some_and(|u| !u.args.contains(&Input::Time));
                if self.is_coefficient_function(k) || steady {
                    return (0, residuals[0].1);
                }
                residuals
                    .iter()
                    .filter_map(|(r, span)| {
                        time_orders(&self.g, *r, k)
                            .last()
                            .copied()
                            .or(Some((0, *span)))
                    })
                    .max_by_key(|(o, _)| *o)
                    .unwrap_or((0, residuals[0].1))
            })
            .collect();
        let pde_span = residuals[0].1;
        if orders.iter().all(|(o, _)| *o == 0) {
            self.no_time_derivative(s, &t.name, t.span, pde_span);
            return;
        }
        // A condition that failed to check and names no unknown could be anyone's.
        let unattributed = s.time_conditions.iter().any(|c| c.unknown.is_none());
        if s.time_conditions.is_empty() {
            let (k, order) = orders
                .iter()
                .enumerate()
                .find(|(_, (o, _))| *o > 0)
                .map_or((0, 1), |(k, (o, _))| (k, *o));
            let u = self.unknowns.get(k).map_or("u".into(), |d| d.name.clone());
            self.missing_initial(&u, &t.name, t.lo, t.hi, t.span, order);
            return;
        }
        for (k, (order, order_span)) in orders.iter().copied().enumerate() {
            let conds: Vec<&TimeCondition> = s
                .time_conditions
                .iter()
                .filter(|c| c.unknown.unwrap_or(0) == k || self.unknowns.len() <= 1)
                .collect();
            let u = self.unknowns.get(k).map_or("u".into(), |d| d.name.clone());
            if self.time_data_without_time(k, &conds, &t.name).is_some() {
                continue;
            }
            if order == 0 {
                // An unknown without a time derivative (a pressure beside velocities) takes
                // no time data; a condition on it is data the equations cannot carry.
                if !conds.is_empty() && self.unknowns.len() > 1 {
                    self.no_time_derivative_of(&u, &conds, &t.name, pde_span);
                }
                continue;
            }
            if conds.is_empty() {
                if !unattributed {
                    self.missing_initial(&u, &t.name, t.lo, t.hi, t.span, order);
                }
                continue;
            }
            let initial = conds.iter().find(|c| !c.terminal);
            let terminal = conds.iter().find(|c| c.terminal);
            if let (Some(i), Some(tc)) = (initial, terminal) {
                self.diags.push(
                    Diag::error(
                        "pdec::check::initial_and_terminal",
                        if self.unknowns.len() > 1 {
                            format!("`{u}` has either initial or terminal conditions, not both")
                        } else {
                            "a problem has either initial or terminal conditions, not both".into()
                        },
                    )
                    .primary(tc.keyword, "terminal condition")
                    .secondary(i.keyword, "initial condition")
                    .help("a forward equation takes `initial`, a backward one (`d(u, t) + ... = 0`, as in finance) takes `terminal`"),
                );
                continue;
            }
            // A condition that failed to check has its own error; what it meant is unknown.
            if conds.iter().any(|c| c.orders.is_none()) {
                continue;
            }
            self.count_time_conditions(&conds, &u, order, order_span, &t.name);
        }
    }

    /// Time data on an unknown that no equation differentiates in time.
    fn no_time_derivative_of(&mut self, u: &str, conds: &[&TimeCondition], t: &str, pde: Span) {
        let mut d = Diag::error(
            "pdec::check::no_time_derivative",
            format!("no equation has a derivative of `{u}` in `{t}`, yet `{u}` is given time data"),
        )
        .primary(
            conds[0].span,
            "data the equations cannot take: nothing carries it in time",
        )
        .secondary(pde, "the equations");
        for c in &conds[1..] {
            d = d.secondary(c.span, "more data on it");
        }
        self.diags.push(d.help(format!(
            "remove the condition: `{u}` is fixed at each time by the other unknowns (as a pressure is); or give it an equation with `d({u}, {t})`"
        )));
    }

    /// Each condition is matched to one order below the equation's: a condition on a higher
    /// derivative, or a second one on an order already given, is extra; an order left
    /// without a condition is missing.
    fn count_time_conditions(
        &mut self,
        conds: &[&TimeCondition],
        u: &str,
        order: usize,
        order_span: Span,
        t: &str,
    ) {
        let what = |o: usize| derivative_text(u, t, o);
        let kw = if conds[0].terminal {
            "terminal"
        } else {
            "initial"
        };
        let end = self
            .time
            .as_ref()
            .map(|tv| print::format_number(if conds[0].terminal { tv.hi } else { tv.lo }))
            .unwrap_or_default();
        let order_text = order_words(order);
        // Pure conditions (one order) first, so that a mixed one takes whatever is left.
        let mut by_purity: Vec<&TimeCondition> = conds.to_vec();
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
                        needed_list(kw, u, t, order),
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
        let given: Vec<String> = conds
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
        let last = conds.last().map_or(order_span, |c| c.span);
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
                    needed_orders(u, t, order),
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
        let u = self.unknown_name();
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
    fn missing_initial(&mut self, u: &str, t: &str, lo: f64, hi: f64, span: Span, order: usize) {
        let f = print::format_number;
        let second = if order >= 2 {
            format!(
                "; a {} equation needs `{}` too",
                order_words(order).replace(' ', "-"),
                derivative_text(u, t, 1)
            )
        } else {
            String::new()
        };
        self.diags.push(
            Diag::error(
                "pdec::check::missing_initial",
                match self.unknowns.len() {
                    0 | 1 => "a time-dependent problem needs an initial or terminal condition".into(),
                    _ => format!("`{u}` is differentiated in time and needs an initial or terminal condition"),
                },
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
