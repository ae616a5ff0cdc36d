#include "circlewise/churn.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "circlewise/error.h"
#include "circlewise/text.h"
#include "circlewise/nelder_mead.h"
#include "circlewise/random.h"
#include "circlewise/timestamp.h"

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kDayMs = 86400000;
constexpr double kLogLo = -20.7, kLogHi = 20;  // parameters fitted as logs in about [1e-9, 5e8]

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

double log_add_exp(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a + std::log1p(std::exp(b - a));
}

std::string fmt(double v) {
  std::ostringstream o;
  o << std::setprecision(10) << v;
  return o.str();
}

// The checks shared by every way a summary comes in; `where` names the row ("line 5" / "row 5").
void check_summary_row(const std::string& where, double f, double rec, double T, double m) {
  auto bad = [&](const char* col, const std::string& what) {
    throw InputError(where + ", column \"" + col + "\": " + what);
  };
  auto finite_nonneg = [&](const char* col, double v) {
    if (std::isnan(v)) bad(col, "is NaN (a number is required)");
    if (!std::isfinite(v)) bad(col, "is infinite");
    if (v < 0) bad(col, fmt(v) + " is negative (must be >= 0)");
  };
  finite_nonneg("frequency", f);
  finite_nonneg("recency", rec);
  finite_nonneg("T", T);
  if (f != std::floor(f)) bad("frequency", fmt(f) + " is not a whole number of repeat purchases");
  if (rec > T) bad("recency", fmt(rec) + " is greater than T = " + fmt(T) + " (the last purchase cannot be after the end of observation)");
  if (f == 0 && rec != 0) bad("recency", fmt(rec) + " with frequency 0 (recency must be 0 when there is no repeat purchase)");
  if (!std::isnan(m)) {
    if (!std::isfinite(m)) bad("monetary_value", "is infinite");
    if (m < 0) bad("monetary_value", fmt(m) + " is negative (must be >= 0)");
  }
}

// ─── CSV of a summary table ───

std::vector<std::string> split_csv_line(std::string_view line, size_t line_no) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += ch;
      }
    } else if (ch == '"' && cur.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (ch == ',') {
      out.push_back(std::move(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += ch;
    }
  }
  if (quoted) throw InputError("line " + std::to_string(line_no) + ": unterminated quoted field (fields cannot span lines)");
  out.push_back(std::move(cur));
  return out;
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

double parse_number(const std::string& text, const std::string& where, const char* col, bool allow_empty) {
  std::string t = trim(text);
  if (t.empty()) {
    if (allow_empty) return kNaN;
    throw InputError(where + ", column \"" + col + "\": empty (a number is required)");
  }
  std::string lower = t;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "nan" || lower == "-nan" || lower == "+nan")
    throw InputError(where + ", column \"" + col + "\": is NaN (a number is required)");
  // Plain decimal only: strtod would also take hex and "inf", which no export means.
  size_t i = 0;
  if (t[i] == '+' || t[i] == '-') ++i;
  bool digits = false, dot = false;
  for (; i < t.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(t[i]))) digits = true;
    else if (t[i] == '.' && !dot) dot = true;
    else if ((t[i] == 'e' || t[i] == 'E') && digits) {
      size_t j = i + 1;
      if (j < t.size() && (t[j] == '+' || t[j] == '-')) ++j;
      if (j == t.size()) digits = false;
      for (; j < t.size(); ++j)
        if (!std::isdigit(static_cast<unsigned char>(t[j]))) digits = false;
      i = t.size();
      break;
    } else {
      digits = false;
      break;
    }
  }
  if (!digits) throw InputError(where + ", column \"" + col + "\": \"" + t + "\" is not a number");
  return std::strtod(t.c_str(), nullptr);
}

// ─── BG/NBD on distinct (x, t_x, T) triples ───

struct Triples {
  std::vector<double> x, tx, T, weight;
  std::vector<size_t> of_row;     // row -> triple
  std::vector<double> distinct_x;
  std::vector<size_t> x_index;    // triple -> distinct_x
};

Triples distinct_triples(const PurchaseSummary& s, double time_scale) {
  Triples t;
  std::vector<size_t> order(s.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](size_t i) { return std::make_tuple(s.frequency[i], s.recency[i], s.T[i]); };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  t.of_row.resize(s.size());
  for (size_t k = 0; k < order.size(); ++k) {
    size_t i = order[k];
    if (k == 0 || key(i) != key(order[k - 1])) {
      t.x.push_back(s.frequency[i]);
      t.tx.push_back(s.recency[i] * time_scale);
      t.T.push_back(s.T[i] * time_scale);
      t.weight.push_back(0);
    }
    t.weight.back() += 1;
    t.of_row[i] = t.x.size() - 1;
  }
  t.distinct_x = t.x;
  std::sort(t.distinct_x.begin(), t.distinct_x.end());
  t.distinct_x.erase(std::unique(t.distinct_x.begin(), t.distinct_x.end()), t.distinct_x.end());
  for (double x : t.x)
    t.x_index.push_back(static_cast<size_t>(std::lower_bound(t.distinct_x.begin(), t.distinct_x.end(), x) -
                                            t.distinct_x.begin()));
  return t;
}

