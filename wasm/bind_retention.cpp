// Cohort retention on a dataset: options JSON in, result JSON out.
#include <emscripten/bind.h>

#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/retention.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

std::string cohorts_json(const EventLog& log, const std::string& options_json) {
  return guarded([&] {
    nlohmann::json j = json_argument(options_json);
    return to_json(retention(log, retention_options_from_json(j))).dump();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_retention) { emscripten::function("cohortsJson", &cohorts_json); }
