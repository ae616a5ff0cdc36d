#include "circlewise/recommender.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/ldp_aggregator.h"
#include "circlewise/random.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

enum : uint8_t { kCandidate = 1, kBlocked = 2, kChosen = 4 };

struct EventRole {
  double weight;
  bool owned;
  bool ignored;
};

EventRole role_of(const std::string& e) {
  if (e == "enroll" || e == "purchase" || e == "complete") return {1.0, true, false};
  if (e == "refund") return {0.0, true, false};
  if (e == "join" || e == "leave") return {0.0, false, true};
  if (e == "share") return {1.0, false, false};
  return {0.5, false, false};
}

std::string verb_of(const std::string& e) {
  if (e == "enroll") return "enrolled in";
  if (e == "purchase") return "bought";
  if (e == "complete") return "completed";
  if (e == "share") return "shared";
  if (e == "view") return "viewed";
  if (e == "wishlist") return "saved";
  return "looked at";
}

// "n" (how many courses to recommend), read the same way by the recommend and evaluation options.
size_t n_option(const nlohmann::json& v) {
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 1000)
    throw InputError("option \"n\" must be an integer between 1 and 1000");
  return v.get<size_t>();
}

// A non-negative integer option (seeds, counts), named in the error.
uint64_t count_option(const nlohmann::json& v, const char* name) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) throw InputError(std::string("option \"") + name + "\" must be an integer >= 0");
  return v.get<uint64_t>();
}

}  // namespace

CIRCLEWISE_SIZE_OPTIMISED_BEGIN

RecommendOptions recommend_options_from_json(const nlohmann::json& j) {
  RecommendOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("recommend options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "n") {
      o.n = n_option(v);
    } else if (k == "exclude") {
      if (!v.is_array()) throw InputError("option \"exclude\" must be an array of course ids");
      for (const auto& e : v) {
        if (!e.is_string()) throw InputError("option \"exclude\" must be an array of course ids (strings)");
        o.exclude.push_back(e.get<std::string>());
      }
    } else if (k == "community") {
      if (v.is_null()) continue;
      if (!v.is_string()) throw InputError("option \"community\" must be a string");
      o.community = v.get<std::string>();
    } else if (k == "fillWithPopular") {
      if (!v.is_boolean()) throw InputError("option \"fillWithPopular\" must be true or false");
      o.fill_with_popular = v.get<bool>();
    } else {
      throw InputError("unknown recommend option \"" + k + "\" (known: n, exclude, community, fillWithPopular)");
    }
  }
  return o;
}

CIRCLEWISE_SIZE_OPTIMISED_END

std::vector<HistoryEntry> history_from_json(const nlohmann::json& j) {
  if (j.is_null()) return {};
  if (!j.is_array()) throw InputError("history must be an array of {item, event} or course ids");
  std::vector<HistoryEntry> h;
  h.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    if (e.is_string()) {
      h.push_back({e.get<std::string>(), "enroll"});
      continue;
    }
    const std::string where = "history[" + std::to_string(i) + "]";
    if (!e.is_object()) throw InputError(where + " must be a course id or an object {item, event}");
    HistoryEntry x;
    auto item = e.find("item");
    if (item == e.end()) item = e.find("itemId");
    if (item == e.end() || !item->is_string()) throw InputError(where + ": \"item\" must be a course id (string)");
    x.item = item->get<std::string>();
    auto ev = e.find("event");
    if (ev != e.end()) {
      if (!ev->is_string() || ev->get<std::string>().empty()) throw InputError(where + ": \"event\" must be an event name");
      x.event = ev->get<std::string>();
    }
    h.push_back(std::move(x));
  }
  return h;
}

