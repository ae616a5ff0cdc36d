// Churn risk (BG/NBD), spend (Gamma-Gamma), CLV and conversion per community.
// References: the likelihood and P(alive) against brute-force numerical integration over the
// individual-level model (lambda, p) / (nu); parameter recovery on data simulated from known
// parameters (the published CDNOW estimates of Fader, Hardie & Lee 2005 are used as the truth,
// since the CDNOW data are not available here); closed-form identities for 2F1 and E[X(t)];
// summaries and conversion tables worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "circlewise/churn.h"
#include "circlewise/customer_value.h"
#include "circlewise/error.h"
#include "circlewise/event_reader.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

namespace {

// The published CDNOW estimates (FHL 2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (weeks).
const BgNbdParams kCdnow{0.243, 4.414, 0.793, 2.426};

// Brute force: integrate the individual-level likelihood of FHL 2005 eq. (3),
//   L(lambda, p) = (1-p)^x lambda^x e^{-lambda T} + [x>0] p (1-p)^(x-1) lambda^x e^{-lambda t_x},
// against Gamma(r, alpha) x Beta(a, b) on a fine grid (midpoint rule after the substitution
// lambda = u / (1 - u), which maps (0, inf) to (0, 1)). Returns {log L, P(alive)}.
std::pair<double, double> brute_force(const BgNbdParams& q, double x, double tx, double T) {
  const int nl = 4000, np = 2000;
  const double log_norm_g = q.r * std::log(q.alpha) - std::lgamma(q.r);
  const double log_norm_b = std::lgamma(q.a + q.b) - std::lgamma(q.a) - std::lgamma(q.b);
  std::vector<double> pw(np), palive(np), pdead(np);
  double alive_int = 0, total_int = 0;
  for (int j = 0; j < np; ++j) {
    double p = (j + 0.5) / np;
    double fb = std::exp(log_norm_b + (q.a - 1) * std::log(p) + (q.b - 1) * std::log1p(-p)) / np;
    palive[j] = fb * std::pow(1 - p, x);
    pdead[j] = x > 0 ? fb * p * std::pow(1 - p, x - 1) : 0;
  }
  double sa = 0, sd = 0;
  for (double v : palive) sa += v;
  for (double v : pdead) sd += v;
  for (int i = 0; i < nl; ++i) {
    double u = (i + 0.5) / nl, lam = u / (1 - u), jac = 1 / ((1 - u) * (1 - u)) / nl;
    double fg = std::exp(log_norm_g + (q.r - 1) * std::log(lam) - q.alpha * lam) * jac;
    double lx = std::pow(lam, x);
    alive_int += fg * lx * std::exp(-lam * T) * sa;
    total_int += fg * lx * std::exp(-lam * tx) * sd;
  }
  total_int += alive_int;
  return {std::log(total_int), alive_int / total_int};
}

double fit_ll_at(const PurchaseSummary& s, const BgNbdParams& p) {
  double ll = 0;
  for (size_t i = 0; i < s.size(); ++i) ll += bgnbd_log_likelihood(p, s.frequency[i], s.recency[i], s.T[i]);
  return ll;
}

EventLog log_from(const std::string& csv) { return read_events(csv); }

}  // namespace

TEST(ChurnLikelihood, MatchesBruteForceIntegrationOfTheIndividualModel) {
  // Smooth densities (shapes > 1) so the midpoint rule is accurate.
  const BgNbdParams q{2.0, 3.0, 2.5, 4.0};
  const double cases[][3] = {{0, 0, 5}, {1, 2, 5}, {3, 4.5, 6}, {7, 10, 12}, {2, 0.5, 20}};
  for (const auto& c : cases) {
    auto [ll, alive] = brute_force(q, c[0], c[1], c[2]);
    EXPECT_NEAR(bgnbd_log_likelihood(q, c[0], c[1], c[2]), ll, 1e-4) << "x=" << c[0] << " tx=" << c[1];
    EXPECT_NEAR(bgnbd_p_alive(q, c[0], c[1], c[2]), alive, 1e-4) << "x=" << c[0] << " tx=" << c[1];
  }
}

