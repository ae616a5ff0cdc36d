#pragma once
// Cohort retention: learners grouped by the day, week (ISO, Monday to Sunday, UTC) or month of
// their first activity (or first purchase), and the share of each cohort active in each later
// period. Two definitions:
//   - birth: active in period t after the cohort's birth / cohort size (classic N-period retention);
//   - compounded: active in every period 0..t / cohort size, i.e. the product of the
//     period-over-period retention of those still continuously active (never came back = lost).
// A cell the cohort has not lived through yet (its period lies after the last event in the log)
// is empty (null), not 0: it is not churn. The last period is usually still running when the data
// is exported: it is flagged as partial (its cells hold the activity seen so far, or are left empty
// on request) so a half-observed week is not read as churn. `asOf` says when the data ends.
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
  // The end of the observed data (exclusive): events at or after it are ignored and counted, as if
  // the export had been taken then; "2025-07-01" means "through June 30". Without it: just after
  // the last event. The period holding the last observed instant is partial when asOf falls
  // before that period's end.
  bool has_as_of = false;
  int64_t as_of_ms = 0;
  // What a partial last period shows: the activity seen so far, flagged (kMark), or nothing (kEmpty,
  // like a period not lived through).
  enum class Partial { kMark, kEmpty } partial = Partial::kMark;
};

// Period index of a timestamp: days since 1970-01-01, ISO weeks since the week of 1970-01-01,
// or months since January 1970.
int64_t period_of(int64_t ts_ms, RetentionPeriod p);
// The first millisecond of a period (inverse of period_of at the period's start).
int64_t period_start_ms(int64_t period, RetentionPeriod p);
// "2025-03-04" for days, the Monday "2025-03-03" for weeks, "2025-03" for months.
std::string period_label(int64_t period, RetentionPeriod p);

struct Cohort {
  int64_t period = 0;
  uint64_t size = 0;
  // Index t = periods after birth; empty where the cohort has not lived through period t.
  std::vector<std::optional<uint64_t>> active;      // birth definition numerator
  std::vector<std::optional<uint64_t>> continuous;  // compounded definition numerator
  std::optional<size_t> partial_index;  // t of the cell in the partial last period, if any
};

struct PayingPeriod {
  int64_t period = 0;
  uint64_t payers = 0;    // learners with a purchase in this community in this period
  uint64_t retained = 0;  // of them, those who also paid here in the previous period
  std::optional<double> ratio;      // payers / payers of the previous period
  std::optional<double> retention;  // retained / payers of the previous period
  bool partial = false;             // the period was still running at asOf
};

struct PayingRetention {
  std::string community;  // "" = all communities; "(none)" = purchases without community
  std::vector<PayingPeriod> periods;
};

struct RetentionResult {
  RetentionPeriod period = RetentionPeriod::kWeek;
  int64_t first_period = 0, last_period = 0;  // observed: first event .. the instant before as_of
  int64_t as_of_ms = 0;                       // end of the observed data (exclusive)
  bool last_period_partial = false;           // as_of falls before the end of last_period
  uint64_t events_after_as_of = 0;            // ignored
  std::vector<Cohort> cohorts;                // by birth period, only periods with learners
  uint64_t learners_without_cohort_event = 0; // e.g. never purchased, with first-purchase cohorts
  std::vector<PayingRetention> paying;        // overall first, then per community
  std::vector<std::string> warnings;
};

RetentionResult retention(const EventLog& log, const RetentionOptions& options);

// {"cohortBy":"firstActivity"|"firstPurchase","period":"day"|"week"|"month",
//  "activeEvents":["view",...],"byCommunity":true,"asOf":"2025-07-01"|unix seconds,
//  "partialPeriod":"mark"|"empty"}
RetentionOptions retention_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const RetentionResult& r);
std::string to_text(const RetentionResult& r);

}  // namespace circlewise
