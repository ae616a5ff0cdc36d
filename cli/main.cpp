// circlewise: the command line for data teams. Each command reads files the way the JS API does
// and prints text, or JSON with --json.
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "circlewise/dataset_summary.h"
#include "circlewise/error.h"
#include "circlewise/event_reader.h"
#include "circlewise/synthetic_platform.h"

namespace {

const char* kUsage = R"(circlewise - learner analytics for course platforms

usage:
  circlewise inspect <events.csv|events.json|-> [--json] [--skip-bad-rows]
                     [--format csv|json] [--delimiter C] [--column field=name ...]
      Reads an event log and prints its summary: learners, courses, communities, events by
      type, time range, revenue and per-community totals, and what was skipped and why.
  circlewise generate [--seed N] [--learners N | --events N] [--courses N]
                      [--communities N] [--days N] [--start YYYY-MM-DD] [--truth FILE]
      Writes a synthetic course platform's event log as CSV to stdout (deterministic per seed);
      --truth also writes the planted effects as JSON.

Event fields (for --column): user_id, item_id, event, ts, amount, community, referrer.
Exit status: 0 ok, 1 bad input (message on stderr), 2 bad usage.
)";

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> flags;  // --name value (value "" for switches)
};

bool is_switch(const std::string& name) { return name == "json" || name == "skip-bad-rows" || name == "help"; }

Args parse_args(int argc, char** argv, int from) {
  Args a;
  for (int i = from; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0 && s.size() > 2) {
      std::string name = s.substr(2), value;
      auto eq = name.find('=');
      if (eq != std::string::npos && name.rfind("column", 0) != 0) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (!is_switch(name)) {
        if (i + 1 >= argc) throw std::invalid_argument("--" + name + " needs a value");
        value = argv[++i];
      }
      a.flags.emplace_back(name, value);
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

int inspect(const Args& a) {
  if (a.positional.size() != 1) throw std::invalid_argument("inspect takes one file (or - for stdin)");
  nlohmann::json opts = nlohmann::json::object();
  bool as_json = false;
  for (const auto& [k, v] : a.flags) {
    if (k == "json") as_json = true;
    else if (k == "skip-bad-rows") opts["onBadRow"] = "skip";
    else if (k == "format") opts["format"] = v;
    else if (k == "delimiter") opts["delimiter"] = v;
    else if (k == "column") {
      auto eq = v.find('=');
      if (eq == std::string::npos) throw std::invalid_argument("--column takes field=name, e.g. user_id=learner");
      opts["columns"][v.substr(0, eq)] = v.substr(eq + 1);
    } else throw std::invalid_argument("inspect: unknown option --" + k);
  }
  circlewise::ReadOptions ro = circlewise::read_options_from_json(opts);
  circlewise::EventLog log;
  const std::string& path = a.positional[0];
  if (path == "-") {
    circlewise::EventReader reader(ro);
    std::vector<char> buf(1 << 20);
    while (std::cin) {
      std::cin.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      reader.feed(std::string_view(buf.data(), static_cast<size_t>(std::cin.gcount())));
    }
    log = reader.finish();
  } else {
    log = circlewise::read_events_file(path, ro);
  }
  auto summary = circlewise::summarize(log);
  if (as_json) {
    std::cout << circlewise::to_json(summary, log.report).dump(2) << "\n";
  } else {
    std::cout << circlewise::to_text(summary, log.report);
  }
  return 0;
}

int generate(const Args& a) {
  if (!a.positional.empty()) throw std::invalid_argument("generate takes no file arguments");
  nlohmann::json opts = nlohmann::json::object();
  std::string truth_path;
  for (const auto& [k, v] : a.flags) {
    if (k == "truth") {
      truth_path = v;
    } else if (k == "start") {
      opts[k] = v;
    } else if (k == "seed" || k == "learners" || k == "events" || k == "courses" || k == "communities" || k == "days") {
      char* end = nullptr;
      unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-') throw std::invalid_argument("--" + k + " takes a non-negative integer");
      opts[k] = n;
    } else {
      throw std::invalid_argument("generate: unknown option --" + k);
    }
  }
  auto platform = circlewise::generate_platform(circlewise::synthetic_options_from_json(opts));
  std::cout << circlewise::write_events_csv(platform.log);
  if (!truth_path.empty()) {
    std::ofstream t(truth_path);
    if (!t) throw circlewise::InputError("cannot write \"" + truth_path + "\"");
    t << circlewise::to_json(platform.truth).dump(2) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  try {
    Args a = parse_args(argc, argv, 2);
    for (const auto& f : a.flags)
      if (f.first == "help") {
        std::cout << kUsage;
        return 0;
      }
    if (cmd == "inspect") return inspect(a);
    if (cmd == "generate") return generate(a);
    std::cerr << "circlewise: unknown command \"" << cmd << "\"\n\n" << kUsage;
    return 2;
  } catch (const circlewise::InputError& e) {
    std::cerr << "circlewise " << cmd << ": " << e.what() << "\n";
    return 1;
  } catch (const std::invalid_argument& e) {
    std::cerr << "circlewise " << cmd << ": " << e.what() << " (see circlewise --help)\n";
    return 2;
  }
}
