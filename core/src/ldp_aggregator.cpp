#include "circlewise/ldp_aggregator.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "circlewise/error.h"
#include "circlewise/privacy_budget.h"

namespace circlewise {
namespace {

// z with P(|Z| <= z) = confidence, by bisection on erfc (no table, no dependency).
double two_sided_z(double confidence) {
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    if (1 - std::erfc(mid / std::sqrt(2.0)) < confidence) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

uint64_t max_items(ReportKind kind) { return kind == ReportKind::kItem ? kMaxDomain : 65536; }

}  // namespace

AggregatorOptions aggregator_options_from_json(const nlohmann::json& j) {
  AggregatorOptions o;
  if (!j.is_object()) throw InputError("aggregator options must be an object with at least \"items\"");
  bool have_items = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "kind") {
      o.kind = report_kind_option(*it);
    } else if (k == "items") {
      o.items = catalogue_size_option(*it);
      have_items = true;
    } else if (k == "minEpsilon") {
      o.min_epsilon = ldp_number_in(j, "minEpsilon", kMinEpsilon, kMaxEpsilon);
    } else if (k == "maxEpsilon") {
      o.max_epsilon = ldp_number_in(j, "maxEpsilon", kMinEpsilon, kMaxEpsilon);
    } else if (k == "confidence") {
      o.confidence = ldp_number_in(j, "confidence", 0.5, 0.9999);
    } else if (k == "maxRejectionDetails") {
      if (!is_json_uint(*it)) throw InputError("option \"maxRejectionDetails\" must be a non-negative integer");
      o.max_rejection_details = it->get<size_t>();
    } else {
      throw InputError("unknown aggregator option \"" + k +
                       "\" (known: kind, items, minEpsilon, maxEpsilon, confidence, maxRejectionDetails)");
    }
  }
  if (!have_items) throw InputError("option \"items\" (catalogue size) is required");
  if (o.items > max_items(o.kind))
    throw InputError("option \"items\" must be at most 65536 for pair reports (2^31 pairs)");
  if (o.min_epsilon > o.max_epsilon) throw InputError("option \"minEpsilon\" must not exceed \"maxEpsilon\"");
  return o;
}

LdpAggregator::LdpAggregator(const AggregatorOptions& o) : options_(o) {
  if (o.items < 2 || o.items > max_items(o.kind))
    throw InputError("option \"items\" (catalogue size) must be an integer in [2, " +
                     std::to_string(max_items(o.kind)) + "]");
  if (!(o.min_epsilon <= o.max_epsilon)) throw InputError("option \"minEpsilon\" must not exceed \"maxEpsilon\"");
  if (!(o.confidence > 0 && o.confidence < 1)) throw InputError("option \"confidence\" must be in (0, 1)");
}

void LdpAggregator::reject(std::string reason) {
  ++rejected_;
  if (rejections_.size() < options_.max_rejection_details) rejections_.push_back({seen_, std::move(reason)});
}

bool LdpAggregator::add(const nlohmann::json& j, std::string* reason) {
  ++seen_;
  LdpReport r;
  try {
    r = ldp_report_from_json(j);
  } catch (const InputError& e) {
    if (reason) *reason = e.what();
    reject(e.what());
    return false;
  }
  return add_counted(r, reason);
}

bool LdpAggregator::add(const LdpReport& r, std::string* reason) {
  ++seen_;
  return add_counted(r, reason);
}

bool LdpAggregator::add_counted(const LdpReport& r, std::string* reason) {
  std::string why;
  if (r.kind != options_.kind) {
    why = "a " + std::string(report_kind_name(r.kind)) + " report sent to the " +
          std::string(report_kind_name(options_.kind)) + " aggregator";
  } else if (r.items != options_.items) {
    why = "catalogue size " + std::to_string(r.items) + " does not match the aggregator's " +
          std::to_string(options_.items);
  } else {
    why = epsilon_outside_range(r.epsilon, options_.min_epsilon, options_.max_epsilon);
    if (why.empty() && ids_.count(r.id)) why = "duplicate report id " + r.id + " (a replayed report)";
  }
  OracleParams params;
  if (why.empty()) {
    try {
      params = oracle_params(r.mechanism, domain(), r.epsilon);
      // A report built in code (not parsed) is checked as strictly as a parsed one.
      validate_payload(params, r.payload);
    } catch (const InputError& e) {
      why = e.what();
    }
  }
  if (!why.empty()) {
    if (reason) *reason = why;
    reject(why);
    return false;
  }
  ids_.insert(r.id);
  Group& g = groups_[{static_cast<int>(r.mechanism), r.epsilon}];
  if (g.n == 0) g.params = params;
  ++g.n;
  switch (r.mechanism) {
    case Mechanism::kGrr: ++g.counts[r.payload.value]; break;
    case Mechanism::kOue:
      for (uint64_t v : r.payload.ones) ++g.counts[v];
      break;
    case Mechanism::kOlh: g.olh.emplace_back(r.payload.hash, r.payload.value); break;
  }
  ++accepted_;
  return true;
}

