//! Boundary loci on constructive domains: a named piece (`boundary hole: ...`), a face of a
//! box or a plane of a half-space written as `x[k] = c`, the sphere of a ball centred at 0
//! written as `norm(x) = r`; each the boundary surfaces (`ir::Face::Surface`) it names, or
//! `pdec::check::not_a_face` when none of it is on the domain's boundary. Also the points
//! the coverage check names.

use super::Checker;
use crate::diag::Diag;
use crate::ir::csg::{Csg, Primitive};
use crate::ir::{Domain, Face};
use crate::source::Span;
use crate::syntax::print::format_number;
use rand::SeedableRng;

impl Checker<'_> {
    /// Is `id` the name of a piece of a constructive domain?
    pub(super) fn is_piece(&self, id: crate::syntax::ast::NameId) -> bool {
        self.pieces.contains_key(&id)
    }

    fn csg(&self, var: usize) -> Option<&Csg> {
        match &self.space[var].domain {
            Domain::Csg(c) => Some(c),
            _ => None,
        }
    }

    /// The boundary surfaces whose primitive and part satisfy `pick`.
    fn surfaces_where(&self, var: usize, pick: impl Fn(&Primitive, usize) -> bool) -> Vec<Face> {
        let Some(c) = self.csg(var) else {
            return Vec::new();
        };
        (0..c.surfaces.len())
            .filter(|s| pick(&c.prims[c.surfaces[*s].prim], c.surfaces[*s].part))
            .map(|surface| Face::Surface { var, surface })
            .collect()
    }

    /// `boundary NAME`: the boundary surfaces of the piece's primitives.
    pub(super) fn piece_faces(
        &mut self,
        var: usize,
        piece: usize,
        span: Span,
    ) -> Option<Vec<Face>> {
        let c = self.csg(var)?;
        let name = c.pieces[piece].name.clone();
        let faces: Vec<Face> = c
            .piece_surfaces(piece)
            .into_iter()
            .map(|surface| Face::Surface { var, surface })
            .collect();
        if faces.is_empty() {
            self.not_on_boundary(
                span,
                var,
                &format!("no part of `{name}` is on the boundary of the domain"),
            );
            return None;
        }
        Some(faces)
    }

    /// `x[k] = c`: the faces of boxes at `x[k] = c` and the planes `x[k] = c` of half-spaces.
    pub(super) fn csg_component_faces(
        &mut self,
        var: usize,
        k: i64,
        value: f64,
        index_span: Span,
        span: Span,
    ) -> Option<Vec<Face>> {
        let dim = self.csg(var)?.dim();
        if k < 1 || k as usize > dim {
            let name = self.space[var].name.clone();
            self.diags.push(
                Diag::error(
                    "pdec::check::index_out_of_range",
                    format!("component {k} is out of range for `{name}`"),
                )
                .primary(index_span, format!("`{name}` has {dim} components"))
                .help(format!("components of `{name}` run from 1 to {dim}")),
            );
            return None;
        }
        let k = k as usize - 1;
        let faces = self.surfaces_where(var, |p, part| match p {
            Primitive::Box { lo, hi } => {
                part / 2 == k && value == if part.is_multiple_of(2) { lo[k] } else { hi[k] }
            }
            Primitive::HalfSpace { normal, offset } => {
                (0..dim).all(|j| j == k || normal[j] == 0.0) && normal[k] * value == *offset
            }
            _ => false,
        });
        if faces.is_empty() {
            let name = &self.space[var].name;
            let why = format!(
                "no face at `{name}[{}] = {}` is on the boundary",
                k + 1,
                format_number(value)
            );
            self.not_on_boundary(span, var, &why);
            return None;
        }
        Some(faces)
    }

    /// `norm(x) = r`: the spheres of balls of radius `r` centred at 0.
    pub(super) fn csg_sphere_faces(&mut self, var: usize, r: f64, span: Span) -> Option<Vec<Face>> {
        let faces = self.surfaces_where(var, |p, _| {
            matches!(p, Primitive::Ball { center, radius } if *radius == r && center.iter().all(|c| *c == 0.0))
        });
        if faces.is_empty() {
            self.not_on_boundary(
                span,
                var,
                "no sphere of that radius around 0 is on the boundary",
            );
            return None;
        }
        Some(faces)
    }

    fn not_on_boundary(&mut self, span: Span, var: usize, why: &str) {
        let names: Vec<String> = self.space[var]
            .domain
            .faces(var)
            .iter()
            .take(6)
            .map(|f| format!("`{}`", self.face_name(*f)))
            .collect();
        let v = &self.space[var];
        self.diags.push(
            Diag::error(
                "pdec::check::not_a_face",
                format!("this locus is not on the boundary of the domain: {why}"),
            )
            .primary(span, "not on the boundary")
            .secondary(v.span, "domain declared here")
            .help(format!(
                "the boundary of `{}` is made of {}; name a piece with `as`, or all of them: `on({})`",
                v.name,
                names.join(", "),
                v.name
            )),
        );
    }

    /// ` (at x = [...])`: a point of a constructive domain's boundary piece, for the
    /// coverage check's messages; empty for other faces.
    pub(super) fn face_point(&self, f: Face) -> String {
        let Face::Surface { var, surface } = f else {
            return String::new();
        };
        let Some(c) = self.csg(var) else {
            return String::new();
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(surface as u64);
        let (mut p, mut n) = (vec![0.0; c.dim()], vec![0.0; c.dim()]);
        c.sample_surface(&c.surfaces[surface], &mut rng, &mut p, &mut n);
        let shown: Vec<String> = p.iter().take(4).map(|v| format!("{v:.4}")).collect();
        let more = if p.len() > 4 { ", ..." } else { "" };
        format!(
            " (at {} = [{}{more}])",
            self.space[var].name,
            shown.join(", ")
        )
    }
}
