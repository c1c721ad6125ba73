//! `pdec plot RUN_DIR`: pictures of a trained run, drawn with `plotters` (no Python, no system
//! font libraries: the font is DejaVu Sans, embedded from `assets/`).
//!
//! - `loss.png`: every loss term of `loss.csv` against the step, log scale.
//! - `solution.png`: the solution along the layout of [`crate::grid::resolve`] for plots:
//!   one axis, a line; time and one space axis, lines at 5 times beside a heat map; two space
//!   axes, a heat map. Higher dimensions go along `--slice` or the box's diagonal.
//! - `error.png`: `|u - exact|` in the same layout, or `|u - reference|` at the reference
//!   table's points.
//! - `exercise.png` (free-boundary problems): where the solution is within a tolerance of the
//!   obstacle, and the boundary of that region.
//!
//! Every picture is drawn in memory first and then written through a temporary file and a
//! rename, so a failed plot leaves no partial file.

use crate::grid::{self, Axis, Layout, Purpose};
use crate::rundir::{Failure, Opened};
use crate::table::Table;
use pdec_lang::diag::Diag;
use pdec_lang::ir::Domain;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;
use std::path::PathBuf;

/// Width and height of a one-panel picture.
pub const SIZE: (u32, u32) = (900, 600);
/// Width and height of a two-panel picture (lines beside a heat map).
pub const WIDE: (u32, u32) = (1600, 600);
/// Times at which lines are drawn for time + one space axis.
pub const TIME_SLICES: usize = 5;
/// The exercise region is where `|u - g| <= EXERCISE_TOL * max(1, max |g|)` and the obstacle
/// `g` is above its smallest value on the plot by more than that tolerance.
pub const EXERCISE_TOL: f64 = 1e-3;

const FONT: &str = "sans-serif";
static FONT_DATA: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn register_font() -> Result<(), String> {
    static ONCE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *ONCE
        .get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_DATA).is_ok());
    if ok {
        Ok(())
    } else {
        Err("the embedded font cannot be read".into())
    }
}

pub struct PlotOptions<'a> {
    pub svg: bool,
    pub slice: Option<&'a str>,
    /// The problem's `reference` table, when there is one.
    pub reference: Option<&'a Table>,
}

const PALETTE: [RGBColor; 10] = [
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

/// Viridis, interpolated between nine anchors.
fn viridis(v: f64) -> RGBColor {
    const A: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = v * (A.len() - 1) as f64;
    let i = (x.floor() as usize).min(A.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    RGBColor(
        mix(A[i].0, A[i + 1].0),
        mix(A[i].1, A[i + 1].1),
        mix(A[i].2, A[i + 1].2),
    )
}

#[derive(Clone, Debug)]
struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
    /// Markers instead of a line.
    dots: bool,
}

#[derive(Clone, Debug)]
struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    log_y: bool,
    series: Vec<Series>,
    /// Shaded x intervals (the exercise region of a 1-D layout), with their legend name.
    bands: Vec<(f64, f64)>,
    band_name: String,
}

#[derive(Clone, Debug)]
struct Cell {
    x: (f64, f64),
    y: (f64, f64),
    v: f64,
}

#[derive(Clone, Debug)]
struct HeatMap {
    title: String,
    x_label: String,
    y_label: String,
    x_range: (f64, f64),
    y_range: (f64, f64),
    cells: Vec<Cell>,
    /// Coloured markers (values at scattered points).
    dots: Vec<(f64, f64, f64)>,
    bar_label: String,
    /// Two colours with their names instead of a colour bar (a region map).
    binary: Option<[String; 2]>,
    /// Points drawn on top in black (a boundary).
    curve: Vec<(f64, f64)>,
    curve_name: String,
}

#[derive(Clone, Debug)]
enum Figure {
    Lines(LineChart),
    Heat(HeatMap),
    Row(Vec<Figure>),
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn tick(v: &f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e4).contains(&a) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.into() }
    }
}

