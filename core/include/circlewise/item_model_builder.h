#pragma once
// Building the item model (item_model.h) on the server side, two ways that give the same format:
//  - from a raw event log: the non-private baseline;
//  - from item frequencies and a pair co-occurrence matrix, e.g. the unbiased estimates that the
//    LDP aggregator (ldp_aggregator.h) rebuilds from private reports.
//
// Weights ("method"):
//  - "cosine": shrunk cosine similarity of the items' learner sets,
//        w(i, j) = c_ij / (sqrt(f_i * f_j) + shrinkage),
//    where f_i = learners who engaged with i and c_ij = learners who engaged with both. The
//    shrinkage term pulls pairs seen by few learners towards 0 (a pair seen once between two
//    rare courses would otherwise get similarity 1). Symmetric.
//  - "ease": EASE (Steck 2019), B = I - P diag(1/diag(P)), P = (G + lambda I)^-1, G = X'X the
//    item Gram matrix, diag(B) = 0; w(i, j) = B_ij. Dense n x n, so only for small catalogues
//    (`ease_max_items`). Often more accurate; weights can be negative (only positive ones kept).
// Each item keeps its top-k neighbours by weight (ties: lower index first); weights <= 0 are not
// kept, nor (cosine) pairs seen by fewer than `min_support` learners.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"
#include "circlewise/item_model.h"

namespace circlewise {

struct ItemModelOptions {
  std::string method = "cosine";  // "cosine" | "ease"
  uint32_t k = 50;                // neighbours kept per item, 1..1000
  double shrinkage = 10;          // cosine only, 0..1e9
  double ease_lambda = 100;       // EASE L2 regularisation, > 0
  size_t ease_max_items = 3000;   // EASE refuses larger catalogues (n^2 memory, n^3 time)
  double min_support = 1;         // minimum co-occurrence c_ij to keep a pair, >= 0
  // Events that count as engagement with a course (a learner "has" the course). Event log only.
  std::vector<std::string> events = {"enroll", "purchase", "complete"};
  // Optional titles by item id (the event log has none); missing ones default to the id.
  std::unordered_map<std::string, std::string> titles;
};

// {"method":"cosine","k":50,"shrinkage":10,"easeLambda":100,"easeMaxItems":3000,"minSupport":1,
//  "events":["enroll","purchase","complete"],"titles":{"course-001":"Intro to SQL"}}
// Unknown keys and out-of-range values are rejected with the key's name and range.
ItemModelOptions item_model_options_from_json(const nlohmann::json& j);

// What the builder used and left out, so nothing is dropped silently.
struct ItemModelBuildReport {
  size_t learners = 0;               // learners with at least one engagement
  size_t interactions = 0;           // distinct (learner, course) engagements
  size_t events_used = 0;            // events of the engagement types with a course
  size_t events_without_item = 0;    // engagement events with no course (ignored)
  size_t events_other_types = 0;     // events of other types (used only for category/price)
  size_t items_without_engagement = 0;  // in the catalogue, popularity 0, no neighbours
  size_t negative_estimates_clamped = 0;  // counts input: negative frequencies/co-occurrences set to 0
  std::vector<std::string> unknown_event_names;  // names in `events` that the log never uses
};

struct ItemModelBuild {
  ItemModel model;
  ItemModelBuildReport report;
};

// From an event log. Throws InputError when the log has no course or no engagement event of the
// chosen types (a typo in `events` must not yield an empty model). The catalogue is every course in the log (in dictionary order); category =
// the community on most of the course's events; price = median purchase amount; popularity =
// learners who engaged.
ItemModelBuild build_item_model(const EventLog& log, const ItemModelOptions& options);

// From counts: `items` gives the catalogue (id, title, category, price; popularity is replaced
// by `frequency`), `frequency[i]` = learners who engaged with i, `cooccurrence(i, j)` = learners
// who engaged with both (n x n; the diagonal is ignored; (i, j) and (j, i) are averaged, so give
// both halves). Estimates may be noisy: negative values are clamped to 0 and counted.
// Throws InputError when sizes disagree or values are not finite.
ItemModelBuild build_item_model_from_counts(const std::vector<ModelItem>& items,
                                            const Eigen::Ref<const Eigen::VectorXd>& frequency,
                                            const Eigen::Ref<const Eigen::MatrixXd>& cooccurrence,
                                            const ItemModelOptions& options);

nlohmann::json to_json(const ItemModelBuildReport& report);

}  // namespace circlewise