TEST(ChurnLikelihood, MatchesThePapersEquationSixWrittenOutDirectly) {
  // FHL 2005 eq. (6) with Beta and Gamma functions evaluated directly (no log-sum-exp arrangement).
  auto beta = [](double x, double y) { return std::tgamma(x) * std::tgamma(y) / std::tgamma(x + y); };
  for (const BgNbdParams& q : {kCdnow, BgNbdParams{1.5, 0.7, 3.0, 0.9}}) {
    const double cases[][3] = {{0, 0, 30}, {1, 3, 30}, {4, 20, 38}, {9, 35.5, 36}};
    for (const auto& c : cases) {
      const double x = c[0], tx = c[1], T = c[2];
      double common = std::tgamma(q.r + x) * std::pow(q.alpha, q.r) / std::tgamma(q.r);
      double L = beta(q.a, q.b + x) / beta(q.a, q.b) * common / std::pow(q.alpha + T, q.r + x);
      if (x > 0) L += beta(q.a + 1, q.b + x - 1) / beta(q.a, q.b) * common / std::pow(q.alpha + tx, q.r + x);
      EXPECT_NEAR(bgnbd_log_likelihood(q, x, tx, T), std::log(L), 1e-10);
    }
  }
}

TEST(ChurnHypergeometric, MatchesClosedFormsOnBothSidesOfEulersTransformation) {
  for (double z : {0.0, 0.1, 0.5, 0.9, 0.99}) {
    // 2F1(1,1;2;z) = -ln(1-z)/z (plain series).
    double expect = z == 0 ? 1 : -std::log1p(-z) / z;
    EXPECT_NEAR(hypergeometric_2f1(1, 1, 2, z), expect, 1e-12 * expect);
    // 2F1(a,b;b;z) = (1-z)^-a (a + b - c > 0: goes through Euler's transformation).
    EXPECT_NEAR(hypergeometric_2f1(2.5, 1.7, 1.7, z), std::pow(1 - z, -2.5), 1e-10 * std::pow(1 - z, -2.5));
  }
  EXPECT_THROW(hypergeometric_2f1(1, 1, 2, 1.0), InputError);
}

TEST(ChurnPrediction, UnconditionalExpectationMatchesSimulation) {
  // Learners observed for exactly t = 39 weeks: their mean repeat purchases estimate E[X(t)].
  const double t = 39;
  auto s = simulate_bgnbd(kCdnow, 200000, t, t, 11);
  double mean = 0, sq = 0;
  for (double f : s.frequency) mean += f;
  mean /= static_cast<double>(s.size());
  for (double f : s.frequency) sq += (f - mean) * (f - mean);
  const double se = std::sqrt(sq / static_cast<double>(s.size() - 1) / static_cast<double>(s.size()));
  EXPECT_NEAR(bgnbd_expected_purchases_new(kCdnow, t), mean, 4 * se);
  // Just after a first purchase the conditional expectation is the unconditional one.
  EXPECT_NEAR(bgnbd_expected_purchases(kCdnow, t, 0, 0, 0), bgnbd_expected_purchases_new(kCdnow, t), 1e-10);
}

TEST(ChurnPrediction, ConditionalExpectationsAverageToTheGrowthOfTheUnconditional) {
  // Tower rule: averaged over learners observed for T0, E[Y(t) | history] = E[X(T0+t)] - E[X(T0)].
  const double T0 = 26, t = 13;
  for (const BgNbdParams& q : {kCdnow, BgNbdParams{2.0, 8.0, 3.0, 2.0}}) {
    auto s = simulate_bgnbd(q, 100000, T0, T0, 5);
    std::vector<double> y(s.size());
    for (size_t i = 0; i < s.size(); ++i) y[i] = bgnbd_expected_purchases(q, t, s.frequency[i], s.recency[i], T0);
    double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size()), sq = 0;
    for (double v : y) sq += (v - mean) * (v - mean);
    const double se = std::sqrt(sq / static_cast<double>(y.size() - 1) / static_cast<double>(y.size()));
    const double expect = bgnbd_expected_purchases_new(q, T0 + t) - bgnbd_expected_purchases_new(q, T0);
    EXPECT_NEAR(mean, expect, 4 * se + 1e-9) << "a=" << q.a;
  }
}