std::vector<HistoryEntry> history_from_lines(std::string_view text) {
  std::vector<HistoryEntry> h;
  size_t line = 0;
  while (!text.empty()) {
    ++line;
    size_t nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty()) continue;
    // Ids reach JSON (the answer lists unknown ones): bytes that are not UTF-8 are refused here,
    // as in every other text input, rather than breaking the answer's serialisation.
    if (!is_valid_utf8(l)) throw InputError("history line " + std::to_string(line) + " is not valid UTF-8 text");
    size_t tab = l.find('\t');
    if (tab == std::string_view::npos) {
      h.push_back({std::string(l), "enroll"});
    } else {
      if (tab == 0) throw InputError("history line " + std::to_string(line) + ": the event name is empty");
      h.push_back({std::string(l.substr(tab + 1)), std::string(l.substr(0, tab))});
    }
  }
  return h;
}

Recommender::Recommender(ItemModel model) : model_(std::move(model)) {
  validate(model_);
  const size_t n = model_.size();
  index_.reserve(n);
  for (size_t i = 0; i < n; ++i) index_.emplace(model_.items[i].id, static_cast<int32_t>(i));
  by_popularity_.resize(n);
  for (size_t i = 0; i < n; ++i) by_popularity_[i] = static_cast<int32_t>(i);
  std::stable_sort(by_popularity_.begin(), by_popularity_.end(),
                   [&](int32_t a, int32_t b) { return model_.items[a].popularity > model_.items[b].popularity; });
  for (int32_t i : by_popularity_)
    if (!model_.items[i].category.empty()) popular_in_[model_.items[i].category].push_back(i);
  score_.assign(n, 0);
  best_.assign(n, 0);
  because_.assign(n, kNone);
  mark_.assign(n, 0);
  source_of_.assign(n, -1);
}

int32_t Recommender::find(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? kNone : it->second;
}

RecommendResult Recommender::recommend(const std::vector<HistoryEntry>& history, const RecommendOptions& o) const {
  if (o.n < 1 || o.n > 1000) throw InputError("option \"n\" must be between 1 and 1000");
  RecommendResult r;
  r.history_events = history.size();
  touched_.clear();
  auto touch = [&](int32_t i, uint8_t flag) {
    if (!mark_[i]) touched_.push_back(i);
    mark_[i] |= flag;
  };
  // The history: each course's strongest event (weight), and what it owns.
  std::vector<std::pair<int32_t, size_t>> sources;  // (course, index of its strongest event)
  std::vector<double> source_weight;
  std::unordered_set<std::string> unknown;
  for (size_t h = 0; h < history.size(); ++h) {
    const auto& e = history[h];
    EventRole role = role_of(e.event);
    if (role.ignored || e.item.empty()) {
      ++r.ignored_events;
      continue;
    }
    int32_t i = find(e.item);
    if (i == kNone) {
      ++r.unknown_events;
      if (unknown.insert(e.item).second && r.unknown_items.size() < 20) r.unknown_items.push_back(e.item);
      continue;
    }
    if (role.owned) touch(i, kBlocked);
    const int32_t s = source_of_[i];
    if (s < 0) {
      source_of_[i] = static_cast<int32_t>(sources.size());
      sources.emplace_back(i, h);
      source_weight.push_back(role.weight);
    } else if (role.weight > source_weight[static_cast<size_t>(s)]) {
      source_weight[static_cast<size_t>(s)] = role.weight;
      sources[static_cast<size_t>(s)].second = h;
    }
  }
  for (const auto& src : sources) source_of_[src.first] = -1;
  r.history_items = sources.size();
  for (const auto& id : o.exclude) {
    int32_t i = find(id);
    if (i == kNone) ++r.unknown_exclude;
    else touch(i, kBlocked);
  }
  // Scores: sum of weighted neighbour weights; the reason is the largest single contribution.
  for (size_t s = 0; s < sources.size(); ++s) {
    const int32_t i = sources[s].first;
    const double w = source_weight[s];
    if (w == 0) continue;
    for (uint32_t e = model_.offset[i]; e < model_.offset[i + 1]; ++e) {
      const int32_t j = model_.neighbor[e];
      const double c = w * static_cast<double>(model_.weight[e]);
      if (!(mark_[j] & kCandidate)) {
        touch(j, kCandidate);
        score_[j] = 0;
        best_[j] = -HUGE_VAL;
      }
      score_[j] += c;
      if (c > best_[j]) {
        best_[j] = c;
        because_[j] = static_cast<int32_t>(s);
      }
    }
  }
  std::vector<int32_t> cand;
  for (int32_t j : touched_)
    if (mark_[j] == kCandidate && score_[j] > 0) cand.push_back(j);
  auto better = [&](int32_t a, int32_t b) {
    if (score_[a] != score_[b]) return score_[a] > score_[b];
    if (model_.items[a].popularity != model_.items[b].popularity)
      return model_.items[a].popularity > model_.items[b].popularity;
    return a < b;
  };
  const size_t take = std::min(o.n, cand.size());
  std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(take), cand.end(), better);
  for (size_t c = 0; c < take; ++c) {
    const int32_t j = cand[c];
    const auto& src = sources[static_cast<size_t>(because_[j])];
    r.items.push_back({j, score_[j], src.first, history[src.second].event, false});
    touch(j, kChosen);
  }
  // Popularity fallback: the learner's community first, then everyone.
  auto pc = o.community.empty() ? popular_in_.end() : popular_in_.find(o.community);
  r.community_known = pc != popular_in_.end();
  const size_t personal = r.items.size();
  if (o.fill_with_popular && r.items.size() < o.n) {
    auto fill = [&](const std::vector<int32_t>& order) {
      for (int32_t j : order) {
        if (r.items.size() >= o.n) return;
        if (mark_[j] & (kBlocked | kChosen)) continue;
        r.items.push_back({j, 0, kNone, "", true});
        touch(j, kChosen);
      }
    };
    if (r.community_known) fill(pc->second);
    fill(by_popularity_);
  }
  r.strategy = personal == 0 ? "popular" : personal < r.items.size() ? "personal+popular" : "personal";
  for (int32_t j : touched_) mark_[j] = 0;
  return r;
}

