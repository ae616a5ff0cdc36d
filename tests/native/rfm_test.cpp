// RFM quintile scores against a brute-force count of the definition, and the segment map against
// the table in rfm.h transcribed independently.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/event_reader.h"
#include "circlewise/random.h"
#include "circlewise/rfm.h"

using namespace circlewise;

TEST(Rfm, DistinctValuesFillEachQuintileEqually) {
  std::vector<double> v = {7, 3, 10, 1, 5, 9, 2, 8, 4, 6};
  auto s = quintile_scores(v, true);
  // 1,2 -> 1; 3,4 -> 2; ... 9,10 -> 5
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(s[i], static_cast<int>((v[i] + 1) / 2)) << v[i];
  auto r = quintile_scores(v, false);  // lower is better
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(r[i], 6 - s[i]) << v[i];
}

TEST(Rfm, TiedValuesShareTheLowestScoreOfTheirRun) {
  // 7 of 10 never bought: all get 1; the buyers are better than 70% -> 1 + floor(5*7/10) = 4.
  std::vector<double> v = {0, 0, 0, 0, 0, 0, 0, 1, 1, 3};
  auto s = quintile_scores(v, true);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(s[i], 1);
  EXPECT_EQ(s[7], 4);
  EXPECT_EQ(s[8], 4);
  EXPECT_EQ(s[9], 5);  // better than 9 of 10
}

TEST(Rfm, ScoresMatchBruteForceCountOnRandomTiedValues) {
  Rng rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 1 + rng.below(40);
    std::vector<double> v(n);
    for (auto& x : v) x = static_cast<double>(rng.below(6));
    const bool hib = trial % 2 == 0;
    auto s = quintile_scores(v, hib);
    for (size_t i = 0; i < n; ++i) {
      size_t worse = 0;
      for (size_t j = 0; j < n; ++j) worse += hib ? v[j] < v[i] : v[j] > v[i];
      const int expect = std::min<int>(5, 1 + static_cast<int>(5 * worse / n));
      ASSERT_EQ(s[i], expect) << "trial " << trial << " i " << i;
    }
  }
}

TEST(Rfm, SegmentMapMatchesDocumentedGrid) {
  // Rows R = 1..5, columns FM = 1..5, written from the table in rfm.h.
  const char* grid[5][5] = {
      {"Lost", "Hibernating", "At risk", "At risk", "Can't lose them"},
      {"Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"},
      {"About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"},
      {"Promising", "Potential loyalists", "Potential loyalists", "Loyal", "Loyal"},
      {"New", "Potential loyalists", "Potential loyalists", "Champions", "Champions"},
  };
  for (int r = 1; r <= 5; ++r)
    for (int fm = 1; fm <= 5; ++fm)
      EXPECT_EQ(rfm_segment_name(rfm_segment(r, fm)), grid[r - 1][fm - 1]) << "R" << r << " FM" << fm;
}

TEST(Rfm, ScoresLearnersOfATinyLogAndReportsBands) {
  // Five learners with distinct recency, frequency and spend: scores are their ranks.
  EventLog log = read_events(
      "user_id,item_id,event,ts,amount\n"
      "a,c1,purchase,2025-01-10,100\na,c2,purchase,2025-01-10,100\na,c3,purchase,2025-01-10,100\n"
      "a,c4,purchase,2025-01-10,100\na,c5,purchase,2025-01-10,100\n"
      "b,c1,purchase,2025-01-09,50\nb,c2,purchase,2025-01-09,50\nb,c3,purchase,2025-01-09,50\n"
      "b,c4,purchase,2025-01-09,50\n"
      "c,c1,purchase,2025-01-08,20\nc,c2,purchase,2025-01-08,20\nc,c3,purchase,2025-01-08,20\n"
      "d,c1,purchase,2025-01-05,10\nd,c2,purchase,2025-01-05,10\n"
      "e,c1,view,2025-01-01,\n");
  LearnerFeatures f = learner_features(log, {});
  RfmScores s = rfm_scores(f);
  const int expect_r[5] = {5, 4, 3, 2, 1}, expect_f[5] = {5, 4, 3, 2, 1}, expect_m[5] = {5, 4, 3, 2, 1};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.r[i], expect_r[i]);
    EXPECT_EQ(s.f[i], expect_f[i]);
    EXPECT_EQ(s.m[i], expect_m[i]);
  }
  EXPECT_EQ(rfm_segment_name(s.segment[0]), "Champions");
  EXPECT_EQ(rfm_segment_name(s.segment[4]), "Lost");
  EXPECT_EQ(rfm_segment_name(s.segment[2]), "Need attention");
  // Monetary band of score 5 is exactly a's 500.
  EXPECT_EQ(s.bands[2][4].count, 1u);
  EXPECT_DOUBLE_EQ(s.bands[2][4].min, 500);
  nlohmann::json j = to_json(s, f);
  EXPECT_EQ(j["learners"], 5);
  EXPECT_DOUBLE_EQ(j["totalRevenue"].get<double>(), 500 + 200 + 60 + 20);
  double share = 0;
  for (const auto& g : j["segments"]) share += g["share"].get<double>();
  EXPECT_NEAR(share, 1.0, 1e-12);
}

TEST(Rfm, OptionsRejectUnknownKeys) {
  EXPECT_THROW(rfm_options_from_json({{"asof", "2025-01-01"}}), InputError);
  auto o = rfm_options_from_json({{"asOf", "2025-01-01"}});
  EXPECT_TRUE(o.has_as_of);
}