void LdpAggregator::add_sums(const LdpGroupSums& s) {
  if (s.reports == 0) return;
  if (std::string why = epsilon_outside_range(s.epsilon, options_.min_epsilon, options_.max_epsilon); !why.empty())
    throw InputError(why);
  const OracleParams params = oracle_params(s.mechanism, domain(), s.epsilon);
  Group& g = groups_[{static_cast<int>(s.mechanism), s.epsilon}];
  if (g.n == 0) g.params = params;
  uint64_t olh_total = 0;
  for (const auto& [value, count] : s.support) {
    if (value >= (s.mechanism == Mechanism::kOlh ? params.g : domain()) || count > s.reports)
      throw InputError("sums: value " + std::to_string(value) + " with " + std::to_string(count) +
                       " reports does not fit " + std::to_string(s.reports) + " reports over the domain");
    g.counts[value] += count;
  }
  for (const auto& [hy, count] : s.olh) {
    if (hy.second >= params.g || hy.first.a == 0 || hy.first.a >= kOlhPrime || hy.first.b >= kOlhPrime)
      throw InputError("sums: an OLH hash or bucket is outside its range");
    olh_total += count;
    for (uint64_t c = 0; c < count; ++c) g.olh.push_back(hy);
  }
  if (s.mechanism == Mechanism::kOlh ? olh_total != s.reports : !s.olh.empty())
    throw InputError("sums: OLH rows must account for every OLH report, and only OLH reports have them");
  g.n += s.reports;
  accepted_ += s.reports;
}

size_t LdpAggregator::add_ndjson(std::string_view text) {
  size_t ok = 0, line_start = 0;
  while (line_start <= text.size()) {
    size_t end = text.find('\n', line_start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(line_start, end - line_start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty()) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) {
        ++seen_;
        reject("not valid JSON");
      } else if (add(j)) {
        ++ok;
      }
    } else {
      ++seen_;  // keep indices equal to line numbers
    }
    if (end == text.size()) break;
    line_start = end + 1;
  }
  return ok;
}

FrequencyEstimates LdpAggregator::estimate() const {
  std::vector<uint64_t> all(domain());
  std::iota(all.begin(), all.end(), uint64_t{0});
  return estimate(all);
}

FrequencyEstimates LdpAggregator::estimate(const std::vector<uint64_t>& values) const {
  const uint64_t d = domain();
  for (uint64_t v : values)
    if (v >= d) throw InputError("value " + std::to_string(v) + " is outside the domain [0, " + std::to_string(d - 1) + "]");
  FrequencyEstimates out;
  const Eigen::Index k = static_cast<Eigen::Index>(values.size());
  out.values = values;
  out.count = Eigen::VectorXd::Zero(k);
  out.variance = Eigen::VectorXd::Zero(k);
  out.reports = accepted_;
  out.confidence = options_.confidence;
  for (const auto& [key, g] : groups_) {
    const OracleParams& o = g.params;
    const double n = static_cast<double>(g.n);
    for (Eigen::Index i = 0; i < k; ++i) {
      const uint64_t v = values[static_cast<size_t>(i)];
      uint64_t support = 0;
      if (o.mechanism == Mechanism::kOlh) {
        for (const auto& [h, y] : g.olh) support += h(v, o.g) == y;
      } else {
        auto it = g.counts.find(v);
        support = it == g.counts.end() ? 0 : it->second;
      }
      const double c = (static_cast<double>(support) - n * o.q) / (o.p - o.q);
      out.count[i] += c;
      out.variance[i] += count_variance(o, n, std::clamp(c, 0.0, n));
    }
  }
  const double z = two_sided_z(options_.confidence);
  out.lower = out.count - z * out.variance.cwiseSqrt();
  out.upper = out.count + z * out.variance.cwiseSqrt();
  return out;
}

