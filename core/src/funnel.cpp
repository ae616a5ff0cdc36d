#include "circlewise/funnel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "circlewise/error.h"

namespace circlewise {
namespace {

constexpr int64_t kUnset = std::numeric_limits<int64_t>::min();
constexpr double kHourMs = 3600000.0;

// A learner's relevant events, in time order (ties in file order).
struct LearnerEvents {
  const EventLog& log;
  const std::vector<size_t>& rows;
  size_t begin, end;
  size_t size() const { return end - begin; }
  size_t row(size_t k) const { return rows[begin + k]; }
  int64_t ts(size_t k) const { return log.ts_ms[row(k)]; }
  int32_t event(size_t k) const { return log.event[row(k)]; }
  int32_t item(size_t k) const { return log.item[row(k)]; }
};

struct Codes {
  std::vector<int32_t> step;      // event code per step, -1 when the name never occurs
  std::vector<uint8_t> excluded;  // per event code
  std::vector<size_t> occurrence; // any order: step k needs the r-th event of its name after entry
};

FunnelAttempt strict_attempt(const LearnerEvents& e, size_t a, const FunnelOptions& o, const Codes& c) {
  const size_t K = o.steps.size();
  FunnelAttempt at;
  at.reached = 1;
  at.time_from_entry.assign(1, 0);
  std::vector<int64_t> last(K, kUnset), first(K, kUnset);
  const int64_t t0 = e.ts(a);
  last[0] = first[0] = t0;
  for (size_t b = a + 1; b < e.size() && at.reached < K; ++b) {
    const int64_t t = e.ts(b);
    if (o.window_ms > 0 && t - t0 > o.window_ms) break;
    if (o.same_course && e.item(b) != e.item(a)) continue;
    if (c.excluded[static_cast<size_t>(e.event(b))]) {
      at.cut_by_exclusion = true;
      break;
    }
    // Later steps first, so one event never serves two consecutive steps.
    for (size_t j = K; j-- > 1;) {
      if (c.step[j] != e.event(b) || last[j - 1] == kUnset) continue;
      if (o.steps[j].within_ms > 0 && t - last[j - 1] > o.steps[j].within_ms) continue;
      last[j] = t;
      if (first[j] == kUnset) first[j] = t;
      at.reached = std::max(at.reached, j + 1);
    }
  }
  for (size_t j = 1; j < at.reached; ++j) at.time_from_entry.push_back(first[j] - t0);
  return at;
}

FunnelAttempt any_order_attempt(const LearnerEvents& e, size_t a, const FunnelOptions& o, const Codes& c) {
  const size_t K = o.steps.size();
  FunnelAttempt at;
  at.reached = 1;
  at.time_from_entry.assign(1, 0);
  const int64_t t0 = e.ts(a);
  // times[j]: times of events named like step j (shared by steps of the same name via the first one).
  std::vector<std::vector<int64_t>> times(K);
  std::vector<size_t> owner(K);
  for (size_t j = 1; j < K; ++j) {
    owner[j] = j;
    for (size_t i = 1; i < j; ++i)
      if (c.step[i] == c.step[j]) {
        owner[j] = i;
        break;
      }
  }
  for (size_t b = a + 1; b < e.size() && at.reached < K; ++b) {
    const int64_t t = e.ts(b);
    if (o.window_ms > 0 && t - t0 > o.window_ms) break;
    if (o.same_course && e.item(b) != e.item(a)) continue;
    if (c.excluded[static_cast<size_t>(e.event(b))]) {
      at.cut_by_exclusion = true;
      break;
    }
    bool matched = false;
    for (size_t j = 1; j < K; ++j)
      if (owner[j] == j && c.step[j] == e.event(b)) {
        times[j].push_back(t);
        matched = true;
      }
    if (!matched) continue;
    // The longest prefix of steps 2..K now satisfied, and when each became satisfied.
    std::vector<int64_t> when(1, 0);
    int64_t latest = t0;
    size_t m = 1;
    for (; m < K; ++m) {
      const auto& ts = times[owner[m]];
      if (ts.size() < c.occurrence[m]) break;
      latest = std::max(latest, ts[c.occurrence[m] - 1]);
      when.push_back(latest - t0);
    }
    if (m > at.reached) {
      at.reached = m;
      at.time_from_entry = when;
    }
  }
  return at;
}

FunnelAttempt best_attempt(const LearnerEvents& e, const FunnelOptions& o, const Codes& c) {
  FunnelAttempt best;
  // Without a window, limits, exclusions or course matching, the first entry can do whatever a
  // later one can (every chain from a later entry also starts after the first).
  const bool first_entry_suffices = o.window_ms == 0 && o.exclude.empty() && !o.same_course &&
                                    std::all_of(o.steps.begin(), o.steps.end(), [](const FunnelStep& s) { return s.within_ms == 0; });
  for (size_t a = 0; a < e.size(); ++a) {
    if (e.event(a) != c.step[0]) continue;
    FunnelAttempt at = o.order == FunnelOrder::kStrict ? strict_attempt(e, a, o, c) : any_order_attempt(e, a, o, c);
    at.community = e.log.community[e.row(a)];
    if (at.reached > best.reached) best = std::move(at);
    if (best.reached == o.steps.size() || first_entry_suffices) break;
  }
  return best;
}

double quantile(const std::vector<double>& sorted, double p) {
  const double h = (static_cast<double>(sorted.size()) - 1) * p;
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

FunnelGroup make_group(std::string name, const FunnelOptions& o) {
  FunnelGroup g;
  g.community = std::move(name);
  for (const auto& s : o.steps) g.steps.push_back({s.event, 0, {}, {}, {}});
  return g;
}

void finish_group(FunnelGroup& g, const std::vector<std::vector<double>>& times) {
  for (size_t k = 0; k < g.steps.size(); ++k) {
    auto& s = g.steps[k];
    s.from_entry = wilson_interval(s.learners, g.steps[0].learners);
    s.from_previous = wilson_interval(s.learners, k ? g.steps[k - 1].learners : s.learners);
    s.time_from_entry = time_distribution(times[k]);
  }
}

}  // namespace

Proportion wilson_interval(uint64_t x, uint64_t n, double z) {
  Proportion p;
  p.successes = x;
  p.trials = n;
  if (n == 0) return p;
  const double nn = static_cast<double>(n), ph = static_cast<double>(x) / nn, z2 = z * z;
  const double denom = 1 + z2 / nn;
  const double center = (ph + z2 / (2 * nn)) / denom;
  const double half = z * std::sqrt(ph * (1 - ph) / nn + z2 / (4 * nn * nn)) / denom;
  p.rate = ph;
  p.low = std::max(0.0, center - half);
  p.high = std::min(1.0, center + half);
  return p;
}

TimeDistribution time_distribution(std::vector<double> v) {
  TimeDistribution d;
  d.count = v.size();
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  d.p10 = quantile(v, 0.10);
  d.p25 = quantile(v, 0.25);
  d.p50 = quantile(v, 0.50);
  d.p75 = quantile(v, 0.75);
  d.p90 = quantile(v, 0.90);
  return d;
}

std::vector<FunnelAttempt> funnel_attempts(const EventLog& log, const FunnelOptions& o) {
  Codes c;
  c.excluded.assign(log.event_names.size(), 0);
  std::vector<uint8_t> relevant(log.event_names.size(), 0);
  for (const auto& s : o.steps) {
    c.step.push_back(log.event_names.find(s.event));
    if (c.step.back() >= 0) relevant[static_cast<size_t>(c.step.back())] = 1;
  }
  for (const auto& x : o.exclude) {
    int32_t code = log.event_names.find(x);
    if (code >= 0) c.excluded[static_cast<size_t>(code)] = relevant[static_cast<size_t>(code)] = 1;
  }
  c.occurrence.assign(o.steps.size(), 1);
  for (size_t j = 1; j < o.steps.size(); ++j)
    for (size_t i = 1; i < j; ++i) c.occurrence[j] += c.step[i] == c.step[j];

  std::vector<FunnelAttempt> out(log.users.size());
  if (c.step[0] < 0) return out;  // nobody can enter
  std::vector<size_t> rows;
  for (size_t i = 0; i < log.size(); ++i)
    if (relevant[static_cast<size_t>(log.event[i])]) rows.push_back(i);
  std::stable_sort(rows.begin(), rows.end(), [&](size_t x, size_t y) {
    if (log.user[x] != log.user[y]) return log.user[x] < log.user[y];
    return log.ts_ms[x] < log.ts_ms[y];
  });
  for (size_t from = 0; from < rows.size();) {
    size_t to = from;
    while (to < rows.size() && log.user[rows[to]] == log.user[rows[from]]) ++to;
    LearnerEvents e{log, rows, from, to};
    out[static_cast<size_t>(log.user[rows[from]])] = best_attempt(e, o, c);
    from = to;
  }
  return out;
}

FunnelResult funnel(const EventLog& log, const FunnelOptions& o) {
  FunnelResult r;
  for (const auto& s : o.steps)
    if (log.event_names.find(s.event) < 0)
      r.warnings.push_back("step \"" + s.event + "\" never occurs in the log: it and the steps after it have 0 learners");
  for (const auto& x : o.exclude)
    if (log.event_names.find(x) < 0) r.warnings.push_back("exclusion \"" + x + "\" never occurs in the log");
  const auto attempts = funnel_attempts(log, o);
  const size_t K = o.steps.size();
  const size_t nc = log.communities.size();
  // Group nc is "(none)".
  std::vector<FunnelGroup> groups;
  std::vector<std::vector<std::vector<double>>> times(nc + 2, std::vector<std::vector<double>>(K));
  for (size_t g = 0; g < nc; ++g) groups.push_back(make_group(log.communities.name(static_cast<int32_t>(g)), o));
  groups.push_back(make_group("(none)", o));
  r.overall = make_group("", o);
  for (const auto& at : attempts) {
    if (at.reached == 0) continue;
    const size_t g = at.community == kNone ? nc : static_cast<size_t>(at.community);
    for (FunnelGroup* grp : {&r.overall, &groups[g]}) {
      const size_t slot = grp == &r.overall ? nc + 1 : g;
      for (size_t k = 0; k < at.reached; ++k) {
        ++grp->steps[k].learners;
        times[slot][k].push_back(static_cast<double>(at.time_from_entry[k]));
      }
      grp->cut_by_exclusion += at.cut_by_exclusion;
    }
  }
  finish_group(r.overall, times[nc + 1]);
  if (o.by_community) {
    for (size_t g = 0; g <= nc; ++g) {
      if (g == nc && groups[g].steps[0].learners == 0) continue;  // no entries without community
      finish_group(groups[g], times[g]);
      r.by_community.push_back(std::move(groups[g]));
    }
  }
  return r;
}

namespace {

double number_in(const nlohmann::json& v, const std::string& name, double lo, double hi) {
  if (!v.is_number() || !(v.get<double>() >= lo) || !(v.get<double>() <= hi)) {
    char b[160];
    std::snprintf(b, sizeof b, "option \"%s\" must be a number in [%g, %g]", name.c_str(), lo, hi);
    throw InputError(b);
  }
  return v.get<double>();
}

std::vector<std::string> names_in(const nlohmann::json& v, const char* name) {
  if (!v.is_array()) throw InputError(std::string("option \"") + name + "\" must be an array of event names");
  std::vector<std::string> out;
  for (const auto& x : v) {
    if (!x.is_string() || x.get<std::string>().empty())
      throw InputError(std::string("option \"") + name + "\" must contain only non-empty event names");
    out.push_back(x.get<std::string>());
  }
  return out;
}

}  // namespace

FunnelOptions funnel_options_from_json(const nlohmann::json& j) {
  FunnelOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("funnel options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "steps") {
      if (!v.is_array() || v.size() < 2 || v.size() > 20)
        throw InputError("option \"steps\" must be an array of 2 to 20 steps (event names or {\"event\", \"withinHours\"})");
      o.steps.clear();
      for (size_t s = 0; s < v.size(); ++s) {
        const auto& x = v[s];
        FunnelStep step;
        if (x.is_string()) {
          step.event = x.get<std::string>();
        } else if (x.is_object() && x.contains("event") && x["event"].is_string()) {
          step.event = x["event"].get<std::string>();
          for (auto f = x.begin(); f != x.end(); ++f) {
            if (f.key() == "event") continue;
            if (f.key() != "withinHours")
              throw InputError("step " + std::to_string(s + 1) + ": unknown key \"" + f.key() + "\" (known: event, withinHours)");
            if (s == 0) throw InputError("step 1: \"withinHours\" needs a previous step");
            double h = number_in(*f, "steps[" + std::to_string(s) + "].withinHours", 0, 87600);
            if (h <= 0) throw InputError("option \"steps[" + std::to_string(s) + "].withinHours\" must be > 0");
            step.within_ms = static_cast<int64_t>(std::llround(h * kHourMs));
          }
        } else {
          throw InputError("step " + std::to_string(s + 1) + " must be an event name or {\"event\": name, \"withinHours\": h}");
        }
        if (step.event.empty()) throw InputError("step " + std::to_string(s + 1) + ": the event name is empty");
        o.steps.push_back(step);
      }
    } else if (k == "windowDays") {
      o.window_ms = static_cast<int64_t>(std::llround(number_in(v, "windowDays", 0, 3650) * 86400000.0));
    } else if (k == "order") {
      if (v == "strict") o.order = FunnelOrder::kStrict;
      else if (v == "any") o.order = FunnelOrder::kAny;
      else throw InputError("option \"order\" must be \"strict\" or \"any\"");
    } else if (k == "exclude") {
      o.exclude = names_in(v, "exclude");
    } else if (k == "sameCourse" || k == "byCommunity") {
      if (!v.is_boolean()) throw InputError("option \"" + k + "\" must be true or false");
      (k == "sameCourse" ? o.same_course : o.by_community) = v.get<bool>();
    } else {
      throw InputError("unknown funnel option \"" + k + "\" (known: steps, windowDays, order, exclude, sameCourse, byCommunity)");
    }
  }
  for (const auto& x : o.exclude)
    for (const auto& s : o.steps)
      if (x == s.event) throw InputError("event \"" + x + "\" cannot be both a step and an exclusion");
  if (o.order == FunnelOrder::kAny)
    for (const auto& s : o.steps)
      if (s.within_ms > 0)
        throw InputError("\"withinHours\" on a step needs \"order\":\"strict\" (with any order there is no previous step)");
  return o;
}

namespace {

nlohmann::json opt(const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); }

nlohmann::json to_json(const Proportion& p) {
  return {{"rate", opt(p.rate)}, {"low", opt(p.low)}, {"high", opt(p.high)}};
}

nlohmann::json hours(const TimeDistribution& d) {
  if (d.count == 0) return nullptr;
  return {{"count", d.count},         {"mean", d.mean / kHourMs}, {"p10", d.p10 / kHourMs}, {"p25", d.p25 / kHourMs},
          {"median", d.p50 / kHourMs}, {"p75", d.p75 / kHourMs}, {"p90", d.p90 / kHourMs}};
}

nlohmann::json to_json(const FunnelGroup& g) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : g.steps)
    steps.push_back({{"event", s.event},
                     {"learners", s.learners},
                     {"fromPrevious", to_json(s.from_previous)},
                     {"fromEntry", to_json(s.from_entry)},
                     {"hoursFromEntry", hours(s.time_from_entry)}});
  nlohmann::json out = {{"entered", g.steps[0].learners},
                        {"converted", g.steps.back().learners},
                        {"cutByExclusion", g.cut_by_exclusion},
                        {"steps", steps}};
  if (!g.community.empty()) out["community"] = g.community;
  return out;
}

}  // namespace

