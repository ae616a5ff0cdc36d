// Learner segmentation and RFM scores of a dataset, and k-means on a raw matrix handed over in the
// heap. Results come back as a JSON summary plus bulk per-row arrays, which the JS shell copies out
// of the heap (through the pointers below) before freeing the result object.
#include <emscripten/bind.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "circlewise/rfm.h"
#include "circlewise/segmentation.h"
#include "js_error.h"
#include "js_progress.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

// Owns the bulk arrays of one result until JS has copied them.
struct SegmentationOutput {
  std::string json;
  std::string ids;               // learner ids, each followed by '\0' (ids never contain NUL)
  std::vector<int32_t> labels;   // per learner or matrix row
  std::vector<uint8_t> scores;   // RFM: per learner r, f, m, segment code (4 bytes each)
  std::vector<double> centroids; // k × d, row-major (raw k-means)

  std::string get_json() const { return json; }
  std::string get_ids() const { return ids; }
  std::uintptr_t labels_ptr() const { return reinterpret_cast<std::uintptr_t>(labels.data()); }
  double label_count() const { return static_cast<double>(labels.size()); }
  std::uintptr_t scores_ptr() const { return reinterpret_cast<std::uintptr_t>(scores.data()); }
  double score_count() const { return static_cast<double>(scores.size()); }
  std::uintptr_t centroids_ptr() const { return reinterpret_cast<std::uintptr_t>(centroids.data()); }
  double centroid_count() const { return static_cast<double>(centroids.size()); }
};

std::string joined_ids(const EventLog& log, const LearnerFeatures& f) {
  std::string ids;
  for (int32_t u : f.user) {
    ids += log.users.name(u);
    ids += '\0';
  }
  return ids;
}

SegmentationOutput segment_log(const EventLog& log, const std::string& options_json, emscripten::val on_progress) {
  return guarded([&] {
    auto o = segmentation_options_from_json(json_argument(options_json));
    // Reading the features from the events costs about as much as k-means on typical logs.
    const Progress progress = wasm::js_progress(on_progress);
    if (progress) {
      o.features.progress = progress.part(0, 0.4);
      o.kmeans.progress = progress.part(0.4, 1);
    }
    SegmentationResult r = segment(learner_features(log, o.features), o);
    SegmentationOutput out;
    out.json = to_json(r, log).dump();
    out.ids = joined_ids(log, r.features);
    out.labels = std::move(r.kmeans.labels);
    return out;
  });
}

SegmentationOutput rfm_log(const EventLog& log, const std::string& options_json) {
  return guarded([&] {
    LearnerFeatures f = learner_features(log, rfm_options_from_json(json_argument(options_json)));
    RfmScores s = rfm_scores(f);
    SegmentationOutput out;
    out.json = to_json(s, f).dump();
    out.ids = joined_ids(log, f);
    out.scores.resize(4 * f.size());
    for (size_t i = 0; i < f.size(); ++i) {
      out.scores[4 * i] = s.r[i];
      out.scores[4 * i + 1] = s.f[i];
      out.scores[4 * i + 2] = s.m[i];
      out.scores[4 * i + 3] = static_cast<uint8_t>(s.segment[i]);
    }
    return out;
  });
}

// data: rows × cols doubles, row-major, in the heap; init: k × cols doubles or 0 for k-means++.
SegmentationOutput kmeans_matrix(std::uintptr_t data, std::size_t rows, std::size_t cols, std::uintptr_t init,
                                 std::size_t init_rows, const std::string& options_json, emscripten::val on_progress) {
  return guarded([&] {
    KMeansOptions o = kmeans_options_from_json(json_argument(options_json));
    o.progress = wasm::js_progress(on_progress);
    Eigen::Map<const RowMatrix> x(reinterpret_cast<const double*>(data), static_cast<Eigen::Index>(rows),
                                  static_cast<Eigen::Index>(cols));
    KMeansResult r;
    if (init) {
      Eigen::Map<const RowMatrix> c(reinterpret_cast<const double*>(init), static_cast<Eigen::Index>(init_rows),
                                    static_cast<Eigen::Index>(cols));
      r = kmeans_from(x, c, o);
    } else {
      r = kmeans(x, o);
    }
    SegmentationOutput out;
    out.json = to_json(r).dump();
    out.labels = std::move(r.labels);
    out.centroids.assign(r.centroids.data(), r.centroids.data() + r.centroids.size());
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_segmentation) {
  using namespace emscripten;
  class_<SegmentationOutput>("SegmentationOutput")
      .function("json", &SegmentationOutput::get_json)
      .function("ids", &SegmentationOutput::get_ids)
      .function("labelsPtr", &SegmentationOutput::labels_ptr)
      .function("labelCount", &SegmentationOutput::label_count)
      .function("scoresPtr", &SegmentationOutput::scores_ptr)
      .function("scoreCount", &SegmentationOutput::score_count)
      .function("centroidsPtr", &SegmentationOutput::centroids_ptr)
      .function("centroidCount", &SegmentationOutput::centroid_count);
  function("segmentLog", &segment_log);
  function("rfmLog", &rfm_log);
  function("kmeansMatrix", &kmeans_matrix);
}
