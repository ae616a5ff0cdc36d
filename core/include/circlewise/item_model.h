#pragma once
// The item model a course site publishes for on-device recommendations: the catalogue (id,
// title, community/category, price, popularity) and, per course, its top-K neighbours with
// weights. Recommending from a history is then a sum of neighbour weights (recommender.h), so
// the learner's browser needs nothing but this file.
//
// Two encodings of the same content, both versioned (docs/recommender.md has the full layout):
//  - JSON ("format": "circlewise-item-model", "version": 1) for people and tools;
//  - a compact binary form ("CWIM" magic, version, payload length, CRC-32) for download size.
// Readers reject a corrupt, truncated or wrong-version file with an InputError saying which.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace circlewise {

constexpr uint32_t kItemModelVersion = 1;

struct ModelItem {
  std::string id;
  std::string title;     // defaults to the id when the data has no titles
  std::string category;  // community/category the course belongs to; empty when unknown
  double price = std::numeric_limits<double>::quiet_NaN();  // NaN: no price known
  double popularity = 0;  // learners who engaged (or an estimate of it for private models), >= 0
};

// Neighbours are stored flat (CSR): item i's neighbours are neighbor[offset[i] .. offset[i+1]),
// sorted by descending weight. Weight w(i -> j) is what item i in a history adds to j's score.
struct ItemModel {
  std::string method;  // how the weights were made: "cosine", "ease", or a caller's label
  uint32_t k = 0;      // the most neighbours any item may have
  std::vector<ModelItem> items;
  std::vector<uint32_t> offset{0};  // size items.size() + 1
  std::vector<int32_t> neighbor;    // item indices
  std::vector<float> weight;        // finite

  size_t size() const { return items.size(); }
  size_t neighbor_count(size_t i) const { return offset[i + 1] - offset[i]; }
};

// Throws InputError when the model is inconsistent (offsets, indices out of range, self or
// duplicate neighbours, non-finite weights, more than k neighbours, duplicate item ids, ...).
void validate(const ItemModel& model);

nlohmann::json to_json(const ItemModel& model);
ItemModel item_model_from_json(const nlohmann::json& j);

// Binary form. Weights are float32 in both forms, so JSON <-> binary round trips are exact.
std::string to_binary(const ItemModel& model);
ItemModel item_model_from_binary(std::string_view bytes);

// Either form, recognised by its first bytes ("CWIM" magic, or JSON text).
ItemModel load_item_model(std::string_view bytes);

// A short description for `circlewise model info` and the JS `info()`.
struct ItemModelInfo {
  uint32_t version = kItemModelVersion;
  std::string method;
  uint32_t k = 0;
  size_t items = 0;
  size_t neighbors = 0;             // total stored
  size_t items_without_neighbors = 0;
  size_t categories = 0;
  size_t json_bytes = 0;            // size of to_json(model).dump()
  size_t binary_bytes = 0;          // size of to_binary(model)
};
ItemModelInfo describe(const ItemModel& model);
nlohmann::json to_json(const ItemModelInfo& info);

}  // namespace circlewise
