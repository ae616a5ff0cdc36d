#pragma once
// Referrals and word of mouth, from the optional `referrer` column: who brought whom, how far the
// chains reach, the viral coefficient per community and period, and the advocates to reward.
// Definitions (docs/communities.md):
//   - learners: ids with at least one event; a learner's referrer is the `referrer` of their
//     earliest event that has one (later, different referrers are counted as conflicting, unused);
//     the referral happens at that event, in its community and period;
//   - self-referrals (referrer = the learner) are counted and dropped: the learner is not referred;
//   - a referrer with no event of its own is unknown: the learner still counts as referred (an
//     accepted invite) at generation 1, but the referrer is not a learner and never an advocate;
//   - cycles (A brought B, B brought A, ...) cannot happen in time but do in messy exports: in each
//     cycle the edge into the member with the earliest first event (ties: first in the dictionary)
//     is dropped, making it a root; cycles and the learners on them are counted;
//   - generation: 0 for a learner nobody referred, parent's + 1 otherwise;
//   - attribution: a learner's net revenue (purchases minus refunds) is attributed in full to the
//     direct referrer ("direct") and to every ancestor up the chain ("chain"). Each learner is
//     counted once per ancestor, so chain totals of different advocates overlap by design; the
//     platform's total referred revenue is the sum of the direct column;
//   - per community and period: invitesSent = share events; accepted = referrals made there then;
//     invitesPerActive = invitesSent / active learners (any event except join, leave, refund);
//     acceptance = accepted / invitesSent; kFactor = invitesPerActive × acceptance = accepted /
//     active; referralConversion = accepted learners who ever purchased / accepted; cycleTimeDays =
//     median days from the referrer's first event to the referral (known referrers only).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"
#include "circlewise/retention.h"

namespace circlewise {

enum class AdvocateRank { kMembers, kRevenue };

struct ReferralOptions {
  RetentionPeriod period = RetentionPeriod::kMonth;
  size_t top = 20;                              // advocates listed
  AdvocateRank rank_by = AdvocateRank::kMembers;  // chain members (then chain revenue) or the reverse
};

struct Advocate {
  int32_t user = kNone;
  std::string id;
  std::string community;  // of the learner's first event naming one; "" when none does
  uint64_t direct = 0, chain = 0;  // learners brought directly / through the whole chain below
  double direct_revenue = 0, chain_revenue = 0;
  uint32_t depth = 0;  // generations below this learner
};

struct ReferralPeriod {
  int64_t period = 0;
  uint64_t invites_sent = 0, accepted = 0, active = 0, converted = 0;
  double invites_per_active = 0, acceptance = 0, k_factor = 0, referral_conversion = 0, cycle_time_days = 0;  // NaN = undefined
};

struct CommunityReferrals {
  std::string community;  // "(none)" for referrals on events that name no community
  uint64_t learners = 0;  // learners whose first community is this one
  uint64_t referred = 0, converted_referred = 0, converted_unreferred = 0;
  double referred_conversion = 0, unreferred_conversion = 0;  // NaN = undefined
  uint32_t max_generation = 0;
  std::vector<ReferralPeriod> periods;  // only periods with shares, referrals or activity
};

struct ReferralResult {
  RetentionPeriod period = RetentionPeriod::kMonth;
  uint64_t learners = 0, referred = 0, referred_by_unknown = 0;
  uint64_t self_referrals = 0, conflicting_referrers = 0;
  uint64_t unknown_referrers = 0;  // distinct referrer ids with no event of their own
  uint64_t cycles = 0, learners_in_cycles = 0;
  uint64_t converted_referred = 0, converted_unreferred = 0;
  double referred_conversion = 0, unreferred_conversion = 0, k_factor = 0;  // k = referred / learners
  std::vector<uint64_t> generations;  // learners per generation 0, 1, 2, ...
  std::vector<CommunityReferrals> communities;
  std::vector<Advocate> advocates;
  // Per user code, after cleaning: the referrer (kNone: not referred; kUnknownReferrer) and generation.
  std::vector<int32_t> referrer_of;
  std::vector<uint32_t> generation;
};
constexpr int32_t kUnknownReferrer = -2;

ReferralResult referrals(const EventLog& log, const ReferralOptions& options);

// {"period":"month","top":20,"rankBy":"members"|"revenue"}
ReferralOptions referral_options_from_json(const nlohmann::json& j);
// Compact JSON text (written directly: far smaller in WASM than building an nlohmann::json).
std::string to_json_text(const ReferralResult& r);
std::string to_text(const ReferralResult& r);

}  // namespace circlewise