fn pad(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo <= 1e-12 * (lo.abs() + hi.abs()).max(1e-300) {
        let d = (lo.abs() * 0.1).max(1e-6);
        return (lo - d, hi + d);
    }
    (lo, hi)
}

impl Figure {
    fn size(&self) -> (u32, u32) {
        match self {
            Figure::Row(_) => WIDE,
            _ => SIZE,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(err)?;
        match self {
            Figure::Lines(c) => draw_lines(root, c),
            Figure::Heat(h) => draw_heat(root, h),
            Figure::Row(parts) => {
                let areas = root.split_evenly((1, parts.len()));
                for (a, f) in areas.iter().zip(parts) {
                    f.draw(a)?;
                }
                Ok(())
            }
        }
    }
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &LineChart,
) -> Result<(), String> {
    let pts = c.series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in pts {
        if !(x.is_finite() && y.is_finite()) || (c.log_y && *y <= 0.0) {
            continue;
        }
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    let (x0, x1) = pad(x0, x1);
    let mut b = ChartBuilder::on(root);
    b.caption(&c.title, (FONT, 24))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90);
    if c.log_y {
        let (y0, y1) = if y0.is_finite() {
            (y0, y1)
        } else {
            (1e-3, 1.0)
        };
        let (y0, y1) = if y1 / y0 < 10.0 {
            (y0 / 3.0, y1 * 3.0)
        } else {
            (y0, y1)
        };
        let chart = b
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
            .map_err(err)?;
        lines_body(chart, c, (y0, y1))
    } else {
        let (y0, y1) = pad(y0, y1);
        let m = (y1 - y0) * 0.05;
        let chart = b
            .build_cartesian_2d(x0..x1, (y0 - m)..(y1 + m))
            .map_err(err)?;
        lines_body(chart, c, (y0 - m, y1 + m))
    }
}

fn lines_body<'a, DB: DrawingBackend + 'a, Y: Ranged<ValueType = f64> + ValueFormatter<f64>>(
    mut chart: ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    c: &LineChart,
    (y0, y1): (f64, f64),
) -> Result<(), String> {
    chart
        .configure_mesh()
        .x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 14))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    let band = RGBColor(255, 200, 120).mix(0.5);
    for (k, (a, b)) in c.bands.iter().enumerate() {
        let s = chart
            .draw_series(std::iter::once(Rectangle::new(
                [(*a, y0), (*b, y1)],
                band.filled(),
            )))
            .map_err(err)?;
        if k == 0 {
            s.label(&c.band_name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], band.filled()));
        }
    }
    let mut any = false;
    for s in &c.series {
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite() && (!c.log_y || *y > 0.0))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let style = s.color.stroke_width(s.width);
        let color = s.color;
        let drawn = if s.dots {
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                .map_err(err)?
        } else {
            chart
                .draw_series(LineSeries::new(pts, style))
                .map_err(err)?
        };
        if !s.name.is_empty() {
            any = true;
            let dots = s.dots;
            drawn.label(&s.name).legend(move |(x, y)| {
                let path = if dots { vec![] } else { vec![(0, 0), (20, 0)] };
                EmptyElement::at((x, y))
                    + Circle::new((10, 0), if dots { 4 } else { 0 }, color.filled())
                    + PathElement::new(path, color.stroke_width(3))
            });
        }
    }
    if any || !c.bands.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .label_font((FONT, 15))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn draw_heat<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, h: &HeatMap) -> Result<(), String> {
    let (w, _) = root.dim_in_pixel();
    let (main, bar) = root.split_horizontally(w.saturating_sub(150));
    let values = h
        .cells
        .iter()
        .map(|c| c.v)
        .chain(h.dots.iter().map(|d| d.2));
    let (mut v0, mut v1) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        v0 = v0.min(v);
        v1 = v1.max(v);
    }
    let (v0, v1) = if h.binary.is_some() {
        (0.0, 1.0)
    } else {
        pad(v0, v1)
    };
    let colour = |v: f64| -> RGBColor {
        match &h.binary {
            Some(_) => {
                if v > 0.5 {
                    RGBColor(244, 165, 96)
                } else {
                    RGBColor(198, 219, 239)
                }
            }
            None => viridis((v - v0) / (v1 - v0)),
        }
    };
    let (x0, x1) = pad(h.x_range.0, h.x_range.1);
    let (y0, y1) = pad(h.y_range.0, h.y_range.1);
    let mut chart = ChartBuilder::on(&main)
        .caption(&h.title, (FONT, 24))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(&h.x_label)
        .y_desc(&h.y_label)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 14))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            h.cells
                .iter()
                .filter(|c| c.v.is_finite())
                .map(|c| Rectangle::new([(c.x.0, c.y.0), (c.x.1, c.y.1)], colour(c.v).filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(
            h.dots
                .iter()
                .filter(|d| d.2.is_finite())
                .map(|d| Circle::new((d.0, d.1), 4, colour(d.2).filled())),
        )
        .map_err(err)?;
    if !h.curve.is_empty() {
        chart
            .draw_series(h.curve.iter().map(|p| Circle::new(*p, 2, BLACK.filled())))
            .map_err(err)?
            .label(&h.curve_name)
            .legend(|(x, y)| Circle::new((x + 10, y), 3, BLACK.filled()));
    }
    if let Some(names) = &h.binary {
        for (k, name) in names.iter().enumerate() {
            let c = colour(k as f64);
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], c.filled()));
        }
    }
    if h.binary.is_some() || !h.curve.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .label_font((FONT, 15))
            .draw()
            .map_err(err)?;
    }
    if h.binary.is_none() {
        let mut cb = ChartBuilder::on(&bar)
            .margin_top(60)
            .margin_bottom(75)
            .margin_left(10)
            .margin_right(10)
            .caption(&h.bar_label, (FONT, 16))
            .right_y_label_area_size(80)
            .build_cartesian_2d(0.0..1.0, v0..v1)
            .map_err(err)?;
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .label_style((FONT, 14))
            .y_label_formatter(&tick)
            .draw()
            .map_err(err)?;
        let steps = 200;
        cb.draw_series((0..steps).map(|i| {
            let a = v0 + (v1 - v0) * i as f64 / steps as f64;
            let b = v0 + (v1 - v0) * (i + 1) as f64 / steps as f64;
            Rectangle::new([(0.0, a), (1.0, b)], colour((a + b) / 2.0).filled())
        }))
        .map_err(err)?;
    }
    Ok(())
}

