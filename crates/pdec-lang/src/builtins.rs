//! Names built into the compiler (as opposed to std functions written in `.pde`).
//! The grammar does not know them: they are ordinary names that `resolve` binds here.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    // Derivative operators on the unknown.
    D,
    Grad,
    Lap,
    Hess,
    Div,
    /// Outward normal derivative, on a boundary only.
    Dn,
    /// Curl of a 2-D (scalar) or 3-D (vector) field.
    Curl,
    /// `convect(a, F)`: the convective derivative `(a . grad) F`.
    Convect,
    // Elementwise functions.
    Exp,
    Log,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Tan,
    Tanh,
    Sinh,
    Cosh,
    Atan,
    Erf,
    Sign,
    Floor,
    Ceil,
    /// `mod(a, b)`: the remainder of a floored division, `a - b * floor(a / b)`.
    Mod,
    // Two arguments elementwise, or one vector reduced.
    Min,
    Max,
    // Vector functions.
    Norm,
    Dot,
    Mean,
    Len,
    // Domains and loci.
    On,
    Ball,
    Sphere,
    /// Primitives of constructive domains.
    Box,
    HalfSpace,
    Polygon,
    // Values.
    Pi,
    E,
    /// The network's output, inside an `ansatz` only.
    Net,
    /// `dist(boundary)`, `dist(PIECE, ...)`: an approximate distance to boundary pieces.
    Dist,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    Callable,
    Value,
}

pub struct BuiltinInfo {
    pub name: &'static str,
    pub builtin: Builtin,
    pub namespace: Namespace,
    /// How it is called, for arity messages.
    pub signature: &'static str,
    pub doc: &'static str,
}

macro_rules! b {
    ($name:literal, $b:ident, $ns:ident, $sig:literal, $doc:literal) => {
        BuiltinInfo {
            name: $name,
            builtin: Builtin::$b,
            namespace: Namespace::$ns,
            signature: $sig,
            doc: $doc,
        }
    };
}

