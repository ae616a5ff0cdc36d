#include <iostream>

#include "circlewise/referrals.h"
#include "commands.h"

namespace circlewise::cli {

int referrals(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows"});
  auto known = read_flags();
  for (const char* f : {"json", "period", "top", "rank-by"}) known.emplace_back(f);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("referrals takes one event log file (or - for stdin)");
  nlohmann::json opts = nlohmann::json::object();
  if (a.has("period")) opts["period"] = a.get("period");
  if (a.has("rank-by")) opts["rankBy"] = a.get("rank-by");
  if (a.has("top")) opts["top"] = flag_number_json(a, "top");
  auto options = referral_options_from_json(opts);
  EventLog log = read_log_arg(a);
  auto result = circlewise::referrals(log, options);
  if (a.has("json")) std::cout << nlohmann::json::parse(to_json_text(result)).dump(2) << "\n";
  else std::cout << to_text(result);
  return 0;
}

}  // namespace circlewise::cli
