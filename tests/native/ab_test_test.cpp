// A/B test calculators. References, per test: R's power.prop.test documentation examples
// (published values), Evan Miller's calculator formula and SciPy 1.10 (tests/fixtures/ab_test/
// reference.json, from generate_reference.py: chi2_contingency, binomtest Wilson intervals,
// chisquare, adaptive quadrature of the beta posteriors, numpy.cov for the delta method), and
// simulations with known truth on the seeded Rng.
#include "circlewise/ab_test.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/random.h"
#include "circlewise/statistics.h"

using namespace circlewise;
using nlohmann::json;

namespace {

const json& reference() {
  static const json j = [] {
    std::ifstream f(std::string(CIRCLEWISE_FIXTURES) + "/ab_test/reference.json");
    return json::parse(f);
  }();
  return j;
}

::testing::AssertionResult Near(double a, double b, double rel, double abs = 0) {
  if (std::fabs(a - b) <= rel * std::fabs(b) + abs) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs reference " << b << " (diff " << a - b << ")";
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

AnalyzeOptions arms(std::initializer_list<std::pair<double, double>> counts) {
  AnalyzeOptions o;
  size_t i = 0;
  for (auto [n, c] : counts) o.variants.push_back({std::string(1, static_cast<char>('A' + i++)), n, c});
  return o;
}

double binomial(Rng& rng, int n, double p) {
  int k = 0;
  for (int i = 0; i < n; ++i) k += rng.bernoulli(p);
  return k;
}

}  // namespace

// ───────────── sample size ─────────────

TEST(AbSampleSize, MatchesRPowerPropTestDocumentationExample) {
  // R: power.prop.test(p1 = .50, p2 = .75, power = .90)  # => n = 76.7
  SampleSizeOptions o;
  o.baseline_rate = 0.5;
  o.mde = 0.25;
  o.power = 0.9;
  auto r = sample_size(o);
  EXPECT_NEAR(r.exact_per_variant, 76.7, 0.05);
  EXPECT_EQ(r.per_variant, 77u);
  EXPECT_EQ(r.total, 154u);
  // R: power.prop.test(n = 50, p1 = .50, p2 = .75)  # => power = 0.740
  EXPECT_NEAR(conversion_test_power(0.5, 0.75, 50, 0.05, true), 0.740, 0.0005);
}

TEST(AbSampleSize, MatchesEvanMillersCalculatorFormula) {
  for (const auto& c : reference()["evan_miller"]) {
    SampleSizeOptions o;
    o.baseline_rate = c["p"];
    o.mde = c["delta"];
    o.alpha = c["alpha"];
    o.power = c["power"];
    o.formula = SampleSizeFormula::kEvanMiller;
    auto r = sample_size(o);
    EXPECT_TRUE(Near(r.exact_per_variant, c["n"], 1e-10));
    EXPECT_EQ(r.per_variant, static_cast<uint64_t>(std::ceil(c["n"].get<double>())));
  }
}

TEST(AbSampleSize, RelativeEffectIsAFractionOfTheBaseline) {
  SampleSizeOptions a, b;
  a.baseline_rate = b.baseline_rate = 0.04;
  a.mde = 0.004;
  b.mde = 0.1;
  b.relative_mde = true;
  EXPECT_DOUBLE_EQ(sample_size(a).exact_per_variant, sample_size(b).exact_per_variant);
  EXPECT_DOUBLE_EQ(sample_size(b).target_rate, 0.044);
}

TEST(AbSampleSize, MoreVariantsSplitAlphaByBonferroni) {
  SampleSizeOptions three, two;
  three.baseline_rate = two.baseline_rate = 0.1;
  three.mde = two.mde = 0.02;
  three.variants = 3;
  two.alpha = 0.025;
  auto r3 = sample_size(three);
  EXPECT_EQ(r3.comparisons, 2);
  EXPECT_DOUBLE_EQ(r3.alpha_per_comparison, 0.025);
  EXPECT_EQ(r3.per_variant, sample_size(two).per_variant);
  EXPECT_EQ(r3.total, 3 * r3.per_variant);
}

TEST(AbSampleSize, OneSidedNeedsFewerLearnersAndDurationRoundsUp) {
  SampleSizeOptions o;
  o.baseline_rate = 0.2;
  o.mde = 0.05;
  o.daily_traffic = 300;
  auto two = sample_size(o);
  o.two_sided = false;
  auto one = sample_size(o);
  EXPECT_LT(one.per_variant, two.per_variant);
  EXPECT_EQ(two.days, static_cast<int64_t>(std::ceil(two.total / 300.0)));
  EXPECT_GE(two.power_at_per_variant, 0.8);
}

TEST(AbSampleSize, SimulatedTestsAtTheComputedSizeReachTheRequestedPower) {
  // Known truth: rates 0.2 vs 0.25. Run 3000 simulated tests at the computed n and count rejections
  // by the pooled z-test at alpha 0.05; the fraction must be the requested power 0.8 (± 4 SE).
  SampleSizeOptions o;
  o.baseline_rate = 0.2;
  o.mde = 0.05;
  const auto n = static_cast<int>(sample_size(o).per_variant);
  Rng rng(2024);
  const int sims = 3000;
  int rejected = 0;
  for (int s = 0; s < sims; ++s) {
    auto a = arms({{n, binomial(rng, n, 0.2)}, {n, binomial(rng, n, 0.25)}});
    rejected += analyze_conversions(a).comparisons[0].significant;
  }
  const double rate = static_cast<double>(rejected) / sims;
  EXPECT_NEAR(rate, 0.8, 4 * std::sqrt(0.8 * 0.2 / sims));
}

TEST(AbSampleSize, RejectsOutOfRangeOptionsNamingThem) {
  auto size = [](json j) { return error_of([&] { sample_size(sample_size_options_from_json(j)); }); };
  EXPECT_NE(size({{"baselineRate", 0.1}, {"mde", 0.01}, {"alpha", 0}}).find("\"alpha\" must be between 0 and 1"), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 0.1}, {"mde", 0.01}, {"alpha", 1.5}}).find("\"alpha\""), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 1.2}, {"mde", 0.01}}).find("\"baselineRate\" must be between 0 and 1"), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 0.1}, {"mde", 0.01}, {"power", 1}}).find("\"power\""), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 0.9}, {"mde", 0.2}}).find("must stay below 1"), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 0.1}, {"mde", -0.01}}).find("\"mde\""), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 0.1}, {"mde", 0.01}, {"variants", 1}}).find("\"variants\" must be between 2 and 100"), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 0.1}, {"mde", 0.01}, {"formula", "magic"}}).find("\"formula\""), std::string::npos);
  EXPECT_NE(size({{"baselineRate", 0.1}, {"mde", 0.01}, {"alpah", 0.1}}).find("unknown sample size option \"alpah\""), std::string::npos);
  EXPECT_NE(size({{"mde", 0.01}}).find("\"baselineRate\" is required"), std::string::npos);
}

