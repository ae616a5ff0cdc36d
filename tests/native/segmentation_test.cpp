// k-means, silhouette, ARI and segments, each checked against an independent route: hand-computed
// ARI values (and scikit-learn's documented example), silhouette values computed with
// scikit-learn 1.x, brute-force enumeration of all partitions on tiny inputs, and simulated
// clusters with known membership.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/event_reader.h"
#include "circlewise/random.h"
#include "circlewise/segmentation.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

namespace {

// n_per points around each of `centres` (rows), Gaussian noise with the given sd.
RowMatrix blobs(const RowMatrix& centres, size_t n_per, double sd, uint64_t seed, std::vector<int32_t>* truth) {
  Rng rng(seed);
  const auto k = centres.rows(), d = centres.cols();
  RowMatrix x(static_cast<Eigen::Index>(n_per) * k, d);
  Eigen::Index r = 0;
  // Interleave clusters so that row order carries no information.
  for (size_t i = 0; i < n_per; ++i)
    for (Eigen::Index c = 0; c < k; ++c, ++r) {
      for (Eigen::Index j = 0; j < d; ++j) x(r, j) = centres(c, j) + sd * rng.normal();
      if (truth) truth->push_back(static_cast<int32_t>(c));
    }
  return x;
}

RowMatrix random_centres(Eigen::Index k, Eigen::Index d, double spread, uint64_t seed) {
  Rng rng(seed);
  RowMatrix c(k, d);
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = 0; j < d; ++j) c(i, j) = spread * (rng.uniform() - 0.5);
  return c;
}

double brute_force_inertia(const RowMatrix& x, const std::vector<int32_t>& labels, size_t k) {
  double total = 0;
  for (size_t c = 0; c < k; ++c) {
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(x.cols());
    size_t m = 0;
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == static_cast<int32_t>(c)) mean += x.row(static_cast<Eigen::Index>(i)), ++m;
    if (!m) continue;
    mean /= static_cast<double>(m);
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == static_cast<int32_t>(c)) total += (x.row(static_cast<Eigen::Index>(i)) - mean).squaredNorm();
  }
  return total;
}

}  // namespace

TEST(SegmentationAri, MatchesHandComputedExamples) {
  // scikit-learn's documented example: 4/7.
  EXPECT_NEAR(adjusted_rand_index({0, 0, 1, 1}, {0, 0, 1, 2}), 4.0 / 7.0, 1e-15);
  // By hand: contingency (0,0)=2 (0,1)=1 (1,1)=1 (1,2)=2 -> index 2, rows 3+3 -> 6, cols 1+1+1 -> 3,
  // pairs 15, expected 6*3/15 = 1.2, max 4.5: (2-1.2)/(4.5-1.2) = 8/33.
  EXPECT_NEAR(adjusted_rand_index({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}), 8.0 / 33.0, 1e-15);
  // Renaming clusters changes nothing.
  EXPECT_DOUBLE_EQ(adjusted_rand_index({0, 0, 1, 1, 2, 2}, {5, 5, 3, 3, 9, 9}), 1.0);
  EXPECT_DOUBLE_EQ(adjusted_rand_index({0, 0, 0}, {1, 1, 1}), 1.0);
}

TEST(SegmentationSilhouette, MatchesScikitLearnValues) {
  RowMatrix x(8, 2);
  x << 0, 0, 0, 1, 1, 0, 5, 5, 5, 6, 6, 5, 6, 6, 0, 6;
  std::vector<size_t> all = {0, 1, 2, 3, 4, 5, 6, 7};
  // sklearn.metrics.silhouette_score(X, labels)
  EXPECT_NEAR(silhouette(x, {0, 0, 0, 1, 1, 1, 1, 0}, all), 0.6530201043112458, 1e-12);
  EXPECT_NEAR(silhouette(x, {0, 0, 0, 1, 1, 1, 1, 2}, all), 0.6957350253086573, 1e-12);  // singleton scores 0
  EXPECT_EQ(silhouette(x, {0, 0, 0, 0, 0, 0, 0, 0}, all), 0.0);
}

TEST(SegmentationKMeans, RecoversWellSeparatedClustersWithAriAbove095) {
  std::vector<int32_t> truth;
  RowMatrix centres = random_centres(6, 5, 40.0, 11);
  RowMatrix x = blobs(centres, 250, 1.0, 12, &truth);
  KMeansOptions o;
  o.k = 6;
  o.seed = 5;
  KMeansResult r = kmeans(x, o);
  EXPECT_GE(adjusted_rand_index(truth, r.labels), 0.95);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.algorithm, KMeansAlgorithm::kHamerly);  // n = 1500 >= 1000
}

