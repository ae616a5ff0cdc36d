#include "circlewise/referrals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/synthetic_platform.h"
#include "circlewise/timestamp.h"
#include "test_support.h"

using namespace circlewise;

namespace {

int64_t ms(const char* iso) { return parse_timestamp(iso).ms; }
const double kNo = EventLog::kNoAmount;

// a -> b -> c -> d is a chain; e was brought by an id with no events; f names itself; g and h
// name each other (a cycle). Every expected value below is worked out in docs/communities.md.
EventLog hand_log() {
  EventLog log;
  log.append("a", "", "join", ms("2025-01-01"), kNo, "C1", "");
  log.append("a", "x", "purchase", ms("2025-01-02"), 100, "C1", "");
  log.append("a", "x", "share", ms("2025-01-02T01:00"), kNo, "C1", "");
  log.append("b", "", "join", ms("2025-01-05"), kNo, "C1", "a");
  log.append("b", "x", "purchase", ms("2025-01-06"), 50, "C1", "");
  log.append("b", "x", "view", ms("2025-01-07"), kNo, "C1", "e");  // a conflicting later referrer
  log.append("c", "", "join", ms("2025-01-10"), kNo, "C1", "b");
  log.append("d", "", "join", ms("2025-02-01"), kNo, "C1", "c");
  log.append("d", "y", "purchase", ms("2025-02-02"), 20, "C1", "");
  log.append("d", "y", "refund", ms("2025-02-03"), 20, "C1", "");
  log.append("e", "", "join", ms("2025-01-03"), kNo, "C2", "ghost");
  log.append("f", "", "join", ms("2025-01-04"), kNo, "C2", "f");
  log.append("g", "", "join", ms("2025-01-05"), kNo, "C2", "h");
  log.append("h", "", "join", ms("2025-01-06"), kNo, "C2", "g");
  return log;
}

const ReferralPeriod& period(const ReferralResult& r, const std::string& community, const std::string& label) {
  for (const auto& c : r.communities)
    if (c.community == community)
      for (const auto& p : c.periods)
        if (period_label(p.period, r.period) == label) return p;
  throw std::runtime_error("no period " + community + " " + label);
}

}  // namespace

TEST(Referrals, CountsChainsUnknownSelfAndCyclesAsDocumented) {
  ReferralResult r = referrals(hand_log(), {});
  EXPECT_EQ(r.learners, 8u);  // "ghost" is only a referrer
  EXPECT_EQ(r.referred, 5u);  // b, c, d, e, h
  EXPECT_EQ(r.referred_by_unknown, 1u);
  EXPECT_EQ(r.unknown_referrers, 1u);
  EXPECT_EQ(r.self_referrals, 1u);
  EXPECT_EQ(r.conflicting_referrers, 1u);
  EXPECT_EQ(r.cycles, 1u);
  EXPECT_EQ(r.learners_in_cycles, 2u);
  EXPECT_EQ(r.generations, (std::vector<uint64_t>{3, 3, 1, 1}));  // a f g | b e h | c | d
  EXPECT_DOUBLE_EQ(r.k_factor, 5.0 / 8);
  EXPECT_DOUBLE_EQ(r.referred_conversion, 2.0 / 5);    // b and d bought
  EXPECT_DOUBLE_EQ(r.unreferred_conversion, 1.0 / 3);  // a of a, f, g
  // g joined first, so the edge into g is the one dropped: h stays g's referral.
  const int32_t g = hand_log().users.find("g"), h = hand_log().users.find("h");
  EXPECT_EQ(r.referrer_of[static_cast<size_t>(g)], kNone);
  EXPECT_EQ(r.referrer_of[static_cast<size_t>(h)], g);
}

