//! `boundary LOCUS where CONDITION: ...`: a restriction of a locus to the part of its faces
//! where a truth value of the point holds. The restriction is lowered and checked (a
//! condition of the locus's space variable and constants only:
//! `pdec::check::restriction_not_on_point`), its share of each face measured on points
//! drawn uniformly on the face (`ir::restrict`), the faces it keeps none of dropped, and a
//! restriction that keeps nothing is `pdec::check::empty_restriction`. Afterwards the
//! restricted conditions of one face must cover it once: on the same points, a point no
//! restriction keeps is a gap (`pdec::check::missing_boundary`), one two keep an overlap
//! (`pdec::check::face_covered_twice`), each named with the point.

use super::Found;
use crate::check::Checker;
use crate::check::expr::{Ctx, Env, Local};
use crate::diag::Diag;
use crate::ir::restrict::{self, Restriction};
use crate::ir::{Face, Input, NodeId, Op, Side};
use crate::source::Span;
use crate::syntax::ast::{Binder, Expr};
use crate::syntax::print;

const RESTRICTION: Ctx = Ctx {
    what: "a restriction",
    unknown_code: "pdec::check::restriction_not_on_point",
    ..Ctx::OBSTACLE
};

/// A restricted condition on a face: the locus's span and the restriction.
pub(super) type Partial = (Span, NodeId);

/// The seed of the points drawn on a face: the same for the shares and the coverage check.
fn seed(f: Face) -> u64 {
    let (a, b, c) = match f {
        Face::Side { var, comp, side } => (
            var,
            comp.map_or(0, |k| k + 1),
            matches!(side, Side::Hi) as usize,
        ),
        Face::Sphere { var } => (var, 0, 2),
        Face::Surface { var, surface } => (var, surface + 1, 3),
    };
    0x7265_7374 ^ ((a as u64) << 40) ^ ((b as u64) << 8) ^ c as u64
}

impl Checker<'_> {
    /// The faces of `faces` the restriction `e` keeps part of, and the restriction with its
    /// share of each; `None` (reported) when it is not a condition of the point or keeps
    /// nothing.
    pub(super) fn restriction(
        &mut self,
        e: &Expr,
        binders: &[Binder],
        faces: &[Face],
        locus_span: Span,
    ) -> Option<(Vec<Face>, Restriction)> {
        let var = faces.first()?.var();
        let mut env = Env::default();
        for b in binders {
            let a = self.binder_axis(b, &env)?;
            env.locals.insert(b.name.id, Local::Axis(a));
        }
        let node = self.lower(e, &env, RESTRICTION)?;
        let ty = self.g.ty(node).clone();
        if !ty.boolean {
            self.diags.push(
                Diag::error(
                    "pdec::check::not_boolean",
                    "a `where` restriction must be a condition",
                )
                .primary(e.span, "a number, not a condition")
                .help("compare the point's coordinates: `where x[2] > 0`, `where norm(x) < 0.5`"),
            );
            return None;
        }
        let space = &self.space[var];
        let name = space.name.clone();
        let mut other = None;
        self.g.any(node, &mut |op| {
            if let Op::Input(i) = op
                && *i != Input::Space(var)
            {
                other = Some(*i);
            }
            false
        });
        if other.is_some() || !ty.axes.is_empty() {
            let why = if ty.axes.is_empty() {
                "it depends on an input other than the point".to_string()
            } else {
                "it depends on the locus's index variable".to_string()
            };
            self.diags.push(
                Diag::error(
                    "pdec::check::restriction_not_on_point",
                    format!("a `where` restriction is a condition on the point `{name}` of the face: {why}"),
                )
                .primary(e.span, "not a condition on the point alone")
                .help(format!(
                    "use `{name}`'s coordinates and constants only (`where {name}[2] > 0`); a condition that changes in time or with a parameter is not a part of a face"
                )),
            );
            return None;
        }
        let mut kept = Vec::new();
        let mut shares = Vec::new();
        for f in faces {
            let hits = restrict::face_draws(&space.domain, *f, seed(*f))
                .iter()
                .filter(|p| restrict::holds(&self.g, node, var, p))
                .count();
            if hits > 0 {
                kept.push(*f);
                shares.push(hits as f64 / restrict::SHARE_DRAWS as f64);
            }
        }
        if kept.is_empty() {
            self.diags.push(
                Diag::error(
                    "pdec::check::empty_restriction",
                    format!(
                        "the restriction `{}` keeps no part of the locus",
                        print::expr(e)
                    ),
                )
                .primary(e.span, "false on every point drawn on the faces")
                .secondary(locus_span, "the faces it restricts")
                .help(format!(
                    "it held on none of {} points drawn uniformly on each face; check its sign and the faces' coordinates (the face `{}` is one)",
                    restrict::SHARE_DRAWS,
                    self.face_name(faces[0])
                )),
            );
            return None;
        }
        Some((
            kept,
            Restriction {
                node,
                var,
                text: print::expr(e),
                shares,
            },
        ))
    }

    /// Every face covered by restricted conditions only: each point drawn on it must be kept
    /// by exactly one (a gap counts only for an unknown that `needs` data everywhere).
    pub(super) fn partial_coverage(&mut self, s: &Found, needs: &[bool]) {
        for ((f, u), parts) in &s.partial {
            if s.covered.contains_key(&(*f, *u)) {
                continue; // reported when the whole-face condition met the restricted one
            }
            let var = f.var();
            let points = restrict::face_draws(&self.space[var].domain, *f, seed(*f));
            for p in &points {
                let keep: Vec<&Partial> = parts
                    .iter()
                    .filter(|(_, r)| restrict::holds(&self.g, *r, var, p))
                    .collect();
                if keep.len() == 1 || (keep.is_empty() && !needs.get(*u).copied().unwrap_or(true)) {
                    continue;
                }
                let at = self.point_text(var, p);
                let fname = self.face_name(*f);
                let d = if keep.is_empty() {
                    let mut d = Diag::error(
                        "pdec::check::missing_boundary",
                        format!(
                            "part of the face `{fname}` has no boundary condition{} (at {at})",
                            self.for_unknown(*u)
                        ),
                    )
                    .primary(parts[0].0, "restricted here");
                    for (span, _) in &parts[1..] {
                        d = d.secondary(*span, "and here");
                    }
                    d.help("no `where` of this face's conditions holds there; widen one, or add a condition for the rest of the face")
                } else {
                    Diag::error(
                        "pdec::check::face_covered_twice",
                        format!(
                            "part of the face `{fname}` has two boundary conditions{} (at {at})",
                            self.for_unknown(*u)
                        ),
                    )
                    .primary(keep[1].0, "second condition there")
                    .secondary(keep[0].0, "first condition")
                    .help("make the `where` restrictions of a face exclusive: `where x[2] > 0` and `where x[2] <= 0`")
                };
                self.diags.push(d);
                break;
            }
        }
    }

    fn for_unknown(&self, u: usize) -> String {
        match self.unknowns.len() {
            0 | 1 => String::new(),
            _ => format!(" for `{}`", self.unknowns[u].name),
        }
    }

    fn point_text(&self, var: usize, p: &[f64]) -> String {
        let shown: Vec<String> = p.iter().take(4).map(|v| format!("{v:.4}")).collect();
        let more = if p.len() > 4 { ", ..." } else { "" };
        format!("{} = [{}{more}]", self.space[var].name, shown.join(", "))
    }
}
