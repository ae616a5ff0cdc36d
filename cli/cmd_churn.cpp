#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "circlewise/churn.h"
#include "circlewise/error.h"
#include "commands.h"

namespace circlewise::cli {
namespace {

// --name value -> the JSON option the JS API takes, so both validate the same way.
nlohmann::json churn_options_json(const Args& a) {
  nlohmann::json j = nlohmann::json::object();
  auto number = [&](const char* flag, const char* key) {
    if (a.has(flag)) j[key] = flag_number_json(a, flag);
  };
  if (a.has("unit")) j["unit"] = a.get("unit");
  if (a.has("as-of")) j["asOf"] = a.get("as-of");
  number("horizon", "horizon");
  number("clv-periods", "clvPeriods");
  number("clv-step", "clvStep");
  number("discount-rate", "discountRate");
  number("margin", "margin");
  number("penalizer", "penalizer");
  number("max-evaluations", "maxEvaluations");
  return j;
}

std::string read_all(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError("cannot open \"" + path + "\"");
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  std::ostringstream o;
  o.precision(10);
  o << v;
  return o.str();
}

void write_learners_csv(const ChurnAnalysis& r, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw InputError("cannot write \"" + path + "\"");
  f << "learner,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_spend,clv\n";
  const auto& s = r.summary;
  for (size_t i = 0; i < s.size(); ++i) {
    std::string id = s.learners[i];
    if (id.find_first_of(",\"\r\n") != std::string::npos) {
      std::string q = "\"";
      for (char c : id) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      id = q + "\"";
    }
    f << id << ',' << csv_number(s.frequency[i]) << ',' << csv_number(s.recency[i]) << ',' << csv_number(s.T[i]) << ','
      << csv_number(s.monetary[i]) << ',' << csv_number(r.p_alive[i]) << ',' << csv_number(r.expected_purchases[i])
      << ',' << csv_number(r.expected_spend[i]) << ',' << csv_number(r.clv[i]) << '\n';
  }
}

}  // namespace

int churn(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows", "summary"});
  auto known = read_flags();
  for (const char* k : {"json", "summary", "unit", "as-of", "horizon", "clv-periods", "clv-step", "discount-rate",
                        "margin", "penalizer", "max-evaluations", "learners", "top"})
    known.push_back(k);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("churn takes one file (or - for stdin)");
  ChurnOptions options = churn_options_from_json(churn_options_json(a));
  const size_t top = a.has("top") ? static_cast<size_t>(flag_integer(a, "top", 0, 1000000)) : 10;
  ChurnAnalysis r;
  if (a.has("summary")) {
    if (a.has("unit") || a.has("as-of"))
      throw UsageError("--unit and --as-of apply to event logs; a summary table is already in periods");
    r = analyze_churn(read_purchase_summary_csv(read_all(a.positional[0])), options);
  } else {
    EventLog log = read_log_arg(a);
    r = analyze_churn(log, options);
  }
  if (a.has("learners")) write_learners_csv(r, a.get("learners"));
  if (a.has("json")) {
    std::cout << to_json(r).dump(2) << "\n";
  } else {
    std::cout << to_text(r, top);
  }
  return 0;
}

}  // namespace circlewise::cli