TEST(SegmentationKMeans, HamerlyGivesExactlyLloydsResultFromTheSameInit) {
  // Overlapping clusters so that many points switch over many iterations.
  RowMatrix x = blobs(random_centres(7, 4, 6.0, 21), 500, 1.5, 22, nullptr);
  for (uint64_t seed : {1u, 2u, 3u}) {
    Rng rng(seed);
    RowMatrix init = kmeans_plus_plus(x, 9, rng);
    KMeansOptions o;
    o.tol = 0;  // run to a fixed point
    o.algorithm = KMeansAlgorithm::kLloyd;
    KMeansResult lloyd = kmeans_from(x, init, o);
    o.algorithm = KMeansAlgorithm::kHamerly;
    KMeansResult ham = kmeans_from(x, init, o);
    EXPECT_GT(lloyd.iterations, 5u);
    EXPECT_EQ(lloyd.labels, ham.labels);
    EXPECT_EQ(lloyd.iterations, ham.iterations);
    EXPECT_EQ(lloyd.centroids, ham.centroids);  // same sums in the same order: same bits
    EXPECT_EQ(lloyd.inertia, ham.inertia);
  }
}

TEST(SegmentationKMeans, HamerlyMatchesLloydWhenStoppedByIterationCapAndTolerance) {
  RowMatrix x = blobs(random_centres(5, 3, 5.0, 31), 400, 1.2, 32, nullptr);
  Rng rng(9);
  RowMatrix init = kmeans_plus_plus(x, 6, rng);
  for (size_t cap : {1u, 2u, 4u}) {
    KMeansOptions o;
    o.max_iter = cap;
    o.algorithm = KMeansAlgorithm::kLloyd;
    auto a = kmeans_from(x, init, o);
    o.algorithm = KMeansAlgorithm::kHamerly;
    auto b = kmeans_from(x, init, o);
    EXPECT_EQ(a.labels, b.labels) << cap;
    EXPECT_EQ(a.inertia, b.inertia) << cap;
  }
}

TEST(SegmentationKMeans, BestInertiaIsNeverWorseThanAnyRestart) {
  RowMatrix x = blobs(random_centres(8, 3, 8.0, 41), 100, 2.0, 42, nullptr);
  KMeansOptions o;
  o.k = 8;
  o.n_init = 6;
  o.seed = 77;
  KMeansResult r = kmeans(x, o);
  ASSERT_EQ(r.restarts.size(), 6u);
  double min_restart = std::numeric_limits<double>::infinity();
  for (const auto& s : r.restarts) {
    EXPECT_LE(r.inertia, s.inertia);
    min_restart = std::min(min_restart, s.inertia);
  }
  EXPECT_EQ(r.inertia, min_restart);
  EXPECT_EQ(r.inertia, r.restarts[r.best_restart].inertia);
  // The reported inertia is the within-cluster sum of squares of the labels (computed directly).
  EXPECT_NEAR(r.inertia, brute_force_inertia(x, r.labels, 8), 1e-9 * r.inertia);
}

TEST(SegmentationKMeans, ReachesTheBruteForceOptimumOnTinyInputs) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    // 9 points in 3 loose groups: k-means is a local method, so the groups are apart enough for
    // restarts to find the global optimum; overlapping groups are covered by the checks below.
    RowMatrix x = blobs(random_centres(3, 2, 12.0, 100 + seed), 3, 1.0, 200 + seed, nullptr);
    const size_t n = static_cast<size_t>(x.rows()), k = 3;
    // Every assignment of 9 points to 3 labels (3^9 = 19683).
    double best = std::numeric_limits<double>::infinity();
    std::vector<int32_t> labels(n), best_labels;
    for (size_t code = 0; code < 19683; ++code) {
      size_t c = code;
      for (size_t i = 0; i < n; ++i, c /= 3) labels[i] = static_cast<int32_t>(c % 3);
      const double v = brute_force_inertia(x, labels, k);
      if (v < best) best = v, best_labels = labels;
    }
    KMeansOptions o;
    o.k = k;
    o.n_init = 10;
    o.seed = seed;
    KMeansResult r = kmeans(x, o);
    EXPECT_NEAR(r.inertia, best, 1e-9) << "seed " << seed;
    EXPECT_NEAR(adjusted_rand_index(r.labels, best_labels), 1.0, 1e-12);
    // The optimum is a fixed point: started from its centroids, k-means stays there.
    RowMatrix opt = RowMatrix::Zero(3, x.cols());
    std::vector<double> m(3, 0);
    for (size_t i = 0; i < n; ++i) opt.row(best_labels[i]) += x.row(static_cast<Eigen::Index>(i)), ++m[best_labels[i]];
    for (int c = 0; c < 3; ++c) opt.row(c) /= m[c];
    EXPECT_NEAR(kmeans_from(x, opt, o).inertia, best, 1e-9);
    // And each point sits with its nearest centre (checked naively).
    for (size_t i = 0; i < n; ++i) {
      int32_t nearest = 0;
      for (Eigen::Index c = 1; c < 3; ++c)
        if ((x.row(static_cast<Eigen::Index>(i)) - r.centroids.row(c)).squaredNorm() <
            (x.row(static_cast<Eigen::Index>(i)) - r.centroids.row(nearest)).squaredNorm())
          nearest = static_cast<int32_t>(c);
      EXPECT_EQ(r.labels[i], nearest);
    }
  }
}

