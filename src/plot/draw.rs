//! Drawing a [`Figure`] with `plotters`: lines (log scale for the loss), heat maps with a
//! viridis colour bar or two region colours, rows of panels; rendered in memory as PNG or
//! SVG bytes. The font is DejaVu Sans, embedded from `assets/` and registered once.

use super::figure::{Figure, HeatMap, LineChart, Quiver, tick};
use super::{SIZE, WIDE};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;

const FONT: &str = "sans-serif";
static FONT_DATA: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

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

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Whether a point's `y` can be drawn: finite and at most 1e300 in size (the axis' padding
/// would overflow to infinity, and plotters then never finishes its ticks), and on a log
/// axis at least 1e-300 (a subnormal loss such as 1e-320 has no usable logarithm range).
fn drawable(x: f64, y: f64, log: bool) -> bool {
    x.is_finite() && x.abs() <= 1e300 && y.is_finite() && y.abs() <= 1e300 && (!log || y >= 1e-300)
}

/// Most decades a log axis spans: below, points are clipped (a loss over more than a hundred
/// decades has diverged or vanished; the drawing stays quick).
const MAX_DECADES: f64 = 100.0;

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
        if !drawable(*x, *y, c.log_y) {
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
        let y0 = y0.max(y1 / 10f64.powf(MAX_DECADES));
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
            .filter(|(x, y)| drawable(*x, *y, c.log_y))
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
    for line in &h.outline {
        chart
            .draw_series(LineSeries::new(line.iter().copied(), BLACK.stroke_width(2)))
            .map_err(err)?;
    }
    if let Some(q) = &h.quiver {
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let scale = (pw as f64 / (x1 - x0), ph as f64 / (y1 - y0));
        let arrows = arrow_paths(q, scale);
        chart
            .draw_series(
                arrows
                    .iter()
                    .map(|a| PathElement::new(a.shaft.to_vec(), BLACK.stroke_width(1))),
            )
            .map_err(err)?;
        chart
            .draw_series(
                arrows
                    .iter()
                    .map(|a| Polygon::new(a.head.to_vec(), BLACK.filled())),
            )
            .map_err(err)?;
    }
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

/// Half the angle of an arrow's head.
const HEAD_ANGLE: f64 = 0.4;

/// One arrow of a quiver in data units: its shaft from the tail to the head's base, and its
/// head, a triangle (the tip first).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Arrow {
    pub(super) shaft: [(f64, f64); 2],
    pub(super) head: [(f64, f64); 3],
}

/// Each arrow of a quiver, centred on its point. `scale` is pixels per data unit along x
/// and y: the arrows are scaled together on screen (the longest 90% of a grid step), so
/// their lengths compare and their heads look alike whatever the axes' units.
pub(super) fn arrow_paths(q: &Quiver, scale: (f64, f64)) -> Vec<Arrow> {
    let longest = q
        .arrows
        .iter()
        .map(|a| a[2].hypot(a[3]))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let room = 0.9 * (q.spacing.0 * scale.0).min(q.spacing.1 * scale.1);
    if longest <= 0.0 || !room.is_finite() || room <= 0.0 {
        return Vec::new();
    }
    // Pixels per unit of the field.
    let k = room / longest;
    let to_data = |(a, b): (f64, f64)| (a / scale.0, b / scale.1);
    q.arrows
        .iter()
        .filter_map(|&[x, y, a, b]| {
            // On screen, y up; an arrow under a pixel is left out.
            let (px, py) = (a * k, b * k);
            let len = px.hypot(py);
            if !len.is_finite() || len < 1.0 {
                return None;
            }
            let at = |f: f64| {
                let d = to_data((f * px, f * py));
                (x + d.0, y + d.1)
            };
            // The head: 40% of a short arrow, at most 7 pixels long.
            let head = (0.4 * len).min(7.0);
            let (ux, uy) = (px / len, py / len);
            let barb = |s: f64| {
                let (c, n) = (HEAD_ANGLE.cos(), s * HEAD_ANGLE.sin());
                // The reversed direction turned by +- HEAD_ANGLE, `head / cos` long.
                let (vx, vy) = (-ux, -uy);
                let r = head / c;
                let d = to_data((r * (vx * c - vy * n), r * (vx * n + vy * c)));
                let tip = at(0.5);
                (tip.0 + d.0, tip.1 + d.1)
            };
            Some(Arrow {
                shaft: [at(-0.5), at(0.5 - head / len)],
                head: [at(0.5), barb(1.0), barb(-1.0)],
            })
        })
        .collect()
}

/// Renders a figure as PNG bytes.
pub(super) fn png(f: &Figure) -> Result<Vec<u8>, String> {
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
pub(super) fn svg(f: &Figure) -> Result<String, String> {
    register_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, f.size()).into_drawing_area();
        f.draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::arrow_paths;
    use crate::plot::figure::Quiver;

    /// The longest arrow spans 90% of a grid step on screen, centred on its point, its head
    /// at the tip and symmetric about the shaft, which ends at the head's base; a vector
    /// half as long draws half as long; a zero vector draws nothing.
    #[test]
    fn arrows_are_scaled_together_on_screen() {
        let q = Quiver {
            arrows: vec![
                [1.0, 2.0, 4.0, 0.0],
                [3.0, 2.0, 0.0, 2.0],
                [5.0, 2.0, 0.0, 0.0],
            ],
            spacing: (2.0, 1.0),
        };
        // 10 pixels per unit along x, 40 along y: a step is 20 x 40 pixels.
        let arrows = arrow_paths(&q, (10.0, 40.0));
        assert_eq!(arrows.len(), 2);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // 18 pixels along x: 1.8 data units, from 0.1 to 1.9; a head 7 pixels long.
        let a = &arrows[0];
        assert!(close(a.shaft[0].0, 0.1) && close(a.head[0].0, 1.9), "{a:?}");
        assert!(close(a.shaft[1].0, 1.2) && close(a.head[1].0, 1.2), "{a:?}");
        assert!(a.shaft.iter().all(|p| close(p.1, 2.0)), "{a:?}");
        assert!(close(a.head[1].1 - 2.0, 2.0 - a.head[2].1), "{a:?}");
        assert!((a.head[1].1 - 2.0) * (a.head[2].1 - 2.0) < 0.0, "{a:?}");
        // Half the field: 9 pixels along y, 0.225 data units.
        let v = &arrows[1];
        assert!(close(v.head[0].1 - v.shaft[0].1, 9.0 / 40.0), "{v:?}");
        assert!(close(v.shaft[0].0, 3.0), "{v:?}");
    }
}
