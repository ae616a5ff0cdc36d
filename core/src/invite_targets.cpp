#include "circlewise/invite_targets.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/learner_features.h"
#include "circlewise/random.h"
#include "circlewise/rfm.h"
#include "circlewise/timestamp.h"
#include "json_text.h"

namespace circlewise {
namespace {

constexpr int64_t kDayMs = 86400000;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kSignals = 6;
constexpr size_t kCols = 1 + kSignals;
// Plain loops in a fixed order (no SIMD reductions, portable exp/log): the same probabilities, bit
// for bit, natively and in WASM.
using Row = std::array<double, kCols>;
const char* const kSignalNames[kSignals] = {"ruleConfidence", "similarity",  "recency (R-3)/2",
                                            "frequency+money (FM-3)/2", "log1p(activity 30d)", "communityShare"};

// Everything known about the learners at one moment: who they are, what they own, the signals.
struct Snapshot {
  LearnerFeatures f;
  RfmScores rfm;
  std::vector<uint8_t> owns_target;             // per row
  std::vector<std::vector<int32_t>> owned;      // per row: courses bought by then
  std::vector<Row> x;                           // intercept 1, then the signals
  std::vector<int32_t> best_antecedent;         // per row
  std::vector<double> activity;                 // engagement events in the 30 days before t
};

Snapshot snapshot(const EventLog& log, int64_t t, const std::vector<uint8_t>& is_target) {
  Snapshot s;
  LearnerFeatureOptions fo;
  fo.has_as_of = true;
  fo.as_of_ms = t;
  s.f = learner_features(log, fo);
  s.rfm = rfm_scores(s.f);
  const size_t n = s.f.size(), ni = log.items.size();
  std::vector<int32_t> row_of(log.users.size(), kNone);
  for (size_t k = 0; k < n; ++k) row_of[static_cast<size_t>(s.f.user[k])] = static_cast<int32_t>(k);
  s.owns_target.assign(n, 0);
  s.owned.assign(n, {});
  std::vector<double>& activity = s.activity;
  activity.assign(n, 0.0);
  const auto purchase = static_cast<int32_t>(EventType::kPurchase);
  const auto join = static_cast<int32_t>(EventType::kJoin), leave = static_cast<int32_t>(EventType::kLeave);
  const auto refund = static_cast<int32_t>(EventType::kRefund);
  for (size_t i = 0; i < log.size(); ++i) {
    if (log.ts_ms[i] > t) continue;
    const int32_t row = row_of[static_cast<size_t>(log.user[i])];
    if (row == kNone) continue;
    const auto k = static_cast<size_t>(row);
    const int32_t e = log.event[i];
    if (e == purchase && log.item[i] != kNone) {
      if (is_target[static_cast<size_t>(log.item[i])]) s.owns_target[k] = 1;
      else s.owned[k].push_back(log.item[i]);
    }
    if (e != join && e != leave && e != refund && log.ts_ms[i] > t - 30 * kDayMs) activity[k] += 1;
  }
  // Owners per course, and owners of the course who also own the target (the rules' counts).
  std::vector<double> own(ni, 0), both(ni, 0);
  double target_owners = 0;
  for (size_t k = 0; k < n; ++k) {
    auto& o = s.owned[k];
    std::sort(o.begin(), o.end());
    o.erase(std::unique(o.begin(), o.end()), o.end());
    target_owners += s.owns_target[k];
    for (int32_t i : o) {
      own[static_cast<size_t>(i)] += 1;
      both[static_cast<size_t>(i)] += s.owns_target[k];
    }
  }
  const size_t nc = log.communities.size();
  std::vector<double> comm_n(nc + 1, 0), comm_own(nc + 1, 0);
  const auto ci = [&](int32_t c) { return c == kNone ? nc : static_cast<size_t>(c); };
  for (size_t k = 0; k < n; ++k) {
    comm_n[ci(s.f.community[k])] += 1;
    comm_own[ci(s.f.community[k])] += s.owns_target[k];
  }
  s.x.assign(n, Row{});
  s.best_antecedent.assign(n, kNone);
  for (size_t k = 0; k < n; ++k) {
    double conf = 0, sim = 0;
    for (int32_t i : s.owned[k]) {
      const auto ii = static_cast<size_t>(i);
      const double c = both[ii] / own[ii];
      if (c > conf) {
        conf = c;
        s.best_antecedent[k] = i;
      }
      if (target_owners > 0) sim += both[ii] / std::sqrt(own[ii] * target_owners);
    }
    const size_t c = ci(s.f.community[k]);
    s.x[k] = {1, conf, sim, (s.rfm.r[k] - 3) / 2.0, (s.rfm.fm[k] - 3) / 2.0, portable_log(1 + activity[k]),
              comm_own[c] / comm_n[c]};
  }
  return s;
}

double dot(const Row& a, const Row& b) {
  double s = 0;
  for (size_t j = 0; j < kCols; ++j) s += a[j] * b[j];
  return s;
}

double sigmoid(double z) {
  z = std::clamp(z, -700.0, 700.0);
  return z >= 0 ? 1 / (1 + portable_exp(-z)) : portable_exp(z) / (1 + portable_exp(z));
}

// Ridge-penalised logistic regression by Newton's method (= IRLS), the intercept unpenalised; the
// Hessian is positive definite thanks to the ridge, so Cholesky solves each step.
Row fit_logistic(const std::vector<Row>& x, const std::vector<uint8_t>& y, double ridge) {
  Row w{};
  for (int it = 0; it < 100; ++it) {
    double h[kCols][kCols] = {};
    Row g{};
    for (size_t i = 0; i < x.size(); ++i) {
      const double p = sigmoid(dot(x[i], w)), v = p * (1 - p), r = y[i] - p;
      for (size_t a = 0; a < kCols; ++a) {
        g[a] += x[i][a] * r;
        for (size_t b = 0; b <= a; ++b) h[a][b] += v * x[i][a] * x[i][b];
      }
    }
    for (size_t a = 1; a < kCols; ++a) {
      h[a][a] += ridge;
      g[a] -= ridge * w[a];
    }
    // Cholesky h = L L^T in the lower triangle, then forward and back substitution.
    for (size_t a = 0; a < kCols; ++a) {
      for (size_t b = 0; b <= a; ++b) {
        double s = h[a][b];
        for (size_t k = 0; k < b; ++k) s -= h[a][k] * h[b][k];
        h[a][b] = a == b ? std::sqrt(std::max(s, 1e-300)) : s / h[b][b];
      }
    }
    Row step = g;
    for (size_t a = 0; a < kCols; ++a) {
      for (size_t k = 0; k < a; ++k) step[a] -= h[a][k] * step[k];
      step[a] /= h[a][a];
    }
    for (size_t a = kCols; a-- > 0;) {
      for (size_t k = a + 1; k < kCols; ++k) step[a] -= h[k][a] * step[k];
      step[a] /= h[a][a];
    }
    double biggest = 0;
    for (size_t a = 0; a < kCols; ++a) {
      w[a] += step[a];
      biggest = std::max(biggest, std::fabs(step[a]));
    }
    if (biggest < 1e-10) break;
  }
  return w;
}

// Area under the ROC curve (Mann–Whitney, tied scores share their mean rank).
double auc(const std::vector<double>& score, const std::vector<uint8_t>& label) {
  std::vector<size_t> idx(score.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double rank_sum = 0, pos = 0;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j < idx.size() && score[idx[j]] == score[idx[i]]) ++j;
    const double mean_rank = (static_cast<double>(i + j) + 1) / 2;
    for (size_t k = i; k < j; ++k)
      if (label[idx[k]]) {
        rank_sum += mean_rank;
        pos += 1;
      }
    i = j;
  }
  const double neg = static_cast<double>(score.size()) - pos;
  if (pos == 0 || neg == 0) return kNaN;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

std::string list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

InviteTargetResult invite_targets(const EventLog& log, const InviteTargetOptions& o) {
  if (o.courses.empty()) throw InputError("option \"courses\": name the target course (or a bundle's courses)");
  if (log.size() == 0) throw InputError("the event log is empty: there are no learners to invite");
  InviteTargetResult r;
  r.courses = o.courses;
  std::vector<uint8_t> is_target(log.items.size(), 0);
  for (const auto& c : o.courses) {
    const int32_t code = log.items.find(c);
    if (code < 0) throw InputError("option \"courses\": course \"" + c + "\" never occurs in the log");
    is_target[static_cast<size_t>(code)] = 1;
  }
  std::vector<int32_t> antecedent;
  for (const auto& a : o.antecedent) {
    const int32_t code = log.items.find(a);
    if (code < 0) throw InputError("option \"antecedent\": course \"" + a + "\" never occurs in the log");
    if (is_target[static_cast<size_t>(code)])
      throw InputError("option \"antecedent\": \"" + a + "\" is one of the target courses");
    antecedent.push_back(code);
  }
  int segment = -1;
  if (!o.segment.empty()) {
    for (int s = 0; s < kRfmSegmentCount; ++s)
      if (rfm_segment_name(static_cast<RfmSegment>(s)) == o.segment) segment = s;
    if (segment < 0) {
      std::vector<std::string> names;
      for (int s = 0; s < kRfmSegmentCount; ++s) names.emplace_back(rfm_segment_name(static_cast<RfmSegment>(s)));
      throw InputError("option \"segment\": unknown segment \"" + o.segment + "\" (known: " + list(names) + ")");
    }
  }
  const int64_t end = *std::max_element(log.ts_ms.begin(), log.ts_ms.end());
  const int64_t start = *std::min_element(log.ts_ms.begin(), log.ts_ms.end());
  const int64_t t0 = end - static_cast<int64_t>(o.horizon_days * kDayMs);
  r.as_of_ms = end;
  r.train_from_ms = t0;
  const std::string what = o.courses.size() == 1 ? "\"" + o.courses[0] + "\"" : "the bundle";
  if (t0 < start)
    throw InputError("option \"horizonDays\": the log covers less than " + std::to_string(o.horizon_days) +
                     " days, so there is no earlier window to learn from; choose a shorter horizon");

  // Training: signals at t0, label = bought the target in (t0, end].
  Snapshot past = snapshot(log, t0, is_target);
  std::vector<int32_t> row_past(log.users.size(), kNone);
  for (size_t k = 0; k < past.f.size(); ++k) row_past[static_cast<size_t>(past.f.user[k])] = static_cast<int32_t>(k);
  std::vector<uint8_t> bought_after(past.f.size(), 0);
  const auto purchase = static_cast<int32_t>(EventType::kPurchase);
  for (size_t i = 0; i < log.size(); ++i) {
    if (log.ts_ms[i] <= t0 || log.event[i] != purchase || log.item[i] == kNone || !is_target[static_cast<size_t>(log.item[i])])
      continue;
    const int32_t row = row_past[static_cast<size_t>(log.user[i])];
    if (row != kNone) bought_after[static_cast<size_t>(row)] = 1;
  }
  std::vector<Row> x;
  std::vector<uint8_t> labels;
  for (size_t k = 0; k < past.f.size(); ++k) {
    if (past.owns_target[k]) continue;
    x.push_back(past.x[k]);
    labels.push_back(bought_after[k]);
  }
  r.train_learners = x.size();
  r.train_buyers = static_cast<uint64_t>(std::count(labels.begin(), labels.end(), 1));
  if (r.train_buyers == 0 || r.train_buyers == r.train_learners)
    throw InputError((r.train_buyers == 0 ? "no" : "every") + std::string(" learner who did not own ") + what +
                     " on " + format_timestamp(t0).substr(0, 10) + " bought it in the " + std::to_string(o.horizon_days) +
                     " days after: there is no basis for an estimate; choose a longer \"horizonDays\"");
  const Row w = fit_logistic(x, labels, 1.0);
  std::vector<double> fitted;
  for (const auto& row : x) fitted.push_back(dot(row, w));
  r.train_auc = auc(fitted, labels);
  r.feature_names.assign(kSignalNames, kSignalNames + kSignals);
  r.feature_names.insert(r.feature_names.begin(), "intercept");
  r.coefficients.assign(w.begin(), w.end());

  // Scoring now.
  Snapshot now = snapshot(log, end, is_target);
  const size_t n = now.f.size();
  std::vector<double> prob(n, 0);
  std::vector<size_t> cand;
  for (size_t k = 0; k < n; ++k) {
    if (now.owns_target[k]) {
      ++r.owners;
      continue;
    }
    prob[k] = sigmoid(dot(now.x[k], w));
    const bool seg_ok = segment < 0 || static_cast<int>(now.rfm.segment[k]) == segment;
    const bool ante_ok = std::all_of(antecedent.begin(), antecedent.end(), [&](int32_t a) {
      return std::binary_search(now.owned[k].begin(), now.owned[k].end(), a);
    });
    if (!seg_ok || !ante_ok) {
      ++r.filtered_out;
      continue;
    }
    cand.push_back(k);
    r.expected_all += prob[k];
  }
  r.candidates = cand.size();
  std::sort(cand.begin(), cand.end(), [&](size_t a, size_t b) {
    if (prob[a] != prob[b]) return prob[a] > prob[b];
    return log.users.name(now.f.user[a]) < log.users.name(now.f.user[b]);
  });
  if (o.limit > 0 && cand.size() > o.limit) cand.resize(o.limit);
  const size_t nc = log.communities.size();
  std::vector<InviteCommunityCount> counts(nc + 1);
  for (size_t k : cand) {
    InviteTarget t;
    t.learner = std::string(log.users.name(now.f.user[k]));
    t.segment = std::string(rfm_segment_name(now.rfm.segment[k]));
    const int32_t c = now.f.community[k];
    t.community = c == kNone ? "" : std::string(log.communities.name(c));
    t.probability = prob[k];
    t.rule_confidence = now.x[k][1];
    t.similarity = now.x[k][2];
    t.activity = now.activity[k];
    t.community_share = now.x[k][6];
    t.r = now.rfm.r[k];
    t.fm = now.rfm.fm[k];
    if (now.best_antecedent[k] != kNone) t.best_antecedent = std::string(log.items.name(now.best_antecedent[k]));
    r.expected_listed += t.probability;
    auto& cc = counts[c == kNone ? nc : static_cast<size_t>(c)];
    ++cc.listed;
    cc.expected += t.probability;
    r.targets.push_back(std::move(t));
  }
  for (size_t c = 0; c <= nc; ++c) {
    if (counts[c].listed == 0) continue;
    counts[c].community = c < nc ? std::string(log.communities.name(static_cast<int32_t>(c))) : "";
    r.by_community.push_back(counts[c]);
  }
  std::sort(r.by_community.begin(), r.by_community.end(), [](const auto& a, const auto& b) {
    return a.listed > b.listed || (a.listed == b.listed && a.community < b.community);
  });

  // Seeding: ownership by (segment, main community) against the same segment elsewhere.
  std::vector<std::vector<uint64_t>> seg_n(kRfmSegmentCount, std::vector<uint64_t>(nc + 1, 0)), seg_own = seg_n;
  for (size_t k = 0; k < n; ++k) {
    const auto s = static_cast<size_t>(now.rfm.segment[k]);
    const int32_t c = now.f.community[k];
    ++seg_n[s][c == kNone ? nc : static_cast<size_t>(c)];
    seg_own[s][c == kNone ? nc : static_cast<size_t>(c)] += now.owns_target[k];
  }
  for (int s = 0; s < kRfmSegmentCount; ++s) {
    uint64_t total = 0, total_own = 0;
    for (size_t c = 0; c <= nc; ++c) {
      total += seg_n[static_cast<size_t>(s)][c];
      total_own += seg_own[static_cast<size_t>(s)][c];
    }
    for (size_t c = 0; c < nc; ++c) {
      const uint64_t n1 = seg_n[static_cast<size_t>(s)][c], o1 = seg_own[static_cast<size_t>(s)][c];
      const uint64_t n2 = total - n1, o2 = total_own - o1;
      if (n1 < o.min_group || n2 < o.min_group) continue;
      const double p1 = static_cast<double>(o1) / n1, p2 = static_cast<double>(o2) / n2;
      const double se = std::sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
      const double diff = p1 - p2, low = diff - 1.959963984540054 * se, high = diff + 1.959963984540054 * se;
      if (!(low > 0)) continue;
      SeedSuggestion g;
      g.segment = std::string(rfm_segment_name(static_cast<RfmSegment>(s)));
      g.community = std::string(log.communities.name(static_cast<int32_t>(c)));
      g.in_community = n1;
      g.elsewhere = n2;
      g.share_in = p1;
      g.share_elsewhere = p2;
      g.lift = p2 > 0 ? p1 / p2 : kNaN;
      g.difference = diff;
      g.difference_low = low;
      g.difference_high = high;
      g.candidates = n2 - o2;
      g.expected_extra = static_cast<double>(g.candidates) * diff;
      g.expected_extra_low = static_cast<double>(g.candidates) * low;
      g.expected_extra_high = static_cast<double>(g.candidates) * high;
      r.seeding.push_back(std::move(g));
    }
  }
  std::sort(r.seeding.begin(), r.seeding.end(), [](const auto& a, const auto& b) {
    if (a.expected_extra != b.expected_extra) return a.expected_extra > b.expected_extra;
    return a.segment != b.segment ? a.segment < b.segment : a.community < b.community;
  });
  return r;
}

// Option parsing and text output: once per call, optimised for size in the WASM build.
CIRCLEWISE_SIZE_OPTIMISED_BEGIN

InviteTargetOptions invite_target_options_from_json(const nlohmann::json& j) {
  InviteTargetOptions o;
  if (!j.is_object()) throw InputError("target options must be an object naming at least \"course\" or \"courses\"");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "course" || k == "courses") {
      if (v.is_string()) o.courses.push_back(v.get<std::string>());
      else if (v.is_array() && !v.empty()) {
        for (const auto& c : v) {
          if (!c.is_string() || c.get<std::string>().empty()) throw InputError("option \"courses\" must list course ids (strings)");
          o.courses.push_back(c.get<std::string>());
        }
      } else {
        throw InputError("option \"" + k + "\" must be a course id or a non-empty list of them");
      }
    } else if (k == "horizonDays") {
      if (!v.is_number() || !(v.get<double>() >= 1) || v.get<double>() > 3650)
        throw InputError("option \"horizonDays\" must be a number between 1 and 3650");
      o.horizon_days = v.get<double>();
    } else if (k == "limit") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 10000000)
        throw InputError("option \"limit\" must be an integer between 0 (all) and 10000000");
      o.limit = v.get<size_t>();
    } else if (k == "minGroup") {
      if (!v.is_number_integer() || v.get<int64_t>() < 2 || v.get<int64_t>() > 1000000)
        throw InputError("option \"minGroup\" must be an integer between 2 and 1000000");
      o.min_group = v.get<size_t>();
    } else if (k == "segment") {
      if (!v.is_string() && !v.is_null()) throw InputError("option \"segment\" must be a segment name");
      o.segment = v.is_null() ? "" : v.get<std::string>();
    } else if (k == "antecedent") {
      if (v.is_string()) o.antecedent.push_back(v.get<std::string>());
      else if (v.is_array()) {
        for (const auto& c : v) {
          if (!c.is_string()) throw InputError("option \"antecedent\" must list course ids (strings)");
          o.antecedent.push_back(c.get<std::string>());
        }
      } else if (!v.is_null()) {
        throw InputError("option \"antecedent\" must be a course id or a list of them");
      }
    } else {
      throw InputError("unknown target option \"" + k +
                       "\" (known: course, courses, horizonDays, limit, segment, antecedent, minGroup)");
    }
  }
  if (o.courses.empty()) throw InputError("option \"courses\": name the target course (or a bundle's courses)");
  return o;
}

