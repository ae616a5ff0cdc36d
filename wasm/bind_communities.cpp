// Communities on a dataset: health, referrals and invite targets. One entry point (one error
// wrapper, which keeps the module small): what + options JSON in, result JSON (or CSV for a target
// list) out.
#include <emscripten/bind.h>

#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/community_health.h"
#include "circlewise/error.h"
#include "circlewise/invite_targets.h"
#include "circlewise/referrals.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

// what: "health", "referrals", "targets" (JSON) or "targetsCsv".
std::string communities_text(const EventLog& log, const std::string& what, const std::string& options_json) {
  return guarded([&] {
    const nlohmann::json options = json_argument(options_json);
    if (what == "health") return to_json_text(community_health(log, community_health_options_from_json(options)));
    if (what == "referrals") return to_json_text(referrals(log, referral_options_from_json(options)));
    InviteTargetResult r = invite_targets(log, invite_target_options_from_json(options));
    return what == "targetsCsv" ? to_csv(r) : to_json_text(r);
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_communities) { emscripten::function("communitiesText", &communities_text); }
