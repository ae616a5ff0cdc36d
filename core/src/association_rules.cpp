#include "circlewise/association_rules.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "circlewise/code_size.h"
#include "circlewise/error.h"

namespace circlewise {
namespace {

constexpr size_t kMaxItemsetSize = 20;
constexpr size_t kMaxItemsetsLimit = 10'000'000;
constexpr size_t kMaxRulesLimit = 1'000'000;
// Candidate rules (antecedent/consequent splits) examined at most: beyond this the question
// needs caps, whatever the filters would keep.
constexpr double kMaxCandidateRules = 2e7;

// A prefix tree of transactions whose items are local codes 0..m-1, code order = global
// frequency order, so every path from the root has increasing codes. Node 0 is the root.
struct FpTree {
  std::vector<int32_t> item{-1}, parent{-1}, first_child{-1}, next_sibling{-1}, next_same{-1};
  std::vector<uint64_t> count{0};
  std::vector<int32_t> head;    // per local item: its most recent node (chain via next_same)
  std::vector<uint64_t> total;  // per local item: its count in this tree

  explicit FpTree(size_t m) : head(m, -1), total(m, 0) {}

  // Transactions must arrive in lexicographic order: then the child a transaction continues
  // with, if it exists, is the child created last (kept first in the sibling list), so no search.
  void insert(const int32_t* it, size_t n, uint64_t c) {
    int32_t node = 0;
    for (size_t k = 0; k < n; ++k) {
      const int32_t x = it[k];
      int32_t ch = first_child[static_cast<size_t>(node)];
      if (ch < 0 || item[static_cast<size_t>(ch)] != x) {
        ch = static_cast<int32_t>(item.size());
        item.push_back(x);
        parent.push_back(node);
        first_child.push_back(-1);
        next_sibling.push_back(first_child[static_cast<size_t>(node)]);
        next_same.push_back(head[static_cast<size_t>(x)]);
        count.push_back(0);
        first_child[static_cast<size_t>(node)] = ch;
        head[static_cast<size_t>(x)] = ch;
      }
      count[static_cast<size_t>(ch)] += c;
      total[static_cast<size_t>(x)] += c;
      node = ch;
    }
  }
};

// Transactions (flat rows with weights) to be sorted and loaded into an FpTree.
struct Rows {
  std::vector<int32_t> flat;
  std::vector<size_t> start{0};
  std::vector<uint64_t> weight;

  void add(uint64_t w) {
    start.push_back(flat.size());
    weight.push_back(w);
  }
  FpTree build(size_t m) const {
    const size_t n = weight.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::lexicographical_compare(flat.begin() + static_cast<std::ptrdiff_t>(start[a]),
                                          flat.begin() + static_cast<std::ptrdiff_t>(start[a + 1]),
                                          flat.begin() + static_cast<std::ptrdiff_t>(start[b]),
                                          flat.begin() + static_cast<std::ptrdiff_t>(start[b + 1]));
    });
    FpTree t(m);
    for (size_t r : order) t.insert(flat.data() + start[r], start[r + 1] - start[r], weight[r]);
    return t;
  }
};

std::string fmt(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", x);
  return b;
}

struct Miner {
  const ItemsetOptions& opt;
  uint64_t min_count;
  double upper_bound;
  FrequentItemsets& out;
  std::vector<int32_t> prefix;  // global item codes
  bool stopped = false;

  void emit(uint64_t support) {
    if (out.counts.size() >= opt.max_itemsets) {
      if (!opt.truncate)
        throw InputError("min support " + fmt(opt.min_support) + " (" + std::to_string(min_count) + " of " +
                         std::to_string(out.baskets) + " baskets) gives more than " +
                         std::to_string(opt.max_itemsets) + " frequent itemsets (up-front bound " +
                         fmt(upper_bound) + "): raise \"minSupport\", lower \"maxSize\" (now " +
                         std::to_string(opt.max_size) + "), raise \"maxItemsets\" (at most " +
                         std::to_string(kMaxItemsetsLimit) + "), or set \"onTooMany\":\"truncate\"");
      stopped = true;
      return;
    }
    std::vector<int32_t> s = prefix;
    std::sort(s.begin(), s.end());
    out.items.insert(out.items.end(), s.begin(), s.end());
    out.offsets.push_back(out.items.size());
    out.counts.push_back(support);
  }

