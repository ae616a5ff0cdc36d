#pragma once
// Command-line arguments shared by every circlewise subcommand.
#include <cstdint>
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

// The one parser for number flags. `text` as JSON for an option reader, which then checks its range: a
// whole number stays an exact integer ("--top 5", "--seed 18446744073709551615" pass an integer check,
// "--limit 3.5" is refused there by name, never truncated here). UsageError `--flag takes a number, got
// "v"` for anything that is not entirely a finite decimal number: "5x", "nan", "inf", "1e999", "0x10",
// " 5", "" (std::strtod alone would accept or partly accept several). "-0" is 0.
nlohmann::json number_json(const std::string& flag, const std::string& text);
// number_json of the last value of --name.
nlohmann::json flag_number_json(const Args& a, const std::string& name);
// "1,2.5,3" as a JSON array of number_json values; UsageError `--flag takes numbers separated by
// commas, got "v"` otherwise (an empty list or item included).
nlohmann::json numbers_json(const std::string& flag, const std::string& text);
// For a flag the CLI itself consumes (no option reader behind it): an integer in [lo, hi], else
// UsageError `--name must be an integer in [lo, hi], got "v"` (fractions included, never truncated).
int64_t flag_integer(const Args& a, const std::string& name, int64_t lo, int64_t hi);

// Reads an event log named by the first positional argument ("-" = stdin), honouring the
// shared reading flags --format, --delimiter, --skip-bad-rows and --column field=name.
EventLog read_log_arg(const Args& a);
// The reading flags above, for allow().
const std::vector<std::string>& read_flags();

}  // namespace circlewise::cli
