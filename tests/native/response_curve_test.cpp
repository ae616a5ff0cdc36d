#include "circlewise/response_curve.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/marketing_history.h"

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

CurveParams hill(double base, double top, double scale, double shape, double adstock = 0) {
  CurveParams p;
  p.model = CurveModel::kHill;
  p.base = base;
  p.top = top;
  p.scale = scale;
  p.shape = shape;
  p.adstock = adstock;
  return p;
}

CurveParams expo(double base, double top, double scale) {
  CurveParams p = hill(base, top, scale, 1);
  p.model = CurveModel::kExponential;
  return p;
}

}  // namespace

// ---------------------------------------------------------------- history reader

TEST(ResponseCurveHistory, ReadsColumnsInAnyOrderAndListsIgnoredOnes) {
  auto h = read_marketing_history(
      "Community,period,note,spend,conversions,revenue\n"
      "A,2,x,100,10,500\n"
      "A,1,y,50,6,\n"
      "\"B, the second\",1,z,20.5,1,40\n");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h.communities, (std::vector<std::string>{"A", "B, the second"}));
  EXPECT_EQ(h.periods, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(h.period[0], 1);  // "2" sorts after "1"
  EXPECT_DOUBLE_EQ(h.spend[2], 20.5);
  EXPECT_TRUE(std::isnan(h.revenue[1]));
  EXPECT_EQ(h.ignored_columns, (std::vector<std::string>{"note"}));
}

TEST(ResponseCurveHistory, OrdersNumericPeriodsNumericallyAndTextPeriodsAsText) {
  auto h = read_marketing_history("period,community,spend,conversions\n10,A,1,1\n9,A,1,1\n");
  EXPECT_EQ(h.periods, (std::vector<std::string>{"9", "10"}));
  auto t = read_marketing_history("period,community,spend,conversions\n2024-W10,A,1,1\n2024-W09,A,1,1\n");
  EXPECT_EQ(t.periods, (std::vector<std::string>{"2024-W09", "2024-W10"}));
}

TEST(ResponseCurveHistory, RejectsBadNumberWithLineAndColumn) {
  auto msg = error_of([] { read_marketing_history("period,community,spend,conversions\n1,A,10,2\n2,A,1O,3\n"); });
  EXPECT_NE(msg.find("line 3, column 3 (spend)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"1O\""), std::string::npos) << msg;
}

TEST(ResponseCurveHistory, RejectsNegativeConversionsWithLineAndColumn) {
  auto msg = error_of([] { read_marketing_history("period,community,spend,conversions\n1,A,10,-2\n"); });
  EXPECT_NE(msg.find("line 2, column 4 (conversions): must be >= 0"), std::string::npos) << msg;
}

TEST(ResponseCurveHistory, RejectsMissingRequiredColumnNamingIt) {
  auto msg = error_of([] { read_marketing_history("period,community,conversions\n1,A,2\n"); });
  EXPECT_NE(msg.find("no \"spend\" column"), std::string::npos) << msg;
}

TEST(ResponseCurveHistory, RejectsEmptyRequiredValueAndRaggedRows) {
  EXPECT_NE(error_of([] { read_marketing_history("period,community,spend,conversions\n1,A,,2\n"); })
                .find("line 2, column 3 (spend): spend is required"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_marketing_history("period,community,spend,conversions\n1,A,2\n"); })
                .find("line 2: expected 4 fields"),
            std::string::npos);
}