/// Renders a figure as PNG bytes.
fn png(f: &Figure) -> Result<Vec<u8>, String> {
    register_font()?;
    let (w, h) = f.size();
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        f.draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut wr = enc.write_header().map_err(err)?;
        wr.write_image_data(&buf).map_err(err)?;
    }
    Ok(out)
}

/// Renders a figure as SVG text.
fn svg(f: &Figure) -> Result<String, String> {
    register_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, f.size()).into_drawing_area();
        f.draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(s)
}

/// `loss.csv` as columns: step, then `(name, values)` for `total` and each term.
fn loss_figure(run: &Opened) -> Result<Figure, Diag> {
    let path = run.dir.join("loss.csv");
    let bad = |why: String| {
        Diag::error(
            "pdec::plot::no_loss",
            format!("cannot read `{}`: {why}", path.display()),
        )
        .help(
            "`pdec solve` writes loss.csv into the run directory; train again, or plot another run",
        )
    };
    let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let step = header.iter().position(|h| h == "step");
    let first = header.iter().position(|h| h == "total");
    let (Some(step), Some(first)) = (step, first) else {
        return Err(bad("it has no `step` and `total` columns".into()));
    };
    let mut cols: Vec<Vec<(f64, f64)>> = vec![Vec::new(); header.len()];
    for rec in reader.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let Some(s) = rec.get(step).and_then(|s| s.parse::<f64>().ok()) else {
            continue;
        };
        for (k, c) in cols.iter_mut().enumerate().skip(first) {
            if let Some(v) = rec.get(k).and_then(|v| v.parse::<f64>().ok()) {
                c.push((s, v));
            }
        }
    }
    if cols[first].is_empty() {
        return Err(bad("it has no rows".into()));
    }
    let mut series = Vec::new();
    for (k, name) in header.iter().enumerate().skip(first) {
        let total = k == first;
        series.push(Series {
            name: if total {
                "total (weighted)".into()
            } else {
                name.clone()
            },
            points: std::mem::take(&mut cols[k]),
            color: if total {
                BLACK
            } else {
                PALETTE[(k - first - 1) % PALETTE.len()]
            },
            width: if total { 3 } else { 2 },
            dots: false,
        });
    }
    Ok(Figure::Lines(LineChart {
        title: format!("training loss: {}", run.problem().name),
        x_label: "step".into(),
        y_label: "loss term (mean square)".into(),
        log_y: true,
        series,
        bands: Vec::new(),
        band_name: String::new(),
    }))
}

