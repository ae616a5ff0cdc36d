#include "circlewise/dataset_summary.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/money.h"
#include "circlewise/text.h"
#include "circlewise/timestamp.h"

namespace circlewise {

DatasetSummary summarize(const EventLog& log) {
  DatasetSummary s;
  const size_t n = log.size();
  s.events = n;
  const size_t n_users = log.users.size();
  const size_t n_comm = log.communities.size();

  std::vector<uint8_t> user_seen(n_users, 0), user_bought(n_users, 0), user_referred(n_users, 0),
      user_in_comm(n_users, 0);
  std::vector<uint8_t> item_seen(log.items.size(), 0);
  std::vector<size_t> type_count(log.event_names.size(), 0);
  std::vector<CommunityTotals> comm(n_comm);
  std::vector<MoneySum> comm_rev(n_comm), comm_ref(n_comm);
  // (community, user) membership: sort unique pairs rather than a dense matrix.
  std::vector<uint64_t> member_pairs, buyer_pairs;
  member_pairs.reserve(n / 4 + 16);
  MoneySum revenue, refunds;
  const int32_t kPurchase = static_cast<int32_t>(EventType::kPurchase);
  const int32_t kRefund = static_cast<int32_t>(EventType::kRefund);

  for (size_t i = 0; i < n; ++i) {
    const int32_t u = log.user[i], e = log.event[i], c = log.community[i];
    user_seen[u] = 1;
    if (log.item[i] != kNone) item_seen[log.item[i]] = 1;
    if (log.referrer[i] != kNone) user_referred[u] = 1;
    ++type_count[e];
    const double a = log.amount[i];
    const bool has = EventLog::has_amount(a);
    if (e == kPurchase) {
      ++s.purchases;
      user_bought[u] = 1;
      if (has) revenue.add(a);
    } else if (e == kRefund) {
      if (has) refunds.add(a);
    } else if (has) {
      ++s.amounts_on_other_events;
    }
    if (c != kNone) {
      user_in_comm[u] = 1;
      CommunityTotals& t = comm[c];
      ++t.events;
      uint64_t key = (static_cast<uint64_t>(c) << 32) | static_cast<uint32_t>(u);
      if (member_pairs.empty() || member_pairs.back() != key) member_pairs.push_back(key);
      if (e == kPurchase) {
        ++t.purchases;
        buyer_pairs.push_back(key);
        if (has) comm_rev[c].add(a);
      } else if (e == kRefund && has) {
        comm_ref[c].add(a);
      }
    }
  }
  if (n > 0) {
    auto [lo, hi] = std::minmax_element(log.ts_ms.begin(), log.ts_ms.end());
    s.first_ts_ms = *lo;
    s.last_ts_ms = *hi;
  }
  for (size_t u = 0; u < n_users; ++u) {
    s.users += user_seen[u];
    s.buyers += user_bought[u];
    s.referred_users += user_referred[u];
    s.users_without_community += user_seen[u] && !user_in_comm[u];
  }
  for (uint8_t v : item_seen) s.items += v;
  s.revenue = revenue.value();
  s.refunds = refunds.value();
  s.net_revenue = s.revenue - s.refunds;

  auto count_distinct = [](std::vector<uint64_t>& pairs, std::vector<CommunityTotals>& out, bool buyers) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    for (uint64_t k : pairs) {
      auto& t = out[static_cast<size_t>(k >> 32)];
      (buyers ? t.buyers : t.members) += 1;
    }
  };
  count_distinct(member_pairs, comm, false);
  count_distinct(buyer_pairs, comm, true);
  for (size_t c = 0; c < n_comm; ++c) {
    comm[c].name = log.communities.name(static_cast<int32_t>(c));
    comm[c].revenue = comm_rev[c].value();
    comm[c].refunds = comm_ref[c].value();
    if (comm[c].events > 0) s.by_community.push_back(comm[c]);
  }
  s.communities = s.by_community.size();
  std::sort(s.by_community.begin(), s.by_community.end(), [](const auto& a, const auto& b) {
    return a.revenue != b.revenue ? a.revenue > b.revenue : a.name < b.name;
  });

  for (size_t e = 0; e < type_count.size(); ++e) {
    bool known = e < static_cast<size_t>(kKnownEventTypes);
    if (known || type_count[e] > 0)
      s.events_by_type.push_back({log.event_names.name(static_cast<int32_t>(e)), type_count[e], known});
  }
  return s;
}

