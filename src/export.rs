//! `pdec export RUN_DIR`: the trained solution (and with `--gradient` each unknown's space
//! gradient) on a grid (`--grid "t = 0..1:101, x = -1..1:201"`, see [`crate::grid`]) or at the
//! rows of a CSV table (`--points`), as CSV, NPZ (NumPy) or legacy VTK (ParaView). Files are written to a
//! temporary name and renamed, so a failed export leaves nothing behind.

use crate::grid::{self, Layout, Purpose, Rule};
use crate::rundir::{Failure, Opened};
use candle_core::{Device, Tensor};
use pdec_lang::diag::Diag;
use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Npz,
    Vtk,
}

impl Format {
    /// From the output file's extension (`.npz`, `.vtk`); CSV otherwise.
    pub fn from_path(p: &Path) -> Format {
        match p.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("npz") => Format::Npz,
            Some(e) if e.eq_ignore_ascii_case("vtk") => Format::Vtk,
            _ => Format::Csv,
        }
    }
}

/// Where the points come from.
pub enum Source<'a> {
    Grid(&'a str),
    /// A CSV table's name (for messages) and text.
    Points {
        name: &'a str,
        text: &'a str,
    },
}

pub struct ExportOptions<'a> {
    pub source: Source<'a>,
    pub format: Format,
    pub gradient: bool,
    pub output: &'a Path,
}

/// What was written: the number of points, and the warning when some lie outside the domain
/// (`table::outside_warning`).
pub fn export(run: &Opened, opts: &ExportOptions) -> Result<(usize, Option<Diag>), Failure> {
    let p = run.problem();
    let cols = &run.cols;
    let (layout, points, rows) = match opts.source {
        Source::Grid(spec) => {
            let layout = grid::parse(spec)
                .and_then(|items| grid::resolve(p, cols, &items, Purpose::Export))
                .map_err(|e| e.diag(Purpose::Export))?;
            let points = layout.points();
            let rows = layout.len();
            (Some(layout), points, rows)
        }
        Source::Points { name, text } => {
            let t = crate::table::parse(p, cols, name, text, false).map_err(|d| *d)?;
            (None, t.points, t.rows)
        }
    };
    if opts.format == Format::Vtk {
        let ok = layout
            .as_ref()
            .is_some_and(|l| (1..=3).contains(&l.axes.len()));
        if !ok {
            let why = match &layout {
                None => "VTK output needs a grid, not a list of points".to_string(),
                Some(l) => format!(
                    "VTK output needs a grid of 1 to 3 axes; this one has {}",
                    l.axes.len()
                ),
            };
            return Err(Diag::error("pdec::export::vtk_layout", why)
                .help("use `--grid` with at most three ranges (fix the other coordinates with values), or `--format csv` / `--format npz`")
                .into());
        }
    }
    let what = if layout.is_some() { "point" } else { "row" };
    let outside = crate::table::outside_warning(p, cols, &points, rows, what);
    let u = run.solutions(&points, rows)?;
    // Every unknown's gradient, unknown by unknown: `du_dx`, then `dv_dx`, ...
    let grads = if opts.gradient {
        Some(run.gradients(&points, rows)?)
    } else {
        None
    };
    let space = run.space_columns();
    let gnames: Vec<String> = p
        .unknowns
        .iter()
        .flat_map(|u| space.iter().map(move |(_, n)| format!("d{}_d{n}", u.name)))
        .collect();
    let bytes_or_file = match opts.format {
        Format::Csv => write_bytes(
            opts.output,
            csv(run, &points, &u, grads.as_deref(), &gnames).as_bytes(),
        ),
        Format::Vtk => {
            let l = layout
                .as_ref()
                .ok_or_else(|| crate::run::RunError::Internal("VTK without a grid".into()))?;
            let bytes = vtk(run, l, &u, grads.as_deref(), &gnames)?;
            write_bytes(opts.output, &bytes)
        }
        Format::Npz => {
            let arrays = npz_arrays(run, layout.as_ref(), &points, rows, &u, grads, &gnames)?;
            write_npz(opts.output, &arrays)
        }
    };
    bytes_or_file
        .map_err(|e| crate::output::io_diag("pdec::export::io", "write", opts.output, &e))?;
    Ok((rows, outside))
}

fn write_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::output::write_atomic(path, bytes)
}

