#include "circlewise/community_health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/timestamp.h"
#include "json_text.h"
#include "radix_sort.h"

namespace circlewise {
namespace {

constexpr int64_t kDayMs = 86400000;
constexpr int64_t kMaxPeriods = 1500;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// First day (days since 1970-01-01) of a period index as defined by period_of().
int64_t period_first_day(int64_t p, RetentionPeriod kind) {
  if (kind == RetentionPeriod::kDay) return p;
  if (kind == RetentionPeriod::kWeek) return p * 7 - 3;
  const int64_t y = 1970 + floor_div(p, 12);
  return days_from_civil(y, static_cast<unsigned>(p - floor_div(p, 12) * 12 + 1), 1);
}

double ratio(double a, double b) { return b > 0 ? a / b : kNaN; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Per (community, learner): the state of the membership while events are replayed in time order.
struct Membership {
  bool member = false;
  int64_t start_period = 0;
  int64_t counted_to = std::numeric_limits<int64_t>::min();  // periods already counted as member
};

}  // namespace

CIRCLEWISE_SIZE_OPTIMISED_BEGIN
HealthMetric health_metric_from_name(std::string_view name, std::string_view option) {
  for (int m = 0; m < kHealthMetricCount; ++m)
    if (kHealthMetricNames[static_cast<size_t>(m)] == name) return static_cast<HealthMetric>(m);
  std::string known;
  for (auto n : kHealthMetricNames) known += (known.empty() ? "" : ", ") + std::string(n);
  throw InputError("option \"" + std::string(option) + "\": unknown metric \"" + std::string(name) +
                   "\" (known: " + known + ")");
}

CIRCLEWISE_SIZE_OPTIMISED_END

CommunityHealthResult community_health(const EventLog& log, const CommunityHealthOptions& o) {
  CommunityHealthResult r;
  r.period = o.period;
  r.rank_by = o.rank_by;
  const size_t nc = log.communities.size();
  if (log.size() == 0) r.warnings.push_back("the log has no events");
  // Time order (the reader keeps file order); ties keep file order.
  std::vector<size_t> order(log.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Exports are usually in time order already; sort only when they are not.
  if (!std::is_sorted(log.ts_ms.begin(), log.ts_ms.end()))
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return log.ts_ms[a] < log.ts_ms[b] || (log.ts_ms[a] == log.ts_ms[b] && a < b); });
  if (!order.empty()) {
    r.first_period = period_of(log.ts_ms[order.front()], o.period);
    r.last_period = period_of(log.ts_ms[order.back()], o.period);
  }
  const int64_t span = order.empty() ? 0 : r.last_period - r.first_period + 1;
  if (span > kMaxPeriods)
    throw InputError("the log spans " + std::to_string(span) + " periods; at most " + std::to_string(kMaxPeriods) +
                     " are reported: choose a longer \"period\"");
  const int64_t first_day = order.empty() ? 0 : floor_div(log.ts_ms[order.front()], kDayMs);
  const int64_t last_day = order.empty() ? 0 : floor_div(log.ts_ms[order.back()], kDayMs);
  const auto S = static_cast<size_t>(span);

