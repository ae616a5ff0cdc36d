#pragma once
// Timestamps in event logs: ISO-8601 text or Unix seconds, stored as UTC milliseconds.
#include <cstdint>
#include <string>
#include <string_view>

namespace circlewise {

// The accepted range: 1970-01-01T00:00:00Z to 2099-12-31T23:59:59.999Z. Anything outside is far
// more likely a unit mix-up (milliseconds given as seconds) than a real course event.
constexpr int64_t kMinTimestampMs = 0;
constexpr int64_t kMaxTimestampMs = 4102444799999;

struct TimestampParse {
  bool ok = false;
  int64_t ms = 0;
  std::string problem;  // why it was rejected, when !ok
};

// Accepts: "2024-05-01", "2024-05-01T12:30", "2024-05-01T12:30:15", "2024-05-01 12:30:15.250",
// each optionally followed by "Z" or an offset "+02:00" / "-0530"; or Unix seconds "1714566615"
// (optionally with a fraction "1714566615.25"). Text without a zone is taken as UTC.
TimestampParse parse_timestamp(std::string_view text);

// "2024-05-01T12:30:15Z", with ".250" milliseconds only when they are non-zero.
std::string format_timestamp(int64_t ms);

// Days since 1970-01-01 for a proleptic Gregorian date (any valid date; no range check).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};
CivilDate civil_from_days(int64_t days);

}  // namespace circlewise
