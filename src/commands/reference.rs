//! `pdec reference ...`: independent reference solutions from [`crate::reference`] (closed
//! forms, finite differences, trees, Monte Carlo), printed or written as CSV tables for a
//! problem's `reference`. Their argument types are declared here, beside their use.

use crate::commands::report::print_one;
use clap::{Subcommand, ValueEnum};
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use pdec_lang::limits::Limit;
use std::path::{Path, PathBuf};

/// `--kind`: the option's payoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Call,
    Put,
}

/// Option parameters shared by the reference commands.
#[derive(clap::Args, Debug, Clone)]
pub struct OptionArgs {
    #[arg(long, value_enum, default_value_t = Kind::Put)]
    pub kind: Kind,
    /// Spot price (for a basket: every asset's).
    #[arg(long, default_value_t = 1.0)]
    pub spot: f64,
    #[arg(long, default_value_t = 1.0)]
    pub strike: f64,
    #[arg(long, default_value_t = 0.05)]
    pub rate: f64,
    #[arg(long, default_value_t = 0.0)]
    pub dividend: f64,
    #[arg(long, default_value_t = 0.2)]
    pub sigma: f64,
    #[arg(long, default_value_t = 1.0)]
    pub maturity: f64,
}

#[derive(Subcommand, Debug)]
pub enum ReferenceCommand {
    /// A problem's `exact` solution at points, as a data table for `observe` (columns: the
    /// inputs, then the unknown): on a grid (`--grid "t = 1, x = -1..1:10"`, as `pdec export`)
    /// or at `--sample N` points drawn uniformly in the domain from `--seed`, with Gaussian
    /// noise of standard deviation `--noise`.
    Exact {
        file: PathBuf,
        #[arg(long)]
        grid: Option<String>,
        #[arg(long)]
        sample: Option<usize>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value_t = 0.0)]
        noise: f64,
        /// The unknown whose `exact` is sampled (a name as `observe` writes it: `v`, `U[1]`);
        /// by default the only one that is not a coefficient function (`unknown coef`).
        #[arg(long)]
        unknown: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// European option price (Black-Scholes-Merton closed form).
    European(OptionArgs),
    /// American option on one asset (finite differences with early exercise, cross-checked
    /// against a binomial tree).
    American(OptionArgs),
    /// Viscous Burgers `u_t + u u_x = nu u_xx` on [-1, 1], `u0 = -sin(pi x)`, by the
    /// Cole-Hopf solution: a CSV table `t,x,u` on a grid (for a problem's `reference`).
    Burgers {
        #[arg(long, default_value_t = 0.01 / std::f64::consts::PI)]
        nu: f64,
        /// Time levels in [0, 1].
        #[arg(long, default_value_t = 11)]
        nt: usize,
        /// Points in [-1, 1].
        #[arg(long, default_value_t = 201)]
        nx: usize,
        /// Instead of the grid: `N` points drawn uniformly in [0, 1] x [-1, 1] from `--seed`
        /// (observations for `observe`), with Gaussian noise of standard deviation `--noise`.
        #[arg(long)]
        sample: Option<usize>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value_t = 0.0)]
        noise: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The DGM paper's parametric Burgers family `u_t = nu u_xx - alpha u u_x` on [0, 1],
    /// `u(0, x) = a + (b - a) x`, `u(t, 0) = a`, `u(t, 1) = b`, by Crank-Nicolson finite
    /// differences with Richardson extrapolation: a CSV table `t,x,nu,alpha,a,b,u` at each
    /// parameter point (for `examples/burgers_family.pde`'s `reference`).
    BurgersFamily {
        /// A parameter point `nu,alpha,a,b` (repeatable); without any, five points spread
        /// over the paper's box (`nu` in [0.01, 0.1], `alpha` in [0.01, 1], `a`, `b` in
        /// [-1, 1]), from a steep front to nearly pure diffusion.
        #[arg(long, value_name = "NU,ALPHA,A,B")]
        at: Vec<String>,
        /// Time levels in [0, 1].
        #[arg(long, default_value_t = 11)]
        nt: usize,
        /// Points in [0, 1].
        #[arg(long, default_value_t = 101)]
        nx: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// American call on the geometric mean of `d` correlated assets, through its exact 1-D
    /// reduction (the DGM paper's basket).
    GeometricBasket {
        #[arg(long)]
        d: usize,
        #[arg(long, default_value_t = 0.75)]
        rho: f64,
        #[command(flatten)]
        option: OptionArgs,
    },
    /// The HJB equation of Han, Jentzen & E, `u_t + lap u - lambda |grad u|^2 = 0` with
    /// `u(T, x) = ln((1 + |x|^2) / 2)`: `u(t, x)` by Cole-Hopf and Monte Carlo, with a 95%
    /// confidence interval.
    Hjb {
        #[arg(long, default_value_t = 100)]
        d: usize,
        #[arg(long, default_value_t = 1.0)]
        lambda: f64,
        #[arg(long, default_value_t = 1.0)]
        maturity: f64,
        #[arg(long, default_value_t = 0.0)]
        t: f64,
        /// The point: every component equals this value.
        #[arg(long, default_value_t = 0.0)]
        x: f64,
        #[arg(long, default_value_t = 1_000_000)]
        samples: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

// The sizes each table or computation may reach are `pdec_lang::limits`' `reference_*`
// limits: by default 10^7 rows of a table (about 40 bytes a row: 400 MB), 10^4
// finite-difference profiles of `burgers-family` (`--at` points times `--nt`), 10^10 normal
// draws of `hjb` (`--samples` times `--d`: minutes of work), 10^7 nodes of the American grid.

/// A refused argument (`pdec::reference::bad_argument`): exit code 1.
fn bad(format: Format, message: &str, help: &str) -> i32 {
    print_one(
        Diag::error("pdec::reference::bad_argument", message).help(help),
        format,
    );
    1
}

/// A computation over the size `limit` (`pdec::reference::too_large`), refused before
/// anything is allocated: exit code 1. The help ends with the limit and how to raise it.
fn too_large(format: Format, message: String, help: &str, limit: Limit) -> i32 {
    print_one(
        Diag::error("pdec::reference::too_large", message)
            .help(format!("{help}; {}", limit.raise_hint())),
        format,
    );
    1
}

/// A table that could not be written: exit code 1.
fn write_table(out: &Path, csv: &str, format: Format) -> Result<(), i32> {
    if let Err(d) = crate::output::guard(out) {
        print_one(*d, format);
        return Err(1);
    }
    crate::output::write_atomic(out, csv.as_bytes()).map_err(|e| {
        print_one(
            crate::output::io_diag("pdec::run::io", "write", out, &e),
            format,
        );
        1
    })
}

/// Prints the reference value asked for, or writes its table; bad parameters and sizes over
/// the limits are diagnostics (`pdec::reference::*`) and exit code 1.
pub fn execute(what: ReferenceCommand, format: Format) -> i32 {
    use crate::reference::{self as r, OptionKind};
    let kind = |k: Kind| {
        if k == Kind::Call {
            OptionKind::Call
        } else {
            OptionKind::Put
        }
    };
    let (label, value) = match what {
        ReferenceCommand::Exact {
            file,
            grid,
            sample,
            seed,
            noise,
            unknown,
            out,
        } => {
            let at = crate::commands::reference_exact::Points {
                grid: grid.as_deref(),
                sample,
                seed,
                noise,
                unknown: unknown.as_deref(),
            };
            return crate::commands::reference_exact::execute(&file, at, &out, format);
        }
        ReferenceCommand::Burgers {
            nu,
            sample: Some(n),
            seed,
            noise,
            out,
            ..
        } => {
            return crate::commands::reference_exact::burgers_sample(
                nu, n, seed, noise, &out, format,
            );
        }
        ReferenceCommand::Burgers {
            nu, nt, nx, out, ..
        } => {
            return burgers_table(nu, nt, nx, &out, format);
        }
        ReferenceCommand::BurgersFamily { at, nt, nx, out } => {
            return burgers_family_table(&at, nt, nx, &out, format);
        }
        ReferenceCommand::Hjb {
            d,
            lambda,
            maturity,
            t,
            x,
            samples,
            seed,
        } => return hjb(d, lambda, maturity, t, x, samples, seed, format),
        ReferenceCommand::European(o) => (
            "European",
            r::black_scholes(
                kind(o.kind),
                o.spot,
                o.strike,
                o.rate,
                o.dividend,
                o.sigma,
                o.maturity,
            ),
        ),
        ReferenceCommand::American(o) => {
            let nodes =
                r::american::fd_nodes(o.spot, o.strike, o.rate, o.dividend, o.sigma, o.maturity);
            if nodes > Limit::ReferenceNodes.get() as f64 {
                return too_large(
                    format,
                    format!(
                        "the finite-difference grid of this option would have {nodes:.3e} nodes, over the limit"
                    ),
                    "the grid spans the drift `|rate - dividend| * maturity` in steps of `sigma * sqrt(maturity) / 160`: a larger `--sigma` or a shorter `--maturity` shrinks it",
                    Limit::ReferenceNodes,
                );
            }
            let (v, tree) = crate::progress::spinner(
                "pricing by finite differences and a binomial tree",
                || {
                    let v = r::american(
                        kind(o.kind),
                        o.spot,
                        o.strike,
                        o.rate,
                        o.dividend,
                        o.sigma,
                        o.maturity,
                    );
                    let tree = r::american_binomial(
                        kind(o.kind),
                        o.spot,
                        o.strike,
                        o.rate,
                        o.dividend,
                        o.sigma,
                        o.maturity,
                        4000,
                    );
                    (v, tree)
                },
            );
            println!("binomial tree (4000 steps, cross-check): {tree:.8}");
            ("American", v)
        }
        ReferenceCommand::GeometricBasket { d, rho, option: o } => {
            if let Some((s, c)) = r::american::geometric_basket_params(d, o.dividend, o.sigma, rho)
            {
                println!("1-D reduction: volatility {s:.8}, dividend yield {c:.8}");
            }
            (
                "American geometric basket",
                crate::progress::spinner("pricing the 1-D reduction", || {
                    r::american::geometric_basket_option(
                        kind(o.kind),
                        true,
                        d,
                        o.spot,
                        o.rate,
                        o.dividend,
                        o.sigma,
                        rho,
                        o.strike,
                        o.maturity,
                    )
                }),
            )
        }
    };
    if !value.is_finite() {
        return bad(
            format,
            "these parameters have no price",
            "volatility, maturity and prices must be positive and finite, and rho a valid correlation",
        );
    }
    println!("{label} price: {value:.8}");
    0
}

/// `pdec reference hjb`: `u(t, x)` by Monte Carlo over the Cole-Hopf transform, with its
/// 95% confidence interval.
#[allow(clippy::too_many_arguments)]
fn hjb(
    d: usize,
    lambda: f64,
    maturity: f64,
    t: f64,
    x: f64,
    samples: usize,
    seed: u64,
    format: Format,
) -> i32 {
    use crate::reference as r;
    let ok = d >= 1
        && samples >= 2
        && lambda.is_finite()
        && lambda > 0.0
        && maturity.is_finite()
        && (0.0..=maturity).contains(&t)
        && x.is_finite();
    if !ok {
        return bad(
            format,
            "need d >= 1, samples >= 2, lambda > 0 and 0 <= t <= maturity (finite values)",
            "e.g. `pdec reference hjb --d 100 --samples 1000000`",
        );
    }
    let draws = samples as f64 * d as f64;
    if draws > Limit::ReferenceDraws.get() as f64 {
        return too_large(
            format,
            format!("`--samples` times `--d` is {draws:.3e} normal draws, over the limit"),
            "lower `--samples` (the confidence interval shrinks as 1/sqrt(samples): 10^6 gives about three digits)",
            Limit::ReferenceDraws,
        );
    }
    let e = crate::progress::spinner("Monte Carlo over the Cole-Hopf transform", || {
        r::hjb_monte_carlo(lambda, maturity, t, &vec![x; d], samples, seed)
    });
    println!(
        "HJB u({t}, x = {x}) in d = {d}, lambda = {lambda}: {:.6} +- {:.6} (95%, {} samples)",
        e.value, e.half_width_95, e.samples
    );
    0
}

fn burgers_csv(nu: f64, nt: usize, nx: usize) -> String {
    use crate::reference as r;
    let mut csv = String::from("t,x,u\n");
    for i in 0..nt {
        let t = if nt == 1 {
            1.0
        } else {
            i as f64 / (nt - 1) as f64
        };
        for j in 0..nx {
            let x = -1.0 + 2.0 * j as f64 / (nx - 1) as f64;
            csv.push_str(&format!("{t},{x},{:.12}\n", r::burgers_cole_hopf(nu, t, x)));
        }
    }
    csv
}

/// The Cole-Hopf solution of viscous Burgers on a grid, as a CSV table `t,x,u`.
fn burgers_table(nu: f64, nt: usize, nx: usize, out: &Path, format: Format) -> i32 {
    if nt < 1 || nx < 2 || !nu.is_finite() || nu <= 0.0 {
        return bad(
            format,
            "need nt >= 1, nx >= 2 and nu > 0",
            "e.g. `--nt 11 --nx 201`",
        );
    }
    if nt
        .checked_mul(nx)
        .is_none_or(|n| n > Limit::ReferenceRows.get_usize())
    {
        return too_large(
            format,
            format!(
                "`--nt {nt}` by `--nx {nx}` is more than {} rows, the limit of a table",
                Limit::ReferenceRows.shown()
            ),
            "lower `--nt` or `--nx`: a reference table needs a few thousand points",
            Limit::ReferenceRows,
        );
    }
    let csv = crate::progress::spinner("tabulating the Cole-Hopf solution", || {
        burgers_csv(nu, nt, nx)
    });
    if let Err(code) = write_table(out, &csv, format) {
        return code;
    }
    println!(
        "wrote {} points of the Cole-Hopf solution (nu = {nu}) to {}",
        nt * nx,
        out.display()
    );
    0
}

/// The default parameter points of `pdec reference burgers-family`: `(nu, alpha, a, b)`.
const BURGERS_FAMILY_POINTS: [[f64; 4]; 5] = [
    // Smallest viscosity, largest advection, compressive data: the steepest front.
    [0.01, 1.0, 1.0, -1.0],
    // Same, expanding.
    [0.01, 1.0, -1.0, 1.0],
    // Largest viscosity, almost no advection: nearly the heat equation.
    [0.1, 0.01, -1.0, 1.0],
    // The middle of the box.
    [0.055, 0.5, 0.5, -0.5],
    // An asymmetric interior point.
    [0.03, 0.3, -0.8, 0.2],
];

/// `t,x,nu,alpha,a,b,u` rows of the finite-difference solution at each parameter point.
fn burgers_family_csv(points: &[[f64; 4]], nt: usize, nx: usize) -> String {
    use crate::reference as r;
    let mut csv = String::from("t,x,nu,alpha,a,b,u\n");
    for &[nu, alpha, a, b] in points {
        for i in 0..nt {
            let t = if nt == 1 {
                1.0
            } else {
                i as f64 / (nt - 1) as f64
            };
            // One extrapolated profile per time level, interpolated at the table's x.
            let (x0, h, u) = r::burgers_fd_profile(nu, alpha, a, b, t);
            for j in 0..nx {
                let x = j as f64 / (nx - 1) as f64;
                let v = r::numerics::interp_cubic(x0, h, &u, x);
                csv.push_str(&format!("{t},{x},{nu},{alpha},{a},{b},{v:.12}\n"));
            }
        }
    }
    csv
}

/// Parses `nu,alpha,a,b`; `None` when it is not four finite numbers with `nu > 0`.
fn burgers_family_point(s: &str) -> Option<[f64; 4]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()?;
    match v[..] {
        [nu, alpha, a, b] if nu > 0.0 => Some([nu, alpha, a, b]),
        _ => None,
    }
}

fn burgers_family_table(at: &[String], nt: usize, nx: usize, out: &Path, format: Format) -> i32 {
    let mut points = Vec::new();
    for s in at {
        match burgers_family_point(s) {
            Some(p) => points.push(p),
            None => {
                return bad(
                    format,
                    &format!("`--at {s}` is not `nu,alpha,a,b` (four numbers, nu > 0)"),
                    "e.g. `--at 0.05,0.5,-1,1`",
                );
            }
        }
    }
    if points.is_empty() {
        points = BURGERS_FAMILY_POINTS.to_vec();
    }
    if nt < 1 || nx < 2 {
        return bad(
            format,
            "need nt >= 1 and nx >= 2",
            "e.g. `--nt 11 --nx 101`",
        );
    }
    let profiles = points.len().saturating_mul(nt);
    let over = if profiles > Limit::ReferenceProfiles.get_usize() {
        Some((Limit::ReferenceProfiles, "finite-difference profiles"))
    } else if profiles
        .checked_mul(nx)
        .is_none_or(|n| n > Limit::ReferenceRows.get_usize())
    {
        Some((Limit::ReferenceRows, "rows"))
    } else {
        None
    };
    if let Some((limit, what)) = over {
        return too_large(
            format,
            format!(
                "{} parameter points by `--nt {nt}` by `--nx {nx}` is more than {} {what}",
                points.len(),
                limit.shown()
            ),
            "lower `--nt`, `--nx` or the number of `--at` points",
            limit,
        );
    }
    let csv = crate::progress::spinner("solving the Burgers family by finite differences", || {
        burgers_family_csv(&points, nt, nx)
    });
    if let Err(code) = write_table(out, &csv, format) {
        return code;
    }
    println!(
        "wrote {} points at {} parameter points to {}",
        points.len() * nt * nx,
        points.len(),
        out.display()
    );
    0
}
