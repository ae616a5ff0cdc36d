#include "circlewise/dataset_summary.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "circlewise/event_reader.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

TEST(DatasetSummary, CountsByHandOnASmallLog) {
  auto log = read_events(
      "user_id,item_id,event,ts,amount,community,referrer\n"
      "a,c1,view,2024-01-01,,x,\n"
      "a,c1,purchase,2024-01-02,10.10,x,\n"
      "b,c1,purchase,2024-01-03,20.20,y,a\n"
      "b,c1,refund,2024-01-04,20.20,y,\n"
      "c,c2,purchase,2024-01-05,0.1,,\n"
      "c,,wishlist,2024-01-06,5,,\n"
      "zz,,join,2024-01-07,,x,ghost\n");
  auto s = summarize(log);
  EXPECT_EQ(s.events, 7u);
  EXPECT_EQ(s.users, 4u);  // "ghost" only appears as a referrer
  EXPECT_EQ(s.items, 2u);
  EXPECT_EQ(s.communities, 2u);
  EXPECT_EQ(s.referred_users, 2u);
  EXPECT_EQ(s.purchases, 3u);
  EXPECT_EQ(s.buyers, 3u);
  EXPECT_NEAR(s.revenue, 30.4, 1e-9);
  EXPECT_NEAR(s.refunds, 20.2, 1e-9);
  EXPECT_EQ(s.amounts_on_other_events, 1u);
  EXPECT_EQ(s.users_without_community, 1u);
  ASSERT_EQ(s.by_community.size(), 2u);
  EXPECT_EQ(s.by_community[0].name, "y");  // by revenue
  EXPECT_EQ(s.by_community[1].members, 2u);
  EXPECT_EQ(s.by_community[1].buyers, 1u);
  EXPECT_EQ(s.events_by_type.size(), 10u);
  EXPECT_EQ(s.events_by_type.back().name, "wishlist");
  EXPECT_FALSE(s.events_by_type.back().known);
  auto j = to_json(s, log.report);
  EXPECT_EQ(j["firstEvent"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(j["revenue"], 30.4);
}

TEST(DatasetSummary, EmptyLogHasNullTimeRange) {
  auto log = read_events("user_id,event,ts\n");
  auto j = to_json(summarize(log), log.report);
  EXPECT_EQ(j["events"], 0);
  EXPECT_TRUE(j["firstEvent"].is_null());
}

TEST(SyntheticPlatform, SameSeedSameLogDifferentSeedDifferentLog) {
  SyntheticOptions o;
  o.learners = 300;
  auto a = generate_platform(o), b = generate_platform(o);
  EXPECT_EQ(a.log.ts_ms, b.log.ts_ms);
  EXPECT_EQ(a.log.user, b.log.user);
  o.seed = 43;
  auto c = generate_platform(o);
  EXPECT_NE(a.log.ts_ms, c.log.ts_ms);
}

TEST(SyntheticPlatform, ExactEventCountWhenRequested) {
  SyntheticOptions o;
  o.events = 12345;
  EXPECT_EQ(generate_platform(o).log.size(), 12345u);
}

TEST(SyntheticPlatform, LogIsValidInputForTheReader) {
  SyntheticOptions o;
  o.learners = 200;
  auto p = generate_platform(o);
  auto again = read_events(write_events_csv(p.log));
  EXPECT_EQ(again.size(), p.log.size());
  EXPECT_EQ(again.ts_ms, p.log.ts_ms);
  auto s1 = summarize(p.log), s2 = summarize(again);
  EXPECT_EQ(s1.users, s2.users);
  EXPECT_DOUBLE_EQ(s1.revenue, s2.revenue);
}

// The planted effects are visible in plain counts: the first community converts enrolments
// into purchases about twice as often as the base; bundle follow-ups are bought far more often
// by buyers of their anchor than by anyone else.
TEST(SyntheticPlatform, PlantedEffectsAreRecoverable) {
  SyntheticOptions o;
  o.learners = 20000;
  o.seed = 7;
  auto p = generate_platform(o);
  const auto& log = p.log;
  const auto& truth = p.truth;
  const auto kEnroll = static_cast<int32_t>(EventType::kEnroll);
  const auto kPurchase = static_cast<int32_t>(EventType::kPurchase);
  std::set<std::pair<int32_t, int32_t>> bought, enrolled;  // (learner, course)
  std::set<int32_t> buyers, referred;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log.event[i] == kPurchase) {
      bought.insert({log.user[i], log.item[i]});
      buyers.insert(log.user[i]);
    }
    if (log.referrer[i] != kNone) referred.insert(log.user[i]);
  }
  // Bundles: buyers of the anchor buy the follow-up with the planted probability, far more
  // often than other buyers do.
  ASSERT_FALSE(truth.bundles.empty());
  const int32_t anchor = log.items.find(truth.bundles[0].first), follow = log.items.find(truth.bundles[0].second);
  double with_anchor = 0, follow_with = 0, without_anchor = 0, follow_without = 0;
  for (int32_t u : buyers) {
    const bool f = bought.count({u, follow}) > 0;
    if (bought.count({u, anchor})) {
      ++with_anchor;
      follow_with += f;
    } else {
      ++without_anchor;
      follow_without += f;
    }
  }
  EXPECT_GT(follow_with / with_anchor, truth.bundle_follow_probability * 0.9);
  EXPECT_GT((follow_with / with_anchor) / (follow_without / without_anchor), 3.0);
  // Communities: purchases per enrolment, among learners who were not referred, match the
  // planted per-community probability.
  std::vector<double> enrolments(log.communities.size()), purchases(log.communities.size());
  for (size_t i = 0; i < log.size(); ++i) {
    const int32_t c = log.community[i];
    if (c == kNone || referred.count(log.user[i])) continue;
    if (log.event[i] == kEnroll) {
      ++enrolments[c];
      enrolled.insert({log.user[i], log.item[i]});
    } else if (log.event[i] == kPurchase && enrolled.count({log.user[i], log.item[i]})) {
      ++purchases[c];
    }
  }
  for (size_t c = 0; c < enrolments.size(); ++c)
    EXPECT_NEAR(purchases[c] / enrolments[c], truth.community_purchase_probability[c], 0.03) << truth.community_names[c];
}

