#include "circlewise/retention.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/learner_features.h"
#include "circlewise/timestamp.h"

namespace circlewise {
namespace {

constexpr int64_t kDayMs = 86400000;
// Beyond this many periods the matrix stops being readable (and grows quadratically).
constexpr int64_t kMaxPeriods = 1500;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

const char* period_name(RetentionPeriod p) {
  return p == RetentionPeriod::kDay ? "day" : p == RetentionPeriod::kWeek ? "week" : "month";
}

}  // namespace

int64_t period_of(int64_t ts_ms, RetentionPeriod p) {
  const int64_t days = floor_div(ts_ms, kDayMs);
  switch (p) {
    case RetentionPeriod::kDay: return days;
    case RetentionPeriod::kWeek: return floor_div(days + 3, 7);  // 1970-01-01 was a Thursday
    case RetentionPeriod::kMonth: {
      CivilDate d = civil_from_days(days);
      return (d.year - 1970) * 12 + static_cast<int64_t>(d.month) - 1;
    }
  }
  return 0;
}

int64_t period_start_ms(int64_t period, RetentionPeriod p) {
  switch (p) {
    case RetentionPeriod::kDay: return period * kDayMs;
    case RetentionPeriod::kWeek: return (period * 7 - 3) * kDayMs;
    case RetentionPeriod::kMonth: {
      const int64_t y = 1970 + floor_div(period, 12);
      return days_from_civil(y, static_cast<unsigned>(period - (y - 1970) * 12 + 1), 1) * kDayMs;
    }
  }
  return 0;
}

std::string period_label(int64_t period, RetentionPeriod p) {
  char b[64];
  if (p == RetentionPeriod::kMonth) {
    int64_t y = 1970 + floor_div(period, 12), m = period - floor_div(period, 12) * 12 + 1;
    std::snprintf(b, sizeof b, "%04lld-%02lld", static_cast<long long>(y), static_cast<long long>(m));
    return b;
  }
  CivilDate d = civil_from_days(p == RetentionPeriod::kDay ? period : period * 7 - 3);
  std::snprintf(b, sizeof b, "%04lld-%02u-%02u", static_cast<long long>(d.year), d.month, d.day);
  return b;
}

RetentionResult retention(const EventLog& log, const RetentionOptions& o) {
  RetentionResult r;
  r.period = o.period;
  if (log.size() == 0) {
    r.warnings.push_back("the log has no events");
    return r;
  }
  std::vector<uint8_t> active(log.event_names.size(), o.active_events.empty() ? 1 : 0);
  for (const auto& name : o.active_events) {
    int32_t code = log.event_names.find(name);
    if (code < 0) r.warnings.push_back("active event \"" + name + "\" never occurs in the log");
    else active[static_cast<size_t>(code)] = 1;
  }
  const auto purchase = static_cast<int32_t>(EventType::kPurchase);
  // Observed data ends at as_of (exclusive); later events are ignored, as if exported then.
  const int64_t last_ts = *std::max_element(log.ts_ms.begin(), log.ts_ms.end());
  r.as_of_ms = o.has_as_of ? o.as_of_ms : last_ts + 1;
  auto kept = [&](size_t i) { return log.ts_ms[i] < r.as_of_ms; };
  r.first_period = INT64_MAX;
  for (size_t i = 0; i < log.size(); ++i) {
    if (kept(i)) r.first_period = std::min(r.first_period, period_of(log.ts_ms[i], o.period));
    else ++r.events_after_as_of;
  }
  if (r.first_period == INT64_MAX)
    throw InputError("no event before asOf " + format_timestamp(r.as_of_ms) + " (the first event is at " +
                     format_timestamp(*std::min_element(log.ts_ms.begin(), log.ts_ms.end())) + ")");
  r.last_period = period_of(r.as_of_ms - 1, o.period);
  r.last_period_partial = r.as_of_ms < period_start_ms(r.last_period + 1, o.period);
  const bool empty_partial = r.last_period_partial && o.partial == RetentionOptions::Partial::kEmpty;
  const int64_t span = r.last_period - r.first_period + 1;
  if (span > kMaxPeriods)
    throw InputError("the log spans " + std::to_string(span) + " " + period_name(o.period) + "s; at most " +
                     std::to_string(kMaxPeriods) + " fit in a retention matrix: choose a longer \"period\"");

  // Per learner: birth period and the sorted distinct periods in which they were active.
  const size_t nu = log.users.size();
  std::vector<int64_t> birth(nu, INT64_MAX);
  std::vector<std::vector<int64_t>> periods(nu);
  std::vector<uint8_t> has_events(nu, 0);  // users known only as referrers have none
  for (size_t i = 0; i < log.size(); ++i) {
    if (!kept(i)) continue;
    const auto u = static_cast<size_t>(log.user[i]);
    has_events[u] = 1;
    const int64_t p = period_of(log.ts_ms[i], o.period);
    const bool is_active = active[static_cast<size_t>(log.event[i])];
    if (is_active) periods[u].push_back(p);
    const bool births = o.cohort_by == CohortBy::kFirstActivity ? is_active : log.event[i] == purchase;
    if (births) birth[u] = std::min(birth[u], p);
  }
  std::vector<int64_t> cohort_size(static_cast<size_t>(span), 0);
  std::vector<std::vector<uint64_t>> act(static_cast<size_t>(span)), cont(static_cast<size_t>(span));
  for (size_t u = 0; u < nu; ++u) {
    if (birth[u] == INT64_MAX) {
      r.learners_without_cohort_event += has_events[u];
      continue;
    }
    auto& ps = periods[u];
    std::sort(ps.begin(), ps.end());
    ps.erase(std::unique(ps.begin(), ps.end()), ps.end());
    const auto c = static_cast<size_t>(birth[u] - r.first_period);
    ++cohort_size[c];
    const size_t width = static_cast<size_t>(r.last_period - birth[u] + 1);
    act[c].resize(width, 0);
    cont[c].resize(width, 0);
    int64_t expect = 0;  // next offset needed to stay continuous
    for (int64_t p : ps) {
      const int64_t t = p - birth[u];
      if (t < 0) continue;  // activity before the cohort event (e.g. browsing before buying)
      ++act[c][static_cast<size_t>(t)];
      if (t == expect) {
        ++cont[c][static_cast<size_t>(t)];
        ++expect;
      }
    }
  }
  for (int64_t c = 0; c < span; ++c) {
    if (cohort_size[static_cast<size_t>(c)] == 0) continue;
    Cohort co;
    co.period = r.first_period + c;
    co.size = static_cast<uint64_t>(cohort_size[static_cast<size_t>(c)]);
    for (size_t t = 0; t < act[static_cast<size_t>(c)].size(); ++t) {
      co.active.emplace_back(act[static_cast<size_t>(c)][t]);
      co.continuous.emplace_back(cont[static_cast<size_t>(c)][t]);
    }
    // Lived-through periods end with the log; the rest of the row (up to the oldest cohort's
    // width) is empty.
    const auto width = static_cast<size_t>(span);
    co.active.resize(width);
    co.continuous.resize(width);
    if (r.last_period_partial) {
      const auto t = static_cast<size_t>(r.last_period - co.period);
      co.partial_index = t;
      if (empty_partial) co.active[t] = co.continuous[t] = std::nullopt;
    }
    r.cohorts.push_back(std::move(co));
  }

  // Paying learners per community and period: sorted (community, learner, period) triples.
  struct Pay {
    int32_t community;
    int32_t user;
    int64_t period;
  };
  std::vector<Pay> pays;
  for (size_t i = 0; i < log.size(); ++i)
    if (kept(i) && log.event[i] == purchase) pays.push_back({log.community[i], log.user[i], period_of(log.ts_ms[i], o.period)});
  auto series = [&](const std::string& name, auto keep) {
    std::vector<Pay> sel;
    for (const auto& p : pays)
      if (keep(p)) sel.push_back({0, p.user, p.period});
    std::sort(sel.begin(), sel.end(), [](const Pay& a, const Pay& b) {
      return a.user != b.user ? a.user < b.user : a.period < b.period;
    });
    std::vector<uint64_t> payers(static_cast<size_t>(span), 0), retained(static_cast<size_t>(span), 0);
    for (size_t k = 0; k < sel.size(); ++k) {
      if (k > 0 && sel[k].user == sel[k - 1].user && sel[k].period == sel[k - 1].period) continue;
      const auto t = static_cast<size_t>(sel[k].period - r.first_period);
      ++payers[t];
      // The previous distinct period of this learner, if it is the period just before.
      size_t q = k;
      while (q > 0 && sel[q - 1].user == sel[k].user && sel[q - 1].period == sel[k].period) --q;
      if (q > 0 && sel[q - 1].user == sel[k].user && sel[q - 1].period == sel[k].period - 1) ++retained[t];
    }
    PayingRetention pr;
    pr.community = name;
    for (size_t t = 0; t < payers.size(); ++t) {
      PayingPeriod pp;
      pp.period = r.first_period + static_cast<int64_t>(t);
      pp.payers = payers[t];
      pp.retained = retained[t];
      pp.partial = r.last_period_partial && t + 1 == payers.size();
      if (t > 0 && payers[t - 1] > 0 && !(pp.partial && empty_partial)) {
        pp.ratio = static_cast<double>(payers[t]) / static_cast<double>(payers[t - 1]);
        pp.retention = static_cast<double>(retained[t]) / static_cast<double>(payers[t - 1]);
      }
      pr.periods.push_back(pp);
    }
    r.paying.push_back(std::move(pr));
  };
  series("", [](const Pay&) { return true; });
  if (o.by_community) {
    for (size_t c = 0; c < log.communities.size(); ++c)
      series(log.communities.name(static_cast<int32_t>(c)), [c](const Pay& p) { return p.community == static_cast<int32_t>(c); });
    if (std::any_of(pays.begin(), pays.end(), [](const Pay& p) { return p.community == kNone; }))
      series("(none)", [](const Pay& p) { return p.community == kNone; });
  }
  if (pays.empty()) r.warnings.push_back("no purchases: paying-learner retention is empty");
  return r;
}

RetentionOptions retention_options_from_json(const nlohmann::json& j) {
  RetentionOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("cohort options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "cohortBy") {
      if (v == "firstActivity") o.cohort_by = CohortBy::kFirstActivity;
      else if (v == "firstPurchase") o.cohort_by = CohortBy::kFirstPurchase;
      else throw InputError("option \"cohortBy\" must be \"firstActivity\" or \"firstPurchase\"");
    } else if (k == "period") {
      if (v == "day") o.period = RetentionPeriod::kDay;
      else if (v == "week") o.period = RetentionPeriod::kWeek;
      else if (v == "month") o.period = RetentionPeriod::kMonth;
      else throw InputError("option \"period\" must be \"day\", \"week\" or \"month\"");
    } else if (k == "activeEvents") {
      if (!v.is_array()) throw InputError("option \"activeEvents\" must be an array of event names");
      for (const auto& x : v) {
        if (!x.is_string() || x.get<std::string>().empty())
          throw InputError("option \"activeEvents\" must contain only non-empty event names");
        o.active_events.push_back(x.get<std::string>());
      }
    } else if (k == "byCommunity") {
      if (!v.is_boolean()) throw InputError("option \"byCommunity\" must be true or false");
      o.by_community = v.get<bool>();
    } else if (k == "asOf") {
      o.has_as_of = true;
      o.as_of_ms = as_of_from_json(v);
    } else if (k == "partialPeriod") {
      if (v == "mark") o.partial = RetentionOptions::Partial::kMark;
      else if (v == "empty") o.partial = RetentionOptions::Partial::kEmpty;
      else throw InputError("option \"partialPeriod\" must be \"mark\" or \"empty\"");
    } else {
      throw InputError("unknown cohort option \"" + k +
                       "\" (known: cohortBy, period, activeEvents, byCommunity, asOf, partialPeriod)");
    }
  }
  return o;
}

