#include "circlewise/synthetic_platform.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "circlewise/error.h"
#include "circlewise/random.h"
#include "circlewise/timestamp.h"

namespace circlewise {
namespace {

constexpr double kDayMs = 86400000.0;
const char* const kCommunityNames[] = {"data-science-club", "design-circle",  "marketing-guild",
                                       "dev-bootcamp",      "language-cafe",  "photo-walkers",
                                       "product-school",    "finance-forum",  "music-lab",
                                       "writing-room"};
const double kPrices[] = {29, 49, 79, 99, 149, 199};

struct Platform {
  const SyntheticOptions& opt;
  Rng rng;
  SyntheticTruth truth;
  std::vector<std::string> course_ids, community_ids;
  std::vector<double> price;
  std::vector<size_t> category;               // course -> community whose theme it belongs to
  std::vector<double> popularity_cdf;         // over all courses
  std::vector<std::vector<size_t>> by_category;
  std::vector<int> follow_up;                 // anchor -> follow-up course, -1 if none
  std::vector<double> community_cdf;
  std::vector<std::vector<size_t>> sharers;   // per community: learners who shared (invite pool)
  std::vector<std::string> learner_ids;
  // Community effects (options advocates / declining_community) use their own stream, so the
  // main stream, and the platform without them, is unchanged.
  Rng effects;
  std::vector<std::vector<std::pair<uint32_t, double>>> advocates;  // per community: (learner, join day)
  size_t advocates_left = 0;
  size_t declining = 0;

  // Rows before sorting by time.
  struct Row {
    int64_t ts;
    uint32_t learner;
    int32_t item, community, referrer;
    int32_t event;  // code in EventLog::event_names (known first, then "wishlist")
    double amount;
  };
  std::vector<Row> rows;

  explicit Platform(const SyntheticOptions& o) : opt(o), rng(o.seed), effects(o.seed ^ 0x5DEECE66DA3B2F17ULL) {
    const size_t nc = o.communities, ni = o.courses;
    for (size_t c = 0; c < nc; ++c) {
      community_ids.push_back(c < std::size(kCommunityNames) ? kCommunityNames[c]
                                                             : "community-" + std::to_string(c + 1));
    }
    char id[32];
    by_category.resize(nc);
    for (size_t i = 0; i < ni; ++i) {
      std::snprintf(id, sizeof id, "course-%03zu", i + 1);
      course_ids.push_back(id);
      price.push_back(kPrices[(i * 7 + 3) % std::size(kPrices)]);
      category.push_back(i % nc);
      by_category[i % nc].push_back(i);
    }
    // Zipf-like popularity: a few best sellers and a long tail.
    double acc = 0;
    for (size_t i = 0; i < ni; ++i) popularity_cdf.push_back(acc += 1.0 / std::sqrt(1.0 + i));
    for (auto& v : popularity_cdf) v /= acc;
    acc = 0;
    for (size_t c = 0; c < nc; ++c) community_cdf.push_back(acc += 1.0 / (1.0 + 0.5 * c));
    for (auto& v : community_cdf) v /= acc;
    // Planted bundles: (course 1, course 2), (course 3, course 4), ... for about a third of the courses.
    follow_up.assign(ni, -1);
    truth.bundle_follow_probability = 0.55;
    for (size_t a = 0; a + 1 < ni && a < std::max<size_t>(2, ni / 3); a += 2) {
      follow_up[a] = static_cast<int>(a + 1);
      truth.bundles.emplace_back(course_ids[a], course_ids[a + 1]);
    }
    // Planted community effect: the first community converts twice as well as the base, the
    // last (when there are 3+) half as well.
    truth.community_names = community_ids;
    for (size_t c = 0; c < nc; ++c) {
      double p = 0.3;
      if (c == 0) p = 0.6;
      else if (nc >= 3 && c == nc - 1) p = 0.15;
      truth.community_purchase_probability.push_back(p);
    }
    truth.referred_purchase_multiplier = 1.5;
    truth.mean_active_days = 90;
    sharers.resize(nc);
    advocates.resize(nc);
    advocates_left = o.advocates;
    if (o.advocates > 0) truth.advocate_invite_probability = 0.25;
    declining = nc >= 2 ? 1 : 0;
    if (o.declining_community) {
      truth.declining_community = community_ids[declining];
      truth.decline_day = static_cast<double>(o.days) * 2 / 3;
    }
  }

  size_t pick(const std::vector<double>& cdf) {
    double u = rng.uniform();
    size_t k = static_cast<size_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    return std::min(k, cdf.size() - 1);
  }

  void emit(double day, uint32_t learner, int32_t item, EventType e, int32_t community,
            double amount = EventLog::kNoAmount, int32_t referrer = kNone) {
    rows.push_back({opt.start_ms + static_cast<int64_t>(day * kDayMs), learner, item, community, referrer,
                    static_cast<int32_t>(e), amount});
  }

