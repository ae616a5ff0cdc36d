#pragma once
// Baskets: the sets of courses a learner bought together, cut from the event log either per
// learner (everything they ever bought) or per learner-session (events closer in time than a
// gap). They are the input of frequent-itemset mining (association_rules.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"
#include "circlewise/progress.h"

namespace circlewise {

enum class BasketBy { kLearner, kSession };

struct BasketOptions {
  BasketBy by = BasketBy::kLearner;
  // kSession: a learner's next event starts a new basket when it comes more than this after the
  // previous counted event.
  int64_t session_gap_ms = 30LL * 60 * 1000;
  // Which event names put a course in a basket.
  std::vector<std::string> events = {"purchase"};
};

// Compressed rows: basket b holds items[offsets[b] .. offsets[b+1]), item codes (as in
// EventLog::items, or any dense code space for baskets built from lists) sorted and distinct.
struct Baskets {
  std::vector<size_t> offsets = {0};
  std::vector<int32_t> items;
  size_t item_space = 0;  // item codes are < item_space

  // What was read and what was left out (nothing is dropped silently).
  size_t events_used = 0;          // counted events that landed in a basket
  size_t events_without_item = 0;  // counted events with no course: skipped
  size_t repeated_items = 0;       // same course twice in one basket: kept once
  std::vector<std::string> unknown_events;  // requested names that never occur in the log

  size_t size() const { return offsets.size() - 1; }
  size_t basket_size(size_t b) const { return offsets[b + 1] - offsets[b]; }
};

// Reports stage "baskets" through `progress` as it reads the log (it is most of rules()' time).
Baskets make_baskets(const EventLog& log, const BasketOptions& options, const Progress& progress = {});

// Baskets from explicit lists of item codes (each < item_space); repeated codes are kept once.
// Throws InputError for a code outside [0, item_space).
Baskets baskets_from_lists(const std::vector<std::vector<int32_t>>& lists, size_t item_space);

// Baskets from compressed rows as they arrive from JS: basket b is items[offsets[b] ..
// offsets[b+1]). Throws InputError for decreasing offsets or a code outside [0, item_space).
Baskets baskets_from_rows(const int32_t* items, const int32_t* offsets, size_t baskets, size_t item_space);

// Reads the basket keys of an options object: "basketBy" ("learner" | "session"),
// "sessionGapMinutes" (> 0, used with "session"), "events" (array of event names). Other keys are
// left to the caller, which validates them.
BasketOptions basket_options_from_json(const nlohmann::json& j);
// The keys above, for callers listing what they accept.
extern const char* const kBasketOptionKeys[3];

}  // namespace circlewise
