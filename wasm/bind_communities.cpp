// Communities on a dataset: health, referrals and invite targets. Options JSON in, result JSON
// (or CSV for a target list) out.
#include <emscripten/bind.h>

#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/community_health.h"
#include "circlewise/invite_targets.h"
#include "circlewise/referrals.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

std::string community_health_json(const EventLog& log, const std::string& options_json) {
  return guarded([&] {
    return to_json(community_health(log, community_health_options_from_json(json_argument(options_json)))).dump();
  });
}

std::string referrals_json(const EventLog& log, const std::string& options_json) {
  return guarded([&] { return to_json(referrals(log, referral_options_from_json(json_argument(options_json)))).dump(); });
}

// format: "json" or "csv" (the target list only).
std::string invite_targets_text(const EventLog& log, const std::string& options_json, const std::string& format) {
  return guarded([&] {
    InviteTargetResult r = invite_targets(log, invite_target_options_from_json(json_argument(options_json)));
    return format == "csv" ? to_csv(r) : to_json(r).dump();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_communities) {
  emscripten::function("communityHealthJson", &community_health_json);
  emscripten::function("referralsJson", &referrals_json);
  emscripten::function("inviteTargetsText", &invite_targets_text);
}
