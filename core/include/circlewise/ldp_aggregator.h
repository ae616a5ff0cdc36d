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

#include "circlewise/event_log.h"
#include "circlewise/item_model.h"
#include "circlewise/item_model_builder.h"
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

// Sums of the reports of one (mechanism, epsilon) group, as a store computes them (a database GROUP
// BY, another shard, another time partition). Reports are sums, so adding partial sums gives the
// same estimates as adding every report.
struct LdpGroupSums {
  Mechanism mechanism = Mechanism::kGrr;
  double epsilon = 0;
  uint64_t reports = 0;
  // GRR: (reported value, reports); OUE: (bit, reports with that bit set).
  std::vector<std::pair<uint64_t, uint64_t>> support;
  // OLH: ((hash, bucket y), reports). The support of a value depends on each report's own hash,
  // so OLH sums stay per (hash, y).
  std::vector<std::pair<std::pair<OlhHash, uint64_t>, uint64_t>> olh;
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
  // Adds sums of already-validated, already-deduplicated reports (the caller's store did both).
  // Throws InputError when the group does not fit the options (epsilon range, a value outside
  // the domain, support above the report count).
  void add_sums(const LdpGroupSums& sums);
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
  // Closed-form variance of the estimate of a value held by `share` (0..1) of the reporters, over
  // every (mechanism, epsilon) group (share applied to each group). Unlike the plug-in variance
  // of estimate(), it does not depend on the noisy estimate itself.
  double count_variance_at(double share) const;

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
  uint64_t accepted_ = 0, rejected_ = 0;
  size_t seen_ = 0;  // reports offered so far, for 1-based indices in rejections
  std::vector<RejectedReport> rejections_;
};

// For pair aggregates (items > 0) each row also names its pair [i, j] in "pairs".
nlohmann::json to_json(const FrequencyEstimates& e, ReportKind kind = ReportKind::kItem, uint64_t items = 0);

// ── From pair estimates to an item model ──
// What the estimates mean: each learner sends one item (uniform from their history of m
// courses) and one pair (uniform from its m(m-1)/2 pairs), so the estimated count of item i is
// sum over learners with i of 1/m, and of pair (i, j) sum over learners with both of 2/(m(m-1)).
// Each learner carries weight 1 in each, which bounds their influence (as the privacy
// guarantee does); heavy learners count less than in the raw co-occurrence, as in
// popularity-normalised item-item methods.
struct LdpModelOptions {
  // Pairs are estimated among the most frequent items only: OLH costs (reports x pairs) hash
  // evaluations, so top = 300 (44,850 pairs) is the practical default. Other items keep their
  // estimated popularity and get no neighbours (the recommender falls back to popularity).
  uint32_t top_items = 300;
  // Significance filter: a pair is a candidate neighbour only when its estimated count exceeds
  // min_z standard errors (its analytical variance). Without it, at small epsilon or few learners
  // the noise ranks random pairs as neighbours and the model does worse than popularity; with it,
  // items without a clear neighbour fall back to popularity. 0 = off; < 0 (default) = automatic:
  // z with P(Z > z) = 1 / (number of pairs), so about one pair of pure noise passes in all
  // (a Bonferroni bound; chosen from the domain size, never from evaluation results).
  double min_z = -1;
  // Passed to build_item_model_from_counts (item_model_builder.h): method "cosine" is the
  // shrunk cosine c_ij / (sqrt(f_i f_j) + shrinkage); k neighbours per item; min_support.
  ItemModelOptions model;
  // Hybrid model (empty = off): the site's own count of learners per course, in catalogue order
  // (it processes every enrolment, so it needs no private report for them). Then popularity and
  // the choice of top items come from these counts, item reports are not used, and the noisy pair
  // estimates are shrunk towards the independence prior these counts give (hybrid_cooccurrence);
  // the model's weights are the shrunk cosine of the association beyond that prior.
  // The significance filter is off unless min_z is set explicitly (>= 0). Devices report the same.
  std::vector<double> public_counts;
};
// {"topItems":300,"minZ":"auto","k":20,"shrinkage":0,"minSupport":0,"method":"cosine",
//  "publicCounts":[984,120,...]}
LdpModelOptions ldp_model_options_from_json(const nlohmann::json& j);

struct LdpCooccurrence {
  std::vector<uint64_t> top;     // catalogue indices of the rows/columns, most frequent first
  Eigen::VectorXd frequency;     // estimated item counts for top (unclipped, unbiased)
  Eigen::MatrixXd cooccurrence;  // estimated pair counts among top (unclipped), symmetric, 0 diagonal
  Eigen::MatrixXd pair_variance; // their analytical variances
};

// `items` and `pairs` must be an item and a pair aggregator over the same catalogue.
LdpCooccurrence cooccurrence_from_ldp(const LdpAggregator& items, const LdpAggregator& pairs, uint32_t top_items);

