#include "circlewise/ab_test.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/money.h"
#include "circlewise/random.h"
#include "circlewise/statistics.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxCount = 9007199254740992.0;  // 2^53: counts stay exact in a double and in JS

std::string fmt(double x) {
  return format_general(x, 10);
}

// A double for JSON output; NaN/±inf (undefined quantities) become null.
nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

void require_open_unit(const char* name, double v) {
  if (!(v > 0 && v < 1)) throw InputError("option \"" + std::string(name) + "\" must be between 0 and 1 (exclusive), got " + fmt(v));
}

// Reads an option that must be a finite number.
double number(const nlohmann::json& v, const std::string& name) {
  if (!v.is_number()) throw InputError("option \"" + name + "\" must be a number");
  double x = v.get<double>();
  if (!std::isfinite(x)) throw InputError("option \"" + name + "\" must be finite");
  return x;
}

bool boolean(const nlohmann::json& v, const std::string& name) {
  if (!v.is_boolean()) throw InputError("option \"" + name + "\" must be true or false");
  return v.get<bool>();
}

uint64_t count(const nlohmann::json& v, const std::string& name) {
  if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0))
    throw InputError("option \"" + name + "\" must be a non-negative integer (at most 18446744073709551615)");
  return v.get<uint64_t>();
}

void check_object(const nlohmann::json& j, const char* what) {
  if (!j.is_object()) throw InputError(std::string(what) + " must be an object");
}

// Critical value for an interval/test at level `a` per comparison.
double critical_z(double a, bool two_sided) { return normal_quantile(1 - (two_sided ? a / 2 : a)); }

double p_value_of(double z, bool two_sided) {
  if (std::isnan(z)) return 1;
  return two_sided ? std::min(1.0, 2 * normal_sf(std::fabs(z))) : normal_sf(z);
}

// Streaming log-sum-exp.
struct LogSum {
  double max = -HUGE_VAL, sum = 0;
  void add(double l) {
    if (l == -HUGE_VAL) return;
    if (l <= max) {
      sum += std::exp(l - max);
    } else {
      sum = sum * std::exp(max - l) + 1;
      max = l;
    }
  }
  double value() const { return max == -HUGE_VAL ? 0 : std::exp(max + std::log(sum)); }
};

bool is_integer(double x) { return x == std::floor(x); }
constexpr double kMaxExactTerms = 2e7;

// Evan Miller's closed form: P(X_B > X_A) = Σ_{i=0}^{a2−1} B(a1+i, b1+b2) / ((b2+i) B(1+i, b2) B(a1, b1)),
// each term from the previous by the ratio (a1+i)(b2+i) / ((a1+b1+b2+i)(i+1)).
double prob_greater_exact(double a1, double b1, double a2, double b2) {
  LogSum s;
  double lt = log_beta(a1, b1 + b2) - log_beta(a1, b1);
  const auto terms = static_cast<uint64_t>(a2);
  for (uint64_t k = 0; k < terms; ++k) {
    s.add(lt);
    const double i = static_cast<double>(k);
    lt += std::log((a1 + i) * (b2 + i) / ((a1 + b1 + b2 + i) * (i + 1)));
  }
  return std::min(1.0, s.value());
}

// ∫ f_A(x) (1 − F_B(x)) dx, as Σ over cells of the exact A-mass in the cell times Simpson's average of
// 1 − F_B over it; the cells span A's 1e-13..1−1e-13 quantiles, so singular densities (shape < 1)
// are handled by the CDF differences.
double prob_greater_numeric(double a1, double b1, double a2, double b2) {
  const int cells = 2000;
  const double lo = beta_quantile(1e-13, a1, b1), hi = beta_quantile(1 - 1e-13, a1, b1);
  const double h = (hi - lo) / cells;
  double total = beta_cdf(lo, a1, b1) * (1 - beta_cdf(0.5 * lo, a2, b2));
  double fa_prev = beta_cdf(lo, a1, b1), sb_prev = 1 - beta_cdf(lo, a2, b2);
  for (int c = 0; c < cells; ++c) {
    const double x1 = lo + (c + 1) * h, xm = lo + (c + 0.5) * h;
    const double fa = beta_cdf(x1, a1, b1), sb = 1 - beta_cdf(x1, a2, b2), sm = 1 - beta_cdf(xm, a2, b2);
    total += (fa - fa_prev) * (sb_prev + 4 * sm + sb) / 6;
    fa_prev = fa;
    sb_prev = sb;
  }
  total += (1 - fa_prev) * (1 - beta_cdf(0.5 * (hi + 1), a2, b2));
  return std::clamp(total, 0.0, 1.0);
}