nlohmann::json to_json(const RecommendResult& r, const ItemModel& m) {
  using nlohmann::json;
  json items = json::array();
  for (const auto& x : r.items) {
    const auto& it = m.items[static_cast<size_t>(x.item)];
    json o = {{"id", it.id}, {"title", it.title}};
    o["category"] = it.category.empty() ? json(nullptr) : json(it.category);
    o["price"] = std::isnan(it.price) ? json(nullptr) : json(it.price);
    o["score"] = x.score;
    if (x.popular) {
      o["reason"] = it.category.empty() ? "popular with learners" : "popular in " + it.category;
      o["because"] = nullptr;
    } else {
      const auto& src = m.items[static_cast<size_t>(x.because)];
      o["reason"] = "because you " + verb_of(x.because_event) + " " + src.title;
      o["because"] = src.id;
    }
    o["source"] = x.popular ? "popular" : "neighbors";
    items.push_back(std::move(o));
  }
  return {{"items", std::move(items)},
          {"strategy", r.strategy},
          {"historyEvents", r.history_events},
          {"historyItems", r.history_items},
          {"unknownEvents", r.unknown_events},
          {"unknownItems", r.unknown_items},
          {"ignoredEvents", r.ignored_events},
          {"unknownExclude", r.unknown_exclude},
          {"communityKnown", r.community_known}};
}

// ───── Evaluation ─────
// Offline evaluation (quality, not latency): optimised for size like the parsing code.
CIRCLEWISE_SIZE_OPTIMISED_BEGIN

