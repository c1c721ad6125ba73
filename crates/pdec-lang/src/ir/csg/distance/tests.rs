//! The levels of boundary surfaces and their R-equivalence: zero on the surfaces (at points
//! the samplers draw), positive inside, normalised, the smooth form wherever the domain lies
//! on one side, a trimmed segment where a plane runs on into the domain, and a refusal where
//! a surface passes through the domain.

use super::*;
use crate::ir::csg::{CsgNode, SetOp};
use rand_chacha::ChaCha8Rng;

fn boxed(lo: &[f64], hi: &[f64]) -> Primitive {
    Primitive::Box {
        lo: lo.to_vec(),
        hi: hi.to_vec(),
    }
}

fn ball(center: &[f64], radius: f64) -> Primitive {
    Primitive::Ball {
        center: center.to_vec(),
        radius,
    }
}

fn op(op: SetOp, prims: Vec<Primitive>) -> Csg {
    let nodes = vec![
        CsgNode::Prim { prim: 0 },
        CsgNode::Prim { prim: 1 },
        CsgNode::Op { op, lhs: 0, rhs: 1 },
    ];
    Csg::build(prims, nodes, Vec::new()).expect("a valid domain")
}

fn levels(c: &Csg) -> Vec<Level> {
    (0..c.surfaces.len())
        .map(|s| c.level(s).expect("a level"))
        .collect()
}

/// The joined level is zero on every surface (1e-12) and positive at points inside.
fn zero_on_boundary_positive_inside(c: &Csg) {
    let levels = levels(c);
    let dist = |p: &[f64]| join(&levels.iter().map(|l| l.value(p)).collect::<Vec<_>>());
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let d = c.dim();
    let (mut p, mut n) = (vec![0.0; d], vec![0.0; d]);
    for s in &c.surfaces {
        for _ in 0..500 {
            c.sample_surface(s, &mut rng, &mut p, &mut n);
            let v = dist(&p);
            assert!(v.abs() <= 1e-12, "{v} at {p:?} on {s:?}");
        }
    }
    for _ in 0..2000 {
        c.sample_inside(&mut rng, &mut p);
        let v = dist(&p);
        assert!(v > 0.0, "{v} at {p:?}");
    }
}

#[test]
fn an_l_shape_trims_the_notch_and_keeps_the_outer_faces_smooth() {
    let c = op(
        SetOp::Difference,
        vec![
            boxed(&[0.0, 0.0], &[2.0, 2.0]),
            boxed(&[1.0, 1.0], &[2.0, 2.0]),
        ],
    );
    for (s, l) in c.surfaces.iter().zip(levels(&c)) {
        match (s.prim, &l) {
            (0, Level::Plane { .. }) | (1, Level::Segment { .. }) => {}
            _ => panic!("surface {s:?} has level {l:?}"),
        }
    }
    zero_on_boundary_positive_inside(&c);
}

#[test]
fn an_annulus_and_a_plate_with_a_hole() {
    let annulus = op(
        SetOp::Difference,
        vec![ball(&[0.0, 0.0], 1.0), ball(&[0.0, 0.0], 0.5)],
    );
    assert_eq!(
        levels(&annulus),
        [
            Level::Sphere {
                center: vec![0.0, 0.0],
                radius: 1.0,
                sign: 1.0
            },
            Level::Sphere {
                center: vec![0.0, 0.0],
                radius: 0.5,
                sign: -1.0
            }
        ]
    );
    zero_on_boundary_positive_inside(&annulus);
    let plate = op(
        SetOp::Difference,
        vec![boxed(&[-1.0, -1.0], &[1.0, 1.0]), ball(&[0.3, 0.0], 0.3)],
    );
    zero_on_boundary_positive_inside(&plate);
    // In ten dimensions too: the hole's sphere is smooth.
    let cube = op(
        SetOp::Difference,
        vec![boxed(&[0.0; 10], &[1.0; 10]), ball(&[0.5; 10], 0.3)],
    );
    zero_on_boundary_positive_inside(&cube);
}

#[test]
fn a_concave_polygon_trims_its_reentrant_edges() {
    let l = vec![
        [0.0, 0.0],
        [2.0, 0.0],
        [2.0, 1.0],
        [1.0, 1.0],
        [1.0, 2.0],
        [0.0, 2.0],
    ];
    let c = Csg::build(
        vec![Primitive::Polygon { vertices: l }],
        vec![CsgNode::Prim { prim: 0 }],
        Vec::new(),
    )
    .expect("an L");
    let trimmed: Vec<usize> = levels(&c)
        .iter()
        .zip(&c.surfaces)
        .filter(|(l, _)| matches!(l, Level::Segment { .. }))
        .map(|(_, s)| s.part)
        .collect();
    assert_eq!(trimmed, [2, 3]);
    zero_on_boundary_positive_inside(&c);
    // A triangle cut from a box by a half-space: every level smooth.
    let t = op(
        SetOp::Intersection,
        vec![
            boxed(&[0.0, 0.0], &[1.0, 1.0]),
            Primitive::HalfSpace {
                normal: vec![std::f64::consts::FRAC_1_SQRT_2; 2],
                offset: std::f64::consts::FRAC_1_SQRT_2,
            },
        ],
    );
    assert!(levels(&t).iter().all(|l| matches!(l, Level::Plane { .. })));
    zero_on_boundary_positive_inside(&t);
}

#[test]
fn surfaces_through_the_domain_are_refused() {
    // Two overlapping discs: each circle runs through the other disc.
    let c = op(
        SetOp::Union,
        vec![ball(&[0.0, 0.0], 1.0), ball(&[1.0, 0.0], 1.0)],
    );
    for s in 0..c.surfaces.len() {
        let e = c.level(s).expect_err("a circle through the domain");
        assert!(c.contains(&e.point), "{e:?}");
    }
    // A 3-D notch: its faces' planes enter the domain and are not trimmed.
    let c = op(
        SetOp::Difference,
        vec![
            boxed(&[0.0; 3], &[2.0; 3]),
            boxed(&[1.0, 1.0, 0.0], &[2.0, 2.0, 2.0]),
        ],
    );
    let refused: Vec<usize> = (0..c.surfaces.len())
        .filter(|s| c.level(*s).is_err())
        .map(|s| c.surfaces[s].prim)
        .collect();
    assert!(
        !refused.is_empty() && refused.iter().all(|p| *p == 1),
        "{refused:?}"
    );
}

#[test]
fn levels_have_unit_slope_across_their_surface() {
    let c = op(
        SetOp::Difference,
        vec![
            boxed(&[0.0, 0.0], &[2.0, 2.0]),
            boxed(&[1.0, 1.0], &[2.0, 2.0]),
        ],
    );
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (mut p, mut n) = (vec![0.0; 2], vec![0.0; 2]);
    for (s, l) in c.surfaces.iter().zip(levels(&c)) {
        c.sample_surface(s, &mut rng, &mut p, &mut n);
        let h = 1e-6;
        let q: Vec<f64> = p.iter().zip(&n).map(|(v, n)| v - h * n).collect();
        let slope = l.value(&q) / h;
        assert!((slope - 1.0).abs() < 1e-4, "{slope} on {s:?}");
    }
}

#[test]
fn the_join_is_zero_with_any_zero_and_the_harmonic_form_otherwise() {
    assert_eq!(join(&[0.0, 3.0, 2.0]), 0.0);
    assert_eq!(join(&[2.0, 0.0]), 0.0);
    let v = join(&[1.0, 2.0, 4.0]);
    assert!((v - 1.0 / (1.0 + 0.5 + 0.25)).abs() < 1e-15);
}