// Sum of log-likelihoods over the triples (weighted), with the x-only terms computed once per
// distinct x: the same terms as bgnbd_log_likelihood, arranged for speed.
double bgnbd_total_ll(const BgNbdParams& p, const Triples& t, std::vector<double>& c1, std::vector<double>& c2,
                      std::vector<double>& c3) {
  const size_t nx = t.distinct_x.size();
  c1.resize(nx), c2.resize(nx), c3.resize(nx);
  const double lg_r = std::lgamma(p.r), r_log_alpha = p.r * std::log(p.alpha);
  const double lg_ab = std::lgamma(p.a + p.b), lg_b = std::lgamma(p.b), log_a = std::log(p.a);
  for (size_t k = 0; k < nx; ++k) {
    const double x = t.distinct_x[k];
    c1[k] = std::lgamma(p.r + x) - lg_r + r_log_alpha + lg_ab + std::lgamma(p.b + x) - lg_b - std::lgamma(p.a + p.b + x);
    c2[k] = x > 0 ? log_a - std::log(p.b + x - 1) : 0;
    c3[k] = p.r + x;
  }
  double ll = 0;
  for (size_t i = 0; i < t.x.size(); ++i) {
    const size_t k = t.x_index[i];
    double v = -c3[k] * std::log(p.alpha + t.T[i]);
    if (t.x[i] > 0) v = log_add_exp(v, c2[k] - c3[k] * std::log(p.alpha + t.tx[i]));
    ll += t.weight[i] * (c1[k] + v);
  }
  return ll;
}

// Random draws for the simulator, from basic arithmetic only (same numbers native and WASM).
double gamma_draw(Rng& rng, double shape) {
  if (shape < 1) {
    // Boost: Gamma(shape) = Gamma(shape + 1) * U^(1/shape).
    double u = rng.uniform();
    while (u == 0) u = rng.uniform();
    return gamma_draw(rng, shape + 1) * portable_exp(portable_log(u) / shape);
  }
  // Marsaglia & Tsang (2000).
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9 * d);
  for (;;) {
    double z = rng.normal(), v = 1 + c * z;
    if (v <= 0) continue;
    v = v * v * v;
    double u = rng.uniform();
    if (u == 0) continue;
    if (portable_log(u) < 0.5 * z * z + d - d * v + d * portable_log(v)) return d * v;
  }
}

const char* unit_name(ChurnTimeUnit u) { return u == ChurnTimeUnit::kDays ? "days" : "weeks"; }

}  // namespace

// ───────────────────────────── Summaries ─────────────────────────────

PurchaseSummary purchase_summary(const EventLog& log, const PurchaseSummaryOptions& o, PurchaseSummaryReport* report) {
  PurchaseSummaryReport rep;
  rep.unit = o.unit;
  const int64_t unit_ms = o.unit == ChurnTimeUnit::kDays ? kDayMs : 7 * kDayMs;
  const size_t n = log.size();
  if (n == 0) throw InputError("the event log is empty: the churn model needs purchases");
  int64_t as_of = o.as_of_ms;
  if (as_of == kAsOfLastEvent) as_of = *std::max_element(log.ts_ms.begin(), log.ts_ms.end());
  rep.as_of_ms = as_of;
  // Weeks start on Monday (ISO 8601); the epoch, 1970-01-01, was a Thursday.
  const int64_t shift = o.unit == ChurnTimeUnit::kWeeks ? 3 * kDayMs : 0;
  const int64_t as_of_period = floor_div(as_of + shift, unit_ms);
  const int32_t kPurchase = static_cast<int32_t>(EventType::kPurchase);
  struct P {
    int32_t user;
    int64_t period;
    double amount;
  };
  std::vector<P> ps;
  std::vector<uint8_t> seen(log.users.size(), 0);
  for (size_t i = 0; i < n; ++i) {
    seen[log.user[i]] = 1;
    if (log.event[i] != kPurchase) continue;
    if (log.ts_ms[i] > as_of) {
      ++rep.purchases_after_as_of;
      continue;
    }
    ++rep.purchases;
    if (!EventLog::has_amount(log.amount[i])) ++rep.purchases_without_amount;
    ps.push_back({log.user[i], floor_div(log.ts_ms[i] + shift, unit_ms), log.amount[i]});
  }
  std::stable_sort(ps.begin(), ps.end(),
                   [](const P& a, const P& b) { return a.user != b.user ? a.user < b.user : a.period < b.period; });
  PurchaseSummary s;
  for (size_t i = 0; i < ps.size();) {
    const int32_t u = ps[i].user;
    const int64_t first = ps[i].period;
    int64_t last = first, periods = 0;
    double repeat_sum = 0;
    size_t repeat_periods_with_amount = 0;
    while (i < ps.size() && ps[i].user == u) {
      const int64_t per = ps[i].period;
      ++periods;
      double period_sum = 0;
      bool any_amount = false;
      bool first_in_period = true;
      for (; i < ps.size() && ps[i].user == u && ps[i].period == per; ++i) {
        if (!first_in_period) ++rep.purchases_merged;
        first_in_period = false;
        if (EventLog::has_amount(ps[i].amount)) {
          period_sum += ps[i].amount;
          any_amount = true;
        }
      }
      if (per != first && any_amount) {
        repeat_sum += period_sum;
        ++repeat_periods_with_amount;
      }
      last = per;
    }
    s.learners.push_back(log.users.name(u));
    s.frequency.push_back(static_cast<double>(periods - 1));
    s.recency.push_back(static_cast<double>(last - first));
    s.T.push_back(static_cast<double>(as_of_period - first));
    s.monetary.push_back(periods == 1 ? 0.0
                         : repeat_periods_with_amount ? repeat_sum / static_cast<double>(repeat_periods_with_amount)
                                                      : kNaN);
  }
  for (uint8_t v : seen) rep.learners += v;
  rep.learners_without_purchase = rep.learners - s.size();
  if (report) *report = rep;
  return s;
}