namespace {
// Money is reported rounded to the cent in JSON: sums of decimal amounts carry binary noise
// (0.1 + 0.2) that no one wants to see, and cents are the unit money is entered in.
double cents(double v) { return std::round(v * 100.0) / 100.0; }
}  // namespace

nlohmann::json to_json(const DatasetSummary& s, const IngestReport& r) {
  using nlohmann::json;
  json types = json::array();
  for (const auto& t : s.events_by_type) types.push_back({{"event", t.name}, {"count", t.count}, {"known", t.known}});
  json comms = json::array();
  for (const auto& c : s.by_community)
    comms.push_back({{"community", c.name}, {"members", c.members}, {"events", c.events},
                     {"purchases", c.purchases}, {"buyers", c.buyers}, {"revenue", cents(c.revenue)},
                     {"refunds", cents(c.refunds)}, {"netRevenue", cents(c.revenue - c.refunds)}});
  json problems = json::array();
  for (const auto& p : r.problems) problems.push_back({{"line", p.line}, {"column", p.column}, {"message", p.message}});
  json out = {
      {"events", s.events},
      {"users", s.users},
      {"items", s.items},
      {"communities", s.communities},
      {"referredUsers", s.referred_users},
      {"usersWithoutCommunity", s.users_without_community},
      {"eventsByType", types},
      {"firstEvent", s.events ? json(format_timestamp(s.first_ts_ms)) : json(nullptr)},
      {"lastEvent", s.events ? json(format_timestamp(s.last_ts_ms)) : json(nullptr)},
      {"purchases", s.purchases},
      {"buyers", s.buyers},
      {"revenue", cents(s.revenue)},
      {"refunds", cents(s.refunds)},
      {"netRevenue", cents(s.net_revenue)},
      {"amountsOnOtherEvents", s.amounts_on_other_events},
      {"byCommunity", comms},
      {"ingest",
       {{"bytes", r.bytes}, {"records", r.records}, {"events", r.events}, {"skippedRows", r.skipped_rows},
        {"blankLines", r.blank_lines}, {"problems", problems}, {"ignoredColumns", r.ignored_columns}}},
  };
  return out;
}

std::string to_text(const DatasetSummary& s, const IngestReport& r) {
  std::ostringstream o;
  auto money = [](double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.2f", v);
    return std::string(b);
  };
  o << "events        " << s.events << "\n";
  o << "learners      " << s.users << " (" << s.buyers << " paying, " << s.referred_users << " referred)\n";
  o << "courses       " << s.items << "\n";
  o << "communities   " << s.communities << " (" << s.users_without_community << " learners in none)\n";
  if (s.events) o << "time range    " << format_timestamp(s.first_ts_ms) << " .. " << format_timestamp(s.last_ts_ms) << "\n";
  o << "revenue       " << money(s.revenue) << " from " << s.purchases << " purchases, refunds "
    << money(s.refunds) << ", net " << money(s.net_revenue) << "\n";
  o << "\nevents by type\n";
  for (const auto& t : s.events_by_type)
    o << "  " << t.name << std::string(t.name.size() < 12 ? 12 - t.name.size() : 1, ' ') << t.count
      << (t.known ? "" : "  (custom event name)") << "\n";
  if (!s.by_community.empty()) {
    o << "\ncommunity                 members  buyers  purchases      revenue\n";
    for (const auto& c : s.by_community) {
      char line[256];
      std::snprintf(line, sizeof line, "  %-22s %8zu %7zu %10zu %12s\n", c.name.substr(0, 22).c_str(), c.members,
                    c.buyers, c.purchases, money(c.revenue).c_str());
      o << line;
    }
  }
  o << "\ninput         " << r.records << " rows read, " << r.events << " kept, " << r.skipped_rows
    << " skipped, " << r.blank_lines << " blank lines\n";
  if (!r.ignored_columns.empty()) {
    o << "ignored columns:";
    for (const auto& c : r.ignored_columns) o << " " << quote_value(c);
    o << "\n";
  }
  if (s.amounts_on_other_events)
    o << "note: " << s.amounts_on_other_events << " amounts are on events other than purchase/refund and are not revenue\n";
  for (const auto& p : r.problems) o << "skipped " << p.message << "\n";
  if (r.problems.size() < r.skipped_rows)
    o << "(" << r.skipped_rows - r.problems.size() << " more skipped rows not itemised)\n";
  return o.str();
}

}  // namespace circlewise
