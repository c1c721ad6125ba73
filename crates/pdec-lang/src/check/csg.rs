//! Constructive space domains: `A or B` (union), `A and B` (intersection), `A - B`
//! (difference) of primitives: boxes (`[0, 1]^2`, `[0, 1] * [0, 2]`, `box(...)`), balls
//! (`ball(center = [0, 0], radius = 1)`), half-spaces (`halfspace(normal = [1, 0], offset =
//! 0.5)`: the points with `normal . x <= offset`) and, in 2-D, polygons (`polygon([0, 0],
//! [1, 0], [0, 1])`); `A as NAME` names a piece for `boundary NAME: ...`. The set is built
//! and measured by `ir::csg::Csg::build`.

use super::Checker;
use super::domain::DomainUse;
use super::expr::{Ctx, Env};
use crate::builtins::Builtin;
use crate::diag::Diag;
use crate::ir::csg::{
    Csg, CsgError, CsgNode, NamedPiece, Primitive, SetOp, crossing_edges, signed_area2,
};
use crate::ir::{Domain, Shape};
use crate::resolve::Res;
use crate::source::Span;
use crate::syntax::ast::{Arg, BinaryOp, Expr, ExprKind, Ident};
use crate::syntax::print::format_number;

/// The construction being lowered: primitives (with the span that wrote each), nodes, names.
#[derive(Default)]
struct Build {
    prims: Vec<Primitive>,
    spans: Vec<Span>,
    nodes: Vec<CsgNode>,
    pieces: Vec<(NamedPiece, Ident)>,
}

