#pragma once
// The marketer's spend history, CSV (byte 0 even) or JSON rows (odd); then the per-community
// metrics and the series the curve fit reads. Parsed values are finite and non-negative.
#include <cmath>

#include "circlewise/marketing_history.h"
#include "circlewise/response_curve.h"
#include "fuzz_support.h"

inline void run_marketing_history_case(const uint8_t* data, size_t size) {
  using namespace circlewise;
  if (size < 1) return;
  const std::string_view text = circlewise_fuzz::as_text(data + 1, size - 1);
  MarketingHistory h;
  try {
    if (data[0] & 1) {
      nlohmann::json j;
      if (!circlewise_fuzz::parse_json(text, j)) return;
      h = marketing_history_from_json(j);
    } else {
      h = read_marketing_history(text);
    }
  } catch (const InputError& e) {
    (void)nlohmann::json(e.what()).dump();
    return;
  }
  {  // An accepted history goes through everything below without any exception.
    for (size_t i = 0; i < h.size(); ++i)
      if (!(h.spend[i] >= 0) || !std::isfinite(h.spend[i]) || !(h.conversions[i] >= 0)) __builtin_trap();
    for (const auto& m : community_metrics(h)) (void)to_json(m).dump();
    (void)metrics_to_text(community_metrics(h));
    for (int c = 0; c < static_cast<int>(h.communities.size()); ++c) (void)community_series(h, c);
    // The CSV writer's output must read back as the same history.
    const std::string csv = write_marketing_history_csv(h);
    if (write_marketing_history_csv(read_marketing_history(csv)) != csv) __builtin_trap();
  }
}
