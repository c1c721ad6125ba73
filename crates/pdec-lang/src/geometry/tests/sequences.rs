//! The samplers on quasi-random numbers (`sampling = sobol | halton`): the same regions and
//! laws as on pseudo-random ones (points inside, faces with normals, uniform in the ball),
//! the leading coordinates more even, and the same points for the same key and index.

use super::regions::{BALL, BOX};
use super::*;
use crate::geometry::sequence::{Kind, QuasiRandom};

/// The largest miss of a cell count of points `(a, b)` in `cells x cells` equal cells of the
/// unit square, against the expected count.
fn worst_cell(points: impl Iterator<Item = (f64, f64)>, cells: usize) -> f64 {
    let mut count = vec![0usize; cells * cells];
    let mut n = 0;
    for (a, b) in points {
        let i = ((a * cells as f64) as usize).min(cells - 1);
        let j = ((b * cells as f64) as usize).min(cells - 1);
        count[i * cells + j] += 1;
        n += 1;
    }
    let want = n as f64 / (cells * cells) as f64;
    count
        .iter()
        .map(|&c| (c as f64 - want).abs())
        .fold(0.0, f64::max)
}

#[test]
fn interior_points_are_stratified_in_time_and_space() {
    // The LAYOUT problem's time (column 0, [0, 1]) and first box component (column 1,
    // [0, 1]): 4096 points in 16 x 16 cells, 16 expected in each.
    let (p, _) = build(LAYOUT);
    let l = Layout::new(&p);
    let n = 4096;
    let cells = |b: &Batch| worst_cell((0..b.n).map(|i| (b.point(i)[0], b.point(i)[1])), 16);
    let random = sample_interior(&p, &l, n, &mut rng(1));
    for i in 0..n {
        assert_inside(&p, &l, random.point(i), None);
    }
    for kind in [Kind::Sobol, Kind::Halton] {
        let mut pad = rng(1);
        let b = sample_interior(&p, &l, n, &mut QuasiRandom::new(kind, 7, 0, &mut pad));
        for i in 0..n {
            assert_inside(&p, &l, b.point(i), None);
        }
        assert!(
            cells(&b) <= 4.0 && cells(&random) >= 8.0,
            "{kind:?}: worst cell {} against random {}",
            cells(&b),
            cells(&random)
        );
    }
}

#[test]
fn faces_and_balls_keep_their_laws_on_quasi_random_numbers() {
    // Box faces: every point on its face with the outward normal, the faces' shares kept.
    let (p, plan) = build(BOX);
    let l = Layout::new(&p);
    let Region::Faces { faces } = region(&plan, "boundary on(x)") else {
        panic!("boundary is faces")
    };
    let n = 4096;
    let mut pad = rng(2);
    let b = sample_faces(
        &p,
        &l,
        faces,
        n,
        &mut QuasiRandom::new(Kind::Sobol, 3, 0, &mut pad),
    );
    let normals = b.normals.as_ref().expect("normals");
    let mut hits = vec![0usize; faces.len()];
    for i in 0..n {
        let w = b.width;
        let f = check_face_point(&p, &l, faces, b.point(i), &normals[i * w..(i + 1) * w]);
        hits[f] += 1;
    }
    let total: f64 = faces.iter().map(|f| f.share).sum();
    for (f, h) in faces.iter().zip(&hits) {
        let want = n as f64 * f.share / total;
        // The face's choice is the first coordinate: stratified, within a few points.
        assert!((*h as f64 - want).abs() <= 4.0, "{hits:?}");
    }
    // A ball's interior stays uniform in volume (normal directions, radius^(1/d)).
    let (p, _) = build(BALL);
    let l = Layout::new(&p);
    let mut pad = rng(3);
    let b = sample_interior(
        &p,
        &l,
        10_000,
        &mut QuasiRandom::new(Kind::Halton, 5, 0, &mut pad),
    );
    let c = [1.0, -2.0, 0.5];
    let inside = (0..b.n)
        .filter(|&i| dist(&b.point(i)[1..4], &c) < 1.0)
        .count() as f64
        / b.n as f64;
    assert!((inside - 0.125).abs() < 0.01, "P(|x - c| < r/2) = {inside}");
}

#[test]
fn the_same_key_and_index_give_the_same_points() {
    let (p, _) = build(LAYOUT);
    let l = Layout::new(&p);
    let draw = |key: u64, first: u64| {
        let mut pad = rng(4);
        sample_interior(
            &p,
            &l,
            64,
            &mut QuasiRandom::new(Kind::Sobol, key, first, &mut pad),
        )
    };
    assert_eq!(draw(1, 640), draw(1, 640));
    assert_ne!(draw(1, 640), draw(2, 640));
    assert_ne!(draw(1, 640), draw(1, 704));
}
