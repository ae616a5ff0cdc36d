#include "circlewise/referrals.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "json_text.h"
#include "radix_sort.h"

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDayMs = 86400000.0;

double ratio(double a, double b) { return b > 0 ? a / b : kNaN; }

double median(std::vector<double>& v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

ReferralResult referrals(const EventLog& log, const ReferralOptions& o) {
  ReferralResult r;
  r.period = o.period;
  const size_t nu = log.users.size(), nc = log.communities.size();
  std::vector<size_t> order(log.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Exports are usually in time order already; sort only when they are not.
  if (!std::is_sorted(log.ts_ms.begin(), log.ts_ms.end()))
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return log.ts_ms[a] < log.ts_ms[b] || (log.ts_ms[a] == log.ts_ms[b] && a < b); });
  int64_t first_period = 0, span = 0;
  if (!order.empty()) {
    first_period = period_of(log.ts_ms[order.front()], o.period);
    span = period_of(log.ts_ms[order.back()], o.period) - first_period + 1;
  }
  if (span > 1500)
    throw InputError("the log spans " + std::to_string(span) + " periods; at most 1500 are reported: choose a longer \"period\"");
  const auto S = static_cast<size_t>(span);

  const auto purchase = static_cast<int32_t>(EventType::kPurchase), refund = static_cast<int32_t>(EventType::kRefund);
  const auto join = static_cast<int32_t>(EventType::kJoin), leave = static_cast<int32_t>(EventType::kLeave);
  const auto share = static_cast<int32_t>(EventType::kShare);
  std::vector<uint8_t> has_events(nu, 0), bought(nu, 0), self(nu, 0);
  std::vector<int64_t> first_ts(nu, 0), ref_ts(nu, 0);
  std::vector<int32_t> home(nu, kNone), ref(nu, kNone), ref_comm(nu, kNone);
  std::vector<double> revenue(nu, 0.0);
  // Per (community or nc for "none", period), densely: shares, active learners, accepted referrals.
  struct Acc {
    uint64_t shares = 0, accepted = 0, converted = 0, active = 0;
    std::vector<double> cycle_days;
  };
  std::vector<Acc> acc((nc + 1) * S);
  const auto comm_index = [&](int32_t c) { return c == kNone ? nc : static_cast<size_t>(c); };
  const auto cell_index = [&](int32_t c, int64_t p) { return comm_index(c) * S + static_cast<size_t>(p - first_period); };
  const auto cell = [&](int32_t c, int64_t p) -> Acc& { return acc[cell_index(c, p)]; };
  // (cell, learner) of every engagement event, packed so that one radix sort counts distinct active learners.
  std::vector<uint64_t> active;
  active.reserve(order.size());
  for (size_t i : order) {
    const auto u = static_cast<size_t>(log.user[i]);
    const int32_t e = log.event[i];
    if (!has_events[u]) {
      has_events[u] = 1;
      first_ts[u] = log.ts_ms[i];
    }
    if (home[u] == kNone) home[u] = log.community[i];
    if (e == purchase) {
      bought[u] = 1;
      if (EventLog::has_amount(log.amount[i])) revenue[u] += log.amount[i];
    } else if (e == refund && EventLog::has_amount(log.amount[i])) {
      revenue[u] -= log.amount[i];
    }
    const int64_t p = period_of(log.ts_ms[i], o.period);
    if (e == share) ++cell(log.community[i], p).shares;
    if (e != join && e != leave && e != refund)
      active.push_back((static_cast<uint64_t>(cell_index(log.community[i], p)) << 32) | static_cast<uint32_t>(log.user[i]));
    const int32_t rf = log.referrer[i];
    if (rf == kNone) continue;
    if (static_cast<size_t>(rf) == u) {
      self[u] = 1;
      continue;
    }
    if (ref[u] == kNone) {
      ref[u] = rf;
      ref_ts[u] = log.ts_ms[i];
      ref_comm[u] = log.community[i];
    } else if (ref[u] != rf) {
      ++r.conflicting_referrers;
    }
  }
  r.self_referrals = static_cast<uint64_t>(std::count(self.begin(), self.end(), 1));
  radix_sort_unique(active);
  for (uint64_t k : active) ++acc[static_cast<size_t>(k >> 32)].active;

  // Parent links: a learner, kUnknownReferrer, or kNone.
  std::vector<int32_t> parent(nu, kNone);
  std::vector<uint8_t> unknown_id(nu, 0);
  for (size_t u = 0; u < nu; ++u) {
    if (!has_events[u]) continue;
    ++r.learners;
    if (ref[u] == kNone) continue;
    const auto p = static_cast<size_t>(ref[u]);
    if (has_events[p]) {
      parent[u] = ref[u];
    } else {
      parent[u] = kUnknownReferrer;
      unknown_id[p] = 1;
    }
  }
  r.unknown_referrers = static_cast<uint64_t>(std::count(unknown_id.begin(), unknown_id.end(), 1));

  // Cycles: walk up from each unvisited learner; meeting the current path again closes a cycle.
  std::vector<uint8_t> state(nu, 0);  // 0 unvisited, 1 on the current path, 2 done
  std::vector<size_t> path;
  for (size_t s = 0; s < nu; ++s) {
    if (!has_events[s] || state[s]) continue;
    path.clear();
    size_t v = s;
    for (;;) {
      state[v] = 1;
      path.push_back(v);
      if (parent[v] < 0) break;
      const auto w = static_cast<size_t>(parent[v]);
      if (state[w] == 2) break;
      if (state[w] == 1) {
        const auto start = std::find(path.begin(), path.end(), w);
        size_t cut = w;
        for (auto it = start; it != path.end(); ++it)
          if (first_ts[*it] < first_ts[cut] || (first_ts[*it] == first_ts[cut] && *it < cut)) cut = *it;
        ++r.cycles;
        r.learners_in_cycles += static_cast<uint64_t>(path.end() - start);
        parent[cut] = kNone;
        break;
      }
      v = w;
    }
    for (size_t x : path) state[x] = 2;
  }

  // Generations (the graph is now a forest).
  r.generation.assign(nu, 0);
  std::vector<uint8_t> known(nu, 0);
  for (size_t s = 0; s < nu; ++s) {
    if (!has_events[s] || known[s]) continue;
    path.clear();
    size_t v = s;
    while (!known[v] && parent[v] >= 0) {
      path.push_back(v);
      v = static_cast<size_t>(parent[v]);
    }
    uint32_t g = 0;
    if (known[v]) g = r.generation[v];
    else {
      g = parent[v] == kUnknownReferrer ? 1 : 0;
      r.generation[v] = g;
      known[v] = 1;
    }
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      r.generation[*it] = ++g;
      known[*it] = 1;
    }
  }

  // Attribution, deepest generation first so each subtree is complete before its root is read.
  std::vector<size_t> by_depth;
  for (size_t u = 0; u < nu; ++u)
    if (has_events[u]) by_depth.push_back(u);
  std::sort(by_depth.begin(), by_depth.end(), [&](size_t a, size_t b) {
    return r.generation[a] > r.generation[b] || (r.generation[a] == r.generation[b] && a < b);
  });
  std::vector<Advocate> adv(nu);
  for (size_t u : by_depth) {
    if (parent[u] != kNone) {
      ++r.referred;
      r.referred_by_unknown += parent[u] == kUnknownReferrer;
    }
    if (parent[u] < 0) continue;
    Advocate& a = adv[static_cast<size_t>(parent[u])];
    ++a.direct;
    a.direct_revenue += revenue[u];
    a.chain += 1 + adv[u].chain;
    a.chain_revenue += revenue[u] + adv[u].chain_revenue;
    a.depth = std::max(a.depth, adv[u].depth + 1);
  }
  uint64_t unreferred = 0;
  for (size_t u : by_depth) {
    if (parent[u] != kNone) r.converted_referred += bought[u];
    else {
      ++unreferred;
      r.converted_unreferred += bought[u];
    }
    if (r.generations.size() <= r.generation[u]) r.generations.resize(r.generation[u] + 1, 0);
    ++r.generations[r.generation[u]];
  }
  r.referred_conversion = ratio(static_cast<double>(r.converted_referred), static_cast<double>(r.referred));
  r.unreferred_conversion = ratio(static_cast<double>(r.converted_unreferred), static_cast<double>(unreferred));
  r.k_factor = ratio(static_cast<double>(r.referred), static_cast<double>(r.learners));

  // Accepted referrals by the community and period where they happened.
  for (size_t u = 0; u < nu; ++u) {
    if (!has_events[u] || parent[u] == kNone) continue;
    Acc& a = cell(ref_comm[u], period_of(ref_ts[u], o.period));
    ++a.accepted;
    a.converted += bought[u];
    if (parent[u] >= 0) a.cycle_days.push_back((ref_ts[u] - first_ts[static_cast<size_t>(parent[u])]) / kDayMs);
  }
  r.communities.resize(nc + 1);
  for (size_t c = 0; c <= nc; ++c)
    r.communities[c].community = c < nc ? std::string(log.communities.name(static_cast<int32_t>(c))) : "(none)";
  for (size_t u = 0; u < nu; ++u) {
    if (!has_events[u]) continue;
    CommunityReferrals& cr = r.communities[comm_index(home[u])];
    ++cr.learners;
    cr.max_generation = std::max(cr.max_generation, r.generation[u]);
    if (parent[u] != kNone) {
      ++cr.referred;
      cr.converted_referred += bought[u];
    } else {
      cr.converted_unreferred += bought[u];
    }
  }
  for (auto& cr : r.communities) {
    cr.referred_conversion = ratio(static_cast<double>(cr.converted_referred), static_cast<double>(cr.referred));
    cr.unreferred_conversion =
        ratio(static_cast<double>(cr.converted_unreferred), static_cast<double>(cr.learners - cr.referred));
  }
  for (size_t k = 0; k < acc.size(); ++k) {
    Acc& a = acc[k];
    if (a.shares == 0 && a.accepted == 0 && a.active == 0) continue;
    ReferralPeriod rp;
    rp.period = first_period + static_cast<int64_t>(k % S);
    rp.invites_sent = a.shares;
    rp.accepted = a.accepted;
    rp.converted = a.converted;
    rp.active = a.active;
    rp.invites_per_active = ratio(static_cast<double>(rp.invites_sent), static_cast<double>(rp.active));
    rp.acceptance = ratio(static_cast<double>(rp.accepted), static_cast<double>(rp.invites_sent));
    rp.k_factor = ratio(static_cast<double>(rp.accepted), static_cast<double>(rp.active));
    rp.referral_conversion = ratio(static_cast<double>(rp.converted), static_cast<double>(rp.accepted));
    rp.cycle_time_days = median(a.cycle_days);
    r.communities[k / S].periods.push_back(rp);
  }
  // "(none)" only when something happened outside communities.
  if (r.communities.back().learners == 0 && r.communities.back().periods.empty()) r.communities.pop_back();

  for (size_t u = 0; u < nu; ++u) {
    if (!has_events[u] || adv[u].direct == 0) continue;
    Advocate a = adv[u];
    a.user = static_cast<int32_t>(u);
    a.id = std::string(log.users.name(a.user));
    a.community = home[u] == kNone ? "" : std::string(log.communities.name(home[u]));
    r.advocates.push_back(std::move(a));
  }
  const auto better = [&](const Advocate& x, const Advocate& y) {
    if (o.rank_by == AdvocateRank::kMembers) {
      if (x.chain != y.chain) return x.chain > y.chain;
      if (x.chain_revenue != y.chain_revenue) return x.chain_revenue > y.chain_revenue;
    } else {
      if (x.chain_revenue != y.chain_revenue) return x.chain_revenue > y.chain_revenue;
      if (x.chain != y.chain) return x.chain > y.chain;
    }
    if (x.direct != y.direct) return x.direct > y.direct;
    return x.id < y.id;
  };
  const size_t top = std::min(o.top, r.advocates.size());
  std::partial_sort(r.advocates.begin(), r.advocates.begin() + static_cast<std::ptrdiff_t>(top), r.advocates.end(), better);
  r.advocates.resize(top);

  r.referrer_of.assign(nu, kNone);
  for (size_t u = 0; u < nu; ++u) r.referrer_of[u] = parent[u];
  return r;
}