  // One learner's whole life on the platform.
  void learner() {
    const auto id = static_cast<uint32_t>(learner_ids.size());
    char name[32];
    std::snprintf(name, sizeof name, "learner-%06u", id + 1);
    learner_ids.emplace_back(name);
    const double horizon = static_cast<double>(opt.days);
    // Growth: more learners join later in the period.
    double join = horizon * std::sqrt(rng.uniform());
    const bool has_community = rng.bernoulli(0.9);
    const size_t comm = pick(community_cdf);
    const int32_t c = has_community ? static_cast<int32_t>(comm) : kNone;
    int32_t referrer = kNone;
    if (has_community && !sharers[comm].empty() && rng.bernoulli(0.3)) {
      const auto& pool = sharers[comm];
      // Recent sharers are the likeliest inviters.
      size_t window = std::min<size_t>(pool.size(), 200);
      referrer = static_cast<int32_t>(pool[pool.size() - 1 - rng.below(window)]);
    }
    if (has_community && advocates_left == 0 && !advocates[comm].empty() &&
        effects.bernoulli(truth.advocate_invite_probability)) {
      const auto& [who, since] = advocates[comm][effects.below(advocates[comm].size())];
      if (since < join) referrer = static_cast<int32_t>(who);
    }
    if (has_community && advocates_left > 0) {
      --advocates_left;
      join = horizon * 0.05 * effects.uniform();  // advocates are early members
      advocates[comm].push_back({id, join});
      truth.advocates.push_back(learner_ids.back());
    }
    emit(join, id, kNone, EventType::kJoin, c, EventLog::kNoAmount, referrer);
    double p_buy = has_community ? truth.community_purchase_probability[comm] : 0.25;
    if (referrer != kNone) p_buy = std::min(0.95, p_buy * truth.referred_purchase_multiplier);
    double end_active = join + rng.exponential(truth.mean_active_days);
    if (opt.declining_community && has_community && comm == declining)
      end_active = std::min(end_active, std::max(join, truth.decline_day) + effects.exponential(5));
    std::vector<uint8_t> owned(opt.courses, 0), enrolled(opt.courses, 0);
    bool shared = false;
    double t = join + rng.exponential(0.5);
    while (t < end_active && t < horizon) {
      const int views = 1 + static_cast<int>(rng.below(3));
      for (int v = 0; v < views; ++v) {
        size_t course;
        if (has_community && rng.bernoulli(0.6) && !by_category[comm].empty()) {
          course = by_category[comm][rng.below(by_category[comm].size())];
        } else {
          course = pick(popularity_cdf);
        }
        const auto item = static_cast<int32_t>(course);
        double now = t + v * 0.01;
        emit(now, id, item, EventType::kView, c);
        if (rng.bernoulli(0.03)) emit(now + 0.001, id, item, static_cast<EventType>(kKnownEventTypes), c);
        if (owned[course] || !rng.bernoulli(0.45)) continue;
        emit(now + 0.002, id, item, EventType::kClick, c);
        if (enrolled[course] || !rng.bernoulli(0.5)) continue;
        enrolled[course] = 1;
        emit(now + 0.003, id, item, EventType::kEnroll, c);
        if (!rng.bernoulli(p_buy)) continue;
        purchase(course, now + 0.004, id, c, end_active, owned, shared);
        int f = follow_up[course];
        if (f >= 0 && !owned[f] && rng.bernoulli(truth.bundle_follow_probability)) {
          double later = now + 0.01 + rng.exponential(3);
          if (later < horizon) {
            emit(later, id, f, EventType::kView, c);
            purchase(static_cast<size_t>(f), later + 0.004, id, c, end_active, owned, shared);
          }
        }
      }
      t += rng.exponential(6);
    }
    if (end_active < horizon && rng.bernoulli(0.5)) emit(end_active, id, kNone, EventType::kLeave, c);
    if (shared && has_community) sharers[comm].push_back(id);
  }

