//! `pdec plot` and `pdec export` on a small trained run (`tests/problems/heat1d.pde`, 300
//! steps, about a second): the pictures decode with the documented sizes and are not blank;
//! CSV, NPZ and VTK exports agree with `pdec eval`; the gradient agrees with differences of
//! the exported values; and every bad input is a diagnostic with exit code 1 and no file
//! ("pdec::plot::bad_slice", "pdec::plot::unknown_variable", "pdec::plot::no_loss",
//! "pdec::plot::io", "pdec::plot::failed", "pdec::export::bad_grid",
//! "pdec::export::unknown_variable", "pdec::export::missing_coordinate",
//! "pdec::export::vtk_layout", "pdec::export::io", "pdec::export::grid_or_points").

mod common;
use common::pdec;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Exit code 1 with the code in the diagnostics.
fn fails_with(out: &Output, code: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(code), "expected {code}: {err}");
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("outputs")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// One trained heat1d run shared by the tests (solve draws its plots).
fn run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = scratch("heat1d").join("run");
        let out = pdec(&[
            "solve",
            "tests/problems/heat1d.pde",
            "--quiet",
            "--set",
            "steps=300",
            "--set",
            "log_every=20",
            "--out",
            s(&dir),
        ]);
        ok(&out);
        dir
    })
}

/// Copies the run's files into a fresh folder (tests that break a run work on a copy).
fn copy_run(name: &str) -> PathBuf {
    let dir = scratch(name).join("run");
    std::fs::create_dir_all(&dir).expect("dir");
    for f in [
        "problem.pde",
        "settings.json",
        "loss.csv",
        "model.safetensors",
    ] {
        std::fs::copy(run().join(f), dir.join(f)).expect("copy");
    }
    dir
}

/// Width, height, distinct colours, fraction of non-white pixels.
fn png_stats(path: &Path) -> (u32, u32, usize, f64) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(file);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png data");
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let mut colours = std::collections::HashSet::new();
    let mut ink = 0usize;
    let pixels = bytes.chunks(channels);
    let total = (info.width * info.height) as usize;
    for p in pixels {
        colours.insert((p[0], p[1], p[2]));
        if (p[0], p[1], p[2]) != (255, 255, 255) {
            ink += 1;
        }
    }
    (
        info.width,
        info.height,
        colours.len(),
        ink as f64 / total as f64,
    )
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let t = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = t.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(|c| c.parse().expect("number")).collect())
        .collect();
    (header, rows)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn solve_draws_readable_plots_and_plot_redraws_them_as_svg_too() {
    let dir = run();
    for (name, size) in [
        ("loss.png", (900, 600)),
        ("solution.png", (1600, 600)),
        ("error.png", (1600, 600)),
    ] {
        let (w, h, colours, ink) = png_stats(&dir.join(name));
        assert_eq!((w, h), size, "{name}");
        assert!(colours >= 50, "{name}: only {colours} colours");
        assert!(ink >= 0.05, "{name}: only {ink} of the pixels drawn");
    }
    assert!(
        !dir.join("exercise.png").exists(),
        "heat1d has no constraint"
    );

    let copy = copy_run("svg");
    let out = pdec(&["plot", s(&copy), "--svg"]);
    ok(&out);
    for name in ["loss", "solution", "error"] {
        assert!(copy.join(format!("{name}.png")).is_file(), "{name}.png");
        let svg = std::fs::read_to_string(copy.join(format!("{name}.svg"))).expect("svg");
        assert!(
            svg.starts_with("<svg") && svg.contains("</svg>"),
            "{name}.svg"
        );
        assert!(
            svg.contains("heat1d") || name != "loss",
            "{name}.svg has its title"
        );
    }
    // Axis labels come from the problem's variable names.
    let svg = std::fs::read_to_string(copy.join("solution.svg")).expect("svg");
    assert!(
        svg.contains(">\nt\n<") && svg.contains(">\nx\n<"),
        "axis labels t and x"
    );

    // A slice that fixes time: one line along x.
    let out = pdec(&["plot", s(&copy), "--slice", "t = 0.25"]);
    ok(&out);
    let (w, h, colours, _) = png_stats(&copy.join("solution.png"));
    assert_eq!((w, h), (900, 600));
    assert!(colours >= 20);
    assert!(
        std::fs::read_dir(&copy)
            .expect("dir")
            .flatten()
            .all(|e| e.path().extension().is_none_or(|x| x != "tmp")),
        "temporary files left behind"
    );
}

