#include "circlewise/association_rules.h"

#include <gtest/gtest.h>

#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "circlewise/error.h"
#include "circlewise/random.h"
#include "circlewise/synthetic_platform.h"

using namespace circlewise;

namespace {


using Itemset = std::vector<int32_t>;

std::map<Itemset, uint64_t> as_map(const FrequentItemsets& f) {
  std::map<Itemset, uint64_t> m;
  for (size_t s = 0; s < f.size(); ++s)
    m[Itemset(f.items.begin() + static_cast<std::ptrdiff_t>(f.offsets[s]),
              f.items.begin() + static_cast<std::ptrdiff_t>(f.offsets[s + 1]))] = f.counts[s];
  return m;
}

// Brute force: every subset of the item space, counted by scanning every basket.
std::map<Itemset, uint64_t> brute_force(const std::vector<std::vector<int32_t>>& lists, int items, uint64_t min_count,
                                        size_t max_size) {
  std::map<Itemset, uint64_t> m;
  for (uint32_t mask = 1; mask < (1u << items); ++mask) {
    Itemset s;
    for (int i = 0; i < items; ++i)
      if (mask >> i & 1u) s.push_back(i);
    if (s.size() > max_size) continue;
    uint64_t c = 0;
    for (const auto& b : lists) {
      std::set<int32_t> in(b.begin(), b.end());
      c += std::all_of(s.begin(), s.end(), [&](int32_t x) { return in.count(x) > 0; });
    }
    if (c >= min_count) m[s] = c;
  }
  return m;
}

uint64_t count_containing(const std::vector<std::vector<int32_t>>& lists, const Itemset& s) {
  uint64_t c = 0;
  for (const auto& b : lists) {
    std::set<int32_t> in(b.begin(), b.end());
    c += std::all_of(s.begin(), s.end(), [&](int32_t x) { return in.count(x) > 0; });
  }
  return c;
}

std::vector<std::vector<int32_t>> random_lists(uint64_t seed, int items, int baskets) {
  Rng rng(seed);
  std::vector<double> p(static_cast<size_t>(items));
  for (auto& x : p) x = 0.05 + 0.5 * rng.uniform();
  std::vector<std::vector<int32_t>> lists(static_cast<size_t>(baskets));
  for (auto& b : lists) {
    for (int i = 0; i < items; ++i)
      if (rng.bernoulli(p[static_cast<size_t>(i)])) b.push_back(i);
    // Correlated pair, so that rules with lift far from 1 exist.
    if (!b.empty() && b[0] == 0 && rng.bernoulli(0.7)) b.push_back(1);
    if (rng.bernoulli(0.1)) b.push_back(b.empty() ? 2 : b[0]);  // repeats are kept once
  }
  return lists;
}

}  // namespace

TEST(AssociationRules, ItemsetsMatchBruteForceOnRandomBaskets) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const int items = 10 + static_cast<int>(seed % 3);
    auto lists = random_lists(seed, items, 30 + static_cast<int>(seed) * 7);
    Baskets b = baskets_from_lists(lists, static_cast<size_t>(items));
    for (double support : {0.05, 0.15, 0.3}) {
      for (size_t max_size : {size_t{2}, size_t{3}, size_t{20}}) {
        ItemsetOptions o;
        o.min_support = support;
        o.max_size = max_size;
        auto f = frequent_itemsets(b, o);
        auto expected = brute_force(lists, items, f.min_count, max_size);
        ASSERT_EQ(f.min_count, static_cast<uint64_t>(std::ceil(support * static_cast<double>(lists.size()) - 1e-9)));
        ASSERT_EQ(as_map(f), expected) << "seed " << seed << " support " << support << " max size " << max_size;
        EXPECT_LE(static_cast<double>(f.size()), f.upper_bound);
      }
    }
  }
}

