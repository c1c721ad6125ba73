//! Conditions: `initial` and `terminal` (a time slice), `boundary` (a locus of faces and an
//! equation there, or `boundary none`), `periodic` (a coordinate whose two faces are
//! identified), and the coverage check that every face of every space domain has exactly one.
//! Each condition's name, the loss term's, is its locus without inner spaces.

use super::Found;
use super::time_order::{TimeCondition, time_orders};
use super::vector_equations::component_text;
use crate::check::Checker;
use crate::check::expr::Ctx;
use crate::diag::Diag;
use crate::ir::{self, Condition, Face, Input, Where};
use crate::syntax::ast::{self, Equation, Item, ItemKind};
use crate::syntax::print;
use std::collections::BTreeMap;

impl Checker<'_> {
    /// `initial u = ...` or `terminal u = ...`: a condition at one end of time.
    pub(super) fn time_condition(&mut self, item: &Item, eq: &Equation, s: &mut Found) {
        let terminal = matches!(item.kind, ItemKind::Terminal(_));
        let kw = if terminal { "terminal" } else { "initial" };
        let Some(t) = self.time.clone() else {
            self.diags.push(
                Diag::error(
                    "pdec::check::condition_without_time",
                    format!("`{kw}` needs a time variable"),
                )
                .primary(item.keyword, "no `time` is declared")
                .help("declare one: `time t in [0, 1]`, and add it to the unknown's arguments"),
            );
            return;
        };
        let Some(rs) = self.residual_components(eq, Ctx::PDE) else {
            // Counted: a bad condition is not a missing one (one per component it names).
            let named: Vec<Option<usize>> = match self.bare_unknown(&eq.lhs) {
                Some(u) => u.numbers().map(Some).collect(),
                None => vec![None],
            };
            for unknown in named {
                s.time_conditions.push(TimeCondition {
                    terminal,
                    keyword: item.keyword,
                    span: item.span,
                    orders: None,
                    unknown,
                });
            }
            return;
        };
        let of = rs.len();
        for (j, (r, lhs)) in rs.into_iter().enumerate() {
            if !self.condition_mentions_unknown(r, eq.span, kw) {
                s.time_conditions.push(TimeCondition {
                    terminal,
                    keyword: item.keyword,
                    span: item.span,
                    orders: None,
                    unknown: None,
                });
                continue;
            }
            let k = self.condition_unknown(r, lhs);
            let orders = time_orders(&self.g, r, k)
                .into_iter()
                .map(|o| o.0)
                .collect();
            s.time_conditions.push(TimeCondition {
                terminal,
                keyword: item.keyword,
                span: item.span,
                orders: Some(orders),
                unknown: Some(k),
            });
            let at = if terminal { t.hi } else { t.lo };
            let name = if self.is_bare_unknown(&eq.lhs) && self.unknowns.len() == 1 {
                kw.to_string()
            } else {
                format!("{kw} {}", component_text(&eq.lhs, j, of))
            };
            s.conditions.push(Condition {
                name,
                region: Where::TimeSlice { at, terminal },
                residual: r,
                span: item.span,
            });
        }
    }

    /// `boundary locus: lhs = rhs`: a condition on the faces the locus names.
    pub(super) fn boundary_condition(&mut self, item: &Item, locus: &ast::Locus, s: &mut Found) {
        let ast::Locus {
            lhs,
            rhs,
            span,
            binders,
            restriction,
            condition,
        } = locus;
        s.boundary_spans.push(item.span);
        let mut faces = self.locus(lhs, rhs.as_ref(), binders);
        let mut restricted = None;
        if let (Some(e), Some(fs)) = (restriction, &faces) {
            match self.restriction(e, binders, fs, *span) {
                Some((kept, r)) => {
                    faces = Some(kept);
                    restricted = Some(r);
                }
                None => faces = None,
            }
        }
        let dn_from = self.dn_calls.len();
        let rs = self.residual_components(condition, Ctx::BOUNDARY);
        if let Some(fs) = &faces {
            self.normal_derivatives_along_arguments(dn_from, fs);
        }
        let Some(faces) = faces else {
            // Which faces it meant is unknown: do not call any face uncovered.
            s.unknown_locus = true;
            return;
        };
        let Some(rs) = rs else {
            // Which unknown a failed condition meant is unknown where there are several.
            if self.unknowns.len() > 1 {
                s.unknown_locus = true;
            }
            self.cover_faces(&faces, 0, restricted.as_ref(), *span, s);
            return;
        };
        let of = rs.len();
        for (j, (r, l)) in rs.into_iter().enumerate() {
            // The unknown it covers the faces for.
            let k = if self.g.depends_on_unknown(r) {
                self.condition_unknown(r, l)
            } else {
                if self.unknowns.len() > 1 {
                    s.unknown_locus = true;
                }
                0
            };
            self.cover_faces(&faces, k, restricted.as_ref(), *span, s);
            if !self.condition_mentions_unknown(r, condition.span, "boundary") {
                continue;
            }
            if !self
                .g
                .any(r, &mut |op| matches!(op, ir::Op::NormalDeriv(_)))
            {
                self.face_data_along_arguments(r, &faces, item.span);
            }
            let mut name = format!("boundary {}", compact(&print::expr(lhs)));
            if let Some(r) = rhs {
                name.push('=');
                name.push_str(&compact(&print::expr(r)));
            }
            if !binders.is_empty() {
                let b: Vec<String> = binders
                    .iter()
                    .map(|b| {
                        format!(
                            "{} in {}..{}",
                            b.name.text,
                            print::expr(&b.lo),
                            print::expr(&b.hi)
                        )
                    })
                    .collect();
                name.push_str(&format!(" for {}", b.join(", ")));
            }
            if let Some(e) = restriction {
                name.push_str(&format!(
                    " where {}",
                    compact_keeping_words(&print::expr(e))
                ));
            }
            if self.unknowns.len() > 1 {
                let text = component_text(&condition.lhs, j, of);
                name.push_str(&format!(": {}", compact(&text)));
            }
            s.conditions.push(Condition {
                name,
                region: Where::Faces {
                    faces: faces.clone(),
                    restriction: restricted.clone(),
                },
                residual: r,
                span: item.span,
            });
        }
    }

    /// The faces covered for unknown `k` by a condition at `span` (whole or restricted), with
    /// the error of a face covered twice.
    fn cover_faces(
        &mut self,
        faces: &[Face],
        k: usize,
        restricted: Option<&crate::ir::restrict::Restriction>,
        span: crate::source::Span,
        s: &mut Found,
    ) {
        for f in faces {
            let prev = match &restricted {
                // A restricted condition meets a whole-face one here, or joins the other
                // restricted ones (checked point by point once all are known).
                Some(r) => {
                    s.partial.entry((*f, k)).or_default().push((span, r.node));
                    s.covered.get(&(*f, k)).copied()
                }
                None => s
                    .covered
                    .insert((*f, k), span)
                    .or_else(|| s.partial.get(&(*f, k)).map(|p| p[0].0)),
            };
            if let Some(prev) = prev {
                let fname = self.face_name(*f);
                let at = self.face_point(*f);
                let (message, help) = match self.unknowns.len() {
                    0 | 1 => (
                        format!("the face `{fname}` has two boundary conditions{at}"),
                        "give each face one condition; combine them (Robin) if both matter"
                            .to_string(),
                    ),
                    _ => (
                        format!(
                            "the face `{fname}` has two boundary conditions for `{}`{at}",
                            self.unknowns[k].name
                        ),
                        format!(
                            "give each face one condition per unknown; a condition counts for the unknown on its left side (here `{}`)",
                            self.unknowns[k].name
                        ),
                    ),
                };
                self.diags.push(
                    Diag::error("pdec::check::face_covered_twice", message)
                        .primary(span, "second condition for this face")
                        .secondary(prev, "first condition")
                        .help(help),
                );
            }
        }
    }

    /// `periodic x` or `periodic x[k]`: both faces of the coordinate, identified.
    pub(super) fn periodic_condition(&mut self, item: &Item, e: &ast::Expr, s: &mut Found) {
        s.boundary_spans.push(item.span);
        let Some((var, comp, faces)) = self.periodic(e) else {
            s.unknown_locus = true;
            return;
        };
        // Every unknown is periodic in the coordinate: one term each.
        for k in 0..self.unknowns.len().max(1) {
            for f in &faces {
                if let Some(prev) = s.covered.insert((*f, k), e.span) {
                    let fname = self.face_name(*f);
                    self.diags.push(
                        Diag::error(
                            "pdec::check::face_covered_twice",
                            format!("the face `{fname}` has two boundary conditions"),
                        )
                        .primary(e.span, "periodicity covers this face")
                        .secondary(prev, "another condition")
                        .help("a periodic coordinate needs no other condition on its faces"),
                    );
                }
            }
            let u = self.g.add(ir::Op::U(k), ir::Ty::scalar(), e.span);
            let mut name = format!("periodic {}", compact(&print::expr(e)));
            if self.unknowns.len() > 1 {
                name.push_str(&format!(": {}", self.unknowns[k].name));
            }
            s.conditions.push(Condition {
                name,
                region: Where::Periodic { var, comp },
                residual: u,
                span: item.span,
            });
        }
    }

    /// Every face of every space domain has a condition, unless `boundary none` says none
    /// is wanted (and then none is given).
    pub(super) fn boundary_coverage(&mut self, s: &Found) {
        if let Some(none_span) = s.boundary_none {
            if let Some(first) = s.boundary_spans.first() {
                self.diags.push(
                    Diag::error(
                        "pdec::check::boundary_none_conflict",
                        "`boundary none` contradicts the boundary conditions given",
                    )
                    .primary(none_span, "no boundary data, it says")
                    .secondary(*first, "but here is one")
                    .help("remove `boundary none`, or the boundary conditions"),
                );
            }
        } else if !s.unknown_locus {
            let needs = self.needs_boundary_data(s);
            for (u, _) in needs.iter().enumerate().filter(|(_, n)| **n) {
                self.missing_faces(s, u);
            }
            self.partial_coverage(s, &needs);
        }
    }

    /// The faces without a condition for unknown `u`, one error per space variable.
    fn missing_faces(&mut self, s: &Found, u: usize) {
        let mut missing_by_var: BTreeMap<usize, Vec<Face>> = BTreeMap::new();
        for (k, v) in self.space.iter().enumerate() {
            // An unknown that does not take a space variable has no faces along it.
            let takes = self
                .unknowns
                .get(u)
                .is_none_or(|d| d.args.contains(&Input::Space(k)));
            if self.failed.contains(&Input::Space(k)) || !takes {
                continue;
            }
            for f in v.domain.faces(k) {
                if !s.covered.contains_key(&(f, u)) && !s.partial.contains_key(&(f, u)) {
                    missing_by_var.entry(k).or_default().push(f);
                }
            }
        }
        let several = self.unknowns.len() > 1;
        let name = self
            .unknowns
            .get(u)
            .map_or("u".to_string(), |d| d.name.clone());
        for (var, faces) in missing_by_var {
            let names: Vec<String> = faces
                .iter()
                .take(4)
                .map(|f| format!("`{}`", self.face_name(*f)))
                .collect();
            let more = if faces.len() > 4 {
                format!(" and {} more", faces.len() - 4)
            } else {
                String::new()
            };
            let at = self.face_point(faces[0]);
            let v = &self.space[var];
            let which = if several {
                format!(" for `{name}`")
            } else {
                String::new()
            };
            self.diags.push(
                Diag::error(
                    "pdec::check::missing_boundary",
                    format!(
                        "{} of `{}` {} no boundary condition{which}{at}",
                        crate::diag::render::plural(faces.len(), "face"),
                        v.name,
                        if faces.len() == 1 { "has" } else { "have" }
                    ),
                )
                .primary(v.span, format!("uncovered: {}{more}", names.join(", ")))
                .help(format!(
                    "add e.g. `boundary {}: {} = ...` or `boundary on({}): ...`; write `boundary none` to train without boundary data (unbounded domains, sampling boxes)",
                    self.face_name(faces[0]),
                    if several { name.as_str() } else { "u" },
                    v.name
                )),
            );
        }
    }
}

/// `x[2] > 0 and x[1] < 1` -> `x[2]>0 and x[1]<1`: without inner spaces but those around
/// `and`, `or` and `not`.
fn compact_keeping_words(s: &str) -> String {
    let logic = |t: &str| matches!(t, "and" | "or" | "not");
    let mut out = String::new();
    let mut prev = "";
    for t in s.split(' ').filter(|t| !t.is_empty()) {
        if !out.is_empty() && (logic(prev) || logic(t)) {
            out.push(' ');
        }
        out.push_str(t);
        prev = t;
    }
    out
}

/// `x[i] = 0` -> `x[i]=0`: loss-term names without inner spaces.
fn compact(s: &str) -> String {
    s.replace(' ', "")
}
