// Courses that sell together: association rules on a dataset, and frequent itemsets on baskets
// handed over from JS as compressed rows in the heap.
#include <emscripten/bind.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/association_rules.h"
#include "js_error.h"
#include "js_progress.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

std::string rules_json(const EventLog& log, const std::string& options_json, emscripten::val on_progress) {
  return guarded([&] {
    auto o = association_options_from_json(json_argument(options_json));
    o.progress = wasm::js_progress(on_progress);
    return to_json(analyze_associations(log, o), log.items.names(), o.max_itemsets_out).dump();
  });
}

// items: Int32Array of item codes; offsets: Int32Array of baskets + 1 row starts.
std::string itemsets_json(std::uintptr_t items, std::uintptr_t offsets, std::size_t baskets, std::size_t item_space,
                          const std::string& options_json) {
  return guarded([&] {
    auto o = itemset_options_from_json(json_argument(options_json));
    auto b = baskets_from_rows(reinterpret_cast<const int32_t*>(items), reinterpret_cast<const int32_t*>(offsets),
                               baskets, item_space);
    return to_columnar_json(frequent_itemsets(b, o));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_association_rules) {
  emscripten::function("associationRulesJson", &rules_json);
  emscripten::function("frequentItemsetsJson", &itemsets_json);
}
