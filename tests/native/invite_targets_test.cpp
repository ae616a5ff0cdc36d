#include "circlewise/invite_targets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "circlewise/synthetic_platform.h"
#include "circlewise/timestamp.h"
#include "test_support.h"

using namespace circlewise;

namespace {

int64_t ms(const char* iso) { return parse_timestamp(iso).ms; }
const double kNo = EventLog::kNoAmount;

SyntheticPlatform platform() {
  SyntheticOptions so;
  so.seed = 3;
  so.learners = 3000;
  return generate_platform(so);
}

// Owners of `course` in the log, by name.
std::set<std::string> owners(const EventLog& log, const std::string& course) {
  std::set<std::string> s;
  const int32_t c = log.items.find(course);
  for (size_t i = 0; i < log.size(); ++i)
    if (log.item[i] == c && log.event[i] == static_cast<int32_t>(EventType::kPurchase))
      s.insert(std::string(log.users.name(log.user[i])));
  return s;
}

}  // namespace

TEST(InviteTargets, RuleConfidenceSignalMatchesHandCount) {
  // Of the 4 owners of "a", 2 own "t": the rule {a} -> {t} has confidence 0.5; of the 2 owners of
  // "b", 1 owns "t" (0.5 too, but "a" comes first only if it is strictly better: it is not).
  EventLog log;
  const char* own_a[] = {"u1", "u2", "u3", "u4"};
  for (auto u : own_a) log.append(u, "a", "purchase", ms("2025-01-01"), 10, "", "");
  log.append("u1", "t", "purchase", ms("2025-01-02"), 10, "", "");
  log.append("u2", "t", "purchase", ms("2025-01-02"), 10, "", "");
  log.append("u5", "b", "purchase", ms("2025-01-01"), 10, "", "");
  log.append("u6", "b", "purchase", ms("2025-01-01"), 10, "", "");
  log.append("u6", "t", "purchase", ms("2025-01-02"), 10, "", "");
  log.append("u7", "c", "view", ms("2025-01-01"), kNo, "", "");
  // A window with one buyer of "t" (u8) so the propensity has something to learn from.
  log.append("u8", "a", "purchase", ms("2025-01-03"), 10, "", "");
  log.append("u8", "t", "purchase", ms("2025-03-01"), 10, "", "");
  log.append("u7", "c", "view", ms("2025-03-02"), kNo, "", "");
  InviteTargetOptions o;
  o.courses = {"t"};
  o.limit = 0;
  InviteTargetResult r = invite_targets(log, o);
  EXPECT_EQ(r.owners, 4u);  // u1 u2 u6 u8
  ASSERT_EQ(r.candidates, 4u);  // u3 u4 u5 u7
  for (const auto& t : r.targets) {
    if (t.learner == "u3" || t.learner == "u4") {
      // Now 5 learners own "a" (u8 too) and 3 of them own "t".
      EXPECT_DOUBLE_EQ(t.rule_confidence, 3.0 / 5) << t.learner;
      EXPECT_EQ(t.best_antecedent, "a");
      EXPECT_NEAR(t.similarity, 3 / std::sqrt(5.0 * 4), 1e-12);  // cosine: 3 co-owners, 5 and 4 owners
    } else if (t.learner == "u5") {
      EXPECT_DOUBLE_EQ(t.rule_confidence, 0.5);
    } else {
      EXPECT_EQ(t.learner, "u7");
      EXPECT_EQ(t.rule_confidence, 0);
      EXPECT_EQ(t.best_antecedent, "");
    }
  }
  EXPECT_EQ(r.train_buyers, 1u);
  double sum = 0;
  for (const auto& t : r.targets) sum += t.probability;
  EXPECT_NEAR(sum, r.expected_listed, 1e-12);
}