  // All combinations of a single path's items (deepest chosen node gives the count), without
  // building conditional trees: the common case at low support.
  void mine_path(const std::vector<int32_t>& items, const std::vector<uint64_t>& counts, size_t from, uint64_t limit) {
    for (size_t k = from; k < items.size() && !stopped; ++k) {
      const uint64_t c = std::min(limit, counts[k]);
      prefix.push_back(items[k]);
      emit(c);
      if (!stopped && prefix.size() < opt.max_size) mine_path(items, counts, k + 1, c);
      prefix.pop_back();
    }
  }

  void mine(const FpTree& t, const std::vector<int32_t>& global) {
    const size_t m = global.size();
    if (t.item.size() == m + 1) {
      // One node per item: a single path exactly when no node has a sibling.
      bool path = true;
      for (size_t nd = 1; nd < t.item.size() && path; ++nd) path = t.next_sibling[nd] < 0;
      if (path) {
        std::vector<int32_t> items;
        std::vector<uint64_t> counts;
        for (int32_t nd = t.first_child[0]; nd >= 0; nd = t.first_child[static_cast<size_t>(nd)]) {
          items.push_back(global[static_cast<size_t>(t.item[static_cast<size_t>(nd)])]);
          counts.push_back(t.count[static_cast<size_t>(nd)]);
        }
        // Deeper nodes have smaller counts: walk from the deepest so each choice's count is that
        // of its deepest item.
        std::reverse(items.begin(), items.end());
        std::reverse(counts.begin(), counts.end());
        mine_path(items, counts, 0, UINT64_MAX);
        return;
      }
    }
    std::vector<uint64_t> cnt(m, 0);
    std::vector<int32_t> remap(m, -1), touched;
    const bool top = prefix.empty();
    for (size_t jj = m; jj-- > 0 && !stopped;) {
      if (top) opt.progress.at("frequent itemsets", static_cast<double>(m - 1 - jj) / static_cast<double>(m));
      prefix.push_back(global[jj]);
      emit(t.total[jj]);
      if (!stopped && prefix.size() < opt.max_size) {
        touched.clear();
        // The conditional pattern base of item jj: the paths above each of its nodes.
        for (int32_t nd = t.head[jj]; nd >= 0; nd = t.next_same[static_cast<size_t>(nd)]) {
          const uint64_t c = t.count[static_cast<size_t>(nd)];
          for (int32_t p = t.parent[static_cast<size_t>(nd)]; p > 0; p = t.parent[static_cast<size_t>(p)]) {
            auto x = static_cast<size_t>(t.item[static_cast<size_t>(p)]);
            if (cnt[x] == 0) touched.push_back(static_cast<int32_t>(x));
            cnt[x] += c;
          }
        }
        std::sort(touched.begin(), touched.end());
        std::vector<int32_t> sub_global;
        for (int32_t x : touched)
          if (cnt[static_cast<size_t>(x)] >= min_count) {
            remap[static_cast<size_t>(x)] = static_cast<int32_t>(sub_global.size());
            sub_global.push_back(global[static_cast<size_t>(x)]);
          }
        if (!sub_global.empty()) {
          Rows rows;
          for (int32_t nd = t.head[jj]; nd >= 0; nd = t.next_same[static_cast<size_t>(nd)]) {
            const size_t from = rows.flat.size();
            for (int32_t p = t.parent[static_cast<size_t>(nd)]; p > 0; p = t.parent[static_cast<size_t>(p)]) {
              int32_t r = remap[static_cast<size_t>(t.item[static_cast<size_t>(p)])];
              if (r >= 0) rows.flat.push_back(r);
            }
            if (rows.flat.size() == from) continue;
            std::reverse(rows.flat.begin() + static_cast<std::ptrdiff_t>(from), rows.flat.end());
            rows.add(t.count[static_cast<size_t>(nd)]);
          }
          FpTree sub = rows.build(sub_global.size());
          mine(sub, sub_global);
        }
        for (int32_t x : touched) {
          cnt[static_cast<size_t>(x)] = 0;
          remap[static_cast<size_t>(x)] = -1;
        }
      }
      prefix.pop_back();
    }
  }
};