/// Values at the points of a layout, `None` outside a ball domain.
struct Sampled {
    points: Vec<f64>,
    inside: Vec<bool>,
}

fn sample(run: &Opened, layout: &Layout, values: &[Vec<f64>]) -> Sampled {
    let points = layout.points_on(values);
    let w = run.cols.width;
    let p = run.problem();
    let rows = points.len() / w.max(1);
    let inside = (0..rows)
        .map(|i| {
            let row = &points[i * w..(i + 1) * w];
            p.space.iter().enumerate().all(|(k, s)| match &s.domain {
                Domain::Ball { center, radius } => {
                    let (off, _) = run.cols.space[k];
                    let r2: f64 = center
                        .iter()
                        .enumerate()
                        .map(|(j, c)| (row[off + j] - c).powi(2))
                        .sum();
                    r2 <= radius * radius * (1.0 + 1e-9)
                }
                _ => true,
            })
        })
        .collect();
    Sampled { points, inside }
}

/// A field's values at rows of points: `f(points, rows)`.
type Eval<'a> = &'a dyn Fn(&[f64], usize) -> Result<Vec<f64>, Failure>;

/// What to draw of a field on the layout's points (the solution, an error).
struct Field<'a> {
    name: String,
    eval: Eval<'a>,
}

fn cells(xs: &[f64], ys: &[f64], v: &[f64]) -> Vec<Cell> {
    let edges = |a: &[f64], i: usize| -> (f64, f64) {
        let lo = if i == 0 {
            a[0]
        } else {
            (a[i - 1] + a[i]) / 2.0
        };
        let hi = if i + 1 == a.len() {
            a[i]
        } else {
            (a[i] + a[i + 1]) / 2.0
        };
        (lo, hi)
    };
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for i in 0..xs.len() {
        for j in 0..ys.len() {
            out.push(Cell {
                x: edges(xs, i),
                y: edges(ys, j),
                v: v[i * ys.len() + j],
            });
        }
    }
    out
}

fn caption(run: &Opened, layout: &Layout, what: &str) -> String {
    let p = run.problem();
    let mut t = format!("{what}: {}", p.name);
    if !layout.fixed.is_empty() {
        let f = layout.fixed.join(", ");
        if f.len() <= 60 {
            t.push_str(&format!(" at {f}"));
        } else {
            t.push_str(" (other coordinates fixed)");
        }
    }
    t
}

