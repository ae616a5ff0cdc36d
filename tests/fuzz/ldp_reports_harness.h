#pragma once
// The aggregator's input: newline-delimited JSON reports as a collector stores them. The first
// byte picks the aggregate (item or pair reports, catalogue of 2..33 courses); every line is
// accepted or rejected with a reason, never thrown on, and the estimates are finite.
#include <cmath>
#include <string>

#include "circlewise/ldp_aggregator.h"
#include "fuzz_support.h"

inline void run_ldp_reports_case(const uint8_t* data, size_t size) {
  using namespace circlewise;
  if (size < 1) return;
  AggregatorOptions o;
  o.kind = (data[0] & 1) ? ReportKind::kPair : ReportKind::kItem;
  o.items = 2 + ((data[0] >> 1) & 31);
  o.max_rejection_details = 4;
  const std::string_view text = circlewise_fuzz::as_text(data + 1, size - 1);
  LdpAggregator agg(o);
  (void)agg.add_ndjson(text);  // rejections are counted, never thrown
  for (const auto& r : agg.rejections()) (void)nlohmann::json(r.reason).dump();
  FrequencyEstimates e = agg.estimate();
  for (Eigen::Index i = 0; i < e.count.size(); ++i)
    if (!std::isfinite(e.count[i]) || !std::isfinite(e.variance[i]) || e.variance[i] < 0) __builtin_trap();
  // JSON of the first and last values only: serialising all of a pair domain (up to 528 rows) cost
  // more than everything else per input under ASan (7x fewer executions) and covers nothing more.
  const uint64_t d = agg.domain();
  (void)to_json(agg.estimate({0, d / 2, d - 1}), o.kind, o.items).dump();
  // Each line on its own: a report that parses must survive its own round trip.
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    nlohmann::json j;
    if (circlewise_fuzz::parse_json(text.substr(start, end - start), j)) {
      circlewise_fuzz::expect_result_or_input_error([&] {
        LdpReport r = ldp_report_from_json(j);
        (void)ldp_report_from_json(to_json(r));
      });
    }
    start = end + 1;
  }
}
