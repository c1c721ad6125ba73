//! A vector unknown in the outputs (issue 34): one `VECTORS` field in VTK exports, checked
//! against `pdec eval` at the same points, and the quiver picture of a 2-D velocity, drawn
//! at the end of `pdec solve` and by `pdec plot`.

mod common;
use common::{ok, out_dir, pdec};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The Taylor-Green vortex (`U(t, x)[2]` on a 2-D square, and `p`) trained for two steps,
/// with the end-of-solve pictures: the outputs must agree with `eval` whatever the weights.
fn run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = out_dir("vector_outputs", "taylor_green");
        ok(&pdec(&[
            "solve",
            "examples/taylor_green.pde",
            "--quiet",
            "--set",
            "steps=2",
            "--set",
            "batch=64",
            "--set",
            "polish=none",
            "--out",
            s(&dir),
        ]));
        dir
    })
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

/// `pdec eval RUN --at AT`: the values it printed by name (`U[1](0.5, x = [2, 3])`'s name
/// is `U[1]`).
fn eval(run: &Path, at: &str) -> Vec<(String, f64)> {
    let out = pdec(&["eval", s(run), "--at", at]);
    ok(&out);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (lhs, v) = l.rsplit_once(" = ")?;
            let name = lhs.split_once('(')?.0.to_string();
            Some((name, v.trim().parse().ok()?))
        })
        .collect()
}

/// The export of a vector unknown to VTK has a `VECTORS U double` block of 3 numbers per
/// point (the third 0 for a 2-component field) in VTK's point order, equal to `pdec eval`'s
/// components at those points; the per-component scalars are written too.
#[test]
fn a_vector_unknown_is_a_vtk_vector_field() -> Result<(), Box<dyn std::error::Error>> {
    let run = run();
    let work = out_dir("vector_outputs", "vtk");
    std::fs::create_dir_all(&work)?;
    let vtk = work.join("tg.vtk");
    // x[1] has 4 values (VTK's x, fastest), x[2] 3: 12 points at t = 0.5.
    ok(&pdec(&[
        "export",
        s(run),
        "--grid",
        "t = 0.5, x[1] = 0..6:4, x[2] = 0..6:3",
        "--output",
        s(&vtk),
    ]));
    let bytes = std::fs::read(&vtk)?;
    let header = b"VECTORS U double\n";
    let at = bytes
        .windows(header.len())
        .position(|w| w == header)
        .ok_or("no `VECTORS U double` header")?;
    let n = 12;
    let data = bytes
        .get(at + header.len()..at + header.len() + 8 * 3 * n)
        .ok_or("the VECTORS block is short")?;
    let values: Vec<f64> = data
        .chunks_exact(8)
        .map(|c| f64::from_be_bytes(c.try_into().expect("8 bytes")))
        .collect();
    // The block ends where the next section or the file does.
    let rest = &bytes[at + header.len() + 8 * 3 * n..];
    assert!(
        rest.is_empty() || rest[0] == b'\n' || rest[0].is_ascii_uppercase(),
        "{:?}",
        String::from_utf8_lossy(&rest[..rest.len().min(40)])
    );
    // vtkio reads it back as a vector attribute beside the scalars.
    let v = vtkio::Vtk::parse_legacy_be(bytes.as_slice()).map_err(|e| format!("{e:?}"))?;
    let vtkio::model::DataSet::RectilinearGrid { pieces, .. } = v.data else {
        return Err("not a rectilinear grid".into());
    };
    let vtkio::model::Piece::Inline(piece) = &pieces[0] else {
        return Err("not inline".into());
    };
    let fields: Vec<(String, bool, usize)> = piece
        .data
        .point
        .iter()
        .filter_map(|a| match a {
            vtkio::model::Attribute::DataArray(d) => Some((
                d.name.clone(),
                matches!(d.elem, vtkio::model::ElementType::Vectors),
                d.data.len(),
            )),
            _ => None,
        })
        .collect();
    for (name, vector, len) in [("U[1]", false, n), ("U[2]", false, n), ("U", true, 3 * n)] {
        assert!(
            fields.contains(&(name.to_string(), vector, len)),
            "{name}: {fields:?}"
        );
    }
    for (i0, i1) in [(0, 0), (1, 2), (3, 1), (2, 2)] {
        let (x1, x2) = (2 * i0, 3 * i1);
        let got = &values[3 * (i0 + 4 * i1)..3 * (i0 + 4 * i1) + 3];
        let want = eval(run, &format!("0.5, x = [{x1}, {x2}]"));
        for (j, name) in ["U[1]", "U[2]"].iter().enumerate() {
            let w = want
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| format!("{name} in {want:?}"))?;
            // f32 networks evaluated in batches of other sizes (and the periodic inputs'
            // cos and sin) differ in the last bits: a few 1e-7; swapped components by 0.1.
            assert!(
                (got[j] - w).abs() <= 1e-6 * (1.0 + w.abs()),
                "{name} at x = [{x1}, {x2}]: VTK {} against eval {w}",
                got[j]
            );
        }
        assert_eq!(got[2], 0.0, "a 2-D field's third component");
    }
    Ok(())
}

