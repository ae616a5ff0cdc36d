// Frequency oracles, reports, the device's budget and memo, and the planner.
// References: the e^eps likelihood-ratio bound measured on samples (with a deliberately
// mis-calibrated mechanism that the same check must fail), the closed-form variances of Wang et
// al. (USENIX Security 2017, Table 1 / eqs. for GRR, OUE, OLH), simulation with known truth, and
// brute force for the pair index.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "circlewise/error.h"
#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"
#include "circlewise/privacy_budget.h"
#include "circlewise/secure_random.h"

using namespace circlewise;

namespace {

// Empirical P(output | input) for every input, from `samples` draws each; outputs are small ints.
template <class Draw>
std::vector<std::vector<double>> output_distributions(uint64_t inputs, uint64_t outputs, int samples, Draw draw) {
  std::vector<std::vector<double>> dist(inputs, std::vector<double>(outputs, 0));
  for (uint64_t v = 0; v < inputs; ++v) {
    for (int s = 0; s < samples; ++s) dist[v][draw(v)] += 1;
    for (auto& x : dist[v]) x /= samples;
  }
  return dist;
}

// The largest log(P(o|v) / P(o|v')) over all input pairs and outputs (every output must be seen
// under every input, as all have positive probability in these mechanisms).
double worst_log_ratio(const std::vector<std::vector<double>>& dist) {
  double worst = 0;
  for (size_t v = 0; v < dist.size(); ++v)
    for (size_t w = 0; w < dist.size(); ++w)
      for (size_t o = 0; o < dist[v].size(); ++o) {
        if (dist[w][o] == 0) return INFINITY;
        worst = std::max(worst, std::log(dist[v][o] / dist[w][o]));
      }
  return worst;
}

// The test's decision: epsilon-LDP holds if the worst log ratio is within half of ln(1.1) of
// epsilon. With the sample sizes below the log-ratio standard error is <= 0.008, so an honest
// mechanism (true worst ratio exactly e^eps) passes and one whose ratio is 10% too large
// (ln 1.1 = 0.095 above) fails, each by about 6 standard errors.
const double kTolerance = 0.5 * std::log(1.1);
bool satisfies_ldp(double worst, double epsilon) { return worst <= epsilon + kTolerance; }

uint64_t ratio_of(double epsilon) { return oracle_params(Mechanism::kGrr, 2, epsilon).ratio; }

OracleParams miscalibrated(Mechanism m, uint64_t d, double epsilon) {
  // Claims `epsilon` but its likelihood ratio is 10% larger than e^epsilon.
  return oracle_params_from_ratio(m, d, epsilon, static_cast<uint64_t>(1.1 * static_cast<double>(ratio_of(epsilon))));
}

std::vector<std::vector<double>> grr_dist(const OracleParams& o, int samples, uint64_t seed) {
  SeededRandomSource rs(seed);
  return output_distributions(o.domain, o.domain, samples, [&](uint64_t v) { return randomize(o, v, rs).value; });
}

std::vector<std::vector<double>> oue_dist(const OracleParams& o, int samples, uint64_t seed) {
  SeededRandomSource rs(seed);
  return output_distributions(o.domain, uint64_t{1} << o.domain, samples, [&](uint64_t v) {
    uint64_t mask = 0;
    for (uint64_t i : randomize(o, v, rs).ones) mask |= uint64_t{1} << i;
    return mask;
  });
}

std::vector<std::vector<double>> olh_dist(const OracleParams& o, const OlhHash& h, int samples, uint64_t seed) {
  SeededRandomSource rs(seed);
  return output_distributions(o.domain, o.g, samples, [&](uint64_t v) { return randomize_olh(o, v, h, rs).value; });
}

class FailingRandomSource final : public RandomSource {
 public:
  explicit FailingRandomSource(int good_draws) : left_(good_draws) {}
  uint64_t next_u64() override {
    if (left_-- <= 0) throw RandomnessUnavailable("simulated failure of the OS random source");
    return 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(left_ + 7);
  }
  bool secure() const override { return true; }  // claims to be secure, then fails
  std::string name() const override { return "failing"; }

 private:
  int left_;
};

ReportRequest item_request(std::vector<uint64_t> history, double eps, std::string period, uint64_t items = 10) {
  ReportRequest r;
  r.kind = ReportKind::kItem;
  r.items = items;
  r.history = std::move(history);
  r.epsilon = eps;
  r.period = std::move(period);
  return r;
}

}  // namespace