std::string default_name(size_t i) {
  return i < 26 ? std::string(1, static_cast<char>('A' + i)) : "variant " + std::to_string(i + 1);
}

void check_names(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i)
    for (size_t k = 0; k < i; ++k)
      if (names[i] == names[k]) throw InputError("variant name \"" + names[i] + "\" is used twice");
}

}  // namespace

// ───────────── sample size ─────────────

double conversion_test_power(double p1, double p2, double n, double alpha, bool two_sided,
                             SampleSizeFormula formula) {
  const double delta = std::fabs(p2 - p1);
  const double pbar = 0.5 * (p1 + p2);
  const double sd0 = formula == SampleSizeFormula::kPooled ? std::sqrt(2 * pbar * (1 - pbar))
                                                           : std::sqrt(2 * p1 * (1 - p1));
  const double sd1 = std::sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return normal_cdf((std::sqrt(n) * delta - critical_z(alpha, two_sided) * sd0) / sd1);
}

SampleSizeResult sample_size(const SampleSizeOptions& o) {
  if (o.baseline_rate < 0) throw InputError("option \"baselineRate\" is required (a conversion rate between 0 and 1)");
  require_open_unit("baselineRate", o.baseline_rate);
  if (!(o.mde > 0) || !std::isfinite(o.mde))
    throw InputError("option \"mde\" is required and must be greater than 0, got " + fmt(o.mde));
  require_open_unit("alpha", o.alpha);
  require_open_unit("power", o.power);
  if (o.variants < 2 || o.variants > 100)
    throw InputError("option \"variants\" must be between 2 and 100, got " + std::to_string(o.variants));
  if (!(o.daily_traffic >= 0) || !std::isfinite(o.daily_traffic))
    throw InputError("option \"dailyTraffic\" must be 0 or more, got " + fmt(o.daily_traffic));
  SampleSizeResult r;
  r.baseline_rate = o.baseline_rate;
  r.absolute_mde = o.relative_mde ? o.mde * o.baseline_rate : o.mde;
  r.relative_mde = r.absolute_mde / o.baseline_rate;
  r.target_rate = o.baseline_rate + r.absolute_mde;
  if (!(r.target_rate < 1))
    throw InputError("option \"mde\": baseline rate + effect = " + fmt(r.target_rate) +
                     " must stay below 1 (a conversion rate)");
  r.comparisons = o.variants - 1;
  r.alpha_per_comparison = o.alpha / r.comparisons;
  const double p1 = o.baseline_rate, p2 = r.target_rate, pbar = 0.5 * (p1 + p2);
  const double sd0 = o.formula == SampleSizeFormula::kPooled ? std::sqrt(2 * pbar * (1 - pbar))
                                                             : std::sqrt(2 * p1 * (1 - p1));
  const double sd1 = std::sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const double za = critical_z(r.alpha_per_comparison, o.two_sided), zb = normal_quantile(o.power);
  const double root = (za * sd0 + zb * sd1) / r.absolute_mde;
  r.exact_per_variant = root * root;
  if (!(r.exact_per_variant < 1e15)) throw InputError("the required sample size is beyond 1e15 per variant: raise \"mde\"");
  r.per_variant = static_cast<uint64_t>(std::ceil(r.exact_per_variant));
  r.total = r.per_variant * static_cast<uint64_t>(o.variants);
  r.power_at_per_variant = conversion_test_power(p1, p2, static_cast<double>(r.per_variant),
                                                 r.alpha_per_comparison, o.two_sided, o.formula);
  if (o.daily_traffic > 0) r.days = static_cast<int64_t>(std::ceil(static_cast<double>(r.total) / o.daily_traffic));
  return r;
}

SampleSizeOptions sample_size_options_from_json(const nlohmann::json& j) {
  SampleSizeOptions o;
  check_object(j, "sample size options");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "baselineRate") o.baseline_rate = number(v, k);
    else if (k == "mde") o.mde = number(v, k);
    else if (k == "relative") o.relative_mde = boolean(v, k);
    else if (k == "alpha") o.alpha = number(v, k);
    else if (k == "power") o.power = number(v, k);
    else if (k == "twoSided") o.two_sided = boolean(v, k);
    else if (k == "variants") o.variants = static_cast<int>(std::min<uint64_t>(count(v, k), 1'000'000));
    else if (k == "dailyTraffic") o.daily_traffic = number(v, k);
    else if (k == "formula") {
      std::string f = v.is_string() ? v.get<std::string>() : "";
      if (f == "pooled") o.formula = SampleSizeFormula::kPooled;
      else if (f == "evan-miller") o.formula = SampleSizeFormula::kEvanMiller;
      else throw InputError("option \"formula\" must be \"pooled\" or \"evan-miller\"");
    } else {
      throw InputError("unknown sample size option \"" + k +
                       "\" (known: baselineRate, mde, relative, alpha, power, twoSided, variants, formula, dailyTraffic)");
    }
  }
  return o;
}

