//! Dense symmetric linear algebra at compile time: the Cholesky factor of a constant
//! correlation matrix.

/// Lower-triangular `L` with `L L^T = A` for a symmetric positive semi-definite `A`
/// (row-major, n x n). Pivots within `tol` of zero (semi-definite directions) give a zero
/// column. Returns `Err(k)` when the matrix is not positive semi-definite at row `k`.
pub fn cholesky(a: &[f64], n: usize) -> Result<Vec<f64>, usize> {
    let scale = (0..n)
        .map(|i| a[i * n + i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let tol = 1e-10 * scale * n as f64;
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if d < -tol {
            return Err(j);
        }
        if d <= tol {
            // Semi-definite: the column must vanish below the diagonal too.
            for i in j + 1..n {
                let mut s = a[i * n + j];
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if s.abs() > tol.sqrt() * scale.sqrt() {
                    return Err(j);
                }
            }
            continue;
        }
        let djj = d.sqrt();
        l[j * n + j] = djj;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            let (ri, rj) = (&l[i * n..i * n + j], &l[j * n..j * n + j]);
            for k in 0..j {
                s -= ri[k] * rj[k];
            }
            l[i * n + j] = s / djj;
        }
    }
    Ok(l)
}

/// Largest absolute asymmetry `|A - A^T|`.
pub fn asymmetry(a: &[f64], n: usize) -> f64 {
    let mut m: f64 = 0.0;
    for i in 0..n {
        for j in 0..i {
            m = m.max((a[i * n + j] - a[j * n + i]).abs());
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reconstruct(l: &[f64], n: usize) -> Vec<f64> {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|k| l[i * n + k] * l[j * n + k]).sum();
            }
        }
        a
    }

    #[test]
    fn factors_a_correlation_matrix() {
        let n = 5;
        let a: Vec<f64> = (0..n * n)
            .map(|k| if k / n == k % n { 1.0 } else { 0.75 })
            .collect();
        let l = cholesky(&a, n).expect("positive definite");
        for (x, y) in reconstruct(&l, n).iter().zip(&a) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn semi_definite_is_accepted_and_indefinite_rejected() {
        // All-ones: rank one, semi-definite.
        let ones = vec![1.0; 9];
        let l = cholesky(&ones, 3).expect("semi-definite");
        for (x, y) in reconstruct(&l, 3).iter().zip(&ones) {
            assert!((x - y).abs() < 1e-12);
        }
        // [[1, 2], [2, 1]] has eigenvalue -1.
        assert_eq!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2), Err(1));
    }
}