TEST(InviteTargets, RanksTheBuyersOfThePlantedAnchorFirst) {
  // course-002 is the planted follow-up of course-001: owners of course-001 who lack course-002
  // are the likeliest buyers, so they dominate the top of the list far beyond their share.
  SyntheticPlatform p = platform();
  InviteTargetOptions o;
  o.courses = {"course-002"};
  o.limit = 0;
  InviteTargetResult all = invite_targets(p.log, o);
  const auto anchor = owners(p.log, "course-001");
  double base = 0;
  for (const auto& t : all.targets) base += anchor.count(t.learner) ? 1 : 0;
  base /= static_cast<double>(all.targets.size());
  o.limit = 50;
  InviteTargetResult r = invite_targets(p.log, o);
  int hits = 0;
  for (const auto& t : r.targets) hits += anchor.count(t.learner) ? 1 : 0;
  EXPECT_GE(hits, 35) << "base share " << base;
  EXPECT_GT(hits / 50.0, 4 * base);
  EXPECT_GT(r.coefficients[1], 0);  // rule confidence raises the propensity
  EXPECT_GT(r.train_auc, 0.7);
  for (size_t k = 1; k < r.targets.size(); ++k) EXPECT_GE(r.targets[k - 1].probability, r.targets[k].probability);
  uint64_t listed = 0;
  for (const auto& c : r.by_community) listed += c.listed;
  EXPECT_EQ(listed, r.targets.size());
  EXPECT_LE(r.expected_listed, r.expected_all);
}

TEST(InviteTargets, SegmentAndRuleFiltersKeepOnlyMatchingLearners) {
  SyntheticPlatform p = platform();
  InviteTargetOptions o;
  o.courses = {"course-004"};
  o.limit = 0;
  o.segment = "Champions";
  InviteTargetResult r = invite_targets(p.log, o);
  ASSERT_FALSE(r.targets.empty());
  for (const auto& t : r.targets) EXPECT_EQ(t.segment, "Champions");
  o.segment = "";
  o.antecedent = {"course-003"};
  InviteTargetResult s = invite_targets(p.log, o);
  const auto anchor = owners(p.log, "course-003");
  ASSERT_FALSE(s.targets.empty());
  for (const auto& t : s.targets) EXPECT_TRUE(anchor.count(t.learner)) << t.learner;
  EXPECT_EQ(s.candidates + s.filtered_out + s.owners, r.candidates + r.filtered_out + r.owners);
}

TEST(InviteTargets, SuggestsSeedingIntoTheCommunityThatConvertsBest) {
  // The first community was planted to convert twice as well as the base.
  SyntheticPlatform p = platform();
  InviteTargetOptions o;
  o.courses = {"course-001"};
  InviteTargetResult r = invite_targets(p.log, o);
  ASSERT_FALSE(r.seeding.empty());
  EXPECT_EQ(r.seeding[0].community, p.truth.community_names[0]);
  for (const auto& g : r.seeding) {
    EXPECT_GT(g.difference_low, 0);
    EXPECT_NEAR(g.expected_extra, g.candidates * (g.share_in - g.share_elsewhere), 1e-9);
  }
}

TEST(InviteTargets, CsvHasAHeaderAndOneRowPerTarget) {
  SyntheticPlatform p = platform();
  InviteTargetOptions o;
  o.courses = {"course-002"};
  o.limit = 7;
  InviteTargetResult r = invite_targets(p.log, o);
  std::istringstream csv(to_csv(r));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "learner,probability,segment,community,ruleConfidence,bestAntecedent,similarity,activity,r,fm");
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 7);
}

TEST(InviteTargets, ClearErrorsForBadRequests) {
  SyntheticPlatform p = platform();
  InviteTargetOptions o;
  EXPECT_NE(error_of([&] { invite_targets(p.log, o); }).find("\"courses\""), std::string::npos);
  o.courses = {"course-999"};
  EXPECT_NE(error_of([&] { invite_targets(p.log, o); }).find("course-999"), std::string::npos);
  o.courses = {"course-001"};
  o.segment = "Heroes";
  EXPECT_NE(error_of([&] { invite_targets(p.log, o); }).find("known: Champions"), std::string::npos);
  o.segment = "";
  o.antecedent = {"course-001"};
  EXPECT_NE(error_of([&] { invite_targets(p.log, o); }).find("target"), std::string::npos);
  EventLog tiny;  // nobody buys in the last window
  tiny.append("u1", "t", "purchase", ms("2025-01-01"), 10, "", "");
  tiny.append("u2", "x", "view", ms("2025-03-01"), kNo, "", "");
  InviteTargetOptions t;
  t.courses = {"t"};
  EXPECT_NE(error_of([&] { invite_targets(tiny, t); }).find("no basis"), std::string::npos);
  EXPECT_NE(error_of([] { invite_target_options_from_json({{"horizonDays", 0}}); }).find("horizonDays"), std::string::npos);
  EXPECT_NE(error_of([] { invite_target_options_from_json(nlohmann::json::object()); }).find("courses"), std::string::npos);
}