TEST(ChurnPrediction, PAliveRisesWithRecencyAndFallsWithAge) {
  for (double tx = 1; tx < 30; tx += 1)
    EXPECT_LT(bgnbd_p_alive(kCdnow, 3, tx, 30), bgnbd_p_alive(kCdnow, 3, tx + 1, 30));
  for (double T = 10; T < 60; T += 5) EXPECT_GT(bgnbd_p_alive(kCdnow, 3, 10, T), bgnbd_p_alive(kCdnow, 3, 10, T + 5));
  EXPECT_EQ(bgnbd_p_alive(kCdnow, 0, 0, 30), 1.0);  // no repeat purchase: no chance to have dropped out
}

TEST(ChurnFit, RecoversTheParametersItWasSimulatedFrom) {
  // CDNOW-like: 20,000 learners observed 27-39 weeks.
  auto s = simulate_bgnbd(kCdnow, 20000, 27, 39, 2024);
  auto fit = fit_bgnbd(s);
  EXPECT_TRUE(fit.converged);
  EXPECT_TRUE(fit.warnings.empty());
  EXPECT_NEAR(fit.params.r, kCdnow.r, 0.1 * kCdnow.r);
  EXPECT_NEAR(fit.params.alpha, kCdnow.alpha, 0.15 * kCdnow.alpha);
  EXPECT_NEAR(fit.params.a, kCdnow.a, 0.3 * kCdnow.a);
  EXPECT_NEAR(fit.params.b, kCdnow.b, 0.35 * kCdnow.b);
  // It is a maximum: at least as good as the truth, and its reported value is the plain sum.
  EXPECT_GE(fit.log_likelihood, fit_ll_at(s, kCdnow) - 1e-6);
  EXPECT_NEAR(fit.log_likelihood, fit_ll_at(s, fit.params), 1e-6 * std::abs(fit.log_likelihood));
  // ...and no nearby point is better (each parameter moved by 1% either way).
  for (int k = 0; k < 4; ++k)
    for (double f : {0.99, 1.01}) {
      BgNbdParams q = fit.params;
      double* v[] = {&q.r, &q.alpha, &q.a, &q.b};
      *v[k] *= f;
      EXPECT_LE(fit_ll_at(s, q), fit.log_likelihood + 1e-6) << "parameter " << k << " x" << f;
    }
}

TEST(ChurnFit, RecoversADifferentRegimeWithFrequentBuyers) {
  const BgNbdParams truth{3.0, 10.0, 1.5, 6.0};
  auto s = simulate_bgnbd(truth, 20000, 50, 200, 7);
  auto fit = fit_bgnbd(s);
  EXPECT_NEAR(fit.params.r, truth.r, 0.12 * truth.r);
  EXPECT_NEAR(fit.params.alpha, truth.alpha, 0.12 * truth.alpha);
  EXPECT_NEAR(fit.params.a, truth.a, 0.25 * truth.a);
  EXPECT_NEAR(fit.params.b, truth.b, 0.3 * truth.b);
}

TEST(ChurnFit, DegenerateInputsGiveClearErrors) {
  PurchaseSummary one{{"a"}, {2}, {5}, {10}, {20}};
  try {
    fit_bgnbd(one);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "the churn model needs at least 2 learners with a purchase; got 1");
  }
  PurchaseSummary none{{"a", "b", "c"}, {0, 0, 0}, {0, 0, 0}, {5, 8, 9}, {0, 0, 0}};
  EXPECT_THROW(
      {
        try {
          fit_bgnbd(none);
        } catch (const InputError& e) {
          EXPECT_NE(std::string(e.what()).find("no learner made a repeat purchase"), std::string::npos);
          throw;
        }
      },
      InputError);
  BgNbdFitOptions bad;
  bad.max_evaluations = 5;
  PurchaseSummary two{{"a", "b"}, {1, 0}, {3, 0}, {5, 5}, {10, 0}};
  EXPECT_THROW(fit_bgnbd(two, bad), InputError);
}

