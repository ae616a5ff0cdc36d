#include "circlewise/ltv.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

std::string fmt(double x) {
  return format_general(x, 10);
}

double number(const nlohmann::json& v, const std::string& name) {
  if (!v.is_number()) throw InputError("option \"" + name + "\" must be a number");
  double x = v.get<double>();
  if (!std::isfinite(x)) throw InputError("option \"" + name + "\" must be finite");
  return x;
}

std::vector<double> numbers(const nlohmann::json& v, const std::string& name) {
  if (!v.is_array()) throw InputError("option \"" + name + "\" must be an array of numbers");
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(number(v[i], name + "[" + std::to_string(i) + "]"));
  return out;
}

// Per-customer value stream: `head` (margin-adjusted, discounted value of periods 0..T−1), then
// geometrically head.back()·q^k for k = 1, 2, ... when q > 0.
struct ValueStream {
  std::vector<double> head;
  double q = 0;
  double at(size_t t) const {
    if (t < head.size()) return head[t];
    if (q <= 0 || head.empty()) return 0;
    return head.back() * std::pow(q, static_cast<double>(t - head.size() + 1));
  }
  double tail_total() const { return q > 0 && !head.empty() ? head.back() * q / (1 - q) : 0; }
};

// Smallest number of periods whose value reaches `cac`, or -1 if the whole stream does not.
int64_t payback(const ValueStream& s, double cac) {
  double cum = 0;
  for (size_t t = 0; t < s.head.size(); ++t) {
    cum += s.head[t];
    if (cum >= cac) return static_cast<int64_t>(t + 1);
  }
  if (s.q <= 0 || s.head.empty() || cum + s.tail_total() < cac) return -1;
  // Σ_{j=1..k} v·q^j = v·q(1−q^k)/(1−q) >= cac − cum  ⇔  k >= log(1 − R(1−q)/q) / log q, R = (cac − cum)/v.
  const double v = s.head.back(), need = (cac - cum) / v;
  const double arg = 1 - need * (1 - s.q) / s.q;
  if (!(arg > 0)) return -1;
  double k = std::ceil(std::log(arg) / std::log(s.q));
  auto reached = [&](double kk) { return cum + v * s.q * (1 - std::pow(s.q, kk)) / (1 - s.q) >= cac; };
  k = std::max(k, 1.0);
  while (k > 1 && reached(k - 1)) --k;  // guard the rounding of the logarithms
  while (!reached(k)) ++k;
  if (k > 1e15) return -1;
  return static_cast<int64_t>(s.head.size()) + static_cast<int64_t>(k);
}

// Period-over-period retention at the end of a curve: the geometric mean of the last (up to)
// three ratios, so one noisy period does not set the whole tail. 0 when it cannot be estimated.
double tail_ratio(const std::vector<double>& curve) {
  const size_t n = curve.size();
  if (n < 2) return 0;
  const size_t lags = std::min<size_t>(3, n - 1);
  const double last = curve[n - 1], first = curve[n - 1 - lags];
  if (!(last > 0) || !(first > 0)) return 0;
  return std::pow(last / first, 1.0 / static_cast<double>(lags));
}

}  // namespace

