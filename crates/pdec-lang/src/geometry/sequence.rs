//! Quasi-random points (`sampling = sobol | halton`): a random-number source whose numbers,
//! point by point, are the coordinates of a scrambled low-discrepancy sequence, so that the
//! samplers and every law (uniform, `sampling.NAME`, the normal laws) work unchanged on it.
//!
//! A sampler calls [`PointRng::begin_point`] before each point; the point's numbers are then
//! coordinates 0, 1, 2, ... of sequence point `first + k` (the `k`-th point of the batch) in
//! the order the sampler asks for them. Past the sequence's [`DIMENSIONS`] coordinates (a
//! problem in more dimensions) and for anything else, the numbers are the pseudo-random
//! stream's: the leading coordinates (time, the first space components, the face's choice)
//! are quasi-random, the rest pseudo-random, which is the usual padding. Every number is
//! still uniform in `[0, 1)` (each scrambled point is uniform in the cube), so any law drawn
//! from them keeps its distribution; only its evenness depends on the sequence.
//!
//! The points stay a function of (seed, step): the caller gives the index of the batch's
//! first point (the step's place in the run) and the scramble's key (the seed and the term),
//! so resumed runs and every MPI rank draw the same points.

use rand::{Rng, TryRng};
use std::convert::Infallible;
use std::sync::OnceLock;

/// Coordinates per point taken from the sequence (sobol_burley's dimensions; as many primes
/// for Halton).
pub const DIMENSIONS: u32 = 256;

/// Points of one Owen-scrambled Sobol sequence in sobol_burley (2^16); longer runs go on in
/// a new, independently scrambled sequence every 2^16 points.
const SOBOL_BLOCK: u64 = 1 << 16;

/// A random-number source that samplers draw points from.
pub trait PointRng: Rng {
    /// The next numbers belong to a new point.
    fn begin_point(&mut self) {}
}

impl PointRng for rand_chacha::ChaCha8Rng {}

/// Which low-discrepancy sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sobol,
    Halton,
}

/// The low-discrepancy sequence the `sampling` setting names, if any.
pub fn quasi_random(sequence: crate::settings::Sequence) -> Option<Kind> {
    use crate::settings::Sequence;
    match sequence {
        Sequence::Random => None,
        Sequence::Sobol => Some(Kind::Sobol),
        Sequence::Halton => Some(Kind::Halton),
    }
}

/// One scrambled sequence: Sobol's seed per block, or Halton's digit scrambles.
enum Scrambled {
    /// The key; a block's seed is drawn from it. Sobol's coordinates come four at a time
    /// (sobol_burley's SIMD path): the last four computed, `(index, first dimension)`.
    Sobol {
        key: u64,
        four: Option<(u64, u32, [f32; 4])>,
    },
    Halton(DigitScrambles),
}

impl Scrambled {
    fn new(kind: Kind, key: u64) -> Scrambled {
        match kind {
            Kind::Sobol => Scrambled::Sobol { key, four: None },
            Kind::Halton => Scrambled::Halton(DigitScrambles::new(key)),
        }
    }

    /// Coordinate `dim` of point `index`, in `[0, 1)`.
    fn coordinate(&mut self, index: u64, dim: u32) -> f64 {
        match self {
            Scrambled::Sobol { key, four } => {
                let set = dim / 4 * 4;
                let fresh = match four {
                    Some((i, d, _)) => *i != index || *d != set,
                    None => true,
                };
                if fresh {
                    let block = index / SOBOL_BLOCK;
                    let seed = mix(*key ^ mix(block)) as u32;
                    let local = (index % SOBOL_BLOCK) as u32;
                    *four = Some((index, set, sobol_burley::sample_4d(local, set / 4, seed)));
                }
                four.map_or(0.0, |(_, _, v)| v[(dim - set) as usize] as f64)
            }
            Scrambled::Halton(scrambles) => scrambles.coordinate(index, dim),
        }
    }
}

/// Halton's random linear digit scrambling for one key: for dimension `dim` (base `p`, the
/// `dim`-th prime) and digit position `k`, the map `d -> (a d + b) mod p` with `a != 0`,
/// drawn from (key, dim, k) once, for every digit a coordinate has.
struct DigitScrambles {
    /// Where each dimension's `(a, b)` start in `maps` (and its sums in `tails`).
    starts: Vec<usize>,
    maps: Vec<(u64, u64)>,
    /// What the digits from position `k` on add once the index's own digits are spent (each
    /// such digit is 0, scrambled to its `b`): `sum_{j >= k} b_j p^-(j+1)`.
    tails: Vec<f64>,
}