// ── (a) the e^epsilon ratio bound, per mechanism, and its power against a 10% error ──

TEST(LdpRatioBound, GrrSatisfiesBoundAndMiscalibratedGrrFails) {
  for (double eps : {0.5, 1.0, 2.0}) {
    const int n = 400000;
    double honest = worst_log_ratio(grr_dist(oracle_params(Mechanism::kGrr, 4, eps), n, 11));
    double off = worst_log_ratio(grr_dist(miscalibrated(Mechanism::kGrr, 4, eps), n, 12));
    EXPECT_TRUE(satisfies_ldp(honest, eps)) << "eps " << eps << " worst " << honest;
    EXPECT_FALSE(satisfies_ldp(off, eps)) << "eps " << eps << " worst " << off;
    EXPECT_NEAR(honest, eps, kTolerance);  // the bound is tight: GRR uses all of its epsilon
  }
}

TEST(LdpRatioBound, OueSatisfiesBoundAndMiscalibratedOueFails) {
  for (double eps : {0.5, 1.0}) {
    const int n = 1000000;
    double honest = worst_log_ratio(oue_dist(oracle_params(Mechanism::kOue, 3, eps), n, 21));
    double off = worst_log_ratio(oue_dist(miscalibrated(Mechanism::kOue, 3, eps), n, 22));
    EXPECT_TRUE(satisfies_ldp(honest, eps)) << "eps " << eps << " worst " << honest;
    EXPECT_FALSE(satisfies_ldp(off, eps)) << "eps " << eps << " worst " << off;
  }
}

TEST(LdpRatioBound, OlhSatisfiesBoundForEveryHashAndMiscalibratedOlhFails) {
  // OLH's output is (hash, y); the hash does not depend on the value, so the bound must hold for
  // y given each hash. Several hashes, each with values in different buckets.
  SeededRandomSource pick(5);
  for (double eps : {1.0, 2.0}) {
    const OracleParams honest_p = oracle_params(Mechanism::kOlh, 5, eps);
    const OracleParams off_p = oracle_params_from_ratio(Mechanism::kOlh, 5, eps,
                                                        static_cast<uint64_t>(1.1 * ratio_of(eps)), honest_p.g);
    for (int t = 0; t < 3; ++t) {
      OlhHash h{1 + pick.below(kOlhPrime - 1), pick.below(kOlhPrime)};
      std::set<uint64_t> buckets;
      for (uint64_t v = 0; v < 5; ++v) buckets.insert(h(v, honest_p.g));
      const int n = 400000;
      double honest = worst_log_ratio(olh_dist(honest_p, h, n, 31 + t));
      double off = worst_log_ratio(olh_dist(off_p, h, n, 41 + t));
      EXPECT_TRUE(satisfies_ldp(honest, eps)) << "eps " << eps << " worst " << honest;
      if (buckets.size() > 1) {
        EXPECT_FALSE(satisfies_ldp(off, eps)) << "eps " << eps << " worst " << off;
      }
    }
  }
}

// ── exactness of the integer implementation ──

TEST(LdpParams, EffectiveEpsilonIsAtMostRequestedAndWithinTwoToTheMinus32) {
  for (double eps : {0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0}) {
    for (Mechanism m : {Mechanism::kGrr, Mechanism::kOue, Mechanism::kOlh}) {
      OracleParams o = oracle_params(m, 50, eps);
      EXPECT_LE(o.effective_epsilon(), eps + 1e-12);
      EXPECT_GT(o.effective_epsilon(), eps - 1e-9);
    }
  }
}

TEST(LdpParams, WorstCaseRatioOfEachMechanismIsExactlyTheRationalE) {
  // GRR/OLH: p/q = A / 2^32 exactly; OUE: p(1-q) / ((1-p) q) = A / 2^32.
  const double e = static_cast<double>(oracle_params(Mechanism::kGrr, 7, 1.3).ratio) / 4294967296.0;
  OracleParams g = oracle_params(Mechanism::kGrr, 7, 1.3);
  EXPECT_NEAR(g.p / g.q, e, 1e-12 * e);
  OracleParams u = oracle_params(Mechanism::kOue, 7, 1.3);
  EXPECT_NEAR(u.p * (1 - u.q) / ((1 - u.p) * u.q), e, 1e-12 * e);
  OracleParams h = oracle_params(Mechanism::kOlh, 7, 1.3);
  double q_bucket = (1 - h.p) / static_cast<double>(h.g - 1);
  EXPECT_NEAR(h.p / q_bucket, e, 1e-12 * e);
}

