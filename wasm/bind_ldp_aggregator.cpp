// Local differential privacy, site/collector side: the planner, the aggregator handle and the
// item model built from its estimates. Only in the full module. JSON in, JSON out.
#include <emscripten/bind.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "circlewise/error.h"
#include "circlewise/item_model.h"
#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

std::string plan_json(const std::string& options) {
  return guarded([&] { return to_json(plan_ldp(plan_options_from_json(json_argument(options, "plan options")))).dump(); });
}

// unique_ptr (JS gets the object, or null on error): LdpAggregator has no default value for
// guarded to return, and throwing from here would leak the options' argument buffer.
std::unique_ptr<LdpAggregator> new_aggregator(const std::string& options) {
  return guarded([&] {
    return std::make_unique<LdpAggregator>(aggregator_options_from_json(json_argument(options, "aggregator options")));
  });
}

// One report object or an array of them; returns {"accepted":n,"rejected":[{"index","reason"}]}.
std::string add_reports(LdpAggregator& a, const std::string& reports) {
  return guarded([&] {
    nlohmann::json j = json_argument(reports, "reports");
    nlohmann::json rejected = nlohmann::json::array();
    auto one = [&](const nlohmann::json& r, size_t i) {
      std::string why;
      if (!a.add(r, &why)) rejected.push_back({{"index", i}, {"reason", why}});
    };
    size_t ok_before = a.accepted();
    if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) one(j[i], i);
    } else {
      one(j, 0);
    }
    return nlohmann::json{{"accepted", a.accepted() - ok_before}, {"rejected", rejected}}.dump();
  });
}

double add_ndjson(LdpAggregator& a, const std::string& text) {
  return guarded([&] { return static_cast<double>(a.add_ndjson(text)); });
}

std::string aggregator_summary(const LdpAggregator& a) {
  return guarded([&] {
    nlohmann::json rej = nlohmann::json::array();
    for (const auto& r : a.rejections()) rej.push_back({{"index", r.index}, {"reason", r.reason}});
    return nlohmann::json{{"kind", report_kind_name(a.options().kind)},
                          {"items", a.options().items},
                          {"domain", a.domain()},
                          {"accepted", a.accepted()},
                          {"rejected", a.rejected()},
                          {"rejections", rej}}
        .dump();
  });
}

// values: JSON array of indices, or "" for the whole domain.
std::string estimate_json(const LdpAggregator& a, const std::string& values) {
  return guarded([&] {
    nlohmann::json v = json_argument(values, "values");
    const auto kind = a.options().kind;
    const auto items = a.options().items;
    if (v.is_null()) return to_json(a.estimate(), kind, items).dump();
    if (!v.is_array()) throw InputError("values must be an array of domain indices");
    std::vector<uint64_t> xs;
    for (const auto& x : v) {
      if (!x.is_number_integer() || x.get<int64_t>() < 0) throw InputError("values must be non-negative integers");
      xs.push_back(x.get<uint64_t>());
    }
    return to_json(a.estimate(xs), kind, items).dump();
  });
}

// {"model": <item model JSON>, "report": {...}}
std::string build_model_json(const LdpAggregator& items, const LdpAggregator& pairs, const std::string& catalogue,
                             const std::string& options) {
  return guarded([&] {
    nlohmann::json c = json_argument(catalogue, "catalogue");
    std::vector<ModelItem> items_list = model_catalogue_from_json(c);
    ItemModelBuild b = item_model_from_ldp(items, pairs, items_list, ldp_model_options_from_json(json_argument(options, "model options")));
    return nlohmann::json{{"model", to_json(b.model)}, {"report", to_json(b.report)}}.dump();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_ldp_aggregator) {
  using namespace emscripten;
  function("ldpPlan", &plan_json);
  class_<LdpAggregator>("LdpAggregator")
      .function("addReports", &add_reports)
      .function("addNdjson", &add_ndjson)
      .function("summaryJson", &aggregator_summary)
      .function("estimateJson", &estimate_json);
  function("newLdpAggregator", &new_aggregator);
  function("ldpBuildModel", &build_model_json);
}
