#include "circlewise/retention.h"

#include <gtest/gtest.h>

#include "test_support.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "circlewise/error.h"
#include "circlewise/random.h"
#include "circlewise/timestamp.h"

using namespace circlewise;

namespace {

int64_t ms(const char* iso) { return parse_timestamp(iso).ms; }

EventLog random_log(uint64_t seed) {
  Rng rng(seed);
  EventLog log;
  const char* names[] = {"view", "enroll", "purchase", "complete"};
  const char* comms[] = {"c1", "c2", ""};
  const int64_t start = ms("2024-11-20");  // crosses a year end, weeks and months
  for (int u = 0; u < 25; ++u) {
    int n = 1 + static_cast<int>(rng.below(10));
    for (int k = 0; k < n; ++k)
      log.append("u" + std::to_string(u), "c", names[rng.below(4)], start + static_cast<int64_t>(rng.below(100 * 24)) * 3600000,
                 EventLog::kNoAmount, comms[rng.below(3)], "");
  }
  log.append("u0", "c", "view", start, EventLog::kNoAmount, "", "never-acted");  // a referrer with no events
  return log;
}

// Straight from the definitions, by scanning every event for every cell.
void check_against_brute_force(const EventLog& log, const RetentionOptions& o) {
  auto r = retention(log, o);
  auto active_event = [&](size_t i) {
    if (o.active_events.empty()) return true;
    const auto& n = log.event_names.name(log.event[i]);
    return std::find(o.active_events.begin(), o.active_events.end(), n) != o.active_events.end();
  };
  auto birth_event = [&](size_t i) {
    return o.cohort_by == CohortBy::kFirstActivity ? active_event(i) : log.event_names.name(log.event[i]) == "purchase";
  };
  int64_t last = INT64_MIN;
  for (int64_t t : log.ts_ms) last = std::max(last, period_of(t, o.period));
  auto active_in = [&](int32_t u, int64_t p) {
    for (size_t i = 0; i < log.size(); ++i)
      if (log.user[i] == u && active_event(i) && period_of(log.ts_ms[i], o.period) == p) return true;
    return false;
  };
  std::vector<int64_t> birth(log.users.size(), INT64_MAX);
  for (size_t i = 0; i < log.size(); ++i)
    if (birth_event(i)) birth[static_cast<size_t>(log.user[i])] = std::min(birth[static_cast<size_t>(log.user[i])], period_of(log.ts_ms[i], o.period));
  std::set<int64_t> cohorts;
  for (int64_t b : birth)
    if (b != INT64_MAX) cohorts.insert(b);
  ASSERT_EQ(r.cohorts.size(), cohorts.size());
  size_t k = 0;
  for (int64_t c : cohorts) {
    const auto& row = r.cohorts[k++];
    ASSERT_EQ(row.period, c);
    uint64_t size = 0;
    for (int64_t b : birth) size += b == c;
    EXPECT_EQ(row.size, size);
    for (int64_t t = 0; t < static_cast<int64_t>(row.active.size()); ++t) {
      if (c + t > last) {
        EXPECT_FALSE(row.active[static_cast<size_t>(t)].has_value()) << "cohort " << c << " +" << t;
        EXPECT_FALSE(row.continuous[static_cast<size_t>(t)].has_value());
        continue;
      }
      uint64_t act = 0, cont = 0;
      for (size_t u = 0; u < birth.size(); ++u) {
        if (birth[u] != c) continue;
        act += active_in(static_cast<int32_t>(u), c + t);
        bool all = true;
        for (int64_t s = 0; s <= t; ++s) all = all && active_in(static_cast<int32_t>(u), c + s);
        cont += all;
      }
      ASSERT_TRUE(row.active[static_cast<size_t>(t)].has_value()) << "cohort " << c << " +" << t;
      EXPECT_EQ(*row.active[static_cast<size_t>(t)], act) << "cohort " << c << " +" << t;
      EXPECT_EQ(*row.continuous[static_cast<size_t>(t)], cont) << "cohort " << c << " +" << t;
    }
  }
  // Paying learners: per community (and overall), who paid in p and in p-1.
  for (const auto& pr : r.paying) {
    auto in = [&](size_t i) {
      if (pr.community.empty()) return true;
      int32_t cc = log.community[i];
      return pr.community == "(none)" ? cc == kNone : cc != kNone && log.communities.name(cc) == pr.community;
    };
    auto paid = [&](size_t u, int64_t p) {
      for (size_t i = 0; i < log.size(); ++i)
        if (static_cast<size_t>(log.user[i]) == u && in(i) && log.event_names.name(log.event[i]) == "purchase" &&
            period_of(log.ts_ms[i], o.period) == p)
          return true;
      return false;
    };
    for (size_t t = 0; t < pr.periods.size(); ++t) {
      const auto& pp = pr.periods[t];
      uint64_t payers = 0, retained = 0, before = 0;
      for (size_t u = 0; u < log.users.size(); ++u) {
        payers += paid(u, pp.period);
        retained += paid(u, pp.period) && paid(u, pp.period - 1);
        before += paid(u, pp.period - 1);
      }
      EXPECT_EQ(pp.payers, payers);
      EXPECT_EQ(pp.retained, retained);
      if (t == 0 || before == 0) {
        EXPECT_FALSE(pp.ratio.has_value());
      } else {
        EXPECT_DOUBLE_EQ(*pp.ratio, static_cast<double>(payers) / static_cast<double>(before));
        EXPECT_DOUBLE_EQ(*pp.retention, static_cast<double>(retained) / static_cast<double>(before));
      }
    }
  }
}

}  // namespace