TEST(ChurnFit, TinyDataFitsButWarnsWhenAParameterIsNotIdentified) {
  // Two learners: the MLE exists only at the edge of the parameter space; the answer is
  // documented as "fitted, with a warning" rather than an error.
  PurchaseSummary two{{"a", "b"}, {1, 0}, {3, 0}, {5, 5}, {10, 0}};
  auto fit = fit_bgnbd(two);
  EXPECT_FALSE(fit.warnings.empty());
  EXPECT_TRUE(std::isfinite(fit.log_likelihood));
}

TEST(ChurnSpend, LikelihoodMatchesIntegrationOverTheLearnersRate) {
  // The mean m of x Gamma(p, nu) amounts is Gamma(p x, x nu); nu ~ Gamma(q, gamma). Integrate.
  const GammaGammaParams g{6.25, 3.74, 15.44};
  for (auto [x, m] : {std::pair{1.0, 20.0}, {3.0, 35.0}, {10.0, 12.5}}) {
    const int n = 200000;
    double integral = 0;
    for (int i = 0; i < n; ++i) {
      double u = (i + 0.5) / n, nu = u / (1 - u), jac = 1 / ((1 - u) * (1 - u)) / n;
      double log_prior = g.q * std::log(g.gamma) - std::lgamma(g.q) + (g.q - 1) * std::log(nu) - g.gamma * nu;
      double k = g.p * x, rate = x * nu;
      double log_m = k * std::log(rate) - std::lgamma(k) + (k - 1) * std::log(m) - rate * m;
      integral += std::exp(log_prior + log_m) * jac;
    }
    EXPECT_NEAR(gamma_gamma_log_likelihood(g, x, m), std::log(integral), 1e-5) << "x=" << x;
  }
}

TEST(ChurnSpend, RecoversSpendParametersFromSimulatedData) {
  // Fader & Hardie's CDNOW spend estimates as the truth.
  const GammaGammaParams truth{6.25, 3.74, 15.44};
  auto s = simulate_bgnbd({1.0, 2.0, 0.5, 3.0}, 20000, 30, 40, 99, truth);
  auto fit = fit_gamma_gamma(s.frequency, s.monetary);
  EXPECT_GT(fit.learners, 5000u);
  EXPECT_EQ(fit.learners + fit.skipped_no_repeat + fit.skipped_no_amount, s.size());
  EXPECT_NEAR(fit.params.p, truth.p, 0.15 * truth.p);
  EXPECT_NEAR(fit.params.q, truth.q, 0.15 * truth.q);
  EXPECT_NEAR(fit.params.gamma, truth.gamma, 0.25 * truth.gamma);
  EXPECT_NEAR(fit.mean_spend, truth.p * truth.gamma / (truth.q - 1), 0.05 * truth.p * truth.gamma / (truth.q - 1));
  EXPECT_LT(std::abs(fit.frequency_monetary_correlation), 0.1);  // independent by construction
  // Expected spend shrinks a learner's own mean towards the population mean.
  const double pop = gamma_gamma_expected_spend(fit.params, 0, 0);
  const double own = 100;
  const double e = gamma_gamma_expected_spend(fit.params, 3, own);
  EXPECT_GT(e, pop);
  EXPECT_LT(e, own);
}

TEST(ChurnSpend, FewerThanTwoUsableLearnersIsAClearError) {
  EXPECT_THROW(fit_gamma_gamma({0, 2, 3}, {0, std::nan(""), 0}), InputError);
}

TEST(ChurnClv, UndiscountedClvTelescopesToSpendTimesExpectedPurchases) {
  auto s = simulate_bgnbd({0.8, 5.0, 0.7, 2.5}, 3000, 20, 40, 3, GammaGammaParams{5, 4, 20});
  ChurnOptions o;
  o.clv.periods = 6;
  o.clv.step = 4;
  o.clv.discount_rate = 0;
  o.clv.margin = 0.5;
  o.horizon = 24;
  auto a = analyze_churn(s, o);
  ASSERT_TRUE(a.spend.has_value());
  for (size_t i = 0; i < s.size(); i += 97) {
    EXPECT_NEAR(a.clv[i], 0.5 * a.expected_spend[i] * a.expected_purchases[i], 1e-9 * (1 + a.clv[i]));
  }
  // Discounting can only lower it.
  o.clv.discount_rate = 0.05;
  auto d = analyze_churn(s, o);
  for (size_t i = 0; i < s.size(); i += 97) EXPECT_LE(d.clv[i], a.clv[i] + 1e-12);
}

