#include "circlewise/report_batch.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

#include "circlewise/error.h"

namespace circlewise {

std::string_view rejection_code(ReportRejection r) {
  switch (r) {
    case ReportRejection::kNone: return "";
    case ReportRejection::kInvalid: return "invalid";
    case ReportRejection::kWrongCatalogue: return "wrong_catalogue";
    case ReportRejection::kEpsilonOutOfRange: return "epsilon_out_of_range";
    case ReportRejection::kDuplicateInBatch: return "duplicate_in_batch";
  }
  return "invalid";
}

std::vector<CheckedReport> parse_report_batch(std::string_view body, const ReportBatchRules& rules) {
  nlohmann::json j;
  try {
    // nlohmann rejects invalid UTF-8 inside strings, so nothing undecodable reaches storage.
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number beyond double (1e999): both are bad input.
    throw InputError(std::string("body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError("body must be a JSON object {\"reports\": [...]}");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "reports") throw InputError("unknown field \"" + it.key() + "\" in body (known: reports)");
  auto reports = j.find("reports");
  if (reports == j.end() || !reports->is_array()) throw InputError("body must have a \"reports\" array");
  if (reports->empty()) throw InputError("\"reports\" is empty");
  if (reports->size() > rules.max_reports)
    throw BatchTooLarge("batch of " + std::to_string(reports->size()) + " reports exceeds the limit of " +
                     std::to_string(rules.max_reports));
  std::vector<CheckedReport> out(reports->size());
  std::unordered_set<std::string> ids;
  for (size_t i = 0; i < reports->size(); ++i) {
    CheckedReport& c = out[i];
    try {
      c.report = ldp_report_from_json((*reports)[i]);
    } catch (const InputError& e) {
      c.rejection = ReportRejection::kInvalid;
      c.reason = e.what();
      continue;
    }
    const LdpReport& r = c.report;
    if (r.items != rules.items) {
      c.rejection = ReportRejection::kWrongCatalogue;
      c.reason = "catalogue size " + std::to_string(r.items) + " does not match the collector's " +
                 std::to_string(rules.items);
    } else if (std::string why = epsilon_outside_range(r.epsilon, rules.min_epsilon, rules.max_epsilon); !why.empty()) {
      c.rejection = ReportRejection::kEpsilonOutOfRange;
      c.reason = std::move(why);
    } else if (!ids.insert(r.id).second) {
      c.rejection = ReportRejection::kDuplicateInBatch;
      c.reason = "report id " + r.id + " appears twice in the batch";
    }
  }
  return out;
}

}  // namespace circlewise