std::string to_json_text(const InviteTargetResult& r) {
  JsonText w;
  w.open('{').key("courses").open('[');
  for (const auto& c : r.courses) w.str(c);
  w.close(']').field("asOf", format_timestamp(r.as_of_ms)).field("owners", r.owners).field("candidates", r.candidates);
  w.field("filteredOut", r.filtered_out).field("expectedConversions", r.expected_listed);
  w.field("expectedConversionsAllCandidates", r.expected_all);
  w.key("model").open('{').field("trainedFrom", format_timestamp(r.train_from_ms));
  w.field("horizonDays", (r.as_of_ms - r.train_from_ms) / static_cast<double>(kDayMs));
  w.field("learners", r.train_learners).field("buyers", r.train_buyers).field("auc", r.train_auc);
  w.key("coefficients").open('{');
  for (size_t i = 0; i < r.coefficients.size(); ++i) w.field(r.feature_names[i], r.coefficients[i]);
  w.close('}').field("basis",
                     "logistic regression of buying in the last window on the signals at its start, applied to the "
                     "signals now; an estimate from this log, assuming the next window behaves like the last");
  w.close('}').key("targets").open('[');
  for (const auto& t : r.targets) {
    w.open('{').field("learner", t.learner).field("probability", t.probability).field("segment", t.segment);
    w.key("community").str_or_null(t.community).field("ruleConfidence", t.rule_confidence);
    w.key("bestAntecedent").str_or_null(t.best_antecedent).field("similarity", t.similarity);
    w.field("activity", t.activity).field("communityShare", t.community_share).field("r", static_cast<double>(t.r));
    w.field("fm", static_cast<double>(t.fm)).close('}');
  }
  w.close(']').key("byCommunity").open('[');
  for (const auto& c : r.by_community)
    w.open('{').key("community").str_or_null(c.community).field("listed", c.listed).field("expected", c.expected).close('}');
  w.close(']').key("seeding").open('[');
  for (const auto& g : r.seeding) {
    w.open('{').field("segment", g.segment).field("community", g.community).field("inCommunity", g.in_community);
    w.field("elsewhere", g.elsewhere).field("shareIn", g.share_in).field("shareElsewhere", g.share_elsewhere);
    w.field("lift", g.lift).field("difference", g.difference);
    w.key("differenceInterval").open('[').num(g.difference_low).num(g.difference_high).close(']');
    w.field("candidates", g.candidates).field("expectedExtra", g.expected_extra);
    w.key("expectedExtraInterval").open('[').num(g.expected_extra_low).num(g.expected_extra_high).close(']').close('}');
  }
  w.close(']').close('}');
  return w.text();
}

