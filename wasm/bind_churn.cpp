// Churn risk (BG/NBD), spend (Gamma-Gamma), CLV and conversion per community.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/churn.h"
#include "circlewise/customer_value.h"
#include "circlewise/error.h"
#include "js_error.h"
#include "js_progress.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

ChurnOptions options_with_progress(const std::string& options_json, const emscripten::val& on_progress) {
  auto o = churn_options_from_json(json_argument(options_json));
  o.progress = wasm::js_progress(on_progress);
  return o;
}

ChurnAnalysis churn_from_log(const EventLog& log, const std::string& options_json, emscripten::val on_progress) {
  return guarded([&] { return analyze_churn(log, options_with_progress(options_json, on_progress)); });
}

ChurnAnalysis churn_from_rows(const std::string& rows_json, const std::string& options_json, emscripten::val on_progress) {
  return guarded([&] {
    auto options = options_with_progress(options_json, on_progress);
    return analyze_churn(purchase_summary_from_json(json_argument(rows_json)), options);
  });
}

ChurnAnalysis churn_from_csv(const std::string& csv, const std::string& options_json, emscripten::val on_progress) {
  return guarded([&] {
    auto options = options_with_progress(options_json, on_progress);
    return analyze_churn(read_purchase_summary_csv(csv), options);
  });
}

std::string analysis_json(const ChurnAnalysis& a) {
  return guarded([&] { return to_json(a).dump(); });
}

std::string learner_ids_json(const ChurnAnalysis& a) {
  return guarded([&] { return nlohmann::json(a.summary.learners).dump(); });
}

// A view into the analysis' column; the JS side copies it out before the next call.
emscripten::val column(const ChurnAnalysis& a, const std::string& name) {
  return guarded([&] {
    const std::vector<double>* v = name == "frequency"           ? &a.summary.frequency
                                   : name == "recency"           ? &a.summary.recency
                                   : name == "T"                 ? &a.summary.T
                                   : name == "monetary"          ? &a.summary.monetary
                                   : name == "pAlive"            ? &a.p_alive
                                   : name == "expectedPurchases" ? &a.expected_purchases
                                   : name == "expectedSpend"     ? &a.expected_spend
                                   : name == "clv"               ? &a.clv
                                                                 : nullptr;
    if (!v) throw InputError("unknown churn column \"" + name + "\"");
    return emscripten::val(emscripten::typed_memory_view(v->size(), v->data()));
  });
}

std::string conversion_json(const EventLog& log) {
  return guarded([&] { return to_json(conversion_by_community(log)).dump(); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_churn) {
  using namespace emscripten;
  class_<ChurnAnalysis>("ChurnAnalysis")
      .function("json", &analysis_json)
      .function("learnerIdsJson", &learner_ids_json)
      .function("column", &column);
  function("churnFromLog", &churn_from_log);
  function("churnFromRows", &churn_from_rows);
  function("churnFromCsv", &churn_from_csv);
  function("conversionByCommunityJson", &conversion_json);
}