TEST(SyntheticPlatform, RejectsOutOfRangeOptionsByName) {
  SyntheticOptions o;
  o.courses = 1;
  try {
    generate_platform(o);
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "option \"courses\" must be between 2 and 100000, got 1");
  }
  EXPECT_THROW(synthetic_options_from_json(nlohmann::json::parse(R"({"learnrs":5})")), std::exception);
  EXPECT_THROW(synthetic_options_from_json(nlohmann::json::parse(R"({"seed":-1})")), std::exception);
  // Any uint64 seed is a seed: 2^63 and 2^64-1 are accepted exactly; 2^64 is refused with the bound.
  EXPECT_EQ(synthetic_options_from_json(nlohmann::json::parse(R"({"seed":9223372036854775808})")).seed,
            9223372036854775808ull);
  EXPECT_EQ(synthetic_options_from_json(nlohmann::json::parse(R"({"seed":18446744073709551615})")).seed,
            18446744073709551615ull);
  try {
    synthetic_options_from_json(nlohmann::json::parse(R"({"seed":18446744073709551616})"));
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "option \"seed\" must be a non-negative integer (at most 18446744073709551615)");
  }
}

// The committed fixture was written by this generator; the WASM build is checked against the same
// file in tests/node/event_log.test.mjs, so native and WASM produce the same platform per seed.
TEST(SyntheticPlatform, MatchesTheCommittedFixtureByteForByte) {
  SyntheticOptions o;
  o.seed = 5;
  o.learners = 40;
  o.courses = 12;
  o.communities = 3;
  o.days = 120;
  std::ifstream in(std::string(CIRCLEWISE_FIXTURES) + "/platform_seed5.csv", std::ios::binary);
  ASSERT_TRUE(in) << "fixture missing";
  std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(write_events_csv(generate_platform(o).log), expected);
}