TEST(Retention, MatrixMatchesBruteForceForEveryPeriodAndDefinition) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    EventLog log = random_log(seed);
    for (auto period : {RetentionPeriod::kDay, RetentionPeriod::kWeek, RetentionPeriod::kMonth}) {
      for (auto by : {CohortBy::kFirstActivity, CohortBy::kFirstPurchase}) {
        RetentionOptions o;
        o.period = period;
        o.cohort_by = by;
        if (seed % 2 == 0) o.active_events = {"view", "complete"};
        check_against_brute_force(log, o);
      }
    }
  }
}

TEST(Retention, WeeksStartOnMondayAndMonthsCrossTheYear) {
  EXPECT_EQ(period_label(period_of(ms("2025-01-05T23:59:59"), RetentionPeriod::kWeek), RetentionPeriod::kWeek), "2024-12-30");
  EXPECT_EQ(period_label(period_of(ms("2025-01-06"), RetentionPeriod::kWeek), RetentionPeriod::kWeek), "2025-01-06");
  EXPECT_EQ(period_label(period_of(ms("1970-01-01"), RetentionPeriod::kWeek), RetentionPeriod::kWeek), "1969-12-29");
  EXPECT_EQ(period_of(ms("2025-01-01"), RetentionPeriod::kMonth) - period_of(ms("2024-12-31T23:59"), RetentionPeriod::kMonth), 1);
  EXPECT_EQ(period_label(period_of(ms("2024-02-29T12:00"), RetentionPeriod::kMonth), RetentionPeriod::kMonth), "2024-02");
  EXPECT_EQ(period_label(period_of(ms("2024-02-29T12:00"), RetentionPeriod::kDay), RetentionPeriod::kDay), "2024-02-29");
}

TEST(Retention, CellsNotLivedThroughAreEmptyNotZero) {
  EventLog log;
  // Week cohorts: a (week 1, back in week 2), b (week 2, silent in week 3), c (week 3).
  log.append("a", "", "view", ms("2025-01-06"), EventLog::kNoAmount, "", "");
  log.append("a", "", "view", ms("2025-01-14"), EventLog::kNoAmount, "", "");
  log.append("b", "", "view", ms("2025-01-15"), EventLog::kNoAmount, "", "");
  log.append("c", "", "view", ms("2025-01-22"), EventLog::kNoAmount, "", "");
  auto r = retention(log, RetentionOptions{});
  ASSERT_EQ(r.cohorts.size(), 3u);
  // a: +0 active, +1 active, +2 silent but lived through (0, churn).
  EXPECT_EQ(r.cohorts[0].active[1], 1u);
  EXPECT_EQ(r.cohorts[0].active[2], 0u);
  // b: +1 lived through and silent -> 0; +2 not lived through -> empty.
  EXPECT_EQ(r.cohorts[1].active[1], 0u);
  EXPECT_FALSE(r.cohorts[1].active[2].has_value());
  // c: only +0.
  EXPECT_EQ(r.cohorts[2].active[0], 1u);
  EXPECT_FALSE(r.cohorts[2].active[1].has_value());
  auto j = to_json(r);
  EXPECT_TRUE(j["cohorts"][1]["birth"][2].is_null());
  EXPECT_EQ(j["cohorts"][1]["birth"][1], 0.0);
  EXPECT_EQ(j["cohorts"][0]["cohort"], "2025-01-06");
}

