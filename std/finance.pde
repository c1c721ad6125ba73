// std::finance: payoffs, averages and closed-form prices for option problems.
// Import with `use std::finance::{call, geomean}` or `use std::finance::*`.

// Vanilla payoffs at strike k.
fn call(s, k) = max(s - k, 0)
fn put(s, k) = max(k - s, 0)
fn straddle(s, k) = abs(s - k)
fn digital_call(s, k) = if s > k then 1 else 0
fn digital_put(s, k) = if s < k then 1 else 0

// Averages and extremes of a vector of asset prices.
fn geomean(x) = exp(mean(log(x)))
fn arith_mean(x) = mean(x)
fn max_of(x) = max(x)
fn min_of(x) = min(x)

// Basket payoffs.
fn geo_call(x, k) = call(geomean(x), k)
fn geo_put(x, k) = put(geomean(x), k)
fn basket_call(x, k) = call(arith_mean(x), k)
fn basket_put(x, k) = put(arith_mean(x), k)
fn max_call(x, k) = call(max_of(x), k)
fn min_put(x, k) = put(min_of(x), k)

// Black-Scholes prices of European options with time to maturity tau > 0, rate r,
// dividend yield q and volatility sigma (Merton's formula).
fn bs_d1(s, k, r, q, sigma, tau) = (log(s / k) + (r - q + sigma^2 / 2) * tau) / (sigma * sqrt(tau))
fn bs_call(s, k, r, q, sigma, tau) =
    s * exp(-q * tau) * normal_cdf(bs_d1(s, k, r, q, sigma, tau))
    - k * exp(-r * tau) * normal_cdf(bs_d1(s, k, r, q, sigma, tau) - sigma * sqrt(tau))
fn bs_put(s, k, r, q, sigma, tau) =
    k * exp(-r * tau) * normal_cdf(sigma * sqrt(tau) - bs_d1(s, k, r, q, sigma, tau))
    - s * exp(-q * tau) * normal_cdf(-bs_d1(s, k, r, q, sigma, tau))

// Volatility and dividend of the geometric average of d correlated geometric Brownian
// motions with common volatility sigma, pairwise correlation rho and dividend q
// (the 1-D reduction of the geometric basket, used to check basket solvers).
fn geo_sigma(sigma, rho, d) = sigma * sqrt((1 + (d - 1) * rho) / d)
fn geo_dividend(q, sigma, rho, d) = q + sigma^2 / 2 - geo_sigma(sigma, rho, d)^2 / 2
