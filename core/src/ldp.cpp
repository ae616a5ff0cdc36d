#include "circlewise/ldp.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/text.h"
#include "circlewise/random.h"

namespace circlewise {
namespace {
__extension__ typedef unsigned __int128 u128;
constexpr uint64_t kOne = uint64_t{1} << kRatioBits;  // the denominator 2^32 of E = A / 2^32

std::string fmt(double x) { return format_general(x, 15); }

void check_epsilon(double epsilon, const char* what = "epsilon") {
  if (!std::isfinite(epsilon) || epsilon < kMinEpsilon || epsilon > kMaxEpsilon)
    throw InputError(std::string(what) + " must be a number in [" + fmt(kMinEpsilon) + ", " + fmt(kMaxEpsilon) +
                     "], got " + (std::isfinite(epsilon) ? fmt(epsilon) : std::string("a non-finite value")));
}

double support_variance(double p, double q) { return q * (1 - q) / ((p - q) * (p - q)); }

// GRR over `k` outcomes with ratio A: P(keep) = A / (A + (k-1) 2^32).
double grr_keep(uint64_t ratio, uint64_t k) {
  return static_cast<double>(ratio) / (static_cast<double>(ratio) + static_cast<double>(k - 1) * kOne);
}

void set_support(OracleParams& o) {
  switch (o.mechanism) {
    case Mechanism::kGrr:
      o.g = o.domain;
      o.p = grr_keep(o.ratio, o.domain);
      o.q = (1 - o.p) / static_cast<double>(o.domain - 1);
      break;
    case Mechanism::kOue:
      o.g = 2;
      o.p = 0.5;
      o.q = static_cast<double>(kOne) / (static_cast<double>(o.ratio) + kOne);
      break;
    case Mechanism::kOlh:
      o.p = grr_keep(o.ratio, o.g);
      o.q = 1.0 / static_cast<double>(o.g);
      break;
  }
}

uint64_t best_olh_g(uint64_t ratio) {
  // Wang et al.: g = e^eps + 1 minimises the variance; with an integer g take the better neighbour.
  const double e = static_cast<double>(ratio) / kOne;
  const uint64_t lo = std::max<uint64_t>(2, static_cast<uint64_t>(std::floor(e + 1)));
  const uint64_t hi = lo + 1;
  const double vlo = support_variance(grr_keep(ratio, lo), 1.0 / lo);
  const double vhi = support_variance(grr_keep(ratio, hi), 1.0 / hi);
  return vhi < vlo ? hi : lo;
}

void check_domain(Mechanism m, uint64_t domain) {
  const uint64_t max = m == Mechanism::kOue ? kMaxOueDomain : kMaxDomain;
  if (domain < 2 || domain > max)
    throw InputError("domain size must be an integer in [2, " + std::to_string(max) + "] for " +
                     std::string(mechanism_name(m)) + ", got " + std::to_string(domain) +
                     (domain < 2 ? " (there is nothing to hide among fewer than 2 values)" : ""));
}

const char kHex[] = "0123456789abcdef";
std::string hex64(uint64_t x) {
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, x >>= 4) s[i] = kHex[x & 15];
  return s;
}
bool parse_hex64(std::string_view s, uint64_t& out) {
  if (s.size() != 16) return false;
  out = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    out = (out << 4) | static_cast<uint64_t>(d);
  }
  return true;
}

uint64_t integer_in(const nlohmann::json& j, const char* key, uint64_t lo, uint64_t hi, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) throw InputError(where + "\"" + key + "\" is missing");
  if (!is_json_uint(*it) ||
      it->get<uint64_t>() < lo || it->get<uint64_t>() > hi)
    throw InputError(where + "\"" + key + "\" must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got " + it->dump());
  return it->get<uint64_t>();
}

void only_keys(const nlohmann::json& j, std::initializer_list<const char*> keys, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : keys) ok = ok || it.key() == k;
    if (!ok) {
      std::string known;
      for (const char* k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
      throw InputError(where + "unexpected field \"" + it.key() + "\" (allowed: " + known + ")");
    }
  }
}

}  // namespace

std::string_view mechanism_name(Mechanism m) {
  switch (m) {
    case Mechanism::kGrr: return "grr";
    case Mechanism::kOue: return "oue";
    case Mechanism::kOlh: return "olh";
  }
  return "?";
}

Mechanism mechanism_from_name(std::string_view name) {
  if (name == "grr") return Mechanism::kGrr;
  if (name == "oue") return Mechanism::kOue;
  if (name == "olh") return Mechanism::kOlh;
  throw InputError("mechanism must be \"grr\", \"oue\" or \"olh\", got \"" + std::string(name) + "\"");
}