double LdpAggregator::count_variance_at(double share) const {
  double v = 0;
  for (const auto& [key, g] : groups_) {
    const double n = static_cast<double>(g.n);
    v += count_variance(g.params, n, std::clamp(share, 0.0, 1.0) * n);
  }
  return v;
}

nlohmann::json to_json(const FrequencyEstimates& e, ReportKind kind, uint64_t items) {
  nlohmann::json rows = nlohmann::json::array(), pairs = nlohmann::json::array();
  for (size_t i = 0; i < e.values.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    rows.push_back({{"value", e.values[i]},
                    {"count", e.count[k]},
                    {"standardError", std::sqrt(e.variance[k])},
                    {"lower", e.lower[k]},
                    {"upper", e.upper[k]}});
    if (kind == ReportKind::kPair && items >= 2) {
      auto [a, b] = pair_from_index(e.values[i], items);
      pairs.push_back({a, b});
    }
  }
  nlohmann::json out = {{"reports", e.reports}, {"confidence", e.confidence}, {"estimates", std::move(rows)}};
  if (kind == ReportKind::kPair) out["pairs"] = std::move(pairs);
  return out;
}

std::vector<ModelItem> model_catalogue_from_json(const nlohmann::json& j) {
  if (j.is_object() && j.contains("format")) {
    std::vector<ModelItem> items = item_model_from_json(j).items;
    for (ModelItem& it : items) it.popularity = 0;
    return items;
  }
  if (!j.is_array() || j.size() < 2)
    throw InputError("the catalogue must be an array of at least 2 item ids or {id, title, category, price}, or an item model");
  std::vector<ModelItem> items;
  for (size_t i = 0; i < j.size(); ++i) {
    const nlohmann::json& c = j[i];
    const std::string where = "catalogue[" + std::to_string(i) + "]";
    ModelItem it;
    if (c.is_string()) {
      it.id = it.title = c.get<std::string>();
    } else if (c.is_object() && c.contains("id") && c["id"].is_string()) {
      it.id = it.title = c["id"].get<std::string>();
      for (auto f = c.begin(); f != c.end(); ++f) {
        if (f.key() == "title" || f.key() == "category") {
          if (!f->is_string()) throw InputError(where + "." + f.key() + " must be a string");
          (f.key() == "title" ? it.title : it.category) = f->get<std::string>();
        } else if (f.key() == "price") {
          if (!f->is_number() || !std::isfinite(f->get<double>()) || f->get<double>() < 0)
            throw InputError(where + ".price must be a finite number >= 0");
          it.price = f->get<double>();
        } else if (f.key() != "id") {
          throw InputError(where + ": unknown field \"" + f.key() + "\" (known: id, title, category, price)");
        }
      }
    } else {
      throw InputError(where + " must be an id string or an object with a string \"id\"");
    }
    if (it.id.empty()) throw InputError(where + ": the id is empty");
    items.push_back(std::move(it));
  }
  return items;
}

LdpModelOptions ldp_model_options_from_json(const nlohmann::json& j) {
  LdpModelOptions o;
  o.model.shrinkage = 0;  // estimates are already normalised per learner; see the header
  o.model.min_support = 0;
  o.model.k = 20;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("model options must be an object");
  nlohmann::json rest = nlohmann::json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "topItems") {
      if (!is_json_uint(*it) || it->get<uint64_t>() < 2 || it->get<uint64_t>() > 3000)
        throw InputError("option \"topItems\" must be an integer in [2, 3000]");
      o.top_items = it->get<uint32_t>();
    } else if (it.key() == "minZ") {
      o.min_z = it->is_string() && it->get<std::string>() == "auto" ? -1 : ldp_number_in(j, "minZ", 0, 10);
    } else if (it.key() == "publicCounts") {
      if (!it->is_array()) throw InputError("option \"publicCounts\" must be an array of learner counts in catalogue order");
      for (const auto& c : *it) {
        if (!c.is_number() || !std::isfinite(c.get<double>()) || c.get<double>() < 0)
          throw InputError("option \"publicCounts\": every count must be a finite number >= 0, got " + c.dump());
        o.public_counts.push_back(c.get<double>());
      }
    } else if (it.key() == "events" || it.key() == "titles") {
      throw InputError("option \"" + it.key() + "\" applies to models built from event logs, not from reports");
    } else {
      rest[it.key()] = *it;
    }
  }
  ItemModelOptions defaults = o.model;
  o.model = item_model_options_from_json(rest);
  if (!rest.contains("shrinkage")) o.model.shrinkage = defaults.shrinkage;
  if (!rest.contains("minSupport")) o.model.min_support = defaults.min_support;
  if (!rest.contains("k")) o.model.k = defaults.k;
  return o;
}

