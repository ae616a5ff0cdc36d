#pragma once
// Command-line arguments shared by every circlewise subcommand.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "circlewise/event_log.h"

namespace circlewise::cli {

// Bad usage (exit 2), as opposed to bad input (InputError, exit 1).
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> flags;  // --name value ("" for switches)

  bool has(const std::string& name) const;
  // The last value of --name, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  // Rejects flags not in `known` (each a name) so typos do not pass silently.
  void allow(const std::vector<std::string>& known) const;
};

// Switches (flags without a value) are listed here; every other --flag takes one value,
// given as `--name value` or `--name=value`.
Args parse_args(int argc, char** argv, int from, const std::vector<std::string>& switches);

// The value of --name as JSON for an option reader, which then checks its range: a whole number
// stays an integer ("--top 5" passes an integer check, "--limit 3.5" is refused there, not
// truncated). UsageError `--name takes a number, got "v"` for anything that is not entirely a finite
// number ("5x", "nan", "inf", ""), which std::stod would partly accept.
nlohmann::json flag_number_json(const Args& a, const std::string& name);

// Reads an event log named by the first positional argument ("-" = stdin), honouring the
// shared reading flags --format, --delimiter, --skip-bad-rows and --column field=name.
EventLog read_log_arg(const Args& a);
// The reading flags above, for allow().
const std::vector<std::string>& read_flags();

}  // namespace circlewise::cli