impl Checker<'_> {
    /// Is `e` written as a constructive domain (a set operation, a name, or a primitive that
    /// only constructive domains have)?
    pub(super) fn is_constructive(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Binary { op, .. } => {
                matches!(op, BinaryOp::Sub | BinaryOp::And | BinaryOp::Or)
            }
            ExprKind::Named { .. } => true,
            ExprKind::Call { callee, .. } => matches!(
                self.res.get(0, callee.id),
                Some(Res::Builtin(
                    Builtin::Box | Builtin::HalfSpace | Builtin::Polygon
                ))
            ),
            _ => false,
        }
    }

    /// The constructive domain `e` declares for space variable number `var`.
    pub(super) fn csg_domain(&mut self, e: &Expr, var: usize) -> Option<Domain> {
        let mut b = Build::default();
        let root = self.csg_node(e, &mut b)?;
        debug_assert_eq!(root + 1, b.nodes.len());
        let dim = b.prims[0].dim();
        if let Some(k) = b.prims.iter().position(|p| p.dim() != dim) {
            self.diags.push(
                Diag::error(
                    "pdec::check::csg_dimensions",
                    format!(
                        "the pieces of this domain have different dimensions: {} and {}",
                        dim,
                        b.prims[k].dim()
                    ),
                )
                .primary(b.spans[k], format!("{} components", b.prims[k].dim()))
                .secondary(b.spans[0], format!("{dim} components"))
                .help("every box, ball, half-space and polygon of one domain has the same number of components"),
            );
            return None;
        }
        let idents: Vec<Ident> = b.pieces.iter().map(|(_, n)| n.clone()).collect();
        let pieces = b.pieces.into_iter().map(|(p, _)| p).collect();
        match Csg::build(b.prims, b.nodes, pieces) {
            Ok(csg) => {
                for (k, n) in idents.iter().enumerate() {
                    self.pieces.insert(n.id, (var, k));
                }
                Some(Domain::Csg(csg))
            }
            Err(CsgError::Unbounded { comp }) => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::unbounded_domain",
                        format!("this domain is unbounded along component {}", comp + 1),
                    )
                    .primary(e.span, "not bounded")
                    .help("intersect half-spaces with a box or a ball: `[0, 1]^2 and halfspace(normal = [1, 1], offset = 1)`"),
                );
                None
            }
            Err(CsgError::Empty { draws }) => {
                let why = if draws == 0 {
                    "its pieces do not overlap".to_string()
                } else {
                    format!("none of {draws} points drawn in its bounding box is inside")
                };
                self.diags.push(
                    Diag::error("pdec::check::empty_domain", format!("this domain is empty: {why}"))
                        .primary(e.span, "no points")
                        .help("check the signs of differences and the overlap of intersections; a domain must fill at least 1/20000 of its bounding box"),
                );
                None
            }
        }
    }

    /// Lowers one node of the construction; returns its index.
    fn csg_node(&mut self, e: &Expr, b: &mut Build) -> Option<usize> {
        let op = match &e.kind {
            ExprKind::Binary {
                op: BinaryOp::Sub, ..
            } => Some(SetOp::Difference),
            ExprKind::Binary {
                op: BinaryOp::And, ..
            } => Some(SetOp::Intersection),
            ExprKind::Binary {
                op: BinaryOp::Or, ..
            } => Some(SetOp::Union),
            _ => None,
        };
        if let (Some(op), ExprKind::Binary { lhs, rhs, .. }) = (op, &e.kind) {
            let l = self.csg_node(lhs, b);
            let r = self.csg_node(rhs, b);
            b.nodes.push(CsgNode::Op {
                op,
                lhs: l?,
                rhs: r?,
            });
            return Some(b.nodes.len() - 1);
        }
        if let ExprKind::Named { inner, name } = &e.kind {
            let first = b.prims.len();
            let n = self.csg_node(inner, b)?;
            b.pieces.push((
                NamedPiece {
                    name: name.text.clone(),
                    prims: (first..b.prims.len()).collect(),
                },
                name.clone(),
            ));
            return Some(n);
        }
        let prim = self.primitive(e)?;
        b.prims.push(prim);
        b.spans.push(e.span);
        b.nodes.push(CsgNode::Prim {
            prim: b.prims.len() - 1,
        });
        Some(b.nodes.len() - 1)
    }

    /// A primitive: `box(D)`, `halfspace(...)`, `polygon(...)`, or any other space domain
    /// (an interval, a box, a ball).
    fn primitive(&mut self, e: &Expr) -> Option<Primitive> {
        if let ExprKind::Call { callee, args } = &e.kind {
            match self.res.get(0, callee.id) {
                Some(Res::Builtin(Builtin::Box)) => return self.box_primitive(e, args),
                Some(Res::Builtin(Builtin::HalfSpace)) => return self.halfspace(e, args),
                Some(Res::Builtin(Builtin::Polygon)) => return self.polygon(e, args),
                _ => {}
            }
        }
        match self.domain(e, DomainUse::Space)? {
            Domain::Interval { lo, hi } => Some(Primitive::Box {
                lo: vec![lo],
                hi: vec![hi],
            }),
            Domain::Box { lo, hi } => Some(Primitive::Box { lo, hi }),
            Domain::Ball { center, radius } => Some(Primitive::Ball { center, radius }),
            // Not produced for a primitive: `domain` sends set operations here, not back.
            Domain::Csg(_) => None,
        }
    }

    /// `box([0, 1]^2)`, `box([0, 1] * [0, 2])`: a box, written so it can be named.
    fn box_primitive(&mut self, e: &Expr, args: &[Arg]) -> Option<Primitive> {
        let [a] = args else {
            self.bad_primitive(e.span, "`box` takes one box: `box([0, 1]^2)`");
            return None;
        };
        match self.domain(&a.value, DomainUse::Space)? {
            Domain::Interval { lo, hi } => Some(Primitive::Box {
                lo: vec![lo],
                hi: vec![hi],
            }),
            Domain::Box { lo, hi } => Some(Primitive::Box { lo, hi }),
            _ => {
                self.bad_primitive(
                    a.value.span,
                    "`box` takes a box: `box([0, 1]^2)` or `box([0, 1] * [0, 2])`",
                );
                None
            }
        }
    }

    /// `halfspace(normal = n, offset = c)`: `{ x : n . x <= c }`.
    fn halfspace(&mut self, e: &Expr, args: &[Arg]) -> Option<Primitive> {
        let help = "write `halfspace(normal = [1, 0], offset = 0.5)`: the points with `normal . x <= offset`";
        let (mut normal, mut offset) = (None, None);
        for (i, a) in args.iter().enumerate() {
            match (a.name.as_ref().map(|n| n.text.as_str()), i) {
                (Some("normal"), _) | (None, 0) => normal = Some(&a.value),
                (Some("offset"), _) | (None, 1) => offset = Some(&a.value),
                _ => {
                    self.bad_primitive(a.value.span, help);
                    return None;
                }
            }
        }
        let (Some(n), Some(c)) = (normal, offset) else {
            self.bad_primitive(e.span, help);
            return None;
        };
        let n_span = n.span;
        let n = self.const_vector(n, "a half-space's normal")?;
        let c = self.const_scalar(c, &Env::default(), "a half-space's offset")?;
        let len = n.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(len > 0.0 && len.is_finite()) {
            self.bad_primitive(n_span, "the normal must not be zero");
            return None;
        }
        Some(Primitive::HalfSpace {
            normal: n.iter().map(|v| v / len).collect(),
            offset: c / len,
        })
    }

    /// `polygon([x1, y1], [x2, y2], ...)`: a simple polygon in 2-D, stored counter-clockwise.
    fn polygon(&mut self, e: &Expr, args: &[Arg]) -> Option<Primitive> {
        let mut vertices = Vec::new();
        for a in args {
            if a.name.is_some() {
                self.bad_primitive(
                    a.value.span,
                    "a polygon takes its vertices in order: `polygon([0, 0], [1, 0], [0, 1])`",
                );
                return None;
            }
            let v = self.const_vector(&a.value, "a polygon vertex")?;
            let [x, y] = v[..] else {
                self.bad_primitive(
                    a.value.span,
                    "a polygon's vertices are points in 2-D: `[x, y]`",
                );
                return None;
            };
            vertices.push([x, y]);
        }
        let not_simple = |this: &mut Self, msg: String, label: &str| {
            this.diags.push(
                Diag::error("pdec::check::polygon_not_simple", msg)
                    .primary(e.span, label.to_string())
                    .help("list the vertices in order around the polygon, each once; edges may meet only at their shared vertex"),
            );
        };
        if vertices.len() < 3 {
            not_simple(
                self,
                format!(
                    "a polygon needs at least 3 vertices, found {}",
                    vertices.len()
                ),
                "too few vertices",
            );
            return None;
        }
        if let Some((i, j)) = crossing_edges(&vertices) {
            let (n, p) = (vertices.len(), |v: [f64; 2]| {
                format!("[{}, {}]", format_number(v[0]), format_number(v[1]))
            });
            not_simple(
                self,
                format!(
                    "this polygon is not simple: edge {} ({} to {}) meets edge {} ({} to {})",
                    i + 1,
                    p(vertices[i]),
                    p(vertices[(i + 1) % n]),
                    j + 1,
                    p(vertices[j]),
                    p(vertices[(j + 1) % n])
                ),
                "edges cross",
            );
            return None;
        }
        if signed_area2(&vertices) < 0.0 {
            vertices.reverse();
        }
        Some(Primitive::Polygon { vertices })
    }

    /// A constant vector (a list or a `const`), as numbers.
    fn const_vector(&mut self, e: &Expr, what: &'static str) -> Option<Vec<f64>> {
        let n = self.lower(e, &Env::default(), Ctx { what, ..Ctx::CONST })?;
        let ty = self.g.ty(n).clone();
        let values = crate::ir::eval::leaf(&self.g, n).map(|d| d.data.to_vec());
        match (ty.shape, values) {
            (Shape::Vector(_), Some(v))
                if ty.axes.is_empty() && v.iter().all(|x| x.is_finite()) =>
            {
                Some(v)
            }
            _ => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::vector_expected",
                        format!("{what} must be a constant vector"),
                    )
                    .primary(e.span, "not a constant vector")
                    .help("write its components: `[0.3, 0]`"),
                );
                None
            }
        }
    }

    fn bad_primitive(&mut self, span: Span, help: &str) {
        self.diags.push(
            Diag::error("pdec::check::bad_domain", "this is not a domain")
                .primary(span, "expected a domain")
                .help(help.to_string()),
        );
    }

    /// `NAME` of `A as NAME` used outside a constructive space domain.
    pub fn misplaced_piece_name(&mut self, name: &Ident, span: Span) {
        self.diags.push(
            Diag::error(
                "pdec::check::misplaced_piece_name",
                format!("`as {}` names a piece of a constructive domain, not a value", name.text),
            )
            .primary(span, "not a piece of a space domain")
            .help("name a box, ball, half-space or polygon of a `space` domain: `space x in [0, 1]^2 - ball(center = [0.5, 0.5], radius = 0.2) as hole`; parenthesise a box: `box([0, 1]^2) as plate`"),
        );
    }
}
