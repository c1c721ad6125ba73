//! Constructive domains through the plan: interior points inside and away from the hole,
//! each condition's points on its pieces with the domain's outward normal (into the hole on
//! the hole), the pieces of `on(x)` drawn in proportion to their areas, and the same batches
//! for the same seed.

use super::*;

const PLATE: &str = "
time  t in [0, 1]
space x in box([-1, 1]^2) - ball(center = [0.3, 0], radius = 0.2) as hole
param k in [0.5, 1]
unknown u(t, x)
pde d(u, t) = k * lap(u)
initial u = 0
boundary hole: dn(u) = 0
boundary x[1] = -1: u = 1
boundary x[1] = 1: u = 0
boundary x[2] = -1: dn(u) = 0
boundary x[2] = 1: dn(u) = 0
";

const LSHAPE: &str = "
space x in [0, 2]^2 - box([1, 2]^2) as notch
unknown u(x)
pde lap(u) = 1
boundary on(x): u = 0
";

#[test]
fn interior_points_avoid_the_hole() {
    let (p, _) = build(PLATE);
    let l = Layout::new(&p);
    let b = sample_interior(&p, &l, 4000, &mut rng(11));
    let o = l.offset(Input::Space(0)).expect("x has columns");
    for i in 0..b.n {
        assert_inside(&p, &l, b.point(i), None);
        let x = &b.point(i)[o..o + 2];
        assert!((x[0] - 0.3).hypot(x[1]) >= 0.2, "{x:?} in the hole");
    }
}

#[test]
fn hole_points_carry_a_normal_into_the_hole() {
    let (p, plan) = build(PLATE);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary hole") else {
        panic!("the hole is faces")
    };
    let b = sample_faces(&p, &l, faces, 2000, &mut rng(12));
    let o = l.offset(Input::Space(0)).expect("x has columns");
    for i in 0..b.n {
        let (row, normal) = (b.point(i), b.normal(i).expect("normals"));
        assert_eq!(check_face_point(&p, &l, faces, row, normal), 0);
        let (dx, dy) = (row[o] - 0.3, row[o + 1]);
        assert!(((dx.hypot(dy)) - 0.2).abs() < 1e-12);
        // Into the hole: towards its centre.
        assert!((normal[o] + dx / 0.2).abs() < 1e-9 && (normal[o + 1] + dy / 0.2).abs() < 1e-9);
    }
}

#[test]
fn the_pieces_of_the_boundary_follow_their_lengths() {
    let (p, plan) = build(LSHAPE);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
        panic!("on(x) is faces")
    };
    assert_eq!(faces.len(), 6);
    let n = 12_000;
    let b = sample_faces(&p, &l, faces, n, &mut rng(13));
    let mut counts = vec![0usize; faces.len()];
    for i in 0..n {
        counts[check_face_point(&p, &l, faces, b.point(i), b.normal(i).expect("normals"))] += 1;
    }
    // Lengths 2, 1, 2, 1, 1, 1 of a perimeter of 8; within 4 sigma.
    for (f, c) in faces.iter().zip(&counts) {
        let share = f.share;
        let want = if (share - 0.25).abs() < 0.02 {
            0.25
        } else {
            0.125
        };
        assert!((share - want).abs() < 0.01, "{}: share {share}", f.name);
        let sd = (n as f64 * want * (1.0 - want)).sqrt();
        assert!(
            (*c as f64 - n as f64 * want).abs() < 4.0 * sd,
            "{}: {c}",
            f.name
        );
    }
}

#[test]
fn constructive_batches_are_the_same_for_the_same_seed() {
    let (p, plan) = build(PLATE);
    let l = Layout::new(&p);
    for term in ["pde", "boundary hole", "boundary x[1]=-1"] {
        let a = sample_region(&p, &l, region(&plan, term), 300, &mut rng(14));
        let b = sample_region(&p, &l, region(&plan, term), 300, &mut rng(14));
        assert_eq!(a, b, "{term}");
    }
}