TEST(AssociationRules, RuleMetricsMatchBruteForce) {
  for (uint64_t seed = 20; seed < 26; ++seed) {
    auto lists = random_lists(seed, 9, 50);
    const double n = static_cast<double>(lists.size());
    ItemsetOptions io;
    io.min_support = 0.1;
    io.max_size = 4;
    auto f = frequent_itemsets(baskets_from_lists(lists, 9), io);
    RuleOptions ro;
    ro.max_rules = 1'000'000;
    auto rs = association_rules(f, ro);
    // Every split of every frequent itemset of size >= 2 is a rule.
    size_t expected_rules = 0;
    for (size_t s = 0; s < f.size(); ++s) {
      size_t k = f.offsets[s + 1] - f.offsets[s];
      if (k >= 2) expected_rules += (size_t{1} << k) - 2;
    }
    ASSERT_EQ(rs.rules_passing, expected_rules);
    ASSERT_EQ(rs.rules.size(), expected_rules);
    for (const auto& r : rs.rules) {
      Itemset both = r.antecedent;
      both.insert(both.end(), r.consequent.begin(), r.consequent.end());
      std::sort(both.begin(), both.end());
      const double sab = static_cast<double>(count_containing(lists, both)) / n;
      const double sa = static_cast<double>(count_containing(lists, r.antecedent)) / n;
      const double sc = static_cast<double>(count_containing(lists, r.consequent)) / n;
      EXPECT_DOUBLE_EQ(r.support, sab);
      EXPECT_DOUBLE_EQ(r.confidence, sab / sa);
      EXPECT_NEAR(r.lift, sab / (sa * sc), 1e-12);
      EXPECT_NEAR(r.leverage, sab - sa * sc, 1e-12);
      if (sab == sa) {
        EXPECT_TRUE(std::isinf(r.conviction));
      } else {
        EXPECT_NEAR(r.conviction, (1 - sc) / (1 - sab / sa), 1e-9);
      }
    }
    // Sorted by lift, best first.
    for (size_t i = 1; i < rs.rules.size(); ++i) ASSERT_GE(rs.rules[i - 1].lift, rs.rules[i].lift);
  }
}

TEST(AssociationRules, FiltersCapsAndTopNAgreeWithFilteringAllRules) {
  auto lists = random_lists(77, 10, 80);
  ItemsetOptions io;
  io.min_support = 0.08;
  auto f = frequent_itemsets(baskets_from_lists(lists, 10), io);
  RuleOptions all;
  all.max_rules = 1'000'000;
  auto every = association_rules(f, all).rules;
  RuleOptions o;
  o.min_confidence = 0.5;
  o.min_lift = 1.05;
  o.max_antecedent = 2;
  o.max_consequent = 1;
  o.sort_by = RuleMetric::kConfidence;
  o.max_rules = 7;
  auto rs = association_rules(f, o);
  std::vector<AssociationRule> expected;
  for (const auto& r : every)
    if (r.confidence >= 0.5 && r.lift >= 1.05 && r.antecedent.size() <= 2 && r.consequent.size() == 1) expected.push_back(r);
  ASSERT_EQ(rs.rules_passing, expected.size());
  std::stable_sort(expected.begin(), expected.end(), [](const auto& x, const auto& y) { return x.confidence > y.confidence; });
  ASSERT_EQ(rs.rules.size(), 7u);
  for (size_t i = 0; i < rs.rules.size(); ++i) EXPECT_DOUBLE_EQ(rs.rules[i].confidence, expected[i].confidence);
}