TEST(Retention, CompoundedNeverExceedsBirthAndCountsOnlyUnbrokenRuns) {
  EventLog log;
  // x: active weeks 0, 1, 3 (gap at 2); y: weeks 0, 2.
  for (const char* d : {"2025-01-06", "2025-01-13", "2025-01-27"}) log.append("x", "", "view", ms(d), EventLog::kNoAmount, "", "");
  for (const char* d : {"2025-01-07", "2025-01-21"}) log.append("y", "", "view", ms(d), EventLog::kNoAmount, "", "");
  auto r = retention(log, RetentionOptions{});
  ASSERT_EQ(r.cohorts.size(), 1u);
  const auto& c = r.cohorts[0];
  EXPECT_EQ(c.active, (std::vector<std::optional<uint64_t>>{2u, 1u, 1u, 1u}));
  EXPECT_EQ(c.continuous, (std::vector<std::optional<uint64_t>>{2u, 1u, 0u, 0u}));
}

TEST(Retention, FirstPurchaseCohortsAndPayingRetentionPerCommunity) {
  EventLog log;
  log.append("p", "x", "view", ms("2025-01-01"), EventLog::kNoAmount, "club", "");
  log.append("p", "x", "purchase", ms("2025-02-03"), 10, "club", "");
  log.append("p", "y", "purchase", ms("2025-03-03"), 10, "club", "");
  log.append("q", "x", "purchase", ms("2025-02-10"), 10, "club", "");
  log.append("r", "x", "view", ms("2025-03-10"), EventLog::kNoAmount, "guild", "");  // never pays
  RetentionOptions o;
  o.cohort_by = CohortBy::kFirstPurchase;
  o.period = RetentionPeriod::kMonth;
  auto r = retention(log, o);
  EXPECT_EQ(r.learners_without_cohort_event, 1u);
  ASSERT_EQ(r.cohorts.size(), 1u);  // February buyers p and q
  EXPECT_EQ(period_label(r.cohorts[0].period, o.period), "2025-02");
  EXPECT_EQ(r.cohorts[0].size, 2u);
  // Paying learners in club: Jan 0, Feb 2, Mar 1 (p retained).
  const PayingRetention* club = nullptr;
  for (const auto& p : r.paying)
    if (p.community == "club") club = &p;
  ASSERT_NE(club, nullptr);
  ASSERT_EQ(club->periods.size(), 3u);
  EXPECT_FALSE(club->periods[1].ratio.has_value());  // no payers in January: undefined, not infinite
  EXPECT_EQ(club->periods[2].payers, 1u);
  EXPECT_DOUBLE_EQ(*club->periods[2].ratio, 0.5);
  EXPECT_DOUBLE_EQ(*club->periods[2].retention, 0.5);
}

TEST(Retention, EmptyLogAndBadOptions) {
  EventLog empty;
  auto r = retention(empty, RetentionOptions{});
  EXPECT_TRUE(r.cohorts.empty());
  EXPECT_FALSE(r.warnings.empty());
  EXPECT_TRUE(to_json(r)["firstPeriod"].is_null());
  auto parse = [](const char* s) { return retention_options_from_json(nlohmann::json::parse(s)); };
  EXPECT_NE(error_of([&] { parse(R"({"period":"year"})"); }).find("\"period\" must be \"day\", \"week\" or \"month\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"cohortBy":"signup"})"); }).find("\"cohortBy\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"activeEvents":"view"})"); }).find("\"activeEvents\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"perod":"day"})"); }).find("unknown cohort option \"perod\""), std::string::npos);
  EventLog longlog;
  longlog.append("a", "", "view", ms("2020-01-01"), EventLog::kNoAmount, "", "");
  longlog.append("a", "", "view", ms("2025-01-01"), EventLog::kNoAmount, "", "");
  RetentionOptions daily;
  daily.period = RetentionPeriod::kDay;
  EXPECT_NE(error_of([&] { retention(longlog, daily); }).find("choose a longer \"period\""), std::string::npos);
}

