//! Tests of grid and slice specs: parsing, and resolving against small problems for
//! export and plot.

use super::*;
use pdec_lang::ir::Problem;
use pdec_solve::lower::Columns;

#[test]
fn parses_ranges_values_and_indices() {
    let items = parse("t = 0..1:11, x = -1..1, x[2..] = 1, nu = 5e-2, y[..3] = 0, z[2] = 0.5")
        .expect("parses");
    assert_eq!(items.len(), 6);
    assert_eq!(
        items[0].value,
        Value::Range {
            lo: 0.0,
            hi: 1.0,
            n: Some(11)
        }
    );
    assert_eq!(
        items[1].value,
        Value::Range {
            lo: -1.0,
            hi: 1.0,
            n: None
        }
    );
    assert_eq!(
        items[2].index,
        Some(Index {
            from: Some(2),
            to: None
        })
    );
    assert_eq!(items[3].value, Value::Fixed(0.05));
    assert_eq!(
        items[4].index,
        Some(Index {
            from: None,
            to: Some(3)
        })
    );
    assert_eq!(
        items[5].index,
        Some(Index {
            from: Some(2),
            to: Some(2)
        })
    );
    assert!(parse("").expect("empty").is_empty());
    assert!(parse(" , ").expect("only commas").is_empty());
}

#[test]
fn rejects_malformed_items() {
    for bad in [
        "t",
        "t = ",
        "t = a",
        "t = 1..0",
        "t = 0..1:1",
        "t = 0..1:x",
        "x[0] = 1",
        "x[3..2] = 1",
        "x[2 = 1",
        "x[] = 1",
        "1x = 2",
        "t = inf",
        "t = 0..nan",
    ] {
        let e = parse(bad).expect_err(bad);
        assert_eq!(e.kind, ErrorKind::Syntax, "{bad}");
        assert!(!e.help.is_empty());
    }
}

fn problem(src: &str) -> (Problem, Columns) {
    let c = pdec_lang::driver::compile(
        pdec_lang::source::SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        &[],
    );
    assert!(!c.diags.has_errors(), "{:?}", c.diags);
    let cols = Columns::new(&c.plan.expect("plan").layout);
    let p = c.checked.expect("checked").problem;
    (p, cols)
}

const HEAT: &str = "time t in [0, 1]\nspace x in [0, 1]^3\nparam nu in [0.1, 0.3]\nunknown u(t, x)\npde d(u, t) = nu * lap(u, x)\ninitial u = 0\nboundary on(x): u = 0\n";

#[test]
fn export_needs_every_variable_and_fills_components_and_params() {
    let (p, cols) = problem(HEAT);
    let e = resolve(
        &p,
        &cols,
        &parse("t = 0..1:3").expect("ok"),
        Purpose::Export,
    )
    .expect_err("x missing");
    assert_eq!(e.kind, ErrorKind::Missing);
    assert!(e.message.contains("`x`"), "{}", e.message);
    let l = resolve(
        &p,
        &cols,
        &parse("t = 0..1:3, x[1] = 0..1:5").expect("ok"),
        Purpose::Export,
    )
    .expect("resolves");
    assert_eq!(l.shape(), vec![3, 5]);
    let pts = l.points();
    assert_eq!(pts.len(), 15 * cols.layout.width);
    let ins = input_columns(&p, &cols);
    let col = |label: &str| ins.iter().find(|c| c.label == label).expect(label).col;
    // Last axis fastest; unnamed components and the param at the middle.
    let row = |r: usize| &pts[r * cols.layout.width..(r + 1) * cols.layout.width];
    assert_eq!(row(1)[col("x[1]")], 0.25);
    assert_eq!(row(5)[col("t")], 0.5);
    assert_eq!(row(5)[col("x[2]")], 0.5);
    assert_eq!(row(5)[col("nu")], 0.2);
    let e = resolve(
        &p,
        &cols,
        &parse("t = 0, y = 1").expect("ok"),
        Purpose::Export,
    )
    .expect_err("unknown");
    assert_eq!(e.kind, ErrorKind::UnknownVariable);
    let e = resolve(
        &p,
        &cols,
        &parse("t = 0, x[4] = 1").expect("ok"),
        Purpose::Export,
    )
    .expect_err("out of range component");
    assert_eq!(e.kind, ErrorKind::Syntax);
    let e = resolve(
        &p,
        &cols,
        &parse("t = 0, x = 1, x[2] = 0").expect("ok"),
        Purpose::Export,
    )
    .expect_err("twice");
    assert!(e.message.contains("twice"));
    let e = resolve(
        &p,
        &cols,
        &parse("t[1] = 0, x = 1").expect("ok"),
        Purpose::Export,
    )
    .expect_err("index on a scalar");
    assert_eq!(e.kind, ErrorKind::Syntax);
}