  const auto ev = [](EventType e) { return static_cast<int32_t>(e); };
  const size_t nu = log.users.size();
  // Per community: counters by period index (relative to first_period).
  struct Acc {
    std::vector<int64_t> member_diff, fresh, churned, engagement;
    std::vector<double> revenue;
    int64_t first = std::numeric_limits<int64_t>::max();  // first period with a member
  };
  std::vector<Acc> acc(nc);
  for (auto& a : acc) {
    a.member_diff.assign(S + 1, 0);
    a.fresh.assign(S, 0);
    a.churned.assign(S, 0);
    a.engagement.assign(S, 0);
    a.revenue.assign(S, 0.0);
  }
  // Memberships keyed by community * users + user, sorted (a dense table would be communities × users).
  std::vector<std::pair<uint64_t, Membership>> states;
  {
    std::vector<uint64_t> keys;
    for (size_t i = 0; i < log.size(); ++i)
      if (log.community[i] != kNone) keys.push_back(static_cast<uint64_t>(log.community[i]) * nu + static_cast<uint64_t>(log.user[i]));
    radix_sort_unique(keys);
    states.reserve(keys.size());
    for (auto k : keys) states.push_back({k, Membership{}});
  }
  const auto state_of = [&](uint64_t key) -> Membership& {
    auto it = std::lower_bound(states.begin(), states.end(), key, [](const auto& s, uint64_t k) { return s.first < k; });
    return it->second;
  };
  // (community, user, period) of activity / sharing / paying, and (community, user, day) of activity,
  // packed into one integer each (community 20 bits, user 28, period or day since the log's first 16)
  // so that sorting them is a plain integer sort: several times faster than a struct comparator,
  // which -Os does not inline.
  if (nc >= (1u << 20) || nu >= (1u << 28))
    throw InputError("community health handles up to 1,048,575 communities and 268,435,455 learners");
  const auto pack = [](int32_t c, int32_t u, int64_t t) {
    return (static_cast<uint64_t>(c) << 44) | (static_cast<uint64_t>(u) << 16) | static_cast<uint64_t>(t);
  };
  const auto C = [](uint64_t k) { return static_cast<size_t>(k >> 44); };
  const auto CU = [](uint64_t k) { return k >> 16; };  // community and user together
  const auto T = [](uint64_t k) { return static_cast<int64_t>(k & 0xFFFF); };
  std::vector<uint64_t> active, sharing, paying, active_days;
  const auto count_member = [&](Acc& a, Membership& m, int64_t from, int64_t to) {
    from = std::max(from, m.counted_to + 1);
    if (from > to) return;
    ++a.member_diff[static_cast<size_t>(from - r.first_period)];
    --a.member_diff[static_cast<size_t>(to - r.first_period + 1)];
    m.counted_to = to;
  };
  for (size_t i : order) {
    const int32_t c = log.community[i];
    if (c == kNone) {
      ++r.events_without_community;
      continue;
    }
    const int32_t u = log.user[i], e = log.event[i];
    const int64_t p = period_of(log.ts_ms[i], o.period);
    const auto pi = static_cast<size_t>(p - r.first_period);
    Acc& a = acc[static_cast<size_t>(c)];
    Membership& m = state_of(static_cast<uint64_t>(c) * nu + static_cast<uint64_t>(u));
    if (e == ev(EventType::kLeave)) {
      if (!m.member) {
        ++r.leaves_without_membership;
        continue;
      }
      m.member = false;
      ++a.churned[pi];
      count_member(a, m, m.start_period, p);
      continue;
    }
    if (!m.member) {
      m.member = true;
      m.start_period = p;
      ++a.fresh[pi];
      a.first = std::min(a.first, p);
    }
    if (e == ev(EventType::kRefund) && EventLog::has_amount(log.amount[i])) a.revenue[pi] -= log.amount[i];
    if (e == ev(EventType::kJoin) || e == ev(EventType::kRefund)) continue;
    ++a.engagement[pi];
    active.push_back(pack(c, u, p - r.first_period));
    active_days.push_back(pack(c, u, floor_div(log.ts_ms[i], kDayMs) - first_day));
    if (e == ev(EventType::kShare)) sharing.push_back(pack(c, u, p - r.first_period));
    if (e == ev(EventType::kPurchase)) {
      paying.push_back(pack(c, u, p - r.first_period));
      if (EventLog::has_amount(log.amount[i])) a.revenue[pi] += log.amount[i];
    }
  }
  for (auto& [key, m] : states) {
    if (!m.member) continue;
    Acc& a = acc[key / nu];
    count_member(a, m, m.start_period, r.last_period);
  }
  radix_sort_unique(active);
  radix_sort_unique(sharing);
  radix_sort_unique(paying);
  radix_sort_unique(active_days);
  // Distinct learners per (community, period).
  const auto per_period = [&](const std::vector<uint64_t>& v) {
    std::vector<std::vector<int64_t>> n(nc, std::vector<int64_t>(S, 0));
    for (uint64_t x : v) ++n[C(x)][static_cast<size_t>(T(x))];
    return n;
  };
  auto n_active = per_period(active), n_sharing = per_period(sharing), n_paying = per_period(paying);
  std::vector<std::vector<int64_t>> n_retained(nc, std::vector<int64_t>(S, 0));
  for (size_t k = 1; k < paying.size(); ++k) {
    const uint64_t x = paying[k], y = paying[k - 1];
    if (CU(x) == CU(y) && T(x) == T(y) + 1) ++n_retained[C(x)][static_cast<size_t>(T(x))];
  }
  // Trailing-window active counts per community and day: each learner's active days become the
  // union of the windows [d, d + w - 1] they open, so a learner counts once per day.
  const int64_t D = order.empty() ? 0 : last_day - first_day + 1;
  const auto windows = [&](int64_t w) {
    std::vector<std::vector<int32_t>> cnt(nc, std::vector<int32_t>(static_cast<size_t>(D + 1), 0));
    size_t k = 0;
    while (k < active_days.size()) {
      size_t e = k;
      int64_t open_to = std::numeric_limits<int64_t>::min();  // end (exclusive) of the running union
      auto& diff = cnt[C(active_days[k])];
      for (; e < active_days.size() && CU(active_days[e]) == CU(active_days[k]); ++e) {
        const int64_t day = T(active_days[e]);  // days since first_day
        const int64_t from = std::max(day, open_to);
        const int64_t to = std::min(day + w, D);
        if (from < to) {
          diff[static_cast<size_t>(from)] += 1;
          diff[static_cast<size_t>(to)] -= 1;
        }
        open_to = std::max(open_to, day + w);
      }
      k = e;
    }
    for (auto& diff : cnt)
      for (size_t d = 1; d < diff.size(); ++d) diff[d] += diff[d - 1];
    return cnt;
  };
  const auto dau = windows(1), wau = windows(7), mau = windows(30);