nlohmann::json to_json(const SampleSizeResult& r) {
  return {{"baselineRate", r.baseline_rate},
          {"targetRate", r.target_rate},
          {"absoluteMde", r.absolute_mde},
          {"relativeMde", r.relative_mde},
          {"comparisons", r.comparisons},
          {"alphaPerComparison", r.alpha_per_comparison},
          {"exactPerVariant", r.exact_per_variant},
          {"perVariant", r.per_variant},
          {"total", r.total},
          {"powerAtPerVariant", r.power_at_per_variant},
          {"days", r.days < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.days)}};
}

// ───────────── Bayesian and sequential building blocks ─────────────

double prob_beta_greater(double a1, double b1, double a2, double b2) {
  const bool int1 = is_integer(a1) && a1 <= kMaxExactTerms, int2 = is_integer(a2) && a2 <= kMaxExactTerms;
  if (int2 && (!int1 || a2 <= a1)) return prob_greater_exact(a1, b1, a2, b2);
  if (int1) return std::max(0.0, 1 - prob_greater_exact(a2, b2, a1, b1));
  return prob_greater_numeric(a1, b1, a2, b2);
}

double beta_expected_loss(double a1, double b1, double a2, double b2) {
  // E[X_A·1{X_A > X_B}] = mean_A · P(X_A⁺ > X_B) with X_A⁺ ~ Beta(a1+1, b1), likewise for B.
  const double loss = a1 / (a1 + b1) * prob_beta_greater(a2, b2, a1 + 1, b1) -
                      a2 / (a2 + b2) * prob_beta_greater(a2 + 1, b2, a1, b1);
  return std::max(0.0, loss);
}

SequentialResult msprt(double estimate, double variance, double tau, double alpha) {
  SequentialResult r;
  if (!(variance > 0) || !(tau > 0)) {
    r.ci_low = -HUGE_VAL;
    r.ci_high = HUGE_VAL;
    return r;
  }
  const double t2 = tau * tau, sum = variance + t2;
  const double log_lambda = 0.5 * std::log(variance / sum) + t2 * estimate * estimate / (2 * variance * sum);
  r.p_value = log_lambda <= 0 ? 1 : std::exp(-log_lambda);
  const double half = std::sqrt(variance * sum / t2 * (std::log(sum / variance) - 2 * std::log(alpha)));
  r.ci_low = estimate - half;
  r.ci_high = estimate + half;
  return r;
}

// ───────────── conversion-rate analysis ─────────────

