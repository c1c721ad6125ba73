//! `dist` as the checker writes it: the ansatz pass proves the value conditions on the
//! chosen pieces (and only those) imposed, the IR form is zero on the pieces and positive
//! inside, and its first and second derivatives (the IR's own rules, which the solver's
//! jets follow) agree with finite differences of its values.

use crate::driver::{Compiled, compile};
use crate::ir::diff::diff_along;
use crate::ir::{Comp, Coord, Domain, NodeId, Problem};
use crate::passes::ansatz::value_at;
use crate::source::SourceFile;
use rand::SeedableRng;

fn compiled(src: &str) -> Compiled {
    compile(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &[],
    )
}

fn problem(c: &Compiled) -> &Problem {
    assert!(!c.diags.has_errors(), "{:#?}", c.diags);
    &c.checked.as_ref().expect("checked").problem
}

const LSHAPE: &str = "space x in [0, 2]^2 - box([1, 2]^2) as notch\nunknown u(x)\n\
    pde -lap(u) = 1\nboundary on(x): u = 0\n";

const ANNULUS: &str = "space x in ball(center = [0, 0], radius = 1) as outer - ball(center = [0, 0], radius = 0.5) as inner\n\
    unknown u(x)\npde lap(u) = 0\nboundary outer: u = log(2)\n";

#[test]
fn dist_of_the_boundary_imposes_every_value_condition() {
    let c = compiled(&format!("{LSHAPE}ansatz u = dist(boundary) * net\n"));
    let p = problem(&c);
    assert_eq!(p.imposed, ["boundary on(x)"]);
    assert!(p.conditions.is_empty());
    // A plain box and an interval too.
    let c = compiled(
        "space x in [0, 1]^2\nspace y in [-1, 2]\nunknown u(x, y)\npde lap(u, x) + d(u, y, y) = 1\n\
         boundary on(x): u = 0\nboundary on(y): u = 0\nansatz u = dist(boundary) * net\n",
    );
    assert_eq!(problem(&c).imposed.len(), 2);
}

#[test]
fn dist_of_a_piece_imposes_its_conditions_and_no_other() {
    let c = compiled(&format!(
        "{ANNULUS}boundary inner: dn(u) = -2\nansatz u = log(2) + dist(outer) * net\n"
    ));
    let p = problem(&c);
    assert_eq!(p.imposed, ["boundary outer"]);
    assert_eq!(p.conditions.len(), 1);
    // A value condition on the other piece stays a loss term: dist(outer) is not zero there.
    let c = compiled(&format!(
        "{ANNULUS}boundary inner: u = 0\nansatz u = log(2) + dist(outer) * net\n"
    ));
    let p = problem(&c);
    assert_eq!(p.imposed, ["boundary outer"]);
    assert_eq!(p.conditions[0].name, "boundary inner");
    // Both pieces named: both imposed where `g` meets both.
    let c = compiled(&format!(
        "{ANNULUS}boundary inner: u = log(2)\nansatz u = log(2) + dist(outer, inner) * net\n"
    ));
    assert_eq!(problem(&c).imposed.len(), 2);
}

/// The ansatz's `dist` factor (net = 1) at a point of the domain.
fn value(p: &Problem, node: NodeId, x: &[f64]) -> f64 {
    let layout = crate::geometry::Layout::new(p);
    value_at(p, &layout, x, &[1.0], node).expect("a value")
}

/// `dist(...)` in `ansatz u = g + dist(...) * net`: the factor of the network.
fn dist_factor(p: &Problem) -> NodeId {
    let a = p.unknowns[0].ansatz.as_ref().expect("ansatz").node;
    let mut found = None;
    p.graph.any(a, &mut |op| {
        if let crate::ir::Op::Binary(crate::ir::BinOp::Mul, l, r) = op {
            match (p.graph.op(*l), p.graph.op(*r)) {
                (_, crate::ir::Op::U(_)) => found = Some(*l),
                (crate::ir::Op::U(_), _) => found = Some(*r),
                _ => {}
            }
        }
        found.is_some()
    });
    found.expect("a factor of net")
}

