#include "circlewise/learner_features.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/money.h"
#include "circlewise/random.h"
#include "circlewise/timestamp.h"
#include "radix_sort.h"

namespace circlewise {

namespace {
constexpr int64_t kMsPerDay = 86400000;

uint64_t pair_key(int32_t a, int64_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
}  // namespace

FeatureTransform default_transform(LearnerFeature f) {
  switch (f) {
    case kMonetary: return FeatureTransform::kSignedLog1p;
    case kFrequency:
    case kActiveDays:
    case kCoursesEnrolled:
    case kShares: return FeatureTransform::kLog1p;
    default: return FeatureTransform::kLinear;
  }
}

std::string_view transform_name(FeatureTransform t) {
  switch (t) {
    case FeatureTransform::kLog1p: return "log1p";
    case FeatureTransform::kSignedLog1p: return "signedLog1p";
    default: return "none";
  }
}

double apply_transform(FeatureTransform t, double x) {
  switch (t) {
    case FeatureTransform::kLog1p: return portable_log(1.0 + x);
    case FeatureTransform::kSignedLog1p: return x < 0 ? -portable_log(1.0 - x) : portable_log(1.0 + x);
    default: return x;
  }
}

LearnerFeatures learner_features(const EventLog& log, const LearnerFeatureOptions& options) {
  LearnerFeatures f;
  const size_t n = log.size();
  int64_t as_of = options.as_of_ms;
  if (!options.has_as_of) {
    if (n == 0) throw InputError("the event log is empty: there are no learners to describe");
    as_of = *std::max_element(log.ts_ms.begin(), log.ts_ms.end());
  }
  f.as_of_ms = as_of;

  const size_t n_users = log.users.size();
  std::vector<int32_t> row_of(n_users, kNone);
  std::vector<int64_t> last_ts;
  std::vector<double> purchases, shares;
  std::vector<MoneySum> net;
  std::vector<uint64_t> days, enrolled, completed, memberships;
  days.reserve(n);
  const auto kPurchase = static_cast<int32_t>(EventType::kPurchase);
  const auto kRefund = static_cast<int32_t>(EventType::kRefund);
  const auto kEnroll = static_cast<int32_t>(EventType::kEnroll);
  const auto kComplete = static_cast<int32_t>(EventType::kComplete);
  const auto kShare = static_cast<int32_t>(EventType::kShare);

  const Progress& progress = options.progress;
  for (size_t i = 0; i < n; ++i) {
    if ((i & 0xFFFF) == 0) progress.at("learner features", 0.6 * static_cast<double>(i) / static_cast<double>(n));
    const int64_t ts = log.ts_ms[i];
    if (ts > as_of) {
      ++f.events_after_as_of;
      continue;
    }
    ++f.events_used;
    const int32_t u = log.user[i];
    int32_t r = row_of[u];
    if (r == kNone) {
      r = row_of[u] = static_cast<int32_t>(f.user.size());
      f.user.push_back(u);
      last_ts.push_back(ts);
      purchases.push_back(0);
      shares.push_back(0);
      net.emplace_back();
    }
    last_ts[r] = std::max(last_ts[r], ts);
    days.push_back(pair_key(r, ts / kMsPerDay));
    const int32_t e = log.event[i];
    const double a = log.amount[i];
    if (e == kPurchase) {
      purchases[r] += 1;
      if (EventLog::has_amount(a)) net[r].add(a);
    } else if (e == kRefund) {
      if (EventLog::has_amount(a)) net[r].add(-a);
    } else if (e == kShare) {
      shares[r] += 1;
    } else if (e == kEnroll && log.item[i] != kNone) {
      enrolled.push_back(pair_key(r, log.item[i]));
    } else if (e == kComplete && log.item[i] != kNone) {
      completed.push_back(pair_key(r, log.item[i]));
    }
    if (log.community[i] != kNone) memberships.push_back(pair_key(r, log.community[i]));
  }
  if (f.user.empty())
    throw InputError("no event at or before asOf " + format_timestamp(as_of) +
                     ": there are no learners to describe");

  // Ids that occur only as a referrer are people we know nothing about; count them, do not invent rows.
  {
    std::vector<uint8_t> is_referrer(n_users, 0);
    for (int32_t ref : log.referrer)
      if (ref != kNone) is_referrer[ref] = 1;
    std::vector<uint8_t> has_event(n_users, 0);
    for (int32_t u : log.user) has_event[u] = 1;
    for (size_t u = 0; u < n_users; ++u)
      if (is_referrer[u] && !has_event[u]) ++f.referrers_without_events;
  }

  const size_t m = f.user.size();
  f.raw = RowMatrix::Zero(static_cast<Eigen::Index>(m), kLearnerFeatureCount);
  for (size_t r = 0; r < m; ++r) {
    auto row = f.raw.row(static_cast<Eigen::Index>(r));
    row[kRecencyDays] = static_cast<double>(as_of - last_ts[r]) / kMsPerDay;
    row[kFrequency] = purchases[r];
    row[kMonetary] = net[r].value();
    row[kShares] = shares[r];
  }
  progress.at("learner features", 0.6);
  radix_sort_unique(days);
  progress.at("learner features", 0.8);
  std::vector<double> active_days(m, 0), courses(m, 0), done(m, 0);
  for (uint64_t k : days) active_days[k >> 32] += 1;
  radix_sort_unique(enrolled);
  radix_sort_unique(completed);
  for (uint64_t k : enrolled) courses[k >> 32] += 1;
  {
    // Completed courses count only when they were also enrolled, so the rate stays within [0, 1].
    std::vector<uint64_t> both;
    std::set_intersection(enrolled.begin(), enrolled.end(), completed.begin(), completed.end(),
                          std::back_inserter(both));
    for (uint64_t k : both) done[k >> 32] += 1;
  }
  for (size_t r = 0; r < m; ++r) {
    auto row = f.raw.row(static_cast<Eigen::Index>(r));
    row[kActiveDays] = active_days[r];
    row[kCoursesEnrolled] = courses[r];
    row[kCompletionRate] = courses[r] > 0 ? done[r] / courses[r] : 0.0;
  }

  // Main community: the one on most of the learner's events (sorted pairs, so runs are contiguous).
  f.community.assign(m, kNone);
  progress.at("learner features", 0.9);
  radix_sort(memberships);
  std::vector<size_t> best(m, 0);
  for (size_t i = 0; i < memberships.size();) {
    size_t j = i;
    while (j < memberships.size() && memberships[j] == memberships[i]) ++j;
    const size_t r = memberships[i] >> 32;
    const auto c = static_cast<int32_t>(memberships[i] & 0xffffffffu);
    if (j - i > best[r]) {  // strictly more: ties keep the lower community code
      best[r] = j - i;
      f.community[r] = c;
    }
    i = j;
  }
  progress.at("learner features", 1);
  return f;
}

StandardizedFeatures standardize(const LearnerFeatures& f, const std::vector<LearnerFeature>& columns) {
  StandardizedFeatures s;
  const auto n = static_cast<Eigen::Index>(f.size());
  s.x.resize(n, static_cast<Eigen::Index>(columns.size()));
  for (size_t c = 0; c < columns.size(); ++c) {
    StandardizedColumn col;
    col.feature = columns[c];
    col.transform = default_transform(columns[c]);
    const auto j = static_cast<Eigen::Index>(c);
    for (Eigen::Index i = 0; i < n; ++i) s.x(i, j) = apply_transform(col.transform, f.raw(i, columns[c]));
    // Two passes (mean, then squared deviations): exact zero for constant columns.
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i) sum += s.x(i, j);
    col.mean = n ? sum / static_cast<double>(n) : 0;
    double ss = 0;
    for (Eigen::Index i = 0; i < n; ++i) ss += (s.x(i, j) - col.mean) * (s.x(i, j) - col.mean);
    col.sd = n ? std::sqrt(ss / static_cast<double>(n)) : 0;
    // Relative threshold: a column that differs only by rounding noise is constant too.
    col.constant = !(col.sd > 1e-12 * std::max(1.0, std::abs(col.mean)));
    for (Eigen::Index i = 0; i < n; ++i) s.x(i, j) = col.constant ? 0.0 : (s.x(i, j) - col.mean) / col.sd;
    s.columns.push_back(col);
  }
  return s;
}

// Option parsing and JSON: once per call, optimised for size in the WASM build.
CIRCLEWISE_SIZE_OPTIMISED_BEGIN

LearnerFeature feature_from_name(std::string_view name, std::string_view option) {
  for (int i = 0; i < kLearnerFeatureCount; ++i)
    if (kLearnerFeatureNames[i] == name) return static_cast<LearnerFeature>(i);
  std::string known;
  for (auto k : kLearnerFeatureNames) known += (known.empty() ? "" : ", ") + std::string(k);
  throw InputError("option \"" + std::string(option) + "\": unknown feature \"" + std::string(name) +
                   "\" (known: " + known + ")");
}

int64_t as_of_from_json(const nlohmann::json& v) {
  if (v.is_number()) {
    const double s = v.get<double>();
    if (!(s >= 0 && s * 1000 <= static_cast<double>(kMaxTimestampMs)))
      throw InputError("option \"asOf\" in Unix seconds must be within 1970-01-01..2099-12-31");
    return static_cast<int64_t>(std::llround(s * 1000));
  }
  if (!v.is_string()) throw InputError("option \"asOf\" must be a date like \"2025-06-30\" or Unix seconds");
  auto t = parse_timestamp(v.get<std::string>());
  if (!t.ok) throw InputError("option \"asOf\": \"" + v.get<std::string>() + "\" " + t.problem);
  return t.ms;
}

nlohmann::json to_json(const StandardizedColumn& c) {
  return {{"feature", kLearnerFeatureNames[c.feature]},
          {"transform", transform_name(c.transform)},
          {"mean", c.mean},
          {"sd", c.sd},
          {"constant", c.constant}};
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