namespace {

nlohmann::json opt(const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json to_json(const RetentionResult& r) {
  using nlohmann::json;
  json cohorts = json::array();
  for (const auto& c : r.cohorts) {
    json active = json::array(), birth = json::array(), cont = json::array(), compounded = json::array();
    for (size_t t = 0; t < c.active.size(); ++t) {
      if (!c.active[t]) {
        active.push_back(nullptr);
        birth.push_back(nullptr);
        cont.push_back(nullptr);
        compounded.push_back(nullptr);
        continue;
      }
      active.push_back(*c.active[t]);
      cont.push_back(*c.continuous[t]);
      birth.push_back(static_cast<double>(*c.active[t]) / static_cast<double>(c.size));
      compounded.push_back(static_cast<double>(*c.continuous[t]) / static_cast<double>(c.size));
    }
    cohorts.push_back({{"cohort", period_label(c.period, r.period)},
                       {"size", c.size},
                       {"active", active},
                       {"continuous", cont},
                       {"birth", birth},
                       {"compounded", compounded},
                       {"partialIndex", c.partial_index ? json(*c.partial_index) : json(nullptr)}});
  }
  json paying = json::array();
  for (const auto& p : r.paying) {
    json periods = json::array();
    for (const auto& pp : p.periods)
      periods.push_back({{"period", period_label(pp.period, r.period)},
                         {"payers", pp.payers},
                         {"retained", pp.retained},
                         {"ratio", opt(pp.ratio)},
                         {"retention", opt(pp.retention)},
                         {"partial", pp.partial}});
    paying.push_back({{"community", p.community.empty() ? json(nullptr) : json(p.community)}, {"periods", periods}});
  }
  const bool any = !r.cohorts.empty() || !r.paying.empty();
  return {{"period", period_name(r.period)},
          {"firstPeriod", any ? json(period_label(r.first_period, r.period)) : json(nullptr)},
          {"lastPeriod", any ? json(period_label(r.last_period, r.period)) : json(nullptr)},
          {"asOf", any ? json(format_timestamp(r.as_of_ms)) : json(nullptr)},
          {"lastPeriodPartial", r.last_period_partial},
          {"eventsAfterAsOf", r.events_after_as_of},
          {"learnersWithoutCohortEvent", r.learners_without_cohort_event},
          {"cohorts", cohorts},
          {"paying", paying},
          {"warnings", r.warnings}};
}

std::string to_text(const RetentionResult& r) {
  std::ostringstream o;
  for (const auto& w : r.warnings) o << "warning: " << w << "\n";
  o << "retention by " << period_name(r.period) << " (birth definition: share of the cohort active t "
    << period_name(r.period) << "s later; '.' = not lived through yet";
  if (r.last_period_partial)
    o << "; '~' = " << period_label(r.last_period, r.period) << " still running at " << format_timestamp(r.as_of_ms)
      << ", so far";
  o << ")\n";
  if (r.events_after_as_of) o << r.events_after_as_of << " events at or after asOf ignored\n";
  char cell[32];
  std::snprintf(cell, sizeof cell, "%-11s %7s", "cohort", "size");
  o << cell;
  size_t width = 0;
  for (const auto& c : r.cohorts) width = std::max(width, c.active.size());
  width = std::min<size_t>(width, 13);
  for (size_t t = 0; t < width; ++t) {
    std::snprintf(cell, sizeof cell, " %5s", ("+" + std::to_string(t)).c_str());
    o << cell;
  }
  o << "\n";
  for (const auto& c : r.cohorts) {
    std::snprintf(cell, sizeof cell, "%-11s %7llu", period_label(c.period, r.period).c_str(),
                  static_cast<unsigned long long>(c.size));
    o << cell;
    for (size_t t = 0; t < width && t < c.active.size(); ++t) {
      const double share = c.active[t] ? 100.0 * static_cast<double>(*c.active[t]) / static_cast<double>(c.size) : 0;
      if (c.active[t] && c.partial_index == t) std::snprintf(cell, sizeof cell, " %3.0f%%~", share);
      else if (c.active[t]) std::snprintf(cell, sizeof cell, " %4.0f%%", share);
      else std::snprintf(cell, sizeof cell, " %5s", ".");
      o << cell;
    }
    o << "\n";
  }
  if (r.learners_without_cohort_event) o << r.learners_without_cohort_event << " learners have no cohort event\n";
  o << "\npaying learners, period over period (payers; retained from the previous period)\n";
  for (const auto& p : r.paying) {
    o << (p.community.empty() ? "all communities" : p.community) << ":";
    size_t shown = 0;
    for (size_t t = p.periods.size() > 8 ? p.periods.size() - 8 : 0; t < p.periods.size(); ++t, ++shown) {
      const auto& pp = p.periods[t];
      o << "  " << period_label(pp.period, r.period) << " " << pp.payers;
      if (pp.retention) {
        std::snprintf(cell, sizeof cell, " (%.0f%%)", *pp.retention * 100);
        o << cell;
      }
      if (pp.partial) o << " ~so far";
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace circlewise