void validate_purchase_summary(const PurchaseSummary& s, std::string_view row_word) {
  const size_t n = s.learners.size();
  if (s.frequency.size() != n || s.recency.size() != n || s.T.size() != n || s.monetary.size() != n)
    throw InputError("the summary columns learner, frequency, recency, T and monetary_value must have the same length");
  for (size_t i = 0; i < n; ++i)
    check_summary_row(std::string(row_word) + " " + std::to_string(i + 1), s.frequency[i], s.recency[i], s.T[i],
                      s.monetary[i]);
}

PurchaseSummary read_purchase_summary_csv(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  PurchaseSummary s;
  size_t line_no = 0, pos = 0;
  int col_learner = -1, col_f = -1, col_r = -1, col_T = -1, col_m = -1;
  std::unordered_map<std::string, size_t> first_line;
  size_t n_cols = 0;
  bool header = false;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    // Ids and messages quoting a value become JSON: the text must be valid UTF-8 (found by fuzzing).
    if (const char* why = check_text(line)) throw InputError("line " + std::to_string(line_no) + ": " + why);
    auto fields = split_csv_line(line, line_no);
    if (!header) {
      header = true;
      n_cols = fields.size();
      for (size_t c = 0; c < fields.size(); ++c) {
        std::string name = trim(fields[c]);
        auto set = [&](int& slot) {
          if (slot >= 0)
            throw InputError("line " + std::to_string(line_no) + ": duplicate column \"" + name + "\" in the header");
          slot = static_cast<int>(c);
        };
        if (name == "learner" || name == "learner_id" || name == "user_id" || name == "customer_id") set(col_learner);
        else if (name == "frequency") set(col_f);
        else if (name == "recency") set(col_r);
        else if (name == "T") set(col_T);
        else if (name == "monetary_value" || name == "monetary") set(col_m);
      }
      const char* missing = col_learner < 0 ? "learner" : col_f < 0 ? "frequency" : col_r < 0 ? "recency" : col_T < 0 ? "T" : nullptr;
      if (missing)
        throw InputError(std::string("line 1: missing required column \"") + missing +
                         "\" (the header needs learner, frequency, recency, T; monetary_value is optional)");
      continue;
    }
    const std::string where = "line " + std::to_string(line_no);
    if (fields.size() != n_cols)
      throw InputError(where + ": " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(n_cols));
    std::string id = trim(fields[static_cast<size_t>(col_learner)]);
    if (id.empty()) throw InputError(where + ", column \"learner\": empty (a learner id is required)");
    double f = parse_number(fields[static_cast<size_t>(col_f)], where, "frequency", false);
    double r = parse_number(fields[static_cast<size_t>(col_r)], where, "recency", false);
    double T = parse_number(fields[static_cast<size_t>(col_T)], where, "T", false);
    double m = col_m >= 0 ? parse_number(fields[static_cast<size_t>(col_m)], where, "monetary_value", true) : kNaN;
    if (col_m < 0 && f == 0) m = 0;
    check_summary_row(where, f, r, T, m);
    auto [it, fresh] = first_line.emplace(id, line_no);
    if (!fresh)
      throw InputError(where + ", column \"learner\": duplicate learner \"" + id + "\" (first on line " +
                       std::to_string(it->second) + "); a summary has one row per learner");
    s.learners.push_back(std::move(id));
    s.frequency.push_back(f);
    s.recency.push_back(r);
    s.T.push_back(T);
    s.monetary.push_back(m);
  }
  if (!header) throw InputError("the summary table is empty (expected a header: learner,frequency,recency,T)");
  if (s.size() == 0) throw InputError("the summary table has a header but no rows");
  return s;
}

