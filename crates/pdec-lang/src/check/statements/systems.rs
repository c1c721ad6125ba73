//! Systems of equations: the equations against the unknowns. Each equation is matched to one
//! unknown it involves, the one it is solved for (a maximum matching of the bipartite graph
//! of equations and the unknowns they involve, each equation preferring the unknown whose
//! time derivative it holds, then its highest derivative, then declaration order), so that an
//! unknown in no equation, an unknown left without an equation of its own and an equation
//! left over are each reported by name. The match names the equations' loss terms
//! (`pde u`, `pde v`), and a condition counts for the unknown it is about (`condition_unknown`).

use super::Found;
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{Coord, NodeId, Op};
use crate::source::Span;
use crate::syntax::ast::Ident;

/// A `pde` statement as the statements found it.
pub(super) struct FoundPde {
    /// `pde NAME: ...`.
    pub(super) name: Option<Ident>,
    /// `None` when the equation failed to check (reported).
    pub(super) residual: Option<NodeId>,
    /// The equation.
    pub(super) span: Span,
    pub(super) keyword: Span,
    /// A vector equation's component (0-based): its loss term is `NAME[j + 1]`.
    pub(super) component: Option<usize>,
}

impl Checker<'_> {
    /// The unknown each equation is solved for (`None` for one that failed or is left over),
    /// with the errors of a system that does not match.
    pub(super) fn equations_against_unknowns(&mut self, s: &Found) -> Vec<Option<usize>> {
        let n = self.unknowns.len();
        // No equation is solved for a coefficient function (`unknown coef`): data determine it.
        let involved: Vec<Option<Vec<usize>>> = s
            .pdes
            .iter()
            .map(|p| {
                p.residual.map(|r| {
                    let mut ks = self.preference(r);
                    ks.retain(|k| !self.is_coefficient_function(*k));
                    ks
                })
            })
            .collect();
        let solved_for = matching(&involved, n);
        let coef_fns = (0..n).filter(|k| self.is_coefficient_function(*k)).count();
        self.duplicate_equation_names(s, &solved_for);
        // A failed equation might have involved anything: no count can be trusted; no
        // equation at all is `missing_pde`.
        if n == 0 || involved.is_empty() || involved.iter().any(Option::is_none) {
            return solved_for;
        }
        let equations: Vec<Span> = s.pdes.iter().map(|p| p.span).collect();
        let mut matched = vec![false; n];
        solved_for.iter().flatten().for_each(|k| matched[*k] = true);
        for k in (0..n).filter(|k| !matched[*k]) {
            let u = self.unknowns[k].clone();
            if self.is_coefficient_function(k) {
                self.coefficient_function_read(s, k);
                continue;
            }
            let n = n - coef_fns;
            let anywhere = involved.iter().flatten().any(|v| v.contains(&k));
            let mut d =
                if anywhere {
                    Diag::error(
                    "pdec::check::missing_equation",
                    format!(
                        "{n} unknowns but {} {}: `{}` is left without an equation of its own",
                        equations.len(),
                        if equations.len() == 1 { "equation" } else { "equations" },
                        u.name
                    ),
                )
                .primary(u.span, "no equation determines it")
                .help(format!(
                    "each unknown needs one equation: add one for `{}` (e.g. `pde d({}, t) = ...`)",
                    u.name, u.name
                ))
                } else {
                    Diag::error(
                        "pdec::check::unknown_not_in_equation",
                        format!("`{}` appears in no equation", u.name),
                    )
                    .primary(u.span, "declared here, never used by a `pde`")
                    .help(format!(
                        "add an equation for `{}`, or remove the declaration",
                        u.name
                    ))
                };
            for e in equations.iter().take(3) {
                d = d.secondary(*e, "an equation");
            }
            self.diags.push(d);
        }
        for (i, p) in s.pdes.iter().enumerate() {
            if solved_for[i].is_some() {
                continue;
            }
            let names: Vec<String> = involved[i]
                .iter()
                .flatten()
                .map(|k| format!("`{}`", self.unknowns[*k].name))
                .collect();
            let n = n - coef_fns;
            self.diags.push(
                Diag::error(
                    "pdec::check::extra_equation",
                    format!(
                        "{} equations for {n} {}: this one has no unknown left to determine",
                        s.pdes.len(),
                        if n == 1 { "unknown" } else { "unknowns" }
                    ),
                )
                .primary(p.span, format!("its unknowns ({}) are determined by the others", names.join(", ")))
                .help("remove it, or declare the unknown it should determine; a problem has one equation per unknown"),
            );
        }
        solved_for
    }

    /// A coefficient function some equation reads; else `unknown_not_in_equation`: nothing
    /// would carry the data to it.
    fn coefficient_function_read(&mut self, s: &Found, k: usize) {
        let read = s
            .pdes
            .iter()
            .filter_map(|p| p.residual)
            .any(|r| self.g.unknowns_in(r).contains(&k));
        if read {
            return;
        }
        let u = self.unknowns[k].clone();
        self.diags.push(
            Diag::error(
                "pdec::check::unknown_not_in_equation",
                format!("the unknown coefficient `{}` appears in no equation", u.name),
            )
            .primary(u.span, "declared here, never used by a `pde`")
            .help(format!(
                "use `{}` in the equation whose solution the data observe (e.g. `pde -d({} * d(u, x), x) = f`), or remove it",
                u.name, u.name
            )),
        );
    }

    /// The unknowns an equation involves, the one it is most likely solved for first: a time
    /// derivative of it, then the highest derivative order, then declaration order.
    fn preference(&self, r: NodeId) -> Vec<usize> {
        let g = &self.g;
        let mut ks = g.unknowns_in(r);
        let score = |k: usize| {
            let (mut time, mut order) = (false, 0);
            g.any(r, &mut |op| {
                if let Op::Deriv(j, c) = op
                    && *j == k
                {
                    time |= c.contains(&Coord::Time);
                    order = order.max(c.len());
                }
                false
            });
            (!time, std::cmp::Reverse(order), k)
        };
        ks.sort_by_key(|k| score(*k));
        ks
    }

    /// The loss term's name of an equation: the name written, `pde` for a problem's only
    /// equation, else `pde` and the unknown it is solved for (its number when none).
    pub(super) fn equation_name(
        &self,
        p: &FoundPde,
        solved_for: Option<usize>,
        count: usize,
    ) -> String {
        match (&p.name, solved_for) {
            (Some(n), _) => match p.component {
                Some(j) => format!("{}[{}]", n.text, j + 1),
                None => n.text.clone(),
            },
            (None, _) if count == 1 => "pde".into(),
            (None, Some(k)) => format!("pde {}", self.unknowns[k].name),
            (None, None) => "pde".into(),
        }
    }

    /// Two equations with one loss-term name.
    fn duplicate_equation_names(&mut self, s: &Found, solved_for: &[Option<usize>]) {
        let mut seen: Vec<(String, Span)> = Vec::new();
        for (p, k) in s.pdes.iter().zip(solved_for) {
            if p.residual.is_none() {
                continue;
            }
            let name = self.equation_name(p, *k, s.pdes.len());
            let at = p.name.as_ref().map_or(p.keyword, |n| n.span);
            if let Some((_, prev)) = seen.iter().find(|(n, _)| *n == name) {
                let prev = *prev;
                self.diags.push(
                    Diag::error(
                        "pdec::check::duplicate_equation_name",
                        format!("two equations are named `{name}`"),
                    )
                    .primary(at, "this one")
                    .secondary(prev, "and this one")
                    .help("each equation is one loss term, and its name is the term's: name them apart (`pde momentum: ...`)"),
                );
            } else {
                seen.push((name, at));
            }
        }
    }

    /// The unknown a condition is for: the only one it involves, else the first one its left
    /// side involves, else the first one it involves.
    pub(super) fn condition_unknown(&self, residual: NodeId, lhs: NodeId) -> usize {
        let all = self.g.unknowns_in(residual);
        match all.as_slice() {
            [k] => *k,
            _ => self
                .g
                .unknowns_in(lhs)
                .first()
                .or(all.first())
                .copied()
                .unwrap_or(0),
        }
    }

    /// Which unknowns need a condition on every face. One unknown: always (unless `boundary
    /// none`), as for every problem before systems. In a system: those with a second space
    /// derivative in an equation; an unknown its equations differentiate at most once in
    /// space (a pressure, a transported quantity) takes data only where the user gives it (an
    /// outlet, the inflow faces), so its faces are not all asked for.
    pub(super) fn needs_boundary_data(&self, s: &Found) -> Vec<bool> {
        let n = self.unknowns.len();
        if n <= 1 || s.pdes.iter().any(|p| p.residual.is_none()) {
            return (0..n).map(|k| !self.is_coefficient_function(k)).collect();
        }
        let mut needs = vec![false; n];
        for r in s.pdes.iter().filter_map(|p| p.residual) {
            self.g.any(r, &mut |op| {
                if let Op::Deriv(k, c) = op
                    && c.len() == 2
                    && c.iter().all(|c| matches!(c, Coord::Space { .. }))
                    && *k < n
                    && !self.is_coefficient_function(*k)
                {
                    needs[*k] = true;
                }
                false
            });
        }
        needs
    }
}