AnalyzeResult analyze_conversions(const AnalyzeOptions& o) {
  const size_t k = o.variants.size();
  if (k < 2 || k > 100) throw InputError("option \"variants\" must list between 2 and 100 variants (the first is the control), got " + std::to_string(k));
  std::vector<std::string> names;
  for (const auto& v : o.variants) {
    const std::string who = "variant \"" + v.name + "\": ";
    if (!(v.visitors >= 0) || !is_integer(v.visitors) || v.visitors > kMaxCount)
      throw InputError(who + "\"visitors\" must be a non-negative integer, got " + fmt(v.visitors));
    if (!(v.conversions >= 0) || !is_integer(v.conversions))
      throw InputError(who + "\"conversions\" must be a non-negative integer, got " + fmt(v.conversions));
    if (v.conversions > v.visitors)
      throw InputError(who + "\"conversions\" (" + fmt(v.conversions) + ") cannot exceed \"visitors\" (" + fmt(v.visitors) + ")");
    if (v.visitors == 0) throw InputError(who + "\"visitors\" must be at least 1");
    names.push_back(v.name);
  }
  check_names(names);
  require_open_unit("alpha", o.alpha);
  require_open_unit("srmAlpha", o.srm_alpha);
  if (!(o.prior_alpha > 0) || !(o.prior_beta > 0) || !std::isfinite(o.prior_alpha) || !std::isfinite(o.prior_beta))
    throw InputError("option \"prior\": \"alpha\" and \"beta\" must both be greater than 0");
  if (!(o.sequential_tau >= 0) || !std::isfinite(o.sequential_tau))
    throw InputError("option \"sequentialTau\" must be 0 (automatic) or a positive difference in rate, got " + fmt(o.sequential_tau));
  if (o.draws < 1000 || o.draws > 10'000'000)
    throw InputError("option \"draws\" must be between 1000 and 10000000, got " + std::to_string(o.draws));
  if (!o.expected_split.empty()) {
    if (o.expected_split.size() != k)
      throw InputError("option \"expectedSplit\" must have one weight per variant (" + std::to_string(k) + "), got " +
                       std::to_string(o.expected_split.size()));
    for (double w : o.expected_split)
      if (!(w > 0) || !std::isfinite(w)) throw InputError("option \"expectedSplit\": every weight must be greater than 0, got " + fmt(w));
  }

  AnalyzeResult r;
  r.alpha = o.alpha;
  r.two_sided = o.two_sided;
  r.comparisons_count = static_cast<int>(k - 1);
  r.alpha_per_comparison = o.alpha / r.comparisons_count;
  r.prior_alpha = o.prior_alpha;
  r.prior_beta = o.prior_beta;
  const double zc = critical_z(r.alpha_per_comparison, o.two_sided);
  const double m = r.comparisons_count;

  double total_n = 0, total_c = 0, weight_sum = 0;
  for (size_t i = 0; i < k; ++i) {
    total_n += o.variants[i].visitors;
    total_c += o.variants[i].conversions;
    weight_sum += o.expected_split.empty() ? 1.0 : o.expected_split[i];
  }

  // Per variant: rate, Wilson interval, expected visitors under the plan.
  for (size_t i = 0; i < k; ++i) {
    const auto& v = o.variants[i];
    VariantSummary s;
    s.name = v.name;
    s.visitors = v.visitors;
    s.conversions = v.conversions;
    s.rate = v.conversions / v.visitors;
    const double n = v.visitors, z2 = zc * zc;
    const double centre = (s.rate + z2 / (2 * n)) / (1 + z2 / n);
    const double half = zc / (1 + z2 / n) * std::sqrt(s.rate * (1 - s.rate) / n + z2 / (4 * n * n));
    s.ci_low = std::max(0.0, centre - half);
    s.ci_high = std::min(1.0, centre + half);
    s.expected_visitors = total_n * (o.expected_split.empty() ? 1.0 : o.expected_split[i]) / weight_sum;
    r.variants.push_back(s);
  }

  // Chi-square test of independence on the k×2 table.
  r.chi_square_df = static_cast<int>(k - 1);
  bool small_cells = false;
  if (total_c > 0 && total_c < total_n) {
    for (const auto& v : o.variants) {
      const double e1 = v.visitors * total_c / total_n, e0 = v.visitors - e1;
      if (e1 < 5 || e0 < 5) small_cells = true;
      r.chi_square += (v.conversions - e1) * (v.conversions - e1) / e1 +
                      (v.visitors - v.conversions - e0) * (v.visitors - v.conversions - e0) / e0;
    }
    r.chi_square_p_value = chi_square_sf(r.chi_square, r.chi_square_df);
  } else {
    r.warnings.push_back(total_c == 0 ? "no variant has any conversion: nothing can be compared yet"
                                      : "every visitor converted in every variant: nothing can be compared");
  }
  if (small_cells)
    r.warnings.push_back("some expected counts are below 5: the z- and chi-square tests' normal approximation is unreliable; "
                         "collect more data (the Bayesian results remain valid)");

  // Sample-ratio mismatch.
  for (const auto& s : r.variants)
    r.srm_chi_square += (s.visitors - s.expected_visitors) * (s.visitors - s.expected_visitors) / s.expected_visitors;
  r.srm_p_value = chi_square_sf(r.srm_chi_square, static_cast<double>(k - 1));
  r.sample_ratio_mismatch = r.srm_p_value < o.srm_alpha;
  if (r.sample_ratio_mismatch)
    r.warnings.push_back("sample ratio mismatch: the visitor counts do not fit the planned split (chi-square p = " +
                         fmt(r.srm_p_value) + " < " + fmt(o.srm_alpha) +
                         "); assignment or tracking is likely broken, so do not trust the comparison until it is explained");

  // Comparisons against the control.
  const auto& a = o.variants[0];
  const double pa = a.conversions / a.visitors;
  r.sequential_tau = o.sequential_tau > 0 ? o.sequential_tau : 0.1 * (pa > 0 ? pa : total_c / total_n);
  if (!(r.sequential_tau > 0)) r.sequential_tau = 0.01;  // nothing converted yet: any scale will do
  const double aa = o.prior_alpha + a.conversions, ba = o.prior_beta + a.visitors - a.conversions;
  for (size_t i = 1; i < k; ++i) {
    const auto& b = o.variants[i];
    Comparison c;
    c.name = b.name;
    const double pb = b.conversions / b.visitors;
    c.difference = pb - pa;
    const double se = std::sqrt(pa * (1 - pa) / a.visitors + pb * (1 - pb) / b.visitors);
    c.diff_ci_low = c.difference - zc * se;
    c.diff_ci_high = c.difference + zc * se;
    const double pooled = (a.conversions + b.conversions) / (a.visitors + b.visitors);
    const double se0 = std::sqrt(pooled * (1 - pooled) * (1 / a.visitors + 1 / b.visitors));
    c.z = se0 > 0 ? c.difference / se0 : 0;
    c.p_value = se0 > 0 ? p_value_of(c.z, o.two_sided) : 1;
    c.p_value_adjusted = std::min(1.0, c.p_value * m);
    c.significant = c.p_value_adjusted < o.alpha;
    if (pa > 0) {
      c.relative_lift = pb / pa - 1;
      if (b.conversions > 0) {
        const double sl = std::sqrt((1 - pa) / a.conversions + (1 - pb) / b.conversions);
        c.lift_ci_low = std::exp(std::log(pb / pa) - zc * sl) - 1;
        c.lift_ci_high = std::exp(std::log(pb / pa) + zc * sl) - 1;
      } else {
        c.lift_ci_low = c.lift_ci_high = kNaN;
      }
    } else {
      c.relative_lift = c.lift_ci_low = c.lift_ci_high = kNaN;
    }
    const double ab = o.prior_alpha + b.conversions, bb = o.prior_beta + b.visitors - b.conversions;
    c.prob_beats_control = prob_beta_greater(aa, ba, ab, bb);
    c.expected_loss_variant = beta_expected_loss(aa, ba, ab, bb);
    c.expected_loss_control = beta_expected_loss(ab, bb, aa, ba);
    auto seq = msprt(c.difference, se * se, r.sequential_tau, r.alpha_per_comparison);
    c.sequential_p_value = std::min(1.0, seq.p_value * m);
    c.sequential_ci_low = seq.ci_low;
    c.sequential_ci_high = seq.ci_high;
    c.sequential_significant = c.sequential_p_value < o.alpha;
    r.comparisons.push_back(c);
  }

  // Probability of being best.
  if (k == 2) {
    r.variants[1].prob_best = r.comparisons[0].prob_beats_control;
    r.variants[0].prob_best = 1 - r.variants[1].prob_best;
  } else {
    Rng rng(o.seed);
    std::vector<uint64_t> wins(k, 0);
    for (uint64_t d = 0; d < o.draws; ++d) {
      size_t best = 0;
      double best_x = -1;
      for (size_t i = 0; i < k; ++i) {
        const auto& v = o.variants[i];
        const double x = sample_beta(rng, o.prior_alpha + v.conversions, o.prior_beta + v.visitors - v.conversions);
        if (x > best_x) {
          best_x = x;
          best = i;
        }
      }
      ++wins[best];
    }
    for (size_t i = 0; i < k; ++i) r.variants[i].prob_best = static_cast<double>(wins[i]) / static_cast<double>(o.draws);
  }
  return r;
}

