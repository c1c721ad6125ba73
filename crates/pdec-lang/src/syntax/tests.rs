use super::ast::*;
use super::*;
use crate::source::SourceFile;

fn parse_ok(text: &str) -> File {
    let mut diags = Diags::default();
    let f = parse(
        FileId(0),
        &SourceFile {
            name: "t.pde".into(),
            text: text.into(),
        },
        &mut diags,
    );
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
    f
}

fn codes(text: &str) -> Vec<&'static str> {
    let mut diags = Diags::default();
    parse(
        FileId(0),
        &SourceFile {
            name: "t.pde".into(),
            text: text.into(),
        },
        &mut diags,
    );
    diags.iter().map(|d| d.code).collect()
}

fn expr_text(src: &str) -> String {
    let f = parse_ok(&format!("report {src}"));
    match &f.items[0].kind {
        ItemKind::Report(e) => print::expr(e),
        _ => unreachable!(),
    }
}

/// Fully bracketed form, to see precedence.
fn bracketed(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs, .. } => {
            format!("({} {} {})", bracketed(lhs), op.symbol(), bracketed(rhs))
        }
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => format!("(-{})", bracketed(operand)),
        ExprKind::Reduce { body, .. } => format!("(sum {})", bracketed(body)),
        _ => print::expr(e),
    }
}

fn tree(src: &str) -> String {
    let f = parse_ok(&format!("report {src}"));
    match &f.items[0].kind {
        ItemKind::Report(e) => bracketed(e),
        _ => unreachable!(),
    }
}

#[test]
fn precedence_follows_mathematics() {
    assert_eq!(tree("a + b * c ^ d ^ e"), "(a + (b * (c ^ (d ^ e))))");
    assert_eq!(tree("-x ^ 2"), "(-(x ^ 2))");
    assert_eq!(tree("a - b - c"), "((a - b) - c)");
    assert_eq!(tree("a / b * c"), "((a / b) * c)");
    assert_eq!(tree("sum(i in 1..d) a * b + c"), "((sum (a * b)) + c)");
    assert_eq!(tree("2 * -3"), "(2 * (-3))");
}

#[test]
fn statements_of_the_sketch_parse() {
    let f = parse_ok(
        "problem american_basket
use std::finance::{geomean, call}
const d = 100
const rho[i in 1..d, j in 1..d] = if i == j then 1 else 0.75
time t in [0, 2]
space x in [0, 2]^d
unknown u(t, x)
boundary none
fn payoff(x) = call(geomean(x), K)
pde d(u, t) + sum(i in 1..d) (r - c) * x[i] * d(u, x[i])
    + 0.5 * sum(i in 1..d, j in 1..d) rho[i, j] * sigma * x[i] * sigma * x[j] * d(u, x[i], x[j])
    - r * u = 0
terminal u = payoff(x)
constraint u >= payoff(x)
boundary x[i] = 0 for i in 1..d: u = 0
report u(0, x = 1)
solve {
  net = dgm(layers = 3, width = 50)
  steps = 20000, lr = 1e-3
  weight.\"boundary x=0\" = 10
}
",
    );
    assert_eq!(f.items.len(), 15);
    let ItemKind::Solve(s) = &f.items[14].kind else {
        panic!()
    };
    assert_eq!(s[3].key, ["weight", "boundary x=0"]);
}

#[test]
fn vector_unknowns_declare_their_components() {
    let f = parse_ok("unknown U(t, x)[d + 1], p(t, x)\n");
    let decls: Vec<(String, Option<String>)> = f
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Unknown {
                name, components, ..
            } => (name.text.clone(), components.as_ref().map(print::expr)),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        decls,
        [
            ("U".to_string(), Some("d + 1".to_string())),
            ("p".to_string(), None)
        ]
    );
    assert_eq!(print::item(&f.items[0]), "unknown U(t, x)[d + 1]");
    assert!(!codes("unknown U(t, x)[]\n").is_empty());
}

#[test]
fn each_bad_statement_reports_once_and_parsing_goes_on() {
    let c =
        codes("problem p\nconst a := 1\npde d(u, t) == lap(u)\nconst b = 2 ** 3\nimport numpy\n");
    assert_eq!(
        c,
        [
            "pdec::syntax::walrus",
            "pdec::syntax::double_equals",
            "pdec::syntax::double_star",
            "pdec::syntax::foreign_keyword"
        ]
    );
}

#[test]
fn unicode_notation_gets_a_hint() {
    assert_eq!(codes("pde ∂(u, t) = 0"), ["pdec::syntax::unicode_operator"]);
}

#[test]
fn comments_and_strings_hold_any_text() {
    parse_ok(
        "// Péclet, Schrödinger, ∂u/∂t, “quotes”\nconst a = 1 /* σ ≥ 0 */ + 2\nreference \"données.csv\"\n",
    );
    // A keyword right after a number is read as the keyword, as before.
    parse_ok("const a = if 1 < 2 then 1else 2\n");
}

#[test]
fn lexical_errors_cost_their_statement_only() {
    // The Cyrillic `р` in column 0 starts its own statement; the others still parse.
    let c = codes("рde d(u, t) = 0\nconst a = 10min\nconst b = 1 +\n");
    assert_eq!(
        c,
        [
            "pdec::syntax::invalid_character",
            "pdec::syntax::number_with_suffix",
            "pdec::syntax::unexpected_end"
        ]
    );
    // One report per word and line, however often it repeats.
    assert_eq!(
        codes("const a = х + х * х\n"),
        ["pdec::syntax::invalid_character"]
    );
    // A no-break space before a keyword is inside the statement before it, and reported.
    assert_eq!(
        codes("const a = 1\n\u{a0}const b = 2\n"),
        ["pdec::syntax::invalid_character"]
    );
}

