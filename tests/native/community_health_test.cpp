#include "circlewise/community_health.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/synthetic_platform.h"
#include "circlewise/timestamp.h"
#include "test_support.h"

using namespace circlewise;

namespace {

int64_t ms(const char* iso) { return parse_timestamp(iso).ms; }
const double kNo = EventLog::kNoAmount;

// The small log of docs/communities.md, with every number computed by hand there.
EventLog hand_log() {
  EventLog log;
  log.communities.intern("empty-club");  // named by the platform, nobody ever in it
  log.append("u1", "", "join", ms("2025-01-05T09:00"), kNo, "A", "");
  log.append("u1", "x", "view", ms("2025-01-05T10:00"), kNo, "A", "");
  log.append("u1", "x", "purchase", ms("2025-01-10"), 100, "A", "");
  log.append("u1", "x", "share", ms("2025-01-10T01:00"), kNo, "A", "");
  log.append("u2", "", "join", ms("2025-01-20"), kNo, "A", "");
  log.append("u2", "x", "view", ms("2025-01-20T01:00"), kNo, "A", "");
  log.append("u5", "x", "view", ms("2025-01-15"), kNo, "Solo", "");
  log.append("u1", "y", "view", ms("2025-02-03"), kNo, "A", "");
  log.append("u1", "y", "purchase", ms("2025-02-03T01:00"), 50, "A", "");
  log.append("u3", "z", "view", ms("2025-02-10"), kNo, "A", "");  // member through the column alone
  log.append("u3", "z", "purchase", ms("2025-02-10T01:00"), 30, "A", "");
  log.append("u3", "z", "refund", ms("2025-02-12"), 30, "A", "");
  log.append("u2", "", "leave", ms("2025-02-15"), kNo, "A", "");
  log.append("u1", "x", "view", ms("2025-03-01"), kNo, "A", "");
  log.append("u1", "x", "view", ms("2025-03-02"), kNo, "", "");   // no community: counted, unused
  log.append("u4", "", "leave", ms("2025-03-03"), kNo, "A", "");   // never a member
  log.append("u2", "", "join", ms("2025-03-05"), kNo, "A", "");    // rejoins
  return log;
}

const CommunityHealth& find(const CommunityHealthResult& r, const std::string& name) {
  for (const auto& c : r.communities)
    if (c.community == name) return c;
  throw std::runtime_error("no community " + name);
}

}  // namespace

TEST(CommunityHealth, MatchesHandComputedMonthlyMetrics) {
  CommunityHealthResult r = community_health(hand_log(), {});
  const auto& a = find(r, "A");
  ASSERT_EQ(a.periods.size(), 3u);
  const auto& jan = a.periods[0].value;
  const auto& feb = a.periods[1].value;
  const auto& mar = a.periods[2].value;
  EXPECT_EQ(jan[kHealthMembers], 2);
  EXPECT_EQ(jan[kHealthNew], 2);
  EXPECT_EQ(jan[kHealthActive], 2);
  EXPECT_EQ(jan[kHealthPayers], 1);
  EXPECT_DOUBLE_EQ(jan[kHealthConversionRate], 0.5);
  EXPECT_DOUBLE_EQ(jan[kHealthRevenuePerMember], 50);
  EXPECT_DOUBLE_EQ(jan[kHealthShareRate], 0.5);
  EXPECT_DOUBLE_EQ(jan[kHealthEventsPerActive], 2);
  EXPECT_TRUE(std::isnan(jan[kHealthPayingRatio]));  // no previous period
  // February: u2 leaves (still a member during February), u3 arrives through the column.
  EXPECT_EQ(feb[kHealthMembers], 3);
  EXPECT_EQ(feb[kHealthNew], 1);
  EXPECT_EQ(feb[kHealthChurned], 1);
  EXPECT_EQ(feb[kHealthActive], 2);
  EXPECT_EQ(feb[kHealthPayers], 2);
  EXPECT_DOUBLE_EQ(feb[kHealthRevenue], 50);  // 50 + 30 - 30 refunded
  EXPECT_DOUBLE_EQ(feb[kHealthConversionRate], 2.0 / 3);
  EXPECT_DOUBLE_EQ(feb[kHealthPayingRatio], 2);
  EXPECT_DOUBLE_EQ(feb[kHealthPayingRetention], 1);
  EXPECT_DOUBLE_EQ(feb[kHealthShareRate], 0);
  EXPECT_NEAR(feb[kHealthDauMau], (1.0 / 2 + 1.0 / 3) / 28, 1e-12);
  EXPECT_NEAR(feb[kHealthWauMau], (7 * 0.5 + 7.0 / 3) / 28, 1e-12);
  // March: u2 rejoins (new, not active: a join is not engagement).
  EXPECT_EQ(mar[kHealthMembers], 3);
  EXPECT_EQ(mar[kHealthNew], 1);
  EXPECT_EQ(mar[kHealthActive], 1);
  EXPECT_DOUBLE_EQ(mar[kHealthPayingRatio], 0);
  EXPECT_DOUBLE_EQ(mar[kHealthPayingRetention], 0);
  EXPECT_TRUE(a.periods[0].partial);   // the log starts on January 5
  EXPECT_FALSE(a.periods[1].partial);
  EXPECT_TRUE(a.periods[2].partial);   // and ends on March 5
  EXPECT_EQ(period_label(r.ranked_period, r.period), "2025-02");
  EXPECT_EQ(r.events_without_community, 1u);
  EXPECT_EQ(r.leaves_without_membership, 1u);
}