// The hybrid's co-occurrence among the `top_items` courses with the largest public counts.
// Prior (independence): a pair report is (i, j) with probability 2 pi_i pi_j / (1 - sum pi^2),
// pi = public share, so prior_ij = pair reports x that. Each raw estimate e_ij has the closed-form
// variance v_ij = count_variance_at(prior_ij / reports) of its mechanism (at the prior, so it does
// not depend on the noise in e_ij). Most pairs are near independence and a few are strongly
// associated, so the prior on the deviation e - prior is a spike and slab: N(0, v) for an
// independent pair, N(0, v + tau2) with probability `share` for an associated one; share and
// tau2 are fitted by EM on all pairs (empirical Bayes, no tuning). The posterior mean is
//     shrunk_ij = prior_ij + P(associated | e_ij) * tau2 / (tau2 + v_ij) * (e_ij - prior_ij).
// The model's co-occurrence is the association beyond independence, shrunk_ij - prior_ij, for the
// pairs more likely associated than not (posterior > 1/2) and above the prior; every other pair
// gets no neighbour, so the recommender's popularity fallback (public counts, the learner's
// community first) is the prior. Pairs whose evidence is within the noise add nothing; strong pairs
// keep most of their estimate.
struct HybridCooccurrence {
  std::vector<uint64_t> top;   // catalogue indices, largest public count first (ties: lower index)
  Eigen::VectorXd frequency;   // public counts of top
  Eigen::MatrixXd estimate;    // raw unbiased pair estimates among top (symmetric, 0 diagonal)
  Eigen::MatrixXd prior;       // prior_ij
  Eigen::MatrixXd variance;    // v_ij (closed form)
  Eigen::MatrixXd shrunk;      // posterior means of the pair counts
  Eigen::MatrixXd association; // what the model uses: shrunk - prior where associated, else 0
  double slab_share = 0;       // fitted share of associated pairs (0: every pair is the prior)
  double slab_variance = 0;    // fitted tau2
};
HybridCooccurrence hybrid_cooccurrence(const LdpAggregator& pairs, const std::vector<double>& public_counts,
                                       uint32_t top_items);

// Public counts from JSON against a catalogue: an array of numbers in catalogue order, or an
// object {"<item id>": count}. Counts must be finite and >= 0; an id not in the catalogue is an
// error (named); catalogue items missing from the object count 0 and are counted in `missing`.
std::vector<double> public_counts_from_json(const nlohmann::json& j, const std::vector<ModelItem>& catalogue,
                                            size_t* missing = nullptr);

// The catalogue a model from reports names, in the index order reports use: a JSON array of item
// ids or of {"id", "title"?, "category"?, "price"?} objects, or an item model (its items, without
// their popularity). Throws InputError naming the entry.
std::vector<ModelItem> model_catalogue_from_json(const nlohmann::json& j);

// An item model in the published format from the two aggregates: the shrunk-cosine (or EASE)
// builder of item_model_builder.h run on the estimated counts among the top items, mapped back to
// the whole catalogue. `catalogue` names the items (size == catalogue size; popularity is
// replaced by the estimate, clipped at 0). The model's method is "ldp-<method>"; with
// options.public_counts it is the hybrid "ldp-hybrid-<method>" (popularity = the public counts).
ItemModelBuild item_model_from_ldp(const LdpAggregator& items, const LdpAggregator& pairs,
                                   const std::vector<ModelItem>& catalogue, const LdpModelOptions& options);

// ── Simulation: a population of devices reporting from an event log ──
// For planning and evaluation only (what would private reports from these learners give?): the
// noise is seeded (SeededRandomSource), so it is reproducible, and therefore NOT private.
struct LdpSimulationOptions {
  double epsilon = 1;
  bool auto_mechanism = true;
  Mechanism mechanism = Mechanism::kOlh;
  uint64_t seed = 1;
  // Events that count as engagement with a course (as in item_model_builder.h).
  std::vector<std::string> events = {"enroll", "purchase", "complete"};
};
// {"epsilon":4,"mechanism":"auto","seed":1,"events":["purchase"]}
LdpSimulationOptions ldp_simulation_options_from_json(const nlohmann::json& j);

struct LdpSimulation {
  std::vector<std::string> catalogue;  // item ids in index order (the log's course dictionary)
  std::vector<LdpReport> reports;      // one item report per engaged learner, one pair report per learner with >= 2
  size_t learners = 0;                 // learners in the log
  size_t learners_without_engagement = 0;  // sent nothing
  size_t learners_with_one_course = 0;     // sent no pair report
};
LdpSimulation simulate_ldp_reports(const EventLog& log, const LdpSimulationOptions& options);

}  // namespace circlewise
