#pragma once
// Funnels: how many learners go from a first step (e.g. view) through later steps (enroll,
// purchase, complete), overall and per community, with Wilson 95% intervals on each conversion
// and the distribution of the time it takes.
//
// Definition (what the brute-force test enumerates): a learner reaches step k when some chain of
// their events e1, ..., ek exists with
//   - e_j named like step j, and (strict order) each after the previous one (time, then file order);
//     (any order) e2..ek distinct events after e1, in any order;
//   - t(ek) - t(e1) <= window (the window is anchored at the funnel entry e1);
//   - per step j with a limit (strict order only): t(ej) - t(e{j-1}) <= limit;
//   - no exclusion event between e1 and the last event of the chain (an exclusion ends an attempt);
//   - with same_course, every event (exclusions too) about e1's course.
// Each learner counts once, with the attempt (entry) that reaches furthest; ties go to the
// earliest entry, and its times are the earliest at which each step was reached from that entry.
// A step whose event never occurs in the log is not an error: it and the steps after it have 0
// learners (conversion 0 with its Wilson interval) and a warning names it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"

namespace circlewise {

struct FunnelStep {
  std::string event;
  int64_t within_ms = 0;  // > 0: must happen within this time of the previous step (strict only)
};

enum class FunnelOrder { kStrict, kAny };

struct FunnelOptions {
  std::vector<FunnelStep> steps = {{"view"}, {"enroll"}, {"purchase"}, {"complete"}};
  int64_t window_ms = 30LL * 86400000;  // 0 = no limit
  FunnelOrder order = FunnelOrder::kStrict;
  std::vector<std::string> exclude;
  bool same_course = false;
  bool by_community = true;
};

// A proportion with its Wilson score interval (95%). Empty when the denominator is 0.
struct Proportion {
  uint64_t successes = 0, trials = 0;
  std::optional<double> rate, low, high;
};
Proportion wilson_interval(uint64_t successes, uint64_t trials, double z = 1.959963984540054);

// Quantiles of a sample (linear interpolation between order statistics, as numpy's default).
struct TimeDistribution {
  size_t count = 0;
  double mean = 0, p10 = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0;  // milliseconds
};
TimeDistribution time_distribution(std::vector<double> values_ms);

struct FunnelStepResult {
  std::string event;
  uint64_t learners = 0;          // reached this step
  Proportion from_previous;       // learners / learners of the previous step
  Proportion from_entry;          // learners / learners of step 1
  TimeDistribution time_from_entry;
};

struct FunnelGroup {
  std::string community;  // "" for the overall funnel; "(none)" for entries without community
  std::vector<FunnelStepResult> steps;
  uint64_t cut_by_exclusion = 0;  // learners whose counted attempt was ended by an exclusion
};

struct FunnelResult {
  FunnelGroup overall;
  std::vector<FunnelGroup> by_community;  // in the log's community order, then "(none)"
  std::vector<std::string> warnings;
};

// The per-learner answer, exposed for tests: steps reached (0 = never entered) and the time of
// each reached step in milliseconds after entry.
struct FunnelAttempt {
  size_t reached = 0;
  std::vector<int64_t> time_from_entry;
  int32_t community = kNone;
  bool cut_by_exclusion = false;
};
std::vector<FunnelAttempt> funnel_attempts(const EventLog& log, const FunnelOptions& options);

FunnelResult funnel(const EventLog& log, const FunnelOptions& options);

// {"steps":["view","enroll",{"event":"purchase","withinHours":72},"complete"],"windowDays":30,
//  "order":"strict"|"any","exclude":["refund"],"sameCourse":false,"byCommunity":true}
FunnelOptions funnel_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const FunnelResult& r);  // times in hours
std::string to_text(const FunnelResult& r);

}  // namespace circlewise