TEST(LdpParams, VariancesMatchWangEtAlClosedForms) {
  for (double eps : {0.5, 1.0, 2.0, 4.0}) {
    const double E = std::exp(eps);
    for (uint64_t d : {3u, 10u, 100u}) {
      EXPECT_NEAR(variance_per_report(oracle_params(Mechanism::kGrr, d, eps)), (d - 2 + E) / ((E - 1) * (E - 1)),
                  1e-6 * (d - 2 + E) / ((E - 1) * (E - 1)));
      EXPECT_NEAR(variance_per_report(oracle_params(Mechanism::kOue, d, eps)), 4 * E / ((E - 1) * (E - 1)),
                  1e-6 * 4 * E / ((E - 1) * (E - 1)));
      // OLH with the integer g: Var = (e^eps - 1 + g)^2 / ((e^eps - 1)^2 (g - 1)) (Wang et al. eq. 13).
      OracleParams o = oracle_params(Mechanism::kOlh, d, eps);
      const double g = static_cast<double>(o.g);
      const double ref = (E - 1 + g) * (E - 1 + g) / ((E - 1) * (E - 1) * (g - 1));
      EXPECT_NEAR(variance_per_report(o), ref, 1e-6 * ref);
      EXPECT_LE(variance_per_report(o), 1.05 * 4 * E / ((E - 1) * (E - 1)));  // near OUE's optimum
    }
  }
}

TEST(LdpParams, ChoosesGrrForSmallDomainsAndOlhForLargeOnes) {
  for (double eps : {0.5, 1.0, 2.0, 4.0}) {
    const double E = std::exp(eps);
    // Wang et al.: GRR is better iff d - 2 < 3 e^eps.
    EXPECT_EQ(choose_mechanism(3, eps), Mechanism::kGrr);
    EXPECT_EQ(choose_mechanism(static_cast<uint64_t>(std::floor(3 * E + 2)) - 1, eps), Mechanism::kGrr);
    EXPECT_EQ(choose_mechanism(static_cast<uint64_t>(std::ceil(4 * E + 2)) + 1, eps), Mechanism::kOlh);
    EXPECT_EQ(choose_mechanism(1000000, eps), Mechanism::kOlh);
  }
}

TEST(LdpParams, RejectsAbsurdEpsilonAndTinyDomainsWithTheRange) {
  EXPECT_THROW(oracle_params(Mechanism::kGrr, 10, 0), InputError);
  EXPECT_THROW(oracle_params(Mechanism::kGrr, 10, -1), InputError);
  EXPECT_THROW(oracle_params(Mechanism::kGrr, 10, 50), InputError);
  EXPECT_THROW(oracle_params(Mechanism::kGrr, 10, NAN), InputError);
  EXPECT_THROW(oracle_params(Mechanism::kGrr, 1, 1), InputError);
  EXPECT_THROW(oracle_params(Mechanism::kGrr, 0, 1), InputError);
  EXPECT_THROW(oracle_params(Mechanism::kOue, 5000, 1), InputError);
  try {
    oracle_params(Mechanism::kOlh, 10, 11);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("[0.01, 10]"), std::string::npos) << e.what();
  }
}

TEST(LdpPairs, PairIndexIsABijectionOntoTheUpperTriangle) {
  for (uint64_t d : {2u, 3u, 7u, 30u}) {
    std::set<uint64_t> seen;
    for (uint64_t i = 0; i < d; ++i)
      for (uint64_t j = i + 1; j < d; ++j) {
        uint64_t k = pair_index(i, j, d);
        EXPECT_EQ(k, pair_index(j, i, d));
        EXPECT_LT(k, report_domain(ReportKind::kPair, d));
        EXPECT_EQ(pair_from_index(k, d), std::make_pair(i, j));
        seen.insert(k);
      }
    EXPECT_EQ(seen.size(), d * (d - 1) / 2);
  }
}

// ── randomness ──

TEST(LdpRandomness, SystemSourceIsSecureAndVaries) {
  SystemRandomSource s;
  EXPECT_TRUE(s.secure());
  std::set<uint64_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(s.next_u64());
  EXPECT_EQ(seen.size(), 200u);
  // below() is uniform: chi-square over 8 cells from 80,000 draws, 99.9% critical value 24.3.
  std::vector<double> c(8, 0);
  for (int i = 0; i < 80000; ++i) c[s.below(8)] += 1;
  double chi = 0;
  for (double x : c) chi += (x - 10000) * (x - 10000) / 10000;
  EXPECT_LT(chi, 24.3);
}