impl DigitScrambles {
    fn new(key: u64) -> DigitScrambles {
        let (mut starts, mut maps, mut tails) = (Vec::new(), Vec::new(), Vec::new());
        for (dim, &p) in primes().iter().enumerate() {
            starts.push(maps.len());
            let n = digits(p);
            for k in 0..n {
                let h = mix(key ^ mix(((dim as u64) << 32) | k as u64));
                maps.push((1 + (h >> 32) % (p - 1), (h & 0xffff_ffff) % p));
            }
            let mut tail = vec![0.0; n + 1];
            for k in (0..n).rev() {
                let b = maps[maps.len() - n + k].1 as f64;
                tail[k] = tail[k + 1] + b * (p as f64).powi(-(k as i32 + 1));
            }
            tails.extend_from_slice(&tail[..n]);
        }
        DigitScrambles {
            starts,
            maps,
            tails,
        }
    }

    /// Halton coordinate `dim` of point `index`: the scrambled digits of `index` in base `p`
    /// after the radix point, until their weight is below 2^-53 (the scrambled trailing
    /// zeros count too). The scrambling removes the correlations between large bases that
    /// make plain Halton points fall on lines.
    fn coordinate(&self, index: u64, dim: u32) -> f64 {
        let p = primes()[dim as usize];
        let start = self.starts[dim as usize];
        let inv = 1.0 / p as f64;
        let (mut n, mut weight, mut x) = (index, inv, 0.0);
        let count = digits(p);
        for (k, &(a, b)) in self.maps[start..start + count].iter().enumerate() {
            if n == 0 {
                x += self.tails[start + k];
                break;
            }
            let digit = n % p;
            n /= p;
            x += ((a * digit + b) % p) as f64 * weight;
            weight *= inv;
        }
        x.min(1.0 - f64::EPSILON / 2.0)
    }
}

/// The digits of a base-`p` coordinate down to a weight of 2^-53.
fn digits(p: u64) -> usize {
    let (mut weight, mut k) = (1.0 / p as f64, 0);
    while weight > 1.0 / 9.007_199_254_740_992e15 {
        weight /= p as f64;
        k += 1;
    }
    k
}

/// Coordinates of a scrambled sequence, point by point, padded with `pad`'s numbers.
pub struct QuasiRandom<'a, R: Rng> {
    kind: Kind,
    scrambled: Scrambled,
    /// The index of the next point [`PointRng::begin_point`] starts.
    next: u64,
    /// The current point's index and the next coordinate asked for; `None` before the first
    /// point (numbers then come from `pad`).
    at: Option<(u64, u32)>,
    pad: &'a mut R,
}

impl<'a, R: Rng> QuasiRandom<'a, R> {
    /// Points `first`, `first + 1`, ... of the sequence scrambled by `key`.
    pub fn new(kind: Kind, key: u64, first: u64, pad: &'a mut R) -> QuasiRandom<'a, R> {
        QuasiRandom {
            kind,
            scrambled: Scrambled::new(kind, key),
            next: first,
            at: None,
            pad,
        }
    }

    /// The next number: the current point's next coordinate, moved uniformly inside its
    /// cell by the pad's bits (a Sobol coordinate has 24 bits: the shift keeps the
    /// stratification and gives every number full precision).
    fn next_number(&mut self) -> u64 {
        let low = self.pad.next_u64();
        let Some((index, dim)) = self.at.as_mut() else {
            return low;
        };
        if *dim >= DIMENSIONS {
            return low;
        }
        let u = self.scrambled.coordinate(*index, *dim);
        *dim += 1;
        let cell = match self.kind {
            Kind::Sobol => 2f64.powi(-24),
            Kind::Halton => 0.0,
        };
        let x = (u + cell * (low >> 11) as f64 * 2f64.powi(-53)).min(1.0 - f64::EPSILON / 2.0);
        // `x * 2^64` is below 2^64; the cast saturates rather than wraps in any case.
        (x * 2f64.powi(64)) as u64
    }
}

impl<R: Rng> TryRng for QuasiRandom<'_, R> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_number() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_number())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.pad.fill_bytes(dst);
        Ok(())
    }
}

impl<R: Rng> PointRng for QuasiRandom<'_, R> {
    fn begin_point(&mut self) {
        self.at = Some((self.next, 0));
        self.next += 1;
    }
}

/// Coordinate `dim` of point `index` of the sequence scrambled by `key`, in `[0, 1)` (one
/// number: the samplers go through [`QuasiRandom`], which keeps the scrambles).
pub fn coordinate(kind: Kind, key: u64, index: u64, dim: u32) -> f64 {
    Scrambled::new(kind, key).coordinate(index, dim)
}

