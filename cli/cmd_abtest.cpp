// circlewise abtest size|analyze|ratio and circlewise ltv: the calculators of ab_test.h and ltv.h.
// Flags are turned into the same JSON options the JS API takes, so validation and messages are
// shared.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "circlewise/ab_test.h"
#include "circlewise/error.h"
#include "circlewise/ltv.h"
#include "commands.h"

namespace circlewise::cli {
namespace {

// Numbers go to the option readers as JSON (number_json), which check ranges and integers by name.
nlohmann::json variant_json(const std::string& v) {
  // NAME:VISITORS:CONVERSIONS
  const auto form = [&] { return UsageError("--variant takes NAME:VISITORS:CONVERSIONS, got \"" + v + "\""); };
  auto c2 = v.rfind(':'), c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : v.rfind(':', c2 - 1);
  if (c1 == std::string::npos || c1 == 0) throw form();
  try {
    return {{"name", v.substr(0, c1)},
            {"visitors", number_json("variant", v.substr(c1 + 1, c2 - c1 - 1))},
            {"conversions", number_json("variant", v.substr(c2 + 1))}};
  } catch (const UsageError&) {
    throw form();
  }
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (path != "-" && !f) throw InputError("cannot read \"" + path + "\"");
  std::stringstream s;
  s << (path == "-" ? std::cin.rdbuf() : f.rdbuf());
  return s.str();
}

nlohmann::json read_json_file(const std::string& path) {
  try {
    return nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError("\"" + path + "\" is not valid JSON: " + e.what());
  }
}

std::string pct(double x, int digits = 2) {
  if (!std::isfinite(x)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof b, "%+.*f%%", digits, 100 * x);
  return b;
}

std::string num(double x, int digits = 4) {
  if (!std::isfinite(x)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", digits, x);
  return b;
}

int size(const Args& a) {
  a.allow({"baseline", "mde", "relative", "alpha", "power", "one-sided", "variants", "formula", "daily-traffic", "json"});
  if (!a.positional.empty()) throw UsageError("abtest size takes no file arguments");
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [k, v] : a.flags) {
    if (k == "baseline") o["baselineRate"] = number_json(k, v);
    else if (k == "mde") o["mde"] = number_json(k, v);
    else if (k == "relative") o["relative"] = true;
    else if (k == "alpha") o["alpha"] = number_json(k, v);
    else if (k == "power") o["power"] = number_json(k, v);
    else if (k == "one-sided") o["twoSided"] = false;
    else if (k == "variants") o["variants"] = number_json(k, v);
    else if (k == "formula") o["formula"] = v;
    else if (k == "daily-traffic") o["dailyTraffic"] = number_json(k, v);
  }
  if (!o.contains("baselineRate") || !o.contains("mde")) throw UsageError("abtest size needs --baseline and --mde");
  auto r = sample_size(sample_size_options_from_json(o));
  if (a.has("json")) {
    std::cout << to_json(r).dump(2) << "\n";
    return 0;
  }
  std::cout << "baseline " << num(r.baseline_rate) << " -> target " << num(r.target_rate) << " (effect "
            << num(r.absolute_mde) << " absolute, " << pct(r.relative_mde, 1) << " relative)\n"
            << "learners per variant: " << r.per_variant << " (exact " << num(r.exact_per_variant, 7) << ")\n"
            << "total: " << r.total << "\n"
            << "alpha per comparison: " << num(r.alpha_per_comparison) << " (" << r.comparisons << " comparison"
            << (r.comparisons > 1 ? "s, Bonferroni" : "") << ")\n"
            << "power at that size: " << num(r.power_at_per_variant) << "\n";
  if (r.days >= 0) std::cout << "duration: " << r.days << " days\n";
  return 0;
}

int analyze(const Args& a) {
  a.allow({"variant", "alpha", "one-sided", "split", "srm-alpha", "prior", "tau", "seed", "draws", "json"});
  nlohmann::json o = nlohmann::json::object();
  if (a.positional.size() == 1) o = read_json_file(a.positional[0]);
  else if (a.positional.size() > 1) throw UsageError("abtest analyze takes at most one options file");
  for (const auto& [k, v] : a.flags) {
    if (k == "variant") {
      o["variants"].push_back(variant_json(v));
    } else if (k == "alpha") o["alpha"] = number_json(k, v);
    else if (k == "one-sided") o["twoSided"] = false;
    else if (k == "split") o["expectedSplit"] = numbers_json(k, v);
    else if (k == "srm-alpha") o["srmAlpha"] = number_json(k, v);
    else if (k == "tau") o["sequentialTau"] = number_json(k, v);
    else if (k == "seed") o["seed"] = number_json(k, v);
    else if (k == "draws") o["draws"] = number_json(k, v);
    else if (k == "prior") {
      auto p = numbers_json(k, v);
      if (p.size() != 2) throw UsageError("--prior takes ALPHA,BETA, got \"" + v + "\"");
      o["prior"] = {{"alpha", p[0]}, {"beta", p[1]}};
    }
  }
  if (!o.contains("variants")) throw UsageError("abtest analyze needs --variant NAME:VISITORS:CONVERSIONS (twice or more) or an options file");
  auto r = analyze_conversions(analyze_options_from_json(o));
  if (a.has("json")) {
    std::cout << to_json(r).dump(2) << "\n";
    return 0;
  }
  std::cout << "variant          visitors  conversions  rate      P(best)\n";
  for (const auto& v : r.variants) {
    char b[200];
    std::snprintf(b, sizeof b, "%-15s %9.0f  %11.0f  %-8s  %.4f\n", v.name.c_str(), v.visitors, v.conversions,
                  num(v.rate).c_str(), v.prob_best);
    std::cout << b;
  }
  for (const auto& c : r.comparisons) {
    std::cout << "\n" << c.name << " vs " << r.variants[0].name << ":\n"
              << "  difference " << pct(c.difference) << " points [" << pct(c.diff_ci_low) << ", " << pct(c.diff_ci_high)
              << "], relative lift " << pct(c.relative_lift, 1) << " [" << pct(c.lift_ci_low, 1) << ", "
              << pct(c.lift_ci_high, 1) << "]\n"
              << "  z = " << num(c.z) << ", p = " << num(c.p_value)
              << (r.comparisons.size() > 1 ? ", Bonferroni p = " + num(c.p_value_adjusted) : "")
              << (c.significant ? "  -> significant" : "  -> not significant") << " at alpha " << num(r.alpha) << "\n"
              << "  P(" << c.name << " beats " << r.variants[0].name << ") = " << num(c.prob_beats_control)
              << ", expected loss if shipped " << num(c.expected_loss_variant, 3) << "\n"
              << "  always-valid (sequential) p = " << num(c.sequential_p_value) << ", CI [" << pct(c.sequential_ci_low)
              << ", " << pct(c.sequential_ci_high) << "]" << (c.sequential_significant ? "  -> significant" : "") << "\n";
  }
  std::cout << "\nchi-square (all variants) = " << num(r.chi_square) << ", df " << r.chi_square_df << ", p = "
            << num(r.chi_square_p_value) << "\nsample ratio check p = " << num(r.srm_p_value)
            << (r.sample_ratio_mismatch ? "  MISMATCH" : "  ok") << "\n";
  for (const auto& w : r.warnings) std::cout << "warning: " << w << "\n";
  return 0;
}

// CSV with a header naming the columns variant, value and optionally denominator.
nlohmann::json ratio_from_csv(const std::string& text) {
  std::stringstream in(text);
  std::string line;
  if (!std::getline(in, line)) throw InputError("the CSV is empty");
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::stringstream s(l);
    std::string f;
    while (std::getline(s, f, ',')) {
      if (!f.empty() && f.back() == '\r') f.pop_back();
      out.push_back(f);
    }
    return out;
  };
  auto header = split(line);
  int cv = -1, cx = -1, cy = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "variant") cv = static_cast<int>(i);
    else if (header[i] == "value") cx = static_cast<int>(i);
    else if (header[i] == "denominator") cy = static_cast<int>(i);
  }
  if (cv < 0 || cx < 0) throw InputError("the CSV header must name the columns \"variant\" and \"value\" (and optionally \"denominator\")");
  std::vector<std::string> order;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> data;
  size_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    auto f = split(line);
    const size_t need = static_cast<size_t>(std::max({cv, cx, cy})) + 1;
    if (f.size() < need) throw InputError("line " + std::to_string(lineno) + ": expected " + std::to_string(need) + " fields");
    auto parse = [&](int c, const char* col) {
      char* end = nullptr;
      double x = std::strtod(f[c].c_str(), &end);
      if (f[c].empty() || *end != '\0' || !std::isfinite(x))
        throw InputError("line " + std::to_string(lineno) + ", column \"" + col + "\": \"" + f[c] + "\" is not a number");
      return x;
    };
    if (!data.count(f[cv])) order.push_back(f[cv]);
    auto& d = data[f[cv]];
    d.first.push_back(parse(cx, "value"));
    if (cy >= 0) d.second.push_back(parse(cy, "denominator"));
  }
  nlohmann::json variants = nlohmann::json::array();
  for (const auto& name : order) {
    nlohmann::json v = {{"name", name}, {"values", data[name].first}};
    if (cy >= 0) v["denominators"] = data[name].second;
    variants.push_back(v);
  }
  return {{"variants", variants}};
}

