#pragma once
// One fuzz case for the collector's request body parser (report_batch.h), shared by the libFuzzer
// target and the regression replay in the native tests: any bytes must end in per-report verdicts
// or an InputError, and an accepted report must survive a round trip through its JSON form (what
// the collector stores is what it validated). Anything else escapes (or aborts) as a failure.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "circlewise/error.h"
#include "circlewise/report_batch.h"

inline void run_report_batch_case(const uint8_t* data, size_t size) {
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
}