uint64_t min_count_for(double min_support, size_t n) {
  // ceil(min_support * n), without letting 0.3 * 10 = 3.0000000000000004 become 4.
  const double x = min_support * static_cast<double>(n);
  const double r = std::round(x);
  const double c = std::fabs(x - r) <= 1e-9 * std::max(1.0, x) ? r : std::ceil(x);
  return std::max<uint64_t>(1, static_cast<uint64_t>(c));
}

double binomial(double n, size_t k) {
  if (static_cast<double>(k) > n) return 0;
  double r = 1;
  for (size_t i = 0; i < k; ++i) r = r * (n - static_cast<double>(i)) / static_cast<double>(i + 1);
  return r;
}

// Frequent items by count (desc), ties by code: their position is their local code.
std::vector<int32_t> frequent_items(const Baskets& b, uint64_t min_count, std::vector<uint64_t>& freq) {
  freq.assign(b.item_space, 0);
  for (int32_t x : b.items) ++freq[static_cast<size_t>(x)];
  std::vector<int32_t> items;
  for (size_t i = 0; i < b.item_space; ++i)
    if (freq[i] >= min_count) items.push_back(static_cast<int32_t>(i));
  std::stable_sort(items.begin(), items.end(), [&](int32_t x, int32_t y) {
    return freq[static_cast<size_t>(x)] > freq[static_cast<size_t>(y)];
  });
  return items;
}

std::string key_of(const int32_t* it, size_t n) { return std::string(reinterpret_cast<const char*>(it), n * sizeof(int32_t)); }

double metric(const AssociationRule& r, RuleMetric m) {
  switch (m) {
    case RuleMetric::kSupport: return r.support;
    case RuleMetric::kConfidence: return r.confidence;
    case RuleMetric::kLift: return r.lift;
    case RuleMetric::kLeverage: return r.leverage;
    case RuleMetric::kConviction: return r.conviction;
  }
  return 0;
}

const char* const kMetricNames[] = {"support", "confidence", "lift", "leverage", "conviction"};

}  // namespace

double frequent_itemset_upper_bound(const Baskets& b, uint64_t min_count, size_t max_size) {
  std::vector<uint64_t> freq;
  const auto items = frequent_items(b, min_count, freq);
  // Baskets grouped by their number of frequent items: sum_b C(f_b, k) = sum_f n_f C(f, k).
  std::vector<double> baskets_with(1, 0);
  for (size_t s = 0; s < b.size(); ++s) {
    size_t f = 0;
    for (size_t i = b.offsets[s]; i < b.offsets[s + 1]; ++i) f += freq[static_cast<size_t>(b.items[i])] >= min_count;
    if (f >= baskets_with.size()) baskets_with.resize(f + 1, 0);
    baskets_with[f] += 1;
  }
  double bound = 0;
  for (size_t k = 1; k <= max_size; ++k) {
    double inside = 0;
    for (size_t f = k; f < baskets_with.size(); ++f) inside += baskets_with[f] * binomial(static_cast<double>(f), k);
    bound += std::min(binomial(static_cast<double>(items.size()), k), std::floor(inside / static_cast<double>(min_count)));
  }
  return bound;
}