// ───────────── analysis ─────────────

TEST(AbAnalyze, ZTestChiSquareAndIntervalsMatchScipy) {
  for (const auto& t : reference()["conversion_tests"]) {
    AnalyzeOptions o;
    for (const auto& a : t["arms"]) o.variants.push_back({"v" + std::to_string(o.variants.size()), a["visitors"], a["conversions"]});
    auto r = analyze_conversions(o);
    SCOPED_TRACE(t["name"].get<std::string>());
    EXPECT_TRUE(Near(r.chi_square, t["chi_square"], 1e-10, 1e-12));
    EXPECT_TRUE(Near(r.chi_square_p_value, t["chi_square_p"], 1e-9));
    EXPECT_EQ(r.chi_square_df, t["df"].get<int>());
    EXPECT_TRUE(Near(r.srm_chi_square, t["srm_chi_square"], 1e-10, 1e-12));
    EXPECT_TRUE(Near(r.srm_p_value, t["srm_p"], 1e-9));
    EXPECT_TRUE(Near(r.variants[0].ci_low, t["wilson_control"][0], 1e-10));
    EXPECT_TRUE(Near(r.variants[0].ci_high, t["wilson_control"][1], 1e-10));
    for (size_t i = 0; i < r.comparisons.size(); ++i) {
      const auto& c = r.comparisons[i];
      const auto& ref = t["comparisons"][i];
      EXPECT_TRUE(Near(c.z, ref["z"], 1e-10, 1e-12));
      EXPECT_TRUE(Near(c.p_value, ref["p_value"], 1e-9));
      EXPECT_TRUE(Near(c.p_value_adjusted, ref["p_value_adjusted"], 1e-9));
      EXPECT_TRUE(Near(c.diff_ci_low, ref["diff_ci"][0], 1e-10));
      EXPECT_TRUE(Near(c.diff_ci_high, ref["diff_ci"][1], 1e-10));
      EXPECT_TRUE(Near(r.variants[i + 1].ci_low, ref["wilson_variant"][0], 1e-10));
      EXPECT_TRUE(Near(c.prob_beats_control, ref["prob_beats_control"], 1e-8, 1e-10));
      EXPECT_TRUE(Near(c.expected_loss_variant, ref["expected_loss_variant"], 1e-6, 1e-12));
    }
  }
}

