// Progress reports of the long analyses: the reporter's own rules (parts map onto the parent's
// range, never decreasing, steps of at least 1%, completion once), and that k-means, the rules
// and the churn fit report while they run without changing their results.
#include "circlewise/progress.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "circlewise/association_rules.h"

#include <algorithm>
#include <map>
#include <tuple>
#include "circlewise/churn.h"
#include "circlewise/random.h"
#include "circlewise/segmentation.h"

using namespace circlewise;

namespace {

struct Recorder {
  std::vector<std::pair<std::string, double>> seen;
  Progress progress() {
    return Progress([this](const std::string& stage, double f) { seen.emplace_back(stage, f); });
  }
};

void expect_well_formed(const Recorder& r) {
  ASSERT_GE(r.seen.size(), 2u);
  for (size_t i = 0; i < r.seen.size(); ++i) {
    EXPECT_GE(r.seen[i].second, 0.0);
    EXPECT_LE(r.seen[i].second, 1.0);
    if (i) {
      EXPECT_GE(r.seen[i].second, r.seen[i - 1].second);
    }
  }
  EXPECT_EQ(r.seen.back().second, 1.0);
}

}  // namespace

TEST(Progress, PartsMapOntoTheParentRangeAndNeverGoBack) {
  Recorder r;
  Progress p = r.progress();
  p.part(0.5, 1).part(0.5, 1).at("x", 0.5);  // 0.5 + 0.5 * (0.5 + 0.5 * 0.5) = 0.875
  ASSERT_EQ(r.seen.size(), 1u);
  EXPECT_DOUBLE_EQ(r.seen[0].second, 0.875);
  p.at("x", 0.2);  // lower than already reported: held at 0.875, and not a 1% step: dropped
  EXPECT_EQ(r.seen.size(), 1u);
  p.at("y", 0.2);  // a new stage is always forwarded, still not below 0.875
  ASSERT_EQ(r.seen.size(), 2u);
  EXPECT_DOUBLE_EQ(r.seen[1].second, 0.875);
}

TEST(Progress, ForwardsOnlyStepsOfOnePercentAndCompletionOnce) {
  Recorder r;
  Progress p = r.progress();
  for (int i = 0; i <= 10000; ++i) p.at("loop", i / 10000.0);
  EXPECT_LE(r.seen.size(), 102u);
  EXPECT_GE(r.seen.size(), 99u);
  p.at("loop", 1);
  p.at("loop", 2);  // clamped to 1, already reported
  EXPECT_EQ(r.seen.back().second, 1.0);
  size_t ones = 0;
  for (const auto& s : r.seen) ones += s.second == 1.0;
  EXPECT_EQ(ones, 1u);
  Progress none;  // no callback: at() does nothing
  none.at("x", 0.5);
  EXPECT_FALSE(static_cast<bool>(none));
}

TEST(Progress, KMeansReportsEachRestartAndGivesTheSameResult) {
  Rng rng(3);
  RowMatrix x(3000, 4);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) x(i, j) = rng.normal() + 4.0 * static_cast<double>(i % 5);
  KMeansOptions o;
  o.k = 5;
  o.n_init = 4;
  o.seed = 9;
  KMeansResult plain = kmeans(x, o);
  Recorder r;
  o.progress = r.progress();
  KMeansResult reported = kmeans(x, o);
  expect_well_formed(r);
  EXPECT_EQ(reported.labels, plain.labels);
  EXPECT_EQ(reported.inertia, plain.inertia);
  // Each restart ends at its quarter: 0.25, 0.5, 0.75 and 1 are all reached.
  for (double q : {0.25, 0.5, 0.75, 1.0}) {
    bool hit = false;
    for (const auto& s : r.seen) hit = hit || std::abs(s.second - q) < 1e-12;
    EXPECT_TRUE(hit) << q;
  }
}

