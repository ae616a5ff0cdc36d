#pragma once
// The first thing anyone asks of an event log: how many learners, courses, communities and events,
// over what time, and how much money, overall and per community.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"

namespace circlewise {

struct EventTypeCount {
  std::string name;
  size_t count = 0;
  bool known = true;  // false for custom event names (kept, and listed so typos are visible)
};

// Totals for one community. A learner is a member of every community that appears on one of
// their events.
struct CommunityTotals {
  std::string name;
  size_t members = 0;
  size_t events = 0;
  size_t purchases = 0;
  size_t buyers = 0;     // distinct learners with a purchase in this community
  double revenue = 0;    // purchase amounts
  double refunds = 0;    // refund amounts
};

struct DatasetSummary {
  size_t events = 0;
  size_t users = 0;         // distinct learners with at least one event (referrers alone not counted)
  size_t items = 0;
  size_t communities = 0;
  size_t referred_users = 0;  // learners with a referrer on any of their events
  std::vector<EventTypeCount> events_by_type;  // known types first (all nine), then custom
  int64_t first_ts_ms = 0;  // 0 when empty
  int64_t last_ts_ms = 0;
  size_t purchases = 0;
  size_t buyers = 0;
  double revenue = 0;       // sum of purchase amounts
  double refunds = 0;       // sum of refund amounts
  double net_revenue = 0;   // revenue - refunds
  size_t amounts_on_other_events = 0;  // amounts given on events that are neither purchase nor refund
  size_t users_without_community = 0;
  std::vector<CommunityTotals> by_community;  // by descending revenue, then name
};

DatasetSummary summarize(const EventLog& log);

// JSON for the JS API and `circlewise inspect --json`; includes the ingest report.
nlohmann::json to_json(const DatasetSummary& s, const IngestReport& report);
// Human-readable text for `circlewise inspect`.
std::string to_text(const DatasetSummary& s, const IngestReport& report);

}  // namespace circlewise