LtvResult lifetime_value(const LtvOptions& o) {
  const int models = (o.churn >= 0) + !o.retention.empty() + !o.cohort_revenue.empty();
  if (models != 1)
    throw InputError("give exactly one of \"churn\" (simple model), \"retention\" (cohort curve with \"arpu\") or "
                     "\"cohortRevenue\" (with \"cohortSize\")");
  if (!(o.margin > 0 && o.margin <= 1)) throw InputError("option \"margin\" must be in (0, 1], got " + fmt(o.margin));
  if (!(o.discount_rate >= 0 && o.discount_rate < 1))
    throw InputError("option \"discountRate\" must be in [0, 1) per period, got " + fmt(o.discount_rate));
  if (o.horizon < 1 || o.horizon > 1200) throw InputError("option \"horizon\" must be between 1 and 1200 periods, got " + std::to_string(o.horizon));
  const bool needs_arpu = o.cohort_revenue.empty();
  if (needs_arpu && o.arpu < 0) throw InputError("option \"arpu\" (revenue per active customer per period) is required and must be >= 0");
  if (!needs_arpu && o.arpu >= 0) throw InputError("option \"arpu\" does not apply to \"cohortRevenue\" (its revenue already is the ARPU times the actives)");
  if (o.cac >= 0 && (o.marketing_spend >= 0 || o.new_customers >= 0))
    throw InputError("give either \"cac\" or \"marketingSpend\" with \"newCustomers\", not both");
  if ((o.marketing_spend >= 0) != (o.new_customers >= 0))
    throw InputError("\"marketingSpend\" and \"newCustomers\" go together (CAC = spend / new customers)");
  if (o.new_customers == 0) throw InputError("option \"newCustomers\" must be greater than 0");

  LtvResult r;
  ValueStream s;
  const double discount = 1 + o.discount_rate;
  if (o.churn >= 0) {
    if (!(o.churn > 0 && o.churn <= 1)) throw InputError("option \"churn\" must be in (0, 1] per period, got " + fmt(o.churn));
    r.model = "simple";
    s.head = {o.margin * o.arpu};
    s.q = (1 - o.churn) / discount;
    r.expected_lifetime = 1 / o.churn;
  } else {
    r.model = "cohort";
    std::vector<double> per_customer;  // undiscounted revenue per acquired customer, by period
    std::vector<double> curve;         // what the tail ratio is estimated from
    if (!o.retention.empty()) {
      if (o.retention.size() > 10000) throw InputError("option \"retention\" may have at most 10000 periods");
      bool rising = false;
      for (size_t t = 0; t < o.retention.size(); ++t) {
        const double x = o.retention[t];
        if (!(x >= 0 && x <= 1)) throw InputError("option \"retention[" + std::to_string(t) + "]\" must be a share in [0, 1], got " + fmt(x));
        if (t > 0 && x > o.retention[t - 1]) rising = true;
        per_customer.push_back(o.arpu * x);
      }
      if (rising) r.warnings.push_back("the retention curve rises somewhere (reactivations?): used as given");
      curve = o.retention;
    } else {
      if (o.cohort_revenue.size() > 10000) throw InputError("option \"cohortRevenue\" may have at most 10000 periods");
      if (!(o.cohort_size > 0)) throw InputError("option \"cohortSize\" must be greater than 0 with \"cohortRevenue\"");
      for (size_t t = 0; t < o.cohort_revenue.size(); ++t) {
        if (o.cohort_revenue[t] < 0)
          r.warnings.push_back("cohortRevenue[" + std::to_string(t) + "] is negative (refunds exceed sales): used as given");
        per_customer.push_back(o.cohort_revenue[t] / o.cohort_size);
      }
      curve = per_customer;
    }
    double factor = 1;
    for (double x : per_customer) {
      s.head.push_back(o.margin * x / factor);
      factor *= discount;
    }
    if (o.extrapolate) {
      const double ratio = tail_ratio(curve);
      if (curve.size() < 2) {
        r.warnings.push_back("one period of data: nothing to extrapolate from, LTV covers that period only");
      } else if (ratio >= 1) {
        r.warnings.push_back("the curve is not declining at its end (ratio " + fmt(ratio) +
                             "): not extrapolated, LTV covers the observed periods only");
      } else if (ratio > 0) {
        r.tail_retention = ratio;
        s.q = ratio / discount;
      }
    }
    if (!o.retention.empty()) {
      r.expected_lifetime = 0;
      for (double x : o.retention) r.expected_lifetime += x;
      if (r.tail_retention > 0) r.expected_lifetime += o.retention.back() * r.tail_retention / (1 - r.tail_retention);
    }
  }

  for (double v : s.head) r.observed_ltv += v;
  if (r.model == "simple") {
    r.observed_ltv = r.ltv = s.head[0] / (1 - s.q);
  } else {
    r.tail_ltv = s.tail_total();
    r.ltv = r.observed_ltv + r.tail_ltv;
  }
  double cum = 0;
  for (int t = 0; t < o.horizon; ++t) {
    cum += s.at(static_cast<size_t>(t));
    r.cumulative.push_back(cum);
  }

  if (o.cac >= 0 || o.marketing_spend >= 0) {
    r.cac = o.cac >= 0 ? o.cac : o.marketing_spend / o.new_customers;
    r.ltv_to_cac = r.cac > 0 ? r.ltv / r.cac : -1;
    r.payback_periods = payback(s, r.cac);
    const double first = s.head.empty() ? 0 : (o.arpu >= 0 ? o.arpu * o.margin : 0);
    if (first > 0) r.simple_payback = r.cac / first;
    if (r.payback_periods < 0)
      r.warnings.push_back("a customer's lifetime value (" + fmt(r.ltv) + ") never pays back the acquisition cost (" + fmt(r.cac) + ")");
    else if (r.ltv_to_cac >= 0 && r.ltv_to_cac < 3)
      r.warnings.push_back("LTV/CAC is below 3, the usual threshold for sustainable acquisition");
  }
  return r;
}