namespace {

// Raw estimates (and plug-in variances) of every pair among `top`, as symmetric matrices.
void pair_estimates_among(const LdpAggregator& pairs, const std::vector<uint64_t>& top, Eigen::MatrixXd& count,
                          Eigen::MatrixXd& variance) {
  const uint64_t d = pairs.options().items;
  const size_t m = top.size();
  std::vector<uint64_t> wanted;
  wanted.reserve(m * (m - 1) / 2);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = i + 1; j < m; ++j) wanted.push_back(pair_index(top[i], top[j], d));
  FrequencyEstimates pc = pairs.estimate(wanted);
  const auto mi = static_cast<Eigen::Index>(m);
  count = Eigen::MatrixXd::Zero(mi, mi);
  variance = Eigen::MatrixXd::Zero(mi, mi);
  Eigen::Index t = 0;
  for (Eigen::Index i = 0; i < mi; ++i)
    for (Eigen::Index j = i + 1; j < mi; ++j, ++t) {
      count(i, j) = count(j, i) = pc.count[t];
      variance(i, j) = variance(j, i) = pc.variance[t];
    }
}

}  // namespace

LdpCooccurrence cooccurrence_from_ldp(const LdpAggregator& items, const LdpAggregator& pairs, uint32_t top_items) {
  if (items.options().kind != ReportKind::kItem || pairs.options().kind != ReportKind::kPair)
    throw InputError("a co-occurrence needs an item aggregator and a pair aggregator");
  const uint64_t d = items.options().items;
  if (pairs.options().items != d)
    throw InputError("the item and pair aggregators have different catalogue sizes (" + std::to_string(d) + " vs " +
                     std::to_string(pairs.options().items) + ")");
  if (top_items < 2) throw InputError("option \"topItems\" must be at least 2");
  FrequencyEstimates f = items.estimate();
  std::vector<uint64_t> order(d);
  std::iota(order.begin(), order.end(), uint64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
    return f.count[static_cast<Eigen::Index>(a)] > f.count[static_cast<Eigen::Index>(b)];
  });
  const size_t m = std::min<size_t>(order.size(), top_items);
  LdpCooccurrence c;
  c.top.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m));
  const auto mi = static_cast<Eigen::Index>(m);
  c.frequency.resize(mi);
  for (Eigen::Index i = 0; i < mi; ++i) c.frequency[i] = f.count[static_cast<Eigen::Index>(c.top[static_cast<size_t>(i)])];
  pair_estimates_among(pairs, c.top, c.cooccurrence, c.pair_variance);
  return c;
}