/// The same layout as `pdec eval --points --output`: the inputs, the unknown, then the
/// gradient columns.
fn csv(
    run: &Opened,
    points: &[f64],
    u: &[Vec<f64>],
    grads: Option<&[Vec<f64>]>,
    gn: &[String],
) -> String {
    let p = run.problem();
    let cols = &run.cols;
    let mut header = crate::table::header(p, cols);
    if grads.is_some() {
        header.extend(gn.iter().cloned());
    }
    let hc = crate::table::header_columns(p, cols);
    let mut out = header.join(",");
    out.push('\n');
    let rows = u.first().map_or(0, Vec::len);
    for i in 0..rows {
        let row = &points[i * cols.layout.width..(i + 1) * cols.layout.width];
        let mut cells: Vec<String> = hc.iter().map(|c| format!("{}", row[*c])).collect();
        cells.extend(u.iter().map(|u| format!("{}", u[i])));
        if let Some(g) = grads {
            cells.extend(g.iter().map(|g| format!("{}", g[i])));
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn tensor(data: Vec<f64>, shape: &[usize]) -> Result<Tensor, Failure> {
    Ok(Tensor::from_vec(data, shape, &Device::Cpu)?)
}

/// Grid: one 1-D array per input column along its axis (0-d when it is fixed), `u` (and
/// gradients) with the grid's shape. Points: every column and `u` as 1-D arrays.
fn npz_arrays(
    run: &Opened,
    layout: Option<&Layout>,
    points: &[f64],
    rows: usize,
    u: &[Vec<f64>],
    grads: Option<Vec<Vec<f64>>>,
    gn: &[String],
) -> Result<Vec<(String, Tensor)>, Failure> {
    let p = run.problem();
    let cols = &run.cols;
    let names = crate::table::header(p, cols);
    let hc = crate::table::header_columns(p, cols);
    let mut arrays = Vec::new();
    let shape = match layout {
        Some(l) => l.shape(),
        None => vec![rows],
    };
    for (name, col) in names.iter().zip(&hc) {
        let t = match layout {
            Some(l) => match l.rules[*col] {
                Rule::Fixed(v) => Tensor::new(v, &Device::Cpu)?,
                Rule::Axis { axis, a, b } => {
                    let v: Vec<f64> = l.axes[axis].values().iter().map(|v| a + b * v).collect();
                    let n = v.len();
                    tensor(v, &[n])?
                }
            },
            None => tensor(
                (0..rows)
                    .map(|i| points[i * cols.layout.width + col])
                    .collect(),
                &[rows],
            )?,
        };
        arrays.push((name.clone(), t));
    }
    for (unknown, u) in p.unknowns.iter().zip(u) {
        arrays.push((unknown.name.clone(), tensor(u.to_vec(), &shape)?));
    }
    if let Some(g) = grads {
        for (name, g) in gn.iter().zip(g) {
            arrays.push((name.clone(), tensor(g, &shape)?));
        }
    }
    Ok(arrays)
}

/// The arrays as an NPZ archive (a zip of `.npy` files, stored), built in memory and
/// finished explicitly, then written atomically.
fn write_npz(path: &Path, arrays: &[(String, Tensor)]) -> std::io::Result<()> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options: zip::write::FileOptions<()> =
        zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, t) in arrays {
        zip.start_file(format!("{name}.npy"), options)
            .map_err(std::io::Error::other)?;
        zip.write_all(&npy(t).map_err(std::io::Error::other)?)?;
    }
    let bytes = zip.finish().map_err(std::io::Error::other)?.into_inner();
    crate::output::write_atomic(path, &bytes)
}

/// One array as `.npy` (version 1.0, little-endian f64, C order).
fn npy(t: &Tensor) -> candle_core::Result<Vec<u8>> {
    let dims = t.dims();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    // The magic, version and length take 10 bytes; the header ends in a newline and pads the
    // whole preamble to a multiple of 64 bytes.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let values = t
        .to_dtype(candle_core::DType::F64)?
        .flatten_all()?
        .to_vec1::<f64>()?;
    let mut out = Vec::with_capacity(10 + header.len() + 8 * values.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// Legacy binary VTK, a rectilinear grid: the first grid axis is VTK's x, the second y, the
/// third z; each unknown (each component of a vector unknown), each vector unknown of 2 or 3
/// components as `VECTORS`, and the gradient components are point data.
fn vtk(
    run: &Opened,
    l: &Layout,
    u: &[Vec<f64>],
    grads: Option<&[Vec<f64>]>,
    gn: &[String],
) -> Result<Vec<u8>, Failure> {
    use vtkio::model::{
        Attribute, Attributes, ByteOrder, Coordinates, DataSet, Extent, RectilinearGridPiece,
        Version, Vtk,
    };
    let shape = l.shape();
    let mut dims = [1usize; 3];
    let mut coords: Vec<Vec<f64>> = vec![vec![0.0]; 3];
    for (k, a) in l.axes.iter().enumerate() {
        dims[k] = a.n;
        coords[k] = a.values();
    }
    // VTK orders points with x fastest; the grid's C order has the last axis fastest.
    let reorder = |v: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; v.len()];
        let strides: Vec<usize> = (0..shape.len())
            .map(|k| shape[k + 1..].iter().product())
            .collect();
        for (i, slot) in out.iter_mut().enumerate() {
            let (i0, i1, i2) = (
                i % dims[0],
                (i / dims[0]) % dims[1],
                i / (dims[0] * dims[1]),
            );
            let idx = [i0, i1, i2];
            let c: usize = (0..shape.len()).map(|k| idx[k] * strides[k]).sum();
            *slot = v[c];
        }
        out
    };
    let p = run.problem();
    let mut point: Vec<Attribute> = p
        .unknowns
        .iter()
        .zip(u)
        .map(|(unknown, u)| Attribute::scalars(&unknown.name, 1).with_data(reorder(u)))
        .collect();
    // A vector unknown of 2 or 3 components is also one `VECTORS` array under its own name
    // (ParaView's glyphs and streamlines take it), a 2-component one with a zero third
    // component, as VTK's vectors have 3.
    for v in p.vector_unknowns() {
        if !(2..=3).contains(&v.components.len()) {
            continue;
        }
        let comps: Vec<Vec<f64>> = v.components.iter().map(|k| reorder(&u[*k])).collect();
        point.push(Attribute::vectors(&v.name).with_data(interleave(&comps)));
    }
    if let Some(g) = grads {
        for (name, g) in gn.iter().zip(g) {
            point.push(Attribute::scalars(name, 1).with_data(reorder(g)));
        }
    }
    let axes: Vec<String> = l
        .axes
        .iter()
        .zip(["x", "y", "z"])
        .map(|(a, v)| format!("{v} = {}", a.label))
        .collect();
    let mut title = format!("pdec export of {} ({})", p.name, axes.join(", "));
    if !l.fixed.is_empty() {
        title.push_str(&format!(" at {}", l.fixed.join(", ")));
    }
    let title: String = title.replace('\n', " ").chars().take(250).collect();
    let extent = Extent::Dims([dims[0] as u32, dims[1] as u32, dims[2] as u32]);
    let [cx, cy, cz]: [Vec<f64>; 3] = coords
        .try_into()
        .map_err(|_| crate::run::RunError::Internal("three coordinate arrays".into()))?;
    let vtk = Vtk {
        version: Version::Legacy { major: 3, minor: 0 },
        title,
        byte_order: ByteOrder::BigEndian,
        file_path: None,
        data: DataSet::inline(RectilinearGridPiece {
            extent,
            coords: Coordinates {
                x: cx.into(),
                y: cy.into(),
                z: cz.into(),
            },
            data: Attributes {
                point,
                cell: Vec::new(),
            },
        }),
    };
    let mut bytes = Vec::new();
    vtk.write_legacy(&mut bytes)
        .map_err(|e| crate::run::RunError::Internal(format!("cannot encode VTK: {e}")))?;
    Ok(bytes)
}

/// Components as VTK's vector tuples: `(a, b, c)` per point, zeros for missing components.
fn interleave(comps: &[Vec<f64>]) -> Vec<f64> {
    let n = comps.first().map_or(0, Vec::len);
    let mut out = vec![0.0; 3 * n];
    for (j, c) in comps.iter().take(3).enumerate() {
        for (i, v) in c.iter().enumerate() {
            out[3 * i + j] = *v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::interleave;

    #[test]
    fn two_components_are_padded_with_zeros() {
        let v = interleave(&[vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert_eq!(v, [1.0, 3.0, 0.0, 2.0, 4.0, 0.0]);
        let w = interleave(&[vec![1.0], vec![2.0], vec![3.0]]);
        assert_eq!(w, [1.0, 2.0, 3.0]);
    }
}
