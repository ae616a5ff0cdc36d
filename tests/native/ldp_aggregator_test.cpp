// The aggregator: unbiased estimates whose empirical variance over repeated trials matches the
// analytical one (simulation with known truth), whole-report rejection with reasons, mixed
// mechanisms, and recovery of the synthetic platform's planted course bundles from reports only.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "circlewise/error.h"
#include "circlewise/event_log.h"
#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"
#include "circlewise/privacy_budget.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

namespace {

LdpReport make(const OracleParams& o, uint64_t value, RandomSource& rs, ReportKind kind = ReportKind::kItem,
               uint64_t items = 0) {
  LdpReport r;
  r.id = random_report_id(rs);
  r.kind = kind;
  r.items = items ? items : o.domain;
  r.mechanism = o.mechanism;
  r.epsilon = o.epsilon;
  r.payload = randomize(o, value, rs);
  return r;
}

struct TrialStats {
  std::vector<double> mean, var;  // over trials, per value
};

// `trials` independent rounds: the population `truth` (count per value) reports through
// `reporting` params; the aggregator (which assumes honest params for `epsilon`) estimates.
TrialStats run_trials(const OracleParams& reporting, const std::vector<int>& truth, int trials, uint64_t seed) {
  SeededRandomSource rs(seed);
  const size_t d = truth.size();
  std::vector<double> s(d, 0), s2(d, 0);
  for (int t = 0; t < trials; ++t) {
    AggregatorOptions ao;
    ao.items = d;
    LdpAggregator agg(ao);
    for (size_t v = 0; v < d; ++v)
      for (int i = 0; i < truth[v]; ++i) EXPECT_TRUE(agg.add(make(reporting, v, rs)));
    FrequencyEstimates e = agg.estimate();
    for (size_t v = 0; v < d; ++v) {
      s[v] += e.count[static_cast<Eigen::Index>(v)];
      s2[v] += e.count[static_cast<Eigen::Index>(v)] * e.count[static_cast<Eigen::Index>(v)];
    }
  }
  TrialStats st;
  for (size_t v = 0; v < d; ++v) {
    st.mean.push_back(s[v] / trials);
    st.var.push_back((s2[v] - s[v] * s[v] / trials) / (trials - 1));
  }
  return st;
}

const std::vector<int> kTruth = {150, 90, 60, 40, 20, 10, 0};  // n = 370 over d = 7

}  // namespace

// ── (b) unbiased, with the analytical variance ──

TEST(LdpAggregatorStatistics, EstimatesAreUnbiasedAndVarianceWithinTenPercentOfAnalytical) {
  // 4000 trials: the relative standard error of an empirical variance is sqrt(2/3999) = 2.2%, so
  // the 10% band is > 4 standard errors; the mean is checked to 4.5 standard errors of the mean.
  const int trials = 4000;
  double n = 0;
  for (int c : kTruth) n += c;
  int seed = 100;
  for (Mechanism m : {Mechanism::kGrr, Mechanism::kOue, Mechanism::kOlh}) {
    for (double eps : {0.5, 2.0}) {
      OracleParams o = oracle_params(m, kTruth.size(), eps);
      TrialStats st = run_trials(o, kTruth, trials, seed++);
      for (size_t v = 0; v < kTruth.size(); ++v) {
        const double analytical = count_variance(o, n, kTruth[v]);
        EXPECT_NEAR(st.mean[v], kTruth[v], 4.5 * std::sqrt(analytical / trials))
            << mechanism_name(m) << " eps " << eps << " value " << v;
        EXPECT_NEAR(st.var[v] / analytical, 1.0, 0.10) << mechanism_name(m) << " eps " << eps << " value " << v;
      }
    }
  }
}

TEST(LdpAggregatorStatistics, TheUnbiasednessCheckCatchesAMechanismOffByTenPercent) {
  // Devices whose likelihood ratio is 10% above what the aggregator assumes: the same check as
  // above must flag the bias, or it would not be a test.
  const int trials = 4000;
  double n = 0;
  for (int c : kTruth) n += c;
  for (Mechanism m : {Mechanism::kGrr, Mechanism::kOue}) {
    OracleParams honest = oracle_params(m, kTruth.size(), 1.0);
    OracleParams off = oracle_params_from_ratio(m, kTruth.size(), 1.0,
                                                static_cast<uint64_t>(1.1 * static_cast<double>(honest.ratio)));
    TrialStats st = run_trials(off, kTruth, trials, 77);
    bool flagged = false;
    for (size_t v = 0; v < kTruth.size(); ++v)
      flagged = flagged || std::abs(st.mean[v] - kTruth[v]) > 4.5 * std::sqrt(count_variance(honest, n, kTruth[v]) / trials);
    EXPECT_TRUE(flagged) << mechanism_name(m);
  }
}

