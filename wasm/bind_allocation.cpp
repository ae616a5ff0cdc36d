// Response curves and budget allocation: JSON/CSV text in, JSON text out. A CurveSet holds parsed
// curves across calls so that re-allocating after a slider move does not re-parse them.
#include <emscripten/bind.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "circlewise/allocation.h"
#include "circlewise/marketing_history.h"
#include "circlewise/response_curve.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

std::string fit_result_json(const MarketingHistory& h, const CurveFitOptions& options) {
  auto result = fit_response_curves(h, options);
  nlohmann::json out = to_json(result);
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& m : community_metrics(h)) metrics.push_back(to_json(m));
  out["metrics"] = metrics;
  out["history"] = {{"rows", h.size()},
                    {"periods", h.periods.size()},
                    {"communities", h.communities.size()},
                    {"ignoredColumns", h.ignored_columns}};
  return out.dump();
}

std::string fit_curves_csv(const std::string& csv, const std::string& options_json) {
  return guarded([&] {
    auto options = curve_fit_options_from_json(json_argument(options_json));  // options first: fail fast
    return fit_result_json(read_marketing_history(csv), options);
  });
}

std::string fit_curves_rows(const std::string& rows_json, const std::string& options_json) {
  return guarded([&] {
    auto options = curve_fit_options_from_json(json_argument(options_json));
    return fit_result_json(marketing_history_from_json(json_argument(rows_json)), options);
  });
}

std::string metrics_json(const MarketingHistory& h) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : community_metrics(h)) out.push_back(to_json(m));
  return out.dump();
}

std::string history_metrics_csv(const std::string& csv) {
  return guarded([&] { return metrics_json(read_marketing_history(csv)); });
}

std::string history_metrics_rows(const std::string& rows_json) {
  return guarded([&] { return metrics_json(marketing_history_from_json(json_argument(rows_json))); });
}

std::string simulate_history(const std::string& options_json) {
  return guarded([&] {
    auto sim = history_simulation_from_json(json_argument(options_json));
    nlohmann::json truth = nlohmann::json::array();
    for (size_t i = 0; i < sim.truth.size(); ++i) {
      auto t = to_json(sim.truth[i]);
      t["community"] = sim.communities[i];
      t["valuePerConversion"] = sim.value_per_conversion[i];
      truth.push_back(t);
    }
    return nlohmann::json{{"csv", write_marketing_history_csv(simulate_marketing_history(sim))}, {"truth", truth}}
        .dump();
  });
}

struct CurveSet {
  std::vector<ResponseCurve> curves;
};

CurveSet new_curve_set(const std::string& curves_json) {
  return guarded([&] { return CurveSet{curves_from_json(json_argument(curves_json))}; });
}

std::string allocate_json(const CurveSet& set, const std::string& options_json) {
  return guarded([&] { return to_json(allocate(set.curves, allocation_options_from_json(json_argument(options_json)))).dump(); });
}

double curve_count(const CurveSet& set) { return static_cast<double>(set.curves.size()); }

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_allocation) {
  using namespace emscripten;
  function("fitCurvesCsv", &fit_curves_csv);
  function("fitCurvesRows", &fit_curves_rows);
  function("historyMetricsCsv", &history_metrics_csv);
  function("historyMetricsRows", &history_metrics_rows);
  function("simulateMarketingHistory", &simulate_history);
  class_<CurveSet>("CurveSet").function("allocate", &allocate_json).function("size", &curve_count);
  function("newCurveSet", &new_curve_set);
}
