//! Outward rounding for the interval bounds that prove signs: each operation returns a lower
//! and an upper bound of its exact real result, not the nearest `f64`, so that a bound
//! called a proof is one. Additions, products, quotients and square roots are rounded
//! exactly one way or the other from their error-free transformations (TwoSum; the residual
//! of a fused multiply-add), so an exact result stays a point (`0 * x`, `1 + 1`) and an
//! inexact one moves by one ulp in the direction its error lies; where the error cannot be
//! represented (underflow) both bounds move. Library functions (`exp`, `log`, `tanh`, `powf`,
//! ...) are not correctly rounded, so their values are widened by [`LIBM_ULPS`] each way,
//! except at the points where they are exact by definition (`exp(0) = 1`, `log(1) = 0`).

/// Ulps a library function's result is widened by, each way (libm's are within one).
pub const LIBM_ULPS: u32 = 2;

/// Below this size a product's or quotient's rounding error may underflow, and the
/// error-free transformations no longer tell its sign.
const TINY: f64 = 1e-290;

/// `(lower, upper)` bounds of `v + err`, `v` the rounded result and `err` (exact, or NaN when
/// unknown) what the rounding dropped.
fn directed(v: f64, err: f64) -> (f64, f64) {
    if v.is_nan() {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    if err.is_nan() {
        return (v.next_down(), v.next_up());
    }
    if err > 0.0 {
        (v, v.next_up())
    } else if err < 0.0 {
        (v.next_down(), v)
    } else {
        (v, v)
    }
}

/// An overflowed result of finite operands: its true value is finite, beyond `f64::MAX`.
fn overflow(v: f64) -> (f64, f64) {
    if v > 0.0 {
        (f64::MAX, f64::INFINITY)
    } else {
        (f64::NEG_INFINITY, -f64::MAX)
    }
}

/// Bounds of `a + b`.
pub fn add(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    if !s.is_finite() {
        return if a.is_finite() && b.is_finite() {
            overflow(s)
        } else {
            (s, s)
        };
    }
    // TwoSum (Knuth): `s + e` is `a + b` exactly.
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    directed(s, e)
}

/// Bounds of `a - b`.
pub fn sub(a: f64, b: f64) -> (f64, f64) {
    add(a, -b)
}

/// Bounds of `a * b` (`0 * inf` is 0: an interval's infinite end bounds finite values).
pub fn mul(a: f64, b: f64) -> (f64, f64) {
    if a == 0.0 || b == 0.0 {
        return (0.0, 0.0);
    }
    let p = a * b;
    if !p.is_finite() {
        return if a.is_finite() && b.is_finite() {
            overflow(p)
        } else {
            (p, p)
        };
    }
    if p.abs() < TINY {
        return directed(p, f64::NAN);
    }
    // The fused multiply-add's one rounding makes `a * b - p` exact.
    directed(p, a.mul_add(b, -p))
}

/// Bounds of `a / b`, `b` not zero.
pub fn div(a: f64, b: f64) -> (f64, f64) {
    let q = a / b;
    if !q.is_finite() {
        return if a.is_finite() && b.is_finite() && b != 0.0 {
            overflow(q)
        } else {
            (q, q)
        };
    }
    if a == 0.0 || b.is_infinite() {
        return (q, q);
    }
    if q.abs() < TINY {
        return directed(q, f64::NAN);
    }
    // `a - q b` exactly; the dropped part of the quotient is that over `b`.
    let r = -q.mul_add(b, -a);
    directed(q, r * b.signum())
}

/// Bounds of `sqrt(a)`, `a >= 0`.
pub fn sqrt(a: f64) -> (f64, f64) {
    let s = a.sqrt();
    if !s.is_finite() || s == 0.0 {
        return (s, s);
    }
    if s * s < TINY {
        return directed(s, f64::NAN);
    }
    // `a - s^2` exactly: positive when the root was rounded down.
    directed(s, -s.mul_add(s, -a))
}

/// `v` widened by [`LIBM_ULPS`] each way: bounds of a library function's exact value.
pub fn libm(v: f64) -> (f64, f64) {
    if v.is_nan() {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    let (mut lo, mut hi) = (v, v);
    for _ in 0..LIBM_ULPS {
        lo = lo.next_down();
        hi = hi.next_up();
    }
    (lo, hi)
}

/// Bounds of `x^n` for a whole `n >= 0`, by products rounded outward (`x^2` of a positive
/// `x` stays positive, and `x^0` is 1).
pub fn powi(x: f64, n: u32) -> (f64, f64) {
    let a = x.abs();
    let (mut lo, mut hi) = (1.0, 1.0);
    for _ in 0..n {
        lo = mul(lo, a).0;
        hi = mul(hi, a).1;
    }
    if x < 0.0 && !n.is_multiple_of(2) {
        (-hi, -lo)
    } else {
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_results_stay_points_and_inexact_ones_move_one_ulp() {
        assert_eq!(add(1.0, 1.0), (2.0, 2.0));
        assert_eq!(mul(0.5, 6.0), (3.0, 3.0));
        assert_eq!(mul(0.0, f64::INFINITY), (0.0, 0.0));
        assert_eq!(div(1.0, 4.0), (0.25, 0.25));
        assert_eq!(sqrt(9.0), (3.0, 3.0));
        // 0.1 + 0.2 rounds up to 0.30000000000000004: the exact sum is one ulp below it.
        let (lo, hi) = add(0.1, 0.2);
        assert_eq!(hi, 0.1 + 0.2);
        assert_eq!(lo, (0.1f64 + 0.2).next_down());
        // 1 / 3 is inexact: the bounds are the two neighbours around it.
        let (lo, hi) = div(1.0, 3.0);
        assert!(lo < hi && hi == lo.next_up());
        assert!(lo * 3.0 <= 1.0 && hi * 3.0 >= 1.0);
        let (lo, hi) = sqrt(2.0);
        assert!(lo * lo <= 2.0 && hi == lo.next_up());
    }

    #[test]
    fn powers_of_a_positive_base_stay_positive() {
        let (lo, hi) = powi(0.1, 2);
        assert!(lo > 0.0 && lo <= 0.010000000000000002 && hi >= 0.01);
        assert_eq!(powi(-2.0, 3), (-8.0, -8.0));
        assert_eq!(powi(0.3, 0), (1.0, 1.0));
    }

    #[test]
    fn overflow_keeps_a_finite_bound() {
        assert_eq!(add(f64::MAX, f64::MAX), (f64::MAX, f64::INFINITY));
        assert_eq!(mul(-f64::MAX, 2.0), (f64::NEG_INFINITY, -f64::MAX));
    }
}