HybridCooccurrence hybrid_cooccurrence(const LdpAggregator& pairs, const std::vector<double>& pub, uint32_t top_items) {
  if (pairs.options().kind != ReportKind::kPair) throw InputError("the hybrid co-occurrence needs a pair aggregator");
  const uint64_t d = pairs.options().items;
  if (pub.size() != d)
    throw InputError("there are " + std::to_string(pub.size()) + " public counts but the reports are over " +
                     std::to_string(d) + " items");
  if (top_items < 2) throw InputError("option \"topItems\" must be at least 2");
  double total = 0, sum_sq = 0;
  for (double f : pub) {
    if (!std::isfinite(f) || f < 0) throw InputError("public counts must be finite and >= 0");
    total += f;
  }
  for (double f : pub) sum_sq += total > 0 ? (f / total) * (f / total) : 0;
  HybridCooccurrence h;
  std::vector<uint64_t> order(d);
  std::iota(order.begin(), order.end(), uint64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) { return pub[a] > pub[b]; });
  h.top.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::min<uint64_t>(d, top_items)));
  const auto m = static_cast<Eigen::Index>(h.top.size());
  h.frequency.resize(m);
  for (Eigen::Index i = 0; i < m; ++i) h.frequency[i] = pub[h.top[static_cast<size_t>(i)]];
  Eigen::MatrixXd plugin;
  pair_estimates_among(pairs, h.top, h.estimate, plugin);

  const double n = static_cast<double>(pairs.accepted());
  const double scale = total > 0 && sum_sq < 1 ? 2 * n / ((1 - sum_sq) * total * total) : 0;
  h.prior = Eigen::MatrixXd::Zero(m, m);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = i + 1; j < m; ++j) h.prior(i, j) = h.prior(j, i) = scale * h.frequency[i] * h.frequency[j];
  h.variance = Eigen::MatrixXd::Zero(m, m);
  std::vector<double> d2, v;  // squared deviations from the prior and their noise variances, pairs i < j
  d2.reserve(static_cast<size_t>(m * (m - 1) / 2));
  v.reserve(d2.capacity());
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = i + 1; j < m; ++j) {
      const double x = h.prior(i, j);
      const double vij = n > 0 ? pairs.count_variance_at(x / n) : 0;
      h.variance(i, j) = h.variance(j, i) = vij;
      d2.push_back((h.estimate(i, j) - x) * (h.estimate(i, j) - x));
      v.push_back(vij);
    }
  // Spike and slab by EM: a pair is either independent (deviation ~ N(0, v)) or, with probability
  // share, associated (deviation ~ N(0, v + tau2)). Linear shrinkage with one prior variance would
  // spread the few strong pairs' signal over all pairs and shrink everything to the prior.
  const size_t P = d2.size();
  double mean_v = 0, mean_d2 = 0;
  for (size_t t = 0; t < P; ++t) mean_v += v[t] / static_cast<double>(P), mean_d2 += d2[t] / static_cast<double>(P);
  std::vector<double> resp(P, 0.0);
  double share = 0.01, tau2 = std::max(mean_d2 - mean_v, mean_v);
  auto responsibility = [&](size_t t) {
    if (!(v[t] > 0) || !(tau2 > 0)) return 0.0;
    // log N(d; 0, v + tau2) - log N(d; 0, v), without the shared constant
    const double s0 = v[t], s1 = v[t] + tau2;
    const double log_ratio = 0.5 * std::log(s0 / s1) + 0.5 * d2[t] * (1 / s0 - 1 / s1);
    const double prior_odds = std::log(share / (1 - share));
    return 1 / (1 + std::exp(-std::min(700.0, log_ratio + prior_odds)));
  };
  for (int iter = 0; iter < 200 && P > 0 && mean_v > 0; ++iter) {
    double sr = 0, srd = 0;
    for (size_t t = 0; t < P; ++t) {
      resp[t] = responsibility(t);
      sr += resp[t], srd += resp[t] * (d2[t] - v[t]);
    }
    const double next_share = std::clamp(sr / static_cast<double>(P), 1e-9, 1 - 1e-9);
    const double next_tau2 = sr > 0 ? std::max(0.0, srd / sr) : 0;
    const bool done = std::abs(next_share - share) < 1e-9 && std::abs(next_tau2 - tau2) <= 1e-9 * (1 + tau2);
    share = next_share, tau2 = next_tau2;
    if (done || tau2 == 0) break;
  }
  h.slab_share = tau2 > 0 ? share : 0;
  h.slab_variance = tau2;
  h.shrunk = h.prior;
  h.association = Eigen::MatrixXd::Zero(m, m);
  size_t t = 0;
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = i + 1; j < m; ++j, ++t) {
      const double r = tau2 > 0 ? responsibility(t) : 0;
      const double excess = r * tau2 / (tau2 + v[t]) * (h.estimate(i, j) - h.prior(i, j));
      h.shrunk(i, j) = h.shrunk(j, i) = h.prior(i, j) + excess;
      if (r > 0.5 && excess > 0) h.association(i, j) = h.association(j, i) = excess;
    }
  return h;
}

