// Distribution functions against SciPy 1.10 (tests/fixtures/ab_test/reference.json, written by
// generate_reference.py in that folder) and against published table values.
#include "circlewise/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace circlewise;

namespace {

const nlohmann::json& reference() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(CIRCLEWISE_FIXTURES) + "/ab_test/reference.json");
    return nlohmann::json::parse(f);
  }();
  return j;
}

// |a − b| <= rel·|b| + abs
::testing::AssertionResult Near(double a, double b, double rel, double abs = 0) {
  if (std::fabs(a - b) <= rel * std::fabs(b) + abs) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs reference " << b << " (diff " << a - b << ")";
}

}  // namespace

TEST(Statistics, NormalCdfAndTailMatchScipyIncludingFarTails) {
  for (const auto& c : reference()["normal"]) {
    const double x = c["x"];
    // erfc far in the tail (x = −30, Φ ≈ 5e-198) agrees to ~2e-12 relative between libm and SciPy.
    EXPECT_TRUE(Near(normal_cdf(x), c["cdf"], 1e-11, 1e-300)) << "x=" << x;
    EXPECT_TRUE(Near(normal_sf(x), c["sf"], 1e-11, 1e-300)) << "x=" << x;
  }
}

TEST(Statistics, NormalQuantileMatchesScipyAndPublishedValues) {
  for (const auto& c : reference()["normal_quantile"])
    EXPECT_TRUE(Near(normal_quantile(c["p"]), c["x"], 1e-13)) << "p=" << c["p"];
  // Table values: z_0.975 = 1.959963984540054, z_0.8 = 0.8416212335729143.
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-15);
  EXPECT_NEAR(normal_quantile(0.8), 0.8416212335729143, 1e-15);
  EXPECT_TRUE(std::isnan(normal_quantile(1.5)));
}

TEST(Statistics, NormalQuantileInvertsCdf) {
  for (double p = 1e-6; p < 1; p += 0.0137) EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-15 + 1e-14 * p);
}

TEST(Statistics, ChiSquareCdfAndTailMatchScipy) {
  for (const auto& c : reference()["chi_square"]) {
    const double x = c["x"], k = c["k"];
    EXPECT_TRUE(Near(chi_square_cdf(x, k), c["cdf"], 1e-11, 1e-300)) << "x=" << x << " k=" << k;
    EXPECT_TRUE(Near(chi_square_sf(x, k), c["sf"], 1e-10, 1e-300)) << "x=" << x << " k=" << k;
  }
}

TEST(Statistics, ChiSquareQuantileMatchesScipyAndTables) {
  for (const auto& c : reference()["chi_square_quantile"])
    EXPECT_TRUE(Near(chi_square_quantile(c["p"], c["k"]), c["x"], 1e-11)) << "p=" << c["p"] << " k=" << c["k"];
  EXPECT_NEAR(chi_square_quantile(0.95, 1), 3.841458820694124, 1e-12);  // the familiar 3.84
  EXPECT_NEAR(chi_square_quantile(0.95, 2), 5.991464547107979, 1e-12);
}

TEST(Statistics, BetaCdfMatchesScipyForSmallAndHugeShapes) {
  for (const auto& c : reference()["beta"]) {
    EXPECT_TRUE(Near(beta_cdf(c["x"], c["a"], c["b"]), c["cdf"], 1e-9, 1e-14))
        << "x=" << c["x"] << " a=" << c["a"] << " b=" << c["b"];
  }
}

TEST(Statistics, BetaQuantileMatchesScipy) {
  for (const auto& c : reference()["beta_quantile"])
    EXPECT_TRUE(Near(beta_quantile(c["p"], c["a"], c["b"]), c["x"], 1e-9, 1e-15))
        << "p=" << c["p"] << " a=" << c["a"] << " b=" << c["b"];
}

TEST(Statistics, LogGammaMatchesScipy) {
  for (const auto& c : reference()["log_gamma"]) EXPECT_TRUE(Near(log_gamma(c["x"]), c["value"], 1e-13, 1e-13)) << c["x"];
  EXPECT_NEAR(log_gamma(5), std::log(24.0), 1e-14);  // Γ(5) = 4!
}

TEST(Statistics, OutOfDomainArgumentsGiveNaN) {
  EXPECT_TRUE(std::isnan(beta_cdf(0.5, -1, 2)));
  EXPECT_TRUE(std::isnan(beta_cdf(1.5, 1, 2)));
  EXPECT_TRUE(std::isnan(chi_square_cdf(1, 0)));
  EXPECT_TRUE(std::isnan(log_gamma(-1)));
}

TEST(Statistics, GammaAndBetaDrawsHaveTheRightMoments) {
  // Simulation with known truth: Gamma(k) has mean k and variance k; Beta(a, b) mean a/(a+b).
  Rng rng(7);
  for (double k : {0.3, 1.0, 4.5, 60.0}) {
    const int n = 200000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double x = sample_gamma(rng, k);
      s += x;
      s2 += x * x;
    }
    const double mean = s / n, var = s2 / n - mean * mean;
    EXPECT_NEAR(mean, k, 5 * std::sqrt(k / n)) << "shape " << k;
    EXPECT_NEAR(var / k, 1, 0.03) << "shape " << k;
  }
  double s = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) s += sample_beta(rng, 2, 8);
  EXPECT_NEAR(s / n, 0.2, 5 * std::sqrt(0.2 * 0.8 / 11 / n));
}

TEST(Statistics, DrawsRepeatWithTheSameSeed) {
  Rng a(99), b(99);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(sample_beta(a, 0.7, 3.2), sample_beta(b, 0.7, 3.2));
}