TEST(SegmentationKMeans, NeverBelowTheBruteForceOptimumOnOverlappingTinyInputs) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    RowMatrix x = blobs(random_centres(2, 2, 3.0, 300 + seed), 5, 1.0, 400 + seed, nullptr);  // 10 points
    double best = std::numeric_limits<double>::infinity();
    std::vector<int32_t> labels(10);
    for (size_t code = 0; code < 1024; ++code) {
      for (size_t i = 0; i < 10; ++i) labels[i] = static_cast<int32_t>((code >> i) & 1);
      best = std::min(best, brute_force_inertia(x, labels, 2));
    }
    KMeansOptions o;
    o.k = 2;
    o.n_init = 10;
    o.seed = seed;
    const double got = kmeans(x, o).inertia;
    EXPECT_GE(got, best - 1e-9);
    EXPECT_LE(got, best * 1.25) << "seed " << seed;  // local optimum, but a decent one
  }
}

TEST(SegmentationKMeans, SameSeedSameResultDifferentSeedIndependentRestarts) {
  RowMatrix x = blobs(random_centres(5, 3, 4.0, 51), 200, 1.5, 52, nullptr);
  KMeansOptions o;
  o.k = 5;
  o.seed = 123;
  auto a = kmeans(x, o), b = kmeans(x, o);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.inertia, b.inertia);
  o.seed = 124;
  auto c = kmeans(x, o);
  EXPECT_NE(a.restarts[0].inertia, c.restarts[0].inertia);
}

TEST(SegmentationKMeans, RejectsKAboveRowsAndNonFiniteValues) {
  RowMatrix x = RowMatrix::Random(4, 2);
  KMeansOptions o;
  o.k = 5;
  try {
    kmeans(x, o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("\"k\" = 5"), std::string::npos) << e.what();
  }
  o.k = 2;
  x(2, 1) = std::numeric_limits<double>::quiet_NaN();
  try {
    kmeans(x, o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("row 2, column 1 is NaN"), std::string::npos) << e.what();
  }
  x(2, 1) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(kmeans(x, o), InputError);
  o.k = 0;
  EXPECT_THROW(kmeans(RowMatrix::Random(4, 2), o), InputError);
}

TEST(SegmentationKMeans, IdenticalPointsGiveOneClusterAndEmptyOnesWithoutNaN) {
  RowMatrix x = RowMatrix::Constant(10, 3, 2.5);
  KMeansOptions o;
  o.k = 3;
  for (auto alg : {KMeansAlgorithm::kLloyd, KMeansAlgorithm::kHamerly}) {
    o.algorithm = alg;
    KMeansResult r = kmeans(x, o);
    EXPECT_EQ(r.inertia, 0.0);
    EXPECT_TRUE(r.centroids.allFinite());
    EXPECT_EQ(r.sizes, (std::vector<size_t>{10, 0, 0}));
    for (int32_t l : r.labels) EXPECT_EQ(l, 0);
    EXPECT_EQ(to_json(r)["emptyClusters"], 2);
  }
  // Two distinct points, k = 3: both found, one cluster left empty.
  RowMatrix y(6, 1);
  y << 0, 0, 0, 1, 1, 1;
  o.k = 3;
  KMeansResult r = kmeans(y, o);
  EXPECT_EQ(r.inertia, 0.0);
  EXPECT_EQ(to_json(r)["emptyClusters"], 1);
}

