#include "circlewise/item_model_builder.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

struct Candidate {
  int32_t j;
  double w;
};

// Appends item i's top-k candidates (by weight, ties: lower index) to the model.
void append_top_k(std::vector<Candidate>& cand, uint32_t k, ItemModel& m) {
  auto better = [](const Candidate& a, const Candidate& b) { return a.w > b.w || (a.w == b.w && a.j < b.j); };
  if (cand.size() > k) {
    std::nth_element(cand.begin(), cand.begin() + (k - 1), cand.end(), better);
    cand.resize(k);
  }
  std::sort(cand.begin(), cand.end(), better);
  for (const auto& c : cand) {
    m.neighbor.push_back(c.j);
    m.weight.push_back(static_cast<float>(c.w));
  }
  m.offset.push_back(static_cast<uint32_t>(m.neighbor.size()));
}

// EASE from the Gram matrix G (G_ii = f_i, G_ij = c_ij), rows appended to the model.
void ease_neighbours(Eigen::MatrixXd g, const ItemModelOptions& o, ItemModel& m) {
  const Eigen::Index n = g.rows();
  g.diagonal().array() += o.ease_lambda;
  // G + lambda I is symmetric positive definite for lambda > 0 and G a Gram matrix; LDLT also
  // copes with the slightly indefinite matrices that noisy (private) estimates give.
  Eigen::MatrixXd p = g.ldlt().solve(Eigen::MatrixXd::Identity(n, n));
  std::vector<Candidate> cand;
  for (Eigen::Index i = 0; i < n; ++i) {
    cand.clear();
    for (Eigen::Index j = 0; j < n; ++j) {
      if (j == i) continue;
      double b = -p(i, j) / p(j, j);
      if (b > 0 && std::isfinite(b)) cand.push_back({static_cast<int32_t>(j), b});
    }
    append_top_k(cand, o.k, m);
  }
}

void check_ease_size(size_t n, const ItemModelOptions& o) {
  if (n > o.ease_max_items)
    throw InputError("option \"method\": \"ease\" needs a dense " + std::to_string(n) + " x " + std::to_string(n) +
                     " matrix; it is limited to easeMaxItems = " + std::to_string(o.ease_max_items) +
                     " courses (raise easeMaxItems, or use \"cosine\")");
}

void check_options(const ItemModelOptions& o) {
  if (o.method != "cosine" && o.method != "ease")
    throw InputError("option \"method\" must be \"cosine\" or \"ease\", got " + quote_value(o.method));
  if (o.k < 1 || o.k > 1000) throw InputError("option \"k\" must be between 1 and 1000, got " + std::to_string(o.k));
  if (!(o.shrinkage >= 0 && o.shrinkage <= 1e9))
    throw InputError("option \"shrinkage\" must be between 0 and 1e9");
  if (!(o.ease_lambda > 0 && o.ease_lambda <= 1e12)) throw InputError("option \"easeLambda\" must be > 0 and <= 1e12");
  if (!(o.min_support >= 0 && o.min_support <= 1e12)) throw InputError("option \"minSupport\" must be between 0 and 1e12");
  if (o.ease_max_items < 1 || o.ease_max_items > 20000)
    throw InputError("option \"easeMaxItems\" must be between 1 and 20000");
}

double median(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

}  // namespace

CIRCLEWISE_SIZE_OPTIMISED_BEGIN

ItemModelOptions item_model_options_from_json(const nlohmann::json& j) {
  ItemModelOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("model options must be an object");
  auto number = [](const std::string& k, const nlohmann::json& v) {
    if (!v.is_number()) throw InputError("option \"" + k + "\" must be a number");
    return v.get<double>();
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "method") {
      if (!v.is_string()) throw InputError("option \"method\" must be \"cosine\" or \"ease\"");
      o.method = v.get<std::string>();
    } else if (k == "k") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 1000)
        throw InputError("option \"k\" must be an integer between 1 and 1000");
      o.k = v.get<uint32_t>();
    } else if (k == "shrinkage") {
      o.shrinkage = number(k, v);
    } else if (k == "easeLambda") {
      o.ease_lambda = number(k, v);
    } else if (k == "easeMaxItems") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 20000)
        throw InputError("option \"easeMaxItems\" must be an integer between 1 and 20000");
      o.ease_max_items = v.get<size_t>();
    } else if (k == "minSupport") {
      o.min_support = number(k, v);
    } else if (k == "events") {
      if (!v.is_array() || v.empty()) throw InputError("option \"events\" must be a non-empty array of event names");
      o.events.clear();
      for (const auto& e : v) {
        if (!e.is_string() || e.get<std::string>().empty())
          throw InputError("option \"events\" must be a non-empty array of event names");
        o.events.push_back(e.get<std::string>());
      }
    } else if (k == "titles") {
      if (!v.is_object()) throw InputError("option \"titles\" must be an object {itemId: title}");
      for (auto t = v.begin(); t != v.end(); ++t) {
        if (!t->is_string()) throw InputError("option \"titles\": the title of " + quote_value(t.key()) + " must be a string");
        o.titles[t.key()] = t->get<std::string>();
      }
    } else {
      throw InputError("unknown model option \"" + k +
                       "\" (known: method, k, shrinkage, easeLambda, easeMaxItems, minSupport, events, titles)");
    }
  }
  check_options(o);
  return o;
}