LeaveLastOutSplit split_leave_last_out(const EventLog& log, const std::vector<std::string>& events) {
  std::vector<uint8_t> engaging(log.event_names.size(), 0);
  for (const auto& name : events) {
    int32_t code = log.event_names.find(name);
    if (code >= 0) engaging[static_cast<size_t>(code)] = 1;
  }
  const size_t nu = log.users.size();
  // Per learner: first engagement time per course, in log order.
  struct First {
    int32_t item;
    int64_t ts;
    size_t row;
  };
  std::vector<std::vector<First>> firsts(nu);
  std::vector<std::unordered_map<int32_t, size_t>> community_count(nu);
  for (size_t e = 0; e < log.size(); ++e) {
    const auto u = static_cast<size_t>(log.user[e]);
    if (log.community[e] != kNone) ++community_count[u][log.community[e]];
    if (log.item[e] == kNone || !engaging[static_cast<size_t>(log.event[e])]) continue;
    auto& f = firsts[u];
    auto it = std::find_if(f.begin(), f.end(), [&](const First& x) { return x.item == log.item[e]; });
    if (it == f.end()) f.push_back({log.item[e], log.ts_ms[e], e});
    else if (log.ts_ms[e] < it->ts) it->ts = log.ts_ms[e];
  }
  LeaveLastOutSplit split;
  std::vector<int32_t> held(nu, kNone);
  for (size_t u = 0; u < nu; ++u) {
    auto& f = firsts[u];
    if (f.empty()) continue;
    if (f.size() < 2) {
      ++split.learners_skipped;
      continue;
    }
    std::stable_sort(f.begin(), f.end(), [](const First& a, const First& b) { return a.ts != b.ts ? a.ts < b.ts : a.row < b.row; });
    LeaveLastOutSplit::Case c;
    held[u] = f.back().item;
    c.held_out = log.items.name(f.back().item);
    for (size_t k = 0; k + 1 < f.size(); ++k) c.history.push_back({log.items.name(f[k].item), log.event_names.name(log.event[f[k].row])});
    int32_t best = kNone;
    size_t best_n = 0;
    for (const auto& [comm, cnt] : community_count[u])
      if (cnt > best_n || (cnt == best_n && comm < best)) {
        best = comm;
        best_n = cnt;
      }
    if (best != kNone) c.community = log.communities.name(best);
    split.cases.push_back(std::move(c));
  }
  // The training log: every event except the held-out course's engagement events.
  split.train.users = log.users;
  split.train.items = log.items;
  split.train.communities = log.communities;
  split.train.event_names = log.event_names;
  split.train.report = log.report;
  split.train.reserve(log.size());
  for (size_t e = 0; e < log.size(); ++e) {
    if (log.item[e] != kNone && engaging[static_cast<size_t>(log.event[e])] && held[static_cast<size_t>(log.user[e])] == log.item[e])
      continue;
    split.train.user.push_back(log.user[e]);
    split.train.item.push_back(log.item[e]);
    split.train.event.push_back(log.event[e]);
    split.train.ts_ms.push_back(log.ts_ms[e]);
    split.train.amount.push_back(log.amount[e]);
    split.train.community.push_back(log.community[e]);
    split.train.referrer.push_back(log.referrer[e]);
  }
  return split;
}

RecommenderQuality evaluate(const Recommender& rec, const LeaveLastOutSplit& split, size_t n, const std::string& name) {
  RecommenderQuality q;
  q.name = name;
  std::vector<uint8_t> shown(rec.model().size(), 0);
  RecommendOptions o;
  o.n = n;
  for (const auto& c : split.cases) {
    ++q.cases;
    const int32_t target = rec.find(c.held_out);
    if (target == kNone) ++q.held_out_not_in_model;
    o.community = c.community;
    RecommendResult r = rec.recommend(c.history, o);
    for (size_t k = 0; k < r.items.size(); ++k) {
      shown[static_cast<size_t>(r.items[k].item)] = 1;
      if (r.items[k].item == target) {
        q.recall += 1;
        q.ndcg += 1.0 / std::log2(static_cast<double>(k) + 2.0);
      }
    }
  }
  if (q.cases) {
    q.recall /= static_cast<double>(q.cases);
    q.ndcg /= static_cast<double>(q.cases);
  }
  size_t covered = 0;
  for (uint8_t s : shown) covered += s;
  q.coverage = shown.empty() ? 0 : static_cast<double>(covered) / static_cast<double>(shown.size());
  return q;
}

