// Learner features checked against values worked out by hand on a tiny log.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/event_reader.h"
#include "circlewise/learner_features.h"

using namespace circlewise;

namespace {

const char* kTinyLog =
    "user_id,item_id,event,ts,amount,community,referrer\n"
    "a,c1,view,2025-01-01T10:00:00Z,,alpha,\n"
    "a,c1,enroll,2025-01-01T11:00:00Z,,alpha,\n"
    "a,c1,purchase,2025-01-01T11:05:00Z,50,alpha,\n"
    "a,c2,enroll,2025-01-03T09:00:00Z,,beta,\n"
    "a,c1,complete,2025-01-05T12:00:00Z,,alpha,\n"
    "a,c3,complete,2025-01-05T13:00:00Z,,alpha,\n"
    "a,,share,2025-01-06T00:00:00Z,,alpha,\n"
    "b,c2,purchase,2025-01-02T00:00:00Z,30,beta,z\n"
    "b,c2,refund,2025-01-04T00:00:00Z,30,beta,\n"
    "b,c1,purchase,2025-01-04T12:00:00Z,20,beta,\n"
    "c,c1,view,2025-01-10T00:00:00Z,,,\n";

double at(const LearnerFeatures& f, size_t row, LearnerFeature c) {
  return f.raw(static_cast<Eigen::Index>(row), c);
}

}  // namespace

TEST(LearnerFeatures, MatchesHandComputedValuesOnTinyLog) {
  EventLog log = read_events(kTinyLog);
  LearnerFeatures f = learner_features(log, {});
  ASSERT_EQ(f.size(), 3u);  // a, b, c; "z" appears only as a referrer
  EXPECT_EQ(log.users.name(f.user[0]), "a");
  EXPECT_EQ(log.users.name(f.user[1]), "b");
  EXPECT_EQ(log.users.name(f.user[2]), "c");
  EXPECT_EQ(f.referrers_without_events, 1u);
  EXPECT_EQ(f.events_used, 11u);
  EXPECT_EQ(f.events_after_as_of, 0u);
  // a: last event 01-06 00:00, as of 01-10 00:00 (the last event in the log).
  EXPECT_DOUBLE_EQ(at(f, 0, kRecencyDays), 4.0);
  EXPECT_DOUBLE_EQ(at(f, 0, kFrequency), 1);
  EXPECT_DOUBLE_EQ(at(f, 0, kMonetary), 50);
  EXPECT_DOUBLE_EQ(at(f, 0, kActiveDays), 4);       // 01-01, 01-03, 01-05, 01-06
  EXPECT_DOUBLE_EQ(at(f, 0, kCoursesEnrolled), 2);  // c1, c2
  EXPECT_DOUBLE_EQ(at(f, 0, kCompletionRate), 0.5); // c1 done; c3 was never enrolled
  EXPECT_DOUBLE_EQ(at(f, 0, kShares), 1);
  EXPECT_EQ(log.communities.name(f.community[0]), "alpha");
  // b: 30 + 20 bought, 30 refunded.
  EXPECT_DOUBLE_EQ(at(f, 1, kRecencyDays), 5.5);
  EXPECT_DOUBLE_EQ(at(f, 1, kFrequency), 2);
  EXPECT_DOUBLE_EQ(at(f, 1, kMonetary), 20);
  EXPECT_DOUBLE_EQ(at(f, 1, kActiveDays), 2);
  EXPECT_DOUBLE_EQ(at(f, 1, kCoursesEnrolled), 0);
  EXPECT_DOUBLE_EQ(at(f, 1, kCompletionRate), 0);
  EXPECT_EQ(log.communities.name(f.community[1]), "beta");
  // c: one view, no community.
  EXPECT_DOUBLE_EQ(at(f, 2, kRecencyDays), 0);
  EXPECT_DOUBLE_EQ(at(f, 2, kActiveDays), 1);
  EXPECT_EQ(f.community[2], kNone);
}

TEST(LearnerFeatures, AsOfIgnoresAndCountsLaterEvents) {
  EventLog log = read_events(kTinyLog);
  LearnerFeatureOptions o;
  o.has_as_of = true;
  o.as_of_ms = as_of_from_json("2025-01-05");
  LearnerFeatures f = learner_features(log, o);
  ASSERT_EQ(f.size(), 2u);  // c's only event is later
  EXPECT_EQ(f.events_after_as_of, 4u);
  EXPECT_EQ(f.events_used, 7u);
  EXPECT_DOUBLE_EQ(at(f, 0, kRecencyDays), 1.625);  // 01-03 09:00 -> 01-05 00:00
  EXPECT_DOUBLE_EQ(at(f, 0, kCompletionRate), 0);
  EXPECT_DOUBLE_EQ(at(f, 0, kShares), 0);
  EXPECT_DOUBLE_EQ(at(f, 1, kRecencyDays), 0.5);
}

