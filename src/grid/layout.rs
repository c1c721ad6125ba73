//! The points a resolved spec describes: grid axes of equally spaced values, and for each
//! input column a [`Rule`] (a fixed value or an affine function of one axis); rows in C
//! order, the last axis fastest.

/// How one input column gets its value at a grid point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    Fixed(f64),
    /// `a + b * v` where `v` is the value of grid axis `axis`.
    Axis {
        axis: usize,
        a: f64,
        b: f64,
    },
}

/// One grid axis: `n` equally spaced values from `lo` to `hi`.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// For plot axes: `x`, `x[2]`, `x[1] = x[2] = x[3]`, `s (x[i] = lo_i + s (hi_i - lo_i))`.
    pub label: String,
    /// For array and column names: `x`, `x2`, `s`.
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
    /// The input columns that vary along this axis.
    pub cols: Vec<usize>,
    /// The time axis.
    pub time: bool,
}

impl Axis {
    /// The `i`-th value (the last is `hi` exactly).
    pub fn value(&self, i: usize) -> f64 {
        if self.n < 2 {
            return self.lo;
        }
        // Exact end points.
        if i + 1 == self.n {
            return self.hi;
        }
        self.lo + (self.hi - self.lo) * i as f64 / (self.n - 1) as f64
    }

    /// All `n` values.
    pub fn values(&self) -> Vec<f64> {
        (0..self.n).map(|i| self.value(i)).collect()
    }
}

/// A spec bound to a problem.
#[derive(Clone, Debug)]
pub struct Layout {
    pub axes: Vec<Axis>,
    pub rules: Vec<Rule>,
    /// `nu = 0.05`, `x[3] = 1`: the coordinates held fixed (for captions).
    pub fixed: Vec<String>,
}

impl Layout {
    /// The number of grid points: the product of the axes' point counts.
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.n).product()
    }

    /// Whether the grid has no points.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The point count of each axis.
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.n).collect()
    }

    /// One row per grid point in C order (the last axis varies fastest).
    pub fn points(&self) -> Vec<f64> {
        let values: Vec<Vec<f64>> = self.axes.iter().map(Axis::values).collect();
        self.points_on(&values)
    }

    /// Rows for the product of the given values of each axis (C order).
    pub fn points_on(&self, values: &[Vec<f64>]) -> Vec<f64> {
        let width = self.rules.len();
        let total: usize = values.iter().map(Vec::len).product();
        let mut out = vec![0.0; total * width];
        let mut idx = vec![0usize; self.axes.len()];
        for r in 0..total {
            let row = &mut out[r * width..(r + 1) * width];
            for (c, rule) in self.rules.iter().enumerate() {
                row[c] = match *rule {
                    Rule::Fixed(v) => v,
                    Rule::Axis { axis, a, b } => a + b * values[axis][idx[axis]],
                };
            }
            for k in (0..idx.len()).rev() {
                idx[k] += 1;
                if idx[k] < values[k].len() {
                    break;
                }
                idx[k] = 0;
            }
        }
        out
    }
}