std::string to_text(const InviteTargetResult& r) {
  std::ostringstream o;
  char line[320];
  std::snprintf(line, sizeof line,
                "Targets for %s: %llu candidates (non-owners; %llu own it already), %zu listed, expected conversions in "
                "the next %.0f days: %.1f (all candidates: %.1f)\n",
                list(r.courses).c_str(), static_cast<unsigned long long>(r.candidates),
                static_cast<unsigned long long>(r.owners), r.targets.size(),
                (r.as_of_ms - r.train_from_ms) / static_cast<double>(kDayMs), r.expected_listed, r.expected_all);
  o << line;
  std::snprintf(line, sizeof line,
                "Basis: fitted on %llu learners, %llu of whom bought in the last window (in-sample AUC %.3f); an estimate, "
                "not a promise\n\n",
                static_cast<unsigned long long>(r.train_learners), static_cast<unsigned long long>(r.train_buyers),
                std::isfinite(r.train_auc) ? r.train_auc : 0.0);
  o << line;
  std::snprintf(line, sizeof line, "%-20s %6s %-20s %-20s %6s %-12s\n", "learner", "p", "segment", "community", "rule",
                "via");
  o << line;
  for (const auto& t : r.targets) {
    std::snprintf(line, sizeof line, "%-20s %6.3f %-20s %-20s %6.3f %-12s\n", t.learner.c_str(), t.probability,
                  t.segment.c_str(), t.community.c_str(), t.rule_confidence, t.best_antecedent.c_str());
    o << line;
  }
  if (!r.by_community.empty()) {
    o << "\nListed learners already in each community\n";
    for (const auto& c : r.by_community) {
      std::snprintf(line, sizeof line, "  %-22s %6llu  expected %.1f\n", c.community.empty() ? "(none)" : c.community.c_str(),
                    static_cast<unsigned long long>(c.listed), c.expected);
      o << line;
    }
  }
  o << "\nSeed segments into communities (observational estimate; 95% interval)\n";
  if (r.seeding.empty()) o << "  no segment owns the target clearly more often in one community than elsewhere\n";
  for (const auto& g : r.seeding) {
    std::snprintf(line, sizeof line, "  %-20s -> %-20s own %.1f%% vs %.1f%% elsewhere; %llu candidates, +%.1f buyers [%.1f, %.1f]\n",
                  g.segment.c_str(), g.community.c_str(), 100 * g.share_in, 100 * g.share_elsewhere,
                  static_cast<unsigned long long>(g.candidates), g.expected_extra, g.expected_extra_low, g.expected_extra_high);
    o << line;
  }
  return o.str();
}

// Plain string appends, not iostreams: this is reachable from the WASM bindings, and iostreams
// would pull their whole locale machinery into the module.
std::string to_csv(const InviteTargetResult& r) {
  std::string o = "learner,probability,segment,community,ruleConfidence,bestAntecedent,similarity,activity,r,fm\n";
  const auto text = [&o](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
      o += s;
      return;
    }
    o += '"';
    for (char ch : s) o += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    o += '"';
  };
  char buf[128];
  for (const auto& t : r.targets) {
    text(t.learner);
    std::snprintf(buf, sizeof buf, ",%.6f,", t.probability);
    o += buf;
    text(t.segment);
    o += ',';
    text(t.community);
    std::snprintf(buf, sizeof buf, ",%.6f,", t.rule_confidence);
    o += buf;
    text(t.best_antecedent);
    std::snprintf(buf, sizeof buf, ",%.6f,%.0f,%d,%d\n", t.similarity, t.activity, t.r, t.fm);
    o += buf;
  }
  return o;
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
