#include "circlewise/funnel.h"

#include <gtest/gtest.h>

#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "circlewise/error.h"
#include "circlewise/random.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

namespace {

constexpr int64_t kHour = 3600000;


const char* const kNames[] = {"view", "enroll", "purchase", "complete", "refund"};

EventLog random_log(uint64_t seed, int learners, int max_events) {
  Rng rng(seed);
  EventLog log;
  for (int u = 0; u < learners; ++u) {
    int n = static_cast<int>(rng.below(static_cast<uint64_t>(max_events) + 1));
    for (int k = 0; k < n; ++k) {
      // Skewed towards early steps, with ties in time on purpose.
      const char* name = kNames[std::min<uint64_t>(rng.below(6), 4)];
      std::string item = rng.bernoulli(0.5) ? "A" : "B";
      const char* comm[] = {"c1", "c2", ""};
      log.append("u" + std::to_string(u), item, name, static_cast<int64_t>(rng.below(24)) * kHour, EventLog::kNoAmount,
                 comm[rng.below(3)], "");
    }
  }
  return log;
}

// Brute force over every chain of events (strict) or every assignment of distinct events to the
// steps (any order), straight from the definition in funnel.h.
std::vector<FunnelAttempt> brute_force(const EventLog& log, const FunnelOptions& o) {
  std::vector<FunnelAttempt> out(log.users.size());
  const size_t K = o.steps.size();
  auto named = [&](size_t i, const std::string& name) { return log.event_names.name(log.event[i]) == name; };
  auto excluded = [&](size_t i) {
    return std::any_of(o.exclude.begin(), o.exclude.end(), [&](const std::string& x) { return named(i, x); });
  };
  for (size_t u = 0; u < log.users.size(); ++u) {
    std::vector<size_t> ev;
    for (size_t i = 0; i < log.size(); ++i)
      if (static_cast<size_t>(log.user[i]) == u) ev.push_back(i);
    std::stable_sort(ev.begin(), ev.end(), [&](size_t x, size_t y) { return log.ts_ms[x] < log.ts_ms[y]; });
    FunnelAttempt best;
    for (size_t a = 0; a < ev.size(); ++a) {
      if (!named(ev[a], o.steps[0].event)) continue;
      const int64_t t0 = log.ts_ms[ev[a]];
      auto usable = [&](size_t pos) {  // position pos (> a) can be part of this attempt
        size_t i = ev[pos];
        if (o.same_course && log.item[i] != log.item[ev[a]]) return false;
        if (o.window_ms > 0 && log.ts_ms[i] - t0 > o.window_ms) return false;
        for (size_t q = a + 1; q < pos; ++q)  // no exclusion strictly between entry and pos
          if (excluded(ev[q]) && (!o.same_course || log.item[ev[q]] == log.item[ev[a]])) return false;
        return true;
      };
      std::vector<int64_t> earliest(K, -1);
      earliest[0] = 0;
      std::vector<size_t> chain = {a};
      std::vector<uint8_t> used(ev.size(), 0);
      std::function<void(size_t, int64_t)> dfs = [&](size_t j, int64_t latest) {
        if (j == K) return;
        for (size_t pos = (o.order == FunnelOrder::kStrict ? chain.back() + 1 : a + 1); pos < ev.size(); ++pos) {
          size_t i = ev[pos];
          if (used[pos] || !named(i, o.steps[j].event) || !usable(pos)) continue;
          if (o.steps[j].within_ms > 0 && log.ts_ms[i] - log.ts_ms[ev[chain.back()]] > o.steps[j].within_ms) continue;
          int64_t t = std::max(latest, log.ts_ms[i] - t0);
          if (earliest[j] < 0 || t < earliest[j]) earliest[j] = t;
          used[pos] = 1;
          chain.push_back(pos);
          dfs(j + 1, t);
          chain.pop_back();
          used[pos] = 0;
        }
      };
      dfs(1, 0);
      FunnelAttempt at;
      at.community = log.community[ev[a]];
      while (at.reached < K && earliest[at.reached] >= 0) at.time_from_entry.push_back(earliest[at.reached++]);
      if (at.reached > best.reached) best = at;
    }
    out[u] = best;
  }
  return out;
}

void expect_same(const std::vector<FunnelAttempt>& got, const std::vector<FunnelAttempt>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t u = 0; u < got.size(); ++u) {
    EXPECT_EQ(got[u].reached, want[u].reached) << what << " learner " << u;
    if (got[u].reached != want[u].reached) continue;
    EXPECT_EQ(got[u].time_from_entry, want[u].time_from_entry) << what << " learner " << u;
    if (got[u].reached) {
      EXPECT_EQ(got[u].community, want[u].community) << what << " learner " << u;
    }
  }
}

}  // namespace

