#include "circlewise/item_model.h"

#include <gtest/gtest.h>

#include "test_support.h"

#include <Eigen/QR>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "circlewise/error.h"
#include "circlewise/item_model_builder.h"
#include "circlewise/random.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

namespace {


ItemModel small_model() {
  ItemModel m;
  m.method = "cosine";
  m.k = 2;
  m.items = {{"a", "Intro to SQL", "data", 29.99, 10},
             {"b", "b", "", std::nan(""), 3},
             {"c", "Design \xE2\x9C\x93", "design", 0, 0}};
  m.offset = {0, 2, 3, 3};
  m.neighbor = {1, 2, 0};
  m.weight = {0.53f, 0.1f, -0.25f};
  return m;
}

void expect_same(const ItemModel& a, const ItemModel& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.k, b.k);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.items[i].id, b.items[i].id);
    EXPECT_EQ(a.items[i].title, b.items[i].title);
    EXPECT_EQ(a.items[i].category, b.items[i].category);
    EXPECT_TRUE(a.items[i].price == b.items[i].price || (std::isnan(a.items[i].price) && std::isnan(b.items[i].price)));
    EXPECT_EQ(a.items[i].popularity, b.items[i].popularity);
  }
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.neighbor, b.neighbor);
  EXPECT_EQ(a.weight, b.weight);  // bit-exact floats
}

// A log where learner u engaged with the given courses (purchase events), plus noise events.
EventLog log_of(const std::vector<std::vector<int>>& owned, int courses) {
  EventLog log;
  for (int c = 0; c < courses; ++c) log.items.intern("c" + std::to_string(c));
  int64_t t = 1735689600000;
  for (size_t u = 0; u < owned.size(); ++u) {
    std::string user = "u" + std::to_string(u);
    log.append(user, "", "join", t++, EventLog::kNoAmount, "club", "");
    for (int c : owned[u]) {
      log.append(user, "c" + std::to_string(c), "view", t++, EventLog::kNoAmount, c % 2 ? "odd" : "even", "");
      log.append(user, "c" + std::to_string(c), "purchase", t++, 10 + c, c % 2 ? "odd" : "even", "");
    }
  }
  return log;
}

std::vector<std::vector<int>> random_ownership(uint64_t seed, int users, int courses) {
  Rng rng(seed);
  std::vector<std::vector<int>> owned(static_cast<size_t>(users));
  for (auto& o : owned)
    for (int c = 0; c < courses; ++c)
      if (rng.bernoulli(c < 3 ? 0.5 : 0.2)) o.push_back(c);
  return owned;
}

}  // namespace

TEST(ItemModelFormat, JsonAndBinaryRoundTripExactly) {
  ItemModel m = small_model();
  std::string json = to_json(m).dump();
  expect_same(m, item_model_from_json(nlohmann::json::parse(json)));
  std::string bin = to_binary(m);
  expect_same(m, item_model_from_binary(bin));
  expect_same(m, load_item_model(bin));
  expect_same(m, load_item_model(json));
  // JSON -> binary -> JSON gives the same text, and weights print short.
  EXPECT_EQ(to_json(load_item_model(to_binary(load_item_model(json)))).dump(), json);
  EXPECT_NE(json.find("[1,0.53]"), std::string::npos) << json;
}

TEST(ItemModelFormat, EveryTruncationIsAClearErrorNeverACrash) {
  std::string bin = to_binary(small_model());
  for (size_t len = 0; len < bin.size(); ++len) {
    std::string msg = error_of([&] { load_item_model(bin.substr(0, len)); });
    EXPECT_TRUE(msg.find("truncated") != std::string::npos || msg.find("empty") != std::string::npos ||
                msg.find("CWIM") != std::string::npos)
        << len << ": " << msg;
  }
  std::string json = to_json(small_model()).dump();
  EXPECT_NE(error_of([&] { load_item_model(json.substr(0, json.size() / 2)); }).find("not valid JSON"), std::string::npos);
}