TEST(CommunityHealth, EmptyCommunityIsReportedLastWithNoPeriods) {
  CommunityHealthResult r = community_health(hand_log(), {});
  ASSERT_EQ(r.communities.size(), 3u);
  const auto& e = r.communities.back();
  EXPECT_EQ(e.community, "empty-club");
  EXPECT_TRUE(e.empty);
  EXPECT_TRUE(e.periods.empty());
  EXPECT_EQ(e.rank, 3u);
  nlohmann::json j = nlohmann::json::parse(to_json_text(r));
  EXPECT_TRUE(j["communities"][2]["latest"].is_null());
}

TEST(CommunityHealth, OneMemberCommunityHasUndefinedRatesWhenInactive) {
  CommunityHealthResult r = community_health(hand_log(), {});
  const auto& s = find(r, "Solo");
  ASSERT_EQ(s.periods.size(), 3u);
  EXPECT_EQ(s.periods[0].value[kHealthMembers], 1);
  EXPECT_EQ(s.periods[0].value[kHealthActive], 1);
  EXPECT_DOUBLE_EQ(s.periods[0].value[kHealthConversionRate], 0);
  EXPECT_EQ(s.periods[1].value[kHealthMembers], 1);  // no leave: still a member
  EXPECT_TRUE(std::isnan(s.periods[1].value[kHealthEventsPerActive]));
  EXPECT_TRUE(std::isnan(s.periods[1].value[kHealthShareRate]));
  EXPECT_TRUE(nlohmann::json::parse(to_json_text(r))["communities"][1]["periods"][1]["shareRate"].is_null());
  EXPECT_EQ(find(r, "A").rank, 1u);  // 2 active in February against 0
}

TEST(CommunityHealth, FlagsAChangeBeyondNormalVariation) {
  EventLog log;
  const int active[] = {10, 11, 10, 12, 10, 11, 10, 12, 2, 2};
  for (int m = 0; m < 10; ++m)
    for (int u = 0; u < active[m]; ++u) {
      char when[32];
      std::snprintf(when, sizeof when, "2025-%02d-01T12:00", m + 1);
      log.append("u" + std::to_string(u), "x", "view", ms(when), kNo, "B", "");
    }
  log.append("u0", "x", "view", ms("2025-10-31T12:00"), kNo, "B", "");
  CommunityHealthResult r = community_health(log, {});
  const auto& b = r.communities[0];
  ASSERT_EQ(b.periods.size(), 10u);
  for (size_t t = 1; t < 8; ++t) EXPECT_EQ(b.periods[t].flag[kHealthActive], 0) << t;
  // September: change -10 against earlier changes +1 -1 +2 -2 +1 -1 +2 (median 1, MAD 1).
  EXPECT_EQ(b.periods[8].change[kHealthActive], -10);
  EXPECT_NEAR(b.periods[8].z[kHealthActive], -11 / 1.4826, 1e-9);
  EXPECT_EQ(b.periods[8].flag[kHealthActive], -1);
  EXPECT_EQ(nlohmann::json::parse(to_json_text(r))["communities"][0]["periods"][8]["trend"]["active"]["flag"], "down");
  EXPECT_EQ(b.periods[9].flag[kHealthActive], 0);  // no change
}

