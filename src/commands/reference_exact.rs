//! `pdec reference exact FILE (--grid SPEC | --sample N) [--seed S] [--noise SIGMA] --out
//! obs.csv`: a problem's `exact` solution at points, as a data table for `observe` (columns
//! named as `reference` and `observe` read them: the inputs, then the unknown). The points
//! are a grid (`pdec export`'s spec) or `N` points drawn uniformly in the domain from the
//! seed; `--noise` adds Gaussian noise of that standard deviation (from the seed too).

use crate::commands::report::{print_diags, print_one};
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use pdec_lang::geometry::{self, region::Region};
use pdec_lang::ir::eval::{Dense, Layout as DenseLayout, eval_at};
use pdec_lang::ir::{Op, Problem};
use pdec_solve::lower::Columns;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::borrow::Cow;
use std::path::Path;

/// Where the table's points come from.
pub struct Points<'a> {
    pub grid: Option<&'a str>,
    pub sample: Option<usize>,
    pub seed: u64,
    pub noise: f64,
    /// `--unknown NAME`: whose `exact` (by default the only unknown that is not a
    /// coefficient function).
    pub unknown: Option<&'a str>,
}

fn bad(format: Format, message: &str, help: &str) -> i32 {
    print_one(
        Diag::error("pdec::reference::bad_argument", message).help(help),
        format,
    );
    1
}

/// Writes the table; diagnostics and exit code 1 for a problem without `exact` or bad options.
pub fn execute(file: &Path, at: Points, out: &Path, format: Format) -> i32 {
    if !(at.noise >= 0.0 && at.noise.is_finite()) {
        return bad(
            format,
            "`--noise` must be a standard deviation of 0 or more",
            "e.g. `--noise 0.01`",
        );
    }
    let source = match pdec_lang::loader::read_file(file) {
        Ok(s) => s,
        Err(d) => {
            print_one(*d, format);
            return 1;
        }
    };
    let compiled = pdec_lang::driver::compile_without_data(source, &[]);
    print_diags(&compiled.diags, &compiled.program.sources, format, "");
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return 1;
    };
    let p = &checked.problem;
    let k = match sampled_unknown(p, at.unknown) {
        Ok(k) => k,
        Err((message, help)) => return bad(format, &message, &help),
    };
    let Some(exact) = p.unknowns[k].exact else {
        return bad(
            format,
            &format!(
                "the unknown `{}` has no `exact` solution to sample",
                p.unknowns[k].name
            ),
            &format!(
                "write the closed form: `exact {} = ...`",
                p.unknowns[k].name
            ),
        );
    };
    let cols = Columns::new(&plan.layout);
    let width = plan.layout.width;
    let points: Vec<f64> = match (at.grid, at.sample) {
        (Some(spec), None) => {
            match crate::grid::parse(spec).and_then(|items| {
                crate::grid::resolve(p, &cols, &items, crate::grid::Purpose::Export)
            }) {
                Ok(layout) => layout.points(),
                Err(e) => {
                    print_one(e.diag(crate::grid::Purpose::Export), format);
                    return 1;
                }
            }
        }
        (None, Some(n)) if n > 0 && n <= pdec_lang::limits::Limit::ReferenceRows.get() as usize => {
            let layout = geometry::Layout::new(p);
            let mut rng = ChaCha8Rng::seed_from_u64(at.seed);
            geometry::sample_region(p, &layout, &Region::Interior, n, &mut rng)
                .into_iter()
                .flat_map(|b| b.points)
                .collect()
        }
        _ => {
            return bad(
                format,
                "give the points: `--grid SPEC` or `--sample N` (one of them, N at least 1 and within the reference row limit)",
                "e.g. `--grid \"t = 1, x = -1..1:10\"` or `--sample 100 --seed 0`",
            );
        }
    };
    let mut noise_rng = ChaCha8Rng::seed_from_u64(at.seed ^ 0x6e6f_6973_6500);
    let normal = Normal::new(0.0, at.noise.max(f64::MIN_POSITIVE)).expect("a valid deviation");
    let mut header = crate::table::header(p, &cols);
    header.truncate(header.len() - p.unknowns.len());
    header.push(p.unknowns[k].name.clone());
    let order = crate::table::header_columns(p, &cols);
    let mut text = header.join(",");
    text.push('\n');
    for row in points.chunks(width) {
        let Some(v) = value_at(p, exact, &plan.layout, row) else {
            return bad(
                format,
                "the exact solution cannot be evaluated at these points",
                "`exact` must be a closed form of the inputs",
            );
        };
        let v = if at.noise > 0.0 {
            v + normal.sample(&mut noise_rng)
        } else {
            v
        };
        let cells: Vec<String> = order.iter().map(|c| format!("{}", row[*c])).collect();
        text.push_str(&cells.join(","));
        text.push_str(&format!(",{v:.12}\n"));
    }
    write_table(out, &text, format)
}

