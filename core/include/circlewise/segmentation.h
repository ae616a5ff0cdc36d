#pragma once
// Learner segmentation: k-means on the standardised learner features (learner_features.h), with
// k-means++ initialisation, restarts, Hamerly's exact acceleration for large inputs, automatic k
// by silhouette, and segments described in the marketer's terms (size, revenue share, centroid in
// original units, an RFM-map label). The k-means part works on any matrix (cw.kmeans in JS).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "circlewise/learner_features.h"
#include "circlewise/progress.h"
#include "circlewise/random.h"
#include "circlewise/rfm.h"

namespace circlewise {

// ─────────────────────────────── k-means ───────────────────────────────

enum class KMeansAlgorithm {
  kAuto,     // Hamerly when n >= 1000 (its bookkeeping only pays off on larger inputs), else Lloyd
  kLloyd,    // every point against every centre, each iteration
  kHamerly,  // Hamerly (2010): per-point distance bounds skip most distance computations; same
             // assignments as Lloyd from the same initial centres (its pruning is conservative)
};

struct KMeansOptions {
  size_t k = 8;
  size_t n_init = 3;      // restarts from independent k-means++ seeds; the lowest inertia wins
  size_t max_iter = 300;  // per restart
  // Converged when the squared centre movement summed over centres is <= tol × (mean per-column
  // variance of the data) — scikit-learn's definition — or when no assignment changes.
  double tol = 1e-4;
  uint64_t seed = 42;
  KMeansAlgorithm algorithm = KMeansAlgorithm::kAuto;
  Progress progress;  // per iteration; restarts (and auto-k's k values) share the range
};

struct KMeansRestart {
  double inertia = 0;
  size_t iterations = 0;
  bool converged = false;
};

struct KMeansResult {
  RowMatrix centroids;          // k × d
  std::vector<int32_t> labels;  // 0..k-1 per row
  std::vector<size_t> sizes;    // rows per cluster; 0 for a cluster left empty (see kmeans())
  double inertia = 0;           // sum of squared distances from each row to its centroid
  size_t iterations = 0;        // of the winning restart
  bool converged = false;
  size_t best_restart = 0;
  std::vector<KMeansRestart> restarts;
  KMeansAlgorithm algorithm = KMeansAlgorithm::kLloyd;  // the one actually run
};

// k-means++ seeding (Arthur & Vassilvitskii 2007), greedy variant as in scikit-learn: each new
// centre is the best (lowest potential) of 2 + ⌊ln k⌋ candidates drawn with probability ∝ D².
// When fewer than k distinct rows exist, the potential reaches 0 and the remaining centres repeat
// the first one; those clusters stay empty.
RowMatrix kmeans_plus_plus(const Eigen::Ref<const RowMatrix>& x, size_t k, Rng& rng);

// Lloyd or Hamerly iterations from given centres (n_init and seed are not used). `tol`, `max_iter`.
// An empty cluster keeps its previous centre (it cannot attract points back otherwise, but this
// keeps the result deterministic and identical between the two algorithms).
KMeansResult kmeans_from(const Eigen::Ref<const RowMatrix>& x, const Eigen::Ref<const RowMatrix>& init,
                         const KMeansOptions& options);

// n_init seeded k-means++ restarts; returns the restart with the lowest inertia (ties: earliest).
// Throws InputError when k < 1, k > rows, or the matrix holds NaN/infinite values.
KMeansResult kmeans(const Eigen::Ref<const RowMatrix>& x, const KMeansOptions& options);

// Mean silhouette (Rousseeuw 1987) of a labelling over the rows listed in `sample` (distances only
// between sampled rows). A row alone in its cluster within the sample scores 0, as does a row whose
// a and b are both 0 (identical points); with fewer than 2 non-empty clusters the score is 0.
double silhouette(const Eigen::Ref<const RowMatrix>& x, const std::vector<int32_t>& labels,
                  const std::vector<size_t>& sample);

// Adjusted Rand index (Hubert & Arabie 1985) between two labellings of the same rows.
// Both labellings trivially equal (all in one cluster, or all singletons): 1.
double adjusted_rand_index(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

// ───────────────────────────── segmentation ─────────────────────────────

struct SegmentationOptions {
  LearnerFeatureOptions features;
  std::vector<LearnerFeature> columns;  // clustered features; empty = all seven
  KMeansOptions kmeans;
  bool auto_k = false;          // choose k in [k_min, k_max] by silhouette
  size_t k_min = 2;
  size_t k_max = 8;
  size_t silhouette_sample = 2000;  // learners sampled (seeded) for the silhouette
};

struct AutoKChoice {
  struct Tried {
    size_t k = 0;
    double silhouette = 0;
    double inertia = 0;
  };
  std::vector<Tried> tried;
  size_t chosen = 0;
  size_t sample_size = 0;
  std::string reason;  // why `chosen`, in plain words
};

struct Segment {
  size_t size = 0;
  double revenue = 0;        // net spend of its learners
  double revenue_share = 0;  // of the total net spend (0 when the total is not positive)
  std::vector<double> centroid;               // mean of the members' raw features (all seven)
  std::vector<double> centroid_standardized;  // the k-means centre (clustered columns)
  double r_score = 0;   // members' mean RFM recency score (1..5)
  double fm_score = 0;  // members' mean of the combined frequency–monetary score (1..5)
  RfmSegment label = RfmSegment::kLost;  // rfm_segment(round(r_score), round(fm_score))
  std::vector<std::pair<int32_t, size_t>> communities;  // (community code or kNone, learners), most first
};

struct SegmentationResult {
  LearnerFeatures features;
  StandardizedFeatures standardized;
  RfmScores rfm;
  KMeansResult kmeans;
  std::optional<AutoKChoice> auto_k;
  std::vector<Segment> segments;  // segments[j] = k-means cluster j
  double total_revenue = 0;
};

// Throws InputError for k > learners (names both), or auto k with fewer than 3 learners.
SegmentationResult segment(LearnerFeatures features, const SegmentationOptions& options);

// Option parsing for the JS API / CLI. Each throws InputError naming the option and its range.
// {"k":8,"nInit":3,"maxIter":300,"tol":1e-4,"seed":42,"algorithm":"auto|lloyd|hamerly"}
KMeansOptions kmeans_options_from_json(const nlohmann::json& j);
// The k-means keys plus "asOf", "features":[names], "autoK":bool, "kMin", "kMax", "silhouetteSample".
SegmentationOptions segmentation_options_from_json(const nlohmann::json& j);

nlohmann::json to_json(const KMeansResult& r);  // everything but centroids and labels
// Everything except the per-learner arrays (labels and ids), which travel as bulk data.
nlohmann::json to_json(const SegmentationResult& r, const EventLog& log);
std::string to_text(const SegmentationResult& r, const EventLog& log);

}  // namespace circlewise