PurchaseSummary purchase_summary_from_json(const nlohmann::json& rows) {
  if (!rows.is_array()) throw InputError("the summary must be an array of rows like {learner, frequency, recency, T}");
  if (rows.empty()) throw InputError("the summary has no rows");
  PurchaseSummary s;
  std::unordered_map<std::string, size_t> first_row;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const std::string where = "row " + std::to_string(i + 1);
    if (!row.is_object()) throw InputError(where + ": must be an object like {learner, frequency, recency, T}");
    auto field = [&](const char* name, bool optional, const char* alt = nullptr) {
      auto it = row.find(name);
      if (it == row.end() && alt) it = row.find(alt);
      if (it == row.end() || it->is_null()) {
        if (optional) return kNaN;
        throw InputError(where + ", column \"" + name + "\": missing or not a number (NaN)");
      }
      if (!it->is_number()) throw InputError(where + ", column \"" + name + "\": must be a number, got " + it->dump());
      return it->get<double>();
    };
    auto id = row.find("learner");
    if (id == row.end() || !(id->is_string() || id->is_number()))
      throw InputError(where + ", column \"learner\": a learner id (string) is required");
    s.learners.push_back(id->is_string() ? id->get<std::string>() : id->dump());
    auto [seen, fresh] = first_row.emplace(s.learners.back(), i + 1);
    if (!fresh)
      throw InputError(where + ", column \"learner\": duplicate learner \"" + s.learners.back() + "\" (first in row " +
                       std::to_string(seen->second) + "); a summary has one row per learner");
    s.frequency.push_back(field("frequency", false));
    s.recency.push_back(field("recency", false));
    s.T.push_back(field("T", false));
    double m = field("monetary_value", true, "monetary");
    if (std::isnan(m) && s.frequency.back() == 0) m = 0;
    s.monetary.push_back(m);
    check_summary_row(where, s.frequency.back(), s.recency.back(), s.T.back(), s.monetary.back());
  }
  return s;
}

// ───────────────────────────── BG/NBD ─────────────────────────────

double bgnbd_log_likelihood(const BgNbdParams& p, double x, double t_x, double T) {
  const double a1 = std::lgamma(p.r + x) - std::lgamma(p.r) + p.r * std::log(p.alpha);
  const double a2 = std::lgamma(p.a + p.b) + std::lgamma(p.b + x) - std::lgamma(p.b) - std::lgamma(p.a + p.b + x);
  const double a3 = -(p.r + x) * std::log(p.alpha + T);
  if (x <= 0) return a1 + a2 + a3;
  const double a4 = std::log(p.a) - std::log(p.b + x - 1) - (p.r + x) * std::log(p.alpha + t_x);
  return a1 + a2 + log_add_exp(a3, a4);
}

BgNbdFit fit_bgnbd(const PurchaseSummary& s, const BgNbdFitOptions& o) {
  if (o.max_evaluations < 100 || o.max_evaluations > 10'000'000)
    throw InputError("option \"maxEvaluations\" must be between 100 and 10000000");
  if (!(o.penalizer >= 0) || !std::isfinite(o.penalizer))
    throw InputError("option \"penalizer\" must be a finite number >= 0");
  BgNbdFit fit;
  fit.learners = s.size();
  for (double f : s.frequency) fit.repeat_learners += f > 0;
  if (s.size() < 2)
    throw InputError("the churn model needs at least 2 learners with a purchase; got " + std::to_string(s.size()));
  if (fit.repeat_learners == 0)
    throw InputError("no learner made a repeat purchase (every frequency is 0): the churn model cannot be "
                     "estimated, since nothing in the data shows how often learners come back");
  double max_T = *std::max_element(s.T.begin(), s.T.end());
  if (!(max_T > 0)) throw InputError("every learner has T = 0: no time has passed since the first purchases");
  // Fit with time rescaled so the longest T is 10 (as lifetimes does): keeps alpha near 1.
  const double scale = 10.0 / max_T;
  Triples t = distinct_triples(s, scale);
  const double n = static_cast<double>(s.size());
  std::vector<double> c1, c2, c3;
  int evaluations = 0;
  auto objective = [&](const std::vector<double>& th) {
    // The number of evaluations to convergence is unknown (typically 1,000-3,000): an estimate.
    if (++evaluations % 50 == 0) o.progress.at("BG/NBD fit", evaluations / (evaluations + 1500.0));
    BgNbdParams p{std::exp(th[0]), std::exp(th[1]), std::exp(th[2]), std::exp(th[3])};
    double pen = o.penalizer * (p.r * p.r + p.alpha * p.alpha + p.a * p.a + p.b * p.b);
    return -bgnbd_total_ll(p, t, c1, c2, c3) / n + pen;
  };
  NelderMeadOptions nm;
  nm.max_evaluations = o.max_evaluations;
  std::vector<double> lo(4, kLogLo), hi(4, kLogHi);
  auto r = minimize_nelder_mead(objective, {0, 0, 0, 0}, lo, hi, nm);
  fit.params = {std::exp(r.x[0]), std::exp(r.x[1]) / scale, std::exp(r.x[2]), std::exp(r.x[3])};
  fit.evaluations = r.evaluations;
  fit.converged = r.converged;
  if (!r.converged) fit.warnings.push_back("the fit stopped at maxEvaluations before converging");
  const char* names[] = {"r", "alpha", "a", "b"};
  for (int k = 0; k < 4; ++k)
    if (r.x[k] <= kLogLo + 0.5 || r.x[k] >= kLogHi - 0.5)
      fit.warnings.push_back(std::string("parameter ") + names[k] +
                             " ran to the edge of its range: the data do not identify it (too few learners or repeat purchases?)");
  if (fit.params.a > 1e4 && fit.params.b > 1e4)
    fit.warnings.push_back("a and b are very large: every learner has about the same dropout probability per "
                           "purchase (a/(a+b) = " + fmt(fit.params.a / (fit.params.a + fit.params.b)) +
                           "); the data show no heterogeneity in dropout");
  Triples orig = distinct_triples(s, 1.0);
  fit.log_likelihood = bgnbd_total_ll(fit.params, orig, c1, c2, c3);
  o.progress.at("BG/NBD fit", 1);
  return fit;
}