std::vector<double> public_counts_from_json(const nlohmann::json& j, const std::vector<ModelItem>& catalogue,
                                            size_t* missing) {
  auto count_of = [](const nlohmann::json& c, const std::string& where) {
    if (!c.is_number() || !std::isfinite(c.get<double>()) || c.get<double>() < 0)
      throw InputError("public counts: " + where + " must be a finite number >= 0, got " + c.dump());
    return c.get<double>();
  };
  std::vector<double> out(catalogue.size(), 0.0);
  if (missing) *missing = 0;
  if (j.is_array()) {
    if (j.size() != catalogue.size())
      throw InputError("public counts: the array has " + std::to_string(j.size()) + " counts but the catalogue has " +
                       std::to_string(catalogue.size()) + " items");
    for (size_t i = 0; i < j.size(); ++i) out[i] = count_of(j[i], "[" + std::to_string(i) + "]");
    return out;
  }
  if (!j.is_object())
    throw InputError("public counts must be an array in catalogue order or an object {\"<item id>\": learners}");
  std::unordered_map<std::string, size_t> at;
  for (size_t i = 0; i < catalogue.size(); ++i) at.emplace(catalogue[i].id, i);
  std::vector<char> seen(catalogue.size(), 0);
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto f = at.find(it.key());
    if (f == at.end()) throw InputError("public counts: \"" + it.key() + "\" is not in the catalogue");
    out[f->second] = count_of(*it, "\"" + it.key() + "\"");
    seen[f->second] = 1;
  }
  if (missing) *missing = static_cast<size_t>(std::count(seen.begin(), seen.end(), 0));
  return out;
}

ItemModelBuild item_model_from_ldp(const LdpAggregator& items, const LdpAggregator& pairs,
                                   const std::vector<ModelItem>& catalogue, const LdpModelOptions& opt) {
  const uint64_t d = items.options().items;
  if (catalogue.size() != d)
    throw InputError("the catalogue has " + std::to_string(catalogue.size()) + " items but the reports are over " +
                     std::to_string(d));
  const bool hybrid = !opt.public_counts.empty();
  LdpCooccurrence c;
  if (hybrid) {
    HybridCooccurrence h = hybrid_cooccurrence(pairs, opt.public_counts, opt.top_items);
    c.top = std::move(h.top);
    c.frequency = std::move(h.frequency);
    c.cooccurrence = std::move(h.association);
    c.pair_variance = std::move(h.variance);
  } else {
    c = cooccurrence_from_ldp(items, pairs, opt.top_items);
  }
  const double pairs_among_top = static_cast<double>(c.top.size()) * static_cast<double>(c.top.size() - 1) / 2;
  const double min_z = opt.min_z >= 0 ? opt.min_z
                       : !hybrid && pairs_among_top > 1 ? two_sided_z(1 - 2 / pairs_among_top)
                                                        : 0;
  if (min_z > 0) {
    for (Eigen::Index i = 0; i < c.cooccurrence.rows(); ++i)
      for (Eigen::Index j = 0; j < c.cooccurrence.cols(); ++j)
        if (c.cooccurrence(i, j) < min_z * std::sqrt(c.pair_variance(i, j))) c.cooccurrence(i, j) = 0;
  }
  std::vector<ModelItem> sub;
  for (uint64_t i : c.top) sub.push_back(catalogue[i]);
  ItemModelBuild built = build_item_model_from_counts(sub, c.frequency, c.cooccurrence, opt.model);

  // Back to the whole catalogue: top items keep their neighbours (re-indexed), others get none.
  Eigen::VectorXd f(static_cast<Eigen::Index>(d));
  if (hybrid) {
    for (uint64_t i = 0; i < d; ++i) f[static_cast<Eigen::Index>(i)] = opt.public_counts[i];
  } else {
    f = items.estimate().count;
  }
  ItemModelBuild out;
  out.report = built.report;
  ItemModel& model = out.model;
  model.method = (hybrid ? "ldp-hybrid-" : "ldp-") + built.model.method;
  model.k = built.model.k;
  model.items = catalogue;
  std::vector<Eigen::Index> row_of(d, -1);
  for (size_t r = 0; r < c.top.size(); ++r) row_of[c.top[r]] = static_cast<Eigen::Index>(r);
  model.offset.assign(1, 0);
  for (uint64_t i = 0; i < d; ++i) {
    const double est = f[static_cast<Eigen::Index>(i)];
    if (est < 0 && row_of[i] < 0) ++out.report.negative_estimates_clamped;
    model.items[i].popularity = std::max(0.0, est);
    if (row_of[i] >= 0) {
      const auto r = static_cast<size_t>(row_of[i]);
      for (uint32_t e = built.model.offset[r]; e < built.model.offset[r + 1]; ++e) {
        model.neighbor.push_back(static_cast<int32_t>(c.top[static_cast<size_t>(built.model.neighbor[e])]));
        model.weight.push_back(built.model.weight[e]);
      }
    }
    model.offset.push_back(static_cast<uint32_t>(model.neighbor.size()));
  }
  out.report.items_without_engagement = static_cast<size_t>(
      std::count_if(model.items.begin(), model.items.end(), [](const ModelItem& it) { return it.popularity <= 0; }));
  validate(model);
  return out;
}

