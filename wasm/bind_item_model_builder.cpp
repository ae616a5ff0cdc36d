// Building item models (from an event log or from counts) and the leave-last-out evaluation:
// site-side, so only in the full module. Recommender itself is bound in bind_recommender.cpp.
#include <emscripten/bind.h>

#include <Eigen/Core>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "circlewise/error.h"
#include "circlewise/item_model.h"
#include "circlewise/item_model_builder.h"
#include "circlewise/recommender.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

ItemModelBuild build_from_log(const EventLog& log, const std::string& options) {
  return guarded([&] { return build_item_model(log, item_model_options_from_json(json_argument(options, "model options"))); });
}

// `items_json`: [{"id","title","category","price"}]; frequencies: n doubles; cooccurrence: n*n
// doubles, row-major (symmetric, so the order does not matter for a valid input).
ItemModelBuild build_from_counts(const std::string& items_json, std::uintptr_t freq, std::uintptr_t cooc, std::size_t n,
                                 const std::string& options) {
  return guarded([&] {
    auto j = json_argument(items_json, "items");
    if (!j.is_array()) throw InputError("\"items\" must be an array of {id, title, category, price}");
    std::vector<ModelItem> items;
    for (size_t i = 0; i < j.size(); ++i) {
      const auto& o = j[i];
      const std::string where = "items[" + std::to_string(i) + "]";
      if (!o.is_object() || !o.contains("id") || !o["id"].is_string()) throw InputError(where + " needs a string \"id\"");
      ModelItem it;
      it.id = o["id"].get<std::string>();
      if (o.contains("title") && o["title"].is_string()) it.title = o["title"].get<std::string>();
      if (o.contains("category") && o["category"].is_string()) it.category = o["category"].get<std::string>();
      if (o.contains("price") && o["price"].is_number()) it.price = o["price"].get<double>();
      items.push_back(std::move(it));
    }
    const auto d = static_cast<Eigen::Index>(n);
    Eigen::Map<const Eigen::VectorXd> f(reinterpret_cast<const double*>(freq), d);
    Eigen::Map<const Eigen::MatrixXd> c(reinterpret_cast<const double*>(cooc), d, d);
    return build_item_model_from_counts(items, f, c, item_model_options_from_json(json_argument(options, "model options")));
  });
}

std::string build_report_json(const ItemModelBuild& b) {
  return guarded([&] { return to_json(b.report).dump(); });
}

Recommender take_recommender(ItemModelBuild& b) {
  return guarded([&] { return Recommender(std::move(b.model)); });
}

std::string evaluate_json(const EventLog& log, const std::string& options) {
  return guarded([&] {
    return to_json(evaluate_leave_last_out(log, evaluation_options_from_json(json_argument(options, "evaluation options")))).dump();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_item_model_builder) {
  using namespace emscripten;
  class_<ItemModelBuild>("ItemModelBuild")
      .function("reportJson", &build_report_json)
      .function("takeRecommender", &take_recommender);
  function("buildItemModel", &build_from_log);
  function("buildItemModelFromCounts", &build_from_counts);
  function("evaluateRecommender", &evaluate_json);
}