FrequentItemsets frequent_itemsets(const Baskets& b, const ItemsetOptions& o) {
  FrequentItemsets out;
  out.baskets = b.size();
  out.min_count = min_count_for(o.min_support, b.size());
  std::vector<uint64_t> freq;
  const auto global = frequent_items(b, out.min_count, freq);
  out.upper_bound = frequent_itemset_upper_bound(b, out.min_count, o.max_size);
  std::vector<int32_t> local(b.item_space, -1);
  for (size_t i = 0; i < global.size(); ++i) local[static_cast<size_t>(global[i])] = static_cast<int32_t>(i);
  Rows rows;
  for (size_t s = 0; s < b.size(); ++s) {
    const size_t from = rows.flat.size();
    for (size_t i = b.offsets[s]; i < b.offsets[s + 1]; ++i)
      if (int32_t l = local[static_cast<size_t>(b.items[i])]; l >= 0) rows.flat.push_back(l);
    if (rows.flat.size() == from) continue;
    std::sort(rows.flat.begin() + static_cast<std::ptrdiff_t>(from), rows.flat.end());
    rows.add(1);
  }
  FpTree tree = rows.build(global.size());
  rows = Rows();
  Miner miner{o, out.min_count, out.upper_bound, out, {}};
  miner.mine(tree, global);
  out.truncated = miner.stopped;
  o.progress.at("frequent itemsets", 1);

  // Canonical order: count desc, size asc, items lexicographic.
  const size_t n = out.counts.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  auto span = [&](size_t s) { return std::make_pair(out.items.begin() + static_cast<std::ptrdiff_t>(out.offsets[s]),
                                                    out.items.begin() + static_cast<std::ptrdiff_t>(out.offsets[s + 1])); };
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    if (out.counts[x] != out.counts[y]) return out.counts[x] > out.counts[y];
    auto [xa, xb] = span(x);
    auto [ya, yb] = span(y);
    if (xb - xa != yb - ya) return xb - xa < yb - ya;
    return std::lexicographical_compare(xa, xb, ya, yb);
  });
  FrequentItemsets sorted;
  sorted.baskets = out.baskets;
  sorted.min_count = out.min_count;
  sorted.upper_bound = out.upper_bound;
  sorted.truncated = out.truncated;
  sorted.items.reserve(out.items.size());
  sorted.counts.reserve(n);
  for (size_t s : order) {
    auto [a, e] = span(s);
    sorted.items.insert(sorted.items.end(), a, e);
    sorted.offsets.push_back(sorted.items.size());
    sorted.counts.push_back(out.counts[s]);
  }
  return sorted;
}

RuleSet association_rules(const FrequentItemsets& f, const RuleOptions& o) {
  RuleSet out;
  const double n = static_cast<double>(f.baskets);
  const size_t cap_a = o.max_antecedent ? o.max_antecedent : kMaxItemsetSize;
  const size_t cap_c = o.max_consequent ? o.max_consequent : kMaxItemsetSize;
  // Refuse before enumerating when the splits to look at are too many. Itemsets larger than
  // both caps together give no rule and are not looked at.
  double candidates = 0;
  for (size_t s = 0; s < f.size(); ++s) {
    const size_t k = f.offsets[s + 1] - f.offsets[s];
    if (k >= 2 && k <= cap_a + cap_c) candidates += std::ldexp(1.0, static_cast<int>(k)) - 2;
  }
  if (candidates > kMaxCandidateRules)
    throw InputError("the frequent itemsets give " + fmt(candidates) + " candidate rules (limit " +
                     fmt(kMaxCandidateRules) + "): set \"maxAntecedent\"/\"maxConsequent\", lower \"maxSize\" or raise \"minSupport\"");
  std::unordered_map<std::string, uint64_t> count_of;
  count_of.reserve(f.size() * 2);
  for (size_t s = 0; s < f.size(); ++s) count_of.emplace(key_of(f.items.data() + f.offsets[s], f.offsets[s + 1] - f.offsets[s]), f.counts[s]);

  auto better = [&](const AssociationRule& x, const AssociationRule& y) {
    double mx = metric(x, o.sort_by), my = metric(y, o.sort_by);
    if (mx != my) return mx > my;
    if (x.count != y.count) return x.count > y.count;
    if (x.antecedent != y.antecedent) return x.antecedent < y.antecedent;
    return x.consequent < y.consequent;
  };
  std::vector<AssociationRule>& kept = out.rules;
  auto prune = [&] {
    if (kept.size() <= o.max_rules) return;
    std::nth_element(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(o.max_rules), kept.end(), better);
    kept.resize(o.max_rules);
  };
  std::vector<int32_t> a, c;
  for (size_t s = 0; s < f.size(); ++s) {
    if ((s & 1023) == 0) o.progress.at("rules", static_cast<double>(s) / static_cast<double>(f.size()));
    const size_t k = f.offsets[s + 1] - f.offsets[s];
    if (k < 2 || k > cap_a + cap_c) continue;
    const int32_t* it = f.items.data() + f.offsets[s];
    const uint64_t both = f.counts[s];
    for (uint32_t mask = 1; mask + 1 < (1u << k); ++mask) {
      a.clear();
      c.clear();
      for (size_t i = 0; i < k; ++i) ((mask >> i) & 1u ? a : c).push_back(it[i]);
      if (a.size() > cap_a || c.size() > cap_c) continue;
      auto fa = count_of.find(key_of(a.data(), a.size()));
      auto fc = count_of.find(key_of(c.data(), c.size()));
      // A truncated set may lack the subsets a rule needs: such rules are skipped.
      if (fa == count_of.end() || fc == count_of.end()) continue;
      AssociationRule r;
      r.count = both;
      r.support = static_cast<double>(both) / n;
      r.confidence = static_cast<double>(both) / static_cast<double>(fa->second);
      const double sa = static_cast<double>(fa->second) / n, sc = static_cast<double>(fc->second) / n;
      r.lift = r.confidence / sc;
      r.leverage = r.support - sa * sc;
      r.conviction = both == fa->second ? std::numeric_limits<double>::infinity() : (1 - sc) / (1 - r.confidence);
      if (r.confidence < o.min_confidence || r.lift < o.min_lift || r.leverage < o.min_leverage ||
          r.conviction < o.min_conviction)
        continue;
      ++out.rules_passing;
      r.antecedent = a;
      r.consequent = c;
      kept.push_back(std::move(r));
      if (kept.size() >= 2 * o.max_rules + 1024) prune();
    }
  }
  prune();
  std::sort(kept.begin(), kept.end(), better);
  o.progress.at("rules", 1);
  return out;
}