uint64_t OlhHash::operator()(uint64_t value, uint64_t g) const {
  // (a v + b) mod (2^61 - 1) by Mersenne folding, then mod g.
  u128 t = static_cast<u128>(a) * value + b;
  uint64_t r = static_cast<uint64_t>(t & kOlhPrime) + static_cast<uint64_t>(t >> 61);
  r = (r & kOlhPrime) + (r >> 61);
  if (r >= kOlhPrime) r -= kOlhPrime;
  return r % g;
}

double OracleParams::effective_epsilon() const {
  return std::log(static_cast<double>(ratio)) - kRatioBits * std::log(2.0);
}

OracleParams oracle_params_from_ratio(Mechanism m, uint64_t domain, double epsilon, uint64_t ratio, uint64_t g) {
  check_domain(m, domain);
  if (ratio <= kOne) throw InputError("the likelihood ratio must exceed 1");
  OracleParams o;
  o.mechanism = m;
  o.domain = domain;
  o.epsilon = epsilon;
  o.ratio = ratio;
  o.g = m == Mechanism::kOlh ? (g >= 2 ? g : best_olh_g(ratio)) : 0;
  set_support(o);
  return o;
}

OracleParams oracle_params(Mechanism m, uint64_t domain, double epsilon) {
  check_epsilon(epsilon);
  check_domain(m, domain);
  // floor(e^eps 2^32): rounding down makes the realised epsilon at most the requested one.
  const uint64_t ratio = static_cast<uint64_t>(std::floor(portable_exp(epsilon) * static_cast<double>(kOne)));
  return oracle_params_from_ratio(m, domain, epsilon, ratio);
}

std::string epsilon_outside_range(double epsilon, double min, double max) {
  if (epsilon >= min && epsilon <= max) return {};
  return "epsilon " + fmt(epsilon) + " is outside the accepted range [" + fmt(min) + ", " + fmt(max) + "]";
}

double count_variance(const OracleParams& o, double n, double n_v) {
  return (n_v * o.p * (1 - o.p) + (n - n_v) * o.q * (1 - o.q)) / ((o.p - o.q) * (o.p - o.q));
}

double variance_per_report(const OracleParams& o) { return support_variance(o.p, o.q); }

Mechanism choose_mechanism(uint64_t domain, double epsilon) {
  check_epsilon(epsilon);
  check_domain(Mechanism::kGrr, domain);
  // In order of report size: the first within 5% of the best variance wins.
  std::vector<std::pair<Mechanism, double>> c;
  for (Mechanism m : {Mechanism::kGrr, Mechanism::kOlh, Mechanism::kOue}) {
    if (m == Mechanism::kOue && domain > kMaxOueDomain) continue;
    c.emplace_back(m, variance_per_report(oracle_params(m, domain, epsilon)));
  }
  double best = c[0].second;
  for (auto& x : c) best = std::min(best, x.second);
  for (auto& x : c)
    if (x.second <= best * 1.05) return x.first;
  return c[0].first;
}

LdpPayload randomize_olh(const OracleParams& o, uint64_t value, const OlhHash& hash, RandomSource& random) {
  LdpPayload out;
  out.hash = hash;
  const uint64_t x = hash(value, o.g);
  if (random.chance(o.ratio, o.ratio + (o.g - 1) * kOne)) {
    out.value = x;
  } else {
    uint64_t other = random.below(o.g - 1);
    out.value = other >= x ? other + 1 : other;
  }
  return out;
}

LdpPayload randomize(const OracleParams& o, uint64_t value, RandomSource& random) {
  LdpPayload out;
  switch (o.mechanism) {
    case Mechanism::kGrr:
      if (random.chance(o.ratio, o.ratio + (o.domain - 1) * kOne)) {
        out.value = value;
      } else {
        uint64_t other = random.below(o.domain - 1);
        out.value = other >= value ? other + 1 : other;
      }
      return out;
    case Mechanism::kOue:
      for (uint64_t i = 0; i < o.domain; ++i) {
        bool one = i == value ? random.below(2) == 1 : random.chance(kOne, o.ratio + kOne);
        if (one) out.ones.push_back(i);
      }
      return out;
    case Mechanism::kOlh: {
      OlhHash h;
      h.a = 1 + random.below(kOlhPrime - 1);
      h.b = random.below(kOlhPrime);
      return randomize_olh(o, value, h, random);
    }
  }
  return out;
}