  for (size_t c = 0; c < nc; ++c) {
    CommunityHealth h;
    h.community = std::string(log.communities.name(static_cast<int32_t>(c)));
    const Acc& a = acc[c];
    h.empty = a.first == std::numeric_limits<int64_t>::max();
    int64_t members = 0;
    for (size_t pi = 0; pi < S; ++pi) {
      members += a.member_diff[pi];
      const int64_t p = r.first_period + static_cast<int64_t>(pi);
      if (h.empty || p < a.first) continue;
      HealthPeriod hp;
      hp.period = p;
      const int64_t d0 = period_first_day(p, o.period), d1 = period_first_day(p + 1, o.period) - 1;
      hp.partial = d0 < first_day || d1 > last_day;
      auto& v = hp.value;
      v.fill(kNaN);
      v[kHealthMembers] = static_cast<double>(members);
      v[kHealthNew] = static_cast<double>(a.fresh[pi]);
      v[kHealthActive] = static_cast<double>(n_active[c][pi]);
      v[kHealthChurned] = static_cast<double>(a.churned[pi]);
      v[kHealthPayers] = static_cast<double>(n_paying[c][pi]);
      v[kHealthRevenue] = a.revenue[pi];
      double dm = 0, wm = 0;
      int days = 0;
      for (int64_t d = std::max(d0, first_day); d <= std::min(d1, last_day); ++d) {
        const auto di = static_cast<size_t>(d - first_day);
        if (mau[c][di] == 0) continue;
        dm += static_cast<double>(dau[c][di]) / mau[c][di];
        wm += static_cast<double>(wau[c][di]) / mau[c][di];
        ++days;
      }
      if (days > 0) {
        v[kHealthDauMau] = dm / days;
        v[kHealthWauMau] = wm / days;
      }
      hp.engagement_events = static_cast<uint64_t>(a.engagement[pi]);
      hp.sharers = static_cast<uint64_t>(n_sharing[c][pi]);
      hp.retained_payers = static_cast<uint64_t>(n_retained[c][pi]);
      v[kHealthEventsPerActive] = ratio(static_cast<double>(a.engagement[pi]), v[kHealthActive]);
      v[kHealthShareRate] = ratio(static_cast<double>(hp.sharers), v[kHealthActive]);
      v[kHealthConversionRate] = ratio(v[kHealthPayers], v[kHealthMembers]);
      v[kHealthRevenuePerMember] = ratio(v[kHealthRevenue], v[kHealthMembers]);
      if (!h.periods.empty()) {
        const double prev = h.periods.back().value[kHealthPayers];
        v[kHealthPayingRatio] = ratio(v[kHealthPayers], prev);
        v[kHealthPayingRetention] = ratio(static_cast<double>(hp.retained_payers), prev);
      }
      h.periods.push_back(hp);
    }
    // Trends: each metric's change against the distribution of its earlier changes.
    for (int m = 0; m < kHealthMetricCount; ++m) {
      std::vector<double> history;
      for (size_t t = 0; t < h.periods.size(); ++t) {
        HealthPeriod& hp = h.periods[t];
        hp.change[static_cast<size_t>(m)] = hp.z[static_cast<size_t>(m)] = kNaN;
        if (t == 0) continue;
        const double ch = hp.value[static_cast<size_t>(m)] - h.periods[t - 1].value[static_cast<size_t>(m)];
        hp.change[static_cast<size_t>(m)] = ch;
        if (!std::isfinite(ch)) continue;
        // The first change out of a partial period (and into one) is not normal variation. Nor is
        // the next one of a period-over-period metric: its value at t-1 was computed against t-2.
        const bool over_previous = m == kHealthPayingRatio || m == kHealthPayingRetention;
        const bool comparable = !hp.partial && !h.periods[t - 1].partial &&
                                !(over_previous && t >= 2 && h.periods[t - 2].partial);
        if (history.size() >= o.min_history && comparable) {
          const double med = median(history);
          std::vector<double> dev;
          for (double x : history) dev.push_back(std::fabs(x - med));
          const double scale = 1.4826 * median(dev);
          if (scale > 0) {
            const double z = (ch - med) / scale;
            hp.z[static_cast<size_t>(m)] = z;
            if (std::fabs(z) > o.trend_z) hp.flag[static_cast<size_t>(m)] = z > 0 ? 1 : -1;
          } else if (ch != med) {
            hp.flag[static_cast<size_t>(m)] = ch > med ? 1 : -1;  // a series that never moved, moved
          }
        }
        if (comparable) history.push_back(ch);
      }
    }
    r.communities.push_back(std::move(h));
  }
  // Rank by the metric in the last complete period (the last period when every one is partial).
  r.ranked_period = r.last_period;
  if (span > 1 && period_first_day(r.last_period + 1, o.period) - 1 > last_day) r.ranked_period = r.last_period - 1;
  const auto key = [&](const CommunityHealth& h) {
    for (const auto& hp : h.periods)
      if (hp.period == r.ranked_period && std::isfinite(hp.value[o.rank_by])) return hp.value[o.rank_by];
    return -std::numeric_limits<double>::infinity();
  };
  std::sort(r.communities.begin(), r.communities.end(), [&](const CommunityHealth& x, const CommunityHealth& y) {
    if (x.empty != y.empty) return y.empty;
    const double kx = key(x), ky = key(y);
    if (kx != ky) return kx > ky;
    return x.community < y.community;
  });
  for (size_t i = 0; i < r.communities.size(); ++i) r.communities[i].rank = i + 1;
  if (nc == 0 && log.size() > 0) r.warnings.push_back("no event names a community (the \"community\" column is empty or missing)");
  return r;
}

// Option parsing and text output: once per call, optimised for size in the WASM build.
CIRCLEWISE_SIZE_OPTIMISED_BEGIN

CommunityHealthOptions community_health_options_from_json(const nlohmann::json& j) {
  CommunityHealthOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("community health options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "period") {
      const std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "day") o.period = RetentionPeriod::kDay;
      else if (s == "week") o.period = RetentionPeriod::kWeek;
      else if (s == "month") o.period = RetentionPeriod::kMonth;
      else throw InputError("option \"period\" must be \"day\", \"week\" or \"month\"");
    } else if (k == "trendZ") {
      if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 100)
        throw InputError("option \"trendZ\" must be a number greater than 0 and at most 100");
      o.trend_z = v.get<double>();
    } else if (k == "minHistory") {
      if (!v.is_number_integer() || v.get<int64_t>() < 2 || v.get<int64_t>() > 1000)
        throw InputError("option \"minHistory\" must be an integer between 2 and 1000");
      o.min_history = v.get<size_t>();
    } else if (k == "rankBy") {
      if (!v.is_string()) throw InputError("option \"rankBy\" must be a metric name");
      o.rank_by = health_metric_from_name(v.get<std::string>(), "rankBy");
    } else {
      throw InputError("unknown community health option \"" + k + "\" (known: period, trendZ, minHistory, rankBy)");
    }
  }
  return o;
}

