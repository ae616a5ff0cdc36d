// circlewise model build|info|recommend|evaluate: the item model a site publishes for
// on-device recommendations (docs/recommender.md).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/item_model.h"
#include "circlewise/item_model_builder.h"
#include "circlewise/recommender.h"
#include "commands.h"

namespace circlewise::cli {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read \"" + path + "\"");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw InputError("cannot write \"" + path + "\"");
}

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream s(v);
  for (std::string x; std::getline(s, x, ',');)
    if (!x.empty()) out.push_back(x);
  return out;
}

// The model options given as flags, as the JSON the core validates (one set of checks).
nlohmann::json model_options(const Args& a) {
  nlohmann::json o = nlohmann::json::object();
  if (a.has("method")) o["method"] = a.get("method");
  if (a.has("k")) o["k"] = flag_number_json(a, "k");
  if (a.has("shrinkage")) o["shrinkage"] = flag_number_json(a, "shrinkage");
  if (a.has("ease-lambda")) o["easeLambda"] = flag_number_json(a, "ease-lambda");
  if (a.has("min-support")) o["minSupport"] = flag_number_json(a, "min-support");
  if (a.has("events")) o["events"] = split_list(a.get("events"));
  if (a.has("titles")) {
    try {
      o["titles"] = nlohmann::json::parse(read_file(a.get("titles")));
    } catch (const nlohmann::json::exception& e) {
      throw InputError("--titles \"" + a.get("titles") + "\" is not a JSON object {id: title}: " + e.what());
    }
  }
  return o;
}

std::string kb(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1024);
  return buf;
}

int build(const Args& a) {
  auto known = read_flags();
  for (const char* f : {"o", "output", "binary", "method", "k", "shrinkage", "ease-lambda", "min-support", "events", "titles", "json"})
    known.push_back(f);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("model build takes one event log (or - for stdin)");
  const std::string out_json = a.get("o", a.get("output"));
  const std::string out_bin = a.get("binary");
  if (out_json.empty() && out_bin.empty()) throw UsageError("model build needs -o model.json and/or --binary model.cwm");
  ItemModelOptions opts = item_model_options_from_json(model_options(a));
  EventLog log = read_log_arg(a);
  ItemModelBuild b = build_item_model(log, opts);
  std::string text, bin;
  if (!out_json.empty()) write_file(out_json, text = to_json(b.model).dump());
  if (!out_bin.empty()) write_file(out_bin, bin = to_binary(b.model));
  ItemModelInfo info = describe(b.model);
  if (a.has("json")) {
    std::cout << nlohmann::json{{"model", to_json(info)}, {"report", to_json(b.report)}}.dump(2) << "\n";
    return 0;
  }
  const auto& r = b.report;
  std::cout << "model: " << info.items << " courses, method " << info.method << ", k " << info.k << ", "
            << info.neighbors << " neighbours (" << info.items_without_neighbors << " courses without any)\n"
            << "learned from: " << r.learners << " learners, " << r.interactions << " learner-course engagements ("
            << r.events_used << " events)\n"
            << "not used: " << r.events_without_item << " engagement events without a course, " << r.events_other_types
            << " events of other types; " << r.items_without_engagement << " courses nobody engaged with\n";
  if (!r.unknown_event_names.empty()) {
    std::cout << "warning: event names never seen in the log:";
    for (const auto& e : r.unknown_event_names) std::cout << " " << e;
    std::cout << "\n";
  }
  if (!out_json.empty()) std::cout << "wrote " << out_json << " (" << kb(info.json_bytes) << ")\n";
  if (!out_bin.empty()) std::cout << "wrote " << out_bin << " (" << kb(info.binary_bytes) << ")\n";
  return 0;
}

int info(const Args& a) {
  a.allow({"json"});
  if (a.positional.size() != 1) throw UsageError("model info takes one model file (.json or .cwm)");
  ItemModel m = load_item_model(read_file(a.positional[0]));
  ItemModelInfo i = describe(m);
  if (a.has("json")) {
    std::cout << to_json(i).dump(2) << "\n";
    return 0;
  }
  std::cout << "circlewise item model, format version " << i.version << "\n"
            << "method: " << i.method << ", k: " << i.k << "\n"
            << "courses: " << i.items << " in " << i.categories << " categories\n"
            << "neighbours: " << i.neighbors << " (" << i.items_without_neighbors << " courses without any)\n"
            << "size: JSON " << kb(i.json_bytes) << ", binary " << kb(i.binary_bytes) << "\n";
  return 0;
}