TEST(ItemModelFormat, EveryFlippedByteIsDetected) {
  std::string bin = to_binary(small_model());
  for (size_t i = 0; i < bin.size(); ++i) {
    std::string bad = bin;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    EXPECT_FALSE(error_of([&] { load_item_model(bad); }).empty()) << "byte " << i;
  }
  std::string bad = bin;
  bad[bin.size() - 1] = static_cast<char>(bad.back() ^ 1);
  EXPECT_NE(error_of([&] { load_item_model(bad); }).find("checksum"), std::string::npos);
  EXPECT_NE(error_of([&] { load_item_model(bin + "x"); }).find("unexpected bytes"), std::string::npos);
}

TEST(ItemModelFormat, WrongVersionIsNamed) {
  std::string bin = to_binary(small_model());
  bin[4] = 2;
  EXPECT_NE(error_of([&] { load_item_model(bin); }).find("version 2 is not supported"), std::string::npos);
  auto j = to_json(small_model());
  j["version"] = 7;
  EXPECT_NE(error_of([&] { load_item_model(j.dump()); }).find("version 7 is not supported"), std::string::npos);
  j["version"] = 1;
  j["format"] = "something-else";
  EXPECT_NE(error_of([&] { load_item_model(j.dump()); }).find("\"format\""), std::string::npos);
}

TEST(ItemModelFormat, InconsistentContentIsRejectedWithTheItem) {
  auto j = to_json(small_model());
  j["items"][0]["neighbors"][0][0] = 9;
  EXPECT_NE(error_of([&] { load_item_model(j.dump()); }).find("outside 0..2"), std::string::npos);
  j = to_json(small_model());
  j["items"][0]["neighbors"][0][0] = 0;
  EXPECT_NE(error_of([&] { load_item_model(j.dump()); }).find("itself"), std::string::npos);
  j = to_json(small_model());
  j["items"][1]["id"] = "a";
  EXPECT_NE(error_of([&] { load_item_model(j.dump()); }).find("appears twice"), std::string::npos);
  j = to_json(small_model());
  j["items"][2]["popularity"] = -1;
  EXPECT_NE(error_of([&] { load_item_model(j.dump()); }).find("popularity"), std::string::npos);
  j = to_json(small_model());
  j["k"] = 1;
  EXPECT_NE(error_of([&] { load_item_model(j.dump()); }).find("more than k = 1"), std::string::npos);
  EXPECT_NE(error_of([&] { load_item_model("hello"); }).find("not a circlewise model"), std::string::npos);
}

// Reference: similarities from explicit learner sets (std::set intersections), the formula of
// item_model_builder.h, and a full sort, independent of the builder's sparse accumulation.
TEST(ItemModelBuilder, CosineMatchesBruteForceOnRandomLog) {
  const int courses = 12;
  auto owned = random_ownership(7, 60, courses);
  EventLog log = log_of(owned, courses);
  ItemModelOptions o;
  o.k = 4;
  o.shrinkage = 2.5;
  auto built = build_item_model(log, o);
  const ItemModel& m = built.model;
  std::vector<std::set<size_t>> learners(courses);
  for (size_t u = 0; u < owned.size(); ++u)
    for (int c : owned[u]) learners[static_cast<size_t>(c)].insert(u);
  for (int i = 0; i < courses; ++i) {
    EXPECT_EQ(m.items[static_cast<size_t>(i)].popularity, static_cast<double>(learners[i].size()));
    std::vector<std::pair<double, int>> ref;
    for (int j = 0; j < courses; ++j) {
      if (j == i) continue;
      size_t both = 0;
      for (size_t u : learners[i]) both += learners[j].count(u);
      if (!both) continue;
      ref.push_back({-(both / (std::sqrt(double(learners[i].size()) * learners[j].size()) + 2.5)), j});
    }
    std::sort(ref.begin(), ref.end());
    ref.resize(std::min<size_t>(ref.size(), 4));
    ASSERT_EQ(m.neighbor_count(static_cast<size_t>(i)), ref.size()) << "course " << i;
    for (size_t r = 0; r < ref.size(); ++r) {
      EXPECT_EQ(m.neighbor[m.offset[i] + r], ref[r].second) << "course " << i << " rank " << r;
      EXPECT_FLOAT_EQ(m.weight[m.offset[i] + r], static_cast<float>(-ref[r].first));
    }
  }
  // Catalogue metadata: median purchase price, majority community, titles default to ids.
  EXPECT_EQ(m.items[3].price, 13);
  EXPECT_EQ(m.items[3].category, "odd");  // the course's events are in "odd"; "club" is on joins only
  EXPECT_EQ(m.items[3].title, "c3");
  EXPECT_EQ(built.report.learners, static_cast<size_t>(std::count_if(owned.begin(), owned.end(), [](auto& v) { return !v.empty(); })));
  EXPECT_EQ(built.report.events_without_item, 0u);
}