namespace {
const char* period_name(RetentionPeriod p) {
  return p == RetentionPeriod::kDay ? "day" : p == RetentionPeriod::kWeek ? "week" : "month";
}

void write_period(JsonText& w, const HealthPeriod& hp, RetentionPeriod kind) {
  w.open('{').field("period", period_label(hp.period, kind)).key("partial").boolean(hp.partial);
  for (size_t m = 0; m < kHealthMetricCount; ++m) w.field(kHealthMetricNames[m], hp.value[m]);
  w.field("engagementEvents", hp.engagement_events).field("sharers", hp.sharers).field("retainedPayers", hp.retained_payers);
  w.key("trend").open('{');
  for (size_t m = 0; m < kHealthMetricCount; ++m) {
    if (!std::isfinite(hp.change[m])) continue;
    w.key(kHealthMetricNames[m]).open('{').field("change", hp.change[m]).field("z", hp.z[m]).key("flag");
    if (hp.flag[m]) w.str(hp.flag[m] > 0 ? "up" : "down");
    else w.null();
    w.close('}');
  }
  w.close('}').close('}');
}
}  // namespace

std::string to_json_text(const CommunityHealthResult& r) {
  JsonText w;
  w.open('{').field("period", period_name(r.period)).field("rankBy", kHealthMetricNames[r.rank_by]);
  w.field("rankedPeriod", period_label(r.ranked_period, r.period));
  w.field("firstPeriod", period_label(r.first_period, r.period)).field("lastPeriod", period_label(r.last_period, r.period));
  w.key("communities").open('[');
  for (const auto& h : r.communities) {
    w.open('{').field("community", h.community).field("rank", uint64_t{h.rank}).key("empty").boolean(h.empty);
    w.key("latest");
    const HealthPeriod* latest = nullptr;
    for (const auto& hp : h.periods)
      if (hp.period == r.ranked_period) latest = &hp;
    if (latest) write_period(w, *latest, r.period);
    else w.null();
    w.key("periods").open('[');
    for (const auto& hp : h.periods) write_period(w, hp, r.period);
    w.close(']').close('}');
  }
  w.close(']');
  w.field("eventsWithoutCommunity", r.events_without_community).field("leavesWithoutMembership", r.leaves_without_membership);
  w.key("warnings").open('[');
  for (const auto& x : r.warnings) w.str(x);
  w.close(']').close('}');
  return w.text();
}