TEST(LdpRandomness, RefusesToReportWhenTheSecureSourceFailsAndLeavesStateUnchanged) {
  PrivacyBudget budget;
  DeviceState state;
  for (int good : {0, 1, 3}) {
    FailingRandomSource bad(good);
    EXPECT_THROW(make_report(item_request({1, 2, 3}, 1, "p1"), budget, state, bad), RandomnessUnavailable);
    EXPECT_TRUE(state.memo.empty());
    EXPECT_TRUE(state.ledger.empty());
  }
}

TEST(LdpRandomness, RefusesAnInsecureSourceUnlessSimulating) {
  PrivacyBudget budget;
  DeviceState state;
  SeededRandomSource seeded(1);
  EXPECT_THROW(make_report(item_request({1}, 1, "p1"), budget, state, seeded), RandomnessUnavailable);
  EXPECT_NO_THROW(make_report(item_request({1}, 1, "p1"), budget, state, seeded, /*allow_insecure=*/true));
}

TEST(LdpRandomness, SeededSourceReproducesReports) {
  auto run = [] {
    SeededRandomSource s(99);
    PrivacyBudget b;
    DeviceState st;
    return to_json(make_report(item_request({1, 5, 7}, 1, "p"), b, st, s, true).report).dump();
  };
  EXPECT_EQ(run(), run());
}

// ── device: memoisation, ledger, budget ──

TEST(LdpDevice, SameValueInALaterPeriodReusesTheMemoisedPayloadAtNoCost) {
  SystemRandomSource rs;
  PrivacyBudget budget;
  budget.max_reports_per_period = 10;
  DeviceState state;
  for (Mechanism m : {Mechanism::kGrr, Mechanism::kOue, Mechanism::kOlh}) {
    ReportRequest r = item_request({4}, 1, "2026-01");
    r.auto_mechanism = false;
    r.mechanism = m;
    MadeReport first = make_report(r, budget, state, rs);
    EXPECT_FALSE(first.memoised);
    EXPECT_EQ(first.charged, 1);
    EXPECT_EQ(first.true_value, 4u);
    for (int p = 2; p <= 6; ++p) {
      r.period = "2026-0" + std::to_string(p);
      MadeReport again = make_report(r, budget, state, rs);
      EXPECT_TRUE(again.memoised);
      EXPECT_EQ(again.charged, 0);
      EXPECT_EQ(payload_to_json(m, again.report.payload), payload_to_json(m, first.report.payload));
      EXPECT_NE(again.report.id, first.report.id);  // ids are fresh and random, never a device id
    }
  }
  EXPECT_DOUBLE_EQ(state.spent(), 3);
  EXPECT_EQ(state.memo.size(), 3u);
  EXPECT_EQ(state.ledger.size(), 18u);
}

