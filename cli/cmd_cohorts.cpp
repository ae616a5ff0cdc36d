#include <iostream>

#include "circlewise/retention.h"
#include "commands.h"

namespace circlewise::cli {

int cohorts(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows", "overall-only"});
  auto known = read_flags();
  for (const char* f : {"json", "period", "cohort-by", "active-events", "overall-only", "as-of", "partial-period"}) known.emplace_back(f);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("cohorts takes one event log file (or - for stdin)");
  nlohmann::json opts = nlohmann::json::object();
  if (a.has("period")) opts["period"] = a.get("period");
  if (a.has("cohort-by")) {
    std::string v = a.get("cohort-by");
    // CLI spelling first-activity / first-purchase, JS spelling accepted too.
    opts["cohortBy"] = v == "first-activity" ? "firstActivity" : v == "first-purchase" ? "firstPurchase" : v;
  }
  if (a.has("active-events")) {
    opts["activeEvents"] = nlohmann::json::array();
    std::string v = a.get("active-events");
    size_t from = 0;
    for (;;) {
      size_t comma = v.find(',', from);
      opts["activeEvents"].push_back(v.substr(from, comma - from));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
  }
  if (a.has("overall-only")) opts["byCommunity"] = false;
  if (a.has("as-of")) opts["asOf"] = a.get("as-of");
  if (a.has("partial-period")) opts["partialPeriod"] = a.get("partial-period");
  auto options = retention_options_from_json(opts);
  EventLog log = read_log_arg(a);
  auto result = retention(log, options);
  if (a.has("json")) std::cout << to_json(result).dump(2) << "\n";
  else std::cout << to_text(result);
  return 0;
}

}  // namespace circlewise::cli