TEST(ItemModelBuilder, FromCountsEqualsFromEventLog) {
  const int courses = 10;
  auto owned = random_ownership(11, 80, courses);
  EventLog log = log_of(owned, courses);
  ItemModelOptions o;
  o.k = 5;
  auto a = build_item_model(log, o).model;
  Eigen::VectorXd f = Eigen::VectorXd::Zero(courses);
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(courses, courses);
  for (auto& v : owned)
    for (int i : v) {
      f[i] += 1;
      for (int j : v)
        if (i != j) c(i, j) += 1;
    }
  std::vector<ModelItem> items = a.items;
  auto b = build_item_model_from_counts(items, f, c, o).model;
  EXPECT_EQ(a.neighbor, b.neighbor);
  EXPECT_EQ(a.weight, b.weight);
  EXPECT_EQ(to_json(a).dump(), to_json(b).dump());
}

TEST(ItemModelBuilder, FromCountsClampsNegativeEstimatesAndCountsThem) {
  std::vector<ModelItem> items = {{"x", "", "", NAN, 0}, {"y", "", "", NAN, 0}, {"z", "", "", NAN, 0}};
  Eigen::VectorXd f(3);
  f << 10, -2, 8;
  Eigen::MatrixXd c(3, 3);
  c << 0, -1, 5, -1, 0, 0, 5, 0, 0;
  auto b = build_item_model_from_counts(items, f, c, ItemModelOptions{});
  EXPECT_EQ(b.report.negative_estimates_clamped, 2u);  // f_y and c_xy
  EXPECT_EQ(b.model.items[1].popularity, 0);
  ASSERT_EQ(b.model.neighbor_count(0), 1u);
  EXPECT_EQ(b.model.neighbor[0], 2);
  EXPECT_FLOAT_EQ(b.model.weight[0], static_cast<float>(5 / (std::sqrt(80.0) + 10)));
  EXPECT_EQ(b.model.items[0].title, "x");
  EXPECT_NE(error_of([&] { build_item_model_from_counts(items, f, Eigen::MatrixXd::Zero(2, 3), {}); }).find("3 x 3"),
            std::string::npos);
  Eigen::VectorXd bad = f;
  bad[0] = NAN;
  EXPECT_NE(error_of([&] { build_item_model_from_counts(items, bad, c, {}); }).find("non-finite"), std::string::npos);
}

