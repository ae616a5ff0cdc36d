// The collector's SQLite store: the GROUP BY sums it returns give exactly the estimates of adding
// every report to an in-memory aggregator (all three mechanisms, two epsilons, items and pairs);
// ids are idempotent; models get increasing versions and only the newest `keep` stay.
// (The PostgreSQL store runs the same SQL; tests/collector/collector.test.mjs compares the two.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "circlewise/ldp_aggregator.h"
#include "store.h"

using namespace circlewise;
using namespace circlewise::collector;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "cw-store-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

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

}  // namespace

TEST(SqliteStore, SumsFromSqlGiveTheEstimatesOfEveryReport) {
  TempDir dir;
  auto store = open_sqlite_store(dir.path.string());
  SeededRandomSource rs(11);
  const uint64_t items = 9;
  for (ReportKind kind : {ReportKind::kItem, ReportKind::kPair}) {
    std::vector<LdpReport> reports;
    const uint64_t d = report_domain(kind, items);
    for (int i = 0; i < 900; ++i) {
      const Mechanism m = static_cast<Mechanism>(i % 3);
      reports.push_back(make(m, kind, items, i % 2 ? 0.7 : 2.5, static_cast<uint64_t>(i * 5) % d, rs));
    }
    std::vector<const LdpReport*> ptrs;
    for (const auto& r : reports) ptrs.push_back(&r);
    auto fresh = store->insert(ptrs);
    EXPECT_EQ(std::count(fresh.begin(), fresh.end(), true), 900);
    AggregatorOptions o;
    o.kind = kind;
    o.items = items;
    LdpAggregator each(o), summed(o);
    for (const auto& r : reports) ASSERT_TRUE(each.add(r));
    for (const auto& s : store->sums(kind)) summed.add_sums(s);
    auto a = each.estimate(), b = summed.estimate();
    ASSERT_EQ(b.reports, 900u);
    for (Eigen::Index v = 0; v < a.count.size(); ++v) {
      EXPECT_NEAR(a.count[v], b.count[v], 1e-9) << v;
      EXPECT_NEAR(a.variance[v], b.variance[v], 1e-9) << v;
    }
    // Retrying the same reports stores nothing new.
    fresh = store->insert(ptrs);
    EXPECT_EQ(std::count(fresh.begin(), fresh.end(), true), 0);
  }
  EXPECT_EQ(store->report_count(), 1800);
}

TEST(SqliteStore, ModelVersionsIncreaseAndOnlyTheNewestAreKept) {
  TempDir dir;
  auto store = open_sqlite_store(dir.path.string());
  EXPECT_FALSE(store->model(0).has_value());
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(store->save_model("{\"m\":" + std::to_string(i) + "}", i * 10, 1000 + i, 3), i);
  auto versions = store->models();
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].version, 5);
  EXPECT_EQ(versions[2].version, 3);
  EXPECT_EQ(store->model(0)->body, "{\"m\":5}");
  EXPECT_EQ(store->model(4)->reports, 40);
  EXPECT_FALSE(store->model(2).has_value());
  // Reopening finds everything (committed, not cached).
  store.reset();
  store = open_sqlite_store(dir.path.string());
  EXPECT_EQ(store->model(0)->version, 5);
}
