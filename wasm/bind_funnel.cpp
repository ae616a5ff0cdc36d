// Funnels on a dataset: options JSON in, result JSON out.
#include <emscripten/bind.h>

#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/funnel.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

std::string funnel_json(const EventLog& log, const std::string& options_json) {
  return guarded([&] {
    nlohmann::json j = json_argument(options_json);
    return to_json(funnel(log, funnel_options_from_json(j))).dump();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_funnel) { emscripten::function("funnelJson", &funnel_json); }