AnalyzeOptions analyze_options_from_json(const nlohmann::json& j) {
  AnalyzeOptions o;
  check_object(j, "analysis options");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "variants") {
      if (!v.is_array()) throw InputError("option \"variants\" must be an array of {name, visitors, conversions}");
      for (size_t i = 0; i < v.size(); ++i) {
        const auto& e = v[i];
        if (!e.is_object()) throw InputError("variants[" + std::to_string(i) + "] must be an object {name, visitors, conversions}");
        VariantCounts c;
        c.name = default_name(i);
        bool has_visitors = false, has_conversions = false;
        for (auto f = e.begin(); f != e.end(); ++f) {
          const std::string where = "variants[" + std::to_string(i) + "]." + f.key();
          if (f.key() == "name") {
            if (!f->is_string() || f->get<std::string>().empty()) throw InputError("option \"" + where + "\" must be a non-empty string");
            c.name = f->get<std::string>();
          } else if (f.key() == "visitors") {
            c.visitors = number(*f, where);
            has_visitors = true;
          } else if (f.key() == "conversions") {
            c.conversions = number(*f, where);
            has_conversions = true;
          } else {
            throw InputError("unknown field \"" + where + "\" (known: name, visitors, conversions)");
          }
        }
        if (!has_visitors || !has_conversions)
          throw InputError("variant \"" + c.name + "\" needs both \"visitors\" and \"conversions\"");
        o.variants.push_back(c);
      }
    } else if (k == "alpha") o.alpha = number(v, k);
    else if (k == "twoSided") o.two_sided = boolean(v, k);
    else if (k == "srmAlpha") o.srm_alpha = number(v, k);
    else if (k == "sequentialTau") o.sequential_tau = number(v, k);
    else if (k == "seed") o.seed = count(v, k);
    else if (k == "draws") o.draws = count(v, k);
    else if (k == "expectedSplit") {
      if (!v.is_array()) throw InputError("option \"expectedSplit\" must be an array of weights, one per variant");
      for (const auto& w : v) o.expected_split.push_back(number(w, "expectedSplit"));
    } else if (k == "prior") {
      check_object(v, "option \"prior\"");
      for (auto f = v.begin(); f != v.end(); ++f) {
        if (f.key() == "alpha") o.prior_alpha = number(*f, "prior.alpha");
        else if (f.key() == "beta") o.prior_beta = number(*f, "prior.beta");
        else throw InputError("unknown option \"prior." + f.key() + "\" (known: alpha, beta)");
      }
    } else {
      throw InputError("unknown analysis option \"" + k +
                       "\" (known: variants, alpha, twoSided, expectedSplit, srmAlpha, prior, sequentialTau, seed, draws)");
    }
  }
  return o;
}