// payingRatio and payingRetention of a period compare it with the one before: right after a
// partial first period they compare with a part-month, so their change out of that period is no
// normal variation either (it must not be flagged nor become history that flags later changes).
TEST(CommunityHealth, PeriodOverPeriodMetricsNeverUseAPartialPeriodAsHistory) {
  EventLog log;
  log.append("u0", "x", "purchase", ms("2025-01-20"), 10, "P", "");  // the log starts on 20 January
  for (int m = 2; m <= 7; ++m)
    for (int u = 0; u < 10; ++u) {
      char when[32];
      std::snprintf(when, sizeof when, "2025-%02d-05T12:00", m);
      log.append("u" + std::to_string(u), "x", "purchase", ms(when), 10, "P", "");
    }
  log.append("u0", "x", "view", ms("2025-07-31T12:00"), kNo, "P", "");  // July is complete
  CommunityHealthOptions o;
  o.min_history = 1;
  CommunityHealthResult r = community_health(log, o);
  const auto& p = r.communities[0];
  ASSERT_EQ(p.periods.size(), 7u);
  EXPECT_TRUE(p.periods[0].partial);
  EXPECT_FALSE(p.periods[6].partial);
  EXPECT_EQ(p.periods[1].value[kHealthPayingRatio], 10);  // February over the part of January
  EXPECT_EQ(p.periods[2].value[kHealthPayingRatio], 1);
  EXPECT_EQ(p.periods[2].change[kHealthPayingRatio], -9);  // reported...
  EXPECT_TRUE(std::isnan(p.periods[2].z[kHealthPayingRatio]));  // ...but not compared
  // Ten payers every complete month: the ratios never moved, so they are never flagged (the -9
  // used as history flagged April's 0 as "up").
  for (size_t t = 0; t < p.periods.size(); ++t) {
    EXPECT_EQ(p.periods[t].flag[kHealthPayingRatio], 0) << t;
    EXPECT_EQ(p.periods[t].flag[kHealthPayingRetention], 0) << t;
    EXPECT_EQ(p.periods[t].flag[kHealthPayers], 0) << t;
  }
}

TEST(CommunityHealth, EmptyLogGivesAWarningNotACrash) {
  EventLog log;
  CommunityHealthResult r = community_health(log, {});
  EXPECT_TRUE(r.communities.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
}

TEST(CommunityHealth, RecoversThePlantedDecliningCommunity) {
  SyntheticOptions so;
  so.seed = 11;
  so.learners = 4000;
  so.declining_community = true;
  SyntheticPlatform p = generate_platform(so);
  CommunityHealthOptions o;
  o.period = RetentionPeriod::kMonth;
  CommunityHealthResult r = community_health(p.log, o);
  // The decline starts on day 243 (2025-09-01): its active members fall and are flagged, and it is
  // the only community flagged down on active members in September or October.
  for (const auto& c : r.communities) {
    bool down = false;
    for (const auto& hp : c.periods) {
      const std::string label = period_label(hp.period, r.period);
      if ((label == "2025-09" || label == "2025-10") && hp.flag[kHealthActive] < 0) down = true;
    }
    EXPECT_EQ(down, c.community == p.truth.declining_community) << c.community;
  }
}

TEST(CommunityHealth, RejectsBadOptionsByName) {
  EXPECT_NE(error_of([] { community_health_options_from_json({{"period", "year"}}); }).find("\"period\""), std::string::npos);
  EXPECT_NE(error_of([] { community_health_options_from_json({{"rankBy", "fun"}}); }).find("known: members"), std::string::npos);
  EXPECT_NE(error_of([] { community_health_options_from_json({{"trendZ", 0}}); }).find("trendZ"), std::string::npos);
  EXPECT_NE(error_of([] { community_health_options_from_json({{"minHistory", 1}}); }).find("minHistory"), std::string::npos);
  EXPECT_NE(error_of([] { community_health_options_from_json({{"colour", 1}}); }).find("unknown"), std::string::npos);
}
