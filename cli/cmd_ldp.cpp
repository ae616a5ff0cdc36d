// circlewise ldp: plan a private collection, simulate devices, aggregate reports into estimates
// and an item model.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/item_model.h"
#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"
#include "commands.h"

namespace circlewise::cli {
namespace {

std::string read_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError("cannot read \"" + path + "\"");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

int plan(int argc, char** argv) {
  Args a = parse_args(argc, argv, 3, {"json"});
  a.allow({"epsilon", "items", "kind", "learners", "target-error", "json"});
  if (!a.positional.empty()) throw UsageError("ldp plan takes no file arguments");
  nlohmann::json o = nlohmann::json::object();
  if (a.has("epsilon")) o["epsilon"] = flag_number_json(a, "epsilon");
  if (a.has("items")) o["items"] = flag_number_json(a, "items");
  if (a.has("kind")) o["kind"] = a.get("kind");
  if (a.has("learners")) o["learners"] = flag_number_json(a, "learners");
  if (a.has("target-error")) o["targetError"] = flag_number_json(a, "target-error");
  LdpPlan p = plan_ldp(plan_options_from_json(o));
  if (a.has("json")) {
    std::cout << to_json(p).dump(2) << "\n";
    return 0;
  }
  std::cout << "epsilon " << p.options.epsilon << ", " << report_kind_name(p.options.kind) << " reports over "
            << p.domain << " values, " << p.options.learners << " learners, target standard error "
            << p.options.target_error * 100 << "% of learners\n\n";
  std::cout << "mechanism  eff.epsilon  std.error(count)  std.error(share)  learners needed  report bytes\n";
  for (const auto& m : p.mechanisms) {
    std::string name(mechanism_name(m.mechanism));
    if (m.mechanism == p.recommended) name += " *";
    std::printf("%-10s ", name.c_str());
    if (!m.available) {
      std::printf("not offered (a report would be %llu bits)\n", static_cast<unsigned long long>(p.domain));
      continue;
    }
    std::printf("%11.9f  %16.1f  %15.3f%%  %15llu  %12llu\n", m.effective_epsilon, m.standard_error,
                100 * m.standard_error_fraction, static_cast<unsigned long long>(m.learners_needed),
                static_cast<unsigned long long>(m.report_bytes));
  }
  std::cout << "\n* recommended: lowest variance (shortest report among those within 5%)\n";
  return 0;
}

int simulate(int argc, char** argv) {
  Args a = parse_args(argc, argv, 3, {"skip-bad-rows"});
  std::vector<std::string> known = read_flags();
  for (const char* k : {"epsilon", "mechanism", "seed", "events", "catalogue"}) known.push_back(k);
  a.allow(known);
  EventLog log = read_log_arg(a);
  nlohmann::json o = nlohmann::json::object();
  if (a.has("epsilon")) o["epsilon"] = flag_number_json(a, "epsilon");
  if (a.has("mechanism")) o["mechanism"] = a.get("mechanism");
  if (a.has("seed")) o["seed"] = flag_number_json(a, "seed");
  if (a.has("events")) {
    nlohmann::json ev = nlohmann::json::array();
    std::stringstream s(a.get("events"));
    for (std::string e; std::getline(s, e, ',');) ev.push_back(e);
    o["events"] = ev;
  }
  LdpSimulation sim = simulate_ldp_reports(log, ldp_simulation_options_from_json(o));
  for (const auto& r : sim.reports) std::cout << to_json(r).dump() << "\n";
  if (a.has("catalogue")) {
    std::ofstream f(a.get("catalogue"));
    if (!f) throw InputError("cannot write \"" + a.get("catalogue") + "\"");
    f << nlohmann::json(sim.catalogue).dump() << "\n";
  }
  std::cerr << "simulated " << sim.reports.size() << " reports from " << sim.learners << " learners ("
            << sim.learners_without_engagement << " without engagement sent nothing, " << sim.learners_with_one_course
            << " with one course sent no pair report); seeded noise: for evaluation only, not private\n";
  return 0;
}

void print_top(const char* title, const FrequencyEstimates& e, const std::vector<std::string>& names, ReportKind kind,
               uint64_t items, size_t top) {
  std::vector<size_t> order(e.values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return e.count[static_cast<Eigen::Index>(x)] > e.count[static_cast<Eigen::Index>(y)]; });
  std::cout << title << " (" << e.reports << " reports; " << e.confidence * 100 << "% intervals)\n";
  auto name = [&](uint64_t i) { return i < names.size() ? names[i] : std::to_string(i); };
  for (size_t r = 0; r < std::min(top, order.size()); ++r) {
    const auto k = static_cast<Eigen::Index>(order[r]);
    const uint64_t v = e.values[order[r]];
    std::string label = name(v);
    if (kind == ReportKind::kPair) {
      auto [i, j] = pair_from_index(v, items);
      label = name(i) + " + " + name(j);
    }
    std::cout << "  " << label << "  " << fixed(e.count[k], 1) << "  [" << fixed(e.lower[k], 1) << ", "
              << fixed(e.upper[k], 1) << "]\n";
  }
}

int aggregate(int argc, char** argv) {
  Args a = parse_args(argc, argv, 3, {"json"});
  a.allow({"items", "catalogue", "min-epsilon", "max-epsilon", "confidence", "top", "model", "k", "top-items", "json",
           "public-counts"});
  if (a.positional.size() != 1) throw UsageError("ldp aggregate takes one reports file (NDJSON, or - for stdin)");
  std::vector<std::string> names;
  // The CLI compares it with the catalogue first; the aggregator's reader then checks it at least 2.
  uint64_t items = a.has("items") ? static_cast<uint64_t>(flag_integer(a, "items", 0, static_cast<int64_t>(kMaxDomain))) : 0;
  if (a.has("catalogue")) {
    nlohmann::json c = nlohmann::json::parse(read_file(a.get("catalogue")), nullptr, false);
    if (!c.is_array()) throw InputError("--catalogue must be a JSON array of item ids");
    for (const auto& x : c) {
      if (!x.is_string()) throw InputError("--catalogue must be a JSON array of item ids (strings)");
      names.push_back(x.get<std::string>());
    }
    if (items && items != names.size())
      throw UsageError("--items " + std::to_string(items) + " disagrees with the catalogue's " +
                       std::to_string(names.size()) + " ids");
    items = names.size();
  }
  if (!items) throw UsageError("give the catalogue size with --items N or --catalogue FILE");
  nlohmann::json opts = {{"items", items}};
  if (a.has("min-epsilon")) opts["minEpsilon"] = flag_number_json(a, "min-epsilon");
  if (a.has("max-epsilon")) opts["maxEpsilon"] = flag_number_json(a, "max-epsilon");
  if (a.has("confidence")) opts["confidence"] = flag_number_json(a, "confidence");
  opts["kind"] = "item";
  LdpAggregator item_agg(aggregator_options_from_json(opts));
  opts["kind"] = "pair";
  if (items > 65536) opts["items"] = 2;  // pair reports cannot exist for such catalogues; all get rejected
  LdpAggregator pair_agg(aggregator_options_from_json(opts));

  // Route each line by its "kind"; anything else goes to the item aggregator, which rejects it.
  const std::string text = read_file(a.positional[0]);
  std::vector<std::pair<size_t, std::string>> rejected;
  size_t line_no = 0, rejected_total = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    std::string why;
    bool ok = false;
    if (j.is_discarded()) {
      why = "not valid JSON";
    } else {
      const bool pair = j.is_object() && j.contains("kind") && j["kind"] == "pair";
      ok = (pair ? pair_agg : item_agg).add(j, &why);
    }
    if (!ok) {
      ++rejected_total;
      if (rejected.size() < 1000) rejected.emplace_back(line_no, why);
    }
  }
  const size_t top = a.has("top") ? static_cast<size_t>(flag_integer(a, "top", 0, 1000000)) : 10;
  FrequencyEstimates fi = item_agg.estimate();
  nlohmann::json out = {{"accepted", item_agg.accepted() + pair_agg.accepted()},
                        {"rejected", rejected_total},
                        {"itemReports", item_agg.accepted()},
                        {"pairReports", pair_agg.accepted()}};
  nlohmann::json rj = nlohmann::json::array();
  for (const auto& [l, w] : rejected) rj.push_back({{"line", l}, {"reason", w}});
  out["rejections"] = rj;

