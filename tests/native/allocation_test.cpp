#include "circlewise/allocation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/random.h"

using namespace circlewise;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

ResponseCurve curve(const std::string& name, CurveModel model, double base, double top, double scale, double shape,
                    double current = 0, double value = 50) {
  ResponseCurve c;
  c.community = name;
  c.params.model = model;
  c.params.base = base;
  c.params.top = top;
  c.params.scale = scale;
  c.params.shape = model == CurveModel::kHill ? shape : 1;
  c.current_spend = current;
  c.value_per_conversion = value;
  return c;
}

// Random curves: a mix of S-curves (shape up to 4), concave Hill curves and exponentials.
std::vector<ResponseCurve> random_curves(Rng& rng, size_t n) {
  std::vector<ResponseCurve> cs;
  for (size_t i = 0; i < n; ++i) {
    bool ex = rng.uniform() < 0.3;
    cs.push_back(curve("c" + std::to_string(i), ex ? CurveModel::kExponential : CurveModel::kHill, 2 * rng.uniform(),
                       10 + 90 * rng.uniform(), 50 + 450 * rng.uniform(), 0.6 + 3.4 * rng.uniform(),
                       100 * rng.uniform(), 10 + 40 * rng.uniform()));
  }
  return cs;
}

double objective(const std::vector<ResponseCurve>& cs, const std::vector<double>& s, AllocationObjective obj) {
  double v = 0;
  for (size_t i = 0; i < cs.size(); ++i) {
    double y = conversions_at(cs[i].params, s[i]);
    if (obj == AllocationObjective::kConversions) v += y;
    else v += cs[i].value_per_conversion * y - (obj == AllocationObjective::kProfit ? s[i] : 0);
  }
  return v;
}

// Exhaustive search over every split of whole units (lo_i + k_i * unit, k_i <= kmax_i, sum k <= total).
double brute_force(const std::function<double(size_t, size_t)>& value, const std::vector<size_t>& kmax, size_t total) {
  std::vector<size_t> k(kmax.size(), 0);
  double best = -INFINITY;
  std::function<void(size_t, size_t, double)> go = [&](size_t i, size_t left, double acc) {
    if (i == kmax.size()) {
      best = std::max(best, acc);
      return;
    }
    for (size_t u = 0; u <= std::min(kmax[i], left); ++u) go(i + 1, left - u, acc + value(i, u));
  };
  go(0, total, 0);
  return best;
}

}  // namespace

TEST(Allocation, GridDpEqualsExhaustiveSearchOnArbitraryTables) {
  // Arbitrary (also non-concave, also decreasing) value tables: the DP must find the optimum.
  Rng rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    size_t n = 1 + rng.below(4), total = 1 + rng.below(14);
    std::vector<std::vector<double>> v(n);
    std::vector<size_t> kmax(n);
    for (size_t i = 0; i < n; ++i) {
      kmax[i] = rng.below(total + 3);
      for (size_t k = 0; k <= kmax[i]; ++k) v[i].push_back(rng.uniform() * 10 - 2);
      kmax[i] = std::min(kmax[i], total);
    }
    auto units = best_grid_split(v, total);
    double got = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_LE(units[i], kmax[i]);
      got += v[i][units[i]];
      used += units[i];
    }
    ASSERT_LE(used, total);
    double want = brute_force([&](size_t i, size_t k) { return v[i][k]; }, kmax, total);
    ASSERT_NEAR(got, want, 1e-12) << "trial " << trial;
  }
}