int ratio(const Args& a) {
  a.allow({"alpha", "one-sided", "json"});
  if (a.positional.size() != 1) throw UsageError("abtest ratio takes one file: per-learner CSV (variant,value[,denominator]) or options JSON");
  const std::string& path = a.positional[0];
  const bool is_json = path.size() > 5 && path.substr(path.size() - 5) == ".json";
  nlohmann::json o = is_json ? read_json_file(path) : ratio_from_csv(read_text(path));
  if (a.has("alpha")) o["alpha"] = flag_number_json(a, "alpha");
  if (a.has("one-sided")) o["twoSided"] = false;
  auto r = analyze_ratio(ratio_options_from_json(o));
  if (a.has("json")) {
    std::cout << to_json(r).dump(2) << "\n";
    return 0;
  }
  for (const auto& v : r.variants)
    std::cout << v.name << ": " << num(v.value, 6) << " (s.e. " << num(v.std_error, 3) << ", n " << v.n << ")\n";
  for (const auto& c : r.comparisons)
    std::cout << c.name << " vs " << r.variants[0].name << ": difference " << num(c.difference, 4) << " ["
              << num(c.ci_low, 4) << ", " << num(c.ci_high, 4) << "], lift " << pct(c.relative_lift, 1) << ", z = "
              << num(c.z) << ", p = " << num(c.p_value) << (c.significant ? "  -> significant" : "  -> not significant")
              << "\n";
  for (const auto& w : r.warnings) std::cout << "warning: " << w << "\n";
  return 0;
}

}  // namespace