/// The unknown `--unknown` names, or the only one that is not a coefficient function; else
/// the message and help of the refusal.
fn sampled_unknown(p: &Problem, name: Option<&str>) -> Result<usize, (String, String)> {
    let names = || {
        p.unknowns
            .iter()
            .map(|u| format!("`{}`", u.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(name) = name {
        return p
            .unknowns
            .iter()
            .position(|u| u.name == name)
            .ok_or_else(|| {
                (
                    format!("the problem has no unknown `{name}`"),
                    format!("its unknowns: {}", names()),
                )
            });
    }
    let solved: Vec<usize> = (0..p.unknowns.len())
        .filter(|k| p.unknowns[*k].coefficient.is_none())
        .collect();
    match solved.as_slice() {
        [k] => Ok(*k),
        _ => Err((
            "the problem has several unknowns: which one's `exact` to sample?".into(),
            format!("name it with `--unknown NAME` (one of {})", names()),
        )),
    }
}

/// Writes a sampled table to `out` (never over a run's own files, atomically); the exit code.
fn write_table(out: &Path, text: &str, format: Format) -> i32 {
    if let Err(d) = crate::output::guard(out) {
        print_one(*d, format);
        return 1;
    }
    match crate::output::write_atomic(out, text.as_bytes()) {
        Ok(()) => 0,
        Err(e) => {
            print_one(
                crate::output::io_diag("pdec::run::io", "write", out, &e),
                format,
            );
            1
        }
    }
}

/// The exact solution at one point (in the network's input columns).
fn value_at(
    p: &Problem,
    exact: pdec_lang::ir::NodeId,
    layout: &pdec_lang::geometry::inputs::InputLayout,
    row: &[f64],
) -> Option<f64> {
    let g = &p.graph;
    let value_of = |op: &Op, ty: &pdec_lang::ir::Ty| -> Option<Dense<'static>> {
        let data = match op {
            Op::Input(i) => row.get(layout.columns(*i)?)?.to_vec(),
            _ => return None,
        };
        Some(Dense {
            layout: DenseLayout::of(g, ty),
            data: Cow::Owned(data),
        })
    };
    let v = eval_at(g, exact, &value_of)?;
    (v.data.len() == 1).then(|| v.data[0])
}

/// `pdec reference burgers --sample N --seed S --noise SIGMA --out obs.csv`: the Cole-Hopf
/// solution at `n` points drawn uniformly in `[0, 1] x [-1, 1]` (Raissi et al.'s inverse
/// Burgers data), with Gaussian noise.
pub fn burgers_sample(nu: f64, n: usize, seed: u64, noise: f64, out: &Path, format: Format) -> i32 {
    use rand::RngExt;
    if !(nu.is_finite() && nu > 0.0 && noise >= 0.0 && noise.is_finite()) {
        return bad(
            format,
            "need nu > 0 and a noise of 0 or more",
            "e.g. `--sample 2000 --noise 0.01`",
        );
    }
    if n == 0 || n > pdec_lang::limits::Limit::ReferenceRows.get() as usize {
        return bad(
            format,
            "`--sample` must be at least 1 and within the reference row limit",
            "e.g. `--sample 2000`",
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut noise_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6e6f_6973_6500);
    let normal = Normal::new(0.0, noise.max(f64::MIN_POSITIVE)).expect("a valid deviation");
    let mut text = String::from("t,x,u\n");
    for _ in 0..n {
        let t: f64 = rng.random_range(0.0..1.0);
        let x: f64 = rng.random_range(-1.0..1.0);
        let mut u = crate::reference::burgers_cole_hopf(nu, t, x);
        if noise > 0.0 {
            u += normal.sample(&mut noise_rng);
        }
        text.push_str(&format!("{t},{x},{u:.12}\n"));
    }
    write_table(out, &text, format)
}
