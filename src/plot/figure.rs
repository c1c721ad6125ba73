//! The pictures as data, before any drawing: a line chart, a heat map, or a row of them
//! ([`Figure`]), with the palette of lines and the tick labels' number format. Built by
//! `loss.rs`, `field.rs`, `quiver.rs` and `exercise.rs`; drawn by `draw.rs`.

use plotters::prelude::*;

/// Line colours, in order (matplotlib's `tab10`).
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One line (or set of markers) of a line chart.
#[derive(Clone, Debug)]
pub(super) struct Series {
    pub(super) name: String,
    pub(super) points: Vec<(f64, f64)>,
    pub(super) color: RGBColor,
    pub(super) width: u32,
    /// Markers instead of a line.
    pub(super) dots: bool,
}

/// Lines against one x axis, with optional shaded x intervals.
#[derive(Clone, Debug)]
pub(super) struct LineChart {
    pub(super) title: String,
    pub(super) x_label: String,
    pub(super) y_label: String,
    pub(super) log_y: bool,
    pub(super) series: Vec<Series>,
    /// Shaded x intervals (the exercise region of a 1-D layout), with their legend name.
    pub(super) bands: Vec<(f64, f64)>,
    pub(super) band_name: String,
}

/// One rectangle of a heat map and its value.
#[derive(Clone, Debug)]
pub(super) struct Cell {
    pub(super) x: (f64, f64),
    pub(super) y: (f64, f64),
    pub(super) v: f64,
}

/// Values over two axes as coloured cells or markers, with a colour bar or two region
/// colours.
#[derive(Clone, Debug)]
pub(super) struct HeatMap {
    pub(super) title: String,
    pub(super) x_label: String,
    pub(super) y_label: String,
    pub(super) x_range: (f64, f64),
    pub(super) y_range: (f64, f64),
    pub(super) cells: Vec<Cell>,
    /// Coloured markers (values at scattered points).
    pub(super) dots: Vec<(f64, f64, f64)>,
    pub(super) bar_label: String,
    /// Two colours with their names instead of a colour bar (a region map).
    pub(super) binary: Option<[String; 2]>,
    /// Points drawn on top in black (a boundary).
    pub(super) curve: Vec<(f64, f64)>,
    pub(super) curve_name: String,
    /// Lines drawn on top in black: the outline of the domain's boundary pieces.
    pub(super) outline: Vec<Vec<(f64, f64)>>,
    /// Arrows drawn on top (a vector field's quiver), if any.
    pub(super) quiver: Option<Quiver>,
}

/// A vector field's arrows on a coarse grid: each `[x, y, a, b]`, the point and the field's
/// components along the two axes. The drawing scales them together, the longest to a share
/// of the grid's `spacing` (in data units along x and y), so lengths compare.
#[derive(Clone, Debug)]
pub(super) struct Quiver {
    pub(super) arrows: Vec<[f64; 4]>,
    pub(super) spacing: (f64, f64),
}

/// A picture: one chart, or charts side by side.
#[derive(Clone, Debug)]
pub(super) enum Figure {
    Lines(LineChart),
    Heat(HeatMap),
    Row(Vec<Figure>),
}

/// A number as a tick label or in a caption: four decimals at most, exponent form when very
/// large or small.
pub(super) fn tick(v: &f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e4).contains(&a) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.into() }
    }
}
