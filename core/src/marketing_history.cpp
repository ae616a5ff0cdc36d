#include "circlewise/marketing_history.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "circlewise/error.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum Field { kPeriod, kCommunity, kSpend, kConversions, kRevenue, kMembers, kPayers, kRetained, kFieldCount };
const char* const kFieldNames[kFieldCount] = {"period",  "community", "spend",  "conversions",
                                               "revenue", "members",   "payers", "retained"};

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// Where a value came from, for error messages: "line 4, column 3 (spend)" or "row 2, field spend".
using Where = std::string;

// A plain non-negative decimal ("12", "0.5", "1e3"); no thousands separators, no currency signs.
double parse_amount(std::string_view text, const Where& where) {
  std::string_view t = trim(text);
  std::string s(t);
  char* end = nullptr;
  double v = s.empty() ? kNaN : std::strtod(s.c_str(), &end);
  bool ok = !s.empty() && end == s.c_str() + s.size() && std::isfinite(v) &&
            (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.' || s[0] == '+' || s[0] == '-');
  if (!ok) throw InputError(where + ": expected a plain number, got " + quote_value(text));
  if (v < 0) throw InputError(where + ": must be >= 0, got " + quote_value(text));
  return v;
}

class Builder {
 public:
  void add(const std::string_view (&v)[kFieldCount], const bool (&present)[kFieldCount],
           const std::vector<Where>& where) {
    std::string_view p = trim(v[kPeriod]), c = trim(v[kCommunity]);
    if (p.empty()) throw InputError(where[kPeriod] + ": the period is empty");
    if (c.empty()) throw InputError(where[kCommunity] + ": the community is empty");
    if (const char* bad = check_text(p)) throw InputError(where[kPeriod] + ": " + bad);
    if (const char* bad = check_text(c)) throw InputError(where[kCommunity] + ": " + bad);
    double nums[kFieldCount];
    for (int f = kSpend; f < kFieldCount; ++f) {
      bool required = f == kSpend || f == kConversions;
      if (!present[f] || trim(v[f]).empty()) {
        if (required) throw InputError(where[f] + ": " + kFieldNames[f] + " is required");
        nums[f] = kNaN;
      } else {
        nums[f] = parse_amount(v[f], where[f]);
      }
    }
    int pi = intern(period_ids_, period_names_, p);
    int ci = intern(community_ids_, h_.communities, c);
    auto key = std::make_pair(pi, ci);
    auto [it, fresh] = seen_.emplace(key, where[kPeriod]);
    if (!fresh)
      throw InputError(where[kPeriod] + ": period " + quote_value(p) + " of community " + quote_value(c) +
                       " already appeared (" + it->second + ")");
    h_.period.push_back(pi);
    h_.community.push_back(ci);
    h_.spend.push_back(nums[kSpend]);
    h_.conversions.push_back(nums[kConversions]);
    h_.revenue.push_back(nums[kRevenue]);
    h_.members.push_back(nums[kMembers]);
    h_.payers.push_back(nums[kPayers]);
    h_.retained.push_back(nums[kRetained]);
  }

  MarketingHistory finish(std::vector<std::string> ignored) {
    if (h_.size() == 0) throw InputError("the marketing history has no rows");
    // Time order: numeric when every period is a number, else text order (ISO dates, 2024-W07).
    size_t n = period_names_.size();
    std::vector<double> num(n);
    bool numeric = true;
    for (size_t i = 0; i < n && numeric; ++i) {
      char* end = nullptr;
      num[i] = std::strtod(period_names_[i].c_str(), &end);
      numeric = end == period_names_[i].c_str() + period_names_[i].size() && std::isfinite(num[i]);
    }
    std::vector<int> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return numeric ? num[a] < num[b] : period_names_[a] < period_names_[b];
    });
    std::vector<int> rank(n);
    for (size_t r = 0; r < n; ++r) {
      rank[order[r]] = static_cast<int>(r);
      h_.periods.push_back(period_names_[order[r]]);
    }
    for (int& p : h_.period) p = rank[p];
    h_.ignored_columns = std::move(ignored);
    return std::move(h_);
  }

 private:
  static int intern(std::unordered_map<std::string, int>& ids, std::vector<std::string>& names,
                    std::string_view s) {
    auto [it, fresh] = ids.emplace(std::string(s), static_cast<int>(names.size()));
    if (fresh) names.emplace_back(s);
    return it->second;
  }
  MarketingHistory h_;
  std::unordered_map<std::string, int> period_ids_, community_ids_;
  std::vector<std::string> period_names_;
  std::map<std::pair<int, int>, Where> seen_;
};

// Splits RFC 4180 CSV into records, each with the line number where it starts.
struct Record {
  size_t line;
  std::vector<std::string> fields;
};