#[test]
fn no_plots_skips_the_pictures() {
    let dir = scratch("no_plots").join("run");
    let out = pdec(&[
        "solve",
        "tests/problems/heat1d.pde",
        "--quiet",
        "--no-plots",
        "--set",
        "steps=2",
        "--out",
        s(&dir),
    ]);
    ok(&out);
    assert!(dir.join("model.safetensors").is_file());
    assert!(!dir.join("loss.png").exists());
    assert!(!dir.join("solution.png").exists());
}

#[test]
fn a_plot_failure_in_solve_is_a_warning_and_keeps_the_run() {
    let dir = scratch("plot_fails").join("run");
    // A folder where loss.png should go: the picture cannot be written.
    std::fs::create_dir_all(dir.join("loss.png")).expect("dir");
    let out = pdec(&[
        "solve",
        "tests/problems/heat1d.pde",
        "--quiet",
        "--set",
        "steps=2",
        "--out",
        s(&dir),
    ]);
    ok(&out);
    let err = text(&out.stderr);
    assert!(err.contains("pdec::plot::failed"), "{err}");
    assert!(err.contains("pdec::plot::io"), "{err}");
    for f in ["model.safetensors", "summary.json", "loss.csv"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    // `pdec plot` reports the same problem as an error.
    let out = pdec(&["plot", s(&dir)]);
    fails_with(&out, "pdec::plot::io");
}

#[test]
fn csv_and_npz_exports_match_eval() {
    let dir = run();
    let work = scratch("export");
    let csv = work.join("grid.csv");
    let out = pdec(&[
        "export",
        s(dir),
        "--grid",
        "t = 0..0.5:6, x = 0..1:11",
        "--format",
        "csv",
        "--output",
        s(&csv),
    ]);
    ok(&out);
    let (header, rows) = csv_rows(&csv);
    assert_eq!(header, ["t", "x", "u"]);
    assert_eq!(rows.len(), 66);
    // C order: x varies fastest.
    assert_eq!((rows[0][0], rows[0][1]), (0.0, 0.0));
    assert_eq!((rows[1][0], rows[1][1]), (0.0, 0.1));
    assert_eq!((rows[65][0], rows[65][1]), (0.5, 1.0));

    // `pdec eval --points` at the same points (the export is a valid points table).
    let evald = work.join("eval.csv");
    let out = pdec(&["eval", s(dir), "--points", s(&csv), "--output", s(&evald)]);
    ok(&out);
    let (eh, erows) = csv_rows(&evald);
    assert_eq!(eh, ["t", "x", "u"]);
    for (a, b) in rows.iter().zip(&erows) {
        assert!(close(a[2], b[2]), "{a:?} vs {b:?}");
    }

    // NPZ: coordinate arrays along their axes and u with the grid's shape.
    let npz = work.join("grid.npz");
    let out = pdec(&[
        "export",
        s(dir),
        "--grid",
        "t = 0..0.5:6, x = 0..1:11",
        "--output",
        s(&npz),
    ]);
    ok(&out);
    let arrays = candle_core::Tensor::read_npz(&npz).expect("npz reads");
    let get = |n: &str| {
        arrays
            .iter()
            .find(|(k, _)| k == n)
            .unwrap_or_else(|| panic!("array {n}"))
            .1
            .clone()
    };
    assert_eq!(get("t").dims(), [6]);
    assert_eq!(get("x").dims(), [11]);
    let u = get("u");
    assert_eq!(u.dims(), [6, 11]);
    let u: Vec<f64> = u.flatten_all().and_then(|u| u.to_vec1()).expect("f64");
    for (a, b) in u.iter().zip(&erows) {
        assert!(close(*a, b[2]), "{a} vs {b:?}");
    }

    // Points from a CSV file (as for `pdec eval --points`), to NPZ.
    let pts = work.join("points.csv");
    std::fs::write(&pts, "x,t\n0.5,0\n0.25,0.5\n0.75,0.1\n").expect("write");
    let pnpz = work.join("points.npz");
    let out = pdec(&[
        "export",
        s(dir),
        "--points",
        s(&pts),
        "--format",
        "npz",
        "--output",
        s(&pnpz),
    ]);
    ok(&out);
    let arrays = candle_core::Tensor::read_npz(&pnpz).expect("npz reads");
    let u = &arrays.iter().find(|(k, _)| k == "u").expect("u").1;
    assert_eq!(u.dims(), [3]);
    let evald = work.join("eval_points.csv");
    ok(&pdec(&[
        "eval",
        s(dir),
        "--points",
        s(&pts),
        "--output",
        s(&evald),
    ]));
    let (_, erows) = csv_rows(&evald);
    let u: Vec<f64> = u.to_vec1().expect("f64");
    for (a, b) in u.iter().zip(&erows) {
        assert!(close(*a, b[2]), "{a} vs {b:?}");
    }
}

#[test]
fn vtk_export_parses_back_with_every_point() {
    let dir = run();
    let work = scratch("vtk");
    let vtk = work.join("u.vtk");
    let out = pdec(&[
        "export",
        s(dir),
        "--grid",
        "t = 0..0.5:7, x = 0..1:13",
        "--gradient",
        "--output",
        s(&vtk),
    ]);
    ok(&out);
    let bytes = std::fs::read(&vtk).expect("vtk");
    let v = vtkio::Vtk::parse_legacy_be(bytes.as_slice()).expect("vtkio parses it");
    let vtkio::model::DataSet::RectilinearGrid { pieces, .. } = v.data else {
        panic!("not a rectilinear grid");
    };
    let vtkio::model::Piece::Inline(piece) = &pieces[0] else {
        panic!("not inline");
    };
    assert_eq!(piece.coords.x.len(), 7);
    assert_eq!(piece.coords.y.len(), 13);
    assert_eq!(piece.coords.z.len(), 1);
    let arrays: Vec<(String, Vec<f64>)> = piece
        .data
        .point
        .iter()
        .map(|a| match a {
            vtkio::model::Attribute::DataArray(d) => (
                d.name.clone(),
                d.data.clone().cast_into::<f64>().expect("f64 data"),
            ),
            _ => panic!("field attribute"),
        })
        .collect();
    assert_eq!(arrays[0].0, "u");
    assert_eq!(arrays[0].1.len(), 7 * 13);
    assert_eq!(arrays[1].0, "du_dx");

    // VTK point order has the first axis (t) fastest; compare with the CSV export.
    let csv = work.join("u.csv");
    ok(&pdec(&[
        "export",
        s(dir),
        "--grid",
        "t = 0..0.5:7, x = 0..1:13",
        "--output",
        s(&csv),
    ]));
    let (_, rows) = csv_rows(&csv);
    for it in 0..7 {
        for ix in 0..13 {
            let a = arrays[0].1[it + 7 * ix];
            let b = rows[it * 13 + ix][2];
            assert!(close(a, b), "t {it} x {ix}: {a} vs {b}");
        }
    }
}

#[test]
fn gradient_matches_differences_of_the_solution() {
    let dir = run();
    let work = scratch("gradient");
    let csv = work.join("g.csv");
    // Spacing 1e-3 in x: central differences of u against the jets' du/dx.
    ok(&pdec(&[
        "export",
        s(dir),
        "--grid",
        "t = 0.2, x = 0.3..0.302:3",
        "--gradient",
        "--output",
        s(&csv),
    ]));
    let (header, rows) = csv_rows(&csv);
    assert_eq!(header, ["t", "x", "u", "du_dx"]);
    let fd = (rows[2][2] - rows[0][2]) / (rows[2][1] - rows[0][1]);
    let jet = rows[1][3];
    // The network computes in f32: differences are good to a few 1e-3 here.
    assert!(
        (fd - jet).abs() <= 2e-2 * jet.abs().max(0.1),
        "difference {fd} vs jet {jet}"
    );
}

#[test]
fn bad_inputs_are_diagnostics_and_write_nothing() {
    let dir = run();
    let work = scratch("bad");
    let o = work.join("out.csv");
    let export = |extra: &[&str]| {
        let mut a = vec!["export", s(dir), "--output", s(&o)];
        a.extend(extra);
        pdec(&a)
    };
    fails_with(
        &export(&["--grid", "t = 0..1:1, x = 0"]),
        "pdec::export::bad_grid",
    );
    fails_with(
        &export(&["--grid", "t = 0..1, x = 1..0"]),
        "pdec::export::bad_grid",
    );
    let out = export(&["--grid", "T = 0, x = 0..1"]);
    fails_with(&out, "pdec::export::unknown_variable");
    assert!(
        text(&out.stderr).contains("did you mean"),
        "{}",
        text(&out.stderr)
    );
    let out = export(&["--grid", "t = 0..0.5:5"]);
    fails_with(&out, "pdec::export::missing_coordinate");
    assert!(
        text(&out.stderr).contains("x = 0..1:101"),
        "{}",
        text(&out.stderr)
    );
    fails_with(&export(&[]), "pdec::export::grid_or_points");
    let pts = work.join("pts.csv");
    std::fs::write(&pts, "t,x\n0,0.5\n").expect("write");
    fails_with(
        &export(&["--points", s(&pts), "--format", "vtk"]),
        "pdec::export::vtk_layout",
    );
    fails_with(
        &export(&["--points", s(&work.join("missing.csv"))]),
        "pdec::load::cannot_read",
    );
    assert!(!o.exists(), "a failed export wrote {}", o.display());
    let nowhere = work.join("no").join("such").join("u.csv");
    let out = pdec(&[
        "export",
        s(dir),
        "--grid",
        "t = 0, x = 0..1:3",
        "--output",
        s(&nowhere),
    ]);
    fails_with(&out, "pdec::export::io");
    fails_with(
        &pdec(&[
            "export",
            s(&work),
            "--grid",
            "t = 0, x = 0",
            "--output",
            s(&o),
        ]),
        "pdec::run::not_a_run",
    );

    let copy = copy_run("bad_plot");
    fails_with(
        &pdec(&["plot", s(&copy), "--slice", "y = 1"]),
        "pdec::plot::unknown_variable",
    );
    fails_with(
        &pdec(&["plot", s(&copy), "--slice", "x = "]),
        "pdec::plot::bad_slice",
    );
    fails_with(
        &pdec(&["plot", s(&copy), "--slice", "t = 0, x = 0.5"]),
        "pdec::plot::bad_slice",
    );
    assert!(
        !copy.join("loss.png").exists(),
        "a failed plot wrote a picture"
    );
    std::fs::remove_file(copy.join("loss.csv")).expect("remove");
    fails_with(&pdec(&["plot", s(&copy)]), "pdec::plot::no_loss");
    fails_with(&pdec(&["plot", s(&work)]), "pdec::run::not_a_run");
    let names: Vec<String> = std::fs::read_dir(&copy)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.ends_with(".png") && !n.ends_with(".tmp")),
        "{names:?}"
    );
}