TEST(LdpDevice, CallerCannotRaiseEpsilonAboveTheConfiguredMaximum) {
  SystemRandomSource rs;
  PrivacyBudget budget;
  budget.max_epsilon_per_report = 2;
  DeviceState state;
  try {
    make_report(item_request({1}, 4, "p"), budget, state, rs);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds this device's maximum of 2"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(state.ledger.empty());
}

TEST(LdpDevice, EnforcesReportsPerPeriodAndTotalEpsilon) {
  SystemRandomSource rs;
  PrivacyBudget budget;
  budget.max_reports_per_period = 2;
  budget.max_total_epsilon = 3;
  DeviceState state;
  make_report(item_request({1}, 1, "a"), budget, state, rs);
  make_report(item_request({1}, 1, "a"), budget, state, rs);
  EXPECT_THROW(make_report(item_request({1}, 1, "a"), budget, state, rs), InputError);
  // New values cost epsilon each: 1 (item 1) + 1 (item 2) + 1 (item 3) = 3, then exhausted.
  make_report(item_request({2}, 1, "b"), budget, state, rs);
  make_report(item_request({3}, 1, "c"), budget, state, rs);
  EXPECT_DOUBLE_EQ(state.spent(), 3);
  EXPECT_THROW(make_report(item_request({4}, 1, "d"), budget, state, rs), InputError);
  // ...but a memoised value can still be reported: it reveals nothing new.
  EXPECT_NO_THROW(make_report(item_request({2}, 1, "d"), budget, state, rs));
  BudgetStatus st = budget_status(budget, state, "d");
  EXPECT_DOUBLE_EQ(st.remaining, 0);
  EXPECT_EQ(st.reports_this_period, 1u);
  EXPECT_EQ(st.reports_left_this_period, 1u);
}

TEST(LdpDevice, RejectsBadRequestsWithTheFieldName) {
  SystemRandomSource rs;
  PrivacyBudget budget;
  DeviceState state;
  auto msg = [&](ReportRequest r) {
    try {
      make_report(r, budget, state, rs);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg(item_request({}, 1, "p")).find("history"), std::string::npos);
  EXPECT_NE(msg(item_request({10}, 1, "p")).find("outside the catalogue"), std::string::npos);
  EXPECT_NE(msg(item_request({1}, 0, "p")).find("epsilon"), std::string::npos);
  EXPECT_NE(msg(item_request({1}, 1, "")).find("period"), std::string::npos);
  EXPECT_NE(msg(item_request({1}, 1, "p", 1)).find("items"), std::string::npos);
  ReportRequest pair = item_request({3, 3}, 1, "p");
  pair.kind = ReportKind::kPair;
  EXPECT_NE(msg(pair).find("at least 2 distinct"), std::string::npos);
  EXPECT_TRUE(state.ledger.empty());
}

TEST(LdpDevice, PairReportsSampleUniformlyAmongThePairsOfTheHistory) {
  // 4 distinct items -> 6 pairs, each 1/6; chi-square (5 df, 99.9%: 20.5) over 60,000 draws.
  SeededRandomSource rs(3);
  PrivacyBudget budget;
  budget.max_reports_per_period = 1000;
  budget.max_total_epsilon = 1000;
  std::map<uint64_t, double> c;
  for (int i = 0; i < 60000; ++i) {
    DeviceState fresh;
    ReportRequest r = item_request({9, 2, 5, 2, 7}, 1, "p", 12);
    r.kind = ReportKind::kPair;
    c[make_report(r, budget, fresh, rs, true).true_value] += 1;
  }
  ASSERT_EQ(c.size(), 6u);
  double chi = 0;
  for (auto& [k, x] : c) {
    auto [i, j] = pair_from_index(k, 12);
    EXPECT_TRUE(std::set<uint64_t>({2, 5, 7, 9}).count(i) && std::set<uint64_t>({2, 5, 7, 9}).count(j));
    chi += (x - 10000) * (x - 10000) / 10000;
  }
  EXPECT_LT(chi, 20.5);
}

TEST(LdpDevice, StateRoundTripsThroughJsonAndCorruptStateIsRejected) {
  SystemRandomSource rs;
  PrivacyBudget budget;
  DeviceState state;
  make_report(item_request({1, 2}, 1, "p"), budget, state, rs);
  ReportRequest pr = item_request({1, 2, 3}, 2, "p");
  pr.kind = ReportKind::kPair;
  make_report(pr, budget, state, rs);
  nlohmann::json j = to_json(state);
  EXPECT_EQ(to_json(device_state_from_json(j)), j);
  nlohmann::json bad = j;
  bad["version"] = 2;
  EXPECT_THROW(device_state_from_json(bad), InputError);
  bad = j;
  bad["memo"][0]["value"] = 99;
  EXPECT_THROW(device_state_from_json(bad), InputError);
  bad = j;
  bad["ledger"][0]["charged"] = 0.5;
  EXPECT_THROW(device_state_from_json(bad), InputError);
  bad = j;
  bad["memo"].push_back(bad["memo"][0]);
  EXPECT_THROW(device_state_from_json(bad), InputError);
}

TEST(LdpDevice, BudgetOptionsAreValidated) {
  EXPECT_THROW(privacy_budget_from_json({{"maxEpsilonPerReport", 0}}), InputError);
  EXPECT_THROW(privacy_budget_from_json({{"maxEpsilonPerReport", 20}}), InputError);
  EXPECT_THROW(privacy_budget_from_json({{"maxReportsPerPeriod", 0}}), InputError);
  EXPECT_THROW(privacy_budget_from_json({{"maxTotal", 3}}), InputError);
  PrivacyBudget b = privacy_budget_from_json({{"maxEpsilonPerReport", 1.5}, {"maxReportsPerPeriod", 4}});
  EXPECT_EQ(b.max_epsilon_per_report, 1.5);
  EXPECT_EQ(b.max_reports_per_period, 4u);
}

// ── report format ──

TEST(LdpReports, RoundTripEveryMechanismAndCarryNoExtraFields) {
  SystemRandomSource rs;
  for (Mechanism m : {Mechanism::kGrr, Mechanism::kOue, Mechanism::kOlh}) {
    LdpReport r;
    r.id = random_report_id(rs);
    r.kind = ReportKind::kItem;
    r.items = 40;
    r.mechanism = m;
    r.epsilon = 1.5;
    r.payload = randomize(oracle_params(m, 40, 1.5), 17, rs);
    nlohmann::json j = to_json(r);
    EXPECT_EQ(to_json(ldp_report_from_json(j)), j);
    std::set<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
    EXPECT_EQ(keys, (std::set<std::string>{"v", "id", "kind", "items", "domain", "mechanism", "epsilon", "payload"}));
  }
}

TEST(LdpReports, MalformedReportsAreRejectedWithTheField) {
  nlohmann::json good = {{"v", 1}, {"id", std::string(32, 'a')}, {"kind", "item"}, {"items", 10}, {"domain", 10},
                         {"mechanism", "grr"}, {"epsilon", 1}, {"payload", {{"value", 3}}}};
  EXPECT_NO_THROW(ldp_report_from_json(good));
  auto why = [&](auto edit) {
    nlohmann::json j = good;
    edit(j);
    try {
      ldp_report_from_json(j);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(why([](auto& j) { j["user"] = "u1"; }).find("unexpected field \"user\""), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["domain"] = 11; }).find("domain"), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["epsilon"] = 0; }).find("epsilon"), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["epsilon"] = 1e6; }).find("epsilon"), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["mechanism"] = "laplace"; }).find("mechanism"), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["payload"]["value"] = 10; }).find("\"value\""), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["payload"]["value"] = -1; }).find("\"value\""), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["id"] = "u1"; }).find("\"id\""), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["v"] = 2; }).find("\"v\""), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["items"] = 1; j["domain"] = 1; }).find("\"items\""), std::string::npos);
  EXPECT_NE(why([](auto& j) { j["mechanism"] = "oue"; j["payload"] = {{"ones", {3, 1}}}; }).find("ascending"),
            std::string::npos);
  EXPECT_NE(why([](auto& j) { j["mechanism"] = "olh"; j["payload"] = {{"seed", "zz"}, {"y", 0}}; }).find("seed"),
            std::string::npos);
  EXPECT_NE(why([](auto& j) {
              j["mechanism"] = "olh";
              j["payload"] = {{"seed", std::string(32, '1')}, {"y", 99}};
            }).find("\"y\""),
            std::string::npos);
}