AssociationAnalysis analyze_associations(const EventLog& log, const AssociationAnalysisOptions& o) {
  AssociationAnalysis a;
  // Shares of the time measured in WASM on the generator's 1M-event log at minSupport 0.01, maxSize
  // 3: baskets ~40 %, FP-tree + itemsets ~35 %, rules ~25 % (before the baskets' counting sort they
  // took 94 % and reported nothing); a lower minSupport moves time to the itemsets.
  ItemsetOptions io = o.itemsets;
  RuleOptions ro = o.rules;
  Progress bp;
  if (o.progress) {
    bp = o.progress.part(0, 0.4);
    io.progress = o.progress.part(0.4, 0.75);
    ro.progress = o.progress.part(0.75, 1);
  }
  a.baskets = make_baskets(log, o.baskets, bp);
  a.itemsets = frequent_itemsets(a.baskets, io);
  a.rules = association_rules(a.itemsets, ro);
  return a;
}

CIRCLEWISE_SIZE_OPTIMISED_BEGIN

namespace {

double number_in(const nlohmann::json& v, const char* name, double lo, double hi, bool lo_open = false) {
  if (!v.is_number() || !(lo_open ? v.get<double>() > lo : v.get<double>() >= lo) || !(v.get<double>() <= hi))
    throw InputError(std::string("option \"") + name + "\" must be a number in " + (lo_open ? "(" : "[") + fmt(lo) +
                     ", " + fmt(hi) + "]");
  return v.get<double>();
}

size_t count_in(const nlohmann::json& v, const char* name, size_t lo, size_t hi) {
  // Integers written as 1e6 in JS arrive as doubles: accept whole numbers.
  if (!v.is_number() || v.get<double>() != std::floor(v.get<double>()) || v.get<double>() < static_cast<double>(lo) ||
      v.get<double>() > static_cast<double>(hi))
    throw InputError(std::string("option \"") + name + "\" must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  return static_cast<size_t>(v.get<double>());
}

void read_itemset_keys(const nlohmann::json& j, ItemsetOptions& o) {
  if (auto it = j.find("minSupport"); it != j.end()) o.min_support = number_in(*it, "minSupport", 0, 1, true);
  if (auto it = j.find("maxSize"); it != j.end()) o.max_size = count_in(*it, "maxSize", 1, kMaxItemsetSize);
  if (auto it = j.find("maxItemsets"); it != j.end()) o.max_itemsets = count_in(*it, "maxItemsets", 1, kMaxItemsetsLimit);
  if (auto it = j.find("onTooMany"); it != j.end()) {
    if (*it == "error") o.truncate = false;
    else if (*it == "truncate") o.truncate = true;
    else throw InputError("option \"onTooMany\" must be \"error\" or \"truncate\"");
  }
}

void check_keys(const nlohmann::json& j, const std::vector<std::string>& known) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw InputError("unknown option \"" + it.key() + "\" (known: " + list + ")");
  }
}