TEST(Progress, RulesAndChurnReportTheirStagesInOrder) {
  Rng rng(5);
  std::vector<std::vector<int32_t>> lists(400);
  for (auto& l : lists)
    for (int32_t i = 0; i < 30; ++i)
      if (rng.uniform() < 0.15) l.push_back(i);
  ItemsetOptions io;
  io.min_support = 0.01;
  io.max_size = 3;
  Recorder ri;
  io.progress = ri.progress();
  FrequentItemsets f = frequent_itemsets(baskets_from_lists(lists, 30), io);
  expect_well_formed(ri);
  io.progress = Progress();
  EXPECT_EQ(frequent_itemsets(baskets_from_lists(lists, 30), io).counts, f.counts);
  RuleOptions ro;
  Recorder rr;
  ro.progress = rr.progress();
  EXPECT_GT(association_rules(f, ro).rules.size(), 0u);
  EXPECT_EQ(rr.seen.back().second, 1.0);

  PurchaseSummary s = simulate_bgnbd({0.5, 2, 0.8, 2.5}, 800, 20, 40, 7);
  ChurnOptions co;
  Recorder rc;
  co.progress = rc.progress();
  ChurnAnalysis a = analyze_churn(s, co);
  expect_well_formed(rc);
  std::vector<std::string> stages;
  for (const auto& x : rc.seen)
    if (stages.empty() || stages.back() != x.first) stages.push_back(x.first);
  EXPECT_EQ(stages, (std::vector<std::string>{"BG/NBD fit", "spend model", "scoring learners"}));
  EXPECT_EQ(a.model.params.r, analyze_churn(s, ChurnOptions{}).model.params.r);
}

// rules() on a log spends most of its time cutting baskets: they report while they read the log,
// and the baskets equal a brute-force grouping (learner, then time, ties in file order; sessions
// split on the gap) however the rows are sorted inside.
TEST(Progress, BasketsReportWhileReadingTheLogAndMatchBruteForce) {
  Rng rng(9);
  EventLog log;
  const char* events[] = {"purchase", "view", "purchase", "enroll"};
  for (int i = 0; i < 300000; ++i) {
    const std::string user = "u" + std::to_string(rng.below(20000));
    const std::string item = rng.uniform() < 0.02 ? "" : "c" + std::to_string(rng.below(40));
    log.append(user, item, events[rng.below(4)], static_cast<int64_t>(rng.below(5000)) * 60000, 10, "", "");
  }
  AssociationAnalysisOptions o;
  o.baskets.by = BasketBy::kSession;
  o.baskets.session_gap_ms = 600000;
  o.itemsets.min_support = 0.001;
  Recorder r;
  o.progress = r.progress();
  AssociationAnalysis a = analyze_associations(log, o);
  expect_well_formed(r);
  std::vector<double> baskets;
  for (const auto& [stage, f] : r.seen)
    if (stage == "baskets") baskets.push_back(f);
  ASSERT_GE(baskets.size(), 8u);  // before: one report at 0, then nothing until the itemsets
  EXPECT_GE(baskets.back(), 0.35);
  EXPECT_EQ(r.seen[baskets.size()].first, "frequent itemsets");

  // Brute force: (user, ts, file index) ordered rows of purchases with a course.
  std::map<std::tuple<int32_t, int64_t, size_t>, int32_t> rows;
  size_t without_item = 0;
  const int32_t purchase = log.event_names.find("purchase");
  for (size_t i = 0; i < log.size(); ++i) {
    if (log.event[i] != purchase) continue;
    if (log.item[i] == kNone) ++without_item;
    else rows[{log.user[i], log.ts_ms[i], i}] = log.item[i];
  }
  std::vector<std::vector<int32_t>> expected;
  const std::tuple<int32_t, int64_t, size_t>* prev = nullptr;
  for (const auto& [key, item] : rows) {
    if (!prev || std::get<0>(*prev) != std::get<0>(key) || std::get<1>(key) - std::get<1>(*prev) > o.baskets.session_gap_ms)
      expected.emplace_back();
    expected.back().push_back(item);
    prev = &key;
  }
  for (auto& e : expected) {
    std::sort(e.begin(), e.end());
    e.erase(std::unique(e.begin(), e.end()), e.end());
  }
  const Baskets& b = a.baskets;
  ASSERT_EQ(b.size(), expected.size());
  for (size_t k = 0; k < b.size(); ++k)
    ASSERT_EQ(std::vector<int32_t>(b.items.begin() + static_cast<std::ptrdiff_t>(b.offsets[k]), b.items.begin() + static_cast<std::ptrdiff_t>(b.offsets[k + 1])), expected[k]) << k;
  EXPECT_EQ(b.events_without_item, without_item);
  EXPECT_EQ(b.events_used, rows.size());
  o.progress = Progress();
  EXPECT_EQ(analyze_associations(log, o).itemsets.counts, a.itemsets.counts);
}