/// The first [`DIMENSIONS`] primes (2, 3, 5, ..., 1619), Halton's bases.
fn primes() -> &'static [u64] {
    static PRIMES: OnceLock<Vec<u64>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        let mut found: Vec<u64> = Vec::with_capacity(DIMENSIONS as usize);
        let mut n = 2u64;
        while found.len() < DIMENSIONS as usize {
            if found
                .iter()
                .take_while(|p| *p * *p <= n)
                .all(|p| !n.is_multiple_of(*p))
            {
                found.push(n);
            }
            n += 1;
        }
        found
    })
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The largest gap between the counts of `n` points in `cells` equal cells of `[0,1)^2`
    /// (coordinates 0 and 1) and the expected count.
    fn worst_cell(points: &[[f64; 2]], cells: usize) -> f64 {
        let mut count = vec![0usize; cells * cells];
        for p in points {
            let i = ((p[0] * cells as f64) as usize).min(cells - 1);
            let j = ((p[1] * cells as f64) as usize).min(cells - 1);
            count[i * cells + j] += 1;
        }
        let want = points.len() as f64 / (cells * cells) as f64;
        count
            .iter()
            .map(|&c| (c as f64 - want).abs())
            .fold(0.0, f64::max)
    }

    fn draw(kind: Option<Kind>, n: usize) -> Vec<[f64; 2]> {
        let mut pad = ChaCha8Rng::seed_from_u64(5);
        let mut out = Vec::new();
        match kind {
            None => {
                for _ in 0..n {
                    out.push([pad.random::<f64>(), pad.random::<f64>()]);
                }
            }
            Some(kind) => {
                let mut q = QuasiRandom::new(kind, 17, 0, &mut pad);
                for _ in 0..n {
                    q.begin_point();
                    out.push([q.random::<f64>(), q.random::<f64>()]);
                }
            }
        }
        out
    }

    #[test]
    fn quasi_random_points_fill_the_square_more_evenly_than_random_ones() {
        // 4096 points in 16 x 16 cells (16 expected in each): random points miss by about
        // 3 sqrt(16) = 12 somewhere; a Sobol net is exact (a power of two, 2^4 x 2^4 cells),
        // and scrambled Halton within a few.
        let random = worst_cell(&draw(None, 4096), 16);
        let sobol = worst_cell(&draw(Some(Kind::Sobol), 4096), 16);
        let halton = worst_cell(&draw(Some(Kind::Halton), 4096), 16);
        assert!(random >= 8.0, "random {random}");
        assert!(sobol <= 1.0, "sobol {sobol}");
        assert!(halton <= 4.0, "halton {halton}");
    }

    #[test]
    fn every_coordinate_is_uniform_in_the_unit_interval() {
        // Mean 1/2 and variance 1/12 in the first and a high dimension, over 2^12 points.
        for kind in [Kind::Sobol, Kind::Halton] {
            for dim in [0, 1, 100, DIMENSIONS - 1] {
                let xs: Vec<f64> = (0..4096).map(|i| coordinate(kind, 3, i, dim)).collect();
                assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
                let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
                assert!((mean - 0.5).abs() < 0.01, "{kind:?} {dim}: mean {mean}");
                assert!(
                    (var - 1.0 / 12.0).abs() < 0.003,
                    "{kind:?} {dim}: var {var}"
                );
            }
        }
    }

    #[test]
    fn points_are_a_function_of_key_and_index_and_pad_past_the_dimensions() {
        let first = |key: u64, at: u64| {
            let mut pad = ChaCha8Rng::seed_from_u64(1);
            let mut q = QuasiRandom::new(Kind::Sobol, key, at, &mut pad);
            q.begin_point();
            (0..DIMENSIONS + 2)
                .map(|_| q.next_u64())
                .collect::<Vec<u64>>()
        };
        assert_eq!(first(9, 70_000), first(9, 70_000));
        assert_ne!(first(9, 70_000)[0] >> 40, first(10, 70_000)[0] >> 40);
        assert_ne!(first(9, 70_000)[0] >> 40, first(9, 70_001)[0] >> 40);
        // Past the sequence's dimensions: the pad's own numbers.
        let mut pad = ChaCha8Rng::seed_from_u64(1);
        let pads: Vec<u64> = (0..DIMENSIONS + 2).map(|_| pad.next_u64()).collect();
        let got = first(9, 70_000);
        assert_eq!(got[DIMENSIONS as usize..], pads[DIMENSIONS as usize..]);
        assert_ne!(got[0], pads[0]);
    }

    #[test]
    fn halton_tails_equal_the_scrambled_zero_digits() {
        // The shortcut for the trailing digits against every digit scrambled one by one.
        let s = DigitScrambles::new(11);
        for dim in [0u32, 1, 7, 255] {
            let p = primes()[dim as usize];
            let start = s.starts[dim as usize];
            for index in [0u64, 1, 5, 1000, 123_456_789] {
                let (mut n, mut w, mut x) = (index, 1.0 / p as f64, 0.0);
                for &(a, b) in &s.maps[start..start + digits(p)] {
                    x += ((a * (n % p) + b) % p) as f64 * w;
                    n /= p;
                    w /= p as f64;
                }
                let got = s.coordinate(index, dim);
                assert!(
                    (got - x.min(1.0 - f64::EPSILON / 2.0)).abs() < 1e-15,
                    "{dim} {index}"
                );
            }
        }
    }

    #[test]
    fn halton_bases_are_the_first_primes() {
        let p = primes();
        assert_eq!(&p[..6], &[2, 3, 5, 7, 11, 13]);
        assert_eq!(p.len(), DIMENSIONS as usize);
        assert_eq!(p[DIMENSIONS as usize - 1], 1619);
    }
}