std::vector<Record> split_csv(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  std::vector<Record> out;
  size_t line = 1, i = 0;
  while (i < s.size()) {
    Record r{line, {}};
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      field.clear();
      if (i < s.size() && s[i] == '"') {
        size_t start_line = line;
        ++i;
        for (;;) {
          if (i >= s.size())
            throw InputError("line " + std::to_string(start_line) + ", column " + std::to_string(r.fields.size() + 1) +
                             ": a quoted field is never closed");
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (s[i] == '\n') ++line;
          field += s[i++];
        }
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i < s.size() && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
          throw InputError("line " + std::to_string(line) + ", column " + std::to_string(r.fields.size() + 1) +
                           ": unexpected text after a closing quote");
      } else {
        while (i < s.size() && s[i] != ',' && s[i] != '\n' && s[i] != '\r') field += s[i++];
      }
      r.fields.push_back(field);
      if (i < s.size() && s[i] == ',') {
        ++i;
      } else {
        end_of_record = true;
        if (i < s.size() && s[i] == '\r') ++i;
        if (i < s.size() && s[i] == '\n') ++i;
        ++line;
      }
    }
    bool blank = r.fields.size() == 1 && trim(r.fields[0]).empty();
    if (!blank) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

MarketingHistory read_marketing_history(std::string_view csv) {
  auto records = split_csv(csv);
  if (records.empty()) throw InputError("the marketing history is empty (expected a header line)");
  const Record& header = records[0];
  int col[kFieldCount];
  std::fill(col, col + kFieldCount, -1);
  std::vector<std::string> ignored;
  for (size_t c = 0; c < header.fields.size(); ++c) {
    std::string name = lower(trim(header.fields[c]));
    int f = -1;
    for (int k = 0; k < kFieldCount; ++k)
      if (name == kFieldNames[k]) f = k;
    if (f < 0) {
      ignored.push_back(std::string(trim(header.fields[c])));
      continue;
    }
    if (col[f] >= 0)
      throw InputError("line " + std::to_string(header.line) + ", column " + std::to_string(c + 1) + ": column \"" +
                       kFieldNames[f] + "\" appears twice");
    col[f] = static_cast<int>(c);
  }
  for (int f : {kPeriod, kCommunity, kSpend, kConversions})
    if (col[f] < 0)
      throw InputError("line " + std::to_string(header.line) + ": the header has no \"" + kFieldNames[f] +
                       "\" column (required: period, community, spend, conversions; optional: revenue, members, "
                       "payers, retained)");
  Builder b;
  std::vector<Where> where(kFieldCount);
  for (size_t r = 1; r < records.size(); ++r) {
    const Record& rec = records[r];
    if (rec.fields.size() != header.fields.size())
      throw InputError("line " + std::to_string(rec.line) + ": expected " + std::to_string(header.fields.size()) +
                       " fields like the header, got " + std::to_string(rec.fields.size()));
    std::string_view v[kFieldCount];
    bool present[kFieldCount];
    for (int f = 0; f < kFieldCount; ++f) {
      present[f] = col[f] >= 0;
      if (present[f]) v[f] = rec.fields[col[f]];
      where[f] = "line " + std::to_string(rec.line) +
                 (present[f] ? ", column " + std::to_string(col[f] + 1) : std::string()) + " (" + kFieldNames[f] + ")";
    }
    b.add(v, present, where);
  }
  return b.finish(std::move(ignored));
}

MarketingHistory marketing_history_from_json(const nlohmann::json& rows) {
  if (!rows.is_array()) throw InputError("the marketing history must be an array of rows (objects)");
  Builder b;
  std::vector<std::string> ignored;
  std::vector<Where> where(kFieldCount);
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::string at = "row " + std::to_string(r + 1);
    if (!row.is_object()) throw InputError(at + ": expected an object with period, community, spend, conversions");
    std::string text[kFieldCount];
    std::string_view v[kFieldCount];
    bool present[kFieldCount];
    for (int f = 0; f < kFieldCount; ++f) {
      where[f] = at + ", field " + kFieldNames[f];
      present[f] = false;
    }
    for (auto it = row.begin(); it != row.end(); ++it) {
      std::string name = lower(it.key());
      int f = -1;
      for (int k = 0; k < kFieldCount; ++k)
        if (name == kFieldNames[k]) f = k;
      if (f < 0) {
        if (std::find(ignored.begin(), ignored.end(), it.key()) == ignored.end()) ignored.push_back(it.key());
        continue;
      }
      const auto& val = it.value();
      if (val.is_null()) continue;
      if (val.is_string()) {
        text[f] = val.get<std::string>();
      } else if (val.is_number()) {
        text[f] = val.is_number_float() ? format_number(val.get<double>()) : val.dump();
      } else {
        throw InputError(where[f] + ": expected a number or text, got " + quote_value(val.dump()));
      }
      present[f] = true;
    }
    for (int f = 0; f < kFieldCount; ++f) v[f] = text[f];
    for (int f : {kPeriod, kCommunity})
      if (!present[f]) throw InputError(where[f] + ": " + kFieldNames[f] + " is required");
    b.add(v, present, where);
  }
  return b.finish(std::move(ignored));
}