nlohmann::json to_json(const AnalyzeResult& r) {
  nlohmann::json variants = nlohmann::json::array(), comps = nlohmann::json::array();
  for (const auto& v : r.variants)
    variants.push_back({{"name", v.name}, {"visitors", v.visitors}, {"conversions", v.conversions}, {"rate", v.rate},
                        {"ciLow", v.ci_low}, {"ciHigh", v.ci_high}, {"probBest", v.prob_best},
                        {"expectedVisitors", v.expected_visitors}});
  for (const auto& c : r.comparisons)
    comps.push_back({{"name", c.name}, {"difference", c.difference}, {"diffCiLow", c.diff_ci_low},
                     {"diffCiHigh", c.diff_ci_high}, {"relativeLift", num(c.relative_lift)},
                     {"liftCiLow", num(c.lift_ci_low)}, {"liftCiHigh", num(c.lift_ci_high)}, {"z", c.z},
                     {"pValue", c.p_value}, {"pValueAdjusted", c.p_value_adjusted}, {"significant", c.significant},
                     {"probBeatsControl", c.prob_beats_control}, {"expectedLossVariant", c.expected_loss_variant},
                     {"expectedLossControl", c.expected_loss_control},
                     {"sequential", {{"pValue", c.sequential_p_value}, {"ciLow", num(c.sequential_ci_low)},
                                     {"ciHigh", num(c.sequential_ci_high)}, {"significant", c.sequential_significant}}}});
  return {{"variants", variants},
          {"comparisons", comps},
          {"alpha", r.alpha},
          {"alphaPerComparison", r.alpha_per_comparison},
          {"twoSided", r.two_sided},
          {"chiSquare", {{"statistic", r.chi_square}, {"df", r.chi_square_df}, {"pValue", r.chi_square_p_value}}},
          {"srm", {{"statistic", r.srm_chi_square}, {"pValue", r.srm_p_value}, {"mismatch", r.sample_ratio_mismatch}}},
          {"sequentialTau", r.sequential_tau},
          {"prior", {{"alpha", r.prior_alpha}, {"beta", r.prior_beta}}},
          {"warnings", r.warnings}};
}

// ───────────── ratio metrics ─────────────

RatioSums ratio_sums(const std::string& name, const double* x, const double* y, size_t n) {
  RatioSums s;
  s.name = name;
  s.n = static_cast<double>(n);
  s.has_denominator = y != nullptr;
  MoneySum sx, sx2, sy, sy2, sxy;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]))
      throw InputError("variant \"" + name + "\": values[" + std::to_string(i) + "] is not a finite number");
    sx.add(x[i]);
    sx2.add(x[i] * x[i]);
    if (y) {
      if (!std::isfinite(y[i]) || y[i] < 0)
        throw InputError("variant \"" + name + "\": denominators[" + std::to_string(i) + "] must be a finite number >= 0");
      sy.add(y[i]);
      sy2.add(y[i] * y[i]);
      sxy.add(x[i] * y[i]);
    }
  }
  s.sum_x = sx.value();
  s.sum_x2 = sx2.value();
  s.sum_y = sy.value();
  s.sum_y2 = sy2.value();
  s.sum_xy = sxy.value();
  return s;
}