#[test]
fn an_unclosed_comment_hides_its_consequences() {
    assert_eq!(
        codes("const a = 1 + /* to do\nconst b = 2\n"),
        ["pdec::syntax::unterminated_comment"]
    );
    assert_eq!(
        codes("/* a */ const a = 1 /* b\n"),
        ["pdec::syntax::unterminated_comment"]
    );
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_crash() {
    let deep = format!("report {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(codes(&deep), ["pdec::syntax::too_deep"]);
    let chain = format!("report {}", vec!["x"; 20_000].join(" + "));
    assert_eq!(codes(&chain), ["pdec::syntax::too_deep"]);
    let pow = format!("report {}", vec!["x"; 20_000].join(" ^ "));
    assert_eq!(codes(&pow), ["pdec::syntax::too_deep"]);
    let neg = format!("report {}x", "-".repeat(20_000));
    assert_eq!(codes(&neg), ["pdec::syntax::too_deep"]);
}

#[test]
fn printing_keeps_needed_brackets() {
    assert_eq!(expr_text("(a + b) * c"), "(a + b) * c");
    assert_eq!(
        expr_text("(sum(i in 1..d) x[i]) * 2"),
        "(sum(i in 1..d) x[i]) * 2"
    );
    assert_eq!(expr_text("(-x) ^ 2"), "(-x) ^ 2");
    assert_eq!(expr_text("a - (b - c)"), "a - (b - c)");
}

mod roundtrip {
    use super::*;
    use proptest::prelude::*;

    fn strip_spans(f: &File) -> String {
        print::file(f)
    }

    fn arb_expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            "[a-z][a-z0-9_]{0,3}".prop_filter("not a keyword", |s| !is_keyword(s)),
            (0u32..1000).prop_map(|n| n.to_string()),
            (0u32..1000, 1u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                (inner.clone(), "[-+*/^]", inner.clone())
                    .prop_map(|(a, o, b)| format!("{a} {o} {b}")),
                inner.clone().prop_map(|a| format!("({a})")),
                inner.clone().prop_map(|a| format!("-{a}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("f({a}, {b})")),
                inner.clone().prop_map(|a| format!("x[{a}]")),
                inner.clone().prop_map(|a| format!("sum(i in 1..n) {a}")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(a, b, c)| format!("if {a} < {b} then {c} else 0")),
                (inner.clone(), inner).prop_map(|(a, b)| format!("[{a}, {b}]")),
            ]
        })
    }

    fn is_keyword(s: &str) -> bool {
        super::super::split::STATEMENT_KEYWORDS.contains(&s)
            || [
                "none", "if", "then", "else", "sum", "prod", "in", "for", "and", "or", "not", "as",
                "where",
            ]
            .contains(&s)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn parser_never_panics(s in "\\PC{0,200}") {
            let _ = codes(&s);
        }

        #[test]
        fn parser_never_panics_on_statement_soup(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("pde "), Just("const "), Just("boundary "), Just("solve {"), Just("}"),
                    Just("("), Just(")"), Just("["), Just("]"), Just("="), Just("=="), Just(":"),
                    Just("x"), Just("1"), Just(".."), Just(" in "), Just("sum(i in 1..d)"),
                    Just("\n"), Just("//"), Just("/*"), Just("*/"), Just("\""), Just(","),
                    Just("^"), Just("-"), Just("*"), Just("u(t, x)"), Just("for "),
                ],
                0..40,
            )
        ) {
            let _ = codes(&parts.concat());
        }

        #[test]
        fn printed_expressions_parse_back_to_the_same_tree(e in arb_expr()) {
            let src = format!("report {e}\n");
            let mut diags = Diags::default();
            let f = parse(FileId(0), &SourceFile { name: "t".into(), text: src }, &mut diags);
            prop_assume!(!diags.has_errors());
            let printed = strip_spans(&f);
            let again = parse_ok(&printed);
            prop_assert_eq!(strip_spans(&again), printed.clone());
            prop_assert_eq!(tree_of(&f), tree_of(&again));
        }
    }

    fn tree_of(f: &File) -> String {
        match &f.items[0].kind {
            ItemKind::Report(e) => bracketed(e),
            _ => String::new(),
        }
    }
}

#[test]
fn printed_programs_parse_back_to_the_same_program() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut files: Vec<String> = ["examples", "std"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(dir.join(d))
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter(|e| e.path().extension().is_some_and(|x| x == "pde"))
        .map(|e| std::fs::read_to_string(e.path()).expect("readable"))
        .collect();
    files.sort();
    assert!(files.len() >= 9);
    for text in files {
        let first = parse_ok(&text);
        let printed = print::file(&first);
        let second = parse_ok(&printed);
        assert_eq!(print::file(&second), printed);
        assert_eq!(first.items.len(), second.items.len());
        for (a, b) in first.items.iter().zip(&second.items) {
            if let (ItemKind::Pde { eq: x, .. }, ItemKind::Pde { eq: y, .. }) = (&a.kind, &b.kind) {
                assert_eq!(bracketed(&x.lhs), bracketed(&y.lhs));
            }
        }
    }
}
