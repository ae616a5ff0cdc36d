#pragma once
// One row per learner, computed from the event log: the RFM triple (recency, frequency, monetary)
// plus engagement (active days, courses enrolled, completion rate, shares) and the learner's main
// community. Segmentation clusters these rows; RFM scoring ranks them. The transforms that make
// the columns comparable (log1p for money and counts, z-score standardisation) live here too, so
// every consumer applies them the same way and can report them.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"
#include "circlewise/progress.h"

namespace circlewise {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Column order of LearnerFeatures::raw. Names are the ones used in JSON and options.
enum LearnerFeature : int {
  kRecencyDays = 0,   // days from the learner's last event to as_of (fractional, >= 0)
  kFrequency,         // purchase events
  kMonetary,          // net spend: purchase amounts minus refund amounts (can be < 0)
  kActiveDays,        // distinct UTC calendar days with any event
  kCoursesEnrolled,   // distinct courses with an enroll event
  kCompletionRate,    // distinct enrolled courses also completed / courses enrolled (0 when none)
  kShares,            // share events
  kLearnerFeatureCount,
};
constexpr std::array<std::string_view, kLearnerFeatureCount> kLearnerFeatureNames = {
    "recencyDays", "frequency", "monetary", "activeDays", "coursesEnrolled", "completionRate",
    "shares"};

// How a column is made comparable before clustering. Counts and money are heavy-tailed, so they go
// through log1p first (computed with portable_log so native and WASM agree bit for bit) (money through the signed version sign(x)·log1p(|x|), because refunds can make
// net spend negative); recency and a rate are kept linear. Then every column is z-scored.
enum class FeatureTransform { kLinear, kLog1p, kSignedLog1p };
FeatureTransform default_transform(LearnerFeature f);
std::string_view transform_name(FeatureTransform t);  // "none", "log1p", "signedLog1p"
double apply_transform(FeatureTransform t, double x);

struct LearnerFeatureOptions {
  // Reference time for recency; when not set, the time of the last event in the log. Events after
  // it are ignored (and counted in `events_after_as_of`), as if the export had been taken then.
  bool has_as_of = false;
  int64_t as_of_ms = 0;
  Progress progress;  // "learner features", per 64Ki events and after each sort
};

struct LearnerFeatures {
  int64_t as_of_ms = 0;
  std::vector<int32_t> user;         // user code in the log's dictionary, one per row
  std::vector<int32_t> community;    // the community of most of the learner's events (ties: lowest
                                     // code), kNone when none of them names one
  RowMatrix raw;                     // learners × kLearnerFeatureCount, original units
  size_t events_used = 0;
  size_t events_after_as_of = 0;     // ignored: later than as_of
  size_t referrers_without_events = 0;  // ids seen only as a referrer: not learners here

  size_t size() const { return user.size(); }
};

// Throws InputError when the log has no event at or before as_of.
LearnerFeatures learner_features(const EventLog& log, const LearnerFeatureOptions& options);

// The matrix k-means sees: chosen columns of `raw`, transformed then z-scored. A column with zero
// variance (all learners equal) becomes all zeros — it carries no information, and dividing by its
// standard deviation would give NaN; it is flagged `constant` in the report.
struct StandardizedColumn {
  LearnerFeature feature;
  FeatureTransform transform;
  double mean = 0;  // of the transformed column
  double sd = 0;    // population standard deviation of the transformed column
  bool constant = false;
};
struct StandardizedFeatures {
  RowMatrix x;  // learners × columns.size()
  std::vector<StandardizedColumn> columns;
};
StandardizedFeatures standardize(const LearnerFeatures& f, const std::vector<LearnerFeature>& columns);

// Parses a feature name ("recencyDays", ...); throws InputError naming `option` and the known names.
LearnerFeature feature_from_name(std::string_view name, std::string_view option);

// The "asOf" option: a date/time string ("2025-06-30", ISO-8601) or Unix seconds. Throws InputError.
int64_t as_of_from_json(const nlohmann::json& v);
nlohmann::json to_json(const StandardizedColumn& c);

}  // namespace circlewise