const std::vector<std::string> kItemsetKeys = {"minSupport", "maxSize", "maxItemsets", "onTooMany"};

}  // namespace

ItemsetOptions itemset_options_from_json(const nlohmann::json& j) {
  ItemsetOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("options must be an object");
  check_keys(j, kItemsetKeys);
  read_itemset_keys(j, o);
  return o;
}

AssociationAnalysisOptions association_options_from_json(const nlohmann::json& j) {
  AssociationAnalysisOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("options must be an object");
  std::vector<std::string> known = kItemsetKeys;
  for (const char* k : kBasketOptionKeys) known.emplace_back(k);
  for (const char* k : {"minConfidence", "minLift", "minLeverage", "minConviction", "maxAntecedent", "maxConsequent",
                        "sortBy", "maxRules", "maxItemsetsOut"})
    known.emplace_back(k);
  check_keys(j, known);
  o.baskets = basket_options_from_json(j);
  read_itemset_keys(j, o.itemsets);
  auto& r = o.rules;
  if (auto it = j.find("minConfidence"); it != j.end()) r.min_confidence = number_in(*it, "minConfidence", 0, 1);
  if (auto it = j.find("minLift"); it != j.end()) r.min_lift = number_in(*it, "minLift", 0, 1e12);
  if (auto it = j.find("minLeverage"); it != j.end()) r.min_leverage = number_in(*it, "minLeverage", -1, 1);
  if (auto it = j.find("minConviction"); it != j.end()) r.min_conviction = number_in(*it, "minConviction", 0, 1e12);
  if (auto it = j.find("maxAntecedent"); it != j.end()) r.max_antecedent = count_in(*it, "maxAntecedent", 0, kMaxItemsetSize);
  if (auto it = j.find("maxConsequent"); it != j.end()) r.max_consequent = count_in(*it, "maxConsequent", 0, kMaxItemsetSize);
  if (auto it = j.find("maxRules"); it != j.end()) r.max_rules = count_in(*it, "maxRules", 1, kMaxRulesLimit);
  if (auto it = j.find("maxItemsetsOut"); it != j.end()) o.max_itemsets_out = count_in(*it, "maxItemsetsOut", 0, kMaxItemsetsLimit);
  if (auto it = j.find("sortBy"); it != j.end()) {
    bool found = false;
    for (size_t m = 0; m < std::size(kMetricNames); ++m)
      if (*it == kMetricNames[m]) {
        r.sort_by = static_cast<RuleMetric>(m);
        found = true;
      }
    if (!found) throw InputError("option \"sortBy\" must be one of support, confidence, lift, leverage, conviction");
  }
  return o;
}

CIRCLEWISE_SIZE_OPTIMISED_END

namespace {

nlohmann::json names_of(const int32_t* it, size_t n, const std::vector<std::string>& names) {
  nlohmann::json a = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) {
    auto x = static_cast<size_t>(it[i]);
    if (x < names.size()) a.push_back(names[x]);
    else a.push_back(it[i]);
  }
  return a;
}

nlohmann::json finite_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json to_json(const FrequentItemsets& f, const std::vector<std::string>& names, size_t max_out) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t s = 0; s < f.size() && s < max_out; ++s)
    list.push_back({{"items", names_of(f.items.data() + f.offsets[s], f.offsets[s + 1] - f.offsets[s], names)},
                    {"count", f.counts[s]},
                    {"support", f.baskets ? static_cast<double>(f.counts[s]) / static_cast<double>(f.baskets) : 0.0}});
  return {{"baskets", f.baskets},      {"minCount", f.min_count}, {"count", f.size()},
          {"upperBound", finite_or_null(f.upper_bound)}, {"truncated", f.truncated}, {"itemsets", list}};
}

