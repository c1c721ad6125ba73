//! Every example and std module passes `check`; the explain output of each example is pinned
//! by a snapshot (it records each second-order term's path and factor), and the vectorised
//! IR stays small at high dimension.

use pdec_lang::source::SourceFile;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pde"))
        .collect();
    v.sort();
    v
}

fn compile(path: &PathBuf, sets: &[String]) -> pdec_lang::driver::Compiled {
    let text = std::fs::read_to_string(path).expect("readable example");
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    pdec_lang::driver::compile(SourceFile { name, text }, sets)
}

fn render(c: &pdec_lang::driver::Compiled) -> String {
    pdec_lang::diag::render::render_all(
        &c.diags,
        &c.program.sources,
        pdec_lang::diag::render::Format::Human {
            color: false,
            width: 100,
        },
        "",
    )
}

#[test]
fn every_example_checks_without_diagnostics() {
    let list = examples();
    assert!(list.len() >= 7, "expected the examples of issue 2");
    for p in list {
        let c = compile(&p, &[]);
        assert!(c.diags.is_empty(), "{}:\n{}", p.display(), render(&c));
        assert!(c.plan.is_some());
    }
}

#[test]
fn every_std_module_checks() {
    // A std module holds only fn and const items; parse and resolve it as a file that
    // imports everything, and make sure no function body has errors when called.
    for m in pdec_lang::std_lib::MODULES {
        let mut diags = pdec_lang::diag::Diags::default();
        let file = pdec_lang::source::FileId(0);
        let ast = pdec_lang::syntax::parse(
            file,
            &SourceFile {
                name: format!("std/{}.pde", m.name),
                text: m.text.into(),
            },
            &mut diags,
        );
        assert!(
            diags.is_empty(),
            "std::{} has syntax errors: {diags:?}",
            m.name
        );
        for item in &ast.items {
            assert!(
                matches!(
                    item.kind,
                    pdec_lang::syntax::ast::ItemKind::Fn { .. }
                        | pdec_lang::syntax::ast::ItemKind::Const { .. }
                ),
                "std::{} holds a `{}` statement; std modules hold only fn and const",
                m.name,
                item.kind.keyword()
            );
        }
    }
}

/// `pdec explain` reports the work the training step does for each Monte Carlo setting: the
/// draws per estimate, the difference and the noise law change the passes and the noise it
/// counts.
#[test]
fn explain_counts_the_monte_carlo_work_of_each_setting() {
    for (problem, sets) in [
        (
            "examples/heat_box.pde",
            ["mc_draws=1", "mc_difference=values"],
        ),
        (
            "examples/heat_box.pde",
            ["mc_draws=2", "mc_difference=values"],
        ),
        (
            "examples/heat_box.pde",
            ["mc_draws=4", "mc_difference=values"],
        ),
        (
            "examples/heat_box.pde",
            ["mc_draws=1", "mc_difference=gradients"],
        ),
        (
            "examples/heat_box.pde",
            ["mc_draws=2", "mc_difference=gradients"],
        ),
        (
            "examples/hjb.pde",
            ["mc_draws=4", "mc_difference=gradients"],
        ),
        (
            "examples/heat_box.pde",
            ["mc_noise=coordinates", "mc_draws=4"],
        ),
        ("examples/hjb.pde", ["mc_noise=coordinates", "mc_draws=2"]),
    ] {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let c = compile(&root().join(problem), &sets);
        let (Some(checked), Some(analysis), Some(plan)) = (&c.checked, &c.analysis, &c.plan) else {
            panic!("{problem} does not compile");
        };
        let text = pdec_lang::explain::explain(problem, checked, analysis, plan);
        let work: String = text
            .lines()
            .skip_while(|l| !l.starts_with("work per collocation point"))
            .take_while(|l| !l.is_empty())
            .map(|l| format!("{l}\n"))
            .collect();
        let name = format!(
            "explain_work_{}_{}",
            problem
                .trim_start_matches("examples/")
                .trim_end_matches(".pde"),
            sets.join("_").replace('=', "_")
        );
        insta::assert_snapshot!(name, work);
    }
}