#[test]
fn free_boundary_and_two_space_dimension_layouts() {
    // American put (time + one space coordinate): the exercise region picture.
    let dir = scratch("american").join("run");
    ok(&pdec(&[
        "solve",
        "tests/problems/american_put.pde",
        "--quiet",
        "--set",
        "steps=100",
        "--out",
        s(&dir),
    ]));
    let (w, h, colours, ink) = png_stats(&dir.join("exercise.png"));
    assert_eq!((w, h), (900, 600));
    assert!(colours >= 20 && ink >= 0.3, "{colours} colours, {ink} ink");
    assert_eq!(png_stats(&dir.join("solution.png")).0, 1600);

    // Poisson in the unit square (two space coordinates, no time): one heat map each.
    let dir = scratch("poisson").join("run");
    ok(&pdec(&[
        "solve",
        "examples/poisson_mixed.pde",
        "--quiet",
        "--set",
        "steps=20",
        "--out",
        s(&dir),
    ]));
    for name in ["solution.png", "error.png"] {
        let (w, h, colours, ink) = png_stats(&dir.join(name));
        assert_eq!((w, h), (900, 600), "{name}");
        assert!(
            colours >= 50 && ink >= 0.3,
            "{name}: {colours} colours, {ink} ink"
        );
    }
}

