#pragma once
// Community health: each community's membership and engagement per day, week or month, from the
// event log (`join` / `leave` events, or simply the `community` column), with a trend flag when a
// metric moves beyond its normal variation. Definitions (docs/communities.md):
//   - membership of (learner, community) starts at the learner's first event naming the community
//     (a `join`, or any other event) and ends at a `leave` naming it; a later event rejoins;
//   - members(p): learners whose membership overlaps period p; new(p): memberships starting in p;
//     churned(p): memberships ended by a `leave` in p;
//   - engagement events: every event except join, leave and refund; active(p): members with one;
//   - dauMau / wauMau: mean over the days of p of DAU/MAU and WAU/MAU, with trailing 7- and 30-day
//     windows (days with MAU 0 are skipped);
//   - eventsPerActive = engagement events / active; shareRate = members who shared / active;
//   - payers(p): members with a purchase in the community in p; conversionRate = payers / members;
//     revenue = purchase minus refund amounts; revenuePerMember = revenue / members;
//     payingRatio = payers(p) / payers(p-1); payingRetention = payers of p-1 who paid again in p /
//     payers(p-1);
//   - trend: change = value(p) - value(p-1); flagged "up"/"down" when the robust z-score of that
//     change among the community's earlier changes, (change - median) / (1.4826 MAD), exceeds
//     `trend_z` and at least `min_history` earlier changes exist. Partial periods are never flagged;
//     changes involving one (for payingRatio/payingRetention, also the change after it) are not history.
// Rates with a zero denominator are undefined (NaN in C++, null in JSON), never 0.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"
#include "circlewise/retention.h"

namespace circlewise {

enum HealthMetric : int {
  kHealthMembers = 0,
  kHealthNew,
  kHealthActive,
  kHealthChurned,
  kHealthPayers,
  kHealthRevenue,
  kHealthDauMau,
  kHealthWauMau,
  kHealthEventsPerActive,
  kHealthShareRate,
  kHealthConversionRate,
  kHealthRevenuePerMember,
  kHealthPayingRatio,
  kHealthPayingRetention,
  kHealthMetricCount,
};
constexpr std::array<std::string_view, kHealthMetricCount> kHealthMetricNames = {
    "members",      "new",       "active",         "churned",          "payers",
    "revenue",      "dauMau",    "wauMau",         "eventsPerActive",  "shareRate",
    "conversionRate", "revenuePerMember", "payingRatio", "payingRetention"};
// Parses a metric name; throws InputError naming `option` and the known names.
HealthMetric health_metric_from_name(std::string_view name, std::string_view option);

struct CommunityHealthOptions {
  RetentionPeriod period = RetentionPeriod::kMonth;
  double trend_z = 3.0;        // robust z-score beyond which a change is flagged
  size_t min_history = 4;      // earlier changes needed before a change can be flagged
  HealthMetric rank_by = kHealthActive;  // ranking key, in the last complete period
};

struct HealthPeriod {
  int64_t period = 0;
  bool partial = false;  // the log starts or ends inside this period
  std::array<double, kHealthMetricCount> value{};   // NaN = undefined
  std::array<double, kHealthMetricCount> change{};  // vs the previous period; NaN when undefined
  std::array<double, kHealthMetricCount> z{};       // robust z of the change; NaN when not enough history
  std::array<int8_t, kHealthMetricCount> flag{};    // +1 up, -1 down, 0 normal
  uint64_t engagement_events = 0, sharers = 0, retained_payers = 0;
};

struct CommunityHealth {
  std::string community;
  bool empty = true;                 // no learner ever a member
  std::vector<HealthPeriod> periods;  // consecutive, from its first member to the log's last period
  size_t rank = 0;                   // 1 = best by rank_by; empty communities come last
};

struct CommunityHealthResult {
  RetentionPeriod period = RetentionPeriod::kMonth;
  HealthMetric rank_by = kHealthActive;
  int64_t first_period = 0, last_period = 0, ranked_period = 0;  // ranked_period: last complete one
  std::vector<CommunityHealth> communities;  // in rank order
  uint64_t events_without_community = 0;     // not attributed to any community (counted, not used)
  uint64_t leaves_without_membership = 0;    // `leave` of a learner who was not a member
  std::vector<std::string> warnings;
};

CommunityHealthResult community_health(const EventLog& log, const CommunityHealthOptions& options);

// {"period":"day"|"week"|"month","trendZ":3,"minHistory":4,"rankBy":"active"}
CommunityHealthOptions community_health_options_from_json(const nlohmann::json& j);
// Compact JSON text (written directly: far smaller in WASM than building an nlohmann::json).
std::string to_json_text(const CommunityHealthResult& r);
std::string to_text(const CommunityHealthResult& r);

}  // namespace circlewise