CommunitySeries community_series(const MarketingHistory& h, int community) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < h.size(); ++i)
    if (h.community[i] == community) rows.push_back(i);
  std::sort(rows.begin(), rows.end(), [&](size_t a, size_t b) { return h.period[a] < h.period[b]; });
  CommunitySeries s;
  for (size_t i : rows) {
    s.period.push_back(h.period[i]);
    s.spend.push_back(h.spend[i]);
    s.conversions.push_back(h.conversions[i]);
    s.revenue.push_back(h.revenue[i]);
  }
  return s;
}

std::vector<CommunityMetrics> community_metrics(const MarketingHistory& h) {
  std::vector<CommunityMetrics> out;
  for (size_t c = 0; c < h.communities.size(); ++c) {
    std::vector<size_t> rows;
    for (size_t i = 0; i < h.size(); ++i)
      if (h.community[i] == static_cast<int>(c)) rows.push_back(i);
    std::sort(rows.begin(), rows.end(), [&](size_t a, size_t b) { return h.period[a] < h.period[b]; });
    CommunityMetrics m;
    m.community = h.communities[c];
    m.periods = rows.size();
    double members = 0, payers_over_members = 0, retained = 0, prev_payers = 0;
    bool has_members = false, has_retained = false;
    std::vector<double> payers;
    double revenue_rows_conv = 0;
    for (size_t k = 0; k < rows.size(); ++k) {
      size_t i = rows[k];
      m.spend += h.spend[i];
      m.conversions += h.conversions[i];
      double p = std::isnan(h.payers[i]) ? h.conversions[i] : h.payers[i];
      payers.push_back(p);
      if (!std::isnan(h.revenue[i])) {
        m.revenue += h.revenue[i];
        revenue_rows_conv += h.conversions[i];
      }
      if (!std::isnan(h.members[i])) {
        has_members = true;
        members += h.members[i];
        payers_over_members += p;
      }
      // Retention needs the previous period of the same community to be present.
      if (k > 0 && h.period[rows[k - 1]] + 1 == h.period[i] && !std::isnan(h.retained[i])) {
        has_retained = true;
        retained += h.retained[i];
        prev_payers += payers[k - 1];
      }
    }
    auto ratio = [](double a, double b, bool ok) { return ok && b > 0 ? a / b : kNaN; };
    m.conversion_rate = ratio(payers_over_members, members, has_members);
    m.retention = ratio(retained, prev_payers, has_retained);
    size_t n = payers.size();
    m.payer_ratio = n >= 2 ? ratio(payers[n - 1], payers[n - 2], true) : kNaN;
    m.cost_per_conversion = ratio(m.spend, m.conversions, true);
    bool has_revenue = revenue_rows_conv > 0 || m.revenue > 0;
    m.roi = ratio(m.revenue - m.spend, m.spend, has_revenue);
    m.value_per_conversion = ratio(m.revenue, revenue_rows_conv, has_revenue);
    out.push_back(m);
  }
  return out;
}

namespace {
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

nlohmann::json to_json(const CommunityMetrics& m) {
  return {{"community", m.community},
          {"periods", m.periods},
          {"spend", m.spend},
          {"conversions", m.conversions},
          {"revenue", m.revenue},
          {"conversionRate", num(m.conversion_rate)},
          {"retention", num(m.retention)},
          {"payerRatio", num(m.payer_ratio)},
          {"costPerConversion", num(m.cost_per_conversion)},
          {"roi", num(m.roi)},
          {"valuePerConversion", num(m.value_per_conversion)}};
}

std::string metrics_to_text(const std::vector<CommunityMetrics>& ms) {
  std::ostringstream o;
  auto cell = [&](double v, int prec, bool pct) {
    char buf[32];
    if (!std::isfinite(v)) return std::string("-");
    std::snprintf(buf, sizeof buf, pct ? "%.*f%%" : "%.*f", prec, pct ? v * 100 : v);
    return std::string(buf);
  };
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %7s %12s %11s %9s %9s %10s %8s\n", "community", "periods", "spend",
                "conversions", "conv.rate", "retention", "cost/conv", "ROI");
  o << line;
  for (const auto& m : ms) {
    std::snprintf(line, sizeof line, "%-20.20s %7zu %12s %11s %9s %9s %10s %8s\n", m.community.c_str(), m.periods,
                  cell(m.spend, 2, false).c_str(), cell(m.conversions, 0, false).c_str(),
                  cell(m.conversion_rate, 2, true).c_str(), cell(m.retention, 1, true).c_str(),
                  cell(m.cost_per_conversion, 2, false).c_str(), cell(m.roi, 1, true).c_str());
    o << line;
  }
  return o.str();
}

}  // namespace circlewise
