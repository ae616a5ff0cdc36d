#pragma once
// A/B tests on conversion rates and ratio metrics: how many learners a test needs, and whether
// an observed difference is real. Frequentist (two-proportion z-test, chi-square, confidence
// intervals of the difference and the relative lift), Bayesian (beta-binomial probability that a
// variant beats control, expected loss), always-valid sequential p-values for marketers who peek
// (mSPRT, Johari, Koomen, Pekelis & Walsh 2017), sample-ratio-mismatch checks, and ratio metrics
// such as revenue per learner by the delta method. The first variant is always the control.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace circlewise {

// ───────────── sample size ─────────────

enum class SampleSizeFormula {
  // H0 variance from the pooled rate of both arms: the textbook formula (Fleiss, without continuity
  // correction) and R's power.prop.test.
  kPooled,
  // H0 variance 2·p(1−p) from the baseline only, as Evan Miller's online calculator does.
  kEvanMiller,
};

struct SampleSizeOptions {
  double baseline_rate = -1;  // control conversion rate, (0, 1); required
  double mde = -1;            // minimum detectable effect, > 0; required
  bool relative_mde = false;  // mde is a fraction of the baseline (0.1 = +10 %) instead of absolute
  double alpha = 0.05;        // significance level (family-wise for several variants), (0, 1)
  double power = 0.8;         // probability of detecting an effect of size mde, (0, 1)
  bool two_sided = true;
  int variants = 2;           // arms including control; k arms = k−1 comparisons, Bonferroni-corrected
  SampleSizeFormula formula = SampleSizeFormula::kPooled;
  double daily_traffic = 0;   // learners entering the test per day (all arms); 0 = no duration
};

struct SampleSizeResult {
  double baseline_rate = 0, target_rate = 0, absolute_mde = 0, relative_mde = 0;
  int comparisons = 1;
  double alpha_per_comparison = 0;  // alpha / comparisons
  double exact_per_variant = 0;     // before rounding up
  uint64_t per_variant = 0;         // learners needed in each arm
  uint64_t total = 0;               // per_variant × variants
  double power_at_per_variant = 0;  // power with the rounded-up size (>= requested power)
  int64_t days = -1;                // whole days at daily_traffic; -1 when no traffic was given
};

// Throws InputError naming the option and its allowed range.
SampleSizeResult sample_size(const SampleSizeOptions& options);

// Power of a two-proportion z-test with n learners per arm (normal approximation; equals
// R's power.prop.test with strict = FALSE for the pooled formula).
double conversion_test_power(double p1, double p2, double n_per_variant, double alpha, bool two_sided,
                             SampleSizeFormula formula = SampleSizeFormula::kPooled);

// {"baselineRate":0.2,"mde":0.05,"relative":false,"alpha":0.05,"power":0.8,"twoSided":true,
//  "variants":2,"formula":"pooled"|"evan-miller","dailyTraffic":1000}
SampleSizeOptions sample_size_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const SampleSizeResult& r);

// ───────────── conversion-rate analysis ─────────────

struct VariantCounts {
  std::string name;
  double visitors = 0;     // learners exposed (a non-negative integer)
  double conversions = 0;  // of them, converted (integer, <= visitors)
};

struct AnalyzeOptions {
  std::vector<VariantCounts> variants;  // >= 2; the first is the control
  double alpha = 0.05;                  // family-wise; Bonferroni over the k−1 comparisons
  bool two_sided = true;
  // Planned traffic split for the sample-ratio-mismatch check (any positive weights; empty = equal).
  std::vector<double> expected_split;
  double srm_alpha = 0.001;  // flag a mismatch when the goodness-of-fit p-value is below this
  // Beta(prior_alpha, prior_beta) prior on every conversion rate; (1, 1) = uniform.
  double prior_alpha = 1, prior_beta = 1;
  // mSPRT mixing distribution N(0, tau²) on the difference of rates. <= 0: 10 % of the control's
  // observed rate, i.e. the test is tuned for relative lifts of about ±10 %.
  double sequential_tau = 0;
  // P(best) among >2 variants is estimated by Monte Carlo with this many seeded draws.
  uint64_t seed = 1;
  uint64_t draws = 50'000;  // standard error of P(best) <= 0.0023
};

struct VariantSummary {
  std::string name;
  double visitors = 0, conversions = 0, rate = 0;
  double ci_low = 0, ci_high = 0;  // Wilson score interval at the per-comparison level
  double prob_best = 0;            // posterior probability of having the highest rate
  double expected_visitors = 0;    // under the planned split, for the SRM check
};