  void purchase(size_t course, double when, uint32_t id, int32_t c, double end_active,
                std::vector<uint8_t>& owned, bool& shared) {
    const auto item = static_cast<int32_t>(course);
    const double horizon = static_cast<double>(opt.days);
    owned[course] = 1;
    emit(when, id, item, EventType::kPurchase, c, price[course]);
    if (rng.bernoulli(0.04)) {
      double r = when + rng.uniform() * 7;
      if (r < horizon) emit(r, id, item, EventType::kRefund, c, price[course]);
      return;
    }
    if (rng.bernoulli(0.2)) {
      shared = true;
      emit(when + 0.005, id, item, EventType::kShare, c);
    }
    if (rng.bernoulli(0.45)) {
      double done = when + 5 + rng.exponential(20);
      if (done < horizon && done < end_active + 30) emit(done, id, item, EventType::kComplete, c);
    }
  }
};

void check_range(const char* name, size_t v, size_t lo, size_t hi) {
  if (v < lo || v > hi)
    throw InputError("option \"" + std::string(name) + "\" must be between " + std::to_string(lo) + " and " +
                     std::to_string(hi) + ", got " + std::to_string(v));
}

}  // namespace

SyntheticPlatform generate_platform(const SyntheticOptions& o) {
  check_range("learners", o.learners, 1, 10'000'000);
  check_range("courses", o.courses, 2, 100'000);
  check_range("communities", o.communities, 1, 1000);
  check_range("days", o.days, 1, 3650);
  check_range("events", o.events, 0, 50'000'000);
  check_range("advocates", o.advocates, 0, 1000);
  if (o.start_ms < kMinTimestampMs || o.start_ms + static_cast<int64_t>(o.days) * 86400000LL > kMaxTimestampMs)
    throw InputError("option \"start\" must put the whole period between 1970 and 2099");
  Platform p(o);
  if (o.events > 0) {
    p.rows.reserve(o.events + 256);
    while (p.rows.size() < o.events) p.learner();
  } else {
    p.rows.reserve(o.learners * 20);
    for (size_t i = 0; i < o.learners; ++i) p.learner();
  }
  // Time order, as a platform would export it; ties keep generation order.
  std::stable_sort(p.rows.begin(), p.rows.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  if (o.events > 0) p.rows.resize(o.events);

  SyntheticPlatform out;
  EventLog& log = out.log;
  log.event_names.intern("wishlist");  // a custom event name, as real platforms have
  for (const auto& id : p.learner_ids) log.users.intern(id);
  for (const auto& id : p.course_ids) log.items.intern(id);
  for (const auto& id : p.community_ids) log.communities.intern(id);
  log.reserve(p.rows.size());
  for (const auto& r : p.rows) {
    log.user.push_back(static_cast<int32_t>(r.learner));
    log.item.push_back(r.item);
    log.event.push_back(r.event);
    log.ts_ms.push_back(r.ts);
    log.amount.push_back(r.amount);
    log.community.push_back(r.community);
    log.referrer.push_back(r.referrer);
  }
  log.report.records = log.report.events = log.size();
  out.truth = std::move(p.truth);
  return out;
}

SyntheticOptions synthetic_options_from_json(const nlohmann::json& j) {
  SyntheticOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("platform options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "decliningCommunity") {
      if (!v.is_boolean()) throw InputError("option \"decliningCommunity\" must be true or false");
      o.declining_community = v.get<bool>();
      continue;
    }
    if (k == "start") {
      if (!v.is_string()) throw InputError("option \"start\" must be a date like \"2025-01-01\"");
      auto t = parse_timestamp(v.get<std::string>());
      if (!t.ok) throw InputError("option \"start\": \"" + v.get<std::string>() + "\" " + t.problem);
      o.start_ms = t.ms;
      continue;
    }
    // Unsigned first: a seed of 2^63 or more is valid but negative as int64.
    if (!v.is_number_unsigned() && (!v.is_number_integer() || v.get<int64_t>() < 0))
      throw InputError("option \"" + k + "\" must be a non-negative integer (at most 18446744073709551615)");
    auto n = v.get<uint64_t>();
    if (k == "seed") o.seed = n;
    else if (k == "learners") o.learners = n;
    else if (k == "courses") o.courses = n;
    else if (k == "communities") o.communities = n;
    else if (k == "days") o.days = n;
    else if (k == "events") o.events = n;
    else if (k == "advocates") o.advocates = n;
    else
      throw InputError("unknown platform option \"" + k +
                       "\" (known: seed, learners, courses, communities, days, start, events, advocates, decliningCommunity)");
  }
  return o;
}

nlohmann::json to_json(const SyntheticTruth& t) {
  nlohmann::json bundles = nlohmann::json::array();
  for (const auto& b : t.bundles) bundles.push_back({b.first, b.second});
  nlohmann::json comm = nlohmann::json::array();
  for (size_t c = 0; c < t.community_names.size(); ++c)
    comm.push_back({{"community", t.community_names[c]}, {"purchaseProbability", t.community_purchase_probability[c]}});
  nlohmann::json j = {{"bundles", bundles},
                      {"bundleFollowProbability", t.bundle_follow_probability},
                      {"communities", comm},
                      {"referredPurchaseMultiplier", t.referred_purchase_multiplier},
                      {"meanActiveDays", t.mean_active_days}};
  // Keys of the optional effects only when planted, so the truth of older platforms is unchanged.
  if (!t.advocates.empty()) {
    j["advocates"] = t.advocates;
    j["advocateInviteProbability"] = t.advocate_invite_probability;
  }
  if (!t.declining_community.empty()) {
    j["decliningCommunity"] = t.declining_community;
    j["declineDay"] = t.decline_day;
  }
  return j;
}

}  // namespace circlewise