nlohmann::json to_json(const FunnelResult& r) {
  nlohmann::json comms = nlohmann::json::array();
  for (const auto& g : r.by_community) comms.push_back(to_json(g));
  nlohmann::json out = to_json(r.overall);
  out["byCommunity"] = comms;
  out["warnings"] = r.warnings;
  return out;
}

std::string to_text(const FunnelResult& r) {
  std::ostringstream o;
  auto pct = [](const std::optional<double>& x) {
    char b[16];
    if (!x) return std::string("-");
    std::snprintf(b, sizeof b, "%.1f%%", *x * 100);
    return std::string(b);
  };
  auto group = [&](const FunnelGroup& g) {
    o << (g.community.empty() ? "overall" : g.community) << ": " << g.steps[0].learners << " entered, "
      << g.steps.back().learners << " converted";
    if (g.cut_by_exclusion) o << ", " << g.cut_by_exclusion << " cut by an exclusion";
    o << "\n";
    char line[200];
    std::snprintf(line, sizeof line, "  %-14s %9s %9s %19s %9s %12s\n", "step", "learners", "of prev", "95% interval",
                  "of entry", "median h");
    o << line;
    for (const auto& s : g.steps) {
      std::string ci = s.from_previous.rate ? pct(s.from_previous.low) + " - " + pct(s.from_previous.high) : "-";
      char med[32] = "-";
      if (s.time_from_entry.count) std::snprintf(med, sizeof med, "%.1f", s.time_from_entry.p50 / kHourMs);
      std::snprintf(line, sizeof line, "  %-14s %9llu %9s %19s %9s %12s\n", s.event.c_str(),
                    static_cast<unsigned long long>(s.learners), pct(s.from_previous.rate).c_str(), ci.c_str(),
                    pct(s.from_entry.rate).c_str(), med);
      o << line;
    }
  };
  for (const auto& w : r.warnings) o << "warning: " << w << "\n";
  group(r.overall);
  for (const auto& g : r.by_community) {
    o << "\n";
    group(g);
  }
  return o.str();
}

}  // namespace circlewise
