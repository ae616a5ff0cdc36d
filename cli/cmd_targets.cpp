#include <fstream>
#include <iostream>

#include "circlewise/error.h"
#include "circlewise/invite_targets.h"
#include "commands.h"

namespace circlewise::cli {

int targets(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows"});
  auto known = read_flags();
  for (const char* f : {"json", "course", "horizon-days", "limit", "segment", "antecedent", "min-group", "csv"})
    known.emplace_back(f);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("targets takes one event log file (or - for stdin)");
  if (!a.has("course")) throw UsageError("targets needs --course ID (or --course A,B for a bundle)");
  nlohmann::json opts = nlohmann::json::object();
  const auto split = [](const std::string& v) {
    nlohmann::json list = nlohmann::json::array();
    for (size_t from = 0;;) {
      size_t comma = v.find(',', from);
      list.push_back(v.substr(from, comma - from));
      if (comma == std::string::npos) return list;
      from = comma + 1;
    }
  };
  opts["courses"] = split(a.get("course"));
  if (a.has("segment")) opts["segment"] = a.get("segment");
  if (a.has("antecedent")) opts["antecedent"] = split(a.get("antecedent"));
  if (a.has("horizon-days")) opts["horizonDays"] = flag_number_json(a, "horizon-days");
  if (a.has("limit")) opts["limit"] = flag_number_json(a, "limit");
  if (a.has("min-group")) opts["minGroup"] = flag_number_json(a, "min-group");
  auto options = invite_target_options_from_json(opts);
  EventLog log = read_log_arg(a);
  auto result = invite_targets(log, options);
  if (a.has("csv")) {
    const std::string path = a.get("csv");
    if (path == "-") {
      std::cout << to_csv(result);
      return 0;
    }
    std::ofstream out(path);
    if (!out) throw InputError("cannot write \"" + path + "\"");
    out << to_csv(result);
  }
  if (a.has("json")) std::cout << nlohmann::json::parse(to_json_text(result)).dump(2) << "\n";
  else std::cout << to_text(result);
  return 0;
}

}  // namespace circlewise::cli
