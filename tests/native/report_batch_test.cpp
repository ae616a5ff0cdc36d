// The collector's request body (report_batch.h): body-level refusals with a clear message, and
// per-report verdicts so one bad report never costs the good ones; and LdpAggregator::add_sums,
// which must give exactly the estimates of adding every report (what lets a database GROUP BY,
// shards and time partitions do the summing).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"
#include "circlewise/report_batch.h"
#include "test_support.h"

using namespace circlewise;

namespace {

LdpReport make(Mechanism m, ReportKind kind, uint64_t items, double eps, uint64_t value, RandomSource& rs) {
  LdpReport r;
  r.id = random_report_id(rs);
  r.kind = kind;
  r.items = items;
  r.mechanism = m;
  r.epsilon = eps;
  r.payload = randomize(oracle_params(m, r.domain(), eps), value, rs);
  return r;
}

std::string body_of(const std::vector<nlohmann::json>& reports) {
  return nlohmann::json{{"reports", reports}}.dump();
}

ReportBatchRules rules(uint64_t items = 10) {
  ReportBatchRules r;
  r.items = items;
  r.min_epsilon = 0.5;
  r.max_epsilon = 4;
  r.max_reports = 5;
  return r;
}

// What the collector's SQL computes: per (mechanism, epsilon), the report count, GRR value counts,
// OUE bit counts, OLH (hash, y) counts.
std::vector<LdpGroupSums> group_by(const std::vector<LdpReport>& reports) {
  std::map<std::pair<int, double>, LdpGroupSums> by;
  std::map<std::pair<int, double>, std::map<uint64_t, uint64_t>> support;
  std::map<std::pair<int, double>, std::map<std::tuple<uint64_t, uint64_t, uint64_t>, uint64_t>> olh;
  for (const auto& r : reports) {
    auto key = std::make_pair(static_cast<int>(r.mechanism), r.epsilon);
    auto& s = by[key];
    s.mechanism = r.mechanism;
    s.epsilon = r.epsilon;
    ++s.reports;
    if (r.mechanism == Mechanism::kGrr) ++support[key][r.payload.value];
    if (r.mechanism == Mechanism::kOue)
      for (auto b : r.payload.ones) ++support[key][b];
    if (r.mechanism == Mechanism::kOlh) ++olh[key][{r.payload.hash.a, r.payload.hash.b, r.payload.value}];
  }
  std::vector<LdpGroupSums> out;
  for (auto& [key, s] : by) {
    for (auto [v, c] : support[key]) s.support.emplace_back(v, c);
    for (auto [t, c] : olh[key]) s.olh.push_back({{OlhHash{std::get<0>(t), std::get<1>(t)}, std::get<2>(t)}, c});
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(ReportBatch, JudgesEachReportOnItsOwn) {
  SeededRandomSource rs(1);
  auto good = make(Mechanism::kGrr, ReportKind::kItem, 10, 2, 3, rs);
  auto other_catalogue = make(Mechanism::kOlh, ReportKind::kItem, 11, 2, 3, rs);
  auto too_private = make(Mechanism::kGrr, ReportKind::kItem, 10, 0.1, 3, rs);
  nlohmann::json wrong_type = to_json(make(Mechanism::kOue, ReportKind::kItem, 10, 2, 1, rs));
  wrong_type["epsilon"] = "2";
  auto pair = make(Mechanism::kOlh, ReportKind::kPair, 10, 4, 7, rs);
  auto checked = parse_report_batch(
      body_of({to_json(good), to_json(other_catalogue), to_json(too_private), wrong_type, to_json(pair)}), rules());
  ASSERT_EQ(checked.size(), 5u);
  EXPECT_TRUE(checked[0].ok());
  EXPECT_EQ(checked[0].report.id, good.id);
  EXPECT_EQ(checked[1].rejection, ReportRejection::kWrongCatalogue);
  EXPECT_EQ(checked[1].reason, "catalogue size 11 does not match the collector's 10");
  EXPECT_EQ(checked[2].rejection, ReportRejection::kEpsilonOutOfRange);
  EXPECT_EQ(checked[2].reason, "epsilon 0.1 is outside the accepted range [0.5, 4]");
  EXPECT_EQ(checked[3].rejection, ReportRejection::kInvalid);
  EXPECT_EQ(checked[3].reason, "\"epsilon\" must be a number");
  EXPECT_TRUE(checked[4].ok());
  EXPECT_EQ(rejection_code(checked[2].rejection), "epsilon_out_of_range");
}

TEST(ReportBatch, SameIdTwiceInOneBatchCountsOnce) {
  SeededRandomSource rs(2);
  auto r = to_json(make(Mechanism::kGrr, ReportKind::kItem, 10, 1, 0, rs));
  auto checked = parse_report_batch(body_of({r, r}), rules());
  EXPECT_TRUE(checked[0].ok());
  EXPECT_EQ(checked[1].rejection, ReportRejection::kDuplicateInBatch);
}

TEST(ReportBatch, HugeNumbersAndWrongShapesAreRejectedNotWrapped) {
  SeededRandomSource rs(3);
  nlohmann::json r = to_json(make(Mechanism::kGrr, ReportKind::kItem, 10, 1, 0, rs));
  std::string text = body_of({r});
  auto huge = text;
  const size_t at = huge.find("\"value\":") + 8;
  huge.replace(at, huge.find_first_not_of("0123456789", at) - at, "18446744073709551616");  // 2^64
  auto checked = parse_report_batch(huge, rules());
  EXPECT_FALSE(checked[0].ok());
  auto big_items = text;
  big_items.replace(big_items.find("\"items\":10"), 10, "\"items\":1e300");
  checked = parse_report_batch(big_items, rules());
  EXPECT_EQ(checked[0].rejection, ReportRejection::kInvalid);
  EXPECT_NE(checked[0].reason.find("items"), std::string::npos) << checked[0].reason;
  checked = parse_report_batch(R"({"reports":[1, null, [], "x"]})", rules());
  for (const auto& c : checked) EXPECT_EQ(c.reason, "a report must be a JSON object");
}

TEST(ReportBatch, UnreadableBodiesAreRefusedWhole) {
  EXPECT_NE(error_of([] { parse_report_batch(R"({"reports":[{"v":1)", rules()); }).find("body is not valid JSON"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_report_batch("{\"reports\":[\"\xff\xfe\"]}", rules()); }).find("UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_report_batch(R"({"reports":[{"epsilon":1e999}]})", rules()); }).find("number overflow"),
            std::string::npos);
  EXPECT_EQ(error_of([] { parse_report_batch("[]", rules()); }), "body must be a JSON object {\"reports\": [...]}");
  EXPECT_EQ(error_of([] { parse_report_batch("{}", rules()); }), "body must have a \"reports\" array");
  EXPECT_EQ(error_of([] { parse_report_batch(R"({"reports":{}})", rules()); }), "body must have a \"reports\" array");
  EXPECT_EQ(error_of([] { parse_report_batch(R"({"reports":[]})", rules()); }), "\"reports\" is empty");
  EXPECT_EQ(error_of([] { parse_report_batch(R"({"reports":[1],"user":"x"})", rules()); }),
            "unknown field \"user\" in body (known: reports)");
  EXPECT_THROW(parse_report_batch(R"({"reports":[1,2,3,4,5,6]})", rules()), BatchTooLarge);
  EXPECT_EQ(error_of([] { parse_report_batch(R"({"reports":[1,2,3,4,5,6]})", rules()); }),
            "batch of 6 reports exceeds the limit of 5");
}

TEST(LdpAggregatorSums, SumsGiveExactlyTheEstimatesOfEveryReportAndShardsMerge) {
  SeededRandomSource rs(7);
  for (ReportKind kind : {ReportKind::kItem, ReportKind::kPair}) {
    const uint64_t items = 12;
    std::vector<LdpReport> reports;
    const uint64_t d = report_domain(kind, items);
    for (int i = 0; i < 600; ++i) {
      const Mechanism m = i % 3 == 0 ? Mechanism::kGrr : i % 3 == 1 ? Mechanism::kOue : Mechanism::kOlh;
      reports.push_back(make(m, kind, items, i % 2 ? 1.0 : 3.0, static_cast<uint64_t>(i * 7) % d, rs));
    }
    AggregatorOptions o;
    o.kind = kind;
    o.items = items;
    LdpAggregator each(o), summed(o), sharded(o);
    for (const auto& r : reports) ASSERT_TRUE(each.add(r));
    for (const auto& s : group_by(reports)) summed.add_sums(s);
    // Two shards (or time partitions) summed separately, then merged.
    std::vector<LdpReport> a(reports.begin(), reports.begin() + 250), b(reports.begin() + 250, reports.end());
    for (const auto& s : group_by(a)) sharded.add_sums(s);
    for (const auto& s : group_by(b)) sharded.add_sums(s);
    auto e1 = each.estimate(), e2 = summed.estimate(), e3 = sharded.estimate();
    EXPECT_EQ(e2.reports, 600u);
    EXPECT_EQ(e3.reports, 600u);
    for (Eigen::Index v = 0; v < e1.count.size(); ++v) {
      EXPECT_NEAR(e1.count[v], e2.count[v], 1e-9);
      EXPECT_NEAR(e1.count[v], e3.count[v], 1e-9);
      EXPECT_NEAR(e1.variance[v], e3.variance[v], 1e-9);
    }
  }
}

TEST(LdpAggregatorSums, InconsistentSumsAreRefused) {
  AggregatorOptions o;
  o.items = 10;
  o.max_epsilon = 4;
  LdpAggregator a(o);
  LdpGroupSums s;
  s.mechanism = Mechanism::kGrr;
  s.epsilon = 8;
  s.reports = 3;
  EXPECT_NE(error_of([&] { a.add_sums(s); }).find("outside the accepted range"), std::string::npos);
  s.epsilon = 1;
  s.support = {{10, 1}};
  EXPECT_NE(error_of([&] { a.add_sums(s); }).find("does not fit"), std::string::npos);
  s.support = {{1, 4}};
  EXPECT_NE(error_of([&] { a.add_sums(s); }).find("does not fit"), std::string::npos);
  s.mechanism = Mechanism::kOlh;
  s.support.clear();
  s.olh = {{{OlhHash{1, 0}, 0}, 2}};
  EXPECT_NE(error_of([&] { a.add_sums(s); }).find("every OLH report"), std::string::npos);
}

TEST(ModelCatalogue, ReadsIdsObjectsAndModelsAndNamesBadEntries) {
  auto items = model_catalogue_from_json(nlohmann::json::parse(R"(["a", {"id":"b","title":"B","category":"x","price":3}])"));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].title, "a");
  EXPECT_EQ(items[1].title, "B");
  EXPECT_EQ(items[1].category, "x");
  EXPECT_EQ(items[1].price, 3);
  EXPECT_EQ(error_of([] { model_catalogue_from_json(nlohmann::json::parse(R"(["a", {"id":"b","title":3}])")); }),
            "catalogue[1].title must be a string");
  EXPECT_EQ(error_of([] { model_catalogue_from_json(nlohmann::json::parse(R"(["a", 5])")); }),
            "catalogue[1] must be an id string or an object with a string \"id\"");
  EXPECT_NE(error_of([] { model_catalogue_from_json(nlohmann::json::parse(R"(["a"])")); }).find("at least 2"),
            std::string::npos);
}