TEST(LearnerFeatures, RejectsEmptyLogAndAsOfBeforeEveryEvent) {
  EventLog empty;
  EXPECT_THROW(learner_features(empty, {}), InputError);
  EventLog log = read_events(kTinyLog);
  LearnerFeatureOptions o;
  o.has_as_of = true;
  o.as_of_ms = as_of_from_json("2024-01-01");
  try {
    learner_features(log, o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("asOf"), std::string::npos) << e.what();
  }
}

TEST(LearnerFeatures, StandardizeAppliesLog1pThenZScore) {
  EventLog log = read_events(kTinyLog);
  LearnerFeatures f = learner_features(log, {});
  StandardizedFeatures s = standardize(f, {kFrequency, kRecencyDays, kMonetary});
  ASSERT_EQ(s.x.cols(), 3);
  EXPECT_EQ(s.columns[0].transform, FeatureTransform::kLog1p);
  EXPECT_EQ(s.columns[1].transform, FeatureTransform::kLinear);
  EXPECT_EQ(s.columns[2].transform, FeatureTransform::kSignedLog1p);
  // Independent route: std::log1p and a textbook population standard deviation.
  const double v[3] = {std::log1p(1.0), std::log1p(2.0), std::log1p(0.0)};
  const double mean = (v[0] + v[1] + v[2]) / 3;
  const double sd = std::sqrt(((v[0] - mean) * (v[0] - mean) + (v[1] - mean) * (v[1] - mean) +
                               (v[2] - mean) * (v[2] - mean)) / 3);
  EXPECT_NEAR(s.columns[0].mean, mean, 1e-14);
  EXPECT_NEAR(s.columns[0].sd, sd, 1e-14);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s.x(i, 0), (v[i] - mean) / sd, 1e-13);
  // Recency is linear: 4, 5.5, 0.
  EXPECT_NEAR(s.columns[1].mean, 9.5 / 3, 1e-14);
  EXPECT_FALSE(s.columns[1].constant);
}

TEST(LearnerFeatures, SignedLog1pKeepsNegativeNetSpendFinite) {
  EXPECT_DOUBLE_EQ(apply_transform(FeatureTransform::kSignedLog1p, 0.0), 0.0);
  EXPECT_NEAR(apply_transform(FeatureTransform::kSignedLog1p, -20.0), -std::log1p(20.0), 1e-14);
  EXPECT_NEAR(apply_transform(FeatureTransform::kSignedLog1p, 99.0), std::log1p(99.0), 1e-14);
}

TEST(LearnerFeatures, ZeroVarianceColumnBecomesZerosNotNaN) {
  EventLog log = read_events(
      "user_id,item_id,event,ts,amount\n"
      "a,c1,view,2025-01-01,\nb,c1,view,2025-01-02,\nc,c2,view,2025-01-03,\n");
  LearnerFeatures f = learner_features(log, {});
  StandardizedFeatures s = standardize(f, {kShares, kFrequency, kMonetary, kActiveDays});
  for (const auto& c : s.columns) {
    EXPECT_TRUE(c.constant) << kLearnerFeatureNames[c.feature];
    EXPECT_EQ(c.sd, 0.0);
  }
  EXPECT_TRUE(s.x.allFinite());
  EXPECT_EQ(s.x.cwiseAbs().maxCoeff(), 0.0);
}

TEST(LearnerFeatures, OptionErrorsNameTheOption) {
  try {
    as_of_from_json("2025-13-01");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("asOf"), std::string::npos) << e.what();
  }
  EXPECT_THROW(as_of_from_json(nlohmann::json::array()), InputError);
  EXPECT_THROW(as_of_from_json(-5), InputError);
  EXPECT_EQ(as_of_from_json(86400), 86400000);
  try {
    feature_from_name("spend", "features");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("monetary"), std::string::npos) << e.what();
  }
}

// The features are sums over events, so the order of the log's rows must not matter (the keys are
// radix-sorted, not read in file order): the same log reversed gives the same rows, in the order of
// each learner's first event.
TEST(LearnerFeatures, RowOrderOfTheLogDoesNotChangeAnyFeature) {
  EventLog log = read_events(kTinyLog);
  std::string text = kTinyLog;
  const size_t header = text.find('\n') + 1;
  std::vector<std::string> lines;
  for (size_t p = header; p < text.size();) {
    const size_t e = text.find('\n', p);
    lines.push_back(text.substr(p, e - p + 1));
    p = e + 1;
  }
  std::string reversed = text.substr(0, header);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) reversed += *it;
  EventLog rev = read_events(reversed);
  LearnerFeatures a = learner_features(log, {}), b = learner_features(rev, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const auto name = log.users.name(a.user[i]);
    size_t j = 0;
    while (rev.users.name(b.user[j]) != name) ++j;
    for (int c = 0; c < kLearnerFeatureCount; ++c)
      EXPECT_EQ(at(a, i, static_cast<LearnerFeature>(c)), at(b, j, static_cast<LearnerFeature>(c))) << name << " " << c;
    EXPECT_EQ(a.community[i] == kNone ? "" : log.communities.name(a.community[i]),
              b.community[j] == kNone ? "" : rev.communities.name(b.community[j]));
  }
}