TEST(Referrals, AttributesDirectAndChainRevenueOncePerAncestor) {
  ReferralResult r = referrals(hand_log(), {});
  ASSERT_EQ(r.advocates.size(), 4u);
  EXPECT_EQ(r.advocates[0].id, "a");
  EXPECT_EQ(r.advocates[0].direct, 1u);
  EXPECT_EQ(r.advocates[0].chain, 3u);
  EXPECT_DOUBLE_EQ(r.advocates[0].direct_revenue, 50);
  EXPECT_DOUBLE_EQ(r.advocates[0].chain_revenue, 50);  // b 50 + c 0 + d 20 - 20 refunded
  EXPECT_EQ(r.advocates[0].depth, 3u);
  EXPECT_EQ(r.advocates[1].id, "b");
  EXPECT_EQ(r.advocates[1].chain, 2u);
  EXPECT_EQ(r.advocates[2].id, "c");  // c and g tie on everything but the id
  EXPECT_EQ(r.advocates[3].id, "g");
  for (const auto& a : r.advocates) EXPECT_NE(a.id, "ghost");
}

TEST(Referrals, PerCommunityAndPeriodMatchHandValues) {
  ReferralResult r = referrals(hand_log(), {});
  const auto& jan = period(r, "C1", "2025-01");
  EXPECT_EQ(jan.invites_sent, 1u);
  EXPECT_EQ(jan.active, 2u);  // a and b; c only joined
  EXPECT_EQ(jan.accepted, 2u);
  EXPECT_DOUBLE_EQ(jan.invites_per_active, 0.5);
  EXPECT_DOUBLE_EQ(jan.acceptance, 2);
  EXPECT_DOUBLE_EQ(jan.k_factor, 1);
  EXPECT_DOUBLE_EQ(jan.referral_conversion, 0.5);
  EXPECT_DOUBLE_EQ(jan.cycle_time_days, 4.5);  // b 4 days after a, c 5 days after b
  const auto& feb = period(r, "C1", "2025-02");
  EXPECT_EQ(feb.accepted, 1u);
  EXPECT_TRUE(std::isnan(feb.acceptance));  // no share in February
  EXPECT_DOUBLE_EQ(feb.k_factor, 1);
  EXPECT_DOUBLE_EQ(feb.cycle_time_days, 22);
  const auto& c2 = period(r, "C2", "2025-01");
  EXPECT_EQ(c2.accepted, 2u);  // e (unknown referrer) and h
  EXPECT_TRUE(std::isnan(c2.k_factor));  // nobody active: only joins
  EXPECT_DOUBLE_EQ(c2.cycle_time_days, 1);  // known referrers only
  ASSERT_EQ(r.communities.size(), 2u);  // no "(none)": every event names a community
  EXPECT_EQ(r.communities[0].learners, 4u);
  EXPECT_EQ(r.communities[0].max_generation, 3u);
  EXPECT_EQ(r.communities[1].referred, 2u);
  nlohmann::json j = nlohmann::json::parse(to_json_text(r));
  EXPECT_EQ(j["maxGeneration"], 3);
  EXPECT_TRUE(j["communities"][1]["periods"][0]["kFactor"].is_null());
}

TEST(Referrals, ReferrerColumnFullOfUnknownIds) {
  EventLog log;
  for (int i = 0; i < 6; ++i)
    log.append("l" + std::to_string(i), "", "join", ms("2025-01-01") + i, kNo, "C", "stranger" + std::to_string(i));
  ReferralResult r = referrals(log, {});
  EXPECT_EQ(r.learners, 6u);
  EXPECT_EQ(r.referred, 6u);
  EXPECT_EQ(r.referred_by_unknown, 6u);
  EXPECT_EQ(r.unknown_referrers, 6u);
  EXPECT_TRUE(r.advocates.empty());
  EXPECT_EQ(r.generations, (std::vector<uint64_t>{0, 6}));
}

