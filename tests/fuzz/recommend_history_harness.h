#pragma once
// The recommender's text history (history_from_lines: one "event<TAB>course" or bare course id a
// line, what the learner module passes for a long history), answered by a fixed model of 6
// courses; byte 0 sets n, the popularity fill and the community. A history that parses must equal
// its JSON form read by history_from_json, and the answer must be well formed: at most n distinct
// courses of the model, none the learner owns, finite scores, JSON that dumps.
#include <cmath>
#include <set>
#include <string>

#include "circlewise/item_model.h"
#include "circlewise/recommender.h"
#include "fuzz_support.h"

inline const circlewise::Recommender& fuzz_recommender() {
  static const circlewise::Recommender r(circlewise::load_item_model(R"({
    "format": "circlewise-item-model", "version": 1, "method": "fuzz", "k": 3, "items": [
      {"id": "a", "category": "data", "popularity": 50, "neighbors": [[1, 0.9], [2, 0.4]]},
      {"id": "b", "category": "data", "popularity": 40, "neighbors": [[0, 0.9], [3, 0.2]]},
      {"id": "c", "category": "code", "popularity": 30, "neighbors": [[0, 0.4]]},
      {"id": "d", "category": "code", "popularity": 20, "neighbors": [[1, 0.2], [4, 0.7]]},
      {"id": "e", "category": "design", "popularity": 10, "neighbors": [[3, 0.7]]},
      {"id": "f", "category": "design", "popularity": 5}]})"));
  return r;
}

inline void run_recommend_history_case(const uint8_t* data, size_t size) {
  using namespace circlewise;
  if (size < 1) return;
  std::vector<HistoryEntry> history;
  try {
    history = history_from_lines(circlewise_fuzz::as_text(data + 1, size - 1));
  } catch (const InputError& e) {
    (void)nlohmann::json(e.what()).dump();
    return;
  }
  // The same history as JSON objects reads back identically (both forms are public).
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : history) j.push_back({{"item", e.item}, {"event", e.event}});
  const auto again = history_from_json(nlohmann::json::parse(j.dump()));
  if (again.size() != history.size()) __builtin_trap();
  for (size_t i = 0; i < again.size(); ++i)
    if (again[i].item != history[i].item || again[i].event != history[i].event) __builtin_trap();

  const Recommender& rec = fuzz_recommender();
  RecommendOptions o;
  o.n = 1 + data[0] % 8;
  o.fill_with_popular = (data[0] & 8) != 0;
  if (data[0] & 16) o.community = (data[0] & 32) ? "design" : "nowhere";
  const RecommendResult r = rec.recommend(history, o);
  std::set<std::string> owned;
  for (const auto& e : history)
    if (e.event == "enroll" || e.event == "purchase" || e.event == "complete" || e.event == "refund") owned.insert(e.item);
  std::set<int32_t> seen;
  if (r.items.size() > o.n) __builtin_trap();
  for (const auto& x : r.items) {
    if (x.item < 0 || static_cast<size_t>(x.item) >= rec.model().size() || !seen.insert(x.item).second) __builtin_trap();
    if (owned.count(rec.model().items[static_cast<size_t>(x.item)].id) || !std::isfinite(x.score)) __builtin_trap();
  }
  (void)to_json(r, rec.model()).dump();
}