TEST(SegmentationKMeans, OptionsRejectOutOfRangeValuesByName) {
  auto expect_msg = [](const nlohmann::json& j, const std::string& part) {
    try {
      segmentation_options_from_json(j);
      ADD_FAILURE() << j.dump();
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_msg({{"k", 0}}, "\"k\"");
  expect_msg({{"nInit", -1}}, "\"nInit\"");
  expect_msg({{"tol", -1}}, "\"tol\"");
  expect_msg({{"algorithm", "elkan"}}, "\"algorithm\"");
  expect_msg({{"kMin", 5}, {"kMax", 3}}, "\"kMin\"");
  expect_msg({{"features", {"recencyDays", "recencyDays"}}}, "twice");
  expect_msg({{"kk", 3}}, "unknown segmentation option \"kk\"");
  EXPECT_THROW(kmeans_options_from_json({{"asOf", 1}}), InputError);
}

// ───────────────────────────── segments of a log ─────────────────────────────

namespace {

// Two planted groups: 10 recent heavy buyers and 40 learners who viewed once long ago.
EventLog two_group_log() {
  std::string csv = "user_id,item_id,event,ts,amount,community\n";
  // Quintile scores need the fans to be the top fifth: 10 fans among 40 others.
  for (int i = 0; i < 10; ++i) {
    const std::string u = "fan" + std::to_string(i);
    for (int c = 0; c < 4; ++c) {
      const std::string day = "2025-03-" + std::to_string(10 + c + (i % 5));
      csv += u + ",c" + std::to_string(c) + ",enroll," + day + ",,alpha\n";
      csv += u + ",c" + std::to_string(c) + ",purchase," + day + "," + std::to_string(40 + i % 7) + ",alpha\n";
      csv += u + ",c" + std::to_string(c) + ",complete," + day + ",,alpha\n";
    }
    csv += u + ",,share,2025-03-" + std::to_string(15 + i) + ",,alpha\n";
  }
  for (int i = 0; i < 40; ++i) csv += "gone" + std::to_string(i) + ",c1,view,2025-01-01,,beta\n";
  return read_events(csv);
}

}  // namespace

TEST(SegmentationSegments, PlantedGroupsGetTheirRfmLabelsAndRevenueShares) {
  EventLog log = two_group_log();
  SegmentationOptions o;
  o.kmeans.k = 2;
  SegmentationResult r = segment(learner_features(log, {}), o);
  ASSERT_EQ(r.segments.size(), 2u);
  const size_t fans = r.segments[0].revenue > 0 ? 0 : 1;
  const Segment& a = r.segments[fans];
  const Segment& b = r.segments[1 - fans];
  EXPECT_EQ(a.size, 10u);
  EXPECT_EQ(b.size, 40u);
  EXPECT_DOUBLE_EQ(a.revenue_share, 1.0);
  EXPECT_EQ(rfm_segment_name(a.label), "Champions");
  EXPECT_EQ(rfm_segment_name(b.label), "Lost");
  EXPECT_DOUBLE_EQ(a.centroid[kFrequency], 4.0);  // original units: 4 purchases each
  EXPECT_DOUBLE_EQ(a.centroid[kCompletionRate], 1.0);
  EXPECT_DOUBLE_EQ(b.centroid[kFrequency], 0.0);
  EXPECT_EQ(log.communities.name(a.communities[0].first), "alpha");
  EXPECT_EQ(a.communities[0].second, 10u);
}

TEST(SegmentationSegments, SyntheticPlatformSegmentsAddUpAndCentroidsAreMemberMeans) {
  SyntheticOptions so;
  so.learners = 800;
  so.seed = 3;
  auto p = generate_platform(so);
  SegmentationOptions o;
  o.kmeans.k = 5;
  SegmentationResult r = segment(learner_features(p.log, {}), o);
  size_t total = 0;
  double share = 0;
  for (const auto& s : r.segments) {
    total += s.size;
    share += s.revenue_share;
  }
  EXPECT_EQ(total, r.features.size());
  EXPECT_NEAR(share, 1.0, 1e-12);
  // Centroid of segment 0 recomputed directly from the members' raw rows.
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(kLearnerFeatureCount);
  size_t m = 0;
  for (size_t i = 0; i < r.features.size(); ++i)
    if (r.kmeans.labels[i] == 0) mean += r.features.raw.row(static_cast<Eigen::Index>(i)), ++m;
  mean /= static_cast<double>(m);
  for (int c = 0; c < kLearnerFeatureCount; ++c) EXPECT_NEAR(r.segments[0].centroid[c], mean[c], 1e-9);
  nlohmann::json j = to_json(r, p.log);
  EXPECT_EQ(j["segments"].size(), 5u);
  EXPECT_EQ(j["features"].size(), 7u);
  EXPECT_FALSE(to_text(r, p.log).empty());
}

TEST(SegmentationSegments, AutoKPicksThePlantedNumberAndExplainsIt) {
  // Four well-separated groups of learners in feature space: recency x spend.
  std::string csv = "user_id,item_id,event,ts,amount\n";
  const char* days[2] = {"2025-06-29", "2025-01-02"};
  const int spend[2] = {0, 500};
  for (int g = 0; g < 4; ++g)
    for (int i = 0; i < 25; ++i) {
      const std::string u = "g" + std::to_string(g) + "_" + std::to_string(i);
      if (spend[g % 2]) csv += u + ",c1,purchase," + days[g / 2] + "," + std::to_string(spend[g % 2] + i) + "\n";
      else csv += u + ",c1,view," + days[g / 2] + ",\n";
    }
  csv += "anchor,c9,view,2025-06-30,\n";
  EventLog log = read_events(csv);
  SegmentationOptions o;
  o.auto_k = true;
  o.k_min = 2;
  o.k_max = 7;
  o.columns = {kRecencyDays, kMonetary};
  SegmentationResult r = segment(learner_features(log, {}), o);
  ASSERT_TRUE(r.auto_k);
  EXPECT_EQ(r.auto_k->chosen, 4u) << r.auto_k->reason;
  EXPECT_EQ(r.auto_k->tried.size(), 6u);
  EXPECT_NE(r.auto_k->reason.find("k = 4"), std::string::npos);
  EXPECT_EQ(r.kmeans.centroids.rows(), 4);
}

TEST(SegmentationSegments, RejectsKAboveLearnersAndAutoKOnTwoLearners) {
  EventLog log = read_events("user_id,item_id,event,ts\na,c1,view,2025-01-01\nb,c1,view,2025-01-02\n");
  SegmentationOptions o;
  o.kmeans.k = 3;
  try {
    segment(learner_features(log, {}), o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("number of learners (2)"), std::string::npos) << e.what();
  }
  o.auto_k = true;
  EXPECT_THROW(segment(learner_features(log, {}), o), InputError);
}

TEST(SegmentationSegments, AllIdenticalLearnersGiveOneSegmentNoNaN) {
  EventLog log = read_events("user_id,item_id,event,ts\na,c1,view,2025-01-01\nb,c1,view,2025-01-01\n"
                             "c,c1,view,2025-01-01\nd,c1,view,2025-01-01\n");
  SegmentationOptions o;
  o.kmeans.k = 2;
  SegmentationResult r = segment(learner_features(log, {}), o);
  EXPECT_EQ(r.segments[0].size, 4u);
  EXPECT_EQ(r.segments[1].size, 0u);
  nlohmann::json j = to_json(r, log);
  EXPECT_TRUE(j["segments"][1]["label"].is_null());
  // NaN would be stored as a number and dumped as null: check finiteness of every number.
  for (const auto& s : j["segments"]) {
    for (const auto& [k, v] : s["centroid"].items()) EXPECT_TRUE(std::isfinite(v.get<double>())) << k;
    for (const auto& v : s["centroidStandardized"]) EXPECT_TRUE(std::isfinite(v.get<double>()));
    for (const char* k : {"revenueShare", "rScore", "fmScore", "share"})
      EXPECT_TRUE(std::isfinite(s[k].get<double>())) << k;
  }
  EXPECT_TRUE(std::isfinite(j["kmeans"]["inertia"].get<double>()));
  o.auto_k = true;
  SegmentationResult a = segment(learner_features(log, {}), o);
  for (const auto& t : a.auto_k->tried) EXPECT_EQ(t.silhouette, 0.0);
}

TEST(SegmentationSegments, GoldenValuesSharedWithTheWasmBuild) {
  // The same call runs in tests/node/segmentation.test.mjs against the WASM build: same seed, same
  // result on both platforms (labels exactly, inertia to 1e-9 relative).
  SyntheticOptions so;
  so.seed = 3;
  so.learners = 800;
  auto p = generate_platform(so);
  SegmentationOptions o = segmentation_options_from_json({{"k", 5}, {"seed", 42}});
  SegmentationResult r = segment(learner_features(p.log, {}), o);
  const std::vector<size_t> sizes = {67, 240, 192, 200, 101};
  const std::vector<int32_t> first20 = {2, 4, 4, 0, 4, 2, 4, 4, 4, 3, 4, 3, 4, 2, 2, 4, 3, 0, 2, 4};
  const double inertia = 2142.9135241970735;
  EXPECT_EQ(r.kmeans.sizes, sizes);
  EXPECT_EQ(std::vector<int32_t>(r.kmeans.labels.begin(), r.kmeans.labels.begin() + 20), first20);
  EXPECT_NEAR(r.kmeans.inertia, inertia, 1e-9 * inertia);
}