CIRCLEWISE_SIZE_OPTIMISED_END

ItemModelBuild build_item_model(const EventLog& log, const ItemModelOptions& o) {
  check_options(o);
  ItemModelBuild out;
  auto& rep = out.report;
  const size_t n = log.items.size();
  std::vector<uint8_t> engaging(log.event_names.size(), 0);
  for (const auto& name : o.events) {
    int32_t code = log.event_names.find(name);
    if (code < 0) rep.unknown_event_names.push_back(name);
    else engaging[static_cast<size_t>(code)] = 1;
  }
  if (n == 0) throw InputError("the event log has no courses (item_id is empty on every event)");
  if (o.method == "ease") check_ease_size(n, o);

  // Distinct (learner, course) engagements; category and price evidence from every event.
  std::vector<uint64_t> pairs;
  std::vector<uint64_t> item_community;  // item * communities + community, one per event
  std::vector<std::vector<double>> prices(n);
  const auto purchase = static_cast<int32_t>(EventType::kPurchase);
  const uint64_t nc = log.communities.size();
  for (size_t e = 0; e < log.size(); ++e) {
    const int32_t item = log.item[e];
    const bool eng = engaging[static_cast<size_t>(log.event[e])];
    if (!eng) ++rep.events_other_types;
    if (item == kNone) {
      if (eng) ++rep.events_without_item;
      continue;
    }
    if (eng) {
      ++rep.events_used;
      pairs.push_back(static_cast<uint64_t>(log.user[e]) << 32 | static_cast<uint32_t>(item));
    }
    if (log.community[e] != kNone) item_community.push_back(static_cast<uint64_t>(item) * nc + static_cast<uint64_t>(log.community[e]));
    if (log.event[e] == purchase && EventLog::has_amount(log.amount[e])) prices[static_cast<size_t>(item)].push_back(log.amount[e]);
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  rep.interactions = pairs.size();
  if (pairs.empty()) {
    std::string names;
    for (const auto& e : o.events) names += (names.empty() ? "" : ", ") + e;
    throw InputError("no engagement to learn from: no event with a course has one of the types in option \"events\" (" +
                     names + ")");
  }

  // Learner -> courses (CSR over the sorted pairs) and course -> learners.
  std::vector<uint32_t> user_start;  // index into pairs where each learner's run starts
  for (size_t p = 0; p < pairs.size(); ++p)
    if (p == 0 || (pairs[p] >> 32) != (pairs[p - 1] >> 32)) user_start.push_back(static_cast<uint32_t>(p));
  rep.learners = user_start.size();
  user_start.push_back(static_cast<uint32_t>(pairs.size()));
  std::vector<uint32_t> item_off(n + 1, 0), item_users(pairs.size());
  for (uint64_t pr : pairs) ++item_off[(pr & 0xFFFFFFFFu) + 1];
  for (size_t i = 0; i < n; ++i) item_off[i + 1] += item_off[i];
  {
    std::vector<uint32_t> fill(item_off.begin(), item_off.end() - 1);
    for (size_t u = 0; u + 1 < user_start.size(); ++u)
      for (uint32_t p = user_start[u]; p < user_start[u + 1]; ++p) item_users[fill[pairs[p] & 0xFFFFFFFFu]++] = static_cast<uint32_t>(u);
  }
  auto item_of = [&](uint32_t p) { return static_cast<int32_t>(pairs[p] & 0xFFFFFFFFu); };

  // Catalogue.
  ItemModel& m = out.model;
  m.method = o.method;
  m.k = o.k;
  m.items.resize(n);
  std::sort(item_community.begin(), item_community.end());
  std::vector<size_t> best_count(n, 0);
  for (size_t a = 0; a < item_community.size();) {
    size_t b = a;
    while (b < item_community.size() && item_community[b] == item_community[a]) ++b;
    size_t item = item_community[a] / nc;
    if (b - a > best_count[item]) {  // strictly more: ties keep the lower community code
      best_count[item] = b - a;
      m.items[item].category = log.communities.name(static_cast<int32_t>(item_community[a] % nc));
    }
    a = b;
  }
  for (size_t i = 0; i < n; ++i) {
    auto& it = m.items[i];
    it.id = log.items.name(static_cast<int32_t>(i));
    auto t = o.titles.find(it.id);
    it.title = t != o.titles.end() && !t->second.empty() ? t->second : it.id;
    if (!prices[i].empty()) it.price = median(prices[i]);
    it.popularity = static_cast<double>(item_off[i + 1] - item_off[i]);
    if (it.popularity == 0) ++rep.items_without_engagement;
  }

  // Co-occurrence row by row (sparse: only courses sharing a learner are touched).
  std::vector<double> row(n, 0);
  std::vector<int32_t> touched;
  if (o.method == "ease") {
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    for (size_t u = 0; u + 1 < user_start.size(); ++u)
      for (uint32_t a = user_start[u]; a < user_start[u + 1]; ++a)
        for (uint32_t b = user_start[u]; b < user_start[u + 1]; ++b) g(item_of(a), item_of(b)) += 1;
    ease_neighbours(std::move(g), o, m);
  } else {
    std::vector<Candidate> cand;
    for (size_t i = 0; i < n; ++i) {
      touched.clear();
      for (uint32_t q = item_off[i]; q < item_off[i + 1]; ++q) {
        uint32_t u = item_users[q];
        for (uint32_t p = user_start[u]; p < user_start[u + 1]; ++p) {
          int32_t j = item_of(p);
          if (static_cast<size_t>(j) == i) continue;
          if (row[j] == 0) touched.push_back(j);
          row[j] += 1;
        }
      }
      cand.clear();
      const double fi = m.items[i].popularity;
      for (int32_t j : touched) {
        double c = row[j];
        row[j] = 0;
        if (c < o.min_support) continue;
        cand.push_back({j, c / (std::sqrt(fi * m.items[j].popularity) + o.shrinkage)});
      }
      append_top_k(cand, o.k, m);
    }
  }
  validate(m);
  return out;
}

ItemModelBuild build_item_model_from_counts(const std::vector<ModelItem>& items,
                                            const Eigen::Ref<const Eigen::VectorXd>& frequency,
                                            const Eigen::Ref<const Eigen::MatrixXd>& cooccurrence,
                                            const ItemModelOptions& o) {
  check_options(o);
  const auto n = static_cast<Eigen::Index>(items.size());
  if (n < 1) throw InputError("model from counts: the catalogue is empty");
  if (frequency.size() != n)
    throw InputError("model from counts: \"frequencies\" has " + std::to_string(frequency.size()) + " values for " +
                     std::to_string(n) + " items");
  if (cooccurrence.rows() != n || cooccurrence.cols() != n)
    throw InputError("model from counts: \"cooccurrence\" must be " + std::to_string(n) + " x " + std::to_string(n) +
                     ", got " + std::to_string(cooccurrence.rows()) + " x " + std::to_string(cooccurrence.cols()));
  if (!frequency.allFinite()) throw InputError("model from counts: \"frequencies\" contains a non-finite value");
  if (!cooccurrence.allFinite()) throw InputError("model from counts: \"cooccurrence\" contains a non-finite value");
  if (o.method == "ease") check_ease_size(static_cast<size_t>(n), o);

  ItemModelBuild out;
  auto& rep = out.report;
  ItemModel& m = out.model;
  m.method = o.method;
  m.k = o.k;
  m.items = items;
  for (Eigen::Index i = 0; i < n; ++i) {
    auto& it = m.items[static_cast<size_t>(i)];
    if (it.title.empty()) it.title = it.id;
    double f = frequency[i];
    if (f < 0) {
      ++rep.negative_estimates_clamped;
      f = 0;
    }
    it.popularity = f;
    if (f == 0) ++rep.items_without_engagement;
  }
  // Symmetrised, clamped co-occurrence.
  Eigen::MatrixXd c = (cooccurrence + cooccurrence.transpose()) / 2;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (i != j && c(i, j) < 0) {
        if (i < j) ++rep.negative_estimates_clamped;
        c(i, j) = 0;
      }
  if (o.method == "ease") {
    for (Eigen::Index i = 0; i < n; ++i) c(i, i) = m.items[static_cast<size_t>(i)].popularity;
    ease_neighbours(std::move(c), o, m);
  } else {
    std::vector<Candidate> cand;
    for (Eigen::Index i = 0; i < n; ++i) {
      cand.clear();
      const double fi = m.items[static_cast<size_t>(i)].popularity;
      for (Eigen::Index j = 0; j < n; ++j) {
        double cij = c(i, j);
        if (j == i || cij <= 0 || cij < o.min_support) continue;
        double denom = std::sqrt(fi * m.items[static_cast<size_t>(j)].popularity) + o.shrinkage;
        if (denom > 0) cand.push_back({static_cast<int32_t>(j), cij / denom});
      }
      append_top_k(cand, o.k, m);
    }
  }
  validate(m);  // also rejects duplicate or empty ids in the given catalogue
  return out;
}

CIRCLEWISE_SIZE_OPTIMISED_BEGIN

nlohmann::json to_json(const ItemModelBuildReport& r) {
  return {{"learners", r.learners},
          {"interactions", r.interactions},
          {"eventsUsed", r.events_used},
          {"eventsWithoutItem", r.events_without_item},
          {"eventsOtherTypes", r.events_other_types},
          {"itemsWithoutEngagement", r.items_without_engagement},
          {"negativeEstimatesClamped", r.negative_estimates_clamped},
          {"unknownEventNames", r.unknown_event_names}};
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
