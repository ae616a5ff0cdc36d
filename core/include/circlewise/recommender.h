#pragma once
// On-device recommendations from a learner's own history and a published item model
// (item_model.h): every course in the history adds its neighbours' weights to their scores; the
// top-n unowned courses come back with the course that contributed most as the reason ("because
// you enrolled in X"). A learner with no usable history gets the most popular courses, within
// their community when it is known. Also: the leave-last-out evaluation used by
// bench/recommender_quality.mjs and `circlewise model evaluate`.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"
#include "circlewise/item_model.h"
#include "circlewise/item_model_builder.h"

namespace circlewise {

// One event of the learner's own history. How an event counts (docs/recommender.md):
//  enroll / purchase / complete: owned (never recommended), weight 1;
//  refund: owned (not recommended again), weight 0;
//  join / leave: about no course, ignored (counted);
//  view, click, share, wishlist and any other name: interest, weight 0.5 (share: 1).
// A course's weight is its strongest event; repeating an event does not add up.
struct HistoryEntry {
  std::string item;
  std::string event = "enroll";
};

struct RecommendOptions {
  size_t n = 10;                     // 1..1000
  std::vector<std::string> exclude;  // course ids never to recommend (unknown ids are counted)
  std::string community;             // the learner's community, for the popularity fallback
  bool fill_with_popular = true;     // top up with popular courses when neighbours run out
};

// {"n":10,"exclude":["course-007"],"community":"design-circle","fillWithPopular":true}
RecommendOptions recommend_options_from_json(const nlohmann::json& j);
// [{"item":"course-001","event":"enroll"}, "course-002", ...] (a bare id means "enroll").
std::vector<HistoryEntry> history_from_json(const nlohmann::json& j);
// The same as text, one "event<TAB>item" per line (a line without a tab is an id = "enroll"):
// 10x cheaper to parse than JSON objects, which matters for a 200-event history in WASM.
std::vector<HistoryEntry> history_from_lines(std::string_view text);

struct Recommendation {
  int32_t item = kNone;
  double score = 0;        // sum of neighbour weights; 0 for popularity picks
  int32_t because = kNone; // the history course that contributed most; kNone for popularity picks
  std::string because_event;  // its strongest event, for the reason text
  bool popular = false;    // true when chosen by the popularity fallback
};

struct RecommendResult {
  std::vector<Recommendation> items;
  size_t history_events = 0;
  size_t history_items = 0;        // distinct known courses in the history
  size_t unknown_events = 0;       // history events about courses the model does not know
  std::vector<std::string> unknown_items;  // their distinct ids (the first 20)
  size_t ignored_events = 0;       // join/leave events or events with an empty id
  size_t unknown_exclude = 0;      // ids in `exclude` the model does not know
  bool community_known = false;    // `community` names a category of the model
  std::string strategy;            // "personal", "personal+popular" or "popular"
};

// A loaded model, ready to answer many recommend() calls (the state that lives across calls).
// recommend() reuses internal scratch buffers: one Recommender per thread.
class Recommender {
 public:
  explicit Recommender(ItemModel model);  // validates it (InputError)
  const ItemModel& model() const { return model_; }
  // Index of a course id, or kNone.
  int32_t find(const std::string& id) const;
  RecommendResult recommend(const std::vector<HistoryEntry>& history, const RecommendOptions& options) const;

 private:
  ItemModel model_;
  std::unordered_map<std::string, int32_t> index_;
  std::vector<int32_t> by_popularity_;  // all courses, most popular first
  std::unordered_map<std::string, std::vector<int32_t>> popular_in_;  // per category
  mutable std::vector<double> score_, best_;
  mutable std::vector<int32_t> because_;
  mutable std::vector<uint8_t> mark_;  // 1 candidate, 2 owned/excluded, 4 chosen
  mutable std::vector<int32_t> touched_;
  mutable std::vector<int32_t> source_of_;  // course -> its index in the history's sources, or -1
};

// JSON for JS and the CLI: items with id, title, category, price, score, reason, because.
nlohmann::json to_json(const RecommendResult& r, const ItemModel& model);

// ───── Evaluation: leave-last-out ─────
// For every learner with at least two engaged courses, the course engaged with last (by first
// engagement time; ties: later in the log) is held out; the model is trained on everything else
// and asked for the learner's top-n given the rest of their engagements.
struct LeaveLastOutSplit {
  struct Case {
    std::string community;  // the learner's most frequent community ("" when none)
    std::vector<HistoryEntry> history;  // earlier engagements, in time order
    std::string held_out;
  };
  EventLog train;  // the log without the held-out engagement events
  std::vector<Case> cases;
  size_t learners_skipped = 0;  // fewer than two engaged courses
};
LeaveLastOutSplit split_leave_last_out(const EventLog& log, const std::vector<std::string>& events);

struct RecommenderQuality {
  std::string name;
  size_t cases = 0;
  double recall = 0;    // share of cases whose held-out course is in the top n
  double ndcg = 0;      // mean 1 / log2(rank + 1) of the held-out course (0 when absent)
  double coverage = 0;  // distinct recommended courses / courses in the model
  size_t held_out_not_in_model = 0;  // cases whose course never appears in training (always misses)
};
// Scores `recommender` on the split's cases (each with its community, n = `n`).
RecommenderQuality evaluate(const Recommender& recommender, const LeaveLastOutSplit& split, size_t n,
                            const std::string& name);

struct EvaluationOptions {
  size_t n = 10;            // 1..1000
  size_t max_cases = 0;     // 0 = all; else a seeded sample of this many learners
  uint64_t seed = 1;
  ItemModelOptions model;   // for the item-item model (and its `events`)
  bool ease = false;        // also evaluate EASE (small catalogues)
  // Private models: for each epsilon, every training learner's device makes one item and one pair
  // report with the real mechanisms (simulate_ldp_reports: seeded noise, simulation only, not
  // private), the reports are aggregated and a model is rebuilt from them (item_model_from_ldp),
  // "ldp eps=E"; and the hybrid from the same pair reports plus the training log's per-course
  // learner counts as the site's public counts, "ldp hybrid eps=E".
  std::vector<double> ldp_epsilons;  // empty = none
  uint64_t ldp_seed = 1;
  uint32_t ldp_top_items = 300;      // pairs are estimated among this many most frequent courses
  double ldp_min_z = -1;             // significance filter of the private model (LdpModelOptions::min_z; < 0 auto)
};
// {"n":10,"maxCases":0,"seed":1,"ease":false,"model":{...ItemModelOptions},
//  "ldpEpsilons":[0.5,1,2,4,8],"ldpSeed":1,"ldpTopItems":300,"ldpMinZ":"auto"}
EvaluationOptions evaluation_options_from_json(const nlohmann::json& j);

struct EvaluationResult {
  size_t learners_evaluated = 0;
  size_t learners_skipped = 0;
  size_t courses = 0;
  std::vector<RecommenderQuality> methods;  // popularity, popularity in community, item-item, [ease], [ldp eps=E, ldp hybrid eps=E ...]
  size_t ldp_item_reports = 0;  // per private model: reports the devices of the training log sent
  size_t ldp_pair_reports = 0;
};
EvaluationResult evaluate_leave_last_out(const EventLog& log, const EvaluationOptions& options);
nlohmann::json to_json(const RecommenderQuality& q);
nlohmann::json to_json(const EvaluationResult& r);

}  // namespace circlewise
