#pragma once
// Probability distributions the A/B test and LTV calculators need: normal, chi-square and beta
// CDFs and quantiles, written out here (series and continued fractions, no external library) so
// the same code runs natively and in WASM, plus seeded gamma/beta sampling on circlewise::Rng.
// Arguments are assumed valid (the callers validate user input); out-of-domain arguments give NaN.
#include "circlewise/random.h"

namespace circlewise {

// log Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15).
double log_gamma(double x);
// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).
double log_beta(double a, double b);

// Standard normal: Φ(x), its upper tail 1 − Φ(x) (accurate far into the tail), and Φ⁻¹(p) for
// p in (0, 1) (Wichura's AS 241, relative error ~1e-16).
double normal_cdf(double x);
double normal_sf(double x);
double normal_quantile(double p);

// Regularized incomplete gamma P(a, x) and Q(a, x) = 1 − P(a, x), a > 0, x >= 0.
double gamma_p(double a, double x);
double gamma_q(double a, double x);

// Chi-square with k > 0 degrees of freedom: CDF, upper tail (the p-value of a statistic) and
// quantile (p in (0, 1)).
double chi_square_cdf(double x, double k);
double chi_square_sf(double x, double k);
double chi_square_quantile(double p, double k);

// Regularized incomplete beta I_x(a, b) = the Beta(a, b) CDF at x, a, b > 0, x in [0, 1], and its
// inverse (p in [0, 1]). log density for the numerical integrals in ab_test.
double beta_cdf(double x, double a, double b);
double beta_quantile(double p, double a, double b);
double beta_log_pdf(double x, double a, double b);

// Seeded draws (Marsaglia–Tsang for the gamma; portable_log/exp only, so native and WASM agree).
double sample_gamma(Rng& rng, double shape);
double sample_beta(Rng& rng, double a, double b);

}  // namespace circlewise
