//! The laws of single coordinates and of space points: uniform in an interval or a domain
//! (a ball uniform in volume), the `sampling.NAME` coordinate laws, the correlated normal and
//! log-normal `sampling` laws with their redraws outside the domain, and [`law_fit`], which
//! measures how much a domain cuts off a law's tails (the plan's warning).

use crate::ir::Domain;
use crate::settings::{Center, CoordinateLaw, LawKind, Sampling};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// Uniform in `[lo, hi]` (clamped, so rounding cannot step outside).
pub(super) fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    (lo + (hi - lo) * rng.random::<f64>()).clamp(lo.min(hi), hi.max(lo))
}

/// A uniformly distributed unit vector written into `out` (Gaussian direction, normalised).
pub(super) fn unit_vector(rng: &mut impl Rng, out: &mut [f64]) {
    loop {
        let mut norm2 = 0.0;
        for v in out.iter_mut() {
            let g: f64 = rng.sample(StandardNormal);
            *v = g;
            norm2 += g * g;
        }
        let norm = norm2.sqrt();
        if norm > 0.0 && norm.is_finite() {
            for v in out.iter_mut() {
                *v /= norm;
            }
            return;
        }
    }
}

/// One draw of `law` on `[lo, hi]` (one uniform number each, so every law consumes the
/// random stream alike).
pub(super) fn draw_on(rng: &mut impl Rng, law: CoordinateLaw, lo: f64, hi: f64) -> f64 {
    match law {
        // The plan has checked 0 < lo.
        CoordinateLaw::Log if lo > 0.0 => uniform(rng, lo.ln(), hi.ln()).exp().clamp(lo, hi),
        // (1 - cos(pi U)) / 2 has the arcsine law on [0, 1].
        CoordinateLaw::Arcsine => {
            let s = (1.0 - (std::f64::consts::PI * uniform(rng, 0.0, 1.0)).cos()) / 2.0;
            (lo + (hi - lo) * s).clamp(lo, hi)
        }
        _ => uniform(rng, lo, hi),
    }
}

/// A point uniform in the volume of the domain, written into its columns.
pub(super) fn fill_domain(rng: &mut impl Rng, domain: &Domain, out: &mut [f64]) {
    fill_domain_by(rng, domain, CoordinateLaw::Uniform, out)
}

/// A point of the domain with each coordinate of an interval or box drawn from `law` over
/// its interval (a ball, which the plan allows only uniform, is uniform in volume).
pub(super) fn fill_domain_by(
    rng: &mut impl Rng,
    domain: &Domain,
    law: CoordinateLaw,
    out: &mut [f64],
) {
    match domain {
        Domain::Interval { lo, hi } => out[0] = draw_on(rng, law, *lo, *hi),
        Domain::Box { lo, hi } => {
            for (v, (a, b)) in out.iter_mut().zip(lo.iter().zip(hi)) {
                *v = draw_on(rng, law, *a, *b);
            }
        }
        Domain::Ball { center, radius } => {
            unit_vector(rng, out);
            let d = center.len() as f64;
            let s = radius * rng.random::<f64>().powf(1.0 / d);
            for (v, c) in out.iter_mut().zip(center) {
                *v = c + s * *v;
            }
        }
        // Uniform by rejection from the bounding box (the plan refuses coordinate laws).
        Domain::Csg(c) => c.sample_inside(rng, out),
    }
}

/// Whether a point lies in the (closed) domain.
pub(crate) fn inside(domain: &Domain, p: &[f64]) -> bool {
    match domain {
        Domain::Interval { lo, hi } => p[0] >= *lo && p[0] <= *hi,
        Domain::Box { lo, hi } => p
            .iter()
            .zip(lo.iter().zip(hi))
            .all(|(v, (a, b))| v >= a && v <= b),
        Domain::Ball { center, radius } => {
            let r2: f64 = p.iter().zip(center).map(|(v, c)| (v - c) * (v - c)).sum();
            r2 <= radius * radius
        }
        Domain::Csg(c) => c.contains(p),
    }
}