bool supports(const OracleParams& o, const LdpPayload& payload, uint64_t value) {
  switch (o.mechanism) {
    case Mechanism::kGrr: return payload.value == value;
    case Mechanism::kOue: return std::binary_search(payload.ones.begin(), payload.ones.end(), value);
    case Mechanism::kOlh: return payload.hash(value, o.g) == payload.value;
  }
  return false;
}

std::string_view report_kind_name(ReportKind k) { return k == ReportKind::kItem ? "item" : "pair"; }

ReportKind report_kind_from_name(std::string_view name) {
  if (name == "item") return ReportKind::kItem;
  if (name == "pair") return ReportKind::kPair;
  throw InputError("kind must be \"item\" or \"pair\", got \"" + std::string(name) + "\"");
}

uint64_t report_domain(ReportKind kind, uint64_t items) {
  return kind == ReportKind::kItem ? items : items * (items - (items > 0)) / 2;
}

uint64_t pair_index(uint64_t i, uint64_t j, uint64_t d) {
  if (i > j) std::swap(i, j);
  return i * (2 * d - i - 1) / 2 + (j - i - 1);
}

std::pair<uint64_t, uint64_t> pair_from_index(uint64_t index, uint64_t d) {
  // The largest i whose first pair index i(2d-i-1)/2 is <= index.
  uint64_t lo = 0, hi = d - 2;
  while (lo < hi) {
    uint64_t mid = (lo + hi + 1) / 2;
    if (mid * (2 * d - mid - 1) / 2 <= index) lo = mid;
    else hi = mid - 1;
  }
  const uint64_t start = lo * (2 * d - lo - 1) / 2;
  return {lo, lo + 1 + (index - start)};
}

std::string random_report_id(RandomSource& random) {
  const uint64_t a = random.next_u64(), b = random.next_u64();
  return hex64(a) + hex64(b);
}

nlohmann::json payload_to_json(Mechanism m, const LdpPayload& p) {
  switch (m) {
    case Mechanism::kGrr: return {{"value", p.value}};
    case Mechanism::kOue: return {{"ones", p.ones}};
    case Mechanism::kOlh: return {{"seed", hex64(p.hash.a) + hex64(p.hash.b)}, {"y", p.value}};
  }
  return nullptr;
}

LdpPayload payload_from_json(const OracleParams& o, const nlohmann::json& j) {
  const std::string where = "payload: ";
  if (!j.is_object()) throw InputError("\"payload\" must be an object");
  LdpPayload p;
  switch (o.mechanism) {
    case Mechanism::kGrr:
      only_keys(j, {"value"}, where);
      p.value = integer_in(j, "value", 0, o.domain - 1, where);
      break;
    case Mechanism::kOue: {
      only_keys(j, {"ones"}, where);
      auto it = j.find("ones");
      if (it == j.end() || !it->is_array()) throw InputError(where + "\"ones\" must be an array of bit indices");
      if (it->size() > o.domain) throw InputError(where + "\"ones\" has more entries than the domain size");
      p.ones.reserve(it->size());
      for (const auto& v : *it) {
        if (!is_json_uint(v) || v.get<uint64_t>() >= o.domain)
          throw InputError(where + "\"ones\" entries must be integers in [0, " + std::to_string(o.domain - 1) +
                           "], got " + v.dump());
        uint64_t x = v.get<uint64_t>();
        if (!p.ones.empty() && x <= p.ones.back())
          throw InputError(where + "\"ones\" must be strictly ascending (no repeats)");
        p.ones.push_back(x);
      }
      break;
    }
    case Mechanism::kOlh: {
      only_keys(j, {"seed", "y"}, where);
      auto it = j.find("seed");
      if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().size() != 32 ||
          !parse_hex64(std::string_view(it->get_ref<const std::string&>()).substr(0, 16), p.hash.a) ||
          !parse_hex64(std::string_view(it->get_ref<const std::string&>()).substr(16), p.hash.b))
        throw InputError(where + "\"seed\" must be 32 lowercase hex digits");
      if (p.hash.a == 0 || p.hash.a >= kOlhPrime || p.hash.b >= kOlhPrime)
        throw InputError(where + "\"seed\" is not a hash of the family (a in [1, 2^61-1), b in [0, 2^61-1))");
      p.value = integer_in(j, "y", 0, o.g - 1, where);
      break;
    }
  }
  return p;
}