std::string to_text(const CommunityHealthResult& r) {
  std::ostringstream o;
  o << "Community health, ranked by " << kHealthMetricNames[r.rank_by] << " in "
    << period_label(r.ranked_period, r.period) << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "%4s  %-22s %8s %6s %7s %7s %7s %8s %9s %8s  %s\n", "rank", "community", "members",
                "new", "active", "churned", "DAU/MAU", "conv.", "rev/memb", "share", "trend flags");
  o << line;
  const auto fmt = [](double x, const char* f) {
    char b[32];
    if (!std::isfinite(x)) return std::string("-");
    std::snprintf(b, sizeof b, f, x);
    return std::string(b);
  };
  for (const auto& h : r.communities) {
    const HealthPeriod* hp = nullptr;
    for (const auto& p : h.periods)
      if (p.period == r.ranked_period) hp = &p;
    if (!hp) {
      std::snprintf(line, sizeof line, "%4zu  %-22s %s\n", h.rank, h.community.c_str(),
                    h.empty ? "(empty: no member ever)" : "(no members in this period)");
      o << line;
      continue;
    }
    std::string flags;
    for (size_t m = 0; m < kHealthMetricCount; ++m)
      if (hp->flag[m]) flags += std::string(flags.empty() ? "" : " ") + std::string(kHealthMetricNames[m]) + (hp->flag[m] > 0 ? "↑" : "↓");
    const auto& v = hp->value;
    std::snprintf(line, sizeof line, "%4zu  %-22s %8.0f %6.0f %7.0f %7.0f %7s %8s %9s %8s  %s\n", h.rank,
                  h.community.c_str(), v[kHealthMembers], v[kHealthNew], v[kHealthActive], v[kHealthChurned],
                  fmt(v[kHealthDauMau], "%.3f").c_str(), fmt(v[kHealthConversionRate], "%.3f").c_str(),
                  fmt(v[kHealthRevenuePerMember], "%.2f").c_str(), fmt(v[kHealthShareRate], "%.3f").c_str(),
                  flags.c_str());
    o << line;
  }
  if (r.events_without_community) o << r.events_without_community << " events name no community (not used)\n";
  if (r.leaves_without_membership) o << r.leaves_without_membership << " leave events of non-members (ignored)\n";
  for (const auto& w : r.warnings) o << "warning: " << w << "\n";
  return o.str();
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
