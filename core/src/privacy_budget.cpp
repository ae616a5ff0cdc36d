#include "circlewise/privacy_budget.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

constexpr size_t kMaxPeriodChars = 64;
constexpr double kSlack = 1e-9;  // sums of epsilons are compared with this rounding allowance

std::string fmt(double x) { return format_general(x, 15); }

bool same_key(const MemoEntry& m, ReportKind kind, Mechanism mech, double eps, uint64_t items, uint64_t value) {
  return m.kind == kind && m.mechanism == mech && m.epsilon == eps && m.items == items && m.value == value;
}

const nlohmann::json& field(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) throw InputError(where + "\"" + key + "\" is missing");
  return *it;
}

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where) {
  const auto& v = field(j, key, where);
  if (!v.is_string()) throw InputError(where + "\"" + key + "\" must be a string");
  return v.get<std::string>();
}

uint64_t uint_field(const nlohmann::json& j, const char* key, uint64_t hi, const std::string& where) {
  const auto& v = field(j, key, where);
  if (!is_json_uint(v) || v.get<uint64_t>() > hi)
    throw InputError(where + "\"" + key + "\" must be an integer in [0, " + std::to_string(hi) + "]");
  return v.get<uint64_t>();
}

double epsilon_field(const nlohmann::json& j, const std::string& where) {
  const auto& v = field(j, "epsilon", where);
  if (!v.is_number() || !(v.get<double>() >= kMinEpsilon && v.get<double>() <= kMaxEpsilon))
    throw InputError(where + "\"epsilon\" must be a number in [" + fmt(kMinEpsilon) + ", " + fmt(kMaxEpsilon) + "]");
  return v.get<double>();
}

uint64_t max_items(ReportKind kind) { return kind == ReportKind::kItem ? kMaxDomain : 65536; }

}  // namespace

PrivacyBudget privacy_budget_from_json(const nlohmann::json& j) {
  PrivacyBudget b;
  if (j.is_null()) return b;
  if (!j.is_object()) throw InputError("the privacy budget must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "maxEpsilonPerReport") {
      b.max_epsilon_per_report = ldp_number_in(j, "maxEpsilonPerReport", kMinEpsilon, kMaxEpsilon);
    } else if (k == "maxReportsPerPeriod") {
      if (!is_json_uint(*it) || it->get<uint64_t>() < 1 || it->get<uint64_t>() > 1000)
        throw InputError("option \"maxReportsPerPeriod\" must be an integer in [1, 1000]");
      b.max_reports_per_period = it->get<uint32_t>();
    } else if (k == "maxTotalEpsilon") {
      b.max_total_epsilon = ldp_number_in(j, "maxTotalEpsilon", kMinEpsilon, 1000);
    } else {
      throw InputError("unknown budget option \"" + k +
                       "\" (known: maxEpsilonPerReport, maxReportsPerPeriod, maxTotalEpsilon)");
    }
  }
  return b;
}

nlohmann::json to_json(const PrivacyBudget& b) {
  return {{"maxEpsilonPerReport", b.max_epsilon_per_report},
          {"maxReportsPerPeriod", b.max_reports_per_period},
          {"maxTotalEpsilon", b.max_total_epsilon}};
}

double DeviceState::spent() const {
  double s = 0;
  for (const auto& e : ledger) s += e.charged;
  return s;
}

size_t DeviceState::reports_in(const std::string& period) const {
  return static_cast<size_t>(
      std::count_if(ledger.begin(), ledger.end(), [&](const LedgerEntry& e) { return e.period == period; }));
}

nlohmann::json to_json(const DeviceState& s) {
  nlohmann::json memo = nlohmann::json::array(), ledger = nlohmann::json::array();
  for (const auto& m : s.memo)
    memo.push_back({{"kind", report_kind_name(m.kind)},
                    {"mechanism", mechanism_name(m.mechanism)},
                    {"epsilon", m.epsilon},
                    {"items", m.items},
                    {"value", m.value},
                    {"payload", payload_to_json(m.mechanism, m.payload)}});
  for (const auto& e : s.ledger)
    ledger.push_back({{"period", e.period},
                      {"reportId", e.report_id},
                      {"kind", report_kind_name(e.kind)},
                      {"mechanism", mechanism_name(e.mechanism)},
                      {"epsilon", e.epsilon},
                      {"charged", e.charged}});
  return {{"version", 1}, {"memo", std::move(memo)}, {"ledger", std::move(ledger)}};
}