struct Comparison {
  std::string name;  // the treatment; always against the control
  double difference = 0, diff_ci_low = 0, diff_ci_high = 0;  // rate_variant − rate_control (Wald)
  double relative_lift = 0, lift_ci_low = 0, lift_ci_high = 0;  // rate ratio − 1, CI by delta method on log ratio
  double z = 0, p_value = 1;   // pooled two-proportion z-test (raw)
  double p_value_adjusted = 1; // Bonferroni: min(1, p × comparisons)
  bool significant = false;    // p_value_adjusted < alpha
  double prob_beats_control = 0;      // P(p_variant > p_control | data)
  double expected_loss_variant = 0;   // E[max(p_control − p_variant, 0)]: cost of shipping the variant
  double expected_loss_control = 0;   // E[max(p_variant − p_control, 0)]: cost of keeping the control
  double sequential_p_value = 1;      // always-valid (mSPRT) p-value, Bonferroni-adjusted
  double sequential_ci_low = 0, sequential_ci_high = 0;  // always-valid CI of the difference
  bool sequential_significant = false;
};

struct AnalyzeResult {
  std::vector<VariantSummary> variants;
  std::vector<Comparison> comparisons;
  int comparisons_count = 1;
  double alpha = 0.05, alpha_per_comparison = 0.05;
  bool two_sided = true;
  // Chi-square test of independence over the k×2 table (variant × converted or not).
  double chi_square = 0, chi_square_p_value = 1;
  int chi_square_df = 1;
  // Sample-ratio mismatch: goodness of fit of visitors to the planned split.
  double srm_chi_square = 0, srm_p_value = 1;
  bool sample_ratio_mismatch = false;
  double sequential_tau = 0;
  double prior_alpha = 1, prior_beta = 1;
  std::vector<std::string> warnings;
};

// Throws InputError for invalid counts or options (names the variant / option and the range).
AnalyzeResult analyze_conversions(const AnalyzeOptions& options);

// P(X_B > X_A) for X_A ~ Beta(a1, b1), X_B ~ Beta(a2, b2): exact finite sum when a2 (or a1) is an
// integer (Evan Miller, "Formulas for Bayesian A/B testing"), numerical integration otherwise.
double prob_beta_greater(double a1, double b1, double a2, double b2);
// E[max(X_A − X_B, 0)] for the same pair: the expected loss of choosing B.
double beta_expected_loss(double a1, double b1, double a2, double b2);

// mSPRT for a difference `estimate` with variance `variance`: the mixture likelihood ratio
// Λ = sqrt(V/(V+τ²)) · exp(τ²·Δ²/(2V(V+τ²))), always-valid p = min(1, 1/Λ), and the always-valid
// (1−alpha) CI half-width sqrt(V(V+τ²)/τ² · (log((V+τ²)/V) − 2·log alpha)).
struct SequentialResult {
  double p_value = 1, ci_low = 0, ci_high = 0;
};
SequentialResult msprt(double estimate, double variance, double tau, double alpha);

// {"variants":[{"name":"A","visitors":1000,"conversions":100},...],"alpha":0.05,"twoSided":true,
//  "expectedSplit":[0.5,0.5],"srmAlpha":0.001,"prior":{"alpha":1,"beta":1},"sequentialTau":0.01,
//  "seed":1,"draws":50000}
AnalyzeOptions analyze_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const AnalyzeResult& r);

// ───────────── ratio metrics (delta method) ─────────────

// Per-arm sufficient statistics of a ratio metric Σx/Σy over randomisation units (learners):
// x = numerator per learner (e.g. revenue), y = denominator per learner (e.g. sessions). Without a
// denominator y ≡ 1 and the metric is the mean of x (revenue per learner).
struct RatioSums {
  std::string name;
  double n = 0;  // learners
  double sum_x = 0, sum_x2 = 0;
  bool has_denominator = false;
  double sum_y = 0, sum_y2 = 0, sum_xy = 0;
};

// Sums from per-learner arrays (y may be null: no denominator). Throws InputError naming the
// first non-finite value's index, or a negative denominator.
RatioSums ratio_sums(const std::string& name, const double* x, const double* y, size_t n);

struct RatioOptions {
  std::vector<RatioSums> variants;  // >= 2; the first is the control
  double alpha = 0.05;              // family-wise, Bonferroni
  bool two_sided = true;
};

struct RatioVariant {
  std::string name;
  double n = 0, value = 0, std_error = 0, ci_low = 0, ci_high = 0;
};

struct RatioComparison {
  std::string name;
  double difference = 0, std_error = 0, ci_low = 0, ci_high = 0;
  double relative_lift = 0, lift_ci_low = 0, lift_ci_high = 0;  // delta method on value_B/value_A
  double z = 0, p_value = 1, p_value_adjusted = 1;
  bool significant = false;
};

struct RatioResult {
  std::vector<RatioVariant> variants;
  std::vector<RatioComparison> comparisons;
  double alpha = 0.05, alpha_per_comparison = 0.05;
  bool two_sided = true;
  std::vector<std::string> warnings;
};

RatioResult analyze_ratio(const RatioOptions& options);

// {"variants":[{"name":"A","n":1000,"sum":..,"sumSquares":..,"denominatorSum":..,
//  "denominatorSumSquares":..,"crossSum":..}, or {"name":"A","values":[..],"denominators":[..]}],
//  "alpha":0.05,"twoSided":true}
RatioOptions ratio_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const RatioResult& r);
nlohmann::json to_json(const RatioSums& s);

}  // namespace circlewise
