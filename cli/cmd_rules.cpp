#include <iostream>

#include "circlewise/association_rules.h"
#include "commands.h"

namespace circlewise::cli {
namespace {

nlohmann::json list_flag(const std::string& v) {
  nlohmann::json a = nlohmann::json::array();
  size_t from = 0;
  for (;;) {
    size_t comma = v.find(',', from);
    a.push_back(v.substr(from, comma - from));
    if (comma == std::string::npos) return a;
    from = comma + 1;
  }
}

}  // namespace

int rules(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows"});
  // flag -> option name; numeric unless listed as text
  const std::vector<std::pair<std::string, std::string>> numeric = {
      {"min-support", "minSupport"},       {"max-size", "maxSize"},
      {"max-itemsets", "maxItemsets"},     {"min-confidence", "minConfidence"},
      {"min-lift", "minLift"},             {"min-leverage", "minLeverage"},
      {"min-conviction", "minConviction"}, {"max-antecedent", "maxAntecedent"},
      {"max-consequent", "maxConsequent"}, {"max-rules", "maxRules"},
      {"session-gap-minutes", "sessionGapMinutes"}, {"max-itemsets-out", "maxItemsetsOut"}};
  const std::vector<std::pair<std::string, std::string>> text = {
      {"sort-by", "sortBy"}, {"basket-by", "basketBy"}, {"on-too-many", "onTooMany"}};
  auto known = read_flags();
  known.push_back("json");
  known.push_back("events");
  for (const auto& f : numeric) known.push_back(f.first);
  for (const auto& f : text) known.push_back(f.first);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("rules takes one event log file (or - for stdin)");
  nlohmann::json opts = nlohmann::json::object();
  for (const auto& [flag, key] : numeric)
    if (a.has(flag)) opts[key] = flag_number_json(a, flag);  // the reader checks ranges, integers
  for (const auto& [flag, key] : text)
    if (a.has(flag)) opts[key] = a.get(flag);
  if (a.has("events")) opts["events"] = list_flag(a.get("events"));
  if (!a.has("max-rules") && !a.has("json")) opts["maxRules"] = 20;  // a screenful
  auto options = association_options_from_json(opts);
  EventLog log = read_log_arg(a);
  auto result = analyze_associations(log, options);
  if (a.has("json")) {
    std::cout << to_json(result, log.items.names(), options.max_itemsets_out).dump(2) << "\n";
  } else {
    std::cout << to_text(result, log.items.names());
  }
  return 0;
}

}  // namespace circlewise::cli
