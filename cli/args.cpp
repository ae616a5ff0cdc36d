#include "args.h"

#include <algorithm>
#include <charconv>
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

nlohmann::json number_json(const std::string& flag, const std::string& text) {
  const auto bad = [&] { return UsageError("--" + flag + " takes a number, got \"" + text + "\""); };
  // Decimal notation only: strtod would also take leading spaces, hex, "inf" and "nan".
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != std::string::npos) throw bad();
  if (text.rfind("+-", 0) == 0) throw bad();
  const char* first = text.c_str() + (text[0] == '+' ? 1 : 0);
  const char* last = text.c_str() + text.size();
  const std::string digits(first[0] == '-' ? first + 1 : first, last);
  if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) {
    // An integer literal: exact, whatever its size up to 64 bits (seeds).
    int64_t i = 0;
    if (auto r = std::from_chars(first, last, i); r.ec == std::errc() && r.ptr == last) return i;
    uint64_t u = 0;
    if (auto r = std::from_chars(first, last, u); r.ec == std::errc() && r.ptr == last) return u;
  }
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (end != last || !std::isfinite(x)) throw bad();
  if (x == std::floor(x) && std::fabs(x) < 9007199254740992.0) return static_cast<int64_t>(x);
  return x;
}

nlohmann::json flag_number_json(const Args& a, const std::string& name) { return number_json(name, a.get(name)); }

nlohmann::json numbers_json(const std::string& flag, const std::string& text) {
  nlohmann::json out = nlohmann::json::array();
  try {
    for (size_t from = 0;;) {
      const size_t comma = text.find(',', from);
      out.push_back(number_json(flag, text.substr(from, comma - from)));
      if (comma == std::string::npos) return out;
      from = comma + 1;
    }
  } catch (const UsageError&) {
    throw UsageError("--" + flag + " takes numbers separated by commas, got \"" + text + "\"");
  }
}

int64_t flag_integer(const Args& a, const std::string& name, int64_t lo, int64_t hi) {
  const nlohmann::json j = flag_number_json(a, name);
  if (!j.is_number_integer() || (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(hi)) ||
      j.get<int64_t>() < lo || j.get<int64_t>() > hi)
    throw UsageError("--" + name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got \"" + a.get(name) + "\"");
  return j.get<int64_t>();
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