TEST(ResponseCurveHistory, RejectsDuplicatePeriodOfSameCommunity) {
  auto msg = error_of([] { read_marketing_history("period,community,spend,conversions\n1,A,1,1\n1,B,1,1\n1,A,2,2\n"); });
  EXPECT_NE(msg.find("line 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("already appeared (line 2"), std::string::npos) << msg;
}

TEST(ResponseCurveHistory, LineNumbersCountLinesInsideQuotedFields) {
  auto msg = error_of(
      [] { read_marketing_history("period,community,spend,conversions\n1,\"multi\nline\",1,1\n2,A,x,1\n"); });
  EXPECT_NE(msg.find("line 4, column 3"), std::string::npos) << msg;
}

TEST(ResponseCurveHistory, JsonRowsNameRowAndField) {
  auto rows = nlohmann::json::parse(R"([{"period":1,"community":"A","spend":10,"conversions":1},
                                          {"period":2,"community":"A","spend":"ten","conversions":1}])");
  auto msg = error_of([&] { marketing_history_from_json(rows); });
  EXPECT_NE(msg.find("row 2, field spend"), std::string::npos) << msg;
  auto ok = marketing_history_from_json(nlohmann::json::parse(
      R"([{"period":"2024-01","community":"A","spend":10.5,"conversions":"3","extra":1}])"));
  EXPECT_DOUBLE_EQ(ok.spend[0], 10.5);
  EXPECT_DOUBLE_EQ(ok.conversions[0], 3);
  EXPECT_EQ(ok.ignored_columns, (std::vector<std::string>{"extra"}));
}

TEST(ResponseCurveHistory, SeedMetricsComputedByHand) {
  auto h = read_marketing_history(
      "period,community,spend,conversions,revenue,members,payers,retained\n"
      "1,A,100,10,500,1000,8,\n"
      "2,A,300,20,900,1000,12,6\n"
      "3,A,200,10,600,1000,6,4\n"
      "1,B,50,0,,200,,\n");
  auto ms = community_metrics(h);
  ASSERT_EQ(ms.size(), 2u);
  const auto& a = ms[0];
  EXPECT_EQ(a.periods, 3u);
  EXPECT_DOUBLE_EQ(a.spend, 600);
  EXPECT_DOUBLE_EQ(a.conversions, 40);
  EXPECT_DOUBLE_EQ(a.conversion_rate, 26.0 / 3000);      // payers / members
  EXPECT_DOUBLE_EQ(a.retention, (6.0 + 4) / (8 + 12));   // retained / previous payers
  EXPECT_DOUBLE_EQ(a.payer_ratio, 6.0 / 12);
  EXPECT_DOUBLE_EQ(a.cost_per_conversion, 600.0 / 40);
  EXPECT_DOUBLE_EQ(a.roi, (2000.0 - 600) / 600);
  EXPECT_DOUBLE_EQ(a.value_per_conversion, 2000.0 / 40);
  const auto& b = ms[1];
  EXPECT_DOUBLE_EQ(b.conversion_rate, 0);  // no payers column: conversions are the payers
  EXPECT_TRUE(std::isnan(b.cost_per_conversion));  // no conversions
  EXPECT_TRUE(std::isnan(b.roi));                  // no revenue column values
  EXPECT_TRUE(std::isnan(b.retention));
}

// ---------------------------------------------------------------- curves

TEST(ResponseCurve, MarginalMatchesFiniteDifferenceOfConversions) {
  for (const auto& p : {hill(3, 100, 500, 2.5, 0.4), hill(0, 50, 80, 0.7), expo(1, 70, 300)}) {
    for (double s : {1.0, 50.0, 300.0, 900.0}) {
      double h = 1e-4 * s;
      double fd = (conversions_at(p, s + h) - conversions_at(p, s - h)) / (2 * h);
      EXPECT_NEAR(marginal_at(p, s), fd, 1e-6 * std::max(1.0, std::abs(fd))) << s;
    }
  }
  // Closed forms: Hill at the half-saturation point gives base + top/2; steady adstock scales spend.
  EXPECT_DOUBLE_EQ(conversions_at(hill(2, 100, 400, 3), 400), 52);
  EXPECT_NEAR(conversions_at(hill(0, 100, 400, 1, 0.5), 200), 50, 1e-12);
  EXPECT_NEAR(conversions_at(expo(0, 10, 100), 100), 10 * (1 - std::exp(-1)), 1e-12);
}

TEST(ResponseCurve, RecoversHillSCurveParametersFromNoisyHistory) {
  HistorySimulation sim;
  sim.communities = {"S"};
  sim.truth = {hill(5, 200, 1000, 2.5)};
  sim.noise = 0.05;
  sim.seed = 11;
  auto h = simulate_marketing_history(sim);
  CurveFitOptions o;
  o.model = CurveFitOptions::Model::kHill;
  o.bootstrap = 200;
  auto r = fit_response_curves(h, o);
  ASSERT_EQ(r.curves.size(), 1u);
  const auto& c = r.curves[0];
  EXPECT_NEAR(c.params.top, 200, 0.1 * 200);
  EXPECT_NEAR(c.params.scale, 1000, 0.1 * 1000);
  EXPECT_NEAR(c.params.shape, 2.5, 0.4);
  EXPECT_NEAR(c.params.base, 5, 3);
  EXPECT_GT(c.r2, 0.95);
  EXPECT_LT(c.mape, 0.15);
  EXPECT_EQ(c.samples.size(), 200u);
  // The band at a typical spend covers the true curve and is not absurdly wide.
  auto band = conversions_band(c, 1000);
  double truth = conversions_at(sim.truth[0], 1000);
  EXPECT_LE(band[0], truth);
  EXPECT_GE(band[1], truth);
  EXPECT_LT(band[1] - band[0], 0.1 * truth);
}

TEST(ResponseCurve, RecoversExponentialParametersAndAutoModelTracksTheTruth) {
  HistorySimulation sim;
  sim.communities = {"E"};
  sim.truth = {expo(2, 80, 400)};
  sim.noise = 0.05;
  sim.seed = 3;
  auto h = simulate_marketing_history(sim);
  CurveFitOptions o;
  o.bootstrap = 0;
  o.model = CurveFitOptions::Model::kExponential;
  auto c = fit_response_curves(h, o).curves[0];
  EXPECT_NEAR(c.params.top, 80, 8);
  EXPECT_NEAR(c.params.scale, 400, 50);
  EXPECT_NEAR(c.params.base, 2, 2);
  // "auto" may prefer a Hill curve that mimics it; either way it follows the truth where data exist.
  o.model = CurveFitOptions::Model::kAuto;
  auto a = fit_response_curves(h, o).curves[0];
  EXPECT_LE(a.sse, c.sse * 1.0001 + (a.params.model == CurveModel::kHill ? 1e9 : 0));
  for (double s : {50.0, 200.0, 400.0, 800.0, 1100.0})
    EXPECT_NEAR(conversions_at(a.params, s), conversions_at(sim.truth[0], s), 0.06 * conversions_at(sim.truth[0], s))
        << s;
}

TEST(ResponseCurve, RecoversAdstockWhenAskedToFitIt) {
  HistorySimulation sim;
  sim.communities = {"A"};
  sim.truth = {hill(0, 150, 2000, 1.5, 0.5)};
  sim.noise = 0.03;
  sim.seed = 5;
  auto h = simulate_marketing_history(sim);
  CurveFitOptions o;
  o.model = CurveFitOptions::Model::kHill;
  o.fit_adstock = true;
  o.bootstrap = 0;
  auto c = fit_response_curves(h, o).curves[0];
  EXPECT_NEAR(c.params.adstock, 0.5, 0.1);
  EXPECT_NEAR(c.params.scale, 2000, 400);
  // Ignoring the carry-over fits worse.
  CurveFitOptions none = o;
  none.fit_adstock = false;
  auto c0 = fit_response_curves(h, none).curves[0];
  EXPECT_GT(c0.sse, 2 * c.sse);
}

TEST(ResponseCurve, BandCoversTheTruthAtRoughlyItsLevel) {
  // Simulation with known truth: across independent histories the 90% band should cover the
  // true conversions at a mid spend most of the time (residual bootstrap is a bit optimistic).
  int covered = 0, reps = 30;
  for (int rep = 0; rep < reps; ++rep) {
    HistorySimulation sim;
    sim.communities = {"C"};
    sim.truth = {hill(3, 100, 600, 1.8)};
    sim.noise = 0.15;
    sim.periods = 52;
    sim.seed = 100 + rep;
    CurveFitOptions o;
    o.model = CurveFitOptions::Model::kHill;
    o.bootstrap = 100;
    o.seed = rep;
    auto c = fit_response_curves(simulate_marketing_history(sim), o).curves[0];
    auto b = conversions_band(c, 600);
    double t = conversions_at(sim.truth[0], 600);
    covered += b[0] <= t && t <= b[1];
  }
  EXPECT_GE(covered, 21);  // >= 70% of 30 for a nominal 90%
}

TEST(ResponseCurve, SameSeedSameCurvesDifferentSeedDifferentBootstrap) {
  HistorySimulation sim;
  sim.communities = {"A", "B"};
  sim.truth = {hill(1, 50, 300, 2), expo(0, 30, 200)};
  auto h = simulate_marketing_history(sim);
  CurveFitOptions o;
  o.bootstrap = 20;
  auto a = to_json(fit_response_curves(h, o)), b = to_json(fit_response_curves(h, o));
  EXPECT_EQ(a.dump(), b.dump());
  o.seed = 2;
  auto c = to_json(fit_response_curves(h, o));
  EXPECT_NE(a["curves"][0]["samples"].dump(), c["curves"][0]["samples"].dump());
}

TEST(ResponseCurve, TooFewPointsFailsNamingCommunityOrIsSkippedAndReported) {
  auto h = read_marketing_history(
      "period,community,spend,conversions\n1,A,1,1\n2,A,2,2\n3,A,3,2\n1,B,5,1\n2,B,1,0\n3,B,4,1\n4,B,3,1\n5,B,2,1\n"
      "6,B,6,2\n7,B,7,2\n8,B,8,2\n");
  CurveFitOptions o;
  o.bootstrap = 0;
  auto msg = error_of([&] { fit_response_curves(h, o); });
  EXPECT_NE(msg.find("\"A\": 3 history points, at least 8"), std::string::npos) << msg;
  o.on_too_few = OnTooFewPoints::kSkip;
  auto r = fit_response_curves(h, o);
  ASSERT_EQ(r.curves.size(), 1u);
  EXPECT_EQ(r.curves[0].community, "B");
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].community, "A");
}