TEST(Allocation, EqualsExhaustiveSearchOnSmallGridsWithSCurvesAndBindingBounds) {
  Rng rng(2024);
  for (int trial = 0; trial < 150; ++trial) {
    size_t n = 2 + rng.below(3);
    auto cs = random_curves(rng, n);
    AllocationOptions o;
    o.objective = trial % 3 == 0 ? AllocationObjective::kConversions
                  : trial % 3 == 1 ? AllocationObjective::kRevenue
                                   : AllocationObjective::kProfit;
    o.budget = 200 + 1500 * rng.uniform();
    o.grid = 6 + rng.below(12);
    o.refine = false;
    std::vector<double> lo(n), hi(n);
    for (size_t i = 0; i < n; ++i) {
      CommunityConstraint k;
      k.community = cs[i].community;
      k.min = rng.uniform() < 0.5 ? 0 : 100 * rng.uniform();  // some minimums bind
      k.max = k.min + (rng.uniform() < 0.5 ? 150 : 2000) * rng.uniform() + 1;  // some maximums bind
      lo[i] = k.min;
      hi[i] = std::min(k.max, o.budget);
      o.constraints.push_back(k);
    }
    double sum_lo = 0, room_max = 0;
    for (size_t i = 0; i < n; ++i) sum_lo += lo[i], room_max += hi[i] - lo[i];
    if (sum_lo > o.budget) continue;
    auto a = allocate(cs, o);
    double room = std::min(o.budget - sum_lo, room_max);
    double unit = room / static_cast<double>(o.grid);
    std::vector<size_t> kmax(n);
    for (size_t i = 0; i < n; ++i)
      kmax[i] = std::min<size_t>(static_cast<size_t>(std::floor((hi[i] - lo[i]) / unit + 1e-9)), o.grid);
    double want = brute_force(
        [&](size_t i, size_t k) {
          std::vector<ResponseCurve> one{cs[i]};
          return objective(one, {lo[i] + unit * k}, o.objective);
        },
        kmax, o.grid);
    std::vector<double> s;
    for (const auto& p : a.communities) s.push_back(p.spend);
    double got = objective(cs, s, o.objective);
    if (!a.kept_current) {
      ASSERT_NEAR(got, want, 1e-9 * std::max(1.0, std::abs(want))) << "trial " << trial;
    } else {
      ASSERT_GE(got, want - 1e-9 * std::max(1.0, std::abs(want))) << "trial " << trial;
    }
  }
}

TEST(Allocation, RefinedPlanMatchesAFineExhaustiveSearch) {
  // Three communities, continuous optimiser vs brute force on a 600-unit grid: never below it and
  // within the grid's resolution of it.
  Rng rng(99);
  for (int trial = 0; trial < 25; ++trial) {
    auto cs = random_curves(rng, 3);
    AllocationOptions o;
    o.budget = 300 + 1200 * rng.uniform();
    for (auto& c : cs) {
      CommunityConstraint k;
      k.community = c.community;
      k.max = 200 + 800 * rng.uniform();
      o.constraints.push_back(k);
    }
    auto a = allocate(cs, o);
    std::vector<double> s;
    for (const auto& p : a.communities) s.push_back(p.spend);
    double got = objective(cs, s, o.objective);
    const size_t units = 600;
    double unit = o.budget / units;
    std::vector<size_t> kmax;
    for (const auto& k : o.constraints)
      kmax.push_back(std::min<size_t>(units, static_cast<size_t>(std::floor(std::min(k.max, o.budget) / unit))));
    // The last community takes what is left (more spend never lowers conversions).
    double want = -INFINITY;
    for (size_t k0 = 0; k0 <= kmax[0]; ++k0)
      for (size_t k1 = 0; k1 <= std::min(kmax[1], units - k0); ++k1) {
        size_t k2 = std::min(kmax[2], units - k0 - k1);
        want = std::max(want, objective(cs, {k0 * unit, k1 * unit, k2 * unit}, o.objective));
      }
    EXPECT_GE(got, want - 1e-9) << "trial " << trial;
    // Within the grid's resolution: moving each community's spend to a grid point changes the total by
    // at most (steepest slope of any curve) x (one unit) per community.
    double slope = 0;
    for (size_t c = 0; c < cs.size(); ++c) {
      std::vector<double> one(cs.size(), 0.0), two(cs.size(), 0.0);
      for (double x = 0; x <= o.budget; x += unit / 4) {
        one[c] = x;
        two[c] = x + unit / 4;
        slope = std::max(slope, (objective(cs, two, o.objective) - objective(cs, one, o.objective)) / (unit / 4));
      }
    }
    EXPECT_LE(got, want + slope * unit * static_cast<double>(cs.size()) + 1e-9) << "trial " << trial;
  }
}

TEST(Allocation, JumpsPastTheSCurveThresholdWhereMarginalAnalysisWouldNot) {
  // A: concave, small. B: steep S-curve worth much more once past its threshold (~800). Starting
  // from zero, B's marginal return is ~0, so greedy marginal allocation puts everything into A.
  std::vector<ResponseCurve> cs{curve("A", CurveModel::kExponential, 0, 20, 300, 1),
                                curve("B", CurveModel::kHill, 0, 200, 800, 6)};
  AllocationOptions o;
  o.budget = 1200;
  auto a = allocate(cs, o);
  EXPECT_GT(a.communities[1].spend, 800);
  // By hand: everything in A gives < 20; ~1000 in B alone gives 200 * 1000^6 / (800^6 + 1000^6) ≈ 158.
  EXPECT_GT(a.totals.conversions, 150);
  // With too small a budget for the jump, B stays at zero and its note says why.
  o.budget = 300;
  auto small = allocate(cs, o);
  EXPECT_EQ(small.communities[1].status, "at_min");
  EXPECT_NE(small.communities[1].note.find("threshold of its S-curve"), std::string::npos);
}

