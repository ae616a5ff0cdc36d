#pragma once
// The device side of local differential privacy: what a device may spend, what it remembers, and
// the one function that turns a learner's history into a report.
//
// Memoisation (permanent randomisation, as in RAPPOR): the first time a value is reported with a
// given (kind, mechanism, epsilon, catalogue size), its noisy payload is stored; reporting the
// same value again later reuses that payload. Averaging many reports of it therefore reveals no
// more than the first one did, and it costs no new epsilon. A value never reported before needs a
// fresh randomisation, which the ledger charges. The caller stores the state (IndexedDB,
// localStorage, a file); it never leaves the device, since it holds the true values.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/ldp.h"
#include "circlewise/secure_random.h"

namespace circlewise {

// Configured by the site or app, not by whoever asks for a report: a request above
// max_epsilon_per_report is refused, never honoured.
struct PrivacyBudget {
  double max_epsilon_per_report = 2;
  uint32_t max_reports_per_period = 2;
  // Sum of the epsilons of all fresh randomisations this device may ever make (sequential
  // composition). Memoised re-reports are free.
  double max_total_epsilon = 16;
};
// {"maxEpsilonPerReport":2,"maxReportsPerPeriod":2,"maxTotalEpsilon":16}; throws InputError.
PrivacyBudget privacy_budget_from_json(const nlohmann::json& j);
nlohmann::json to_json(const PrivacyBudget& b);

struct MemoEntry {
  ReportKind kind = ReportKind::kItem;
  Mechanism mechanism = Mechanism::kGrr;
  double epsilon = 0;
  uint64_t items = 0;
  uint64_t value = 0;  // the true value (item or pair index)
  LdpPayload payload;  // its permanent randomisation
};

struct LedgerEntry {
  std::string period;     // the caller's reporting period, e.g. "2026-11" or "2026-W47"
  std::string report_id;
  ReportKind kind = ReportKind::kItem;
  Mechanism mechanism = Mechanism::kGrr;
  double epsilon = 0;     // the report's epsilon
  double charged = 0;     // epsilon spent: the report's epsilon if fresh, 0 if memoised
};

struct DeviceState {
  std::vector<MemoEntry> memo;
  std::vector<LedgerEntry> ledger;

  double spent() const;  // total epsilon charged
  size_t reports_in(const std::string& period) const;
};
// Validates a stored state (caller-persisted, so possibly edited or corrupt) and throws InputError.
DeviceState device_state_from_json(const nlohmann::json& j);
nlohmann::json to_json(const DeviceState& s);

struct ReportRequest {
  ReportKind kind = ReportKind::kItem;
  uint64_t items = 0;             // catalogue size d
  std::vector<uint64_t> history;  // item indices in [0, items) the learner engaged with
  double epsilon = 1;
  bool auto_mechanism = true;     // else `mechanism`
  Mechanism mechanism = Mechanism::kGrr;
  std::string period;             // non-empty
};
// {"kind":"item","items":30,"history":[1,4],"epsilon":1,"mechanism":"auto","period":"2026-11"}
ReportRequest report_request_from_json(const nlohmann::json& j);

struct MadeReport {
  LdpReport report;      // what leaves the device
  uint64_t true_value = 0;  // what it stands for (shown to the learner, never sent)
  bool memoised = false;
  double charged = 0;
};

// Samples the value (an item, or a pair of distinct items, uniformly from the history),
// randomises it or reuses its memoised randomisation, and records it in the ledger. Throws
// InputError when the request is invalid or over budget, and RandomnessUnavailable when the
// source fails or is not secure (unless allow_insecure, for simulations). `state` is changed only
// when a report is returned.
MadeReport make_report(const ReportRequest& request, const PrivacyBudget& budget, DeviceState& state,
                       RandomSource& random, bool allow_insecure = false);

// What is left, for display.
struct BudgetStatus {
  double spent = 0;
  double remaining = 0;
  size_t reports_this_period = 0;
  size_t reports_left_this_period = 0;
  size_t memoised_values = 0;
};
BudgetStatus budget_status(const PrivacyBudget& budget, const DeviceState& state, const std::string& period);
nlohmann::json to_json(const BudgetStatus& s);

}  // namespace circlewise
