#pragma once
// The server side of local differential privacy: collects reports of one kind over one catalogue,
// rejects malformed ones whole (with the reason), and estimates how many reporters hold each
// value, with the analytical variance and a confidence interval. Pair estimates give an item-item
// co-occurrence similarity and from it an item model in the published format (item_model.h).
//
// Reports may mix mechanisms and epsilons (devices upgrade at different times): each
// (mechanism, epsilon) group is estimated on its own, which is unbiased for the reporters in that
// group, and the group estimates and variances add up.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "circlewise/item_model.h"
#include "circlewise/ldp.h"

namespace circlewise {

struct AggregatorOptions {
  ReportKind kind = ReportKind::kItem;
  uint64_t items = 0;              // the catalogue size every report must have
  double min_epsilon = kMinEpsilon;  // reports outside [min, max] are rejected
  double max_epsilon = kMaxEpsilon;
  double confidence = 0.95;        // of the intervals
  size_t max_rejection_details = 1000;  // itemised rejections; all are counted
};
// {"kind":"item","items":30,"minEpsilon":0.1,"maxEpsilon":8,"confidence":0.95}
AggregatorOptions aggregator_options_from_json(const nlohmann::json& j);

struct RejectedReport {
  size_t index = 0;  // 1-based position in the input (line number for NDJSON)
  std::string reason;
};

struct FrequencyEstimates {
  std::vector<uint64_t> values;  // which values were estimated
  Eigen::VectorXd count;         // unbiased estimate of the reporters holding each value (may be < 0)
  Eigen::VectorXd variance;      // analytical variance of count (plug-in with the estimate, clipped to [0, n])
  Eigen::VectorXd lower, upper;  // normal-approximation confidence interval
  uint64_t reports = 0;
  double confidence = 0.95;
};

class LdpAggregator {
 public:
  explicit LdpAggregator(const AggregatorOptions& options);

  // Adds one report; on rejection returns false and sets `reason` (the report is not counted).
  bool add(const nlohmann::json& report, std::string* reason = nullptr);
  bool add(const LdpReport& report, std::string* reason = nullptr);
  // Adds newline-delimited JSON reports (blank lines ignored); returns how many were accepted.
  size_t add_ndjson(std::string_view text);

  uint64_t accepted() const { return accepted_; }
  uint64_t rejected() const { return rejected_; }
  const std::vector<RejectedReport>& rejections() const { return rejections_; }
  const AggregatorOptions& options() const { return options_; }
  uint64_t domain() const { return report_domain(options_.kind, options_.items); }

  // Every value of the domain (for large pair domains prefer the overload).
  FrequencyEstimates estimate() const;
  // Only the listed values (each < domain()).
  FrequencyEstimates estimate(const std::vector<uint64_t>& values) const;

 private:
  struct Group {
    OracleParams params;
    uint64_t n = 0;
    std::unordered_map<uint64_t, uint64_t> counts;       // GRR and OUE: support counts
    std::vector<std::pair<OlhHash, uint64_t>> olh;       // OLH: (hash, y) per report
  };
  bool add_counted(const LdpReport& report, std::string* reason);  // seen_ already counts it
  void reject(std::string reason);

  AggregatorOptions options_;
  std::map<std::pair<int, double>, Group> groups_;  // by (mechanism, epsilon)
  std::unordered_set<std::string> ids_;
  uint64_t accepted_ = 0, rejected_ = 0, seen_ = 0;
  std::vector<RejectedReport> rejections_;
};

nlohmann::json to_json(const FrequencyEstimates& e);

// ── From pair estimates to an item model ──
struct LdpModelOptions {
  uint32_t top_items = 200;  // pairs are estimated among the most frequent items only (cost ~ top^2 / 2)
  uint32_t k = 20;           // neighbours per item
  double shrinkage = 0;      // added to the denominator: damps pairs of rare items
};
// {"topItems":200,"k":20,"shrinkage":0}
LdpModelOptions ldp_model_options_from_json(const nlohmann::json& j);

struct CooccurrenceSimilarity {
  std::vector<uint64_t> items;  // catalogue indices of the rows/columns, by estimated frequency
  Eigen::VectorXd frequency;    // estimated item counts (clipped at 0)
  Eigen::MatrixXd pair_count;   // estimated pair counts (clipped at 0), symmetric, zero diagonal
  Eigen::MatrixXd similarity;   // pair_count / (sqrt(f_i f_j) + shrinkage), symmetric
};

// `items` and `pairs` must be over the same catalogue (an item and a pair aggregator).
CooccurrenceSimilarity cooccurrence_similarity(const LdpAggregator& items, const LdpAggregator& pairs,
                                               const LdpModelOptions& options);

// An item model (method "ldp-cooccurrence") from the two aggregates; `ids` names the catalogue
// (ids.size() == catalogue size). Items outside the top get their popularity and no neighbours.
ItemModel item_model_from_ldp(const LdpAggregator& items, const LdpAggregator& pairs,
                              const std::vector<std::string>& ids, const LdpModelOptions& options);

}  // namespace circlewise