nlohmann::json to_json(const AssociationAnalysis& a, const std::vector<std::string>& names, size_t max_itemsets_out) {
  nlohmann::json out = to_json(a.itemsets, names, max_itemsets_out);
  out.erase("baskets");
  const auto& b = a.baskets;
  size_t largest = 0;
  for (size_t s = 0; s < b.size(); ++s) largest = std::max(largest, b.basket_size(s));
  out["baskets"] = {{"count", b.size()},
                    {"eventsUsed", b.events_used},
                    {"eventsWithoutItem", b.events_without_item},
                    {"repeatedItems", b.repeated_items},
                    {"unknownEvents", b.unknown_events},
                    {"meanSize", b.size() ? static_cast<double>(b.items.size()) / static_cast<double>(b.size()) : 0.0},
                    {"largest", largest}};
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : a.rules.rules)
    rules.push_back({{"antecedent", names_of(r.antecedent.data(), r.antecedent.size(), names)},
                     {"consequent", names_of(r.consequent.data(), r.consequent.size(), names)},
                     {"count", r.count},
                     {"support", r.support},
                     {"confidence", r.confidence},
                     {"lift", r.lift},
                     {"leverage", r.leverage},
                     {"conviction", finite_or_null(r.conviction)}});
  out["rulesPassing"] = a.rules.rules_passing;
  out["rules"] = rules;
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& e : b.unknown_events) warnings.push_back("event \"" + e + "\" never occurs in the log");
  if (b.size() == 0) warnings.push_back("no baskets: no counted event names a course");
  if (a.itemsets.truncated)
    warnings.push_back("stopped at maxItemsets: itemsets and rules are incomplete (onTooMany is \"truncate\")");
  out["warnings"] = warnings;
  return out;
}

std::string to_columnar_json(const FrequentItemsets& f) {
  std::string out;
  out.reserve(64 + f.items.size() * 6 + f.counts.size() * 14);
  char buf[32];
  auto num = [&](uint64_t x) {
    auto r = std::to_chars(buf, buf + sizeof buf, x);
    out.append(buf, r.ptr);
  };
  auto list = [&](const char* name, const auto& v) {
    out += ",\"";
    out += name;
    out += "\":[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      num(static_cast<uint64_t>(v[i]));
    }
    out += ']';
  };
  out += "{\"baskets\":";
  num(f.baskets);
  out += ",\"minCount\":";
  num(f.min_count);
  out += ",\"count\":";
  num(f.size());
  out += ",\"upperBound\":";
  out += std::isfinite(f.upper_bound) ? nlohmann::json(f.upper_bound).dump() : "null";
  out += f.truncated ? ",\"truncated\":true" : ",\"truncated\":false";
  list("offsets", f.offsets);
  list("items", f.items);
  list("counts", f.counts);
  out += '}';
  return out;
}

std::string to_text(const AssociationAnalysis& a, const std::vector<std::string>& names) {
  std::ostringstream o;
  auto join = [&](const std::vector<int32_t>& v) {
    std::string s;
    for (int32_t x : v) s += (s.empty() ? "" : ", ") + (static_cast<size_t>(x) < names.size() ? names[static_cast<size_t>(x)] : std::to_string(x));
    return s;
  };
  o << "baskets: " << a.baskets.size() << " (" << a.baskets.events_used << " events; " << a.baskets.events_without_item
    << " without a course skipped; " << a.baskets.repeated_items << " repeats kept once)\n";
  for (const auto& e : a.baskets.unknown_events) o << "warning: event \"" << e << "\" never occurs in the log\n";
  o << "frequent itemsets: " << a.itemsets.size() << " (min count " << a.itemsets.min_count << ")"
    << (a.itemsets.truncated ? " TRUNCATED at maxItemsets" : "") << "\n";
  o << "rules: " << a.rules.rules_passing << " pass the filters, showing " << a.rules.rules.size() << "\n";
  char line[160];
  std::snprintf(line, sizeof line, "%8s %10s %6s %8s %10s  rule\n", "support", "confidence", "lift", "leverage", "conviction");
  o << line;
  for (const auto& r : a.rules.rules) {
    std::snprintf(line, sizeof line, "%8.4f %10.3f %6.2f %8.4f %10s  ", r.support, r.confidence, r.lift, r.leverage,
                  std::isfinite(r.conviction) ? fmt(r.conviction).c_str() : "inf");
    o << line << join(r.antecedent) << " => " << join(r.consequent) << "\n";
  }
  return o.str();
}

}  // namespace circlewise
