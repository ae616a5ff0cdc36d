#include "args.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "circlewise/event_reader.h"

namespace circlewise::cli {

bool Args::has(const std::string& name) const {
  return std::any_of(flags.begin(), flags.end(), [&](const auto& f) { return f.first == name; });
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  std::string v = fallback;
  for (const auto& f : flags)
    if (f.first == name) v = f.second;
  return v;
}

void Args::allow(const std::vector<std::string>& known) const {
  for (const auto& f : flags)
    if (std::find(known.begin(), known.end(), f.first) == known.end())
      throw UsageError("unknown option --" + f.first);
}

Args parse_args(int argc, char** argv, int from, const std::vector<std::string>& switches) {
  Args a;
  for (int i = from; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0 && s.size() > 2) {
      std::string name = s.substr(2), value;
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        // --column user_id=learner: the '=' belongs to the value
        if (name == "column") {
          value = s.substr(2 + std::string("column").size() + 1);
        }
      } else if (std::find(switches.begin(), switches.end(), name) == switches.end()) {
        if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
        value = argv[++i];
      }
      a.flags.emplace_back(name, value);
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

nlohmann::json flag_number_json(const Args& a, const std::string& name) {
  const std::string v = a.get(name);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x))
    throw UsageError("--" + name + " takes a number, got \"" + v + "\"");
  if (x == std::floor(x) && std::fabs(x) < 9007199254740992.0) return static_cast<int64_t>(x);
  return x;
}

const std::vector<std::string>& read_flags() {
  static const std::vector<std::string> kFlags = {"format", "delimiter", "skip-bad-rows", "column"};
  return kFlags;
}

EventLog read_log_arg(const Args& a) {
  if (a.positional.empty()) throw UsageError("expected an event log file (or - for stdin)");
  nlohmann::json opts = nlohmann::json::object();
  for (const auto& [k, v] : a.flags) {
    if (k == "skip-bad-rows") opts["onBadRow"] = "skip";
    else if (k == "format") opts["format"] = v;
    else if (k == "delimiter") opts["delimiter"] = v;
    else if (k == "column") {
      auto eq = v.find('=');
      if (eq == std::string::npos) throw UsageError("--column takes field=name, e.g. --column user_id=learner");
      opts["columns"][v.substr(0, eq)] = v.substr(eq + 1);
    }
  }
  ReadOptions ro = read_options_from_json(opts);
  const std::string& path = a.positional[0];
  if (path != "-") return read_events_file(path, ro);
  EventReader reader(ro);
  std::vector<char> buf(1 << 20);
  while (std::cin) {
    std::cin.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    reader.feed(std::string_view(buf.data(), static_cast<size_t>(std::cin.gcount())));
  }
  return reader.finish();
}

}  // namespace circlewise::cli