DeviceState device_state_from_json(const nlohmann::json& j) {
  DeviceState s;
  if (j.is_null()) return s;
  if (!j.is_object()) throw InputError("the privacy state must be an object");
  if (!j.contains("version") || j["version"] != 1)
    throw InputError("privacy state: \"version\" must be 1 (a state written by another version cannot be read)");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "version" && it.key() != "memo" && it.key() != "ledger")
      throw InputError("privacy state: unexpected field \"" + it.key() + "\" (allowed: version, memo, ledger)");
  if (j.contains("memo")) {
    if (!j["memo"].is_array()) throw InputError("privacy state: \"memo\" must be an array");
    size_t i = 0;
    for (const auto& m : j["memo"]) {
      const std::string where = "privacy state: memo[" + std::to_string(i++) + "]: ";
      if (!m.is_object()) throw InputError(where + "must be an object");
      MemoEntry e;
      e.kind = report_kind_from_name(string_field(m, "kind", where));
      e.mechanism = mechanism_from_name(string_field(m, "mechanism", where));
      e.epsilon = epsilon_field(m, where);
      e.items = uint_field(m, "items", max_items(e.kind), where);
      if (e.items < 2) throw InputError(where + "\"items\" must be at least 2");
      const uint64_t domain = report_domain(e.kind, e.items);
      e.value = uint_field(m, "value", domain - 1, where);
      try {
        e.payload = payload_from_json(oracle_params(e.mechanism, domain, e.epsilon), field(m, "payload", where));
      } catch (const InputError& err) {
        throw InputError(where + err.what());
      }
      for (const auto& o : s.memo)
        if (same_key(o, e.kind, e.mechanism, e.epsilon, e.items, e.value))
          throw InputError(where + "duplicates an earlier entry");
      s.memo.push_back(std::move(e));
    }
  }
  if (j.contains("ledger")) {
    if (!j["ledger"].is_array()) throw InputError("privacy state: \"ledger\" must be an array");
    size_t i = 0;
    for (const auto& l : j["ledger"]) {
      const std::string where = "privacy state: ledger[" + std::to_string(i++) + "]: ";
      if (!l.is_object()) throw InputError(where + "must be an object");
      LedgerEntry e;
      e.period = string_field(l, "period", where);
      e.report_id = string_field(l, "reportId", where);
      e.kind = report_kind_from_name(string_field(l, "kind", where));
      e.mechanism = mechanism_from_name(string_field(l, "mechanism", where));
      e.epsilon = epsilon_field(l, where);
      const auto& c = field(l, "charged", where);
      if (!c.is_number() || !(c.get<double>() == 0 || c.get<double>() == e.epsilon))
        throw InputError(where + "\"charged\" must be 0 (memoised) or the report's epsilon (fresh)");
      e.charged = c.get<double>();
      s.ledger.push_back(std::move(e));
    }
  }
  return s;
}

ReportRequest report_request_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw InputError("the report request must be an object");
  ReportRequest r;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "kind") {
      r.kind = report_kind_option(*it);
    } else if (k == "items") {
      r.items = catalogue_size_option(*it);
    } else if (k == "history") {
      if (!it->is_array()) throw InputError("option \"history\" must be an array of item indices");
      for (const auto& v : *it) {
        if (!is_json_uint(v)) throw InputError("option \"history\" must hold non-negative integer item indices");
        r.history.push_back(v.get<uint64_t>());
      }
    } else if (k == "epsilon") {
      if (!it->is_number()) throw InputError("option \"epsilon\" must be a number");
      r.epsilon = it->get<double>();
    } else if (k == "mechanism") {
      if (!it->is_string()) throw InputError("option \"mechanism\" must be \"auto\", \"grr\", \"oue\" or \"olh\"");
      if (it->get<std::string>() == "auto") {
        r.auto_mechanism = true;
      } else {
        r.auto_mechanism = false;
        r.mechanism = mechanism_from_name(it->get<std::string>());
      }
    } else if (k == "period") {
      if (!it->is_string() && !it->is_number_integer())
        throw InputError("option \"period\" must be a string such as \"2026-11\" (or an integer)");
      r.period = it->is_string() ? it->get<std::string>() : it->dump();
    } else {
      throw InputError("unknown report option \"" + k + "\" (known: kind, items, history, epsilon, mechanism, period)");
    }
  }
  return r;
}

