//! Declarations: `time`, `space`, `param` and `unknown`. Every input is registered first
//! (so a domain that uses a later input is reported as not constant, not dropped), then
//! named with a placeholder domain, then given its checked domain; an input whose domain
//! fails is marked failed. Last, the unknown's arguments: time and space variables, each
//! once, and every declared one among them.

use super::Checker;
use super::domain::DomainUse;
use crate::diag::Diag;
use crate::ir::{Domain, Input, ParamVar, SpaceVar, TimeVar};
use crate::resolve::{ItemRef, Res};
use crate::source::Span;
use crate::syntax::ast::{Ident, ItemKind};
use std::collections::HashMap;

impl Checker<'_> {
    /// Time, space, params and the unknown, with their domains.
    pub(super) fn declarations(&mut self) {
        self.register_inputs();
        self.name_inputs();
        self.input_domains();
        self.unknown_arguments();
    }

    /// Numbers every input and every unknown; one `time` at most.
    fn register_inputs(&mut self) {
        let program = self.program;
        // Every input is registered before any domain is evaluated, so that a domain using a
        // later input is reported as not constant rather than silently dropped.
        let mut time_span: Option<Span> = None;
        let (mut n_space, mut n_params) = (0, 0);
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let r = ItemRef { module: 0, item: i };
            match &item.kind {
                ItemKind::Time { .. } => {
                    if let Some(prev) = time_span {
                        self.duplicate(item.keyword, prev, "time");
                        continue;
                    }
                    time_span = Some(item.keyword);
                    self.inputs.insert(r, Input::Time);
                }
                // A second definition of a name is resolve's error and never read: its domain
                // is not checked (a constructive one costs milliseconds, and a file of a
                // thousand copies took seconds).
                ItemKind::Space { name, .. } | ItemKind::Param { name, .. }
                    if self.res.top_value(&name.text) != Some(Res::Item(r)) => {}
                ItemKind::Space { .. } => {
                    self.inputs.insert(r, Input::Space(n_space));
                    n_space += 1;
                }
                ItemKind::Param { .. } => {
                    self.inputs.insert(r, Input::Param(n_params));
                    n_params += 1;
                }
                ItemKind::Unknown { name, .. } => self.unknowns.push(super::DeclaredUnknown {
                    item: r,
                    name: name.text.clone(),
                    span: name.span,
                    args: Vec::new(),
                    component: None,
                }),
                _ => {}
            }
        }
    }

    /// Names every input, with a placeholder domain while the domains are checked.
    fn name_inputs(&mut self) {
        let program = self.program;
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let r = ItemRef { module: 0, item: i };
            let placeholder = Domain::Interval { lo: 0.0, hi: 1.0 };
            match (&item.kind, self.inputs.get(&r)) {
                (ItemKind::Time { name, .. }, Some(Input::Time)) => {
                    self.time = Some(TimeVar {
                        name: name.text.clone(),
                        lo: 0.0,
                        hi: 1.0,
                        span: name.span,
                    })
                }
                (ItemKind::Space { name, domain }, Some(_)) => self.space.push(SpaceVar {
                    name: name.text.clone(),
                    domain: placeholder,
                    span: name.span.to(domain.span),
                }),
                (ItemKind::Param { name, .. }, Some(_)) => self.params.push(ParamVar {
                    name: name.text.clone(),
                    lo: 0.0,
                    hi: 1.0,
                    span: name.span,
                }),
                _ => {}
            }
        }
    }

    /// Checks each input's domain; an input whose domain fails is marked failed.
    fn input_domains(&mut self) {
        let program = self.program;
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let r = ItemRef { module: 0, item: i };
            let Some(input) = self.inputs.get(&r).copied() else {
                continue;
            };
            match (&item.kind, input) {
                (ItemKind::Time { domain, .. }, Input::Time) => {
                    match self.domain(domain, DomainUse::Time) {
                        Some(Domain::Interval { lo, hi }) => {
                            if let Some(t) = self.time.as_mut() {
                                t.lo = lo;
                                t.hi = hi;
                            }
                        }
                        _ => {
                            self.failed.insert(input);
                        }
                    }
                }
                (ItemKind::Space { domain, .. }, Input::Space(k)) => {
                    let d = if self.is_constructive(domain) {
                        self.csg_domain(domain, k)
                    } else {
                        self.domain(domain, DomainUse::Space)
                    };
                    match d {
                        Some(d) => self.space[k].domain = d,
                        None => {
                            self.failed.insert(input);
                        }
                    }
                }
                (ItemKind::Param { domain, .. }, Input::Param(k)) => {
                    match self.domain(domain, DomainUse::Param) {
                        Some(Domain::Interval { lo, hi }) => {
                            self.params[k].lo = lo;
                            self.params[k].hi = hi;
                        }
                        _ => {
                            self.failed.insert(input);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The unknowns' arguments, now that inputs are known: time and space variables, each
    /// once. Unknowns may take different ones (`unknown p(x)` beside `u(t, x)`: a network of
    /// its own reads them, `plan::networks`); every declared time and space variable is an
    /// argument of one at least. Then each vector unknown becomes its components
    /// (`vector_unknowns`).
    fn unknown_arguments(&mut self) {
        let program = self.program;
        let declared = self.unknowns.clone();
        let mut widest: Option<(usize, usize)> = None;
        for (k, u) in declared.iter().enumerate() {
            let ItemKind::Unknown { name, args, .. } = &program.item(u.item).kind else {
                continue;
            };
            let inputs = self.arguments_of(name, args);
            self.unknowns[k].args = inputs.clone();
            for i in inputs {
                if !self.unknown_args.contains(&i) {
                    self.unknown_args.push(i);
                }
            }
            if widest.is_none_or(|(_, n)| args.len() > n) {
                widest = Some((k, args.len()));
            }
        }
        // The help names the unknown of most arguments, the one that most likely misses one.
        if let Some((k, _)) = widest
            && let ItemKind::Unknown { name, args, .. } = &program.item(declared[k].item).kind
        {
            self.inputs_are_arguments(name, args);
        }
        self.vector_unknowns();
    }

    /// One unknown's arguments as inputs, each a time or space variable, each once.
    fn arguments_of(&mut self, name: &Ident, args: &[Ident]) -> Vec<Input> {
        let mut out = Vec::new();
        let mut seen: HashMap<Input, Span> = HashMap::new();
        for a in args {
            let input = match self.res.get(0, a.id) {
                Some(Res::Item(ir)) => self.inputs.get(&ir).copied(),
                _ => None,
            };
            match input {
                Some(Input::Param(_)) => self.diags.push(
                    Diag::error(
                        "pdec::check::param_as_argument",
                        format!("`{}` is a parameter, not an argument of the unknown", a.text),
                    )
                    .primary(a.span, "a parameter")
                    .help(format!(
                        "parameters are network inputs already; write `unknown {}(...)` with time and space variables only",
                        name.text
                    )),
                ),
                Some(i) => {
                    if let Some(prev) = seen.insert(i, a.span) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::bad_unknown_argument",
                                format!("`{}` appears twice among the unknown's arguments", a.text),
                            )
                            .primary(a.span, "again here")
                            .secondary(prev, "first here")
                            .help("list each variable once"),
                        );
                    } else {
                        out.push(i);
                    }
                }
                None => {
                    if self.res.get(0, a.id).is_some() {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::bad_unknown_argument",
                                format!("`{}` is not a time or space variable", a.text),
                            )
                            .primary(a.span, "not an input")
                            .help("declare it with `time t in [0, 1]` or `space x in [0, 1]`"),
                        );
                    }
                }
            }
        }
        out
    }

    /// Every declared time and space variable is an argument of an unknown (`name`'s, in
    /// the help).
    fn inputs_are_arguments(&mut self, name: &Ident, args: &[Ident]) {
        let mut declared: Vec<(Input, Span, String)> = Vec::new();
        if let Some(t) = &self.time {
            declared.push((Input::Time, t.span, t.name.clone()));
        }
        for (k, s) in self.space.iter().enumerate() {
            declared.push((Input::Space(k), s.span, s.name.clone()));
        }
        for (input, span, vname) in declared {
            if !self.unknown_args.contains(&input) {
                self.diags.push(
                    Diag::error(
                        "pdec::check::input_not_argument",
                        format!("the unknown `{}` does not depend on `{vname}`", name.text),
                    )
                    .primary(span, "declared here")
                    .secondary(
                        name.span
                            .to(args.last().map(|a| a.span).unwrap_or(name.span)),
                        "the unknown's arguments",
                    )
                    .help(format!("add it: `unknown {}({})`", name.text, {
                        let mut v: Vec<String> = args.iter().map(|a| a.text.clone()).collect();
                        v.push(vname.clone());
                        v.join(", ")
                    })),
                );
            }
        }
    }
}