TEST(Retention, PeriodStillRunningAtAsOfIsFlaggedPartialNotChurn) {
  EventLog log;
  // Weekly cohorts; the export ends Wednesday 2025-01-22 (week of 2025-01-20 still running).
  log.append("a", "", "view", ms("2025-01-06"), EventLog::kNoAmount, "", "");
  log.append("a", "", "purchase", ms("2025-01-13"), 5, "club", "");
  log.append("b", "", "view", ms("2025-01-14"), EventLog::kNoAmount, "", "");
  log.append("b", "", "purchase", ms("2025-01-21"), 5, "club", "");
  log.append("c", "", "view", ms("2025-01-27"), EventLog::kNoAmount, "", "");  // after asOf: ignored
  RetentionOptions o;
  o.has_as_of = true;
  o.as_of_ms = ms("2025-01-22T12:00");
  auto r = retention(log, o);
  EXPECT_EQ(r.events_after_as_of, 1u);
  EXPECT_TRUE(r.last_period_partial);
  EXPECT_EQ(period_label(r.last_period, o.period), "2025-01-20");
  ASSERT_EQ(r.cohorts.size(), 2u);
  // a: weeks +0, +1 complete; +2 is the running week (a not seen yet: 0 so far, flagged).
  EXPECT_EQ(r.cohorts[0].partial_index, 2u);
  EXPECT_EQ(r.cohorts[0].active[2], 0u);
  EXPECT_EQ(r.cohorts[1].partial_index, 1u);
  EXPECT_EQ(r.cohorts[1].active[1], 1u);
  EXPECT_FALSE(r.cohorts[1].active[2].has_value());
  const auto& all = r.paying[0].periods;
  ASSERT_EQ(all.size(), 3u);
  EXPECT_FALSE(all[1].partial);
  EXPECT_TRUE(all[2].partial);
  auto j = to_json(r);
  EXPECT_EQ(j["asOf"], "2025-01-22T12:00:00Z");
  EXPECT_EQ(j["cohorts"][0]["partialIndex"], 2);
  EXPECT_TRUE(j["lastPeriodPartial"].get<bool>());
  EXPECT_NE(to_text(r).find("~"), std::string::npos);

  // "empty": the running week's cells are null like unlived ones, and its ratio too.
  o.partial = RetentionOptions::Partial::kEmpty;
  auto e = retention(log, o);
  EXPECT_FALSE(e.cohorts[0].active[2].has_value());
  EXPECT_FALSE(e.cohorts[0].continuous[2].has_value());
  EXPECT_EQ(e.cohorts[0].active[1], 1u);
  EXPECT_FALSE(e.paying[0].periods[2].ratio.has_value());

  // asOf exactly at a week's start: the previous week is complete, nothing is partial.
  o.partial = RetentionOptions::Partial::kMark;
  o.as_of_ms = ms("2025-01-20");
  auto w = retention(log, o);
  EXPECT_FALSE(w.last_period_partial);
  EXPECT_EQ(period_label(w.last_period, o.period), "2025-01-13");
  EXPECT_FALSE(w.cohorts[0].partial_index.has_value());
  EXPECT_EQ(w.events_after_as_of, 2u);

  // asOf later than the data: weeks without events are lived through and count as 0 (real churn).
  o.as_of_ms = ms("2025-02-10");
  auto later = retention(log, o);
  EXPECT_FALSE(later.last_period_partial);
  EXPECT_EQ(later.events_after_as_of, 0u);
  EXPECT_EQ(period_label(later.last_period, o.period), "2025-02-03");
  EXPECT_EQ(later.cohorts[0].active[4], 0u);

  // asOf before every event: a clear error.
  o.as_of_ms = ms("2024-12-01");
  EXPECT_NE(error_of([&] { retention(log, o); }).find("no event before asOf"), std::string::npos);
  auto parse = [](const char* s) { return retention_options_from_json(nlohmann::json::parse(s)); };
  EXPECT_NE(error_of([&] { parse(R"({"partialPeriod":"drop"})"); }).find("\"partialPeriod\" must be \"mark\" or \"empty\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"asOf":"yesterday"})"); }).find("\"asOf\""), std::string::npos);
  EXPECT_EQ(parse(R"({"asOf":"2025-01-22"})").as_of_ms, ms("2025-01-22"));
}

TEST(Retention, MonthStartsRoundTripThroughPeriodOf) {
  for (RetentionPeriod p : {RetentionPeriod::kDay, RetentionPeriod::kWeek, RetentionPeriod::kMonth})
    for (int64_t q = 600; q < 700; ++q) {
      EXPECT_EQ(period_of(period_start_ms(q, p), p), q);
      EXPECT_EQ(period_of(period_start_ms(q, p) - 1, p), q - 1);
    }
}
