// The hybrid model from private reports: popularity from the site's own (public) counts, pairs
// from LDP reports shrunk towards the independence prior with the closed-form variance. Checked
// against the closed forms of the mechanisms and on simulated populations with known truth.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "circlewise/error.h"
#include "circlewise/event_log.h"
#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"
#include "circlewise/privacy_budget.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

namespace {

// Devices with these course sets report (one item, one pair each) at `epsilon` with seeded noise.
struct Population {
  LdpAggregator items, pairs;
  std::map<uint64_t, double> sampled;  // pair index -> devices that really sampled it (the truth)
  std::vector<double> public_counts;   // learners per course (what the site knows)
  Population(uint64_t d) : items(options(ReportKind::kItem, d)), pairs(options(ReportKind::kPair, d)), public_counts(d, 0) {}
  static AggregatorOptions options(ReportKind kind, uint64_t d) {
    AggregatorOptions o;
    o.kind = kind;
    o.items = d;
    return o;
  }
};

void report_all(Population& pop, const std::vector<std::set<uint64_t>>& histories, double epsilon, uint64_t seed) {
  const uint64_t d = pop.public_counts.size();
  SeededRandomSource rs(seed);
  PrivacyBudget budget;
  budget.max_epsilon_per_report = epsilon;
  for (const auto& set : histories) {
    if (set.empty()) continue;
    for (uint64_t i : set) pop.public_counts[i] += 1;
    DeviceState state;
    ReportRequest r;
    r.items = d;
    r.history.assign(set.begin(), set.end());
    r.epsilon = epsilon;
    r.period = "2026-11";
    ASSERT_TRUE(pop.items.add(make_report(r, budget, state, rs, true).report));
    if (set.size() < 2) continue;
    r.kind = ReportKind::kPair;
    MadeReport m = make_report(r, budget, state, rs, true);
    pop.sampled[m.true_value] += 1;
    ASSERT_TRUE(pop.pairs.add(m.report));
  }
}

std::vector<std::set<uint64_t>> purchases(const SyntheticPlatform& p) {
  const EventLog& log = p.log;
  std::vector<std::set<uint64_t>> bought(log.users.size());
  for (size_t i = 0; i < log.size(); ++i)
    if (log.event[i] == static_cast<int32_t>(EventType::kPurchase) && log.item[i] != kNone)
      bought[static_cast<size_t>(log.user[i])].insert(static_cast<uint64_t>(log.item[i]));
  return bought;
}

// GRR and OLH variances straight from Wang et al. (USENIX Security 2017), with e^epsilon.
double grr_variance(double n, double nv, double eps, double d) {
  const double e = std::exp(eps), p = e / (e + d - 1), q = 1 / (e + d - 1);
  return (nv * p * (1 - p) + (n - nv) * q * (1 - q)) / ((p - q) * (p - q));
}
double olh_variance(double n, double nv, double eps, double g) {
  const double e = std::exp(eps), p = e / (e + g - 1), q = 1 / g;
  return (nv * p * (1 - p) + (n - nv) * q * (1 - q)) / ((p - q) * (p - q));
}

}  // namespace

