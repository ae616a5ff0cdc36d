#pragma once
// The device's privacy state (memo + ledger) that the JS shell stores in IndexedDB or
// localStorage: caller-persisted, so possibly edited or corrupt. Byte 0 picks the request, the
// rest is the stored state as JSON. Whatever the state says, a report never exceeds the budget's
// per-report epsilon, a fresh one never pushes the total over the budget, and an insecure source
// is always refused.
#include <cmath>

#include "circlewise/privacy_budget.h"
#include "fuzz_support.h"

inline void run_privacy_state_case(const uint8_t* data, size_t size) {
  using namespace circlewise;
  if (size < 1) return;
  nlohmann::json j;
  if (!circlewise_fuzz::parse_json(circlewise_fuzz::as_text(data + 1, size - 1), j)) return;
  const uint8_t b = data[0];
  DeviceState state;
  try {
    state = device_state_from_json(j);
  } catch (const InputError& e) {
    (void)nlohmann::json(e.what()).dump();
    return;
  }
  // A state that was accepted is written and read back unchanged, without any exception.
  const std::string dumped = to_json(state).dump();
  if (to_json(device_state_from_json(nlohmann::json::parse(dumped))).dump() != dumped) __builtin_trap();
  circlewise_fuzz::expect_result_or_input_error([&] {
    PrivacyBudget budget;
    ReportRequest req;
    req.kind = (b & 1) ? ReportKind::kPair : ReportKind::kItem;
    req.items = 2 + ((b >> 1) & 7);
    req.history = {0, 1};
    req.epsilon = 0.5 * (1 + ((b >> 4) & 7));  // 0.5 .. 4: some above the budget's 2
    req.period = (b & 0x80) ? "2026-11" : "2026-12";
    (void)to_json(budget_status(budget, state, req.period)).dump();
    SeededRandomSource insecure(b);
    DeviceState copy = state;
    try {
      (void)make_report(req, budget, copy, insecure, /*allow_insecure=*/false);
      __builtin_trap();  // an insecure source must never produce a report
    } catch (const RandomnessUnavailable&) {
    } catch (const InputError&) {
    }
    const double before = state.spent();
    MadeReport r = make_report(req, budget, state, insecure, /*allow_insecure=*/true);
    if (r.report.epsilon > budget.max_epsilon_per_report) __builtin_trap();
    if (r.charged > 0 && state.spent() > budget.max_total_epsilon + 1e-9) __builtin_trap();
    if (std::fabs(state.spent() - before - r.charged) > 1e-9) __builtin_trap();
    (void)ldp_report_from_json(to_json(r.report));
  });
}