double bgnbd_p_alive(const BgNbdParams& p, double x, double t_x, double T) {
  if (x <= 0) return 1.0;
  const double z = std::log(p.a) - std::log(p.b + x - 1) + (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
  return std::exp(-log_add_exp(0.0, z));
}

double hypergeometric_2f1(double a, double b, double c, double z) {
  if (!(z >= 0 && z < 1)) throw InputError("hypergeometric_2f1: z must be in [0, 1), got " + fmt(z));
  // Euler's transformation 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a,c-b;c;z) when it makes the terms
  // decay faster (their polynomial factor is n^(a+b-c-1)).
  double factor = 1;
  if (a + b - c > 0) {
    factor = std::pow(1 - z, c - a - b);
    double a2 = c - a, b2 = c - b;
    a = a2;
    b = b2;
  }
  double sum = 1, term = 1;
  for (long n = 0; n < 50'000'000; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (std::abs(term) <= 1e-16 * std::abs(sum)) return factor * sum;
    if (term == 0) return factor * sum;
  }
  throw InputError("the prediction horizon is too long for the fitted model (series did not converge); use a shorter horizon");
}

double bgnbd_expected_purchases(const BgNbdParams& p, double t, double x, double t_x, double T) {
  if (t <= 0) return 0;
  // The closed form has a removable singularity at a = 1; average the two sides.
  if (std::abs(p.a - 1) < 1e-7) {
    BgNbdParams lo = p, hi = p;
    lo.a = 1 - 1e-6;
    hi.a = 1 + 1e-6;
    return 0.5 * (bgnbd_expected_purchases(lo, t, x, t_x, T) + bgnbd_expected_purchases(hi, t, x, t_x, T));
  }
  const double z = t / (p.alpha + T + t);
  const double hyp = hypergeometric_2f1(p.r + x, p.b + x, p.a + p.b + x - 1, z);
  const double first = (p.a + p.b + x - 1) / (p.a - 1);
  const double second = 1 - hyp * std::exp((p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + T + t)));
  return first * second * bgnbd_p_alive(p, x, t_x, T);
}

double bgnbd_expected_purchases_new(const BgNbdParams& p, double t) {
  if (t <= 0) return 0;
  if (std::abs(p.a - 1) < 1e-7) {
    BgNbdParams lo = p, hi = p;
    lo.a = 1 - 1e-6;
    hi.a = 1 + 1e-6;
    return 0.5 * (bgnbd_expected_purchases_new(lo, t) + bgnbd_expected_purchases_new(hi, t));
  }
  const double hyp = hypergeometric_2f1(p.r, p.b, p.a + p.b - 1, t / (p.alpha + t));
  return (p.a + p.b - 1) / (p.a - 1) * (1 - std::pow(p.alpha / (p.alpha + t), p.r) * hyp);
}