EvaluationOptions evaluation_options_from_json(const nlohmann::json& j) {
  EvaluationOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("evaluation options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "n") {
      o.n = n_option(v);
    } else if (k == "maxCases") {
      o.max_cases = count_option(v, "maxCases");
    } else if (k == "seed") {
      o.seed = count_option(v, "seed");
    } else if (k == "ease") {
      if (!v.is_boolean()) throw InputError("option \"ease\" must be true or false");
      o.ease = v.get<bool>();
    } else if (k == "model") {
      o.model = item_model_options_from_json(v);
    } else if (k == "ldpEpsilons") {
      if (!v.is_array() || v.size() > 20) throw InputError("option \"ldpEpsilons\" must be an array of at most 20 epsilons");
      for (const auto& e : v) {
        if (!e.is_number() || !(e.get<double>() >= kMinEpsilon && e.get<double>() <= kMaxEpsilon))
          throw InputError("option \"ldpEpsilons\": every epsilon must be a number in [0.01, 10], got " + e.dump());
        static_assert(kMinEpsilon == 0.01 && kMaxEpsilon == 10.0, "update the message above");
        o.ldp_epsilons.push_back(e.get<double>());
      }
    } else if (k == "ldpSeed") {
      o.ldp_seed = count_option(v, "ldpSeed");
    } else if (k == "ldpTopItems") {
      if (!v.is_number_integer() || v.get<int64_t>() < 2 || v.get<int64_t>() > 3000)
        throw InputError("option \"ldpTopItems\" must be an integer in [2, 3000]");
      o.ldp_top_items = v.get<uint32_t>();
    } else if (k == "ldpMinZ") {
      o.ldp_min_z = v.is_string() && v.get<std::string>() == "auto" ? -1 : ldp_number_in(j, "ldpMinZ", 0, 10);
    } else {
      throw InputError("unknown evaluation option \"" + k +
                       "\" (known: n, maxCases, seed, ease, model, ldpEpsilons, ldpSeed, ldpTopItems, ldpMinZ)");
    }
  }
  return o;
}