MadeReport make_report(const ReportRequest& req, const PrivacyBudget& budget, DeviceState& state,
                       RandomSource& random, bool allow_insecure) {
  // Validate everything before the first random draw, so a refusal changes nothing.
  if (req.items < 2 || req.items > max_items(req.kind))
    throw InputError("option \"items\" (catalogue size) must be an integer in [2, " +
                     std::to_string(max_items(req.kind)) + "] for " + std::string(report_kind_name(req.kind)) +
                     " reports");
  if (!std::isfinite(req.epsilon) || req.epsilon < kMinEpsilon || req.epsilon > kMaxEpsilon)
    throw InputError("option \"epsilon\" must be a number in [" + fmt(kMinEpsilon) + ", " + fmt(kMaxEpsilon) + "]");
  if (req.epsilon > budget.max_epsilon_per_report)
    throw InputError("option \"epsilon\" (" + fmt(req.epsilon) + ") exceeds this device's maximum of " +
                     fmt(budget.max_epsilon_per_report) + " per report");
  if (req.period.empty() || req.period.size() > kMaxPeriodChars)
    throw InputError("option \"period\" must be a non-empty string of at most 64 characters");
  std::vector<uint64_t> distinct = req.history;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (!distinct.empty() && distinct.back() >= req.items)
    throw InputError("option \"history\": item index " + std::to_string(distinct.back()) +
                     " is outside the catalogue [0, " + std::to_string(req.items - 1) + "]");
  if (req.kind == ReportKind::kItem && distinct.empty())
    throw InputError("option \"history\" is empty: there is no course to report");
  if (req.kind == ReportKind::kPair && distinct.size() < 2)
    throw InputError("option \"history\" must hold at least 2 distinct courses for a pair report");
  const size_t used = state.reports_in(req.period);
  if (used >= budget.max_reports_per_period)
    throw InputError("the report budget of period \"" + req.period + "\" is used up (" + std::to_string(used) + " of " +
                     std::to_string(budget.max_reports_per_period) + " reports)");
  if (!random.secure() && !allow_insecure)
    throw RandomnessUnavailable("refusing to make a report: the random source \"" + random.name() +
                                "\" is not cryptographically secure");

  const uint64_t domain = report_domain(req.kind, req.items);
  const Mechanism mech = req.auto_mechanism ? choose_mechanism(domain, req.epsilon) : req.mechanism;
  const OracleParams params = oracle_params(mech, domain, req.epsilon);

  MadeReport out;
  const uint64_t m = distinct.size();
  if (req.kind == ReportKind::kItem) {
    out.true_value = distinct[random.below(m)];
  } else {
    auto [a, b] = pair_from_index(random.below(m * (m - 1) / 2), m);
    out.true_value = pair_index(distinct[a], distinct[b], req.items);
  }

  const MemoEntry* memo = nullptr;
  for (const auto& e : state.memo)
    if (same_key(e, req.kind, mech, req.epsilon, req.items, out.true_value)) memo = &e;
  LdpPayload payload;
  if (memo) {
    payload = memo->payload;
    out.memoised = true;
  } else {
    const double spent = state.spent();
    if (spent + req.epsilon > budget.max_total_epsilon + kSlack)
      throw InputError("privacy budget exhausted: " + fmt(spent) + " of " + fmt(budget.max_total_epsilon) +
                       " epsilon spent, and this report needs a fresh randomisation costing " + fmt(req.epsilon));
    payload = randomize(params, out.true_value, random);
    out.charged = req.epsilon;
  }
  out.report.id = random_report_id(random);
  out.report.kind = req.kind;
  out.report.items = req.items;
  out.report.mechanism = mech;
  out.report.epsilon = req.epsilon;
  out.report.payload = payload;

  // Commit: nothing above this line touched the state.
  if (!memo) state.memo.push_back({req.kind, mech, req.epsilon, req.items, out.true_value, payload});
  state.ledger.push_back({req.period, out.report.id, req.kind, mech, req.epsilon, out.charged});
  return out;
}

BudgetStatus budget_status(const PrivacyBudget& budget, const DeviceState& state, const std::string& period) {
  BudgetStatus s;
  s.spent = state.spent();
  s.remaining = std::max(0.0, budget.max_total_epsilon - s.spent);
  s.reports_this_period = state.reports_in(period);
  s.reports_left_this_period =
      s.reports_this_period >= budget.max_reports_per_period ? 0 : budget.max_reports_per_period - s.reports_this_period;
  s.memoised_values = state.memo.size();
  return s;
}

nlohmann::json to_json(const BudgetStatus& s) {
  return {{"spent", s.spent},
          {"remaining", s.remaining},
          {"reportsThisPeriod", s.reports_this_period},
          {"reportsLeftThisPeriod", s.reports_left_this_period},
          {"memoisedValues", s.memoised_values}};
}

}  // namespace circlewise