TEST(ResponseCurve, ConstantSpendCannotBeFitted) {
  std::string csv = "period,community,spend,conversions\n";
  for (int i = 1; i <= 10; ++i) csv += std::to_string(i) + ",A,100," + std::to_string(i % 3) + "\n";
  auto h = read_marketing_history(csv);
  auto msg = error_of([&] { fit_response_curves(h, CurveFitOptions{}); });
  EXPECT_NE(msg.find("spend never varies"), std::string::npos) << msg;
}

TEST(ResponseCurve, OptionsRejectOutOfRangeValuesNamingThem) {
  EXPECT_NE(error_of([] { curve_fit_options_from_json(nlohmann::json{{"level", 1.5}}); }).find("\"level\""),
            std::string::npos);
  EXPECT_NE(error_of([] { curve_fit_options_from_json(nlohmann::json{{"adstock", 1}}); }).find("[0, 0.95]"),
            std::string::npos);
  EXPECT_NE(error_of([] { curve_fit_options_from_json(nlohmann::json{{"model", "linear"}}); }).find("\"model\""),
            std::string::npos);
  EXPECT_NE(error_of([] { curve_fit_options_from_json(nlohmann::json{{"bootstrp", 1}}); }).find("unknown"),
            std::string::npos);
}

TEST(ResponseCurve, SimulationOptionsRefuseFractionalCountsInsteadOfTruncating) {
  EXPECT_EQ(error_of([] { history_simulation_from_json(nlohmann::json{{"periods", 10.5}}); }),
            "option \"periods\" must be an integer in [2, 10000]");
  EXPECT_EQ(error_of([] { history_simulation_from_json(nlohmann::json{{"communities", 2.5}}); }),
            "option \"communities\" must be an integer in [1, 1000]");
  EXPECT_NE(error_of([] { history_simulation_from_json(nlohmann::json{{"seed", 1.5}}); }).find("\"seed\" must be an integer"),
            std::string::npos);
  EXPECT_EQ(history_simulation_from_json(nlohmann::json{{"communities", 3}, {"periods", 10.0}}).periods, 10u);
}

TEST(ResponseCurve, JsonRoundTripKeepsParametersAndSamples) {
  HistorySimulation sim;
  sim.communities = {"A"};
  sim.truth = {hill(1, 50, 300, 2)};
  CurveFitOptions o;
  o.bootstrap = 5;
  auto r = fit_response_curves(simulate_marketing_history(sim), o);
  auto back = curves_from_json(to_json(r));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_DOUBLE_EQ(back[0].params.scale, r.curves[0].params.scale);
  EXPECT_DOUBLE_EQ(back[0].params.shape, r.curves[0].params.shape);
  ASSERT_EQ(back[0].samples.size(), 5u);
  EXPECT_DOUBLE_EQ(back[0].samples[4].top, r.curves[0].samples[4].top);
  EXPECT_DOUBLE_EQ(back[0].current_spend, r.curves[0].current_spend);
  auto msg = error_of([] {
    curves_from_json(nlohmann::json::parse(R"([{"community":"A","model":"hill","top":10,"scale":-1}])"));
  });
  EXPECT_NE(msg.find("curve 1 (\"A\"): field \"scale\""), std::string::npos) << msg;
}
