#pragma once
// Cohort retention: learners grouped by the day, week (ISO, Monday to Sunday, UTC) or month of
// their first activity (or first purchase), and the share of each cohort active in each later
// period. Two definitions:
//   - birth: active in period t after the cohort's birth / cohort size (classic N-period retention);
//   - compounded: active in every period 0..t / cohort size, i.e. the product of the
//     period-over-period retention of those still continuously active (never came back = lost).
// A cell the cohort has not lived through yet (its period lies after the last event in the log)
// is empty (null), not 0: it is not churn. The last period of the log is usually partial.
// Also: the period-over-period retention of paying learners per community.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"

namespace circlewise {

enum class CohortBy { kFirstActivity, kFirstPurchase };
enum class RetentionPeriod { kDay, kWeek, kMonth };

struct RetentionOptions {
  CohortBy cohort_by = CohortBy::kFirstActivity;
  RetentionPeriod period = RetentionPeriod::kWeek;
  std::vector<std::string> active_events;  // what counts as active; empty = every event
  bool by_community = true;                // paying-learner retention per community
};

// Period index of a timestamp: days since 1970-01-01, ISO weeks since the week of 1970-01-01,
// or months since January 1970.
int64_t period_of(int64_t ts_ms, RetentionPeriod p);
// "2025-03-04" for days, the Monday "2025-03-03" for weeks, "2025-03" for months.
std::string period_label(int64_t period, RetentionPeriod p);

struct Cohort {
  int64_t period = 0;
  uint64_t size = 0;
  // Index t = periods after birth; empty where the cohort has not lived through period t.
  std::vector<std::optional<uint64_t>> active;      // birth definition numerator
  std::vector<std::optional<uint64_t>> continuous;  // compounded definition numerator
};

struct PayingPeriod {
  int64_t period = 0;
  uint64_t payers = 0;    // learners with a purchase in this community in this period
  uint64_t retained = 0;  // of them, those who also paid here in the previous period
  std::optional<double> ratio;      // payers / payers of the previous period
  std::optional<double> retention;  // retained / payers of the previous period
};

struct PayingRetention {
  std::string community;  // "" = all communities; "(none)" = purchases without community
  std::vector<PayingPeriod> periods;
};

struct RetentionResult {
  RetentionPeriod period = RetentionPeriod::kWeek;
  int64_t first_period = 0, last_period = 0;  // of the events in the log
  std::vector<Cohort> cohorts;                // by birth period, only periods with learners
  uint64_t learners_without_cohort_event = 0; // e.g. never purchased, with first-purchase cohorts
  std::vector<PayingRetention> paying;        // overall first, then per community
  std::vector<std::string> warnings;
};

RetentionResult retention(const EventLog& log, const RetentionOptions& options);

// {"cohortBy":"firstActivity"|"firstPurchase","period":"day"|"week"|"month",
//  "activeEvents":["view",...],"byCommunity":true}
RetentionOptions retention_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const RetentionResult& r);
std::string to_text(const RetentionResult& r);

}  // namespace circlewise
