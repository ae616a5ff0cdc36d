#include <iostream>

#include "circlewise/dataset_summary.h"
#include "commands.h"

namespace circlewise::cli {

int inspect(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows"});
  auto known = read_flags();
  known.push_back("json");
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("inspect takes one file (or - for stdin)");
  EventLog log = read_log_arg(a);
  auto summary = summarize(log);
  if (a.has("json")) {
    std::cout << to_json(summary, log.report).dump(2) << "\n";
  } else {
    std::cout << to_text(summary, log.report);
  }
  return 0;
}

}  // namespace circlewise::cli