TEST(ChurnSummary, BuildsFrequencyRecencyAndAgeFromTheLogByHand) {
  auto log = log_from(
      "user_id,item_id,event,ts,amount,community\n"
      "a,c1,purchase,2025-01-01T10:00:00Z,10,club\n"
      "a,c2,purchase,2025-01-01T18:00:00Z,5,club\n"   // same day: merged into one period
      "a,c3,purchase,2025-01-04,20,club\n"
      "a,c4,purchase,2025-01-11,,club\n"              // no amount: counts, adds no spend
      "a,c5,purchase,2025-01-11,30,club\n"
      "b,c1,purchase,2025-01-05,49,\n"
      "c,c1,view,2025-01-02,,club\n"
      "d,c1,purchase,2025-01-25,99,\n"                // after asOf: ignored, counted
      "d,c1,view,2025-01-03,,\n");
  PurchaseSummaryOptions o;
  o.as_of_ms = 1737331200000;  // 2025-01-20T00:00:00Z
  PurchaseSummaryReport rep;
  auto s = purchase_summary(log, o, &rep);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.learners[0], "a");
  EXPECT_EQ(s.frequency[0], 2);   // days 0 (twice), 3, 10 -> 3 periods -> 2 repeats
  EXPECT_EQ(s.recency[0], 10);
  EXPECT_EQ(s.T[0], 19);
  EXPECT_EQ(s.monetary[0], (20 + 30) / 2.0);
  EXPECT_EQ(s.learners[1], "b");
  EXPECT_EQ(s.frequency[1], 0);
  EXPECT_EQ(s.recency[1], 0);
  EXPECT_EQ(s.T[1], 15);
  EXPECT_EQ(s.monetary[1], 0);
  EXPECT_EQ(rep.learners, 4u);
  EXPECT_EQ(rep.learners_without_purchase, 2u);  // c (never bought) and d (only after asOf)
  EXPECT_EQ(rep.purchases, 6u);
  EXPECT_EQ(rep.purchases_after_as_of, 1u);
  EXPECT_EQ(rep.purchases_merged, 2u);
  EXPECT_EQ(rep.purchases_without_amount, 1u);
  // Weeks start on Monday: Wed Jan 1 and Sat Jan 4 share the week of Mon Dec 30; Sat Jan 11 is
  // in the next; asOf Mon Jan 20 starts the fourth.
  o.unit = ChurnTimeUnit::kWeeks;
  auto w = purchase_summary(log, o);
  EXPECT_EQ(w.frequency[0], 1);
  EXPECT_EQ(w.recency[0], 1);
  EXPECT_EQ(w.T[0], 3);
}

TEST(ChurnSummary, DefaultAsOfIsTheLastEventOfTheLog) {
  auto log = log_from("user_id,event,ts,amount\na,purchase,2025-01-01,1\na,purchase,2025-01-03,1\nb,view,2025-01-09,\n");
  PurchaseSummaryReport rep;
  auto s = purchase_summary(log, {}, &rep);
  EXPECT_EQ(rep.as_of_ms, 1736380800000);  // 2025-01-09
  EXPECT_EQ(s.T[0], 8);
}