TEST(Allocation, EqualisesMarginalReturnsAsInTheClosedForm) {
  // Exponential curves without binding bounds: top_i/scale_i * exp(-s_i/scale_i) = lambda, sum s = B
  // gives ln lambda = (sum scale_i ln(top_i/scale_i) - B) / sum scale_i.
  std::vector<ResponseCurve> cs{curve("A", CurveModel::kExponential, 1, 100, 400, 1),
                                curve("B", CurveModel::kExponential, 0, 60, 250, 1),
                                curve("C", CurveModel::kExponential, 3, 150, 900, 1)};
  AllocationOptions o;
  o.budget = 1500;
  o.max_extrapolation = 0;
  for (auto& c : cs) c.max_spend = 0;
  auto a = allocate(cs, o);
  double num = 0, den = 0;
  for (const auto& c : cs) {
    num += c.params.scale * std::log(c.params.top / c.params.scale);
    den += c.params.scale;
  }
  double log_lambda = (num - o.budget) / den;
  for (size_t i = 0; i < cs.size(); ++i) {
    double want = cs[i].params.scale * (std::log(cs[i].params.top / cs[i].params.scale) - log_lambda);
    EXPECT_NEAR(a.communities[i].spend, want, 1e-6 * o.budget) << i;
    EXPECT_NEAR(a.communities[i].marginal_conversions, std::exp(log_lambda), 1e-6);
  }
  EXPECT_NEAR(a.totals.spend, o.budget, 1e-6);
}

TEST(Allocation, BindingBoundsAreReportedAndUnspendableBudgetExplained) {
  std::vector<ResponseCurve> cs{curve("A", CurveModel::kExponential, 0, 100, 100, 1, 50),
                                curve("B", CurveModel::kExponential, 0, 100, 100, 1, 50)};
  cs[0].max_spend = 100;  // extrapolation limit 3x = 300
  AllocationOptions o;
  o.budget = 5000;
  CommunityConstraint b;
  b.community = "B";
  b.max = 200;
  o.constraints.push_back(b);
  auto a = allocate(cs, o);
  EXPECT_EQ(a.communities[0].status, "at_max");
  EXPECT_EQ(a.communities[0].max_source, "extrapolation");
  EXPECT_NEAR(a.communities[0].spend, 300, 1e-9);
  EXPECT_EQ(a.communities[1].status, "at_max");
  EXPECT_EQ(a.communities[1].max_source, "option");
  EXPECT_NEAR(a.totals.spend, 500, 1e-9);
  ASSERT_FALSE(a.notes.empty());
  EXPECT_NE(a.notes[0].find("4500.00 of the budget cannot be spent"), std::string::npos) << a.notes[0];
}

TEST(Allocation, MinimumsAboveBudgetAndUnknownCommunitiesAreClearErrors) {
  std::vector<ResponseCurve> cs{curve("A", CurveModel::kHill, 0, 10, 100, 2)};
  AllocationOptions o;
  o.budget = 100;
  CommunityConstraint k;
  k.community = "A";
  k.min = 150;
  o.constraints.push_back(k);
  EXPECT_NE(error_of([&] { allocate(cs, o); }).find("more than the budget 100.00"), std::string::npos);
  o.constraints[0].community = "Z";
  EXPECT_NE(error_of([&] { allocate(cs, o); }).find("\"Z\" has no response curve"), std::string::npos);
  o.constraints.clear();
  o.objective = AllocationObjective::kRevenue;
  cs[0].value_per_conversion = NAN;
  EXPECT_NE(error_of([&] { allocate(cs, o); }).find("valuePerConversion"), std::string::npos);
  EXPECT_NE(error_of([] { allocation_options_from_json(nlohmann::json{{"budget", -1}}); }).find("\"budget\""),
            std::string::npos);
  EXPECT_NE(error_of([] {
              allocation_options_from_json(nlohmann::json::parse(R"({"communities":{"A":{"min":5,"max":1}}})"));
            }).find("min 5 is above max 1"),
            std::string::npos);
}