LtvOptions ltv_options_from_json(const nlohmann::json& j) {
  LtvOptions o;
  if (!j.is_object()) throw InputError("LTV options must be an object");
  auto non_negative = [](const nlohmann::json& v, const std::string& k) {
    double x = number(v, k);
    if (x < 0) throw InputError("option \"" + k + "\" must be 0 or more, got " + fmt(x));
    return x;
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "arpu") o.arpu = non_negative(v, k);
    else if (k == "churn") {
      o.churn = number(v, k);
      if (!(o.churn > 0 && o.churn <= 1)) throw InputError("option \"churn\" must be in (0, 1] per period, got " + fmt(o.churn));
    } else if (k == "retention") o.retention = numbers(v, k);
    else if (k == "cohortRevenue") o.cohort_revenue = numbers(v, k);
    else if (k == "cohortSize") o.cohort_size = number(v, k);
    else if (k == "extrapolate") {
      if (!v.is_boolean()) throw InputError("option \"extrapolate\" must be true or false");
      o.extrapolate = v.get<bool>();
    } else if (k == "margin") o.margin = number(v, k);
    else if (k == "discountRate") o.discount_rate = number(v, k);
    else if (k == "cac") o.cac = non_negative(v, k);
    else if (k == "marketingSpend") o.marketing_spend = non_negative(v, k);
    else if (k == "newCustomers") o.new_customers = non_negative(v, k);
    else if (k == "horizon") {
      if (!v.is_number_integer()) throw InputError("option \"horizon\" must be an integer number of periods (1..1200)");
      o.horizon = static_cast<int>(std::clamp<int64_t>(v.get<int64_t>(), -1, 100000));
    } else {
      throw InputError("unknown LTV option \"" + k +
                       "\" (known: arpu, churn, retention, cohortRevenue, cohortSize, extrapolate, margin, discountRate, "
                       "cac, marketingSpend, newCustomers, horizon)");
    }
  }
  if (j.contains("retention") && o.retention.empty()) throw InputError("option \"retention\" must have at least one period");
  if (j.contains("cohortRevenue") && o.cohort_revenue.empty()) throw InputError("option \"cohortRevenue\" must have at least one period");
  return o;
}

nlohmann::json to_json(const LtvResult& r) {
  auto opt = [](double x) { return x < 0 ? nlohmann::json(nullptr) : nlohmann::json(x); };
  return {{"model", r.model},
          {"ltv", r.ltv},
          {"observedLtv", r.observed_ltv},
          {"tailLtv", r.tail_ltv},
          {"tailRetention", opt(r.tail_retention)},
          {"expectedLifetime", opt(r.expected_lifetime)},
          {"cumulative", r.cumulative},
          {"cac", opt(r.cac)},
          {"ltvToCac", opt(r.ltv_to_cac)},
          {"paybackPeriods", r.payback_periods < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.payback_periods)},
          {"simplePayback", opt(r.simple_payback)},
          {"warnings", r.warnings}};
}

}  // namespace circlewise