/// Decoded RGB pixels of a PNG, with its size.
fn pixels(path: &Path) -> Result<(u32, u32, Vec<u8>), Box<dyn std::error::Error>> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path)?));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    buf.truncate(info.buffer_size());
    Ok((info.width, info.height, buf))
}

/// Black pixels (the arrows: nothing else is black inside the heat map of a box domain) and
/// distinct colours in the middle of the picture's plotting area.
fn middle(w: u32, h: u32, rgb: &[u8]) -> (usize, usize) {
    let mut black = 0;
    let mut colours = std::collections::BTreeSet::new();
    for y in h / 3..h * 2 / 3 {
        for x in w / 4..w / 2 {
            let i = 3 * (y * w + x) as usize;
            let c = (rgb[i], rgb[i + 1], rgb[i + 2]);
            if c == (0, 0, 0) {
                black += 1;
            }
            colours.insert(c);
        }
    }
    (black, colours.len())
}

/// `pdec solve` draws `quiver_U.png` at its end and `pdec plot` draws it again at a time of
/// the slice: 900 x 600, arrows (black) over a speed map of many colours in the middle. A
/// slice that leaves the plane (`x[1]` fixed) draws none; the components' pictures are still
/// drawn.
#[test]
fn a_2d_velocity_has_a_quiver_picture() -> Result<(), Box<dyn std::error::Error>> {
    let run = run();
    let file = run.join("quiver_U.png");
    assert!(file.exists(), "the end of solve drew no quiver");
    std::fs::remove_file(&file)?;
    let out = pdec(&["plot", s(run), "--slice", "t = 0.25"]);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("quiver_U.png"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (w, h, rgb) = pixels(&file)?;
    assert_eq!((w, h), (900, 600));
    let (black, colours) = middle(w, h, &rgb);
    assert!(black > 200, "{black} black pixels: no arrows");
    assert!(colours > 20, "{colours} colours: no speed map");
    // The heat map alone, with the same layout, has no black in its middle.
    let (sw, sh, srgb) = pixels(&run.join("solution_U[1].png"))?;
    assert_eq!(
        middle(sw, sh, &srgb).0,
        0,
        "black in a heat map without arrows"
    );

    std::fs::remove_file(&file)?;
    let out = pdec(&["plot", s(run), "--slice", "t = 0.25, x[1] = 1"]);
    ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!file.exists() && !said.contains("quiver"), "{said}");
    assert!(said.contains("solution_U[1].png"), "{said}");
    Ok(())
}

/// `export --gradient` writes every unknown's space gradient, unknown by unknown
/// (`dU[1]_dx1`, ..., `dp_dx2`), each agreeing with central differences of that unknown's
/// own exported values (spacing 1e-3; the network computes in f32).
#[test]
fn export_gradient_has_every_unknown() -> Result<(), Box<dyn std::error::Error>> {
    let run = run();
    let work = out_dir("vector_outputs", "gradient");
    std::fs::create_dir_all(&work)?;
    let csv = work.join("g.csv");
    ok(&pdec(&[
        "export",
        s(run),
        "--grid",
        "t = 0.5, x[1] = 1..1.002:3, x[2] = 2..2.002:3",
        "--gradient",
        "--output",
        s(&csv),
    ]));
    let text = std::fs::read_to_string(&csv)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("no header")?.split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|c| c.parse()).collect())
        .collect::<Result<_, _>>()?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("no column {name} in {header:?}"))
    };
    assert_eq!(rows.len(), 9);
    let mut jets = Vec::new();
    for u in ["U[1]", "U[2]", "p"] {
        let v = col(u)?;
        // Rows in C order, x[2] fastest: the middle point is row 4.
        for (d, (lo, hi, h)) in [("x1", (1, 7, col("x1")?)), ("x2", (3, 5, col("x2")?))] {
            let fd = (rows[hi][v] - rows[lo][v]) / (rows[hi][h] - rows[lo][h]);
            let jet = rows[4][col(&format!("d{u}_d{d}"))?];
            assert!(
                (fd - jet).abs() <= 2e-2 * jet.abs().max(0.1),
                "d{u}/d{d}: difference {fd} against jet {jet}"
            );
            jets.push(jet);
        }
    }
    assert_eq!(header.len(), 3 + 3 + 6, "{header:?}");
    // Three unknowns, three gradients, not the first one's three times.
    assert!(jets[0] != jets[2] && jets[0] != jets[4], "{jets:?}");
    Ok(())
}
