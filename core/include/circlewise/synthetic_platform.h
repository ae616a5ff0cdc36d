#pragma once
// A deterministic, realistic synthetic course platform: learners join communities (some invited
// by other learners), browse, enrol, pay, complete, share, get refunds and churn; courses sell in
// planted pairs. It is the demo dataset and the source of test and benchmark data of any size.
// The planted effects are returned as `SyntheticTruth` so tests can check that analyses recover them.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"

namespace circlewise {

struct SyntheticOptions {
  uint64_t seed = 42;
  size_t learners = 2000;
  size_t courses = 30;
  size_t communities = 5;
  size_t days = 365;
  int64_t start_ms = 1735689600000;  // 2025-01-01T00:00:00Z
  // When > 0: keep adding learners until exactly this many events exist (learners is ignored).
  size_t events = 0;
  // Community effects for the communities analyses, drawn from their own seed stream so that the
  // platform without them stays byte-identical. `advocates`: the first N learners who belong to a
  // community become advocates; a later learner joining the same community is brought by one of
  // them with probability `advocate_invite_probability` (in the truth). `declining_community`: the
  // second community (the first when there is one) loses its learners after two thirds of the
  // period: each member's activity ends within days of `decline_day`.
  size_t advocates = 0;
  bool declining_community = false;
};

struct SyntheticTruth {
  // (anchor course, follow-up course): a buyer of the anchor buys the follow-up with
  // probability `bundle_follow_probability`; other courses are bought independently.
  std::vector<std::pair<std::string, std::string>> bundles;
  double bundle_follow_probability = 0;
  // Purchase probability after enrolling, per community (index = order of `community_names`).
  std::vector<std::string> community_names;
  std::vector<double> community_purchase_probability;
  double referred_purchase_multiplier = 0;  // learners invited by a learner buy this much more often
  double mean_active_days = 0;              // mean learner lifetime before churn
  // Only with the options of the same names (empty / 0 otherwise).
  std::vector<std::string> advocates;       // learner ids, in order of creation
  double advocate_invite_probability = 0;
  std::string declining_community;
  double decline_day = 0;                   // days after start when its members start leaving
};

struct SyntheticPlatform {
  EventLog log;
  SyntheticTruth truth;
};

// Throws InputError for out-of-range options (names the option and its range).
SyntheticPlatform generate_platform(const SyntheticOptions& options);

// {"seed":7,"learners":500,"courses":20,"communities":4,"days":180,"start":"2025-01-01","events":0,
//  "advocates":0,"decliningCommunity":false}
SyntheticOptions synthetic_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const SyntheticTruth& truth);

}  // namespace circlewise