// Reference: EASE's B column j is the ridge regression of course j's column on the other
// columns with diag(B) = 0 (Steck 2019, eq. 3), solved here column by column.
TEST(ItemModelBuilder, EaseMatchesPerColumnRidgeRegression) {
  const int courses = 8;
  auto owned = random_ownership(3, 50, courses);
  EventLog log = log_of(owned, courses);
  ItemModelOptions o;
  o.method = "ease";
  o.k = courses;
  o.ease_lambda = 5;
  auto m = build_item_model(log, o).model;
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(courses, courses);
  for (auto& v : owned)
    for (int i : v)
      for (int j : v) g(i, j) += 1;
  for (int j = 0; j < courses; ++j) {
    std::vector<int> others;
    for (int i = 0; i < courses; ++i)
      if (i != j) others.push_back(i);
    Eigen::MatrixXd a(courses - 1, courses - 1);
    Eigen::VectorXd rhs(courses - 1);
    for (int r = 0; r < courses - 1; ++r) {
      rhs[r] = g(others[r], j);
      for (int c = 0; c < courses - 1; ++c) a(r, c) = g(others[r], others[c]) + (r == c ? 5 : 0);
    }
    Eigen::VectorXd b = a.colPivHouseholderQr().solve(rhs);
    for (int r = 0; r < courses - 1; ++r) {
      int i = others[r];
      float stored = 0;
      for (uint32_t e = m.offset[i]; e < m.offset[i + 1]; ++e)
        if (m.neighbor[e] == j) stored = m.weight[e];
      if (b[r] > 1e-9) EXPECT_NEAR(stored, b[r], 1e-5) << i << "->" << j;
      else EXPECT_EQ(stored, 0) << i << "->" << j;  // non-positive weights are not kept
    }
  }
}

// Simulation with known truth: the platform plants bundles (anchor -> follow-up bought together).
TEST(ItemModelBuilder, RecoversPlantedBundlesOnSyntheticPlatform) {
  SyntheticOptions so;
  so.learners = 4000;
  so.courses = 30;
  auto p = generate_platform(so);
  ItemModelOptions o;
  o.events = {"purchase"};  // the planted effect is on purchases (enrolments also follow communities)
  auto m = build_item_model(p.log, o).model;
  ASSERT_FALSE(p.truth.bundles.empty());
  size_t top = 0;
  for (const auto& [a, b] : p.truth.bundles) {
    int32_t ia = p.log.items.find(a), ib = p.log.items.find(b);
    ASSERT_GT(m.neighbor_count(static_cast<size_t>(ia)), 0u);
    if (m.neighbor[m.offset[ia]] == ib) ++top;
  }
  EXPECT_EQ(top, p.truth.bundles.size()) << "follow-up is the anchor's top neighbour";
  for (const auto& it : m.items) EXPECT_FALSE(it.category.empty());
}

TEST(ItemModelBuilder, BadOptionsAndInputsAreNamed) {
  EXPECT_NE(error_of([] { item_model_options_from_json(nlohmann::json{{"k", 0}}); }).find("\"k\""), std::string::npos);
  EXPECT_NE(error_of([] { item_model_options_from_json(nlohmann::json{{"method", "svd"}}); }).find("\"method\""), std::string::npos);
  EXPECT_NE(error_of([] { item_model_options_from_json(nlohmann::json{{"shrink", 1}}); }).find("unknown model option \"shrink\""),
            std::string::npos);
  EXPECT_NE(error_of([] { item_model_options_from_json(nlohmann::json{{"shrinkage", -1}}); }).find("\"shrinkage\""), std::string::npos);
  EventLog log = log_of({{0, 1}, {1}}, 3);
  ItemModelOptions o;
  o.events = {"enrol"};
  EXPECT_NE(error_of([&] { build_item_model(log, o); }).find("no engagement"), std::string::npos);
  o = {};
  o.method = "ease";
  o.ease_max_items = 2;
  EXPECT_NE(error_of([&] { build_item_model(log, o); }).find("easeMaxItems = 2"), std::string::npos);
}

TEST(ItemModelFormat, DescribeReportsSizes) {
  auto info = describe(small_model());
  EXPECT_EQ(info.items, 3u);
  EXPECT_EQ(info.neighbors, 3u);
  EXPECT_EQ(info.items_without_neighbors, 1u);
  EXPECT_EQ(info.categories, 2u);
  EXPECT_EQ(info.binary_bytes, to_binary(small_model()).size());
  EXPECT_EQ(info.json_bytes, to_json(small_model()).dump().size());
}
