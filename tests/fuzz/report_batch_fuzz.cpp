// libFuzzer target for the collector's request body parser (report_batch.h): any bytes must end in
// per-report verdicts or an InputError, never a crash, and an accepted report must survive a
// round trip through its JSON form (what the collector stores is what it validated).
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "circlewise/error.h"
#include "circlewise/report_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace circlewise;
  ReportBatchRules rules;
  rules.items = 8;  // the seeds' catalogue
  rules.max_reports = 64;
  try {
    auto checked = parse_report_batch(std::string_view(reinterpret_cast<const char*>(data), size), rules);
    for (const auto& c : checked) {
      if (!c.ok()) {
        if (c.reason.empty()) std::abort();
        continue;
      }
      LdpReport again = ldp_report_from_json(to_json(c.report));
      if (again.id != c.report.id || again.payload.value != c.report.payload.value ||
          again.payload.ones != c.report.payload.ones || again.items != rules.items)
        std::abort();
    }
  } catch (const InputError&) {
  }
  return 0;
}