#[test]
fn derivatives_agree_with_finite_differences() {
    for src in [
        format!("{LSHAPE}ansatz u = dist(boundary) * net\n"),
        format!(
            "{ANNULUS}boundary inner: u = log(2)\nansatz u = log(2) + dist(outer, inner) * net\n"
        ),
        "space x in polygon([0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2])\nunknown u(x)\n\
         pde -lap(u) = 1\nboundary on(x): u = 0\nansatz u = dist(boundary) * net\n"
            .to_string(),
    ] {
        let c = compiled(&src);
        let mut p = problem(&c).clone();
        let a = dist_factor(&p);
        let Domain::Csg(csg) = p.space[0].domain.clone() else {
            panic!("a constructive domain")
        };
        let along = |k| Coord::Space {
            var: 0,
            comp: Comp::Fixed(k),
        };
        let span = p.graph.node(a).span;
        let mut first = Vec::new();
        let mut second = Vec::new();
        for k in 0..2 {
            let dk = diff_along(&mut p.graph, a, along(k), span).expect("d/dx_k");
            first.push(dk);
            second.push(diff_along(&mut p.graph, dk, along(k), span).expect("d2/dx_k2"));
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut x = vec![0.0; 2];
        let h = 1e-4;
        for _ in 0..200 {
            csg.sample_inside(&mut rng, &mut x);
            let v = value(&p, a, &x);
            assert!(v > 0.0, "{v} at {x:?}");
            for k in 0..2 {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[k] += h;
                xm[k] -= h;
                let (vp, vm) = (value(&p, a, &xp), value(&p, a, &xm));
                let fd1 = (vp - vm) / (2.0 * h);
                let fd2 = (vp - 2.0 * v + vm) / (h * h);
                let (d1, d2) = (value(&p, first[k], &x), value(&p, second[k], &x));
                // Differences reaching outside the domain (near a corner) are skipped.
                if !(csg.contains(&xp) && csg.contains(&xm)) {
                    continue;
                }
                assert!(
                    (d1 - fd1).abs() <= 1e-6 * (1.0 + d1.abs()),
                    "{d1} vs {fd1} at {x:?}"
                );
                assert!(
                    (d2 - fd2).abs() <= 1e-3 * (1.0 + d2.abs()),
                    "{d2} vs {fd2} at {x:?} in {src}"
                );
            }
        }
    }
}

#[test]
fn zero_on_the_pieces_it_names() {
    let c = compiled(&format!("{LSHAPE}ansatz u = dist(notch) * net\n"));
    let p = problem(&c);
    let a = dist_factor(p);
    let Domain::Csg(csg) = &p.space[0].domain else {
        panic!("a constructive domain")
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let (mut x, mut n) = (vec![0.0; 2], vec![0.0; 2]);
    for s in &csg.surfaces {
        let on_notch = s.prim == 1;
        for _ in 0..200 {
            csg.sample_surface(s, &mut rng, &mut x, &mut n);
            let v = value(p, a, &x);
            if on_notch {
                assert!(v.abs() <= 1e-12, "{v} at {x:?}");
            } else if !csg.prims[1].near_surface(&x, 1e-9) {
                assert!(v > 0.0, "{v} at {x:?}");
            }
        }
    }
}

#[test]
fn many_surfaces_stay_small_and_print_as_the_call() {
    // A 16-gon: each level appears once in the join, so the ansatz's second derivatives
    // stay within the node limit (a product form doubled with every edge).
    let n = 16;
    let vertices: Vec<String> = (0..n)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / n as f64;
            format!("[{:.4}, {:.4}]", a.cos(), a.sin())
        })
        .collect();
    let src = format!(
        "space x in polygon({})\nunknown u(x)\npde -lap(u) = 1\nboundary on(x): u = 0\n\
         ansatz u = dist(boundary) * net\n",
        vertices.join(", ")
    );
    let c = compiled(&src);
    let p = problem(&c);
    assert_eq!(p.imposed, ["boundary on(x)"]);
    let printer = crate::ir::print::Printer { problem: p };
    let a = p.unknowns[0].ansatz.as_ref().expect("ansatz").node;
    assert_eq!(printer.expr(a), "dist(boundary) * net");
    let pde = printer.expr(p.pdes[0].residual);
    assert!(pde.contains("d(dist(boundary), x[k], x[k])"), "{pde}");
}