TEST(Funnel, StrictOrderMatchesBruteForceChains) {
  size_t deepest = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    EventLog log = random_log(seed, 8, 9);
    FunnelOptions o;
    o.window_ms = (seed % 3 == 0) ? 0 : static_cast<int64_t>(4 + seed % 10) * kHour;
    if (seed % 2) o.exclude = {"refund"};
    o.same_course = seed % 4 == 1;
    if (seed % 5 == 2) o.steps[2].within_ms = 3 * kHour;
    if (seed % 7 == 3) o.steps = {{"view"}, {"view"}, {"enroll"}};
    auto want = brute_force(log, o);
    expect_same(funnel_attempts(log, o), want, "seed " + std::to_string(seed));
    for (const auto& a : want) deepest = std::max(deepest, a.reached);
  }
  EXPECT_GE(deepest, 3u);  // the random logs do reach deep steps
}

TEST(Funnel, AnyOrderMatchesBruteForceAssignments) {
  for (uint64_t seed = 100; seed < 140; ++seed) {
    EventLog log = random_log(seed, 8, 9);
    FunnelOptions o;
    o.order = FunnelOrder::kAny;
    o.window_ms = (seed % 3 == 0) ? 0 : static_cast<int64_t>(4 + seed % 10) * kHour;
    if (seed % 2) o.exclude = {"refund"};
    o.same_course = seed % 4 == 1;
    if (seed % 5 == 2) o.steps = {{"enroll"}, {"view"}, {"purchase"}, {"view"}};  // repeated name: two distinct views
    expect_same(funnel_attempts(log, o), brute_force(log, o), "seed " + std::to_string(seed));
  }
}

TEST(Funnel, CountsAndTimesAggregateTheAttempts) {
  EventLog log = random_log(7, 60, 12);
  FunnelOptions o;
  o.exclude = {"refund"};
  auto attempts = funnel_attempts(log, o);
  auto r = funnel(log, o);
  for (size_t k = 0; k < o.steps.size(); ++k) {
    uint64_t n = 0;
    std::vector<double> t;
    for (const auto& a : attempts)
      if (a.reached > k) {
        ++n;
        t.push_back(static_cast<double>(a.time_from_entry[k]));
      }
    EXPECT_EQ(r.overall.steps[k].learners, n);
    EXPECT_EQ(r.overall.steps[k].time_from_entry.count, t.size());
    if (!t.empty()) {
      std::sort(t.begin(), t.end());
      EXPECT_DOUBLE_EQ(r.overall.steps[k].time_from_entry.p50,
                       t.size() % 2 ? t[t.size() / 2] : (t[t.size() / 2 - 1] + t[t.size() / 2]) / 2);
    }
  }
  uint64_t sum = 0;
  for (const auto& g : r.by_community) sum += g.steps[0].learners;
  EXPECT_EQ(sum, r.overall.steps[0].learners);
}

TEST(Funnel, TimeQuantilesInterpolateLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4, 10], [10, 25, 50, 75, 90]) = [1.4, 2, 3, 4, 7.6]
  auto d = time_distribution({10, 3, 1, 4, 2});
  EXPECT_DOUBLE_EQ(d.p10, 1.4);
  EXPECT_DOUBLE_EQ(d.p25, 2);
  EXPECT_DOUBLE_EQ(d.p50, 3);
  EXPECT_DOUBLE_EQ(d.p75, 4);
  EXPECT_NEAR(d.p90, 7.6, 1e-12);
  EXPECT_DOUBLE_EQ(d.mean, 4);
}

TEST(Funnel, WilsonIntervalMatchesClosedFormAndPublishedValues) {
  const double z = 1.959963984540054, z2 = z * z;
  // Closed forms at the edges: 0 of n -> [0, z^2/(n+z^2)], n of n -> [n/(n+z^2), 1].
  auto none = wilson_interval(0, 10);
  EXPECT_DOUBLE_EQ(*none.low, 0);
  EXPECT_NEAR(*none.high, z2 / (10 + z2), 1e-15);
  auto all = wilson_interval(10, 10);
  EXPECT_NEAR(*all.low, 10 / (10 + z2), 1e-15);
  EXPECT_DOUBLE_EQ(*all.high, 1);
  // General closed form (Wilson 1927): (x + z^2/2 -+ z sqrt(x(n-x)/n + z^2/4)) / (n + z^2).
  for (auto [x, n] : {std::pair<double, double>{81, 263}, {15, 148}, {1, 29}, {37, 40}}) {
    auto p = wilson_interval(static_cast<uint64_t>(x), static_cast<uint64_t>(n));
    double c = x + z2 / 2, h = z * std::sqrt(x * (n - x) / n + z2 / 4);
    EXPECT_NEAR(*p.low, (c - h) / (n + z2), 1e-14);
    EXPECT_NEAR(*p.high, (c + h) / (n + z2), 1e-14);
  }
  // Newcombe (1998), Stat. Med. 17:857, Table II, method 3 (Wilson score).
  auto a = wilson_interval(81, 263);
  EXPECT_NEAR(*a.low, 0.2553, 5e-5);
  EXPECT_NEAR(*a.high, 0.3662, 5e-5);
  auto b = wilson_interval(15, 148);
  EXPECT_NEAR(*b.low, 0.0624, 5e-5);
  EXPECT_NEAR(*b.high, 0.1605, 5e-5);
  auto empty = wilson_interval(0, 0);
  EXPECT_FALSE(empty.rate.has_value());
  EXPECT_FALSE(empty.low.has_value());
}