TEST(LdpAggregatorStatistics, MixedMechanismsAndEpsilonsAddUpUnbiased) {
  SeededRandomSource rs(9);
  const int trials = 600;
  const OracleParams a = oracle_params(Mechanism::kGrr, 7, 1.0), b = oracle_params(Mechanism::kOlh, 7, 3.0);
  std::vector<double> sum(7, 0);
  double var_sum[7] = {};
  for (int t = 0; t < trials; ++t) {
    AggregatorOptions ao;
    ao.items = 7;
    LdpAggregator agg(ao);
    for (size_t v = 0; v < 7; ++v)
      for (int i = 0; i < kTruth[v]; ++i) agg.add(make(i % 2 ? a : b, v, rs));
    FrequencyEstimates e = agg.estimate();
    for (int v = 0; v < 7; ++v) {
      sum[v] += e.count[v];
      var_sum[v] += e.variance[v];
    }
  }
  for (int v = 0; v < 7; ++v)
    EXPECT_NEAR(sum[v] / trials, kTruth[v], 4.5 * std::sqrt(var_sum[v] / trials / trials)) << v;
}

TEST(LdpAggregatorStatistics, ConfidenceIntervalsCoverTheTruthAtTheirLevel) {
  // 95% intervals over 300 trials x 7 values: coverage within 3 standard errors of 0.95.
  SeededRandomSource rs(4);
  const OracleParams o = oracle_params(Mechanism::kOlh, 7, 1.0);
  int covered = 0, total = 0;
  for (int t = 0; t < 300; ++t) {
    AggregatorOptions ao;
    ao.items = 7;
    LdpAggregator agg(ao);
    for (size_t v = 0; v < 7; ++v)
      for (int i = 0; i < kTruth[v]; ++i) agg.add(make(o, v, rs));
    FrequencyEstimates e = agg.estimate();
    for (int v = 0; v < 7; ++v, ++total) covered += e.lower[v] <= kTruth[v] && kTruth[v] <= e.upper[v];
  }
  EXPECT_NEAR(static_cast<double>(covered) / total, 0.95, 3 * std::sqrt(0.95 * 0.05 / total));
}

// ── validation: a bad report is rejected whole, with the reason, and counted ──

TEST(LdpAggregatorValidation, RejectsWholeReportsWithReasonsAndCountsThem) {
  SystemRandomSource rs;
  AggregatorOptions ao;
  ao.items = 10;
  ao.max_epsilon = 4;
  LdpAggregator agg(ao);
  const OracleParams o = oracle_params(Mechanism::kGrr, 10, 1);
  LdpReport good = make(o, 3, rs);
  std::string why;
  EXPECT_TRUE(agg.add(to_json(good), &why));
  EXPECT_FALSE(agg.add(to_json(good), &why));
  EXPECT_NE(why.find("duplicate report id"), std::string::npos) << why;
  LdpReport other = make(oracle_params(Mechanism::kGrr, 11, 1), 3, rs);
  EXPECT_FALSE(agg.add(to_json(other), &why));
  EXPECT_NE(why.find("catalogue size 11"), std::string::npos) << why;
  LdpReport hot = make(oracle_params(Mechanism::kGrr, 10, 6), 3, rs);
  EXPECT_FALSE(agg.add(to_json(hot), &why));
  EXPECT_NE(why.find("outside the accepted range [0.01, 4]"), std::string::npos) << why;
  nlohmann::json pair = to_json(make(o, 3, rs));
  pair["kind"] = "pair";
  pair["domain"] = 45;
  EXPECT_FALSE(agg.add(pair, &why));
  EXPECT_NE(why.find("pair report sent to the item aggregator"), std::string::npos) << why;
  nlohmann::json half = to_json(make(o, 3, rs));
  half["payload"]["value"] = 12;
  EXPECT_FALSE(agg.add(half, &why));
  EXPECT_EQ(agg.accepted(), 1u);
  EXPECT_EQ(agg.rejected(), 5u);
  // Nothing rejected was counted: the estimate is from the one good report.
  EXPECT_EQ(agg.estimate().reports, 1u);
}

TEST(LdpAggregatorValidation, NdjsonRejectionsCarryLineNumbers) {
  SystemRandomSource rs;
  AggregatorOptions ao;
  ao.items = 5;
  LdpAggregator agg(ao);
  const OracleParams o = oracle_params(Mechanism::kOlh, 5, 1);
  std::string text = to_json(make(o, 1, rs)).dump() + "\n\n{oops\n" + to_json(make(o, 2, rs)).dump() +
                     "\n{\"v\":1}\n";
  EXPECT_EQ(agg.add_ndjson(text), 2u);
  ASSERT_EQ(agg.rejections().size(), 2u);
  EXPECT_EQ(agg.rejections()[0].index, 3u);
  EXPECT_EQ(agg.rejections()[0].reason, "not valid JSON");
  EXPECT_EQ(agg.rejections()[1].index, 5u);
}

