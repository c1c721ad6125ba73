//! Constructive domains: areas and acceptance rates against closed forms, samplers against
//! uniform laws (chi-square), normals against the set itself (a step along the normal leaves
//! the domain, a step against it enters), coincident faces counted once.

use super::*;
use rand_chacha::ChaCha8Rng;

fn boxed(lo: &[f64], hi: &[f64]) -> Primitive {
    Primitive::Box {
        lo: lo.to_vec(),
        hi: hi.to_vec(),
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

fn lshape() -> Csg {
    op(
        SetOp::Difference,
        vec![
            boxed(&[0.0, 0.0], &[2.0, 2.0]),
            boxed(&[1.0, 1.0], &[2.0, 2.0]),
        ],
    )
}

fn plate() -> Csg {
    op(
        SetOp::Difference,
        vec![
            boxed(&[-1.0, -1.0], &[1.0, 1.0]),
            Primitive::Ball {
                center: vec![0.3, 0.0],
                radius: 0.2,
            },
        ],
    )
}

/// (prim, part) -> area of the boundary surfaces.
fn areas(c: &Csg) -> Vec<(usize, usize, f64)> {
    c.surfaces
        .iter()
        .map(|s| (s.prim, s.part, s.area))
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

#[test]
fn the_l_shape_has_six_pieces_with_their_lengths() {
    let c = lshape();
    assert!(close(c.acceptance, 0.75, 0.03), "{}", c.acceptance);
    let want = [
        (0, 0, 2.0), // x1 = 0
        (0, 1, 1.0), // x1 = 2, below the notch
        (0, 2, 2.0), // x2 = 0
        (0, 3, 1.0), // x2 = 2, left of the notch
        (1, 0, 1.0), // the notch's x1 = 1
        (1, 2, 1.0), // the notch's x2 = 1
    ];
    let got = areas(&c);
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((p, k, a), (wp, wk, wa)) in got.iter().zip(want) {
        assert_eq!((*p, *k), (wp, wk));
        assert!(close(*a, wa, 0.06), "prim {p} part {k}: {a} vs {wa}");
    }
}

#[test]
fn a_polygon_l_shape_matches_the_boxes() {
    let l = Primitive::Polygon {
        vertices: vec![
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 1.0],
            [1.0, 1.0],
            [1.0, 2.0],
            [0.0, 2.0],
        ],
    };
    let c = Csg::build(vec![l], vec![CsgNode::Prim { prim: 0 }], Vec::new()).expect("present");
    assert!(close(c.acceptance, 0.75, 0.03));
    let total: f64 = c.surfaces.iter().map(|s| s.area).sum();
    assert_eq!(c.surfaces.len(), 6);
    assert!(close(total, 8.0, 1e-9), "{total}");
}

#[test]
fn a_half_space_cuts_a_triangle() {
    let c = op(
        SetOp::Intersection,
        vec![
            boxed(&[0.0, 0.0], &[1.0, 1.0]),
            Primitive::HalfSpace {
                normal: vec![0.5f64.sqrt(), 0.5f64.sqrt()],
                offset: 0.5f64.sqrt(),
            },
        ],
    );
    assert!(close(c.acceptance, 0.5, 0.03));
    let diagonal = c.surfaces.iter().find(|s| s.prim == 1).expect("present");
    assert!(close(diagonal.area, 2f64.sqrt(), 0.05), "{}", diagonal.area);
    let total: f64 = c.surfaces.iter().map(|s| s.area).sum();
    assert!(close(total, 2.0 + 2f64.sqrt(), 0.05), "{total}");
}

#[test]
fn coincident_faces_count_once_and_inner_faces_not_at_all() {
    // [0, 1]^2 or [0, 1] x [0, 2]: a 1 x 2 rectangle, perimeter 6.
    let c = op(
        SetOp::Union,
        vec![
            boxed(&[0.0, 0.0], &[1.0, 1.0]),
            boxed(&[0.0, 0.0], &[1.0, 2.0]),
        ],
    );
    let total: f64 = c.surfaces.iter().map(|s| s.area).sum();
    assert!(close(total, 6.0, 0.03), "{total} {:?}", areas(&c));
    // Two unit squares side by side: the shared face x1 = 1 is inside.
    let c = op(
        SetOp::Union,
        vec![
            boxed(&[0.0, 0.0], &[1.0, 1.0]),
            boxed(&[1.0, 0.0], &[2.0, 1.0]),
        ],
    );
    assert!(!c.surfaces.iter().any(|s| (s.prim, s.part) == (0, 1)));
    assert!(!c.surfaces.iter().any(|s| (s.prim, s.part) == (1, 0)));
    let total: f64 = c.surfaces.iter().map(|s| s.area).sum();
    assert!(close(total, 6.0, 1e-9), "{total}");
}

#[test]
fn normals_point_out_of_the_domain_and_into_the_hole() {
    let c = plate();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut p, mut n) = (vec![0.0; 2], vec![0.0; 2]);
    for s in &c.surfaces {
        for _ in 0..200 {
            c.sample_surface(s, &mut rng, &mut p, &mut n);
            assert!((n[0] * n[0] + n[1] * n[1] - 1.0).abs() < 1e-12);
            let h = 1e-4;
            let inner: Vec<f64> = p.iter().zip(&n).map(|(v, m)| v - h * m).collect();
            let outer: Vec<f64> = p.iter().zip(&n).map(|(v, m)| v + h * m).collect();
            assert!(c.contains(&inner) && !c.contains(&outer), "{p:?} {n:?}");
            if s.prim == 1 {
                // The hole's normal points at its centre.
                let r = [(p[0] - 0.3) / 0.2, p[1] / 0.2];
                assert!((n[0] + r[0]).abs() < 1e-9 && (n[1] + r[1]).abs() < 1e-9);
            }
        }
    }
}

/// Pearson's statistic of `counts` against `expected` (same total).
fn chi_square(counts: &[f64], expected: &[f64]) -> f64 {
    counts
        .iter()
        .zip(expected)
        .filter(|(_, e)| **e > 0.0)
        .map(|(c, e)| (c - e) * (c - e) / e)
        .sum()
}

#[test]
fn interior_points_are_uniform_in_the_l_shape() {
    let c = lshape();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 30_000;
    let mut counts = [0.0; 16];
    let mut p = vec![0.0; 2];
    for _ in 0..n {
        c.sample_inside(&mut rng, &mut p);
        assert!(c.contains(&p));
        let (i, j) = (
            (p[0] * 2.0).min(3.0) as usize,
            (p[1] * 2.0).min(3.0) as usize,
        );
        counts[i * 4 + j] += 1.0;
    }
    // Cells of side 0.5; the four with both coordinates above 1 are the notch.
    let expected: Vec<f64> = (0..16)
        .map(|k| {
            if k / 4 >= 2 && k % 4 >= 2 {
                0.0
            } else {
                n as f64 / 12.0
            }
        })
        .collect();
    assert!(
        counts
            .iter()
            .zip(&expected)
            .all(|(c, e)| *e > 0.0 || *c == 0.0)
    );
    // 11 degrees of freedom: 40 is beyond the 0.9999 quantile.
    let x2 = chi_square(&counts, &expected);
    assert!(x2 < 40.0, "chi-square {x2}: {counts:?}");
}

#[test]
fn boundary_points_are_uniform_on_each_piece() {
    let c = plate();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (mut p, mut nrm) = (vec![0.0; 2], vec![0.0; 2]);
    // The hole: uniform in angle (8 bins).
    let hole = c.surfaces.iter().find(|s| s.prim == 1).expect("present");
    assert!(close(hole.area, 2.0 * std::f64::consts::PI * 0.2, 0.02));
    let mut counts = [0.0; 8];
    for _ in 0..8000 {
        c.sample_surface(hole, &mut rng, &mut p, &mut nrm);
        let a = p[1].atan2(p[0] - 0.3) + std::f64::consts::PI;
        counts[((a / (2.0 * std::f64::consts::PI) * 8.0) as usize).min(7)] += 1.0;
    }
    let x2 = chi_square(&counts, &[1000.0; 8]);
    assert!(x2 < 30.0, "chi-square {x2}: {counts:?}");
    // A face of the plate: uniform along it (10 bins).
    let face = c
        .surfaces
        .iter()
        .find(|s| (s.prim, s.part) == (0, 0))
        .expect("present");
    let mut counts = [0.0; 10];
    for _ in 0..10_000 {
        c.sample_surface(face, &mut rng, &mut p, &mut nrm);
        assert_eq!(p[0], -1.0);
        assert_eq!(nrm, vec![-1.0, 0.0]);
        counts[(((p[1] + 1.0) * 5.0) as usize).min(9)] += 1.0;
    }
    let x2 = chi_square(&counts, &[1000.0; 10]);
    assert!(x2 < 35.0, "chi-square {x2}: {counts:?}");
}

#[test]
fn a_partly_removed_face_is_sampled_only_where_it_is_boundary() {
    // The notch's face x1 = 1 runs from x2 = 1 to 2 on the boundary; the big box's x1 = 2
    // only from 0 to 1.
    let c = lshape();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let (mut p, mut n) = (vec![0.0; 2], vec![0.0; 2]);
    let right = c
        .surfaces
        .iter()
        .find(|s| (s.prim, s.part) == (0, 1))
        .expect("present");
    assert!(close(right.fraction, 0.5, 0.1));
    for _ in 0..500 {
        c.sample_surface(right, &mut rng, &mut p, &mut n);
        assert!(p[0] == 2.0 && p[1] <= 1.0 + 1e-12, "{p:?}");
        assert_eq!(n, vec![1.0, 0.0]);
    }
    let notch = c
        .surfaces
        .iter()
        .find(|s| (s.prim, s.part) == (1, 0))
        .expect("present");
    for _ in 0..500 {
        c.sample_surface(notch, &mut rng, &mut p, &mut n);
        assert!(p[0] == 1.0 && p[1] >= 1.0, "{p:?}");
        // Out of the L is into the notch: +x1.
        assert_eq!(n, vec![1.0, 0.0]);
    }
}

#[test]
fn unbounded_and_empty_constructions_are_refused() {
    let half = Primitive::HalfSpace {
        normal: vec![1.0, 0.0],
        offset: 0.0,
    };
    let nodes = vec![CsgNode::Prim { prim: 0 }];
    assert_eq!(
        Csg::build(vec![half], nodes, Vec::new()),
        Err(CsgError::Unbounded { comp: 0 })
    );
    let disjoint = vec![
        boxed(&[0.0, 0.0], &[1.0, 1.0]),
        boxed(&[2.0, 0.0], &[3.0, 1.0]),
    ];
    let nodes = vec![
        CsgNode::Prim { prim: 0 },
        CsgNode::Prim { prim: 1 },
        CsgNode::Op {
            op: SetOp::Intersection,
            lhs: 0,
            rhs: 1,
        },
    ];
    assert_eq!(
        Csg::build(disjoint, nodes, Vec::new()),
        Err(CsgError::Empty { draws: 0 })
    );
}

#[test]
fn polygons_that_cross_themselves_are_found() {
    let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    assert_eq!(crossing_edges(&square), None);
    let bow_tie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]];
    assert_eq!(crossing_edges(&bow_tie), Some((0, 2)));
    let repeated = [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]];
    assert!(crossing_edges(&repeated).is_some());
}

#[test]
fn sphere_areas_match_closed_forms() {
    let pi = std::f64::consts::PI;
    assert!(close(sphere_area(2, 1.0), 2.0 * pi, 1e-12));
    assert!(close(sphere_area(3, 2.0), 16.0 * pi, 1e-12));
    assert!(close(sphere_area(4, 1.0), 2.0 * pi * pi, 1e-12));
}

#[test]
fn a_cube_minus_a_ball_in_100_dimensions_samples_inside() {
    let d = 100;
    let c = op(
        SetOp::Difference,
        vec![
            boxed(&vec![0.0; d], &vec![1.0; d]),
            Primitive::Ball {
                center: vec![0.5; d],
                radius: 2.0,
            },
        ],
    );
    // The ball of radius 2 holds the cube's centre region but not its corners
    // (at distance 5 from the centre): most of the cube's volume is outside it.
    assert!(c.acceptance > 0.9, "{}", c.acceptance);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut p = vec![0.0; d];
    for _ in 0..1000 {
        c.sample_inside(&mut rng, &mut p);
        assert!(c.contains(&p));
    }
    assert!(
        c.surfaces.iter().any(|s| s.prim == 1),
        "the sphere is on the boundary"
    );
}
