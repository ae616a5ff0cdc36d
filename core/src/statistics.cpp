#include "circlewise/statistics.h"

#include <cmath>
#include <limits>

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kEps = 1e-16;
constexpr double kTiny = 1e-300;
// Continued fractions and series converge in O(sqrt(max parameter)) steps; this allows for
// parameters (visitor counts) far beyond any real test.
constexpr int kMaxIter = 1'000'000;

double polynomial(const double* c, int n, double x) {
  double r = c[n - 1];
  for (int i = n - 2; i >= 0; --i) r = r * x + c[i];
  return r;
}

// Series for P(a, x), good for x < a + 1.
double gamma_p_series(double a, double x) {
  double ap = a, sum = 1 / a, del = sum;
  for (int n = 0; n < kMaxIter; ++n) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (std::fabs(del) < std::fabs(sum) * kEps) break;
  }
  return sum * std::exp(-x + a * std::log(x) - log_gamma(a));
}

// Continued fraction for Q(a, x) (modified Lentz), good for x >= a + 1.
double gamma_q_fraction(double a, double x) {
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < kMaxIter; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < kEps) break;
  }
  return std::exp(-x + a * std::log(x) - log_gamma(a)) * h;
}

// Continued fraction for the incomplete beta (modified Lentz).
double beta_fraction(double a, double b, double x) {
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m < kMaxIter; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < kEps) break;
  }
  return h;
}

// Bisection on a monotone increasing CDF: slow but sure, and these quantiles are not hot paths.
template <class Cdf>
double invert(Cdf cdf, double p, double lo, double hi) {
  for (int i = 0; i < 400 && hi - lo > 1e-15 * std::fabs(hi); ++i) {
    double mid = 0.5 * (lo + hi);
    (cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double log_gamma(double x) {
  if (!(x > 0)) return kNaN;
  if (x < 0.5) return std::log(kPi / std::sin(kPi * x)) - log_gamma(1 - x);  // reflection
  static const double g[] = {0.99999999999980993,     676.5203681218851,     -1259.1392167224028,
                             771.32342877765313,      -176.61502916214059,   12.507343278686905,
                             -0.13857109526572012,    9.9843695780195716e-6, 1.5056327351493116e-7};
  x -= 1;
  double s = g[0];
  for (int i = 1; i < 9; ++i) s += g[i] / (x + i);
  const double t = x + 7.5;
  return 0.5 * std::log(2 * kPi) + (x + 0.5) * std::log(t) - t + std::log(s);
}

double log_beta(double a, double b) { return log_gamma(a) + log_gamma(b) - log_gamma(a + b); }

double normal_cdf(double x) { return 0.5 * std::erfc(-x / kSqrt2); }
double normal_sf(double x) { return 0.5 * std::erfc(x / kSqrt2); }

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return p == 0 ? -HUGE_VAL : p == 1 ? HUGE_VAL : kNaN;
  static const double a[] = {3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
                             1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
                             3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static const double b[] = {1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
                             5.3941960214247511077e+3, 2.1213794301586595867e+4, 3.9307895800092710610e+4,
                             2.8729085735721942674e+4, 5.2264952788528545610e+3};
  static const double c[] = {1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
                             3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
                             2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static const double d[] = {1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
                             6.89767334985100004550e-1, 1.48103976427480074590e-1,
                             1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9};
  static const double e[] = {6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
                             2.96560571828504891230e-1, 2.65321895265761230930e-2,
                             1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static const double f[] = {1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
                             1.48753612908506148525e-2, 7.86869131145613259100e-4,
                             1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15};
  const double q = p - 0.5;
  double x;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    x = q * polynomial(a, 8, r) / polynomial(b, 8, r);
  } else {
    double r = q < 0 ? p : 1 - p;
    r = std::sqrt(-std::log(r));
    if (r <= 5) {
      r -= 1.6;
      x = polynomial(c, 8, r) / polynomial(d, 8, r);
    } else {
      r -= 5;
      x = polynomial(e, 8, r) / polynomial(f, 8, r);
    }
    if (q < 0) x = -x;
  }
  // One Newton step on the tail that is not subject to cancellation polishes the last bits.
  const double density = std::exp(-0.5 * x * x) / std::sqrt(2 * kPi);
  if (density > 0) x -= (p < 0.5 ? normal_cdf(x) - p : (1 - p) - normal_sf(x)) / density;
  return x;
}

double gamma_p(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return kNaN;
  if (x == 0) return 0;
  if (std::isinf(x)) return 1;
  return x < a + 1 ? gamma_p_series(a, x) : 1 - gamma_q_fraction(a, x);
}

double gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return kNaN;
  if (x == 0) return 1;
  if (std::isinf(x)) return 0;
  return x < a + 1 ? 1 - gamma_p_series(a, x) : gamma_q_fraction(a, x);
}

double chi_square_cdf(double x, double k) { return x <= 0 ? (k > 0 ? 0 : kNaN) : gamma_p(0.5 * k, 0.5 * x); }
double chi_square_sf(double x, double k) { return x <= 0 ? (k > 0 ? 1 : kNaN) : gamma_q(0.5 * k, 0.5 * x); }

double chi_square_quantile(double p, double k) {
  if (!(k > 0) || !(p >= 0 && p <= 1)) return kNaN;
  if (p == 0) return 0;
  if (p == 1) return HUGE_VAL;
  double hi = k + 10;
  while (chi_square_cdf(hi, k) < p) hi *= 2;
  return invert([k](double x) { return chi_square_cdf(x, k); }, p, 0, hi);
}

double beta_cdf(double x, double a, double b) {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) return kNaN;
  if (x == 0) return 0;
  if (x == 1) return 1;
  const double front = std::exp(a * std::log(x) + b * std::log1p(-x) - log_beta(a, b));
  if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(a, b, x) / a;
  return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

double beta_quantile(double p, double a, double b) {
  if (!(a > 0) || !(b > 0) || !(p >= 0 && p <= 1)) return kNaN;
  if (p == 0) return 0;
  if (p == 1) return 1;
  return invert([a, b](double x) { return beta_cdf(x, a, b); }, p, 0, 1);
}

double beta_log_pdf(double x, double a, double b) {
  if (!(x > 0 && x < 1)) return -HUGE_VAL;
  return (a - 1) * std::log(x) + (b - 1) * std::log1p(-x) - log_beta(a, b);
}

double sample_gamma(Rng& rng, double shape) {
  if (shape < 1) {
    // Γ(shape) = Γ(shape + 1) · U^(1/shape)  (Marsaglia & Tsang, 2000, §6)
    const double u = 1 - rng.uniform();  // (0, 1]
    const double log_scale = portable_log(u) / shape;
    const double g = sample_gamma(rng, shape + 1);
    return log_scale < -700 ? 0 : g * portable_exp(log_scale);
  }
  const double d = shape - 1.0 / 3.0, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1 - rng.uniform();
    if (u < 1 - 0.0331 * (x * x) * (x * x)) return d * v;
    if (portable_log(u) < 0.5 * x * x + d * (1 - v + portable_log(v))) return d * v;
  }
}

double sample_beta(Rng& rng, double a, double b) {
  const double x = sample_gamma(rng, a), y = sample_gamma(rng, b);
  return x / (x + y);
}

}  // namespace circlewise