TEST(Funnel, AStepThatNeverOccursGivesZeroLearnersAndAWarning) {
  EventLog log = random_log(3, 20, 8);
  FunnelOptions o;
  o.steps = {{"view"}, {"enroll"}, {"purchse"}, {"complete"}};
  auto r = funnel(log, o);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("\"purchse\" never occurs"), std::string::npos);
  EXPECT_GT(r.overall.steps[1].learners, 0u);
  EXPECT_EQ(r.overall.steps[2].learners, 0u);
  EXPECT_EQ(r.overall.steps[3].learners, 0u);
  EXPECT_DOUBLE_EQ(*r.overall.steps[2].from_previous.rate, 0.0);
  EXPECT_GT(*r.overall.steps[2].from_previous.high, 0.0);
  EXPECT_FALSE(r.overall.steps[3].from_previous.rate.has_value());  // 0 of 0
  // The entry step missing: nobody enters, every rate is empty.
  o.steps = {{"signup"}, {"view"}};
  auto none = funnel(log, o);
  EXPECT_EQ(none.overall.steps[0].learners, 0u);
  EXPECT_FALSE(none.overall.steps[0].from_entry.rate.has_value());
  auto j = to_json(none);
  EXPECT_TRUE(j["steps"][1]["fromEntry"]["rate"].is_null());
  EXPECT_TRUE(j["steps"][1]["hoursFromEntry"].is_null());
}

TEST(Funnel, CommunityConversionFollowsThePlantedPurchaseProbabilities) {
  SyntheticOptions so;
  so.seed = 5;
  so.learners = 8000;
  so.communities = 4;
  auto p = generate_platform(so);
  FunnelOptions o;
  o.steps = {{"enroll"}, {"purchase"}};
  o.same_course = true;
  o.window_ms = 0;
  auto r = funnel(p.log, o);
  auto rate = [&](const std::string& c) {
    for (const auto& g : r.by_community)
      if (g.community == c) return g.steps[1].from_previous;
    ADD_FAILURE() << "no community " << c;
    return Proportion{};
  };
  // Planted: community 0 buys after enrolling with p = 0.6, the middle ones 0.3, the last 0.15.
  const auto& t = p.truth;
  auto first = rate(t.community_names[0]), mid = rate(t.community_names[1]), last = rate(t.community_names[3]);
  EXPECT_GT(*first.low, *mid.high);
  EXPECT_GT(*mid.low, *last.high);
  // A learner counts when any of their enrolments converts, so each rate is at least the planted
  // per-enrolment probability.
  EXPECT_GT(*first.rate, 0.6);
  EXPECT_GT(*last.rate, 0.15);
}

TEST(Funnel, RejectsBadOptionsByName) {
  auto parse = [](const char* s) { return funnel_options_from_json(nlohmann::json::parse(s)); };
  EXPECT_NE(error_of([&] { parse(R"({"steps":["view"]})"); }).find("\"steps\" must be an array of 2 to 20"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"windowDays":-1})"); }).find("\"windowDays\" must be a number in [0, 3650]"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"order":"loose"})"); }).find("\"order\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"steps":["view",{"event":"enroll","withinHours":0}]})"); }).find("withinHours"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"order":"any","steps":["view",{"event":"enroll","withinHours":2}]})"); }).find("\"order\":\"strict\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"exclude":["view"]})"); }).find("both a step and an exclusion"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"windowdays":3})"); }).find("unknown funnel option \"windowdays\""), std::string::npos);
  auto o = parse(R"({"steps":["view",{"event":"purchase","withinHours":1.5}],"windowDays":0.5,"exclude":["refund"]})");
  EXPECT_EQ(o.steps[1].within_ms, 5400000);
  EXPECT_EQ(o.window_ms, 43200000);
}
