//! The samplers of each kind of region: interior and time-slice points inside their
//! domains and uniform, ball interiors uniform in volume, sphere and box faces with outward
//! normals and their shares, faces of several space variables, periodic pairs; and the same
//! batches for the same seed.

use super::*;

#[test]
fn interior_and_time_slice_points_are_inside() {
    let (p, plan) = build(LAYOUT);
    let l = Layout::new(&p);
    let b = sample_interior(&p, &l, 2000, &mut rng(1));
    assert_eq!((b.n, b.width, b.points.len()), (2000, 7, 2000 * 7));
    assert!(b.normals.is_none());
    for i in 0..b.n {
        assert_inside(&p, &l, b.point(i), None);
    }
    let Region::TimeSlice { at } = region(&plan, "initial") else {
        panic!("initial is a time slice")
    };
    let bs = sample_region(&p, &l, region(&plan, "initial"), 500, &mut rng(2));
    assert_eq!(bs.len(), 1);
    for i in 0..bs[0].n {
        assert_eq!(bs[0].point(i)[0], *at);
        assert_inside(&p, &l, bs[0].point(i), None);
    }
}

/// Box components and params are uniform: their means are the midpoints within 4 sigma.
#[test]
fn interior_is_uniform_in_the_box() {
    let (p, _) = build(LAYOUT);
    let l = Layout::new(&p);
    let n = 10_000;
    let b = sample_interior(&p, &l, n, &mut rng(3));
    let ranges = [
        (0.0, 1.0),
        (0.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (2.0, 3.0),
        (0.01, 0.1),
        (-1.0, 1.0),
    ];
    for (c, (lo, hi)) in ranges.iter().enumerate() {
        let mean = (0..n).map(|i| b.point(i)[c]).sum::<f64>() / n as f64;
        let sigma = (hi - lo) / (12.0 * n as f64).sqrt();
        assert!(
            (mean - (lo + hi) / 2.0).abs() < 4.0 * sigma,
            "column {c}: mean {mean}"
        );
    }
}

pub(super) const BALL: &str = "
time  t in [0, 1]
space x in ball(3, center = [1, -2, 0.5], radius = 2)
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
";

/// Uniform in volume: P(|x - c| < r s) = s^d, checked at s = 1/2 and s = 0.9; the
/// direction is isotropic (mean of x - c near 0).
#[test]
fn ball_interior_is_uniform_in_volume() {
    let (p, _) = build(BALL);
    let l = Layout::new(&p);
    let n = 10_000;
    let b = sample_interior(&p, &l, n, &mut rng(4));
    let c = [1.0, -2.0, 0.5];
    let r: Vec<f64> = (0..n).map(|i| dist(&b.point(i)[1..4], &c)).collect();
    assert!(r.iter().all(|r| *r <= 2.0 * (1.0 + 1e-12)));
    for s in [0.5f64, 0.9] {
        let expect = s.powi(3);
        let got = r.iter().filter(|r| **r < 2.0 * s).count() as f64 / n as f64;
        let sigma = (expect * (1.0 - expect) / n as f64).sqrt();
        assert!(
            (got - expect).abs() < 4.0 * sigma,
            "P(|x| < {s} r) = {got}, expected {expect}"
        );
    }
    for (k, ck) in c.iter().enumerate() {
        let mean = (0..n).map(|i| b.point(i)[1 + k] - ck).sum::<f64>() / n as f64;
        // Var of one component of a uniform point of the ball: r^2 / (d + 2).
        let sigma = (4.0 / 5.0 / n as f64).sqrt();
        assert!(mean.abs() < 4.0 * sigma, "component {k}: mean {mean}");
    }
}

#[test]
fn sphere_points_are_on_the_sphere_with_outward_normals() {
    let (p, plan) = build(BALL);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
        panic!("boundary is faces")
    };
    let n = 5000;
    let b = sample_faces(&p, &l, faces, n, &mut rng(5));
    let normals = b.normals.as_ref().expect("normals");
    assert_eq!(normals.len(), n * b.width);
    let mut mean = [0.0; 3];
    for i in 0..n {
        assert_eq!(
            check_face_point(&p, &l, faces, b.point(i), &normals[i * 4..i * 4 + 4]),
            0
        );
        for (k, m) in mean.iter_mut().enumerate() {
            *m += normals[i * 4 + 1 + k] / n as f64;
        }
    }
    // Uniform direction: each component has variance 1/d.
    for m in mean {
        assert!(
            m.abs() < 4.0 * (1.0 / 3.0 / n as f64).sqrt(),
            "mean normal {mean:?}"
        );
    }
}

pub(super) const BOX: &str = "
time  t in [0, 1]
space x in [0, 1] * [0, 2] * [-1, 2]
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
boundary on(x): u = 0
";

/// Face counts over 10000 draws match the plan's shares (proportional to area) within
/// 4 sigma; every point is exactly on its face with the outward normal.
#[test]
fn box_faces_follow_shares() {
    let (p, plan) = build(BOX);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
        panic!("boundary is faces")
    };
    assert_eq!(faces.len(), 6);
    // Areas 6, 6, 3, 3, 2, 2 out of 22.
    let shares: Vec<f64> = faces.iter().map(|f| f.share).collect();
    for (s, a) in shares.iter().zip([6.0, 6.0, 3.0, 3.0, 2.0, 2.0]) {
        assert!((s - a / 22.0).abs() < 1e-12, "{shares:?}");
    }
    let n = 10_000;
    let b = sample_region(&p, &l, region(&plan, "boundary on(x)"), n, &mut rng(6));
    assert_eq!(b.len(), 1);
    let b = &b[0];
    let mut counts = [0usize; 6];
    for i in 0..n {
        counts[check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"))] += 1;
    }
    for (c, s) in counts.iter().zip(&shares) {
        let expect = n as f64 * s;
        let sigma = (n as f64 * s * (1.0 - s)).sqrt();
        assert!(
            (*c as f64 - expect).abs() < 4.0 * sigma,
            "counts {counts:?}, shares {shares:?}"
        );
    }
}

