#pragma once
// Who to invite next: for a target course (or a bundle of courses), rank the learners who own
// none of it by their propensity to buy it, and suggest which segments to seed into which
// community. Definitions (docs/communities.md):
//   - signals, each computed from events up to a time t: the best single-antecedent association
//     rule {owned course} -> target (its confidence among all learners at t), the item-item cosine
//     score of the target for the learner's purchases (the recommender's similarity, summed over
//     owned courses), the RFM R and FM scores (rfm.h), the learner's engagement events in the 30
//     days before t (log1p), and the share of the learner's main community that owns the target;
//   - propensity: a logistic regression of "bought the target within `horizon_days` after t0" on
//     the signals at t0 = end of log − horizon_days, over learners active by t0 who did not own it
//     then (ridge 1 on the slopes, IRLS). Applied to the signals at the end of the log it gives
//     each non-owner's probability of buying in the next `horizon_days`, assuming the next window
//     behaves like the last. Expected conversions = the sum of those probabilities: an estimate
//     from the data, not a promise;
//   - seeding: for each RFM segment s and community c, ownership of the target among segment s's
//     learners whose main community is c versus those of s elsewhere; a pair is suggested when
//     the 95% interval of that difference is above 0 (observational: members of c may differ from
//     others in ways the segment does not capture). Expected extra buyers = s's non-owners outside c
//     × the difference, with the interval scaled the same way.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"

namespace circlewise {

struct InviteTargetOptions {
  std::vector<std::string> courses;  // the target course, or every course of a bundle (required)
  double horizon_days = 30;
  size_t limit = 100;         // learners in the list (0 = all candidates)
  std::string segment;        // only learners in this RFM segment ("" = any)
  std::vector<std::string> antecedent;  // only learners who own all of these (one click from a rule)
  size_t min_group = 5;       // fewest learners of a segment in a community for a seeding estimate
};

struct InviteTarget {
  std::string learner, segment, community;  // community: main community, "" when none
  double probability = 0;
  double rule_confidence = 0, similarity = 0, activity = 0, community_share = 0;
  int r = 0, fm = 0;
  std::string best_antecedent;  // the owned course whose rule gives rule_confidence ("" if none)
};

struct InviteCommunityCount {
  std::string community;
  uint64_t listed = 0;          // learners of the list whose main community this is
  double expected = 0;          // their expected conversions
};

struct SeedSuggestion {
  std::string segment, community;
  uint64_t in_community = 0, elsewhere = 0;   // segment learners with this main community / not
  double share_in = 0, share_elsewhere = 0;   // of them, share owning the target
  double lift = 0, difference = 0, difference_low = 0, difference_high = 0;
  uint64_t candidates = 0;                    // non-owners of the segment outside the community
  double expected_extra = 0, expected_extra_low = 0, expected_extra_high = 0;
};

struct InviteTargetResult {
  std::vector<std::string> courses;
  int64_t as_of_ms = 0, train_from_ms = 0;
  uint64_t owners = 0, candidates = 0, filtered_out = 0;
  uint64_t train_learners = 0, train_buyers = 0;
  double train_auc = 0;  // in-sample ranking quality of the propensity (0.5 = chance)
  std::vector<std::string> feature_names;
  std::vector<double> coefficients;  // intercept first
  double expected_listed = 0, expected_all = 0;
  std::vector<InviteTarget> targets;  // by probability, highest first
  std::vector<InviteCommunityCount> by_community;
  std::vector<SeedSuggestion> seeding;  // by expected extra buyers
};

// Throws InputError: no course given, a course or antecedent that never occurs, an unknown
// segment, or a training window in which nobody (or everybody) bought the target.
InviteTargetResult invite_targets(const EventLog& log, const InviteTargetOptions& options);

// {"courses":["course-001"],"course":"course-001","horizonDays":30,"limit":100,"segment":"At risk",
//  "antecedent":"course-003" | ["course-003","course-005"],"minGroup":5}
InviteTargetOptions invite_target_options_from_json(const nlohmann::json& j);
// Compact JSON text (written directly: far smaller in WASM than building an nlohmann::json).
std::string to_json_text(const InviteTargetResult& r);
std::string to_text(const InviteTargetResult& r);
// learner,probability,segment,community,ruleConfidence,bestAntecedent,similarity,activity,r,fm
std::string to_csv(const InviteTargetResult& r);

}  // namespace circlewise