TEST(Referrals, LongerCycleIsCutOnceAndNothingIsCountedTwice) {
  EventLog log;  // p -> q -> r -> p, plus s brought by r
  log.append("q", "", "join", ms("2025-01-02"), kNo, "C", "p");
  log.append("r", "", "join", ms("2025-01-03"), kNo, "C", "q");
  log.append("p", "", "join", ms("2025-01-01"), kNo, "C", "r");
  log.append("s", "x", "purchase", ms("2025-01-04"), 10, "C", "r");
  ReferralResult r = referrals(log, {});
  EXPECT_EQ(r.cycles, 1u);
  EXPECT_EQ(r.learners_in_cycles, 3u);
  EXPECT_EQ(r.referred, 3u);  // q, r, s: p (earliest) becomes the root
  EXPECT_EQ(r.generations, (std::vector<uint64_t>{1, 1, 1, 1}));
  ASSERT_FALSE(r.advocates.empty());
  EXPECT_EQ(r.advocates[0].id, "p");
  EXPECT_EQ(r.advocates[0].chain, 3u);
  EXPECT_DOUBLE_EQ(r.advocates[0].chain_revenue, 10);
}

TEST(Referrals, EmptyLogAndNoReferrerColumn) {
  EventLog empty;
  ReferralResult r = referrals(empty, {});
  EXPECT_EQ(r.learners, 0u);
  EXPECT_TRUE(std::isnan(r.k_factor));
  EventLog log;
  log.append("a", "x", "view", ms("2025-01-01"), kNo, "", "");
  ReferralResult s = referrals(log, {});
  EXPECT_EQ(s.referred, 0u);
  EXPECT_DOUBLE_EQ(s.k_factor, 0);
  EXPECT_TRUE(s.advocates.empty());
}

TEST(Referrals, RecoversThePlantedAdvocates) {
  SyntheticOptions so;
  so.seed = 5;
  so.learners = 3000;
  so.advocates = 3;
  SyntheticPlatform p = generate_platform(so);
  ASSERT_EQ(p.truth.advocates.size(), 3u);
  ReferralOptions o;
  o.top = 3;
  ReferralResult r = referrals(p.log, o);
  std::vector<std::string> top;
  for (const auto& a : r.advocates) top.push_back(a.id);
  std::vector<std::string> planted = p.truth.advocates;
  std::sort(top.begin(), top.end());
  std::sort(planted.begin(), planted.end());
  EXPECT_EQ(top, planted);
  EXPECT_GE(r.generations.size(), 3u);  // chains at least two deep
  // Referred learners buy 1.5x as often per enrolment: they convert more often overall.
  EXPECT_GT(r.referred_conversion, r.unreferred_conversion);
}

TEST(Referrals, GeneratorWithoutEffectsIsUnchanged) {
  SyntheticOptions so;
  so.seed = 5;
  so.learners = 300;
  SyntheticPlatform a = generate_platform(so);
  EXPECT_TRUE(a.truth.advocates.empty());
  EXPECT_TRUE(a.truth.declining_community.empty());
  EXPECT_FALSE(to_json(a.truth).contains("advocates"));
}

TEST(Referrals, RejectsBadOptionsByName) {
  EXPECT_NE(error_of([] { referral_options_from_json({{"rankBy", "fame"}}); }).find("\"rankBy\""), std::string::npos);
  EXPECT_NE(error_of([] { referral_options_from_json({{"top", -1}}); }).find("\"top\""), std::string::npos);
  EXPECT_NE(error_of([] { referral_options_from_json({{"period", 7}}); }).find("\"period\""), std::string::npos);
}

TEST(Referrals, RefusesMorePeriodsThanItReports) {
  EventLog log;
  log.append("a", "", "join", ms("2020-01-01"), kNo, "C", "");
  log.append("b", "", "join", ms("2025-01-01"), kNo, "C", "a");
  ReferralOptions o;
  o.period = RetentionPeriod::kDay;
  EXPECT_NE(error_of([&] { referrals(log, o); }).find("choose a longer \"period\""), std::string::npos);
  o.period = RetentionPeriod::kMonth;
  EXPECT_EQ(referrals(log, o).referred, 1u);
}