  if (a.has("public-counts") && !a.has("model")) throw UsageError("--public-counts is used by --model FILE (the hybrid model)");
  if (a.has("model")) {
    if (names.empty()) throw UsageError("--model needs --catalogue (the item ids)");
    nlohmann::json mo = nlohmann::json::object();
    if (a.has("k")) mo["k"] = flag_number_json(a, "k");
    if (a.has("top-items")) mo["topItems"] = flag_number_json(a, "top-items");
    std::vector<ModelItem> cat(names.size());
    for (size_t i = 0; i < names.size(); ++i) cat[i].id = cat[i].title = names[i];
    LdpModelOptions lo = ldp_model_options_from_json(mo);
    size_t missing = 0;
    if (a.has("public-counts")) {  // the hybrid: the site's own learners per course (docs/privacy.md)
      nlohmann::json pc = nlohmann::json::parse(read_file(a.get("public-counts")), nullptr, false);
      if (pc.is_discarded()) throw InputError("--public-counts: \"" + a.get("public-counts") + "\" is not valid JSON");
      lo.public_counts = public_counts_from_json(pc, cat, &missing);
    }
    ItemModelBuild b = item_model_from_ldp(item_agg, pair_agg, cat, lo);
    std::ofstream f(a.get("model"));
    if (!f) throw InputError("cannot write \"" + a.get("model") + "\"");
    f << to_json(b.model).dump() << "\n";
    out["model"] = {{"file", a.get("model")}, {"items", b.model.size()}, {"neighbors", b.model.neighbor.size()},
                    {"method", b.model.method}};
    if (a.has("public-counts")) out["model"]["publicCountsMissing"] = missing;
  }
  if (a.has("json")) {
    out["items"] = to_json(fi);
    if (pair_agg.accepted() > 0 && pair_agg.domain() <= 100000)
      out["pairs"] = to_json(pair_agg.estimate(), ReportKind::kPair, items);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << out["accepted"] << " reports accepted (" << item_agg.accepted() << " item, " << pair_agg.accepted()
            << " pair), " << rejected_total << " rejected\n";
  for (size_t i = 0; i < std::min<size_t>(rejected.size(), 10); ++i)
    std::cout << "  line " << rejected[i].first << ": " << rejected[i].second << "\n";
  if (rejected_total > 10) std::cout << "  ... (--json lists up to 1000)\n";
  std::cout << "\n";
  print_top("Most engaged courses, estimated learners", fi, names, ReportKind::kItem, items, top);
  if (pair_agg.accepted() > 0 && pair_agg.domain() <= 2000000) {
    std::cout << "\n";
    print_top("Most frequent pairs, estimated learners", pair_agg.estimate(), names, ReportKind::kPair, items, top);
  }
  if (out.contains("model"))
    std::cout << "\nmodel written to " << a.get("model") << " (" << out["model"]["neighbors"] << " neighbours)\n";
  // Every report rejected is bad input (a wrong catalogue size, say), not an empty result.
  return item_agg.accepted() + pair_agg.accepted() == 0 && rejected_total > 0 ? 1 : 0;
}

}  // namespace

int ldp(int argc, char** argv) {
  if (argc < 3) throw UsageError("ldp needs a subcommand: plan, simulate or aggregate");
  const std::string sub = argv[2];
  if (sub == "plan") return plan(argc, argv);
  if (sub == "simulate") return simulate(argc, argv);
  if (sub == "aggregate") return aggregate(argc, argv);
  throw UsageError("unknown ldp subcommand \"" + sub + "\" (plan, simulate, aggregate)");
}

}  // namespace circlewise::cli