int recommend(const Args& a) {
  a.allow({"history", "n", "community", "exclude", "json"});
  if (a.positional.size() != 1) throw UsageError("model recommend takes one model file (.json or .cwm)");
  Recommender rec(load_item_model(read_file(a.positional[0])));
  std::vector<HistoryEntry> h;
  for (const auto& x : split_list(a.get("history"))) {
    auto colon = x.find(':');  // event:item, or item alone (= enroll)
    if (colon == std::string::npos) h.push_back({x, "enroll"});
    else h.push_back({x.substr(colon + 1), x.substr(0, colon)});
  }
  nlohmann::json o = nlohmann::json::object();
  if (a.has("n")) o["n"] = flag_number_json(a, "n");
  if (a.has("community")) o["community"] = a.get("community");
  if (a.has("exclude")) o["exclude"] = split_list(a.get("exclude"));
  RecommendResult r = rec.recommend(h, recommend_options_from_json(o));
  nlohmann::json j = to_json(r, rec.model());
  if (a.has("json")) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  int rank = 0;
  for (const auto& it : j["items"]) {
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", it["score"].get<double>());
    std::cout << ++rank << ". " << it["id"].get<std::string>() << "  " << it["title"].get<std::string>() << "  (" << score
              << ") " << it["reason"].get<std::string>() << "\n";
  }
  if (r.unknown_events) std::cout << "note: " << r.unknown_events << " history events about courses the model does not know\n";
  return 0;
}

int evaluate(const Args& a) {
  auto known = read_flags();
  for (const char* f : {"n", "max-cases", "seed", "ease", "method", "k", "shrinkage", "ease-lambda", "min-support", "events", "json",
                        "ldp-epsilons", "ldp-seed", "ldp-top-items", "ldp-min-z"})
    known.push_back(f);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("model evaluate takes one event log (or - for stdin)");
  nlohmann::json o = {{"model", model_options(a)}};
  if (a.has("n")) o["n"] = flag_number_json(a, "n");
  if (a.has("max-cases")) o["maxCases"] = flag_number_json(a, "max-cases");
  if (a.has("seed")) o["seed"] = flag_number_json(a, "seed");
  if (a.has("ease")) o["ease"] = true;
  if (a.has("ldp-epsilons")) {
    o["ldpEpsilons"] = numbers_json("ldp-epsilons", a.get("ldp-epsilons"));
  }
  if (a.has("ldp-seed")) o["ldpSeed"] = flag_number_json(a, "ldp-seed");
  if (a.has("ldp-top-items")) o["ldpTopItems"] = flag_number_json(a, "ldp-top-items");
  if (a.has("ldp-min-z")) o["ldpMinZ"] = a.get("ldp-min-z") == "auto" ? nlohmann::json("auto") : flag_number_json(a, "ldp-min-z");
  EvaluationOptions eo = evaluation_options_from_json(o);
  EvaluationResult r = evaluate_leave_last_out(read_log_arg(a), eo);
  if (a.has("json")) {
    std::cout << to_json(r).dump(2) << "\n";
    return 0;
  }
  std::cout << "leave-last-out: " << r.learners_evaluated << " learners evaluated (" << r.learners_skipped
            << " with fewer than 2 courses skipped), " << r.courses << " courses\n";
  if (!eo.ldp_epsilons.empty())
    std::cout << "private models (ldp): rebuilt from " << r.ldp_item_reports << " item and " << r.ldp_pair_reports
              << " pair reports of the training learners (simulated devices, seeded noise)\n";
  std::printf("%-26s %10s %10s %10s\n", "method", "recall@n", "NDCG@n", "coverage");
  std::cout.flush();
  for (const auto& q : r.methods) std::printf("%-26s %10.4f %10.4f %10.4f\n", q.name.c_str(), q.recall, q.ndcg, q.coverage);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int model(int argc, char** argv) {
  if (argc < 3) throw UsageError("model needs a subcommand: build, info, recommend or evaluate");
  const std::string sub = argv[2];
  Args a = parse_args(argc, argv, 3, {"json", "skip-bad-rows", "ease"});
  // -o is the one short flag: parse_args only knows --long ones.
  for (size_t i = 0; i + 1 < a.positional.size(); ++i)
    if (a.positional[i] == "-o") {
      a.flags.emplace_back("o", a.positional[i + 1]);
      a.positional.erase(a.positional.begin() + static_cast<std::ptrdiff_t>(i), a.positional.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      break;
    }
  if (sub == "build") return build(a);
  if (sub == "info") return info(a);
  if (sub == "recommend") return recommend(a);
  if (sub == "evaluate") return evaluate(a);
  throw UsageError("unknown model subcommand \"" + sub + "\" (build, info, recommend, evaluate)");
}

}  // namespace circlewise::cli
