#include <fstream>
#include <iostream>

#include "circlewise/error.h"
#include "circlewise/event_reader.h"
#include "circlewise/synthetic_platform.h"
#include "commands.h"

namespace circlewise::cli {

int generate(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"declining-community"});
  a.allow({"seed", "learners", "events", "courses", "communities", "days", "start", "truth", "advocates",
           "declining-community"});
  if (!a.positional.empty()) throw UsageError("generate takes no file arguments");
  nlohmann::json opts = nlohmann::json::object();
  for (const auto& [k, v] : a.flags) {
    if (k == "truth") continue;
    if (k == "declining-community") {
      opts["decliningCommunity"] = true;
      continue;
    }
    if (k == "start") {
      opts[k] = v;
      continue;
    }
    opts[k] = number_json(k, v);
  }
  auto platform = generate_platform(synthetic_options_from_json(opts));
  std::cout << write_events_csv(platform.log);
  if (a.has("truth")) {
    std::ofstream t(a.get("truth"));
    if (!t) throw InputError("cannot write \"" + a.get("truth") + "\"");
    t << to_json(platform.truth).dump(2) << "\n";
  }
  return 0;
}

}  // namespace circlewise::cli