LdpSimulationOptions ldp_simulation_options_from_json(const nlohmann::json& j) {
  LdpSimulationOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("simulation options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "epsilon") {
      o.epsilon = ldp_number_in(j, "epsilon", kMinEpsilon, kMaxEpsilon);
    } else if (k == "mechanism") {
      if (!it->is_string()) throw InputError("option \"mechanism\" must be \"auto\", \"grr\", \"oue\" or \"olh\"");
      o.auto_mechanism = it->get<std::string>() == "auto";
      if (!o.auto_mechanism) o.mechanism = mechanism_from_name(it->get<std::string>());
    } else if (k == "seed") {
      if (!is_json_uint(*it)) throw InputError("option \"seed\" must be a non-negative integer (at most 18446744073709551615)");
      o.seed = it->get<uint64_t>();
    } else if (k == "events") {
      if (!it->is_array() || it->empty()) throw InputError("option \"events\" must be a non-empty array of event names");
      o.events.clear();
      for (const auto& e : *it) {
        if (!e.is_string()) throw InputError("option \"events\" must hold event names (strings)");
        o.events.push_back(e.get<std::string>());
      }
    } else {
      throw InputError("unknown simulation option \"" + k + "\" (known: epsilon, mechanism, seed, events)");
    }
  }
  return o;
}

LdpSimulation simulate_ldp_reports(const EventLog& log, const LdpSimulationOptions& o) {
  std::vector<char> engaging(log.event_names.size(), 0);
  bool any = false;
  for (const auto& name : o.events) {
    int32_t code = log.event_names.find(name);
    if (code >= 0) engaging[static_cast<size_t>(code)] = 1, any = true;
  }
  if (!any) throw InputError("none of the engagement events (option \"events\") occurs in the log");
  const uint64_t d = log.items.size();
  if (d < 2) throw InputError("the log has " + std::to_string(d) + " courses; private reports need at least 2");
  std::vector<std::vector<uint64_t>> history(log.users.size());
  for (size_t i = 0; i < log.size(); ++i)
    if (log.item[i] != kNone && engaging[static_cast<size_t>(log.event[i])])
      history[static_cast<size_t>(log.user[i])].push_back(static_cast<uint64_t>(log.item[i]));
  LdpSimulation sim;
  sim.catalogue = log.items.names();
  sim.learners = log.users.size();
  SeededRandomSource random(o.seed);
  PrivacyBudget budget;
  budget.max_epsilon_per_report = o.epsilon;
  budget.max_total_epsilon = 2 * kMaxEpsilon;  // one item and one pair report per learner
  for (auto& h : history) {
    std::sort(h.begin(), h.end());
    h.erase(std::unique(h.begin(), h.end()), h.end());
    if (h.empty()) {
      ++sim.learners_without_engagement;
      continue;
    }
    DeviceState state;
    ReportRequest r;
    r.items = d;
    r.history = h;
    r.epsilon = o.epsilon;
    r.auto_mechanism = o.auto_mechanism;
    r.mechanism = o.mechanism;
    r.period = "simulation";
    if (r.mechanism == Mechanism::kOue && !r.auto_mechanism && d > kMaxOueDomain)
      throw InputError("mechanism \"oue\" is offered up to " + std::to_string(kMaxOueDomain) + " courses");
    sim.reports.push_back(make_report(r, budget, state, random, /*allow_insecure=*/true).report);
    if (h.size() < 2) {
      ++sim.learners_with_one_course;
      continue;
    }
    r.kind = ReportKind::kPair;
    // OUE over d(d-1)/2 pairs is not offered: large pair domains fall back to the automatic choice.
    if (!r.auto_mechanism && r.mechanism == Mechanism::kOue && report_domain(ReportKind::kPair, d) > kMaxOueDomain)
      r.auto_mechanism = true;
    sim.reports.push_back(make_report(r, budget, state, random, true).report);
  }
  return sim;
}

}  // namespace circlewise