TEST(AbAnalyze, TwoArmChiSquareIsTheSquareOfZAndSmallCellsWarn) {
  // Closed-form identity (what R's prop.test(correct = FALSE) relies on): for a 2x2 table the
  // chi-square statistic is z², with the same p-value. Counts as in R's `smokers` example.
  auto r = analyze_conversions(arms({{86, 83}, {93, 90}}));
  EXPECT_NEAR(r.comparisons[0].z * r.comparisons[0].z, r.chi_square, 1e-12);
  EXPECT_NEAR(r.comparisons[0].p_value, r.chi_square_p_value, 1e-12);
  EXPECT_FALSE(r.warnings.empty());  // expected non-converters < 5
}

TEST(AbAnalyze, BayesianClosedFormMatchesNumericalIntegrationAndMonteCarlo) {
  // Non-integer shapes take the numerical path; SciPy quadrature is the reference.
  for (const auto& c : reference()["beta_greater"])
    EXPECT_TRUE(Near(prob_beta_greater(c["a1"], c["b1"], c["a2"], c["b2"]), c["p"], 1e-6, 1e-9));
  // Integer shapes: closed form vs the numerical path at a shape a hair away, vs seeded Monte Carlo.
  const double a1 = 101, b1 = 901, a2 = 121, b2 = 881;
  const double exact = prob_beta_greater(a1, b1, a2, b2);
  EXPECT_NEAR(exact, prob_beta_greater(a1, b1, a2 + 1e-9, b2), 1e-6);
  Rng rng(11);
  const int draws = 400000;
  int wins = 0;
  double loss = 0;
  for (int i = 0; i < draws; ++i) {
    const double x = sample_beta(rng, a1, b1), y = sample_beta(rng, a2, b2);
    wins += y > x;
    loss += std::max(x - y, 0.0);
  }
  EXPECT_NEAR(exact, static_cast<double>(wins) / draws, 4 * std::sqrt(exact * (1 - exact) / draws));
  EXPECT_NEAR(beta_expected_loss(a1, b1, a2, b2), loss / draws, 2e-5);
}

TEST(AbAnalyze, ProbabilityOfBeingBestSumsToOneAndAgreesWithExactPairwise) {
  auto o = arms({{4000, 400}, {4000, 440}, {4000, 380}});
  auto r = analyze_conversions(o);
  double sum = 0;
  for (const auto& v : r.variants) sum += v.prob_best;
  EXPECT_NEAR(sum, 1, 1e-12);
  EXPECT_GT(r.variants[1].prob_best, 0.8);
  // Same seed, same Monte Carlo answer.
  EXPECT_EQ(analyze_conversions(o).variants[1].prob_best, r.variants[1].prob_best);
  // Two arms: exact, and P(best) of the treatment is P(beats control).
  auto two = analyze_conversions(arms({{4000, 400}, {4000, 440}}));
  EXPECT_DOUBLE_EQ(two.variants[1].prob_best, two.comparisons[0].prob_beats_control);
}

TEST(AbAnalyze, SampleRatioMismatchIsFlaggedAgainstThePlannedSplit) {
  const auto& ref = reference()["srm_weighted"];
  auto o = arms({{ref["visitors"][0], 500}, {ref["visitors"][1], 200}});
  o.expected_split = {0.7, 0.3};
  auto r = analyze_conversions(o);
  EXPECT_TRUE(Near(r.srm_chi_square, ref["chi_square"], 1e-10));
  EXPECT_TRUE(Near(r.srm_p_value, ref["p"], 1e-9));
  EXPECT_FALSE(r.sample_ratio_mismatch);  // p ≈ 0.0011 > 0.001
  auto bad = analyze_conversions(arms({{5000, 500}, {5400, 540}}));
  EXPECT_TRUE(bad.sample_ratio_mismatch);
  ASSERT_FALSE(bad.warnings.empty());
  EXPECT_NE(bad.warnings.back().find("sample ratio mismatch"), std::string::npos);
}