/// A point of the domain drawn from the `sampling` law (see [`Sampling`]), or with uniform
/// `sampling`, from the variable's coordinate law `coords`; `elapsed` is the time since the
/// start of the time interval (for `spread = diffusion`).
pub(super) fn fill_space(
    rng: &mut impl Rng,
    domain: &Domain,
    law: &Sampling,
    coords: CoordinateLaw,
    elapsed: f64,
    out: &mut [f64],
) {
    let Sampling::Law {
        kind,
        ref center,
        sd,
        corr,
        uniform,
        spread,
    } = *law
    else {
        return fill_domain_by(rng, domain, coords, out);
    };
    let sd = spread.sd_at(sd, elapsed);
    if rng.random::<f64>() < uniform {
        return fill_domain(rng, domain, out);
    }
    for _ in 0..LAW_TRIES {
        draw_law(rng, kind, center, sd, corr, out);
        if inside(domain, out) {
            return;
        }
    }
    fill_domain(rng, domain, out)
}

/// Draws of a sampling law that fall outside the domain are redrawn up to this many times,
/// then the point is drawn uniformly.
const LAW_TRIES: usize = 16;

/// One draw of the law (before the domain is looked at): `z` standard normal with pairwise
/// correlation `corr` through one common factor.
fn draw_law(
    rng: &mut impl Rng,
    kind: LawKind,
    center: &Center,
    sd: f64,
    corr: f64,
    out: &mut [f64],
) {
    let (common, own) = (corr.sqrt(), (1.0 - corr).sqrt());
    let z0: f64 = rng.sample(StandardNormal);
    for (k, v) in out.iter_mut().enumerate() {
        let z: f64 = rng.sample(StandardNormal);
        let z = common * z0 + own * z;
        let center = center.at(k);
        *v = match kind {
            LawKind::Normal => center + sd * z,
            LawKind::LogNormal => center * (sd * z).exp(),
        };
    }
}

/// How a sampling law fits a domain: draws outside it are redrawn, which cuts off the law's
/// tails.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LawFit {
    /// The share of the law's draws that land inside the domain.
    pub inside: f64,
    /// How far redrawing moves the 1% and 99% quantiles of the points' coordinate mean (in
    /// the law's standard units, `z` averaged over the components), in standard deviations
    /// of that mean: the larger of the two. In many dimensions a box that holds every
    /// coordinate's law comfortably can still reject most points with a large common
    /// factor, which is what this sees; a few coordinates cut in their far tails are not.
    pub tail_shift: f64,
}

/// [`LawFit`] of the law (at `elapsed` for `spread = diffusion`) on the domain, estimated
/// from `draws` draws with a fixed seed; `None` for uniform sampling or a law of zero width.
pub fn law_fit(domain: &Domain, law: &Sampling, elapsed: f64, draws: usize) -> Option<LawFit> {
    let Sampling::Law {
        kind,
        ref center,
        sd,
        corr,
        spread,
        ..
    } = *law
    else {
        return None;
    };
    let sd = spread.sd_at(sd, elapsed);
    if sd <= 0.0 || draws == 0 || (kind == LawKind::LogNormal && center.min() <= 0.0) {
        return None;
    }
    let dim = domain.dim().unwrap_or(1);
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0x5eed);
    let mut out = vec![0.0; dim];
    let (mut all, mut kept) = (Vec::with_capacity(draws), Vec::with_capacity(draws));
    for _ in 0..draws {
        draw_law(&mut rng, kind, center, sd, corr, &mut out);
        let zbar = out
            .iter()
            .enumerate()
            .map(|(k, v)| match kind {
                LawKind::Normal => (v - center.at(k)) / sd,
                LawKind::LogNormal => (v / center.at(k)).ln() / sd,
            })
            .sum::<f64>()
            / dim as f64;
        all.push(zbar);
        if inside(domain, &out) {
            kept.push(zbar);
        }
    }
    let inside_share = kept.len() as f64 / draws as f64;
    let quantile = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    // The coordinate mean's standard deviation under the law.
    let sd_mean = (corr + (1.0 - corr) / dim as f64)
        .max(0.0)
        .sqrt()
        .max(1e-12);
    let tail_shift = if kept.is_empty() {
        f64::INFINITY
    } else {
        [0.01, 0.99]
            .iter()
            .map(|&q| (quantile(&mut all, q) - quantile(&mut kept, q)).abs() / sd_mean)
            .fold(0.0, f64::max)
    };
    Some(LawFit {
        inside: inside_share,
        tail_shift,
    })
}