TEST(ChurnSummaryCsv, ReadsATableWithAnyColumnOrderAndOptionalSpend) {
  auto s = read_purchase_summary_csv("\xEF\xBB\xBFT,recency,frequency,learner,monetary_value,extra\r\n"
                                     "30,10,2,\"x,1\",25.5,z\r\n40,0,0,y,,z\r\n\r\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.learners[0], "x,1");
  EXPECT_EQ(s.frequency[0], 2);
  EXPECT_EQ(s.recency[0], 10);
  EXPECT_EQ(s.T[0], 30);
  EXPECT_EQ(s.monetary[0], 25.5);
  EXPECT_TRUE(std::isnan(s.monetary[1]));
}

TEST(ChurnSummaryCsv, RejectsBadRowsNamingLineAndColumn) {
  const std::string h = "learner,frequency,recency,T\n";
  const std::pair<std::string, std::string> cases[] = {
      {h + "a,1,5,10\nb,2,12,10\n",
       "line 3, column \"recency\": 12 is greater than T = 10 (the last purchase cannot be after the end of observation)"},
      {h + "a,-1,0,10\n", "line 2, column \"frequency\": -1 is negative (must be >= 0)"},
      {h + "a,1,NaN,10\n", "line 2, column \"recency\": is NaN (a number is required)"},
      {h + "a,1,2,inf\n", "line 2, column \"T\": \"inf\" is not a number"},
      {h + "a,1.5,2,10\n", "line 2, column \"frequency\": 1.5 is not a whole number of repeat purchases"},
      {h + "a,0,3,10\n", "line 2, column \"recency\": 3 with frequency 0 (recency must be 0 when there is no repeat purchase)"},
      {h + "a,1,,10\n", "line 2, column \"recency\": empty (a number is required)"},
      {h + "a,1,2\n", "line 2: 3 fields, the header has 4"},
      {"learner,frequency,T\na,1,2\n", "line 1: missing required column \"recency\" (the header needs learner, frequency, recency, T; monetary_value is optional)"},
      {"", "the summary table is empty (expected a header: learner,frequency,recency,T)"},
      {h, "the summary table has a header but no rows"},
      {"learner,frequency,recency,T,monetary_value\na,1,2,5,-3\n", "line 2, column \"monetary_value\": -3 is negative (must be >= 0)"},
      {h + "a,1,2,5\nb,0,0,5\na,2,3,5\n",
       "line 4, column \"learner\": duplicate learner \"a\" (first on line 2); a summary has one row per learner"},
  };
  for (const auto& [csv, msg] : cases) {
    try {
      read_purchase_summary_csv(csv);
      ADD_FAILURE() << "accepted: " << csv;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), msg);
    }
  }
}