// Published values: the mlxtend user guide's apriori / association_rules example
// (5 shopping baskets, min support 0.6; rules with confidence >= 0.7).
TEST(AssociationRules, ReproducesTheMlxtendGuideExample) {
  EventLog log;
  const std::vector<std::vector<std::string>> data = {
      {"Milk", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"},
      {"Dill", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"},
      {"Milk", "Apple", "Kidney Beans", "Eggs"},
      {"Milk", "Unicorn", "Corn", "Kidney Beans", "Yogurt"},
      {"Corn", "Onion", "Onion", "Kidney Beans", "Ice cream", "Eggs"}};
  for (size_t u = 0; u < data.size(); ++u)
    for (const auto& item : data[u]) log.append("u" + std::to_string(u), item, "purchase", 1000, 1.0, "", "");
  log.append("u9", "", "purchase", 1000, 1.0, "", "");  // no course: skipped and counted
  auto o = association_options_from_json(nlohmann::json::parse(R"({"minSupport":0.6,"minConfidence":0.7,"maxSize":20})"));
  auto a = analyze_associations(log, o);
  EXPECT_EQ(a.baskets.size(), 5u);
  EXPECT_EQ(a.baskets.repeated_items, 1u);
  EXPECT_EQ(a.baskets.events_without_item, 1u);
  auto j = to_json(a, log.items.names());
  EXPECT_EQ(j["count"], 11);
  std::map<std::set<std::string>, double> support;
  for (const auto& s : j["itemsets"]) support[s["items"].get<std::set<std::string>>()] = s["support"];
  EXPECT_DOUBLE_EQ((support[{"Kidney Beans"}]), 1.0);
  EXPECT_DOUBLE_EQ((support[{"Eggs", "Kidney Beans"}]), 0.8);
  EXPECT_DOUBLE_EQ((support[{"Eggs", "Kidney Beans", "Onion"}]), 0.6);
  // 12 rules reach confidence 0.7 (enumerated by hand in Python over the 11 itemsets).
  EXPECT_EQ(j["rulesPassing"], 12);
  bool eggs_onion = false, kb_onion_eggs = false;
  for (const auto& r : j["rules"]) {
    auto lhs = r["antecedent"].get<std::set<std::string>>(), rhs = r["consequent"].get<std::set<std::string>>();
    if (lhs == std::set<std::string>{"Eggs"} && rhs == std::set<std::string>{"Onion"}) {
      eggs_onion = true;
      EXPECT_DOUBLE_EQ(r["confidence"].get<double>(), 0.75);
      EXPECT_NEAR(r["lift"].get<double>(), 1.25, 1e-12);
      EXPECT_NEAR(r["leverage"].get<double>(), 0.12, 1e-12);
      EXPECT_NEAR(r["conviction"].get<double>(), 1.6, 1e-12);
    }
    if (lhs == std::set<std::string>{"Kidney Beans", "Onion"} && rhs == std::set<std::string>{"Eggs"}) {
      kb_onion_eggs = true;
      EXPECT_DOUBLE_EQ(r["confidence"].get<double>(), 1.0);
      EXPECT_NEAR(r["lift"].get<double>(), 1.25, 1e-12);
      EXPECT_TRUE(r["conviction"].is_null());  // infinite
    }
  }
  EXPECT_TRUE(eggs_onion);
  EXPECT_TRUE(kb_onion_eggs);
}

TEST(AssociationRules, RefusesAnItemsetExplosionFromAFewHugeBaskets) {
  Rng rng(5);
  std::vector<std::vector<int32_t>> lists;
  for (int i = 0; i < 2000; ++i) lists.push_back({static_cast<int32_t>(rng.below(50)), static_cast<int32_t>(rng.below(50))});
  std::vector<int32_t> huge;
  for (int32_t x = 0; x < 50; ++x) huge.push_back(x);
  for (int i = 0; i < 3; ++i) lists.push_back(huge);  // 3 baskets of all 50 courses: 2^50 subsets
  Baskets b = baskets_from_lists(lists, 50);
  ItemsetOptions o;
  o.min_support = 1.0 / 2003;  // 1 basket: every subset of the huge ones is frequent
  o.max_size = 20;
  o.max_itemsets = 200'000;
  std::string msg = error_of([&] { frequent_itemsets(b, o); });
  EXPECT_NE(msg.find("more than 200000 frequent itemsets"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"minSupport\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"maxSize\""), std::string::npos) << msg;
  EXPECT_GT(frequent_itemset_upper_bound(b, 1, 20), 1e13);

  // Or, on request, stop there and say so.
  o.truncate = true;
  auto t = frequent_itemsets(b, o);
  EXPECT_TRUE(t.truncated);
  EXPECT_EQ(t.size(), 200'000u);

  // With a support just above what the huge baskets reach alone, the bound stays astronomical
  // (every course is frequent) but the answer is small: mining must not refuse it.
  o.truncate = false;
  o.min_support = 4.0 / 2003;
  auto f = frequent_itemsets(b, o);
  EXPECT_FALSE(f.truncated);
  EXPECT_GT(f.upper_bound, static_cast<double>(o.max_itemsets));
  EXPECT_LT(f.size(), 2000u);
  for (size_t s = 0; s < f.size(); ++s) EXPECT_LE(f.offsets[s + 1] - f.offsets[s], 2u);  // no triple reaches 4
}

TEST(AssociationRules, RefusesTooManyCandidateRules) {
  std::vector<int32_t> big;
  for (int32_t x = 0; x < 16; ++x) big.push_back(x);
  std::vector<std::vector<int32_t>> lists(300, big);
  ItemsetOptions io;
  io.min_support = 0.5;
  io.max_size = 20;
  auto f = frequent_itemsets(baskets_from_lists(lists, 16), io);
  EXPECT_EQ(f.size(), (1u << 16) - 1);  // 3^16 antecedent/consequent splits
  std::string msg = error_of([&] { association_rules(f, RuleOptions{}); });
  EXPECT_NE(msg.find("\"maxAntecedent\""), std::string::npos) << msg;
  RuleOptions capped;
  capped.max_antecedent = 1;
  capped.max_consequent = 1;
  EXPECT_EQ(association_rules(f, capped).rules_passing, 16u * 15u);
}

TEST(AssociationRules, RecoversThePlantedBundlesAsTopLiftRules) {
  SyntheticOptions so;
  so.seed = 11;
  so.learners = 6000;
  auto p = generate_platform(so);
  auto o = association_options_from_json(
      nlohmann::json::parse(R"({"minSupport":0.005,"maxSize":2,"minConfidence":0.2,"sortBy":"lift","maxRules":50})"));
  auto a = analyze_associations(p.log, o);
  ASSERT_FALSE(p.truth.bundles.empty());
  std::set<std::pair<std::string, std::string>> planted(p.truth.bundles.begin(), p.truth.bundles.end());
  // The planted anchor -> follow-up rules are the top rules by lift.
  const auto& names = p.log.items.names();
  std::set<std::pair<std::string, std::string>> top;
  for (size_t i = 0; i < a.rules.rules.size() && top.size() < planted.size(); ++i) {
    const auto& r = a.rules.rules[i];
    std::string x = names[static_cast<size_t>(r.antecedent[0])], y = names[static_cast<size_t>(r.consequent[0])];
    top.insert(x < y ? std::make_pair(x, y) : std::make_pair(y, x));
  }
  EXPECT_EQ(top, planted);
  for (const auto& r : a.rules.rules) {
    std::string x = names[static_cast<size_t>(r.antecedent[0])], y = names[static_cast<size_t>(r.consequent[0])];
    if (planted.count({x, y})) {
      EXPECT_GT(r.confidence, 0.4) << x << " => " << y;  // planted: ~0.55
    }
  }
}

TEST(AssociationRules, SessionBasketsSplitOnTheGap) {
  EventLog log;
  const int64_t min = 60000;
  log.append("ana", "A", "purchase", 0, 10, "", "");
  log.append("ana", "B", "purchase", 10 * min, 10, "", "");
  log.append("ana", "C", "purchase", 2 * 24 * 60 * min, 10, "", "");
  log.append("ana", "A", "view", 3, EventLog::kNoAmount, "", "");
  log.append("bo", "B", "purchase", 5, 10, "", "");
  log.append("bo", "C", "enroll", 6, EventLog::kNoAmount, "", "");
  auto by_learner = make_baskets(log, BasketOptions{});
  ASSERT_EQ(by_learner.size(), 2u);
  EXPECT_EQ(by_learner.basket_size(0), 3u);
  BasketOptions s;
  s.by = BasketBy::kSession;
  s.session_gap_ms = 30 * min;
  auto by_session = make_baskets(log, s);
  ASSERT_EQ(by_session.size(), 3u);
  EXPECT_EQ(by_session.basket_size(0), 2u);  // A, B
  EXPECT_EQ(by_session.basket_size(1), 1u);  // C two days later
  s.events = {"purchase", "enroll", "purchased"};
  auto with_enroll = make_baskets(log, s);
  EXPECT_EQ(with_enroll.basket_size(2), 2u);  // bo: B purchase + C enroll
  EXPECT_EQ(with_enroll.unknown_events, std::vector<std::string>{"purchased"});
}

TEST(AssociationRules, RejectsBadOptionsByName) {
  auto parse = [](const char* s) { return association_options_from_json(nlohmann::json::parse(s)); };
  EXPECT_NE(error_of([&] { parse(R"({"minSupport":0})"); }).find("\"minSupport\" must be a number in (0, 1]"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"minSupport":1.5})"); }).find("\"minSupport\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"maxSize":0})"); }).find("\"maxSize\" must be an integer in [1, 20]"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"sortBy":"fun"})"); }).find("\"sortBy\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"basketBy":"day"})"); }).find("\"basketBy\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"sessionGapMinutes":-1})"); }).find("\"sessionGapMinutes\""), std::string::npos);
  EXPECT_NE(error_of([&] { parse(R"({"minSuport":0.1})"); }).find("unknown option \"minSuport\""), std::string::npos);
  EXPECT_NE(error_of([&] { baskets_from_lists({{0, 7}}, 5); }).find("item code 7"), std::string::npos);
}

TEST(AssociationRules, EmptyLogGivesNoBasketsAndAWarning) {
  EventLog log;
  auto a = analyze_associations(log, AssociationAnalysisOptions{});
  EXPECT_EQ(a.baskets.size(), 0u);
  EXPECT_EQ(a.itemsets.size(), 0u);
  auto j = to_json(a, log.items.names());
  EXPECT_EQ(j["rules"].size(), 0u);
  EXPECT_FALSE(j["warnings"].empty());
}
