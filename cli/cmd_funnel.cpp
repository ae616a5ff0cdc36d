#include <iostream>

#include "circlewise/funnel.h"
#include "commands.h"

namespace circlewise::cli {
namespace {

std::vector<std::string> split(const std::string& v) {
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    size_t comma = v.find(',', from);
    out.push_back(v.substr(from, comma - from));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

}  // namespace

// --steps view,enroll,purchase:72,complete  (":H" = within H hours of the previous step)
int funnel(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows", "same-course", "overall-only"});
  auto known = read_flags();
  for (const char* f : {"json", "steps", "window-days", "order", "exclude", "same-course", "overall-only"}) known.emplace_back(f);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("funnel takes one event log file (or - for stdin)");
  nlohmann::json opts = nlohmann::json::object();
  if (a.has("steps")) {
    opts["steps"] = nlohmann::json::array();
    for (const auto& s : split(a.get("steps"))) {
      auto colon = s.find(':');
      if (colon == std::string::npos) {
        opts["steps"].push_back(s);
        continue;
      }
      nlohmann::json hours;
      try {
        hours = number_json("steps", s.substr(colon + 1));
      } catch (const UsageError&) {
        throw UsageError("--steps: \"" + s + "\" must be event or event:hours");
      }
      opts["steps"].push_back({{"event", s.substr(0, colon)}, {"withinHours", hours}});
    }
  }
  if (a.has("window-days")) opts["windowDays"] = flag_number_json(a, "window-days");
  if (a.has("order")) opts["order"] = a.get("order");
  if (a.has("exclude")) opts["exclude"] = split(a.get("exclude"));
  if (a.has("same-course")) opts["sameCourse"] = true;
  if (a.has("overall-only")) opts["byCommunity"] = false;
  auto options = funnel_options_from_json(opts);
  EventLog log = read_log_arg(a);
  auto result = circlewise::funnel(log, options);
  if (a.has("json")) std::cout << to_json(result).dump(2) << "\n";
  else std::cout << to_text(result);
  return 0;
}

}  // namespace circlewise::cli