TEST(ChurnSummaryJson, RowsFromJsNameRowAndField) {
  auto s = purchase_summary_from_json(nlohmann::json::parse(
      R"([{"learner":"a","frequency":2,"recency":5,"T":9,"monetary":12},{"learner":"b","frequency":0,"recency":0,"T":3}])"));
  EXPECT_EQ(s.monetary[0], 12);
  EXPECT_EQ(s.monetary[1], 0);
  try {
    purchase_summary_from_json(nlohmann::json::parse(R"([{"learner":"a","frequency":2,"recency":null,"T":9}])"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "row 1, column \"recency\": missing or not a number (NaN)");
  }
}

TEST(ChurnOptionsJson, RejectsUnknownAndOutOfRangeOptions) {
  EXPECT_THROW(churn_options_from_json(nlohmann::json::parse(R"({"unit":"months"})")), InputError);
  EXPECT_THROW(churn_options_from_json(nlohmann::json::parse(R"({"horizon":-1})")), InputError);
  EXPECT_THROW(churn_options_from_json(nlohmann::json::parse(R"({"asOf":"2025-13-01"})")), InputError);
  EXPECT_THROW(churn_options_from_json(nlohmann::json::parse(R"({"horizonn":3})")), InputError);
  auto o = churn_options_from_json(nlohmann::json::parse(R"({"unit":"weeks","asOf":"2025-06-30","horizon":4})"));
  EXPECT_EQ(o.summary.unit, ChurnTimeUnit::kWeeks);
  EXPECT_EQ(o.summary.as_of_ms, 1751241600000);
  EXPECT_EQ(o.horizon, 4);
}

TEST(Conversion, CountsPayingLearnersAndRevenuePerCommunityByHand) {
  auto log = log_from(
      "user_id,event,ts,amount,community\n"
      "a,join,2025-01-01,,club\n"
      "a,purchase,2025-01-02,10,\n"   // untagged purchase: attributed to a's community
      "b,join,2025-01-01,,club\n"
      "c,join,2025-01-01,,guild\n"
      "c,purchase,2025-01-03,30,guild\n"
      "c,purchase,2025-01-04,,guild\n"  // no amount: paying, no revenue
      "d,view,2025-01-01,,\n"
      "e,purchase,2025-01-01,7,\n");
  auto t = conversion_by_community(log);
  ASSERT_EQ(t.communities.size(), 3u);
  EXPECT_EQ(t.communities[0].community, "guild");
  EXPECT_EQ(t.communities[0].learners, 1u);
  EXPECT_EQ(t.communities[0].paying_learners, 1u);
  EXPECT_EQ(t.communities[0].revenue, 30);
  EXPECT_EQ(t.communities[1].community, "club");
  EXPECT_EQ(t.communities[1].learners, 2u);
  EXPECT_EQ(t.communities[1].paying_learners, 1u);
  EXPECT_DOUBLE_EQ(t.communities[1].conversion_rate, 0.5);
  EXPECT_EQ(t.communities[1].revenue, 10);
  EXPECT_EQ(t.communities[2].community, "(none)");
  EXPECT_EQ(t.communities[2].learners, 2u);
  EXPECT_EQ(t.communities[2].paying_learners, 1u);
  EXPECT_EQ(t.communities[2].revenue, 7);
  EXPECT_EQ(t.overall.learners, 5u);
  EXPECT_EQ(t.overall.paying_learners, 3u);
  EXPECT_EQ(t.overall.revenue, 47);
  EXPECT_EQ(t.learners_without_community, 2u);
  EXPECT_EQ(t.purchases_without_amount, 1u);
}

TEST(Conversion, WilsonIntervalMatchesPublishedValues) {
  double lo, hi;
  wilson_interval(5, 10, lo, hi);  // Wilson (1927) / Newcombe (1998): 0.2366 - 0.7634
  EXPECT_NEAR(lo, 0.2366, 5e-5);
  EXPECT_NEAR(hi, 0.7634, 5e-5);
  wilson_interval(0, 10, lo, hi);  // 0 - 0.2775
  EXPECT_EQ(lo, 0);
  EXPECT_NEAR(hi, 0.2775, 5e-5);
}

TEST(Conversion, RecoversThePlantedCommunityRankingOfTheSyntheticPlatform) {
  SyntheticOptions so;
  so.learners = 6000;
  so.communities = 4;
  so.seed = 8;
  auto p = generate_platform(so);
  auto t = conversion_by_community(p.log);
  auto rate = [&](const std::string& name) {
    for (const auto& r : t.communities)
      if (r.community == name) return r.conversion_rate;
    return -1.0;
  };
  const auto& names = p.truth.community_names;
  // Planted purchase probabilities: 0.6 (first), 0.3, 0.3, 0.15 (last).
  EXPECT_GT(rate(names[0]), rate(names[1]));
  EXPECT_GT(rate(names[0]), rate(names[2]));
  EXPECT_LT(rate(names[3]), rate(names[1]));
  EXPECT_LT(rate(names[3]), rate(names[2]));
  double sum = 0;
  for (const auto& r : t.communities) sum += r.revenue;
  EXPECT_NEAR(sum, t.overall.revenue, 1e-6 * t.overall.revenue);  // every purchase tagged once here
}

TEST(ChurnAnalysis, RunsEndToEndOnTheSyntheticPlatform) {
  SyntheticOptions so;
  so.learners = 3000;
  so.seed = 3;
  auto p = generate_platform(so);
  auto o = churn_options_from_json(nlohmann::json::parse(R"({"horizon":30})"));
  auto a = analyze_churn(p.log, o);
  ASSERT_TRUE(a.report.has_value());
  EXPECT_EQ(a.summary.size() + a.report->learners_without_purchase, a.report->learners);
  EXPECT_TRUE(a.model.converged);
  for (size_t i = 0; i < a.summary.size(); ++i) {
    EXPECT_GE(a.p_alive[i], 0);
    EXPECT_LE(a.p_alive[i], 1);
    EXPECT_GE(a.expected_purchases[i], 0);
  }
  ASSERT_TRUE(a.spend.has_value());
  auto j = to_json(a);
  EXPECT_EQ(j["unit"], "days");
  EXPECT_TRUE(j["conversion"]["communities"].is_array());
  EXPECT_FALSE(to_text(a).empty());
}

TEST(ChurnAnalysis, NoPurchasesIsAClearError) {
  auto log = log_from("user_id,event,ts\na,view,2025-01-01\n");
  try {
    analyze_churn(log, ChurnOptions{});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no learner has a purchase"), std::string::npos);
  }
}