// Option parsing and text output: once per call, optimised for size in the WASM build.
CIRCLEWISE_SIZE_OPTIMISED_BEGIN

ReferralOptions referral_options_from_json(const nlohmann::json& j) {
  ReferralOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("referral options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    const std::string s = v.is_string() ? v.get<std::string>() : "";
    if (k == "period") {
      if (s == "day") o.period = RetentionPeriod::kDay;
      else if (s == "week") o.period = RetentionPeriod::kWeek;
      else if (s == "month") o.period = RetentionPeriod::kMonth;
      else throw InputError("option \"period\" must be \"day\", \"week\" or \"month\"");
    } else if (k == "top") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 1000000)
        throw InputError("option \"top\" must be an integer between 0 and 1000000");
      o.top = v.get<size_t>();
    } else if (k == "rankBy") {
      if (s == "members") o.rank_by = AdvocateRank::kMembers;
      else if (s == "revenue") o.rank_by = AdvocateRank::kRevenue;
      else throw InputError("option \"rankBy\" must be \"members\" or \"revenue\"");
    } else {
      throw InputError("unknown referral option \"" + k + "\" (known: period, top, rankBy)");
    }
  }
  return o;
}

std::string to_json_text(const ReferralResult& r) {
  JsonText w;
  w.open('{').field("period", r.period == RetentionPeriod::kDay ? "day" : r.period == RetentionPeriod::kWeek ? "week" : "month");
  w.field("learners", r.learners).field("referred", r.referred).field("referredByUnknown", r.referred_by_unknown);
  w.field("unknownReferrers", r.unknown_referrers).field("selfReferrals", r.self_referrals);
  w.field("conflictingReferrers", r.conflicting_referrers).field("cycles", r.cycles);
  w.field("learnersInCycles", r.learners_in_cycles).field("kFactor", r.k_factor);
  w.field("referredConversion", r.referred_conversion).field("unreferredConversion", r.unreferred_conversion);
  w.field("maxGeneration", uint64_t{r.generations.empty() ? 0 : r.generations.size() - 1});
  w.key("generations").open('[');
  for (auto g : r.generations) w.num(g);
  w.close(']').key("communities").open('[');
  for (const auto& c : r.communities) {
    w.open('{').field("community", c.community).field("learners", c.learners).field("referred", c.referred);
    w.field("kFactor", ratio(static_cast<double>(c.referred), static_cast<double>(c.learners)));
    w.field("referredConversion", c.referred_conversion).field("unreferredConversion", c.unreferred_conversion);
    w.field("maxGeneration", uint64_t{c.max_generation}).key("periods").open('[');
    for (const auto& p : c.periods) {
      w.open('{').field("period", period_label(p.period, r.period)).field("invitesSent", p.invites_sent);
      w.field("accepted", p.accepted).field("active", p.active).field("converted", p.converted);
      w.field("invitesPerActive", p.invites_per_active).field("acceptance", p.acceptance).field("kFactor", p.k_factor);
      w.field("referralConversion", p.referral_conversion).field("cycleTimeDays", p.cycle_time_days).close('}');
    }
    w.close(']').close('}');
  }
  w.close(']').key("advocates").open('[');
  for (const auto& a : r.advocates) {
    w.open('{').field("learner", a.id).key("community").str_or_null(a.community).field("direct", a.direct);
    w.field("chain", a.chain).field("directRevenue", a.direct_revenue).field("chainRevenue", a.chain_revenue);
    w.field("depth", uint64_t{a.depth}).close('}');
  }
  w.close(']').close('}');
  return w.text();
}

