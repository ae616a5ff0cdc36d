// Item model and on-device recommender as a course page uses them: loading a published model,
// recommending, and reading the model back. Building and evaluating models (site-side) is in
// bind_item_model_builder.cpp, so the learner module (circlewise-learner) does not carry it.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/error.h"
#include "circlewise/item_model.h"
#include "circlewise/recommender.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

Recommender load_model(std::uintptr_t ptr, std::size_t n) {
  return guarded([&] { return Recommender(load_item_model(std::string_view(reinterpret_cast<const char*>(ptr), n))); });
}

std::string recommend_json(const Recommender& r, const std::string& history, const std::string& options) {
  return guarded([&] {
    auto res = r.recommend(history_from_json(json_argument(history, "history")),
                           recommend_options_from_json(json_argument(options, "recommend options")));
    return to_json(res, r.model()).dump();
  });
}

// The same with the history as "event<TAB>item" lines (the fast path the JS wrapper uses).
std::string recommend_lines(const Recommender& r, const std::string& history, const std::string& options) {
  return guarded([&] {
    auto res = r.recommend(history_from_lines(history), recommend_options_from_json(json_argument(options, "recommend options")));
    return to_json(res, r.model()).dump();
  });
}

std::string model_json(const Recommender& r) {
  return guarded([&] { return to_json(r.model()).dump(); });
}

// A copy in a new Uint8Array: the bytes outlive this call.
emscripten::val model_binary(const Recommender& r) {
  return guarded([&] {
    std::string bytes = to_binary(r.model());
    return emscripten::val::global("Uint8Array")
        .new_(emscripten::typed_memory_view(bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data())));
  });
}

std::string info_json(const Recommender& r) {
  return guarded([&] { return to_json(describe(r.model())).dump(); });
}

double model_size(const Recommender& r) { return static_cast<double>(r.model().size()); }

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_recommender) {
  using namespace emscripten;
  class_<Recommender>("Recommender")
      .function("recommendJson", &recommend_json)
      .function("recommendLines", &recommend_lines)
      .function("modelJson", &model_json)
      .function("modelBinary", &model_binary)
      .function("infoJson", &info_json)
      .function("size", &model_size);
  function("loadItemModel", &load_model);
}
