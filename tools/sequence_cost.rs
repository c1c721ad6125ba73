//! What drawing quasi-random points costs (`sampling = sobol | halton`, docs/RESULTS.md
//! "Quasi-random collocation"): milliseconds to draw 4,096 points of 3 and of 101
//! coordinates from pseudo-random numbers, Sobol and Halton, the median of 21 rounds.
//! `cargo run --release --example sequence_cost`.

use pdec_lang::geometry::sequence::{Kind, PointRng, QuasiRandom};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

const POINTS: usize = 4096;
const ROUNDS: usize = 21;

/// Median milliseconds of `draw` over [`ROUNDS`] rounds.
fn median_ms(mut draw: impl FnMut() -> f64) -> f64 {
    let mut ms: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(draw());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms[ROUNDS / 2]
}

/// The sum of `POINTS` points of `dims` coordinates drawn from `rng`.
fn draw(rng: &mut impl PointRng, dims: usize) -> f64 {
    let mut sum = 0.0;
    for _ in 0..POINTS {
        rng.begin_point();
        for _ in 0..dims {
            sum += rng.random::<f64>();
        }
    }
    sum
}

fn main() {
    println!("| coordinates | pseudo-random ms | Sobol ms | Halton ms |");
    println!("| --- | --- | --- | --- |");
    for dims in [3, 101] {
        let random = median_ms(|| draw(&mut ChaCha8Rng::seed_from_u64(1), dims));
        let quasi = |kind| {
            median_ms(|| {
                let mut pad = ChaCha8Rng::seed_from_u64(1);
                draw(&mut QuasiRandom::new(kind, 3, 0, &mut pad), dims)
            })
        };
        let (sobol, halton) = (quasi(Kind::Sobol), quasi(Kind::Halton));
        println!("| {dims} | {random:.2} | {sobol:.2} | {halton:.2} |");
    }
}
