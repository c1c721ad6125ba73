//! The canonical text of a syntax tree: one statement per line, minimal parentheses.
//! Parsing the printed text gives back the same tree (up to spans), which the property tests
//! check; `pdec fmt` will build on it.

use super::ast::*;
use std::fmt::Write;

pub fn file(f: &File) -> String {
    let mut out = String::new();
    for item in &f.items {
        out.push_str(&self::item(item));
        out.push('\n');
    }
    out
}

fn binders(bs: &[Binder]) -> String {
    bs.iter()
        .map(|b| format!("{} in {}..{}", b.name.text, expr(&b.lo), expr(&b.hi)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn equation(e: &Equation) -> String {
    match &e.rhs {
        Some(r) => format!("{} = {}", expr(&e.lhs), expr(r)),
        None => expr(&e.lhs),
    }
}

pub fn item(item: &Item) -> String {
    match &item.kind {
        ItemKind::Problem(n) => format!("problem {}", n.text),
        ItemKind::Use(u) => {
            let path: Vec<&str> = u.path.iter().map(|i| i.text.as_str()).collect();
            let path = path.join("::");
            match &u.items {
                UseItems::Module => format!("use {path}"),
                UseItems::All(_) => format!("use {path}::*"),
                UseItems::List(l) => {
                    let names: Vec<&str> = l.iter().map(|i| i.text.as_str()).collect();
                    format!("use {path}::{{{}}}", names.join(", "))
                }
            }
        }
        ItemKind::Const {
            name,
            binders: bs,
            value,
        } => {
            if bs.is_empty() {
                format!("const {} = {}", name.text, expr(value))
            } else {
                format!("const {}[{}] = {}", name.text, binders(bs), expr(value))
            }
        }
        ItemKind::Param { name, domain } => format!("param {} in {}", name.text, expr(domain)),
        ItemKind::Time { name, domain } => format!("time {} in {}", name.text, expr(domain)),
        ItemKind::Space { name, domain } => format!("space {} in {}", name.text, expr(domain)),
        ItemKind::Unknown {
            name,
            args,
            coef: Some(c),
            ..
        } => {
            let a: Vec<&str> = args.iter().map(|i| i.text.as_str()).collect();
            let mut s = format!(
                "unknown coef {}({}) in {}",
                name.text,
                a.join(", "),
                expr(&c.range)
            );
            if let Some(v) = &c.init {
                let _ = write!(s, " init {}", expr(v));
            }
            if c.log {
                s.push_str(" log");
            }
            s
        }
        ItemKind::Unknown {
            name,
            args,
            components,
            coef: None,
        } => {
            let a: Vec<&str> = args.iter().map(|i| i.text.as_str()).collect();
            match components {
                None => format!("unknown {}({})", name.text, a.join(", ")),
                Some(n) => format!("unknown {}({})[{}]", name.text, a.join(", "), expr(n)),
            }
        }
        ItemKind::Coefficient {
            name,
            components,
            range,
            init,
            log,
        } => {
            let size = components
                .as_ref()
                .map_or(String::new(), |n| format!("[{}]", expr(n)));
            let mut s = format!("unknown const {}{size} in {}", name.text, expr(range));
            if let Some(v) = init {
                let _ = write!(s, " init {}", expr(v));
            }
            if *log {
                s.push_str(" log");
            }
            s
        }
        ItemKind::Fn { name, params, body } => {
            let a: Vec<&str> = params.iter().map(|i| i.text.as_str()).collect();
            format!("fn {}({}) = {}", name.text, a.join(", "), expr(body))
        }
        ItemKind::Pde { name: None, eq } => format!("pde {}", equation(eq)),
        ItemKind::Pde { name: Some(n), eq } => format!("pde {}: {}", n.text, equation(eq)),
        ItemKind::Initial(e) => format!("initial {}", equation(e)),
        ItemKind::Terminal(e) => format!("terminal {}", equation(e)),
        ItemKind::Exact(e) => format!("exact {}", equation(e)),
        ItemKind::Ansatz(e) => format!("ansatz {}", equation(e)),
        ItemKind::Gauge(e) => format!("mean {}", equation(e)),
        ItemKind::Boundary(Boundary::None(_)) => "boundary none".into(),
        ItemKind::Boundary(Boundary::Locus(locus)) => {
            let Locus {
                lhs,
                rhs,
                binders: bs,
                restriction,
                condition,
                ..
            } = &**locus;
            let mut s = format!("boundary {}", expr(lhs));
            if let Some(r) = rhs {
                let _ = write!(s, " = {}", expr(r));
            }
            if !bs.is_empty() {
                let _ = write!(s, " for {}", binders(bs));
            }
            if let Some(r) = restriction {
                let _ = write!(s, " where {}", expr(r));
            }
            let _ = write!(s, ": {}", equation(condition));
            s
        }
        ItemKind::Periodic(e) => format!("periodic {}", expr(e)),
        ItemKind::Constraint { lhs, op, rhs, .. } => format!(
            "constraint {} {} {}",
            expr(lhs),
            match op {
                ConstraintOp::AtLeast => ">=",
                ConstraintOp::AtMost => "<=",
            },
            expr(rhs)
        ),
        ItemKind::Reference { path, .. } => format!("reference \"{path}\""),
        ItemKind::Observe {
            target,
            at,
            path,
            weight,
            noise,
            ..
        } => {
            let mut s = format!("observe {}", expr(target));
            if !at.is_empty() {
                let fixed: Vec<String> = at
                    .iter()
                    .map(|(a, b)| format!("{} = {}", expr(a), expr(b)))
                    .collect();
                let _ = write!(s, " at {}", fixed.join(", "));
            }
            let _ = write!(s, " from \"{path}\"");
            if let Some(w) = weight {
                let _ = write!(s, " weight {}", expr(w));
            }
            if let Some(n) = noise {
                let _ = write!(s, " noise {}", expr(n));
            }
            s
        }
        ItemKind::Report(e) => format!("report {}", expr(e)),
        ItemKind::Solve(settings) => {
            let mut s = String::from("solve {\n");
            for st in settings {
                let key: Vec<String> = st
                    .key
                    .iter()
                    .enumerate()
                    .map(|(i, k)| {
                        let plain = !k.is_empty()
                            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                            && !k.starts_with(|c: char| c.is_ascii_digit());
                        if plain || i == 0 {
                            k.clone()
                        } else {
                            format!("\"{k}\"")
                        }
                    })
                    .collect();
                let _ = writeln!(s, "  {} = {}", key.join("."), expr(&st.value));
            }
            s.push('}');
            s
        }
    }
}

/// Binding power of an expression's top operator (higher binds tighter).
fn power(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => match op {
            BinaryOp::Or => prec::OR,
            BinaryOp::And => prec::AND,
            BinaryOp::Add | BinaryOp::Sub => prec::ADD,
            BinaryOp::Mul | BinaryOp::Div => prec::MUL,
            BinaryOp::Pow => prec::POW,
            _ => prec::CMP,
        },
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => prec::NOT,
        ExprKind::Unary { .. } => prec::NEG,
        // A reduction's body extends to the right: treat it as loosely as `+` when it is an
        // operand, so it gets brackets.
        ExprKind::Reduce { .. } => prec::ADD,
        ExprKind::If { .. } => 0,
        _ => u8::MAX,
    }
}

fn wrap(e: &Expr, min: u8) -> String {
    if power(e) < min {
        format!("({})", expr(e))
    } else {
        expr(e)
    }
}

pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(v) => format_number(*v),
        ExprKind::Name(n) => n.text.clone(),
        ExprKind::Call { callee, args } => {
            let a: Vec<String> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{} = {}", n.text, expr(&a.value)),
                    None => expr(&a.value),
                })
                .collect();
            format!("{}({})", callee.text, a.join(", "))
        }
        ExprKind::Index { base, indices } => {
            let i: Vec<String> = indices.iter().map(expr).collect();
            format!("{}[{}]", wrap(base, u8::MAX), i.join(", "))
        }
        ExprKind::Unary { op, operand } => match op {
            UnaryOp::Neg => format!("-{}", wrap(operand, prec::POW)),
            UnaryOp::Plus => format!("+{}", wrap(operand, prec::POW)),
            UnaryOp::Not => format!("not {}", wrap(operand, prec::CMP)),
        },
        ExprKind::Binary { op, lhs, rhs, .. } => {
            let p = power(e);
            let (lmin, rmin) = match op {
                BinaryOp::Pow => (p + 1, p),
                _ if op.is_comparison() => (p + 1, p + 1),
                _ => (p, p + 1),
            };
            format!("{} {} {}", wrap(lhs, lmin), op.symbol(), wrap(rhs, rmin))
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => format!(
            "if {} then {} else {}",
            expr(cond),
            expr(then),
            expr(otherwise)
        ),
        ExprKind::Reduce {
            op,
            binders: bs,
            body,
        } => {
            format!("{}({}) {}", op.name(), binders(bs), wrap(body, prec::MUL))
        }
        ExprKind::ReduceVector { op, arg } => format!("{}({})", op.name(), expr(arg)),
        ExprKind::List(items) => {
            let i: Vec<String> = items.iter().map(expr).collect();
            format!("[{}]", i.join(", "))
        }
        ExprKind::Named { inner, name } => format!("{} as {}", wrap(inner, u8::MAX), name.text),
    }
}

/// Shortest text that parses back to the same `f64`, never in a form the grammar rejects.
pub fn format_number(v: f64) -> String {
    let s = format!("{v:?}");
    // Rust prints `1e-7` and `1e20`; both parse. It never prints a bare trailing dot.
    if let Some(stripped) = s.strip_suffix(".0") {
        stripped.to_string()
    } else {
        s
    }
}
