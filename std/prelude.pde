// std::prelude: small helpers that every problem file can use without `use`.
// A std module holds only `fn` and `const` items, written in the language itself.

// Squared Euclidean norm of a vector: norm2(x) = x[1]^2 + ... + x[n]^2.
fn norm2(v) = sum(v^2)

// Positive and negative parts: pos(z) = max(z, 0), neg(z) = max(-z, 0).
fn pos(z) = max(z, 0)
fn neg(z) = max(-z, 0)

// Unit step: 1 where z > 0, else 0.
fn heaviside(z) = if z > 0 then 1 else 0

// Logistic sigmoid.
fn sigmoid(z) = 1 / (1 + exp(-z))

// Smooth positive part log(1 + exp(k z)) / k; tends to max(z, 0) as k grows.
// Written in the overflow-safe form max(z, 0) + log(1 + exp(-k |z|)) / k.
fn softplus(z, k) = max(z, 0) + log(1 + exp(-k * abs(z))) / k

// Smooth maximum of a and b with sharpness k.
fn smooth_max(a, b, k) = b + softplus(a - b, k)

// Standard normal density and distribution function.
fn normal_pdf(z) = exp(-z^2 / 2) / sqrt(2 * pi)
fn normal_cdf(z) = 0.5 * (1 + erf(z / sqrt(2)))
