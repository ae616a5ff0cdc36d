// `circlewise curves fit|metrics|simulate` and `circlewise allocate`: response curves from a
// marketing history, and a budget plan across communities.
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/allocation.h"
#include "circlewise/error.h"
#include "circlewise/marketing_history.h"
#include "circlewise/response_curve.h"
#include "commands.h"

namespace circlewise::cli {
namespace {

std::string read_text(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::vector<std::string>& fit_flags() {
  static const std::vector<std::string> f = {"model", "shape", "adstock", "bootstrap", "starts", "seed", "level",
                                             "min-points", "skip-short"};
  return f;
}

// The fit flags as the JSON options the JS API takes, so both validate the same way.
CurveFitOptions fit_options(const Args& a) {
  nlohmann::json j = nlohmann::json::object();
  if (a.has("model")) j["model"] = a.get("model");
  if (a.has("shape")) j["shape"] = flag_number_json(a, "shape");
  if (a.has("adstock")) {
    if (a.get("adstock") == "fit") j["adstock"] = "fit";
    else j["adstock"] = flag_number_json(a, "adstock");
  }
  if (a.has("bootstrap")) j["bootstrap"] = flag_number_json(a, "bootstrap");
  if (a.has("starts")) j["starts"] = flag_number_json(a, "starts");
  if (a.has("seed")) j["seed"] = flag_number_json(a, "seed");
  if (a.has("level")) j["level"] = flag_number_json(a, "level");
  if (a.has("min-points")) j["minPoints"] = flag_number_json(a, "min-points");
  if (a.has("skip-short")) j["onTooFewPoints"] = "skip";
  return curve_fit_options_from_json(j);
}

// A history (CSV) or curves (JSON, as written by `curves fit --json`) file.
std::vector<ResponseCurve> curves_from_file(const Args& a, std::vector<SkippedCommunity>* skipped) {
  std::string text = read_text(a.positional.at(0));
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(a.positional[0] + ": not valid JSON (" + e.what() + ")");
    }
    return curves_from_json(j);
  }
  auto r = fit_response_curves(read_marketing_history(text), fit_options(a));
  if (skipped) *skipped = r.skipped;
  return r.curves;
}

// --min A=100 style flags into the per-community constraints JSON.
void community_flag(const Args& a, const std::string& flag, const std::string& key, nlohmann::json& communities) {
  for (const auto& [name, value] : a.flags) {
    if (name != flag) continue;
    size_t eq = value.rfind('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--" + flag + " takes community=amount, e.g. --" + flag + " Telegram=500");
    std::string community = value.substr(0, eq), v = value.substr(eq + 1);
    if (key == "fixed" && v == "current") {
      communities[community][key] = true;
      continue;
    }
    try {
      communities[community][key] = number_json(flag, v);
    } catch (const UsageError&) {
      throw UsageError("--" + flag + " takes community=amount, got \"" + value + "\": the amount must be a number");
    }
  }
}

}  // namespace

int curves(int argc, char** argv) {
  if (argc < 3) throw UsageError("curves needs a subcommand: fit, metrics or simulate");
  std::string sub = argv[2];
  if (sub == "simulate") {
    Args a = parse_args(argc, argv, 3, {});
    a.allow({"communities", "periods", "noise", "seed", "truth"});
    nlohmann::json j = nlohmann::json::object();
    for (const char* k : {"communities", "periods", "noise", "seed"})
      if (a.has(k)) j[k] = flag_number_json(a, k);
    auto sim = history_simulation_from_json(j);
    std::cout << write_marketing_history_csv(simulate_marketing_history(sim));
    if (a.has("truth")) {
      nlohmann::json truth = nlohmann::json::array();
      for (size_t i = 0; i < sim.truth.size(); ++i) {
        auto t = to_json(sim.truth[i]);
        t["community"] = sim.communities[i];
        truth.push_back(t);
      }
      std::ofstream(a.get("truth")) << truth.dump(2) << "\n";
    }
    return 0;
  }
  if (sub != "fit" && sub != "metrics") throw UsageError("unknown curves subcommand \"" + sub + "\" (fit, metrics, simulate)");
  std::vector<std::string> switches = {"json", "skip-short"};
  Args a = parse_args(argc, argv, 3, switches);
  auto known = fit_flags();
  known.push_back("json");
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("curves " + sub + " takes one history file (or - for stdin)");
  auto history = read_marketing_history(read_text(a.positional[0]));
  if (sub == "metrics") {
    auto ms = community_metrics(history);
    if (a.has("json")) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& m : ms) out.push_back(to_json(m));
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << metrics_to_text(ms);
    }
    return 0;
  }
  auto result = fit_response_curves(history, fit_options(a));
  if (a.has("json")) std::cout << to_json(result).dump(2) << "\n";
  else std::cout << to_text(result);
  return 0;
}

int allocate(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-short", "profit-budget", "no-refine"});
  auto known = fit_flags();
  for (const char* k : {"json", "budget", "objective", "value", "target", "profit-budget", "min", "max", "fixed",
                        "current", "max-extrapolation", "grid", "no-refine"})
    known.push_back(k);
  a.allow(known);
  if (a.positional.size() != 1)
    throw UsageError("allocate takes one file: a marketing history (CSV) or curves (JSON from curves fit --json)");
  nlohmann::json o = nlohmann::json::object();
  if (a.has("budget")) o["budget"] = flag_number_json(a, "budget");
  if (a.has("objective")) o["objective"] = a.get("objective");
  if (a.has("value")) o["valuePerConversion"] = flag_number_json(a, "value");
  if (a.has("max-extrapolation")) o["maxExtrapolation"] = flag_number_json(a, "max-extrapolation");
  if (a.has("grid")) o["grid"] = flag_number_json(a, "grid");
  if (a.has("no-refine")) o["refine"] = false;
  if (a.has("target")) {
    o["mode"] = "target";
    o["target"] = flag_number_json(a, "target");
  } else if (a.has("profit-budget")) {
    o["mode"] = "profitBudget";
  } else if (!a.has("budget")) {
    throw UsageError("allocate needs --budget N, --target N (least budget for N conversions) or --profit-budget");
  }
  nlohmann::json communities = nlohmann::json::object();
  community_flag(a, "min", "min", communities);
  community_flag(a, "max", "max", communities);
  community_flag(a, "fixed", "fixed", communities);
  community_flag(a, "current", "current", communities);
  if (!communities.empty()) o["communities"] = communities;
  std::vector<SkippedCommunity> skipped;
  auto cs = curves_from_file(a, &skipped);
  auto plan = circlewise::allocate(cs, allocation_options_from_json(o));
  if (a.has("json")) {
    auto j = to_json(plan);
    nlohmann::json sk = nlohmann::json::array();
    for (const auto& s : skipped) sk.push_back({{"community", s.community}, {"reason", s.reason}});
    j["skipped"] = sk;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << to_text(plan);
    for (const auto& s : skipped) std::cout << "skipped " << s.community << ": " << s.reason << "\n";
  }
  return 0;
}

}  // namespace circlewise::cli