PurchaseSummary simulate_bgnbd(const BgNbdParams& params, size_t n, double T_min, double T_max, uint64_t seed,
                               const std::optional<GammaGammaParams>& spend) {
  if (!(params.r > 0 && params.alpha > 0 && params.a > 0 && params.b > 0))
    throw InputError("simulate: r, alpha, a and b must all be > 0");
  if (!(T_min >= 0 && T_max >= T_min && std::isfinite(T_max)))
    throw InputError("simulate: need 0 <= T_min <= T_max");
  Rng rng(seed);
  PurchaseSummary s;
  for (size_t i = 0; i < n; ++i) {
    const double lambda = gamma_draw(rng, params.r) / params.alpha;
    const double ga = gamma_draw(rng, params.a), gb = gamma_draw(rng, params.b);
    const double p = ga / (ga + gb);
    const double T = T_min + (T_max - T_min) * rng.uniform();
    double nu = 0;
    if (spend) nu = gamma_draw(rng, spend->q) / spend->gamma;
    double t = 0, t_x = 0, total = 0;
    size_t x = 0;
    for (;;) {
      t += rng.exponential(1.0 / lambda);
      if (t > T) break;
      ++x;
      t_x = t;
      if (spend) total += gamma_draw(rng, spend->p) / nu;
      if (rng.bernoulli(p)) break;  // drops out after this purchase
    }
    s.learners.push_back("sim-" + std::to_string(i + 1));
    s.frequency.push_back(static_cast<double>(x));
    s.recency.push_back(t_x);
    s.T.push_back(T);
    s.monetary.push_back(x > 0 && spend ? total / static_cast<double>(x) : x > 0 ? kNaN : 0.0);
  }
  return s;
}

// ───────────────────────────── The whole analysis ─────────────────────────────

ChurnOptions churn_options_from_json(const nlohmann::json& j) {
  ChurnOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("churn options must be an object");
  auto number = [](const std::string& k, const nlohmann::json& v, double lo, double hi) {
    if (!v.is_number()) throw InputError("option \"" + k + "\" must be a number between " + fmt(lo) + " and " + fmt(hi));
    double d = v.get<double>();
    if (!(d >= lo && d <= hi)) throw InputError("option \"" + k + "\" must be between " + fmt(lo) + " and " + fmt(hi) + ", got " + fmt(d));
    return d;
  };
  auto integer = [&](const std::string& k, const nlohmann::json& v, double lo, double hi) {
    double d = number(k, v, lo, hi);
    if (d != std::floor(d)) throw InputError("option \"" + k + "\" must be a whole number, got " + fmt(d));
    return static_cast<int>(d);
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "unit") {
      if (v == "days" || v == "day") o.summary.unit = ChurnTimeUnit::kDays;
      else if (v == "weeks" || v == "week") o.summary.unit = ChurnTimeUnit::kWeeks;
      else throw InputError("option \"unit\" must be \"days\" or \"weeks\"");
    } else if (k == "asOf") {
      if (v.is_null()) continue;
      if (!v.is_string()) throw InputError("option \"asOf\" must be a date like \"2025-12-31\" (or an ISO timestamp)");
      auto t = parse_timestamp(v.get<std::string>());
      if (!t.ok) throw InputError("option \"asOf\": \"" + v.get<std::string>() + "\" " + t.problem);
      o.summary.as_of_ms = t.ms;
    } else if (k == "horizon") {
      o.horizon = number(k, v, 0, 100000);
    } else if (k == "clvPeriods") {
      o.clv.periods = integer(k, v, 1, 1200);
    } else if (k == "clvStep") {
      o.clv.step = number(k, v, 1e-6, 100000);
    } else if (k == "discountRate") {
      o.clv.discount_rate = number(k, v, 0, 10);
    } else if (k == "margin") {
      o.clv.margin = number(k, v, 0, 1);
    } else if (k == "penalizer") {
      o.fit.penalizer = number(k, v, 0, 1e6);
    } else if (k == "maxEvaluations") {
      o.fit.max_evaluations = integer(k, v, 100, 10'000'000);
    } else {
      throw InputError("unknown churn option \"" + k +
                       "\" (known: unit, asOf, horizon, clvPeriods, clvStep, discountRate, margin, penalizer, maxEvaluations)");
    }
  }
  return o;
}

