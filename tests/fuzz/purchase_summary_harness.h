#pragma once
// The churn model's input when it comes as a ready summary table (learner, frequency, recency,
// T, monetary): CSV (byte 0 even) or JSON rows (odd). Accepted rows satisfy the model's
// constraints, so the likelihood is finite for them.
#include <cmath>

#include "circlewise/churn.h"
#include "fuzz_support.h"

inline void run_purchase_summary_case(const uint8_t* data, size_t size) {
  using namespace circlewise;
  if (size < 1) return;
  const std::string_view text = circlewise_fuzz::as_text(data + 1, size - 1);
  PurchaseSummary s;
  try {
    if (data[0] & 1) {
      nlohmann::json j;
      if (!circlewise_fuzz::parse_json(text, j)) return;
      s = purchase_summary_from_json(j);
    } else {
      s = read_purchase_summary_csv(text);
    }
  } catch (const InputError& e) {
    (void)nlohmann::json(e.what()).dump();
    return;
  }
  {
    validate_purchase_summary(s);  // what was accepted passes the same checks again
    BgNbdParams p;
    for (size_t i = 0; i < s.size(); ++i)
      if (!std::isfinite(bgnbd_log_likelihood(p, s.frequency[i], s.recency[i], s.T[i]))) __builtin_trap();
  }
}
