// LTV / CAC / payback. References: the closed forms (geometric series) against brute-force sums
// of the per-period cash flows, and a cohort simulated on the seeded Rng with known churn.
#include "circlewise/ltv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/random.h"

using namespace circlewise;
using nlohmann::json;

namespace {
std::string error_of(const json& j) {
  try {
    lifetime_value(ltv_options_from_json(j));
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Brute force: margin·ARPU·Σ_t (1−c)^t / (1+d)^t over a long horizon, and the first T whose partial
// sum reaches cac.
std::pair<double, int64_t> brute(double arpu, double churn, double margin, double d, double cac) {
  double total = 0, alive = 1, disc = 1;
  int64_t payback = -1;
  for (int t = 0; t < 200000; ++t) {
    total += margin * arpu * alive / disc;
    if (payback < 0 && total >= cac) payback = t + 1;
    alive *= 1 - churn;
    disc *= 1 + d;
  }
  return {total, payback};
}
}  // namespace

TEST(Ltv, SimpleModelIsArpuTimesMarginOverChurn) {
  auto r = lifetime_value(ltv_options_from_json({{"arpu", 20}, {"churn", 0.05}, {"margin", 0.8}}));
  EXPECT_EQ(r.model, "simple");
  EXPECT_NEAR(r.ltv, 20 * 0.8 / 0.05, 1e-9);  // the textbook formula: 320
  EXPECT_NEAR(r.expected_lifetime, 20, 1e-12);
}

TEST(Ltv, DiscountingAndPaybackMatchBruteForceSums) {
  for (auto [arpu, churn, margin, d, cac] : std::vector<std::tuple<double, double, double, double, double>>{
           {20, 0.05, 0.8, 0.01, 150}, {9.9, 0.2, 1, 0, 30}, {50, 0.01, 0.6, 0.02, 1000}, {5, 0.5, 1, 0, 11}}) {
    auto r = lifetime_value(ltv_options_from_json(
        {{"arpu", arpu}, {"churn", churn}, {"margin", margin}, {"discountRate", d}, {"cac", cac}}));
    auto [total, payback] = brute(arpu, churn, margin, d, cac);
    EXPECT_NEAR(r.ltv, total, 1e-9 * total);
    EXPECT_EQ(r.payback_periods, payback) << "churn " << churn;
    EXPECT_NEAR(r.ltv_to_cac, total / cac, 1e-9);
    EXPECT_NEAR(r.simple_payback, cac / (arpu * margin), 1e-12);
  }
}

TEST(Ltv, NeverPaysBackWhenLtvIsBelowCac) {
  auto r = lifetime_value(ltv_options_from_json({{"arpu", 10}, {"churn", 0.5}, {"cac", 25}}));
  EXPECT_NEAR(r.ltv, 20, 1e-12);
  EXPECT_EQ(r.payback_periods, -1);
  EXPECT_NE(r.warnings.at(0).find("never pays back"), std::string::npos);
}

TEST(Ltv, GeometricRetentionCurveReproducesTheSimpleModel) {
  // A cohort curve (1−c)^t, extrapolated geometrically, is exactly the simple model.
  std::vector<double> ret;
  for (int t = 0; t < 6; ++t) ret.push_back(std::pow(0.9, t));
  auto cohort = lifetime_value(ltv_options_from_json({{"arpu", 12}, {"retention", ret}, {"discountRate", 0.01}, {"cac", 80}}));
  auto simple = lifetime_value(ltv_options_from_json({{"arpu", 12}, {"churn", 0.1}, {"discountRate", 0.01}, {"cac", 80}}));
  EXPECT_EQ(cohort.model, "cohort");
  EXPECT_NEAR(cohort.ltv, simple.ltv, 1e-9);
  EXPECT_NEAR(cohort.tail_retention, 0.9, 1e-12);
  EXPECT_NEAR(cohort.expected_lifetime, 10, 1e-9);
  EXPECT_EQ(cohort.payback_periods, simple.payback_periods);
  for (size_t t = 0; t < cohort.cumulative.size(); ++t) EXPECT_NEAR(cohort.cumulative[t], simple.cumulative[t], 1e-9);
}

TEST(Ltv, CohortRevenueWithoutExtrapolationIsTheObservedSum) {
  auto r = lifetime_value(ltv_options_from_json(
      {{"cohortRevenue", {4000, 2500, 1800, 1500}}, {"cohortSize", 200}, {"extrapolate", false}, {"margin", 0.5}}));
  EXPECT_NEAR(r.ltv, 0.5 * (4000 + 2500 + 1800 + 1500) / 200.0, 1e-12);
  EXPECT_EQ(r.tail_ltv, 0);
  auto ext = lifetime_value(ltv_options_from_json({{"cohortRevenue", {4000, 2500, 1800, 1500}}, {"cohortSize", 200}, {"margin", 0.5}}));
  const double q = std::cbrt(1500.0 / 4000.0);  // geometric mean of the last three ratios
  EXPECT_NEAR(ext.tail_retention, q, 1e-12);
  EXPECT_NEAR(ext.tail_ltv, 0.5 * 1500 / 200.0 * q / (1 - q), 1e-9);
}

TEST(Ltv, RecoversTheValueOfASimulatedCohortWithKnownChurn) {
  // Simulation with known truth: 20000 customers, churn 8 % a period, ARPU 15. Measured retention
  // over 12 periods → cohort LTV close to the true 15 / 0.08 = 187.5.
  Rng rng(17);
  const int n = 20000, periods = 12;
  std::vector<double> active(periods, 0);
  for (int i = 0; i < n; ++i)
    for (int t = 0; t < periods; ++t) {
      active[t] += 1;
      if (rng.bernoulli(0.08)) break;
    }
  std::vector<double> ret;
  for (double a : active) ret.push_back(a / n);
  auto r = lifetime_value(ltv_options_from_json({{"arpu", 15}, {"retention", ret}}));
  EXPECT_NEAR(r.ltv, 187.5, 187.5 * 0.04);
}

TEST(Ltv, CacFromSpendAndNewCustomers) {
  auto r = lifetime_value(ltv_options_from_json({{"arpu", 10}, {"churn", 0.1}, {"marketingSpend", 5000}, {"newCustomers", 125}}));
  EXPECT_NEAR(r.cac, 40, 1e-12);
  EXPECT_NEAR(r.ltv_to_cac, 2.5, 1e-12);
  EXPECT_EQ(r.payback_periods, 5);  // 10 + 9 + 8.1 + 7.29 = 34.39 < 40 <= 40.951
}

TEST(Ltv, RejectsOutOfRangeInputNamingTheOption) {
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 0}}).find("\"churn\" must be in (0, 1]"), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 1.5}}).find("\"churn\""), std::string::npos);
  EXPECT_NE(error_of({{"arpu", -1}, {"churn", 0.1}}).find("\"arpu\" must be 0 or more"), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 0.1}, {"margin", 0}}).find("\"margin\""), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 0.1}, {"discountRate", 1}}).find("\"discountRate\""), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"retention", {1, 1.2}}}).find("\"retention[1]\" must be a share in [0, 1]"), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}}).find("exactly one of"), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 0.1}, {"retention", {1}}}).find("exactly one of"), std::string::npos);
  EXPECT_NE(error_of({{"cohortRevenue", {1, 2}}}).find("\"cohortSize\""), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 0.1}, {"cac", 5}, {"marketingSpend", 10}, {"newCustomers", 1}}).find("either \"cac\""), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 0.1}, {"marketingSpend", 10}}).find("go together"), std::string::npos);
  EXPECT_NE(error_of({{"arpu", 10}, {"churn", 0.1}, {"arpu2", 1}}).find("unknown LTV option \"arpu2\""), std::string::npos);
}
