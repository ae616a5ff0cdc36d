// A/B test, LTV and CAC calculators: JSON text in, JSON text out; per-learner arrays of a ratio
// metric arrive through the heap (pointers as uintptr_t) and leave as their sufficient sums.
#include <emscripten/bind.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/ab_test.h"
#include "circlewise/ltv.h"
#include "js_error.h"

using namespace circlewise;
using wasm::guarded;

namespace {

nlohmann::json parse_json(const std::string& text) { return nlohmann::json::parse(text.empty() ? "{}" : text); }

std::string sample_size_json(const std::string& options) {
  return guarded([&] { return to_json(sample_size(sample_size_options_from_json(parse_json(options)))).dump(); });
}

std::string analyze_json(const std::string& options) {
  return guarded([&] { return to_json(analyze_conversions(analyze_options_from_json(parse_json(options)))).dump(); });
}

std::string ratio_json(const std::string& options) {
  return guarded([&] { return to_json(analyze_ratio(ratio_options_from_json(parse_json(options)))).dump(); });
}

// y_ptr == 0: no denominators.
std::string ratio_sums_json(const std::string& name, std::uintptr_t x_ptr, std::uintptr_t y_ptr, std::size_t n) {
  return guarded([&] {
    return to_json(ratio_sums(name, reinterpret_cast<const double*>(x_ptr),
                              y_ptr ? reinterpret_cast<const double*>(y_ptr) : nullptr, n))
        .dump();
  });
}

std::string ltv_json(const std::string& options) {
  return guarded([&] { return to_json(lifetime_value(ltv_options_from_json(parse_json(options)))).dump(); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_ab_test) {
  using namespace emscripten;
  function("abSampleSizeJson", &sample_size_json);
  function("abAnalyzeJson", &analyze_json);
  function("abRatioJson", &ratio_json);
  function("abRatioSumsJson", &ratio_sums_json);
  function("ltvJson", &ltv_json);
}