std::string to_text(const ReferralResult& r) {
  std::ostringstream o;
  char line[256];
  std::snprintf(line, sizeof line,
                "Referrals: %llu of %llu learners were referred (K = %.3f per learner), chains up to %zu generations\n",
                static_cast<unsigned long long>(r.referred), static_cast<unsigned long long>(r.learners),
                std::isfinite(r.k_factor) ? r.k_factor : 0.0, r.generations.empty() ? size_t{0} : r.generations.size() - 1);
  o << line;
  const auto pct = [](double x) {
    char b[32];
    if (!std::isfinite(x)) return std::string("-");
    std::snprintf(b, sizeof b, "%.1f%%", 100 * x);
    return std::string(b);
  };
  o << "Conversion: referred " << pct(r.referred_conversion) << ", not referred " << pct(r.unreferred_conversion) << "\n";
  if (r.referred_by_unknown)
    o << r.referred_by_unknown << " learners were referred by " << r.unknown_referrers
      << " ids that never appear as learners (counted as referred, never as advocates)\n";
  if (r.self_referrals) o << r.self_referrals << " learners named themselves as referrer (ignored)\n";
  if (r.cycles) o << r.cycles << " referral cycles over " << r.learners_in_cycles << " learners (one edge each dropped)\n";
  if (r.conflicting_referrers) o << r.conflicting_referrers << " later events name a different referrer (first kept)\n";
  std::snprintf(line, sizeof line, "\n%-22s %8s %8s %7s %9s %9s %5s\n", "community", "learners", "referred", "K",
                "conv.ref", "conv.not", "depth");
  o << line;
  for (const auto& c : r.communities) {
    std::snprintf(line, sizeof line, "%-22s %8llu %8llu %7.3f %9s %9s %5u\n", c.community.c_str(),
                  static_cast<unsigned long long>(c.learners), static_cast<unsigned long long>(c.referred),
                  c.learners ? static_cast<double>(c.referred) / static_cast<double>(c.learners) : 0.0,
                  pct(c.referred_conversion).c_str(), pct(c.unreferred_conversion).c_str(), c.max_generation);
    o << line;
  }
  if (!r.advocates.empty()) {
    std::snprintf(line, sizeof line, "\nTop advocates\n%-20s %-22s %6s %6s %12s %12s %5s\n", "learner", "community",
                  "direct", "chain", "direct rev.", "chain rev.", "depth");
    o << line;
    for (const auto& a : r.advocates) {
      std::snprintf(line, sizeof line, "%-20s %-22s %6llu %6llu %12.2f %12.2f %5u\n", a.id.c_str(), a.community.c_str(),
                    static_cast<unsigned long long>(a.direct), static_cast<unsigned long long>(a.chain), a.direct_revenue,
                    a.chain_revenue, a.depth);
      o << line;
    }
  }
  return o.str();
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
