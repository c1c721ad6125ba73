//! `dist(boundary)` and `dist(PIECE, ...)`: an approximate distance to boundary pieces,
//! written into the IR as ordinary arithmetic (planes, spheres, trimmed segments joined by
//! R-equivalence, [`crate::ir::csg::distance`]), so the ansatz pass, the evaluator and the
//! solver's jets differentiate it like any other expression of the inputs. Its point is the
//! hard-constraint ansatz `u = g + dist(P) * net`, which the ansatz pass then proves meets
//! the value conditions on `P`.

use super::{Ctx, Env};
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::csg::distance::{Level, Untrimmable};
use crate::ir::{BinOp, Domain, Input, NodeId, Op, Sel, Shape, Ty, UnOp};
use crate::resolve::Res;
use crate::source::Span;
use crate::syntax::ast::{Arg, ExprKind, Ident};
use crate::syntax::print::format_number;

/// One surface `dist` vanishes on: its space variable and its level.
struct Chosen {
    var: usize,
    level: Level,
}

impl Checker<'_> {
    pub(super) fn lower_dist(
        &mut self,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        if args.is_empty() {
            self.arity(span, &callee.text, "dist(boundary)", 0);
            return None;
        }
        if !ctx.inputs {
            self.diags.push(
                Diag::error(
                    "pdec::check::not_constant",
                    format!(
                        "{} must be known before training, but it uses `dist`",
                        ctx.what
                    ),
                )
                .primary(span, "a function of the space variables, not a constant")
                .help(
                    "use `dist` in an ansatz or an equation, where the space variables are known",
                ),
            );
            return None;
        }
        let mut chosen: Vec<(usize, Option<usize>)> = Vec::new();
        let mut ok = true;
        for a in args {
            match self.dist_argument(&a.value.kind, a.value.span, env) {
                Some(surfaces) => {
                    for s in surfaces {
                        if !chosen.contains(&s) {
                            chosen.push(s);
                        }
                    }
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let mut levels = Vec::new();
        // Whether the construction proves every level non-negative on the domain.
        let mut proven = true;
        for (var, surface) in chosen {
            match self.level_of(var, surface) {
                Ok(more) => {
                    // A box's, a ball's or an interval's own faces are non-negative on it.
                    proven &= match (&self.space[var].domain, surface) {
                        (Domain::Csg(c), Some(s)) => more.iter().all(|l| c.level_nonnegative(s, l)),
                        (Domain::Csg(_), None) => false,
                        _ => true,
                    };
                    levels.extend(more.into_iter().map(|level| Chosen { var, level }));
                }
                Err(e) => {
                    self.untrimmable(var, e, span);
                    return None;
                }
            }
        }
        let r = self.dist_node(&levels, span);
        let node = self.t(r, span)?;
        // The Monte Carlo path needs the sign of `dist` in front of second derivatives.
        if proven {
            self.g.nonnegative.insert(node);
        }
        // `pdec explain` prints the call, not the arithmetic it stands for.
        let names: Vec<&str> = args
            .iter()
            .filter_map(|a| match &a.value.kind {
                ExprKind::Name(n) => Some(n.text.as_str()),
                _ => None,
            })
            .collect();
        let text = format!("dist({})", names.join(", "));
        self.g.labels.entry(node).or_insert(crate::ir::Label {
            text,
            coords: Vec::new(),
        });
        Some(node)
    }

    /// The surfaces one argument names: `(var, Some(surface))` for a surface of a
    /// constructive domain, `(var, None)` for every face of a box, ball or interval.
    fn dist_argument(
        &mut self,
        kind: &ExprKind,
        span: Span,
        env: &Env,
    ) -> Option<Vec<(usize, Option<usize>)>> {
        if let ExprKind::Name(n) = kind {
            // Only `dist(boundary)` makes this word a name (the grammar's `boundary_arg`).
            if n.text == "boundary" {
                if self.space.is_empty() {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::dist_no_space",
                            "`dist(boundary)` needs a space variable, and the problem has none",
                        )
                        .primary(span, "no boundary to measure from")
                        .help("declare the space, e.g. `space x in [0, 1]`; a condition at the start of time is imposed by a factor `t` instead"),
                    );
                    return None;
                }
                let mut out = Vec::new();
                for (var, s) in self.space.iter().enumerate() {
                    match &s.domain {
                        Domain::Csg(c) => out.extend((0..c.surfaces.len()).map(|k| (var, Some(k)))),
                        _ => out.push((var, None)),
                    }
                }
                return Some(out);
            }
            match self.res.get(env.module, n.id) {
                // Not resolved: already reported.
                None => return None,
                Some(Res::Local(id)) if env.module == 0 => {
                    if let Some((var, piece)) = self.pieces.get(&id).copied() {
                        let faces = self.piece_faces(var, piece, span)?;
                        return Some(
                            faces
                                .into_iter()
                                .filter_map(|f| match f {
                                    crate::ir::Face::Surface { var, surface } => {
                                        Some((var, Some(surface)))
                                    }
                                    _ => None,
                                })
                                .collect(),
                        );
                    }
                }
                _ => {}
            }
        }
        let pieces: Vec<String> = self
            .space
            .iter()
            .filter_map(|s| match &s.domain {
                Domain::Csg(c) => Some(c.pieces.iter().map(|p| format!("`{}`", p.name))),
                _ => None,
            })
            .flatten()
            .collect();
        let help = if pieces.is_empty() {
            "write `dist(boundary)` for the whole boundary; to measure from part of it, name a piece of a constructive domain with `as` (`box([0, 1]^2) - ball(center = [0.5, 0.5], radius = 0.2) as hole`) and write `dist(hole)`".to_string()
        } else {
            format!(
                "write `dist(boundary)` for the whole boundary, or name pieces: {}",
                pieces.join(", ")
            )
        };
        self.diags.push(
            Diag::error(
                "pdec::check::dist_argument",
                "`dist` takes `boundary` or names of boundary pieces",
            )
            .primary(span, "not the boundary or a piece of it")
            .help(help),
        );
        None
    }

    /// The levels of a surface of a constructive domain, or of every face of another domain.
    fn level_of(&self, var: usize, surface: Option<usize>) -> Result<Vec<Level>, Untrimmable> {
        let domain = &self.space[var].domain;
        let plane = |k: usize, d: usize, n: f64, at: f64| {
            let mut normal = vec![0.0; d];
            normal[k] = n;
            Level::Plane {
                normal,
                offset: n * at,
            }
        };
        Ok(match (domain, surface) {
            (Domain::Csg(c), Some(s)) => vec![c.level(s)?],
            (Domain::Csg(c), None) => (0..c.surfaces.len())
                .map(|s| c.level(s))
                .collect::<Result<_, _>>()?,
            (Domain::Interval { lo, hi }, _) => vec![plane(0, 1, -1.0, *lo), plane(0, 1, 1.0, *hi)],
            (Domain::Box { lo, hi }, _) => (0..lo.len())
                .flat_map(|k| {
                    [
                        plane(k, lo.len(), -1.0, lo[k]),
                        plane(k, lo.len(), 1.0, hi[k]),
                    ]
                })
                .collect(),
            (Domain::Ball { center, radius }, _) => vec![Level::Sphere {
                center: center.clone(),
                radius: *radius,
                sign: 1.0,
            }],
        })
    }

    fn untrimmable(&mut self, var: usize, e: Untrimmable, span: Span) {
        let Domain::Csg(c) = &self.space[var].domain else {
            return;
        };
        let name = &self.space[var].name;
        let surface = c.surface_name(name, e.surface);
        let point: Vec<String> = e.point.iter().map(|v| format_number(round(*v))).collect();
        self.diags.push(
            Diag::error(
                "pdec::check::dist_surface_inside",
                format!("the surface of `{surface}` runs through the inside of the domain, so a distance to it would vanish there"),
            )
            .primary(span, format!("it passes inside near {name} = [{}]", point.join(", ")))
            .help("`dist` measures from whole primitive surfaces (trimmed to their segment in 2-D): build the domain so that this surface is all boundary or outside, or leave its condition a loss term and use `dist` of the other pieces"),
        );
    }

    /// The R-equivalence of the levels as IR: one level as it is, several as
    /// `1 / (1 / phi_1 + ... + 1 / phi_n)`. Each level appears once, so the derivatives the
    /// ansatz pass forms stay linear in their number (the product form `a b / (a + b)`,
    /// folded, names its left side twice at every step and its derivatives double with each
    /// surface). On a surface `1 / phi_i` is infinite and the value exactly 0.
    fn dist_node(&mut self, levels: &[Chosen], span: Span) -> Result<NodeId, crate::ir::TypeError> {
        if let [one] = levels {
            return self.level_node(one, span);
        }
        let one = self.g.constant(1.0, span);
        let mut sum: Option<NodeId> = None;
        for c in levels {
            let v = self.level_node(c, span)?;
            let inv = self.g.binary(BinOp::Div, one, v, span)?;
            sum = Some(match sum {
                None => inv,
                Some(s) => self.g.binary(BinOp::Add, s, inv, span)?,
            });
        }
        match sum {
            Some(s) => self.g.binary(BinOp::Div, one, s, span),
            None => Ok(one),
        }
    }

    fn level_node(&mut self, c: &Chosen, span: Span) -> Result<NodeId, crate::ir::TypeError> {
        let dim = self.space[c.var].domain.dim();
        let shape = dim.map_or(Shape::Scalar, Shape::Vector);
        let x = self
            .g
            .add(Op::Input(Input::Space(c.var)), Ty::of_shape(shape), span);
        let g = &mut self.g;
        let comp = |g: &mut crate::ir::Graph, k: usize| match dim {
            None => Ok(x),
            Some(_) => g.index(x, &[Sel::Fixed(k)], span),
        };
        let num = |g: &mut crate::ir::Graph, v: f64| g.constant(v, span);
        // `x_k - c` and its square.
        let shifted = |g: &mut crate::ir::Graph, k: usize, c: f64| {
            let xk = comp(g, k)?;
            let ck = num(g, c);
            g.binary(BinOp::Sub, xk, ck, span)
        };
        let square = |g: &mut crate::ir::Graph, a: NodeId| g.binary(BinOp::Mul, a, a, span);
        match &c.level {
            Level::Plane { normal, offset } => {
                let mut acc = num(g, *offset);
                for (k, n) in normal.iter().enumerate().filter(|(_, n)| **n != 0.0) {
                    let xk = comp(g, k)?;
                    let nk = num(g, *n);
                    let term = g.binary(BinOp::Mul, nk, xk, span)?;
                    acc = g.binary(BinOp::Sub, acc, term, span)?;
                }
                Ok(acc)
            }
            Level::Sphere {
                center,
                radius,
                sign,
            } => {
                let mut acc = num(g, radius * radius);
                for (k, ck) in center.iter().enumerate() {
                    let s = shifted(g, k, *ck)?;
                    let s2 = square(g, s)?;
                    acc = g.binary(BinOp::Sub, acc, s2, span)?;
                }
                let scale = num(g, sign / (2.0 * radius));
                g.binary(BinOp::Mul, scale, acc, span)
            }
            Level::Segment { a, b } => {
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let l = (dx * dx + dy * dy).sqrt();
                // f = ((x - a0) dy - (y - a1) dx) / L: the signed distance to the line.
                let px = shifted(g, 0, a[0])?;
                let py = shifted(g, 1, a[1])?;
                let (cy, cx) = (num(g, dy / l), num(g, dx / l));
                let fx = g.binary(BinOp::Mul, px, cy, span)?;
                let fy = g.binary(BinOp::Mul, py, cx, span)?;
                let f = g.binary(BinOp::Sub, fx, fy, span)?;
                // t = ((L/2)^2 - |x - mid|^2) / L: positive on the disc the segment spans.
                let mx = shifted(g, 0, (a[0] + b[0]) / 2.0)?;
                let my = shifted(g, 1, (a[1] + b[1]) / 2.0)?;
                let (mx2, my2) = (square(g, mx)?, square(g, my)?);
                let r2 = g.binary(BinOp::Add, mx2, my2, span)?;
                let quarter = num(g, l * l / 4.0);
                let t = g.binary(BinOp::Sub, quarter, r2, span)?;
                let inv_l = num(g, 1.0 / l);
                let t = g.binary(BinOp::Mul, t, inv_l, span)?;
                // psi = sqrt(t^2 + f^4); level = sqrt(f^2 + ((psi - t) / 2)^2).
                let f2 = square(g, f)?;
                let f4 = square(g, f2)?;
                let t2 = square(g, t)?;
                let psi = g.binary(BinOp::Add, t2, f4, span)?;
                let psi = g.unary(UnOp::Sqrt, psi, span)?;
                let gap = g.binary(BinOp::Sub, psi, t, span)?;
                let half = num(g, 0.5);
                let gap = g.binary(BinOp::Mul, gap, half, span)?;
                let gap2 = square(g, gap)?;
                let sum = g.binary(BinOp::Add, f2, gap2, span)?;
                g.unary(UnOp::Sqrt, sum, span)
            }
        }
    }
}

/// A point for a message: four significant digits, as the coverage check names points.
fn round(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(3 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests;
