// Local differential privacy on the learner's device: the report maker (secure randomness from
// crypto.getRandomValues), the budget status and report validation. JSON in, JSON out. The
// planner and the aggregator (site/collector-side) are in bind_ldp_aggregator.cpp, so the learner
// module (circlewise-learner) does not carry them.
#include <emscripten/bind.h>

#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/error.h"
#include "circlewise/ldp.h"
#include "circlewise/privacy_budget.h"
#include "circlewise/secure_random.h"
#include "js_error.h"
#include "js_random_source.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

// {report, value, memoised, charged, state, status}
std::string make_report_json(const std::string& request, const std::string& budget, const std::string& state) {
  return guarded([&] {
    ReportRequest req = report_request_from_json(json_argument(request, "report request"));
    PrivacyBudget b = privacy_budget_from_json(json_argument(budget, "privacy budget"));
    DeviceState s = device_state_from_json(json_argument(state, "privacy state"));
    wasm::CryptoRandomSource random;  // hardening: never aborts the module when crypto is gone
    MadeReport made = make_report(req, b, s, random);
    return nlohmann::json{{"report", to_json(made.report)},
                          {"value", made.true_value},
                          {"memoised", made.memoised},
                          {"charged", made.charged},
                          {"state", to_json(s)},
                          {"status", to_json(budget_status(b, s, req.period))}}
        .dump();
  });
}

std::string status_json(const std::string& budget, const std::string& state, const std::string& period) {
  return guarded([&] {
    return to_json(budget_status(privacy_budget_from_json(json_argument(budget, "privacy budget")),
                                 device_state_from_json(json_argument(state, "privacy state")), period))
        .dump();
  });
}

std::string validate_report_json(const std::string& report) {
  return guarded([&] { return to_json(ldp_report_from_json(json_argument(report, "report"))).dump(); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_ldp) {
  using namespace emscripten;
  function("ldpMakeReport", &make_report_json);
  function("ldpBudgetStatus", &status_json);
  function("ldpValidateReport", &validate_report_json);
}