/// summary.json's errors where they matter: on the training law's points and around the
/// report `u(0.25, x = 0.5)`. The neighbourhood's (t within 0.025 of 0.25, x within 0.05 of
/// 0.5: 5% of each range) is checked against the network evaluated on a grid of that box by
/// `pdec eval --points` and the closed form: the same largest error, to sampling.
#[test]
fn the_summary_measures_the_error_on_the_training_law_and_around_the_reports() {
    let dir = run();
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    let summary: serde_json::Value = serde_json::from_str(&text).expect("json");
    let law = &summary["metrics_training_law"];
    let near = &summary["metrics_near_reports"];
    assert_eq!(law["points"], 4096, "{summary}");
    assert_eq!(near["points"], 4096, "{summary}");
    let work = scratch("near_reports");
    let pts = work.join("near.csv");
    let mut csv = String::from("t,x\n");
    for i in 0..=20 {
        for j in 0..=20 {
            let t = 0.225 + 0.05 * i as f64 / 20.0;
            let x = 0.45 + 0.1 * j as f64 / 20.0;
            csv.push_str(&format!("{t},{x}\n"));
        }
    }
    std::fs::write(&pts, csv).expect("points");
    let values = work.join("values.csv");
    ok(&pdec(&[
        "eval",
        s(dir),
        "--points",
        s(&pts),
        "--output",
        s(&values),
    ]));
    let (_, rows) = csv_rows(&values);
    let exact = |t: f64, x: f64| {
        (-std::f64::consts::PI.powi(2) * t).exp() * (std::f64::consts::PI * x).sin()
    };
    let grid_max = rows
        .iter()
        .map(|r| (r[2] - exact(r[0], r[1])).abs())
        .fold(0.0, f64::max);
    let max_abs = near["max_abs"].as_f64().expect("max_abs");
    assert!(
        max_abs <= 1.05 * grid_max && max_abs >= 0.8 * grid_max,
        "around the report {max_abs}, on the grid {grid_max}"
    );
}