#[test]
fn explain_snapshots() {
    for p in examples() {
        let c = compile(&p, &[]);
        let (Some(checked), Some(analysis), Some(plan)) = (&c.checked, &c.analysis, &c.plan) else {
            panic!("{} does not compile", p.display());
        };
        let name = p
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .to_string();
        let text =
            pdec_lang::explain::explain(&format!("examples/{name}.pde"), checked, analysis, plan);
        insta::assert_snapshot!(format!("explain_{name}"), text);
    }
}

#[test]
fn basket_diffusion_is_monte_carlo_with_cholesky_and_burgers_is_exact() {
    use pdec_lang::passes::second_order::{Path, TriangularFactor};
    let c = compile(&root().join("examples/american_basket.pde"), &[]);
    let plan = c.plan.expect("basket compiles");
    assert_eq!(plan.second_order.len(), 1);
    let t = &plan.second_order[0];
    assert_eq!(t.path, Path::MonteCarlo);
    let f = t.factor.as_ref().expect("factorable");
    assert!(
        matches!(
            f.triangular,
            TriangularFactor::Cholesky {
                len: 100,
                rank: 100,
                ..
            }
        ),
        "{:?}",
        f.triangular
    );
    assert!(f.diag.is_some(), "D = diag(x)");

    let c = compile(&root().join("examples/burgers.pde"), &[]);
    let plan = c.plan.expect("burgers compiles");
    assert_eq!(plan.second_order.len(), 1);
    assert_eq!(plan.second_order[0].path, Path::Exact);
}

#[test]
fn the_cholesky_factor_reproduces_the_basket_covariance() {
    use pdec_lang::passes::second_order::TriangularFactor;
    let c = compile(&root().join("examples/american_basket.pde"), &[]);
    let checked = c.checked.expect("compiles");
    let plan = c.plan.expect("plan");
    let f = plan.second_order[0].factor.as_ref().expect("factor");
    let TriangularFactor::Cholesky { tensor, len, .. } = f.triangular else {
        panic!("cholesky")
    };
    let l = &checked.problem.graph.tensors[tensor].data;
    // C = s * diag(x) L L^T diag(x) with s = 0.5 sigma^2 = 0.03125... the rho matrix has 1 on
    // the diagonal and 0.75 elsewhere; s * (L L^T) must equal 0.5 * sigma^2 * rho.
    let s = f
        .scale
        .map(|n| checked.problem.graph.as_const(n).expect("constant scale"))
        .unwrap_or(1.0);
    for i in [0, 1, 57, 99] {
        for j in [0, 3, 57, 99] {
            let llt: f64 = (0..len).map(|k| l[i * len + k] * l[j * len + k]).sum();
            let rho = if i == j { 1.0 } else { 0.75 };
            let want = 0.5 * 0.25 * 0.25 * rho;
            assert!(
                (s * llt - want).abs() < 1e-12,
                "C[{i}][{j}] = {} vs {want}",
                s * llt
            );
        }
    }
}

/// Sums over index ranges stay vectorised: the basket at d = 1000 is a few dozen nodes,
/// not a million.
#[test]
fn high_dimension_does_not_unroll() {
    let text = std::fs::read_to_string(root().join("examples/american_basket.pde"))
        .expect("example")
        .replace("const d     = 100", "const d     = 1000");
    let c = pdec_lang::driver::compile(
        SourceFile {
            name: "basket1000.pde".into(),
            text,
        },
        &["second_order=exact".into()],
    );
    assert!(!c.diags.has_errors(), "{}", render(&c));
    let checked = c.checked.expect("compiles");
    let n = checked.problem.graph.nodes.len();
    assert!(n < 300, "{n} IR nodes at d = 1000");
    // The largest constants are the d x d correlation matrix and its (cached) index forms.
    let elements: usize = checked
        .problem
        .graph
        .tensors
        .iter()
        .map(|t| t.data.len())
        .sum();
    assert!(elements <= 4 * 1000 * 1000, "{elements} constant elements");
}