#[test]
fn plot_defaults_to_time_and_the_diagonal() {
    let (p, cols) = problem(HEAT);
    let l = resolve(&p, &cols, &[], Purpose::Plot).expect("resolves");
    assert_eq!(l.axes.len(), 2);
    assert!(l.axes[0].time);
    assert!(l.axes[1].label.contains("diagonal"), "{}", l.axes[1].label);
    assert_eq!(l.axes[1].cols.len(), 3);
    assert!(l.fixed.iter().any(|f| f == "nu = 0.2"), "{:?}", l.fixed);
    // A slice fixing x[2..] leaves x[1] as the space axis.
    let l = resolve(&p, &cols, &parse("x[2..] = 1").expect("ok"), Purpose::Plot).expect("resolves");
    assert_eq!(l.axes.len(), 2);
    assert_eq!(l.axes[1].label, "x[1]");
    // Fixing time and two components: a line along x[1].
    let l = resolve(
        &p,
        &cols,
        &parse("t = 0.5, x[2..] = 1, nu = 0.1").expect("ok"),
        Purpose::Plot,
    )
    .expect("resolves");
    assert_eq!(l.axes.len(), 1);
    assert_eq!(l.points()[cols.layout.param(0).expect("nu's column")], 0.1);
    // Too many ranges.
    let e = resolve(
        &p,
        &cols,
        &parse("x[1] = 0..1, x[2] = 0..1").expect("ok"),
        Purpose::Plot,
    )
    .expect_err("three axes with time");
    assert_eq!(e.kind, ErrorKind::Syntax);
    // Everything fixed.
    let e = resolve(
        &p,
        &cols,
        &parse("t = 0, x = 0.5").expect("ok"),
        Purpose::Plot,
    )
    .expect_err("nothing varies");
    assert!(e.message.contains("nothing varies"));
}

#[test]
fn plot_without_time_shows_two_space_axes() {
    let (p, cols) =
        problem("space x in [0, 1]^2\nunknown u(x)\npde lap(u, x) = 1\nboundary on(x): u = 0\n");
    let l = resolve(&p, &cols, &[], Purpose::Plot).expect("resolves");
    assert_eq!(l.axes.len(), 2);
    assert_eq!(l.axes[0].label, "x[1]");
    assert_eq!(l.axes[1].label, "x[2]");
    assert_eq!(l.len(), 121 * 121);
}

/// A grid over a constructive domain's bounding box has points in the notch of the L: the
/// export warns `pdec::run::point_outside_domain`, naming how many and the first.
#[test]
fn a_grid_over_an_l_shape_warns_of_the_points_outside() {
    let (p, cols) = problem(
        "space x in [0, 2]^2 - box([1, 2]^2) as notch\nunknown u(x)\npde lap(u) = 1\nboundary on(x): u = 0\n",
    );
    let items = parse("x[1] = 0..2:5, x[2] = 0..2:5").expect("parses");
    let l = resolve(&p, &cols, &items, Purpose::Export).expect("resolves");
    let d =
        crate::table::outside_warning(&p, &cols, &l.points(), l.len(), "point").expect("a warning");
    assert_eq!(d.code, "pdec::run::point_outside_domain");
    // x[1], x[2] in {1.5, 2}: 4 of the 25 points are strictly in the notch (its edges are
    // the domain's boundary).
    assert!(
        d.message.starts_with("4 of 25 points are outside"),
        "{}",
        d.message
    );
    // Inside the L only: no warning.
    let items = parse("x[1] = 0..1:5, x[2] = 0..2:5").expect("parses");
    let l = resolve(&p, &cols, &items, Purpose::Export).expect("resolves");
    assert!(crate::table::outside_warning(&p, &cols, &l.points(), l.len(), "point").is_none());
}