int abtest(int argc, char** argv) {
  if (argc < 3) throw UsageError("abtest needs a subcommand: size, analyze or ratio");
  const std::string sub = argv[2];
  Args a = parse_args(argc, argv, 3, {"json", "relative", "one-sided"});
  if (sub == "size") return size(a);
  if (sub == "analyze") return analyze(a);
  if (sub == "ratio") return ratio(a);
  throw UsageError("unknown abtest subcommand \"" + sub + "\" (size, analyze, ratio)");
}

int ltv(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "no-extrapolate"});
  a.allow({"arpu", "churn", "retention", "cohort-revenue", "cohort-size", "no-extrapolate", "margin", "discount",
           "cac", "spend", "new-customers", "horizon", "json"});
  if (!a.positional.empty()) throw UsageError("ltv takes no file arguments");
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [k, v] : a.flags) {
    if (k == "arpu") o["arpu"] = number_json(k, v);
    else if (k == "churn") o["churn"] = number_json(k, v);
    else if (k == "retention") o["retention"] = numbers_json(k, v);
    else if (k == "cohort-revenue") o["cohortRevenue"] = numbers_json(k, v);
    else if (k == "cohort-size") o["cohortSize"] = number_json(k, v);
    else if (k == "no-extrapolate") o["extrapolate"] = false;
    else if (k == "margin") o["margin"] = number_json(k, v);
    else if (k == "discount") o["discountRate"] = number_json(k, v);
    else if (k == "cac") o["cac"] = number_json(k, v);
    else if (k == "spend") o["marketingSpend"] = number_json(k, v);
    else if (k == "new-customers") o["newCustomers"] = number_json(k, v);
    else if (k == "horizon") o["horizon"] = number_json(k, v);
  }
  auto r = lifetime_value(ltv_options_from_json(o));
  if (a.has("json")) {
    std::cout << to_json(r).dump(2) << "\n";
    return 0;
  }
  std::cout << "LTV (" << r.model << " model): " << num(r.ltv, 6) << " per customer\n";
  if (r.model == "cohort")
    std::cout << "  observed " << num(r.observed_ltv, 6) << " + extrapolated " << num(r.tail_ltv, 6)
              << (r.tail_retention > 0 ? " (tail retention " + num(r.tail_retention) + "/period)" : "") << "\n";
  if (r.expected_lifetime >= 0) std::cout << "expected lifetime: " << num(r.expected_lifetime) << " periods\n";
  if (r.cac >= 0) {
    std::cout << "CAC: " << num(r.cac, 6) << ", LTV/CAC: " << (r.ltv_to_cac >= 0 ? num(r.ltv_to_cac, 3) : "n/a") << "\n"
              << "payback: " << (r.payback_periods >= 0 ? std::to_string(r.payback_periods) + " periods" : "never");
    if (r.simple_payback >= 0) std::cout << " (churn-free rule of thumb CAC/(ARPU*margin): " << num(r.simple_payback, 3) << ")";
    std::cout << "\n";
  }
  for (const auto& w : r.warnings) std::cout << "warning: " << w << "\n";
  return 0;
}

}  // namespace circlewise::cli
