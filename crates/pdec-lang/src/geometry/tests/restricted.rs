//! `where` restrictions of boundary loci: points drawn on a restricted face satisfy the
//! restriction, are uniform on the part kept, and the plan's acceptance is the part's share.

use super::*;

const PLATE: &str = "space x in box([-1, 1]^2) - ball(center = [0, 0], radius = 0.3) as hole
unknown u(x)
pde lap(u) = 0
boundary hole where x[2] <= 0: dn(u) = 0
boundary x[1] = -1 where x[2] > 0.5: u = 1
boundary x[1] = -1 where x[2] <= 0.5: dn(u) = 0
boundary on(x) where x[1] > -1 and x[2] > 0: u = 0
boundary x[1] = 1 where x[2] <= 0: u = 0
boundary x[2] = -1: u = 0
";

#[test]
fn restricted_faces_draw_only_where_the_restriction_holds() {
    let (p, plan) = build(PLATE);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary x[1]=-1 where x[2]>0.5") else {
        panic!("not faces")
    };
    assert_eq!(faces.len(), 1);
    // A quarter of the side: the measured acceptance is within sampling error of it.
    assert!((faces[0].acceptance - 0.25).abs() < 0.03, "{faces:?}");
    let n = 4000;
    let b = sample_region(
        &p,
        &l,
        &Region::Faces {
            faces: faces.clone(),
        },
        n,
        &mut rng(3),
    )
    .remove(0);
    let mut upper = 0;
    for i in 0..n {
        let x = b.point(i);
        assert_eq!(x[0], -1.0);
        assert!(x[1] > 0.5 && x[1] <= 1.0, "{x:?}");
        assert_eq!(b.normal(i).expect("normals")[0], -1.0);
        upper += usize::from(x[1] > 0.75);
    }
    // Uniform on the kept part [0.5, 1]: half above 0.75 (5 standard deviations).
    let share = upper as f64 / n as f64;
    assert!(
        (share - 0.5).abs() < 5.0 * (0.25 / n as f64).sqrt(),
        "{share}"
    );
}

#[test]
fn a_restricted_whole_boundary_keeps_only_the_faces_it_touches() {
    let (p, plan) = build(PLATE);
    let Region::Faces { faces } = region(&plan, "boundary on(x) where x[1]>-1 and x[2]>0") else {
        panic!("not faces")
    };
    // The hole's upper half, x[1] = 1 above 0 and all of x[2] = 1; not x[1] = -1 or x[2] = -1.
    let names: Vec<String> = faces.iter().map(|f| p.face_name(f.face)).collect();
    assert_eq!(faces.len(), 3, "{names:?}");
    assert!(
        names.iter().all(|n| n != "x[1] = -1" && n != "x[2] = -1"),
        "{names:?}"
    );
    let total: f64 = faces.iter().map(|f| f.share).sum();
    assert!((total - 1.0).abs() < 1e-9);
    let l = Layout::new(&p);
    let b = sample_region(
        &p,
        &l,
        &Region::Faces {
            faces: faces.clone(),
        },
        2000,
        &mut rng(5),
    )
    .remove(0);
    for i in 0..2000 {
        let x = b.point(i);
        assert!(x[0] > -1.0 && x[1] > 0.0, "{x:?}");
    }
}

#[test]
fn a_restriction_is_in_the_loss_term_name_with_its_logic_words() {
    let (_, plan) = build(
        "space x in [-1, 1]^2
unknown u(x)
pde lap(u) = 0
boundary x[1] = -1 where not x[2] > 0 or x[2] > 0.5: u = 1
boundary x[1] = -1 where x[2] > 0 and x[2] <= 0.5: u = 0
boundary x[1] = 1: u = 0
boundary x[2] = 1: u = 0
boundary x[2] = -1: u = 0
",
    );
    let names: Vec<&str> = plan.terms.iter().map(|t| t.name.as_str()).collect();
    assert!(
        names.contains(&"boundary x[1]=-1 where not x[2]>0 or x[2]>0.5"),
        "{names:?}"
    );
    assert!(
        names.contains(&"boundary x[1]=-1 where x[2]>0 and x[2]<=0.5"),
        "{names:?}"
    );
}