TEST(Allocation, HeldFixedCommunityKeepsItsSpend) {
  Rng rng(5);
  auto cs = random_curves(rng, 4);
  auto o = allocation_options_from_json(nlohmann::json::parse(
      R"({"budget":1000,"communities":{"c1":{"fixed":123},"c2":{"fixed":true,"current":77}}})"));
  auto a = allocate(cs, o);
  EXPECT_DOUBLE_EQ(a.communities[1].spend, 123);
  EXPECT_EQ(a.communities[1].status, "fixed");
  EXPECT_DOUBLE_EQ(a.communities[2].spend, 77);
  EXPECT_NEAR(a.totals.spend, 1000, 1e-6);
}

TEST(Allocation, NeverWorseThanAFeasibleCurrentSplit) {
  Rng rng(31);
  for (int trial = 0; trial < 200; ++trial) {
    size_t n = 2 + rng.below(6);
    auto cs = random_curves(rng, n);
    AllocationOptions o;
    o.objective = static_cast<AllocationObjective>(trial % 3);
    double cur = 0;
    for (const auto& c : cs) cur += c.current_spend;
    o.budget = cur * (1 + 0.5 * rng.uniform());
    o.grid = 8 + rng.below(40);  // coarse grids make the current split competitive
    auto a = allocate(cs, o);
    ASSERT_TRUE(a.current_feasible);
    ASSERT_GE(a.totals.objective, a.current.objective - 1e-12 * std::abs(a.current.objective)) << trial;
  }
}

TEST(Allocation, ProfitMaximisingBudgetMatchesClosedForm) {
  // One exponential community: value * top/scale * exp(-s/scale) = 1 → s = scale * ln(value*top/scale).
  std::vector<ResponseCurve> cs{curve("A", CurveModel::kExponential, 2, 100, 400, 1, 0, 20)};
  AllocationOptions o;
  o.mode = AllocationMode::kProfitBudget;
  o.max_extrapolation = 0;
  auto a = allocate(cs, o);
  double want = 400 * std::log(20.0 * 100 / 400);
  EXPECT_NEAR(a.budget, want, 1e-6 * want);
  EXPECT_NEAR(a.communities[0].marginal_value, 1, 1e-6);
  // Profit as a plan objective leaves the rest of a larger budget unspent, and says why.
  o.mode = AllocationMode::kPlan;
  o.objective = AllocationObjective::kProfit;
  o.budget = 5000;
  auto p = allocate(cs, o);
  EXPECT_NEAR(p.totals.spend, want, 1e-6 * want);
  EXPECT_NE(p.notes[0].find("return less than it costs"), std::string::npos) << p.notes[0];
}

TEST(Allocation, LeastBudgetForTargetMatchesClosedFormAndReportsUnreachable) {
  // base + top(1 - exp(-s/scale)) = T → s = -scale ln(1 - (T - base)/top).
  std::vector<ResponseCurve> cs{curve("A", CurveModel::kExponential, 5, 100, 300, 1)};
  AllocationOptions o;
  o.mode = AllocationMode::kTarget;
  o.target = 80;
  o.max_extrapolation = 0;
  auto a = allocate(cs, o);
  double want = -300 * std::log(1 - 75.0 / 100);
  EXPECT_TRUE(a.target_reached);
  EXPECT_NEAR(a.budget, want, 1e-4 * want);
  EXPECT_GE(a.totals.conversions, 80 - 1e-9);
  o.target = 500;
  auto b = allocate(cs, o);
  EXPECT_FALSE(b.target_reached);
  EXPECT_NE(b.notes[0].find("cannot be reached"), std::string::npos);
}

TEST(Allocation, TotalBandComesFromSummedBootstrapSamples) {
  auto c = curve("A", CurveModel::kExponential, 0, 100, 100, 1);
  c.level = 0.5;
  for (double top : {80.0, 90.0, 100.0, 110.0, 120.0}) {
    CurveParams p = c.params;
    p.top = top;
    c.samples.push_back(p);
  }
  auto d = c;
  d.community = "B";
  AllocationOptions o;
  o.budget = 200;
  o.max_extrapolation = 0;
  c.max_spend = d.max_spend = 0;
  auto a = allocate({c, d}, o);
  // Each community gets 100 (symmetric); total = 2 * top * (1 - 1/e); 25%/75% quantiles of
  // top over {80..120} are 90 and 110.
  EXPECT_NEAR(a.communities[0].spend, 100, 1e-6);
  EXPECT_NEAR(a.totals.lower, 2 * 90 * (1 - std::exp(-1)), 1e-6);
  EXPECT_NEAR(a.totals.upper, 2 * 110 * (1 - std::exp(-1)), 1e-6);
}