TEST(LdpAggregatorValidation, OptionsAreValidated) {
  EXPECT_THROW(aggregator_options_from_json({{"kind", "item"}}), InputError);
  EXPECT_THROW(aggregator_options_from_json({{"items", 1}}), InputError);
  EXPECT_THROW(aggregator_options_from_json({{"items", 100000}, {"kind", "pair"}}), InputError);
  EXPECT_THROW(aggregator_options_from_json({{"items", 5}, {"minEpsilon", 3}, {"maxEpsilon", 1}}), InputError);
  EXPECT_THROW(aggregator_options_from_json({{"items", 5}, {"confidance", 0.9}}), InputError);
  AggregatorOptions ao;
  ao.items = 5;
  LdpAggregator agg(ao);
  EXPECT_THROW(agg.estimate({5}), InputError);
}

// ── end to end on the synthetic platform: planted bundles come back from reports alone ──

TEST(LdpAggregatorModel, RecoversPlantedBundlesFromPrivateReports) {
  SyntheticOptions so;
  so.seed = 7;
  so.learners = 30000;
  so.courses = 20;
  SyntheticPlatform p = generate_platform(so);
  const EventLog& log = p.log;
  std::map<int32_t, std::set<uint64_t>> bought;
  for (size_t i = 0; i < log.size(); ++i)
    if (log.event[i] == static_cast<int32_t>(EventType::kPurchase) && log.item[i] != kNone)
      bought[log.user[i]].insert(static_cast<uint64_t>(log.item[i]));
  const uint64_t d = log.items.size();

  AggregatorOptions io, po;
  io.items = po.items = d;
  po.kind = ReportKind::kPair;
  LdpAggregator items(io), pairs(po);
  SeededRandomSource rs(2026);
  PrivacyBudget budget;
  budget.max_epsilon_per_report = 4;
  std::map<uint64_t, double> true_pairs;  // what the devices really sampled
  for (const auto& [user, set] : bought) {
    DeviceState state;
    ReportRequest r;
    r.items = d;
    r.history.assign(set.begin(), set.end());
    r.epsilon = 4;
    r.period = "2026-11";
    ASSERT_TRUE(items.add(make_report(r, budget, state, rs, true).report));
    if (set.size() >= 2) {
      r.kind = ReportKind::kPair;
      MadeReport m = make_report(r, budget, state, rs, true);
      true_pairs[m.true_value] += 1;
      ASSERT_TRUE(pairs.add(m.report));
    }
  }
  // Pair estimates agree with what was really sampled, within 4.5 of their standard errors.
  FrequencyEstimates pe = pairs.estimate();
  for (uint64_t k = 0; k < pairs.domain(); ++k)
    EXPECT_NEAR(pe.count[static_cast<Eigen::Index>(k)], true_pairs[k], 4.5 * std::sqrt(pe.variance[static_cast<Eigen::Index>(k)]));

  LdpModelOptions mo = ldp_model_options_from_json({{"k", 5}});
  std::vector<ModelItem> catalogue(d);
  for (uint64_t i = 0; i < d; ++i) catalogue[i].id = catalogue[i].title = log.items.name(static_cast<int32_t>(i));
  ItemModel model = item_model_from_ldp(items, pairs, catalogue, mo).model;
  EXPECT_NO_THROW(validate(model));
  EXPECT_EQ(model.method, "ldp-cosine");
  ASSERT_FALSE(p.truth.bundles.empty());
  int recovered = 0;
  for (const auto& [anchor, follow] : p.truth.bundles) {
    const auto a = static_cast<size_t>(log.items.find(anchor));
    const auto f = log.items.find(follow);
    // The follow-up is the anchor's first neighbour.
    if (model.neighbor_count(a) > 0 && model.neighbor[model.offset[a]] == f) ++recovered;
  }
  EXPECT_GE(recovered, static_cast<int>(p.truth.bundles.size()) - 1) << "of " << p.truth.bundles.size();
}

TEST(LdpAggregatorModel, SimulationIsReproducibleAndCountsWhoSentNothing) {
  SyntheticOptions so;
  so.seed = 3;
  so.learners = 800;
  so.courses = 12;
  SyntheticPlatform p = generate_platform(so);
  LdpSimulationOptions o;
  o.epsilon = 2;
  o.seed = 5;
  LdpSimulation a = simulate_ldp_reports(p.log, o), b = simulate_ldp_reports(p.log, o);
  ASSERT_EQ(a.reports.size(), b.reports.size());
  for (size_t i = 0; i < a.reports.size(); ++i) EXPECT_EQ(to_json(a.reports[i]), to_json(b.reports[i]));
  size_t items = 0, pairs = 0;
  for (const auto& r : a.reports) (r.kind == ReportKind::kItem ? items : pairs)++;
  // Every learner is accounted for: engaged ones sent an item report, those with 2+ courses a pair.
  EXPECT_EQ(items + a.learners_without_engagement, a.learners);
  EXPECT_EQ(pairs + a.learners_with_one_course, items);
  EXPECT_EQ(a.catalogue.size(), p.log.items.size());
  o.events = {"no-such-event"};
  EXPECT_THROW(simulate_ldp_reports(p.log, o), InputError);
}