/// The figure of a field in the layout: lines, lines and a heat map, or a heat map.
fn field_figure(run: &Opened, layout: &Layout, f: &Field, title: &str) -> Result<Figure, Failure> {
    let w = run.cols.width;
    let axes = &layout.axes;
    let eval = |values: &[Vec<f64>]| -> Result<(Sampled, Vec<f64>), Failure> {
        let s = sample(run, layout, values);
        let rows = s.points.len() / w.max(1);
        let v = (f.eval)(&s.points, rows)?;
        let v = v
            .into_iter()
            .zip(&s.inside)
            .map(|(v, ok)| if *ok { v } else { f64::NAN })
            .collect();
        Ok((s, v))
    };
    match axes.len() {
        1 => {
            let xs = axes[0].values();
            let (_, v) = eval(std::slice::from_ref(&xs))?;
            Ok(Figure::Lines(LineChart {
                title: title.to_string(),
                x_label: axes[0].label.clone(),
                y_label: f.name.clone(),
                log_y: false,
                series: vec![Series {
                    name: String::new(),
                    points: xs.into_iter().zip(v).collect(),
                    color: PALETTE[0],
                    width: 2,
                    dots: false,
                }],
                bands: Vec::new(),
                band_name: String::new(),
            }))
        }
        _ => {
            let (xs, ys) = (axes[0].values(), axes[1].values());
            let (_, v) = eval(&[xs.clone(), ys.clone()])?;
            let heat = Figure::Heat(HeatMap {
                title: title.to_string(),
                x_label: axes[0].label.clone(),
                y_label: axes[1].label.clone(),
                x_range: (axes[0].lo, axes[0].hi),
                y_range: (axes[1].lo, axes[1].hi),
                cells: cells(&xs, &ys, &v),
                dots: Vec::new(),
                bar_label: f.name.clone(),
                binary: None,
                curve: Vec::new(),
                curve_name: String::new(),
            });
            if !axes[0].time {
                return Ok(heat);
            }
            // Lines of the field along space at a few times, beside the heat map.
            let times = time_slices(&axes[0]);
            let fine = Axis {
                n: grid::plot_points(1),
                ..axes[1].clone()
            };
            let xs = fine.values();
            let (_, v) = eval(&[times.clone(), xs.clone()])?;
            let series = times
                .iter()
                .enumerate()
                .map(|(k, t)| Series {
                    name: format!("{} = {}", axes[0].label, tick(t)),
                    points: xs
                        .iter()
                        .copied()
                        .zip(v[k * xs.len()..(k + 1) * xs.len()].iter().copied())
                        .collect(),
                    color: PALETTE[k % PALETTE.len()],
                    width: 2,
                    dots: false,
                })
                .collect();
            let lines = Figure::Lines(LineChart {
                title: format!("{} at {TIME_SLICES} times", f.name),
                x_label: axes[1].label.clone(),
                y_label: f.name.clone(),
                log_y: false,
                series,
                bands: Vec::new(),
                band_name: String::new(),
            });
            Ok(Figure::Row(vec![lines, heat]))
        }
    }
}

fn time_slices(a: &Axis) -> Vec<f64> {
    (0..TIME_SLICES)
        .map(|k| a.lo + (a.hi - a.lo) * k as f64 / (TIME_SLICES - 1) as f64)
        .collect()
}

/// `|u - reference|` at the table's points, placed by the layout's axes when each is one
/// input column; `None` when the layout cannot place them.
fn reference_figure(run: &Opened, layout: &Layout, t: &Table) -> Result<Option<Figure>, Failure> {
    let Some(values) = &t.values else {
        return Ok(None);
    };
    let single: Option<Vec<usize>> = layout
        .axes
        .iter()
        .map(|a| (a.cols.len() == 1).then_some(a.cols[0]))
        .collect();
    let Some(single) = single else {
        return Ok(None);
    };
    let u = run.solution(&t.points, t.rows)?;
    let w = run.cols.width;
    let e: Vec<f64> = u.iter().zip(values).map(|(a, b)| (a - b).abs()).collect();
    let name = format!("|{} - reference|", run.problem().unknown.name);
    let title = format!("error against the reference table: {}", run.problem().name);
    let at = |i: usize, c: usize| t.points[i * w + c];
    Ok(Some(match single.as_slice() {
        [c] => Figure::Lines(LineChart {
            title,
            x_label: layout.axes[0].label.clone(),
            y_label: name,
            log_y: false,
            series: vec![Series {
                name: String::new(),
                points: (0..t.rows).map(|i| (at(i, *c), e[i])).collect(),
                color: PALETTE[3],
                width: 1,
                dots: true,
            }],
            bands: Vec::new(),
            band_name: String::new(),
        }),
        [a, b] => {
            let range = |c: usize| {
                (0..t.rows)
                    .map(|i| at(i, c))
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(v), hi.max(v))
                    })
            };
            Figure::Heat(HeatMap {
                title,
                x_label: layout.axes[0].label.clone(),
                y_label: layout.axes[1].label.clone(),
                x_range: range(*a),
                y_range: range(*b),
                cells: Vec::new(),
                dots: (0..t.rows).map(|i| (at(i, *a), at(i, *b), e[i])).collect(),
                bar_label: name,
                binary: None,
                curve: Vec::new(),
                curve_name: String::new(),
            })
        }
        _ => return Ok(None),
    }))
}