/// A maximum matching of equations to unknowns (Kuhn's augmenting paths), equations in order,
/// each trying its unknowns in its preferred order: deterministic.
fn matching(involved: &[Option<Vec<usize>>], unknowns: usize) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; unknowns];
    fn augment(
        e: usize,
        involved: &[Option<Vec<usize>>],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
    ) -> bool {
        for &k in involved[e].iter().flatten() {
            if k >= owner.len() || seen[k] {
                continue;
            }
            seen[k] = true;
            if owner[k].is_none_or(|o| augment(o, involved, owner, seen)) {
                owner[k] = Some(e);
                return true;
            }
        }
        false
    }
    for e in 0..involved.len() {
        let mut seen = vec![false; unknowns];
        augment(e, involved, &mut owner, &mut seen);
    }
    let mut solved_for = vec![None; involved.len()];
    for (k, o) in owner.iter().enumerate() {
        if let Some(e) = o {
            solved_for[*e] = Some(k);
        }
    }
    solved_for
}

#[cfg(test)]
mod tests {
    use super::matching;

    #[test]
    fn the_matching_gives_each_equation_its_own_unknown() {
        // u's equation also holds v; v's only v: both matched, whatever the order.
        assert_eq!(
            matching(&[Some(vec![0, 1]), Some(vec![0])], 2),
            [Some(1), Some(0)]
        );
        // Two equations in u only: the second is left over, v is left without one.
        assert_eq!(
            matching(&[Some(vec![0]), Some(vec![0]), Some(vec![1, 0])], 2),
            [Some(0), None, Some(1)]
        );
        assert_eq!(matching(&[None, Some(vec![0])], 1), [None, Some(0)]);
    }
}