void validate_payload(const OracleParams& o, const LdpPayload& p) {
  switch (o.mechanism) {
    case Mechanism::kGrr:
      if (p.value >= o.domain) throw InputError("payload: \"value\" must be in [0, " + std::to_string(o.domain - 1) + "]");
      return;
    case Mechanism::kOue:
      for (size_t i = 0; i < p.ones.size(); ++i)
        if (p.ones[i] >= o.domain || (i > 0 && p.ones[i] <= p.ones[i - 1]))
          throw InputError("payload: \"ones\" must be strictly ascending indices in [0, " +
                           std::to_string(o.domain - 1) + "]");
      return;
    case Mechanism::kOlh:
      if (p.hash.a == 0 || p.hash.a >= kOlhPrime || p.hash.b >= kOlhPrime)
        throw InputError("payload: \"seed\" is not a hash of the family");
      if (p.value >= o.g) throw InputError("payload: \"y\" must be in [0, " + std::to_string(o.g - 1) + "]");
      return;
  }
}

nlohmann::json to_json(const LdpReport& r) {
  return {{"v", kReportVersion},
          {"id", r.id},
          {"kind", report_kind_name(r.kind)},
          {"items", r.items},
          {"domain", r.domain()},
          {"mechanism", mechanism_name(r.mechanism)},
          {"epsilon", r.epsilon},
          {"payload", payload_to_json(r.mechanism, r.payload)}};
}

LdpReport ldp_report_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw InputError("a report must be a JSON object");
  // Nothing may ride along with a report (no user id, no timestamp): unknown fields are refused.
  only_keys(j, {"v", "id", "kind", "items", "domain", "mechanism", "epsilon", "payload"}, "");
  integer_in(j, "v", kReportVersion, kReportVersion, "");
  LdpReport r;
  auto id = j.find("id");
  uint64_t a, b;
  if (id == j.end() || !id->is_string() || id->get_ref<const std::string&>().size() != 32 ||
      !parse_hex64(std::string_view(id->get_ref<const std::string&>()).substr(0, 16), a) ||
      !parse_hex64(std::string_view(id->get_ref<const std::string&>()).substr(16), b))
    throw InputError("\"id\" must be 32 lowercase hex digits");
  r.id = id->get<std::string>();
  auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) throw InputError("\"kind\" must be \"item\" or \"pair\"");
  r.kind = report_kind_from_name(kind->get<std::string>());
  auto mech = j.find("mechanism");
  if (mech == j.end() || !mech->is_string()) throw InputError("\"mechanism\" must be \"grr\", \"oue\" or \"olh\"");
  r.mechanism = mechanism_from_name(mech->get<std::string>());
  const uint64_t max_items = r.kind == ReportKind::kItem ? kMaxDomain : 65536;  // 65536 items: 2^31 pairs
  r.items = integer_in(j, "items", 2, max_items, "");
  const uint64_t domain = integer_in(j, "domain", 1, kMaxDomain, "");
  if (domain != r.domain())
    throw InputError("\"domain\" is " + std::to_string(domain) + " but a " + std::string(report_kind_name(r.kind)) +
                     " report over " + std::to_string(r.items) + " items has domain " + std::to_string(r.domain()));
  auto eps = j.find("epsilon");
  if (eps == j.end() || !eps->is_number()) throw InputError("\"epsilon\" must be a number");
  r.epsilon = eps->get<double>();
  check_epsilon(r.epsilon, "\"epsilon\"");
  auto pl = j.find("payload");
  if (pl == j.end()) throw InputError("\"payload\" is missing");
  r.payload = payload_from_json(oracle_params(r.mechanism, domain, r.epsilon), *pl);
  return r;
}

double ldp_number_in(const nlohmann::json& j, const char* key, double lo, double hi) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < lo ||
      it->get<double>() > hi)
    throw InputError(std::string("option \"") + key + "\" must be a number in [" + fmt(lo) + ", " + fmt(hi) + "]" +
                     (it == j.end() ? std::string(" (missing)") : ", got " + it->dump()));
  return it->get<double>();
}