EvaluationResult evaluate_leave_last_out(const EventLog& log, const EvaluationOptions& o) {
  if (o.n < 1 || o.n > 1000) throw InputError("option \"n\" must be between 1 and 1000");
  LeaveLastOutSplit split = split_leave_last_out(log, o.model.events);
  if (split.cases.empty())
    throw InputError("nothing to evaluate: no learner engaged with two or more courses (events: option \"events\")");
  if (o.max_cases && split.cases.size() > o.max_cases) {
    Rng rng(o.seed);  // partial Fisher-Yates: a seeded, platform-independent sample
    for (size_t i = 0; i < o.max_cases; ++i) std::swap(split.cases[i], split.cases[i + rng.below(split.cases.size() - i)]);
    split.cases.resize(o.max_cases);
  }
  EvaluationResult out;
  out.learners_evaluated = split.cases.size();
  out.learners_skipped = split.learners_skipped;
  ItemModelOptions mo = o.model;
  mo.method = "cosine";
  ItemModel cosine = build_item_model(split.train, mo).model;
  out.courses = cosine.size();
  // Popularity: the same catalogue with no neighbours, so every pick is the fallback.
  ItemModel popular = cosine;
  popular.neighbor.clear();
  popular.weight.clear();
  std::fill(popular.offset.begin(), popular.offset.end(), 0);
  {
    Recommender pop(popular);
    LeaveLastOutSplit no_community;
    no_community.cases = split.cases;
    for (auto& c : no_community.cases) c.community.clear();
    out.methods.push_back(evaluate(pop, no_community, o.n, "popularity"));
    out.methods.push_back(evaluate(pop, split, o.n, "popularity in community"));
  }
  // The private models' catalogue: the training log's courses in its dictionary order (the
  // simulation's report indices), named and priced as in the non-private model.
  std::vector<ModelItem> catalogue;
  if (!o.ldp_epsilons.empty()) {
    std::unordered_map<std::string, size_t> at;
    for (size_t i = 0; i < cosine.items.size(); ++i) at.emplace(cosine.items[i].id, i);
    for (const auto& id : split.train.items.names()) {
      auto f = at.find(id);
      ModelItem m;
      if (f != at.end()) m = cosine.items[f->second];
      else m.id = m.title = id;
      catalogue.push_back(std::move(m));
    }
  }
  out.methods.push_back(evaluate(Recommender(std::move(cosine)), split, o.n, "item-item cosine"));
  if (o.ease) {
    mo.method = "ease";
    out.methods.push_back(evaluate(Recommender(build_item_model(split.train, mo).model), split, o.n, "item-item EASE"));
  }
  for (double eps : o.ldp_epsilons) {
    LdpSimulationOptions so;
    so.epsilon = eps;
    so.seed = o.ldp_seed;
    so.events = o.model.events;
    LdpSimulation sim = simulate_ldp_reports(split.train, so);
    AggregatorOptions ao;
    ao.items = sim.catalogue.size();
    LdpAggregator items(ao);
    ao.kind = ReportKind::kPair;
    LdpAggregator pairs(ao);
    size_t n_items = 0, n_pairs = 0;
    for (const auto& r : sim.reports) {
      bool ok = r.kind == ReportKind::kItem ? (++n_items, items.add(r)) : (++n_pairs, pairs.add(r));
      if (!ok) throw std::logic_error("a simulated report was rejected by the aggregator");
    }
    out.ldp_item_reports = n_items;
    out.ldp_pair_reports = n_pairs;
    LdpModelOptions lo = ldp_model_options_from_json(nullptr);
    lo.top_items = o.ldp_top_items;
    lo.min_z = o.ldp_min_z;
    lo.model.k = o.model.k;
    ItemModel m = item_model_from_ldp(items, pairs, catalogue, lo).model;
    char name[40];
    std::snprintf(name, sizeof name, "ldp eps=%g", eps);
    out.methods.push_back(evaluate(Recommender(std::move(m)), split, o.n, name));
    // The hybrid: the site's own per-course learner counts (here: the training log's, which is
    // what the site knows) for popularity and as the prior; only pairs from the same reports.
    lo.public_counts.clear();
    for (const ModelItem& it : catalogue) lo.public_counts.push_back(it.popularity);
    ItemModel hm = item_model_from_ldp(items, pairs, catalogue, lo).model;
    std::snprintf(name, sizeof name, "ldp hybrid eps=%g", eps);
    out.methods.push_back(evaluate(Recommender(std::move(hm)), split, o.n, name));
  }
  return out;
}

nlohmann::json to_json(const RecommenderQuality& q) {
  return {{"method", q.name},     {"cases", q.cases},       {"recall", q.recall},
          {"ndcg", q.ndcg},       {"coverage", q.coverage}, {"heldOutNotInModel", q.held_out_not_in_model}};
}

nlohmann::json to_json(const EvaluationResult& r) {
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& q : r.methods) methods.push_back(to_json(q));
  return {{"split", "leave-last-out"},
          {"learnersEvaluated", r.learners_evaluated},
          {"learnersSkipped", r.learners_skipped},
          {"courses", r.courses},
          {"ldpItemReports", r.ldp_item_reports},
          {"ldpPairReports", r.ldp_pair_reports},
          {"methods", std::move(methods)}};
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