TEST(LdpHybrid, CountVarianceAtIsTheMechanismsClosedFormAndGroupsAdd) {
  // 6 courses at epsilon 2: items use GRR (d - 2 < 3e^eps); 1,225 pairs of 50 courses use OLH.
  SeededRandomSource rs(11);
  const OracleParams grr = oracle_params(Mechanism::kGrr, 6, 2);
  LdpAggregator items(Population::options(ReportKind::kItem, 6));
  for (int i = 0; i < 500; ++i) {
    LdpReport r;
    r.id = random_report_id(rs);
    r.kind = ReportKind::kItem;
    r.items = 6;
    r.mechanism = grr.mechanism;
    r.epsilon = 2;
    r.payload = randomize(grr, static_cast<uint64_t>(i % 6), rs);
    ASSERT_TRUE(items.add(r));
  }
  for (double share : {0.0, 0.1, 0.5, 1.0})
    EXPECT_NEAR(items.count_variance_at(share), grr_variance(500, share * 500, 2, 6), 1e-6 * grr_variance(500, 0, 2, 6));

  const uint64_t d = 50, domain = report_domain(ReportKind::kPair, d);
  LdpAggregator pairs(Population::options(ReportKind::kPair, d));
  const OracleParams o2 = oracle_params(Mechanism::kOlh, domain, 2), o4 = oracle_params(Mechanism::kOlh, domain, 4);
  for (const auto& [o, n] : {std::pair{o2, 300}, std::pair{o4, 200}})
    for (int i = 0; i < n; ++i) {
      LdpReport r;
      r.id = random_report_id(rs);
      r.kind = ReportKind::kPair;
      r.items = d;
      r.mechanism = Mechanism::kOlh;
      r.epsilon = o.epsilon;
      r.payload = randomize(o, static_cast<uint64_t>(i) % domain, rs);
      ASSERT_TRUE(pairs.add(r));
    }
  for (double share : {0.0, 0.01, 0.2}) {
    const double expect = olh_variance(300, share * 300, 2, static_cast<double>(o2.g)) +
                          olh_variance(200, share * 200, 4, static_cast<double>(o4.g));
    EXPECT_NEAR(pairs.count_variance_at(share), expect, 1e-6 * expect) << "share " << share;
  }
  // At share 0 it is n times Wang et al.'s Var* of OLH: (e^eps - 1 + g)^2 / ((e^eps - 1)^2 (g - 1)).
  LdpAggregator one(Population::options(ReportKind::kPair, d));
  for (int i = 0; i < 100; ++i) {
    LdpReport r;
    r.id = random_report_id(rs);
    r.kind = ReportKind::kPair;
    r.items = d;
    r.mechanism = Mechanism::kOlh;
    r.epsilon = 2;
    r.payload = randomize(o2, 7, rs);
    ASSERT_TRUE(one.add(r));
  }
  const double e = std::exp(2.0), g = static_cast<double>(o2.g);
  EXPECT_NEAR(one.count_variance_at(0), 100 * (e - 1 + g) * (e - 1 + g) / ((e - 1) * (e - 1) * (g - 1)), 1e-6);
}

TEST(LdpHybrid, ShrinkageBeatsTheRawEstimatesAndRecoversPlantedBundles) {
  SyntheticOptions so;
  so.seed = 7;
  so.learners = 30000;
  so.courses = 20;
  SyntheticPlatform p = generate_platform(so);
  const uint64_t d = p.log.items.size();
  Population pop(d);
  report_all(pop, purchases(p), 2, 2026);

  HybridCooccurrence h = hybrid_cooccurrence(pop.pairs, pop.public_counts, 300);
  ASSERT_EQ(h.top.size(), d);
  // The prior distributes exactly the pair reports over the pairs.
  double prior_total = 0;
  for (Eigen::Index i = 0; i < h.prior.rows(); ++i)
    for (Eigen::Index j = i + 1; j < h.prior.cols(); ++j) prior_total += h.prior(i, j);
  EXPECT_NEAR(prior_total, static_cast<double>(pop.pairs.accepted()), 1e-6 * prior_total);
  EXPECT_GT(h.slab_share, 0);
  EXPECT_LT(h.slab_share, 0.5);

  // Known truth: the pairs the devices really sampled. The posterior means are closer to it.
  double se_raw = 0, se_shrunk = 0;
  for (Eigen::Index i = 0; i < h.prior.rows(); ++i)
    for (Eigen::Index j = i + 1; j < h.prior.cols(); ++j) {
      const double truth = pop.sampled[pair_index(h.top[static_cast<size_t>(i)], h.top[static_cast<size_t>(j)], d)];
      se_raw += (h.estimate(i, j) - truth) * (h.estimate(i, j) - truth);
      se_shrunk += (h.shrunk(i, j) - truth) * (h.shrunk(i, j) - truth);
    }
  EXPECT_LT(se_shrunk, 0.8 * se_raw) << "raw " << se_raw << " shrunk " << se_shrunk;

  std::vector<ModelItem> catalogue(d);
  for (uint64_t i = 0; i < d; ++i) catalogue[i].id = catalogue[i].title = p.log.items.name(static_cast<int32_t>(i));
  LdpModelOptions mo = ldp_model_options_from_json({{"k", 5}, {"publicCounts", pop.public_counts}});
  ItemModel model = item_model_from_ldp(pop.items, pop.pairs, catalogue, mo).model;
  EXPECT_EQ(model.method, "ldp-hybrid-cosine");
  for (uint64_t i = 0; i < d; ++i) EXPECT_EQ(model.items[i].popularity, pop.public_counts[i]);
  ASSERT_FALSE(p.truth.bundles.empty());
  int recovered = 0;
  for (const auto& [anchor, follow] : p.truth.bundles) {
    const auto a = static_cast<size_t>(p.log.items.find(anchor));
    if (model.neighbor_count(a) > 0 && model.neighbor[model.offset[a]] == p.log.items.find(follow)) ++recovered;
  }
  EXPECT_GE(recovered, static_cast<int>(p.truth.bundles.size()) - 1) << "of " << p.truth.bundles.size();
}

