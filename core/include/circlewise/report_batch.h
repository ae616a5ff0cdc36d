#pragma once
// A batch of LDP reports as a device (or a proxy for many devices) uploads it to a collector:
// {"reports":[<report>, ...]}, each report in the format of ldp.h. The body as a whole is either
// readable or refused (malformed JSON, invalid UTF-8, wrong shape, too many reports); inside a
// readable body every report is judged on its own, so one bad report never costs the good ones
// and the sender learns which was which and why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "circlewise/error.h"
#include "circlewise/ldp.h"

namespace circlewise {

// What a collector accepts: reports over its own catalogue, with epsilon in its range.
struct ReportBatchRules {
  uint64_t items = 0;             // catalogue size every report must state
  double min_epsilon = kMinEpsilon;
  double max_epsilon = kMaxEpsilon;
  size_t max_reports = 1000;      // per batch; more is refused whole
};

// Why a report was rejected, as a short stable code (metric label, API field) plus a message.
enum class ReportRejection { kNone, kInvalid, kWrongCatalogue, kEpsilonOutOfRange, kDuplicateInBatch };
std::string_view rejection_code(ReportRejection r);  // "", "invalid", "wrong_catalogue", ...

struct CheckedReport {
  ReportRejection rejection = ReportRejection::kNone;
  std::string reason;  // empty when accepted
  LdpReport report;    // valid only when accepted
  bool ok() const { return rejection == ReportRejection::kNone; }
};

// A readable body with more reports than ReportBatchRules::max_reports.
class BatchTooLarge : public InputError {
 public:
  using InputError::InputError;
};

// Throws InputError (BatchTooLarge for too many reports) for a body that cannot be read as a batch (the message says where: byte
// offset of a JSON error, the missing "reports" array, the batch limit).
std::vector<CheckedReport> parse_report_batch(std::string_view body, const ReportBatchRules& rules);

}  // namespace circlewise