RatioResult analyze_ratio(const RatioOptions& o) {
  const size_t k = o.variants.size();
  if (k < 2 || k > 100) throw InputError("option \"variants\" must list between 2 and 100 variants (the first is the control), got " + std::to_string(k));
  require_open_unit("alpha", o.alpha);
  std::vector<std::string> names;
  for (const auto& v : o.variants) names.push_back(v.name);
  check_names(names);
  RatioResult r;
  r.alpha = o.alpha;
  r.two_sided = o.two_sided;
  r.alpha_per_comparison = o.alpha / static_cast<double>(k - 1);
  const double zc = critical_z(r.alpha_per_comparison, o.two_sided);
  std::vector<double> var;
  for (const auto& v : o.variants) {
    const std::string who = "variant \"" + v.name + "\": ";
    if (v.has_denominator != o.variants[0].has_denominator)
      throw InputError(who + "either every variant has denominators or none does");
    if (!(v.n >= 2) || !is_integer(v.n) || v.n > kMaxCount) throw InputError(who + "\"n\" must be an integer of at least 2, got " + fmt(v.n));
    for (double s : {v.sum_x, v.sum_x2, v.sum_y, v.sum_y2, v.sum_xy})
      if (!std::isfinite(s)) throw InputError(who + "every sum must be a finite number");
    const double mx = v.sum_x / v.n, vx = (v.sum_x2 - v.n * mx * mx) / (v.n - 1);
    // Sums of squares below n·mean² are impossible; allow for rounding in the caller's sums.
    const double tol = 1e-9 * (std::fabs(v.sum_x2) + 1);
    if (vx * (v.n - 1) < -tol) throw InputError(who + "\"sumSquares\" is smaller than sum²/n: the sums are inconsistent");
    double value, variance;
    if (v.has_denominator) {
      if (!(v.sum_y > 0)) throw InputError(who + "\"denominatorSum\" must be greater than 0");
      const double my = v.sum_y / v.n, vy = (v.sum_y2 - v.n * my * my) / (v.n - 1);
      if (vy * (v.n - 1) < -1e-9 * (std::fabs(v.sum_y2) + 1))
        throw InputError(who + "\"denominatorSumSquares\" is smaller than denominatorSum²/n: the sums are inconsistent");
      const double cxy = (v.sum_xy - v.n * mx * my) / (v.n - 1);
      value = v.sum_x / v.sum_y;
      // Delta method (Deng, Knoblich & Lu 2018): Var(x̄/ȳ) ≈ (σx² − 2R·σxy + R²·σy²) / (n·μy²).
      variance = std::max(0.0, (std::max(vx, 0.0) - 2 * value * cxy + value * value * std::max(vy, 0.0)) / (v.n * my * my));
    } else {
      value = mx;
      variance = std::max(vx, 0.0) / v.n;
    }
    RatioVariant rv;
    rv.name = v.name;
    rv.n = v.n;
    rv.value = value;
    rv.std_error = std::sqrt(variance);
    rv.ci_low = value - zc * rv.std_error;
    rv.ci_high = value + zc * rv.std_error;
    r.variants.push_back(rv);
    var.push_back(variance);
    if (v.n < 100)
      r.warnings.push_back(who + "fewer than 100 learners: the normal approximation behind the delta method may be poor");
  }
  const auto& a = r.variants[0];
  for (size_t i = 1; i < k; ++i) {
    const auto& b = r.variants[i];
    RatioComparison c;
    c.name = b.name;
    c.difference = b.value - a.value;
    c.std_error = std::sqrt(var[0] + var[i]);
    c.ci_low = c.difference - zc * c.std_error;
    c.ci_high = c.difference + zc * c.std_error;
    c.z = c.std_error > 0 ? c.difference / c.std_error : 0;
    c.p_value = c.std_error > 0 ? p_value_of(c.z, o.two_sided) : 1;
    c.p_value_adjusted = std::min(1.0, c.p_value * static_cast<double>(k - 1));
    c.significant = c.p_value_adjusted < o.alpha;
    if (a.value != 0) {
      c.relative_lift = b.value / a.value - 1;
      const double se = std::sqrt(var[i] / (a.value * a.value) + b.value * b.value * var[0] / std::pow(a.value, 4));
      c.lift_ci_low = c.relative_lift - zc * se;
      c.lift_ci_high = c.relative_lift + zc * se;
    } else {
      c.relative_lift = c.lift_ci_low = c.lift_ci_high = kNaN;
    }
    r.comparisons.push_back(c);
  }
  return r;
}

namespace {
std::vector<double> number_array(const nlohmann::json& v, const std::string& where) {
  if (!v.is_array()) throw InputError("option \"" + where + "\" must be an array of numbers");
  std::vector<double> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number()) throw InputError("option \"" + where + "[" + std::to_string(i) + "]\" must be a number");
    out.push_back(v[i].get<double>());
  }
  return out;
}
}  // namespace