/// Where the solution meets the obstacle (`|u - g| <= tol`) and the boundary of that region.
fn exercise_figure(run: &Opened, layout: &Layout) -> Result<Option<Figure>, Failure> {
    let p = run.problem();
    let Some(c) = &p.constraint else {
        return Ok(None);
    };
    let w = run.cols.width;
    let axes = &layout.axes;
    let values: Vec<Vec<f64>> = axes.iter().map(Axis::values).collect();
    let s = sample(run, layout, &values);
    let rows = s.points.len() / w.max(1);
    let u = run.solution(&s.points, rows)?;
    let g = run.free(c.obstacle, &s.points, rows)?;
    let scale = g.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let tol = EXERCISE_TOL * scale;
    // Where the obstacle is at its floor (an option's payoff of 0) exercising is never
    // better than waiting, and u and g are both near the floor: not counted.
    let floor = g.iter().copied().fold(f64::INFINITY, f64::min);
    let ex: Vec<bool> = u
        .iter()
        .zip(&g)
        .zip(&s.inside)
        .map(|((u, g), ok)| *ok && (u - g).abs() <= tol && (g - floor).abs() > tol)
        .collect();
    let un = &p.unknown.name;
    let title = caption(
        run,
        layout,
        &format!(
            "exercise region ({un} within {} of the obstacle)",
            tick(&tol)
        ),
    );
    Ok(Some(match axes.len() {
        1 => {
            let xs = &values[0];
            let mut bands = Vec::new();
            let mut start: Option<usize> = None;
            for i in 0..=xs.len() {
                let on = i < xs.len() && ex[i];
                match (on, start) {
                    (true, None) => start = Some(i),
                    (false, Some(a)) => {
                        bands.push((xs[a], xs[i - 1].max(xs[a])));
                        start = None;
                    }
                    _ => {}
                }
            }
            Figure::Lines(LineChart {
                title,
                x_label: axes[0].label.clone(),
                y_label: format!("{un} and obstacle"),
                log_y: false,
                series: vec![
                    Series {
                        name: un.clone(),
                        points: xs.iter().copied().zip(u).collect(),
                        color: PALETTE[0],
                        width: 2,
                        dots: false,
                    },
                    Series {
                        name: "obstacle".into(),
                        points: xs.iter().copied().zip(g).collect(),
                        color: PALETTE[3],
                        width: 2,
                        dots: false,
                    },
                ],
                bands,
                band_name: "exercise region".into(),
            })
        }
        _ => {
            let (xs, ys) = (&values[0], &values[1]);
            let v: Vec<f64> = ex
                .iter()
                .zip(&s.inside)
                .map(|(e, ok)| {
                    if !ok {
                        f64::NAN
                    } else if *e {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            // The boundary: between neighbours along the vertical axis that differ.
            let mut curve = Vec::new();
            for (i, x) in xs.iter().enumerate() {
                for j in 0..ys.len().saturating_sub(1) {
                    let (a, b) = (i * ys.len() + j, i * ys.len() + j + 1);
                    if s.inside[a] && s.inside[b] && ex[a] != ex[b] {
                        curve.push((*x, (ys[j] + ys[j + 1]) / 2.0));
                    }
                }
            }
            Figure::Heat(HeatMap {
                title,
                x_label: axes[0].label.clone(),
                y_label: axes[1].label.clone(),
                x_range: (axes[0].lo, axes[0].hi),
                y_range: (axes[1].lo, axes[1].hi),
                cells: cells(xs, ys, &v),
                dots: Vec::new(),
                bar_label: String::new(),
                binary: Some(["continuation".into(), "exercise".into()]),
                curve,
                curve_name: "exercise boundary".into(),
            })
        }
    }))
}

/// Draws the pictures of a run; returns the files written.
pub fn plot(run: &Opened, opts: &PlotOptions) -> Result<Vec<PathBuf>, Failure> {
    let p = run.problem();
    let items = grid::parse(opts.slice.unwrap_or("")).map_err(|e| e.diag(Purpose::Plot))?;
    let layout =
        grid::resolve(p, &run.cols, &items, Purpose::Plot).map_err(|e| e.diag(Purpose::Plot))?;
    let un = p.unknown.name.clone();
    let mut figures: Vec<(&str, Figure)> = vec![("loss", loss_figure(run)?)];
    let sol =
        |pts: &[f64], rows: usize| -> Result<Vec<f64>, Failure> { Ok(run.solution(pts, rows)?) };
    let args: Vec<&str> = p.unknown.args.iter().map(|a| p.input_name(*a)).collect();
    figures.push((
        "solution",
        field_figure(
            run,
            &layout,
            &Field {
                name: un.clone(),
                eval: &sol,
            },
            &caption(run, &layout, &format!("{un}({})", args.join(", "))),
        )?,
    ));
    if let Some(exact) = p.exact {
        let errf = |pts: &[f64], rows: usize| -> Result<Vec<f64>, Failure> {
            let u = run.solution(pts, rows)?;
            let e = run.free(exact, pts, rows)?;
            Ok(u.iter().zip(&e).map(|(a, b)| (a - b).abs()).collect())
        };
        figures.push((
            "error",
            field_figure(
                run,
                &layout,
                &Field {
                    name: format!("|{un} - exact|"),
                    eval: &errf,
                },
                &caption(run, &layout, "error against the exact solution"),
            )?,
        ));
    } else if let Some(t) = opts.reference
        && let Some(f) = reference_figure(run, &layout, t)?
    {
        figures.push(("error", f));
    }
    if let Some(f) = exercise_figure(run, &layout)? {
        figures.push(("exercise", f));
    }
    // Draw everything before writing anything.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (name, f) in &figures {
        let fail =
            |why: String| crate::run::RunError::Internal(format!("cannot draw {name}: {why}"));
        files.push((run.dir.join(format!("{name}.png")), png(f).map_err(fail)?));
        if opts.svg {
            files.push((
                run.dir.join(format!("{name}.svg")),
                svg(f).map_err(fail)?.into_bytes(),
            ));
        }
    }
    let mut written = Vec::new();
    for (path, bytes) in files {
        crate::run::write_atomic(&path, &bytes).map_err(|e| {
            let _ = std::fs::remove_file(path.with_extension("tmp"));
            Diag::error(
                "pdec::plot::io",
                format!("cannot write `{}`: {e}", path.display()),
            )
            .help("check that the run directory is writable and the disk is not full")
        })?;
        written.push(path);
    }
    Ok(written)
}

/// `loss.png, solution.png` for messages.
pub fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The problem's `reference` table: the run directory's copy (or, for a run from before
/// copies, a table put beside its `problem.pde`). `Err` says why it is not used.
pub fn reference_table(run: &Opened) -> Result<Option<Table>, String> {
    let p = run.problem();
    let Some(rel) = &p.reference else {
        return Ok(None);
    };
    let file = pdec_lang::loader::read_reference_copy(&crate::run::reference_folder(&run.dir), rel)
        .or_else(|_| pdec_lang::loader::read_reference(&run.dir.join("problem.pde"), rel))
        .map_err(|d| {
            format!(
                "the run directory has no copy of the reference table `{rel}` ({}); error.png is not drawn",
                d.message
            )
        })?;
    crate::table::parse(p, &run.cols, &file.name, &file.text, true)
        .map(Some)
        .map_err(|d| {
            format!(
                "the reference table `{}` does not fit the problem ({}); error.png is not drawn",
                file.name, d.message
            )
        })
}