TEST(AbAnalyze, SequentialPValueStaysValidUnderContinuousPeekingWhileTheNaiveOneDoesNot) {
  // A/A tests (true rates equal, 10 %): look after every 200 learners per arm, up to 10000, and stop
  // at the first look with p < 0.05. mSPRT's false-positive rate must stay below alpha; the naive
  // z-test's must not (that is the peeking problem the sequential option exists for).
  Rng rng(5);
  const int sims = 400, step = 200, looks = 50;
  int naive_fp = 0, seq_fp = 0;
  for (int s = 0; s < sims; ++s) {
    double ca = 0, cb = 0, n = 0;
    bool naive = false, seq = false;
    for (int l = 0; l < looks; ++l) {
      ca += binomial(rng, step, 0.1);
      cb += binomial(rng, step, 0.1);
      n += step;
      auto o = arms({{n, ca}, {n, cb}});
      o.sequential_tau = 0.01;
      o.draws = 1000;
      const auto c = analyze_conversions(o).comparisons[0];
      naive |= c.p_value < 0.05;
      seq |= c.sequential_p_value < 0.05;
      // The always-valid CI excludes 0 exactly when the always-valid p-value is below alpha.
      ASSERT_EQ(c.sequential_p_value < 0.05, c.sequential_ci_low > 0 || c.sequential_ci_high < 0);
    }
    naive_fp += naive;
    seq_fp += seq;
  }
  EXPECT_GT(naive_fp / double(sims), 0.15);
  EXPECT_LT(seq_fp / double(sims), 0.05);
}

TEST(AbAnalyze, SequentialTestDetectsARealEffect) {
  auto o = arms({{20000, 2000}, {20000, 2300}});
  auto c = analyze_conversions(o).comparisons[0];
  EXPECT_TRUE(c.sequential_significant);
  EXPECT_GT(c.sequential_p_value, c.p_value);  // the price of peeking: less power than the fixed test
  EXPECT_DOUBLE_EQ(analyze_conversions(o).sequential_tau, 0.01);  // default: 10 % of the control rate
}

TEST(AbAnalyze, RejectsBadCountsWithTheVariantNamed) {
  auto an = [](json j) { return error_of([&] { analyze_conversions(analyze_options_from_json(j)); }); };
  json ok = {{"name", "A"}, {"visitors", 100}, {"conversions", 10}};
  EXPECT_NE(an({{"variants", {ok, {{"name", "B"}, {"visitors", 100}, {"conversions", 120}}}}})
                .find("variant \"B\": \"conversions\" (120) cannot exceed \"visitors\" (100)"),
            std::string::npos);
  EXPECT_NE(an({{"variants", {ok, {{"name", "B"}, {"visitors", -5}, {"conversions", 0}}}}}).find("variant \"B\": \"visitors\" must be a non-negative integer"),
            std::string::npos);
  EXPECT_NE(an({{"variants", {ok, {{"name", "B"}, {"visitors", 10}, {"conversions", 2.5}}}}}).find("\"conversions\" must be a non-negative integer"),
            std::string::npos);
  EXPECT_NE(an({{"variants", {ok}}}).find("between 2 and 100 variants"), std::string::npos);
  EXPECT_NE(an({{"variants", {ok, ok}}}).find("used twice"), std::string::npos);
  json b = {{"name", "B"}, {"visitors", 100}, {"conversions", 12}};
  EXPECT_NE(an({{"variants", {ok, b}}, {"alpha", 1}}).find("\"alpha\" must be between 0 and 1"), std::string::npos);
  EXPECT_NE(an({{"variants", {ok, b}}, {"expectedSplit", {1}}}).find("one weight per variant"), std::string::npos);
  EXPECT_NE(an({{"variants", {ok, b}}, {"prior", {{"alpha", 0}}}}).find("\"prior\""), std::string::npos);
  EXPECT_NE(an({{"variants", {ok, {{"name", "B"}, {"visitors", 10}}}}}).find("needs both"), std::string::npos);
}

// ───────────── ratio metrics ─────────────

TEST(AbRatio, DeltaMethodMatchesNumpyCovarianceOnPerLearnerArrays) {
  const auto& ref = reference()["ratio"];
  RatioOptions o;
  for (const auto& a : ref["arms"]) {
    auto x = a["values"].get<std::vector<double>>(), y = a["denominators"].get<std::vector<double>>();
    o.variants.push_back(ratio_sums(a["name"], x.data(), y.data(), x.size()));
  }
  auto r = analyze_ratio(o);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(Near(r.variants[i].value, ref["value"][i], 1e-12));
    EXPECT_TRUE(Near(r.variants[i].std_error, ref["std_error"][i], 1e-9));
  }
  EXPECT_TRUE(Near(r.comparisons[0].z, ref["z"], 1e-9));
  EXPECT_TRUE(Near(r.comparisons[0].p_value, ref["p_value"], 1e-8));
  // Without denominators: the mean per learner and its standard error (SciPy's sem); z equals
  // Welch's t statistic.
  RatioOptions m;
  for (const auto& a : ref["arms"]) {
    auto x = a["values"].get<std::vector<double>>();
    m.variants.push_back(ratio_sums(a["name"], x.data(), nullptr, x.size()));
  }
  auto rm = analyze_ratio(m);
  EXPECT_TRUE(Near(rm.variants[1].value, ref["mean"][1], 1e-12));
  EXPECT_TRUE(Near(rm.variants[1].std_error, ref["mean_std_error"][1], 1e-10));
  EXPECT_TRUE(Near(rm.comparisons[0].z, ref["welch_t"], 1e-10));
}

