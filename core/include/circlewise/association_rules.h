#pragma once
// Courses that sell together: frequent itemsets by FP-growth (Han, Pei & Yin 2000) and the
// association rules they imply, with support, confidence, lift, leverage and conviction.
//
// Memory and time stay bounded on skewed data (a few huge baskets, a very low support): before
// mining, an upper bound on the number of frequent itemsets is computed from the baskets; when it
// is above `max_itemsets`, mining runs with a budget and stops with an InputError that says how
// to narrow the question (or, with `truncate`, returns what it found, flagged as truncated).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/baskets.h"
#include "circlewise/event_log.h"
#include "circlewise/progress.h"

namespace circlewise {

struct ItemsetOptions {
  double min_support = 0.01;  // share of baskets, in (0, 1]
  size_t max_size = 4;        // largest itemset mined, 1..20
  size_t max_itemsets = 1'000'000;
  bool truncate = false;      // on hitting max_itemsets: false = InputError, true = stop and flag
  Progress progress;          // per top-level item of the FP-tree
};

struct FrequentItemsets {
  size_t baskets = 0;
  uint64_t min_count = 0;  // ceil(min_support * baskets): the support threshold in baskets
  // Itemset s holds items[offsets[s] .. offsets[s+1]) (sorted codes) and occurs in counts[s]
  // baskets. Sorted by count (desc), then size, then items.
  std::vector<size_t> offsets = {0};
  std::vector<int32_t> items;
  std::vector<uint64_t> counts;
  double upper_bound = 0;   // the up-front bound on the number of frequent itemsets
  bool truncated = false;   // true when mining stopped at max_itemsets (only with `truncate`)

  size_t size() const { return counts.size(); }
};

FrequentItemsets frequent_itemsets(const Baskets& baskets, const ItemsetOptions& options);

// The up-front bound: for each size k <= max_size, the number of frequent k-itemsets is at most
// min(C(F, k), sum over baskets of C(f_b, k) / min_count), F = frequent items, f_b = frequent
// items of basket b (each frequent itemset is inside at least min_count baskets).
double frequent_itemset_upper_bound(const Baskets& baskets, uint64_t min_count, size_t max_size);

enum class RuleMetric { kSupport, kConfidence, kLift, kLeverage, kConviction };

struct RuleOptions {
  double min_confidence = 0.0;
  double min_lift = 0.0;
  double min_leverage = -1.0;
  double min_conviction = 0.0;
  size_t max_antecedent = 0;  // 0 = no cap beyond the itemset size
  size_t max_consequent = 0;
  RuleMetric sort_by = RuleMetric::kLift;
  size_t max_rules = 1000;    // keep the best this many by sort_by; all passing rules are counted
  Progress progress;          // per itemset split into rules
};

struct AssociationRule {
  std::vector<int32_t> antecedent, consequent;  // sorted item codes
  uint64_t count = 0;                           // baskets holding both sides
  double support = 0, confidence = 0, lift = 0, leverage = 0;
  double conviction = 0;  // +infinity when confidence is 1
};

struct RuleSet {
  std::vector<AssociationRule> rules;  // best first by sort_by; ties broken by support, then items
  size_t rules_passing = 0;            // rules that passed the filters (rules.size() <= this)
};

RuleSet association_rules(const FrequentItemsets& itemsets, const RuleOptions& options);

// Everything `rules(opts)` needs: baskets from the log, mining, rules.
struct AssociationAnalysisOptions {
  BasketOptions baskets;
  ItemsetOptions itemsets;
  RuleOptions rules;
  size_t max_itemsets_out = 100;  // itemsets listed in the output (all are counted)
  Progress progress;              // the whole analysis (overrides the two above)
};

struct AssociationAnalysis {
  Baskets baskets;  // item codes are EventLog::items codes
  FrequentItemsets itemsets;
  RuleSet rules;
};

AssociationAnalysis analyze_associations(const EventLog& log, const AssociationAnalysisOptions& options);

// {"minSupport":0.01,"maxSize":4,"maxItemsets":1e6,"onTooMany":"error"|"truncate",
//  "minConfidence":0,"minLift":0,"minLeverage":-1,"minConviction":0,"maxAntecedent":0,
//  "maxConsequent":0,"sortBy":"lift","maxRules":1000,"maxItemsetsOut":1000,
//  + the basket keys of baskets.h}. Throws InputError naming the option and its range.
AssociationAnalysisOptions association_options_from_json(const nlohmann::json& j);
ItemsetOptions itemset_options_from_json(const nlohmann::json& j);  // the mining keys only

// `names` maps item codes to ids (EventLog::items); an empty `names` prints the codes.
// At most `max_itemsets_out` itemsets are listed (all are counted).
nlohmann::json to_json(const AssociationAnalysis& a, const std::vector<std::string>& names,
                       size_t max_itemsets_out = 1000);
nlohmann::json to_json(const FrequentItemsets& f, const std::vector<std::string>& names,
                       size_t max_itemsets_out = SIZE_MAX);
// The same itemsets by column, for bulk transfer to JS (fast to write and to parse):
// {"baskets","minCount","count","upperBound","truncated","offsets":[...],"items":[codes],"counts":[...]}.
std::string to_columnar_json(const FrequentItemsets& f);
std::string to_text(const AssociationAnalysis& a, const std::vector<std::string>& names);

}  // namespace circlewise