ChurnAnalysis analyze_churn(PurchaseSummary summary, const ChurnOptions& o) {
  validate_purchase_summary(summary);
  ChurnAnalysis a;
  BgNbdFitOptions fo = o.fit;
  if (o.progress) fo.progress = o.progress.part(0, 0.75);
  a.model = fit_bgnbd(summary, fo);
  o.progress.at("spend model", 0.75);
  a.horizon = o.horizon;
  a.clv_options = o.clv;
  const size_t n = summary.size();
  try {
    a.spend = fit_gamma_gamma(summary.frequency, summary.monetary, o.fit.max_evaluations, o.fit.penalizer,
                              o.progress.part(0.75, 0.85));
    if (!std::isfinite(a.spend->mean_spend)) a.spend_note = "q <= 1: expected spend per purchase is undefined";
  } catch (const InputError& e) {
    a.spend_note = e.what();
  }
  const bool have_spend = a.spend && std::isfinite(a.spend->mean_spend);
  o.progress.at("scoring learners", 0.85);
  // Predictions depend only on (x, t_x, T): compute once per distinct triple.
  Triples t = distinct_triples(summary, 1.0);
  const BgNbdParams& p = a.model.params;
  std::vector<double> alive(t.x.size()), expect(t.x.size()), future(t.x.size());
  std::vector<double> clv_units(t.x.size(), 0);  // discounted expected purchases over the CLV horizon
  for (size_t k = 0; k < t.x.size(); ++k) {
    if ((k & 255) == 0) o.progress.at("scoring learners", 0.85 + 0.15 * static_cast<double>(k) / static_cast<double>(t.x.size()));
    alive[k] = bgnbd_p_alive(p, t.x[k], t.tx[k], t.T[k]);
    expect[k] = bgnbd_expected_purchases(p, o.horizon, t.x[k], t.tx[k], t.T[k]);
    if (have_spend) {
      double prev = 0, disc = 1;
      for (int step = 1; step <= o.clv.periods; ++step) {
        double cum = bgnbd_expected_purchases(p, o.clv.step * step, t.x[k], t.tx[k], t.T[k]);
        disc /= 1 + o.clv.discount_rate;
        clv_units[k] += (cum - prev) * disc;
        prev = cum;
      }
    }
  }
  a.p_alive.resize(n);
  a.expected_purchases.resize(n);
  a.expected_spend.assign(n, kNaN);
  a.clv.assign(n, kNaN);
  for (size_t i = 0; i < n; ++i) {
    const size_t k = t.of_row[i];
    a.p_alive[i] = alive[k];
    a.expected_purchases[i] = expect[k];
    if (have_spend) {
      a.expected_spend[i] = gamma_gamma_expected_spend(a.spend->params, summary.frequency[i], summary.monetary[i]);
      a.clv[i] = o.clv.margin * a.expected_spend[i] * clv_units[k];
    }
  }
  a.summary = std::move(summary);
  o.progress.at("scoring learners", 1);
  return a;
}

ChurnAnalysis analyze_churn(const EventLog& log, const ChurnOptions& o) {
  PurchaseSummaryReport rep;
  o.progress.at("purchase summary", 0);
  PurchaseSummary s = purchase_summary(log, o.summary, &rep);
  if (s.size() == 0)
    throw InputError("no learner has a purchase up to asOf (" + format_timestamp(rep.as_of_ms) +
                     "): the churn model needs purchases");
  ChurnOptions rest = o;
  if (o.progress) rest.progress = o.progress.part(0.1, 0.95);
  ChurnAnalysis a = analyze_churn(std::move(s), rest);
  a.report = rep;
  o.progress.at("conversion per community", 0.95);
  a.conversion = conversion_by_community(log);
  o.progress.at("conversion per community", 1);
  return a;
}

namespace {
nlohmann::json num_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
}  // namespace

nlohmann::json to_json(const ChurnAnalysis& a, bool with_learners) {
  const auto& p = a.model.params;
  nlohmann::json j;
  j["model"] = {{"r", p.r},
                {"alpha", p.alpha},
                {"a", p.a},
                {"b", p.b},
                {"logLikelihood", a.model.log_likelihood},
                {"learners", a.model.learners},
                {"repeatLearners", a.model.repeat_learners},
                {"evaluations", a.model.evaluations},
                {"converged", a.model.converged},
                {"warnings", a.model.warnings}};
  j["spend"] = a.spend ? to_json(*a.spend) : nlohmann::json();
  j["spendNote"] = a.spend_note;
  j["horizon"] = a.horizon;
  double sum_alive = 0, sum_expect = 0, sum_clv = 0;
  size_t n_clv = 0;
  for (size_t i = 0; i < a.p_alive.size(); ++i) {
    sum_alive += a.p_alive[i];
    sum_expect += a.expected_purchases[i];
    if (std::isfinite(a.clv[i])) sum_clv += a.clv[i], ++n_clv;
  }
  const double n = static_cast<double>(std::max<size_t>(1, a.p_alive.size()));
  j["totals"] = {{"learners", a.p_alive.size()},
                 {"meanPAlive", sum_alive / n},
                 {"expectedPurchases", sum_expect},
                 {"clv", n_clv ? nlohmann::json(sum_clv) : nlohmann::json()},
                 {"meanClv", n_clv ? nlohmann::json(sum_clv / static_cast<double>(n_clv)) : nlohmann::json()}};
  j["clvOptions"] = {{"periods", a.clv_options.periods},
                     {"step", a.clv_options.step},
                     {"discountRate", a.clv_options.discount_rate},
                     {"margin", a.clv_options.margin}};
  if (a.report) {
    const auto& r = *a.report;
    j["unit"] = unit_name(r.unit);
    j["asOf"] = format_timestamp(r.as_of_ms);
    j["ingest"] = {{"learners", r.learners},
                   {"learnersWithoutPurchase", r.learners_without_purchase},
                   {"purchases", r.purchases},
                   {"purchasesAfterAsOf", r.purchases_after_as_of},
                   {"purchasesMergedSamePeriod", r.purchases_merged},
                   {"purchasesWithoutAmount", r.purchases_without_amount}};
  } else {
    j["unit"] = nullptr;
    j["asOf"] = nullptr;
    j["ingest"] = nullptr;
  }
  j["conversion"] = a.conversion ? to_json(*a.conversion) : nlohmann::json();
  if (with_learners) {
    nlohmann::json rows = nlohmann::json::array();
    const auto& s = a.summary;
    for (size_t i = 0; i < s.size(); ++i)
      rows.push_back({{"learner", s.learners[i]},
                      {"frequency", s.frequency[i]},
                      {"recency", s.recency[i]},
                      {"T", s.T[i]},
                      {"monetary", num_or_null(s.monetary[i])},
                      {"pAlive", a.p_alive[i]},
                      {"expectedPurchases", a.expected_purchases[i]},
                      {"expectedSpend", num_or_null(a.expected_spend[i])},
                      {"clv", num_or_null(a.clv[i])}});
    j["learners"] = rows;
  }
  return j;
}