TEST(LdpHybrid, IndependentCoursesGiveNoNeighboursAndPublicPopularity) {
  // Learners take each course independently with its own rate: no pair is associated, so the
  // hybrid must not invent neighbours from the noise; the recommender then falls back to the
  // public popularity.
  const uint64_t d = 25;
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::set<uint64_t>> histories(20000);
  for (auto& h : histories)
    for (uint64_t i = 0; i < d; ++i)
      if (u(gen) < 0.02 + 0.2 * static_cast<double>(i) / static_cast<double>(d)) h.insert(i);
  for (double eps : {1.0, 4.0}) {
    Population pop(d);
    report_all(pop, histories, eps, 9);
    std::vector<ModelItem> catalogue(d);
    for (uint64_t i = 0; i < d; ++i) catalogue[i].id = catalogue[i].title = "c" + std::to_string(i);
    LdpModelOptions mo = ldp_model_options_from_json({{"publicCounts", pop.public_counts}});
    ItemModel model = item_model_from_ldp(pop.items, pop.pairs, catalogue, mo).model;
    EXPECT_LE(model.neighbor.size(), 4u) << "epsilon " << eps;  // of 600 directed pairs
    for (uint64_t i = 0; i < d; ++i) EXPECT_EQ(model.items[i].popularity, pop.public_counts[i]);
  }
}

TEST(LdpHybrid, PublicCountsAreValidatedWithTheirPlace) {
  std::vector<ModelItem> cat(3);
  cat[0].id = "a", cat[1].id = "b", cat[2].id = "c";
  size_t missing = 9;
  EXPECT_EQ(public_counts_from_json(nlohmann::json::parse(R"([1, 2.5, 0])"), cat, &missing),
            (std::vector<double>{1, 2.5, 0}));
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(public_counts_from_json(nlohmann::json::parse(R"({"c": 7, "a": 1})"), cat, &missing),
            (std::vector<double>{1, 0, 7}));
  EXPECT_EQ(missing, 1u);
  auto error = [&](const char* text) {
    try {
      public_counts_from_json(nlohmann::json::parse(text), cat);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error(R"([1, 2])").find("the array has 2 counts but the catalogue has 3 items"), std::string::npos);
  EXPECT_NE(error(R"({"zz": 1})").find("\"zz\" is not in the catalogue"), std::string::npos);
  EXPECT_NE(error(R"({"a": -1})").find("\"a\" must be a finite number >= 0"), std::string::npos);
  EXPECT_NE(error(R"([1, "x", 2])").find("[1] must be a finite number >= 0"), std::string::npos);
  EXPECT_NE(error(R"("counts")").find("an array in catalogue order or an object"), std::string::npos);
  EXPECT_THROW(ldp_model_options_from_json({{"publicCounts", {1, -2}}}), InputError);
  EXPECT_THROW(ldp_model_options_from_json({{"publicCounts", 3}}), InputError);

  // A model with the wrong number of public counts is refused, naming both sizes.
  LdpAggregator items(Population::options(ReportKind::kItem, 3)), pairs(Population::options(ReportKind::kPair, 3));
  LdpModelOptions mo = ldp_model_options_from_json({{"publicCounts", {1, 2}}});
  try {
    item_model_from_ldp(items, pairs, cat, mo);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("2 public counts but the reports are over 3 items"), std::string::npos);
  }
  // No reports yet: the hybrid is popularity alone (a fresh collector with the site's counts).
  ItemModel m = item_model_from_ldp(items, pairs, cat, ldp_model_options_from_json({{"publicCounts", {5, 0, 2}}})).model;
  EXPECT_TRUE(m.neighbor.empty());
  EXPECT_EQ(m.items[0].popularity, 5);
  EXPECT_EQ(m.items[2].popularity, 2);
}