// Non-negative JSON integer, whether parsed from text (unsigned) or built in code (signed).
bool is_json_uint(const nlohmann::json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

ReportKind report_kind_option(const nlohmann::json& v) {
  if (!v.is_string()) throw InputError("option \"kind\" must be \"item\" or \"pair\"");
  return report_kind_from_name(v.get<std::string>());
}

uint64_t catalogue_size_option(const nlohmann::json& v) {
  if (!is_json_uint(v) || v.get<uint64_t>() < 2 || v.get<uint64_t>() > kMaxDomain)
    throw InputError("option \"items\" (catalogue size) must be an integer in [2, " + std::to_string(kMaxDomain) + "]");
  return v.get<uint64_t>();
}

PlanOptions plan_options_from_json(const nlohmann::json& j) {
  PlanOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("plan options must be an object");
  only_keys(j, {"epsilon", "kind", "items", "learners", "targetError"}, "plan options: ");
  if (j.contains("epsilon")) o.epsilon = ldp_number_in(j, "epsilon", kMinEpsilon, kMaxEpsilon);
  if (j.contains("kind")) o.kind = report_kind_option(j["kind"]);
  const uint64_t max_items = o.kind == ReportKind::kItem ? kMaxDomain : 65536;
  if (j.contains("items")) o.items = integer_in(j, "items", 2, max_items, "option ");
  if (j.contains("learners")) o.learners = integer_in(j, "learners", 1, uint64_t{10000000000}, "option ");
  if (j.contains("targetError")) {
    o.target_error = ldp_number_in(j, "targetError", 0, 1);
    if (o.target_error <= 0) throw InputError("option \"targetError\" must be a number in (0, 1]");
  }
  return o;
}

LdpPlan plan_ldp(const PlanOptions& opt) {
  check_epsilon(opt.epsilon);
  if (opt.learners < 1) throw InputError("option \"learners\" must be at least 1");
  if (!(opt.target_error > 0 && opt.target_error <= 1)) throw InputError("option \"targetError\" must be in (0, 1]");
  LdpPlan plan;
  plan.options = opt;
  plan.domain = report_domain(opt.kind, opt.items);
  check_domain(Mechanism::kGrr, plan.domain);
  const double n = static_cast<double>(opt.learners);
  auto digits = [](uint64_t x) { return static_cast<double>(std::to_string(x).size()); };
  for (Mechanism m : {Mechanism::kGrr, Mechanism::kOue, Mechanism::kOlh}) {
    MechanismPlan mp;
    mp.mechanism = m;
    mp.available = !(m == Mechanism::kOue && plan.domain > kMaxOueDomain);
    if (mp.available) {
      OracleParams o = oracle_params(m, plan.domain, opt.epsilon);
      mp.effective_epsilon = o.effective_epsilon();
      mp.g = o.g;
      mp.variance_per_report = variance_per_report(o);
      mp.standard_error = std::sqrt(n * mp.variance_per_report);
      mp.standard_error_fraction = std::sqrt(mp.variance_per_report / n);
      mp.learners_needed =
          static_cast<uint64_t>(std::ceil(mp.variance_per_report / (opt.target_error * opt.target_error)));
      // Header (~170 bytes: version, id, kind, sizes, mechanism, epsilon) plus the payload.
      double payload = m == Mechanism::kGrr   ? 12 + digits(plan.domain)
                       : m == Mechanism::kOue ? 12 + (0.5 + (plan.domain - 1) * o.q) * (1 + digits(plan.domain))
                                              : 50 + digits(o.g);
      mp.report_bytes = static_cast<uint64_t>(std::ceil(170 + payload));
    }
    plan.mechanisms.push_back(mp);
  }
  plan.recommended = choose_mechanism(plan.domain, opt.epsilon);
  return plan;
}

nlohmann::json to_json(const LdpPlan& p) {
  nlohmann::json ms = nlohmann::json::array();
  for (const auto& m : p.mechanisms) {
    nlohmann::json x = {{"mechanism", mechanism_name(m.mechanism)}, {"available", m.available}};
    if (m.available) {
      x["effectiveEpsilon"] = m.effective_epsilon;
      x["g"] = m.g;
      x["variancePerReport"] = m.variance_per_report;
      x["standardError"] = m.standard_error;
      x["standardErrorFraction"] = m.standard_error_fraction;
      x["learnersNeeded"] = m.learners_needed;
      x["reportBytes"] = m.report_bytes;
    } else {
      x["reason"] = "reports would be " + std::to_string(p.domain) + " bits long (OUE is offered up to " +
                    std::to_string(kMaxOueDomain) + " values)";
    }
    ms.push_back(std::move(x));
  }
  return {{"epsilon", p.options.epsilon},
          {"kind", report_kind_name(p.options.kind)},
          {"items", p.options.items},
          {"domain", p.domain},
          {"learners", p.options.learners},
          {"targetError", p.options.target_error},
          {"recommended", mechanism_name(p.recommended)},
          {"mechanisms", std::move(ms)}};
}

}  // namespace circlewise