const MIXED: &str = "
param k in [1, 2]
space x in [0, 1]
space y in ball(2, center = [1, 2], radius = 0.5)
unknown u(x, y)
pde -d(u, x, x) - lap(u, y) = k
boundary x = 0: u = 0
boundary x = 1: dn(u) = 0
boundary on(y): u = 0
";

/// Several space variables: the face variable is on its face, the others inside their
/// domains, the normal only in the face variable's columns.
#[test]
fn faces_of_several_space_variables() {
    let (p, plan) = build(MIXED);
    let l = Layout::new(&p);
    assert_eq!(
        (0..2).map(|k| l.columns.space(k)).collect::<Vec<_>>(),
        vec![Some((0, 1)), Some((1, 2))]
    );
    assert_eq!(l.columns.param(0), Some(3));
    for (name, side) in [("boundary x=0", -1.0), ("boundary x=1", 1.0)] {
        let Region::Faces { faces } = region(&plan, name) else {
            panic!("faces")
        };
        let b = sample_faces(&p, &l, faces, 1000, &mut rng(7));
        for i in 0..b.n {
            check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"));
            assert_eq!(b.normal(i).expect("normals")[0], side);
        }
    }
    let Region::Faces { faces } = region(&plan, "boundary on(y)") else {
        panic!("faces")
    };
    let b = sample_faces(&p, &l, faces, 1000, &mut rng(8));
    for i in 0..b.n {
        check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"));
    }
}

/// A hand-made two-face region with unequal shares across variables.
#[test]
fn face_choice_across_variables_follows_shares() {
    let (p, plan) = build(MIXED);
    let l = Layout::new(&p);
    let mut faces = Vec::new();
    for name in ["boundary x=1", "boundary on(y)"] {
        let Region::Faces { faces: f } = region(&plan, name) else {
            panic!("faces")
        };
        faces.extend(f.iter().cloned());
    }
    faces[0].share = 0.3;
    faces[1].share = 0.7;
    let n = 10_000;
    let b = sample_faces(&p, &l, &faces, n, &mut rng(9));
    let on_x = (0..n)
        .filter(|i| {
            check_face_point(&p, &l, &faces, b.point(*i), b.normal(*i).expect("normals")) == 0
        })
        .count() as f64;
    let sigma = (n as f64 * 0.3 * 0.7).sqrt();
    assert!((on_x - 0.3 * n as f64).abs() < 4.0 * sigma, "{on_x}");
    assert_eq!(sample_faces(&p, &l, &[], 10, &mut rng(9)).n, 0);
}

const PERIODIC: &str = "
time  t in [0, 1]
space x in [0, 2] * [-1, 1]
unknown u(t, x)
pde d(u, t) = lap(u)
initial u = 0
periodic x[1]
boundary x[2] = -1: u = 0
boundary x[2] = 1: u = 0
solve {
  periodic_inputs = none
}
";

#[test]
fn periodic_pairs_are_the_same_point_on_opposite_faces() {
    let (p, plan) = build(PERIODIC);
    let l = Layout::new(&p);
    let (name, reg) = plan
        .terms
        .iter()
        .find(|t| matches!(t.region, Region::Periodic { .. }))
        .map(|t| (t.name.clone(), &t.region))
        .expect("a periodic term");
    assert!(
        matches!(
            reg,
            Region::Periodic {
                var: 0,
                comp: Some(0)
            }
        ),
        "{name}: {reg:?}"
    );
    let n = 1000;
    let bs = sample_region(&p, &l, reg, n, &mut rng(10));
    assert_eq!(bs.len(), 2);
    let (a, b) = (&bs[0], &bs[1]);
    let face = |side| FacePlan {
        face: Face::Side {
            var: 0,
            comp: Some(0),
            side,
        },
        name: String::new(),
        share: 1.0,
        restriction: None,
        acceptance: 1.0,
    };
    for i in 0..n {
        let (pa, pb) = (a.point(i), b.point(i));
        assert_eq!((pa[1], pb[1]), (0.0, 2.0));
        assert_eq!((pa[0], pa[2]), (pb[0], pb[2]));
        check_face_point(&p, &l, &[face(Side::Lo)], pa, a.normal(i).expect("normals"));
        check_face_point(&p, &l, &[face(Side::Hi)], pb, b.normal(i).expect("normals"));
    }
}

/// The same seed gives bitwise the same batches for every term; another seed does not.
#[test]
fn deterministic_by_seed() {
    for text in [LAYOUT, BALL, BOX, MIXED, PERIODIC] {
        let (p, plan) = build(text);
        let l = Layout::new(&p);
        let draw = |seed| {
            let mut r = rng(seed);
            plan.terms
                .iter()
                .flat_map(|t| sample_region(&p, &l, &t.region, 64, &mut r))
                .collect::<Vec<_>>()
        };
        let (a, b, c) = (draw(42), draw(42), draw(43));
        let bits = |v: &[Batch]| {
            v.iter()
                .flat_map(|b| {
                    b.points
                        .iter()
                        .chain(b.normals.iter().flatten())
                        .map(|x| x.to_bits())
                })
                .collect::<Vec<u64>>()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_ne!(bits(&a), bits(&c));
    }
}
