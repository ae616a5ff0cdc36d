#include "circlewise/rfm.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/money.h"
#include "circlewise/timestamp.h"

namespace circlewise {

std::vector<uint8_t> quintile_scores(const std::vector<double>& values, bool higher_is_better) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  // Worst first; stable so that the result never depends on the sort's tie handling.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return higher_is_better ? values[a] < values[b] : values[a] > values[b];
  });
  std::vector<uint8_t> score(n, 1);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    // i values are strictly worse than this run of ties.
    const auto s = static_cast<uint8_t>(std::min<size_t>(5, 1 + (5 * i) / n));
    for (size_t t = i; t < j; ++t) score[order[t]] = s;
    i = j;
  }
  return score;
}

std::string_view rfm_segment_name(RfmSegment s) {
  static constexpr std::array<std::string_view, kRfmSegmentCount> kNames = {
      "Champions", "Loyal",    "Potential loyalists", "New",         "Promising", "Need attention",
      "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost"};
  return kNames[static_cast<size_t>(s)];
}

RfmSegment rfm_segment(int r, int fm) {
  if (r <= 2) {
    if (fm == 5) return RfmSegment::kCantLoseThem;
    if (fm >= 3) return RfmSegment::kAtRisk;
    return (r == 1 && fm == 1) ? RfmSegment::kLost : RfmSegment::kHibernating;
  }
  if (r == 3) {
    if (fm >= 4) return RfmSegment::kLoyal;
    return fm == 3 ? RfmSegment::kNeedAttention : RfmSegment::kAboutToSleep;
  }
  // r is 4 or 5
  if (fm >= 4) return r == 5 ? RfmSegment::kChampions : RfmSegment::kLoyal;
  if (fm >= 2) return RfmSegment::kPotentialLoyalists;
  return r == 5 ? RfmSegment::kNew : RfmSegment::kPromising;
}

RfmScores rfm_scores(const LearnerFeatures& f) {
  RfmScores s;
  const size_t n = f.size();
  std::vector<double> col(n);
  const LearnerFeature letters[3] = {kRecencyDays, kFrequency, kMonetary};
  std::vector<uint8_t>* out[3] = {&s.r, &s.f, &s.m};
  for (int l = 0; l < 3; ++l) {
    for (size_t i = 0; i < n; ++i) col[i] = f.raw(static_cast<Eigen::Index>(i), letters[l]);
    *out[l] = quintile_scores(col, letters[l] != kRecencyDays);
    for (size_t i = 0; i < n; ++i) {
      auto& b = s.bands[l][(*out[l])[i] - 1];
      b.min = b.count ? std::min(b.min, col[i]) : col[i];
      b.max = b.count ? std::max(b.max, col[i]) : col[i];
      ++b.count;
    }
  }
  s.fm.resize(n);
  s.segment.resize(n);
  for (size_t i = 0; i < n; ++i) {
    s.fm[i] = static_cast<uint8_t>((s.f[i] + s.m[i] + 1) / 2);  // round half up
    s.segment[i] = rfm_segment(s.r[i], s.fm[i]);
  }
  return s;
}

// Option parsing and text output: once per call, optimised for size in the WASM build.
CIRCLEWISE_SIZE_OPTIMISED_BEGIN

LearnerFeatureOptions rfm_options_from_json(const nlohmann::json& j) {
  LearnerFeatureOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("rfm options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "asOf") {
      if (it->is_null()) continue;
      o.has_as_of = true;
      o.as_of_ms = as_of_from_json(*it);
    } else {
      throw InputError("unknown rfm option \"" + it.key() + "\" (known: asOf)");
    }
  }
  return o;
}

nlohmann::json to_json(const RfmScores& s, const LearnerFeatures& f) {
  const size_t n = f.size();
  std::array<size_t, kRfmSegmentCount> count{};
  std::array<MoneySum, kRfmSegmentCount> revenue{};
  MoneySum total;
  for (size_t i = 0; i < n; ++i) {
    const auto g = static_cast<size_t>(s.segment[i]);
    ++count[g];
    const double m = f.raw(static_cast<Eigen::Index>(i), kMonetary);
    revenue[g].add(m);
    total.add(m);
  }
  nlohmann::json segs = nlohmann::json::array();
  for (int g = 0; g < kRfmSegmentCount; ++g) {
    const double rev = revenue[g].value();
    segs.push_back({{"label", rfm_segment_name(static_cast<RfmSegment>(g))},
                    {"learners", count[g]},
                    {"share", n ? static_cast<double>(count[g]) / static_cast<double>(n) : 0.0},
                    {"revenue", rev},
                    {"revenueShare", total.value() > 0 ? rev / total.value() : 0.0}});
  }
  const char* letters[3] = {"recency", "frequency", "monetary"};
  const char* features[3] = {"recencyDays", "frequency", "monetary"};
  nlohmann::json bands = nlohmann::json::object();
  for (int l = 0; l < 3; ++l) {
    nlohmann::json arr = nlohmann::json::array();
    for (int sc = 0; sc < 5; ++sc) {
      const auto& b = s.bands[l][sc];
      arr.push_back({{"score", sc + 1}, {"learners", b.count}, {"min", b.min}, {"max", b.max}});
    }
    bands[letters[l]] = {{"feature", features[l]}, {"scores", arr}};
  }
  return {{"asOf", format_timestamp(f.as_of_ms)},
          {"learners", n},
          {"eventsUsed", f.events_used},
          {"eventsAfterAsOf", f.events_after_as_of},
          {"referrersWithoutEvents", f.referrers_without_events},
          {"totalRevenue", total.value()},
          {"bands", bands},
          {"segments", segs}};
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