RatioOptions ratio_options_from_json(const nlohmann::json& j) {
  RatioOptions o;
  check_object(j, "ratio metric options");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "alpha") o.alpha = number(v, k);
    else if (k == "twoSided") o.two_sided = boolean(v, k);
    else if (k == "variants") {
      if (!v.is_array()) throw InputError("option \"variants\" must be an array");
      for (size_t i = 0; i < v.size(); ++i) {
        const auto& e = v[i];
        const std::string at = "variants[" + std::to_string(i) + "]";
        if (!e.is_object()) throw InputError(at + " must be an object");
        std::string name = default_name(i);
        if (e.contains("name")) {
          if (!e["name"].is_string() || e["name"].get<std::string>().empty())
            throw InputError("option \"" + at + ".name\" must be a non-empty string");
          name = e["name"].get<std::string>();
        }
        if (e.contains("values")) {
          for (auto f = e.begin(); f != e.end(); ++f)
            if (f.key() != "name" && f.key() != "values" && f.key() != "denominators")
              throw InputError("variant \"" + name + "\": give either per-learner arrays (values, denominators) or sums, not \"" + f.key() + "\" too");
          auto x = number_array(e["values"], at + ".values");
          std::vector<double> y;
          if (e.contains("denominators")) {
            y = number_array(e["denominators"], at + ".denominators");
            if (y.size() != x.size())
              throw InputError("variant \"" + name + "\": \"denominators\" has " + std::to_string(y.size()) +
                               " entries but \"values\" has " + std::to_string(x.size()));
          }
          o.variants.push_back(ratio_sums(name, x.data(), e.contains("denominators") ? y.data() : nullptr, x.size()));
          continue;
        }
        RatioSums s;
        s.name = name;
        bool has[3] = {false, false, false};
        for (auto f = e.begin(); f != e.end(); ++f) {
          const std::string where = at + "." + f.key();
          if (f.key() == "name") continue;
          if (f.key() == "n") s.n = number(*f, where), has[0] = true;
          else if (f.key() == "sum") s.sum_x = number(*f, where), has[1] = true;
          else if (f.key() == "sumSquares") s.sum_x2 = number(*f, where), has[2] = true;
          else if (f.key() == "denominatorSum") s.sum_y = number(*f, where), s.has_denominator = true;
          else if (f.key() == "denominatorSumSquares") s.sum_y2 = number(*f, where);
          else if (f.key() == "crossSum") s.sum_xy = number(*f, where);
          else
            throw InputError("unknown field \"" + where +
                             "\" (known: name, n, sum, sumSquares, denominatorSum, denominatorSumSquares, crossSum; or values, denominators)");
        }
        if (!has[0] || !has[1] || !has[2])
          throw InputError("variant \"" + name + "\" needs \"n\", \"sum\" and \"sumSquares\" (or a \"values\" array)");
        if (s.has_denominator && (!e.contains("denominatorSumSquares") || !e.contains("crossSum")))
          throw InputError("variant \"" + name + "\": with \"denominatorSum\" also give \"denominatorSumSquares\" and \"crossSum\"");
        o.variants.push_back(s);
      }
    } else {
      throw InputError("unknown ratio metric option \"" + k + "\" (known: variants, alpha, twoSided)");
    }
  }
  return o;
}

nlohmann::json to_json(const RatioSums& s) {
  nlohmann::json j = {{"name", s.name}, {"n", s.n}, {"sum", s.sum_x}, {"sumSquares", s.sum_x2}};
  if (s.has_denominator) {
    j["denominatorSum"] = s.sum_y;
    j["denominatorSumSquares"] = s.sum_y2;
    j["crossSum"] = s.sum_xy;
  }
  return j;
}

nlohmann::json to_json(const RatioResult& r) {
  nlohmann::json variants = nlohmann::json::array(), comps = nlohmann::json::array();
  for (const auto& v : r.variants)
    variants.push_back({{"name", v.name}, {"n", v.n}, {"value", v.value}, {"stdError", v.std_error},
                        {"ciLow", v.ci_low}, {"ciHigh", v.ci_high}});
  for (const auto& c : r.comparisons)
    comps.push_back({{"name", c.name}, {"difference", c.difference}, {"stdError", c.std_error},
                     {"ciLow", c.ci_low}, {"ciHigh", c.ci_high}, {"relativeLift", num(c.relative_lift)},
                     {"liftCiLow", num(c.lift_ci_low)}, {"liftCiHigh", num(c.lift_ci_high)}, {"z", c.z},
                     {"pValue", c.p_value}, {"pValueAdjusted", c.p_value_adjusted}, {"significant", c.significant}});
  return {{"variants", variants}, {"comparisons", comps}, {"alpha", r.alpha},
          {"alphaPerComparison", r.alpha_per_comparison}, {"twoSided", r.two_sided}, {"warnings", r.warnings}};
}

}  // namespace circlewise