/// The order is part of the interface: did-you-mean breaks ties between equally close names
/// by it (`resolve::hints`), so the common functions come before their rarer neighbours
/// (`sin` before `sinh` and `sign`).
pub const BUILTINS: &[BuiltinInfo] = &[
    b!(
        "d",
        D,
        Callable,
        "d(u, x, ...)",
        "partial derivative of the unknown: d(u, t), d(u, x, x), d(u, x[i], x[j])"
    ),
    b!(
        "grad",
        Grad,
        Callable,
        "grad(u)",
        "gradient of the unknown in a vector space variable"
    ),
    b!("lap", Lap, Callable, "lap(u)", "Laplacian of the unknown"),
    b!(
        "hess",
        Hess,
        Callable,
        "hess(u)",
        "Hessian matrix of the unknown"
    ),
    b!(
        "div",
        Div,
        Callable,
        "div(F)",
        "divergence of a vector field built from the unknown, e.g. div(a * grad(u))"
    ),
    b!(
        "dn",
        Dn,
        Callable,
        "dn(u)",
        "outward normal derivative, in boundary conditions"
    ),
    b!(
        "curl",
        Curl,
        Callable,
        "curl(F)",
        "curl of a vector field built from the unknowns: a scalar in 2-D, a vector in 3-D"
    ),
    b!(
        "convect",
        Convect,
        Callable,
        "convect(a, F)",
        "convective derivative (a . grad) F, e.g. convect(U, U) in Navier-Stokes"
    ),
    b!("exp", Exp, Callable, "exp(z)", "exponential"),
    b!("log", Log, Callable, "log(z)", "natural logarithm"),
    b!("sqrt", Sqrt, Callable, "sqrt(z)", "square root"),
    b!("abs", Abs, Callable, "abs(z)", "absolute value"),
    b!("sin", Sin, Callable, "sin(z)", "sine"),
    b!("cos", Cos, Callable, "cos(z)", "cosine"),
    b!("tan", Tan, Callable, "tan(z)", "tangent"),
    b!("tanh", Tanh, Callable, "tanh(z)", "hyperbolic tangent"),
    b!("sinh", Sinh, Callable, "sinh(z)", "hyperbolic sine"),
    b!("cosh", Cosh, Callable, "cosh(z)", "hyperbolic cosine"),
    b!("atan", Atan, Callable, "atan(z)", "arc tangent"),
    b!("erf", Erf, Callable, "erf(z)", "error function"),
    b!("sign", Sign, Callable, "sign(z)", "-1, 0 or 1"),
    b!(
        "floor",
        Floor,
        Callable,
        "floor(z)",
        "largest whole number <= z"
    ),
    b!(
        "ceil",
        Ceil,
        Callable,
        "ceil(z)",
        "smallest whole number >= z"
    ),
    b!(
        "mod",
        Mod,
        Callable,
        "mod(a, b)",
        "remainder of a floored division, a - b * floor(a / b) (the sign of b)"
    ),
    b!(
        "min",
        Min,
        Callable,
        "min(a, b) or min(v)",
        "elementwise minimum of two values, or the smallest component of a vector"
    ),
    b!(
        "max",
        Max,
        Callable,
        "max(a, b) or max(v)",
        "elementwise maximum of two values, or the largest component of a vector"
    ),
    b!(
        "norm",
        Norm,
        Callable,
        "norm(v)",
        "Euclidean norm of a vector"
    ),
    b!(
        "dot",
        Dot,
        Callable,
        "dot(a, b)",
        "dot product of two vectors"
    ),
    b!(
        "mean",
        Mean,
        Callable,
        "mean(v)",
        "mean of the components of a vector"
    ),
    b!(
        "len",
        Len,
        Callable,
        "len(v)",
        "number of components of a vector"
    ),
    b!(
        "on",
        On,
        Callable,
        "on(x)",
        "the whole boundary of a space variable's domain, in `boundary on(x): ...`"
    ),
    b!(
        "ball",
        Ball,
        Callable,
        "ball(n, center = c, radius = r)",
        "the n-dimensional ball, as a space domain"
    ),
    b!(
        "sphere",
        Sphere,
        Callable,
        "sphere(n, center = c, radius = r)",
        "the sphere, the surface of a ball (a boundary locus)"
    ),
    b!(
        "box",
        Box,
        Callable,
        "box([a, b]^n)",
        "a box as a piece of a constructive domain (`box([0, 1]^2) as plate`)"
    ),
    b!(
        "halfspace",
        HalfSpace,
        Callable,
        "halfspace(normal = n, offset = c)",
        "the points with `n . x <= c`, a piece of a constructive domain"
    ),
    b!(
        "polygon",
        Polygon,
        Callable,
        "polygon([x1, y1], [x2, y2], ...)",
        "a simple polygon in 2-D, a piece of a constructive domain"
    ),
    b!(
        "dist",
        Dist,
        Callable,
        "dist(boundary)",
        "an approximate distance to the boundary, or to named pieces (`dist(hole)`), zero on them and positive inside: `ansatz u = g + dist(boundary) * net`"
    ),
    b!("pi", Pi, Value, "pi", "3.14159..."),
    b!("e", E, Value, "e", "2.71828..."),
    b!(
        "net",
        Net,
        Value,
        "net",
        "the network's output, in an `ansatz` (the unknown as an expression of it)"
    ),
];

pub fn lookup(name: &str, ns: Namespace) -> Option<&'static BuiltinInfo> {
    BUILTINS
        .iter()
        .find(|b| b.name == name && b.namespace == ns)
}

pub fn info(b: Builtin) -> &'static BuiltinInfo {
    BUILTINS
        .iter()
        .find(|i| i.builtin == b)
        .expect("invariant: every builtin has an entry")
}