std::string to_text(const ChurnAnalysis& a, size_t top) {
  std::ostringstream o;
  const auto& p = a.model.params;
  const char* unit = a.report ? unit_name(a.report->unit) : "periods";
  if (a.report) {
    const auto& r = *a.report;
    o << "as of " << format_timestamp(r.as_of_ms) << ", time in " << unit << "\n"
      << r.learners << " learners, " << a.summary.size() << " with a purchase (" << r.learners_without_purchase
      << " without: not in the model), " << r.purchases << " purchases";
    if (r.purchases_after_as_of) o << ", " << r.purchases_after_as_of << " after asOf ignored";
    if (r.purchases_merged) o << ", " << r.purchases_merged << " in an already-counted " << (unit[0] == 'd' ? "day" : "week");
    if (r.purchases_without_amount) o << ", " << r.purchases_without_amount << " without amount";
    o << "\n\n";
  }
  o << "BG/NBD (Fader, Hardie & Lee 2005): r = " << fmt(p.r) << ", alpha = " << fmt(p.alpha) << ", a = " << fmt(p.a)
    << ", b = " << fmt(p.b) << "\n  log-likelihood " << fmt(a.model.log_likelihood) << " over " << a.model.learners
    << " learners (" << a.model.repeat_learners << " with repeat purchases), " << a.model.evaluations
    << " evaluations" << (a.model.converged ? "" : ", NOT converged") << "\n";
  for (const auto& w : a.model.warnings) o << "  warning: " << w << "\n";
  if (a.spend) {
    const auto& g = *a.spend;
    o << "Gamma-Gamma spend: p = " << fmt(g.params.p) << ", q = " << fmt(g.params.q) << ", gamma = " << fmt(g.params.gamma)
      << ", mean spend per purchase " << fmt(g.mean_spend) << " (" << g.learners << " learners; corr(frequency, spend) = "
      << fmt(g.frequency_monetary_correlation) << ")\n";
    for (const auto& w : g.warnings) o << "  warning: " << w << "\n";
  } else {
    o << "no spend model: " << a.spend_note << "\n";
  }
  double sum_alive = 0, sum_expect = 0;
  for (size_t i = 0; i < a.p_alive.size(); ++i) sum_alive += a.p_alive[i], sum_expect += a.expected_purchases[i];
  o << "\nmean P(alive) " << fmt(sum_alive / static_cast<double>(std::max<size_t>(1, a.p_alive.size())))
    << "; expected purchases in the next " << fmt(a.horizon) << " " << unit << ": " << fmt(sum_expect) << "\n";
  // Who to win back: repeat buyers (they came back before) now least likely to be active.
  std::vector<size_t> idx;
  for (size_t i = 0; i < a.summary.size(); ++i)
    if (a.summary.frequency[i] > 0) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) {
    return a.p_alive[x] != a.p_alive[y] ? a.p_alive[x] < a.p_alive[y] : a.summary.frequency[x] > a.summary.frequency[y];
  });
  if (!idx.empty()) {
    o << "\nrepeat buyers most at risk       freq  recency        T  P(alive)  exp.purchases          CLV\n";
    for (size_t k = 0; k < std::min(top, idx.size()); ++k) {
      size_t i = idx[k];
      o << std::left << std::setw(30) << a.summary.learners[i] << std::right << std::fixed << std::setprecision(0)
        << std::setw(7) << a.summary.frequency[i] << std::setprecision(1) << std::setw(9) << a.summary.recency[i]
        << std::setw(9) << a.summary.T[i] << std::setprecision(3) << std::setw(10) << a.p_alive[i] << std::setw(15)
        << a.expected_purchases[i] << std::setprecision(2) << std::setw(13) << a.clv[i] << "\n";
      o.unsetf(std::ios::fixed);
    }
  }
  if (a.conversion) o << "\nconversion per community\n" << to_text(*a.conversion);
  return o.str();
}

}  // namespace circlewise