TEST(AbRatio, SumsAndArraysGiveTheSameResult) {
  const auto& a = reference()["ratio"]["arms"];
  json from_arrays = {{"variants", a}};
  json sums = {{"variants", json::array()}};
  for (const auto& v : a) {
    auto x = v["values"].get<std::vector<double>>(), y = v["denominators"].get<std::vector<double>>();
    sums["variants"].push_back(to_json(ratio_sums(v["name"], x.data(), y.data(), x.size())));
  }
  auto r1 = analyze_ratio(ratio_options_from_json(from_arrays)), r2 = analyze_ratio(ratio_options_from_json(sums));
  EXPECT_DOUBLE_EQ(r1.comparisons[0].z, r2.comparisons[0].z);
  EXPECT_DOUBLE_EQ(r1.comparisons[0].relative_lift, r2.comparisons[0].relative_lift);
}

TEST(AbRatio, DeltaMethodVarianceMatchesSimulatedSamplingVariance) {
  // Known truth by simulation: 2000 samples of 500 learners with correlated sessions and revenue;
  // the spread of the ratio estimates must match the delta-method standard error (within 8 %).
  Rng rng(3);
  const int reps = 2000, n = 500;
  double s = 0, s2 = 0, predicted = 0;
  std::vector<double> x(n), y(n);
  for (int r = 0; r < reps; ++r) {
    for (int i = 0; i < n; ++i) {
      y[i] = 1 + std::floor(rng.exponential(2.0));
      x[i] = rng.bernoulli(0.3) ? y[i] * rng.exponential(8.0) : 0;
    }
    RatioOptions o;
    o.variants = {ratio_sums("A", x.data(), y.data(), n), ratio_sums("B", x.data(), y.data(), n)};
    auto res = analyze_ratio(o);
    s += res.variants[0].value;
    s2 += res.variants[0].value * res.variants[0].value;
    predicted += res.variants[0].std_error;
  }
  const double sd = std::sqrt(s2 / reps - (s / reps) * (s / reps));
  EXPECT_NEAR(predicted / reps / sd, 1, 0.08);
}

TEST(AbRatio, RejectsInconsistentOrMissingInput) {
  auto ra = [](json j) { return error_of([&] { analyze_ratio(ratio_options_from_json(j)); }); };
  json a = {{"name", "A"}, {"n", 100}, {"sum", 500}, {"sumSquares", 4000}};
  EXPECT_NE(ra({{"variants", {a, {{"name", "B"}, {"n", 100}, {"sum", 500}, {"sumSquares", 10}}}}}).find("inconsistent"), std::string::npos);
  EXPECT_NE(ra({{"variants", {a, {{"name", "B"}, {"n", 100}, {"sum", 500}}}}}).find("needs \"n\", \"sum\" and \"sumSquares\""), std::string::npos);
  EXPECT_NE(ra({{"variants", {a, {{"name", "B"}, {"values", {1, 2}}, {"denominators", {1}}}}}}).find("\"denominators\" has 1 entries"), std::string::npos);
  EXPECT_NE(ra({{"variants", {a, {{"name", "B"}, {"n", 1}, {"sum", 5}, {"sumSquares", 25}}}}}).find("\"n\" must be an integer of at least 2"), std::string::npos);
  double bad[] = {1, NAN, 3};
  EXPECT_NE(error_of([&] { ratio_sums("B", bad, nullptr, 3); }).find("values[1] is not a finite number"), std::string::npos);
}

TEST(AbAnalyze, SeededProbabilityOfBeingBestMatchesTheGoldenValuesSharedWithWasm) {
  std::ifstream f(std::string(CIRCLEWISE_FIXTURES) + "/ab_test/golden.json");
  const json golden = json::parse(f)["probBest"];
  auto r = analyze_conversions(analyze_options_from_json(golden["options"]));
  for (size_t i = 0; i < r.variants.size(); ++i) EXPECT_EQ(r.variants[i].prob_best, golden["expected"][i].get<double>());
}
