#pragma once
// Classic RFM scoring, the way marketers know it: each learner gets a 1–5 score per letter
// (Recency, Frequency, Monetary) from quintiles, and a named segment from the standard RFM map.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/learner_features.h"

namespace circlewise {

// Quintile score 1..5 of each value among all values: 1 + ⌊5 · (number of values strictly worse) / n⌋.
// Tied values share a score (the lowest their rank allows), so the worst value always scores 1
// and a value that 80% of learners beat scores 5 only if it is strictly better than 80% of them —
// e.g. when 70% of learners never bought, all of them get F = 1 and the buyers start at F = 4.
// With distinct values each score holds exactly a fifth (n divisible by 5).
// `higher_is_better` = false for recency (fewer days since the last event is better).
std::vector<uint8_t> quintile_scores(const std::vector<double>& values, bool higher_is_better);

enum class RfmSegment : int {
  kChampions = 0,
  kLoyal,
  kPotentialLoyalists,
  kNew,
  kPromising,
  kNeedAttention,
  kAboutToSleep,
  kAtRisk,
  kCantLoseThem,
  kHibernating,
  kLost,
};
constexpr int kRfmSegmentCount = 11;
std::string_view rfm_segment_name(RfmSegment s);

// The standard RFM segment map on the grid of R and FM = round-half-up((F + M) / 2):
//   R 5,   FM 4–5: Champions        R 3–4, FM 4–5: Loyal
//   R 4–5, FM 2–3: Potential loyalists
//   R 5,   FM 1:   New              R 4,   FM 1:   Promising
//   R 3,   FM 3:   Need attention   R 3,   FM 1–2: About to sleep
//   R 1–2, FM 3–4: At risk          R 1–2, FM 5:   Can't lose them
//   R 1–2, FM 1–2: Hibernating, except R 1, FM 1:  Lost
RfmSegment rfm_segment(int r, int fm);

struct RfmScores {
  std::vector<uint8_t> r, f, m, fm;
  std::vector<RfmSegment> segment;
  // Per letter and score, the [min, max] of the raw values that received it (NaN-free: a score
  // nobody received has count 0 and bounds 0).
  struct Band {
    size_t count = 0;
    double min = 0, max = 0;
  };
  std::array<std::array<Band, 5>, 3> bands;  // [letter R,F,M][score-1]
};

// R from recencyDays, F from frequency, M from monetary (net spend) of every learner.
RfmScores rfm_scores(const LearnerFeatures& f);

// {"asOf": "2025-06-30" | Unix seconds}; unknown keys are rejected.
LearnerFeatureOptions rfm_options_from_json(const nlohmann::json& j);

// The JS/CLI report without per-learner arrays: bands, and per named segment learners and revenue.
nlohmann::json to_json(const RfmScores& s, const LearnerFeatures& f);

}  // namespace circlewise