// ── planner ──

TEST(LdpPlanner, StandardErrorsAndLearnersNeededFollowTheVariances) {
  PlanOptions o;
  o.epsilon = 1;
  o.items = 500;
  o.learners = 20000;
  o.target_error = 0.005;
  LdpPlan p = plan_ldp(o);
  ASSERT_EQ(p.mechanisms.size(), 3u);
  EXPECT_EQ(p.recommended, Mechanism::kOlh);
  for (const auto& m : p.mechanisms) {
    OracleParams op = oracle_params(m.mechanism, 500, 1);
    const double v = count_variance(op, 20000, 0);
    EXPECT_NEAR(m.standard_error, std::sqrt(v), 1e-9 * std::sqrt(v));
    EXPECT_NEAR(m.standard_error_fraction, std::sqrt(v) / 20000, 1e-12);
    // The smallest n with sqrt(V/n) <= target.
    EXPECT_LE(std::sqrt(m.variance_per_report / m.learners_needed), 0.005 + 1e-15);
    EXPECT_GT(std::sqrt(m.variance_per_report / (m.learners_needed - 1)), 0.005);
  }
  o.kind = ReportKind::kPair;
  p = plan_ldp(o);
  EXPECT_EQ(p.domain, 500u * 499 / 2);
  EXPECT_FALSE(p.mechanisms[1].available);  // OUE: 124,750-bit reports
  EXPECT_THROW(plan_options_from_json({{"epsilon", 0}}), InputError);
  EXPECT_THROW(plan_options_from_json({{"items", 1}}), InputError);
  EXPECT_THROW(plan_options_from_json({{"targetError", 0}}), InputError);
  EXPECT_THROW(plan_options_from_json({{"learnres", 5}}), InputError);
}
