#include "circlewise/timestamp.h"

#include <cstdio>

namespace circlewise {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool read_digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

TimestampParse fail(std::string why) {
  TimestampParse r;
  r.problem = std::move(why);
  return r;
}

TimestampParse in_range(int64_t ms) {
  if (ms < kMinTimestampMs || ms > kMaxTimestampMs)
    return fail("is outside the accepted range 1970-01-01 to 2099-12-31");
  TimestampParse r;
  r.ok = true;
  r.ms = ms;
  return r;
}

// Fraction digits after '.', to milliseconds. More than 3 digits must be zeros beyond the third:
// we keep milliseconds and refuse to round silently.
bool read_fraction(std::string_view s, size_t& pos, int64_t& ms, bool& lossy) {
  size_t start = pos;
  int64_t v = 0;
  size_t n = 0;
  lossy = false;
  while (pos < s.size() && is_digit(s[pos])) {
    if (n < 3) {
      v = v * 10 + (s[pos] - '0');
    } else if (s[pos] != '0') {
      lossy = true;
    }
    ++n;
    ++pos;
  }
  if (pos == start) return false;
  for (size_t i = n; i < 3; ++i) v *= 10;
  ms = v;
  return true;
}

TimestampParse parse_unix_seconds(std::string_view s) {
  size_t pos = 0;
  int64_t secs = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (secs > 1'000'000'000'000LL) return fail("is outside the accepted range 1970-01-01 to 2099-12-31");
    secs = secs * 10 + (s[pos] - '0');
    ++pos;
  }
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    bool lossy = false;
    if (!read_fraction(s, pos, frac, lossy)) return fail("is not a valid timestamp");
    if (lossy) return fail("has more precision than milliseconds");
  }
  if (pos != s.size()) return fail("is not a valid timestamp");
  if (secs > kMaxTimestampMs / 1000 + 1)
    return fail("is outside the accepted range 1970-01-01 to 2099-12-31 (Unix seconds expected, "
                "not milliseconds)");
  return in_range(secs * 1000 + frac);
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  // Shift the year to start in March so the leap day is the last day of the "year".
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

TimestampParse parse_timestamp(std::string_view s) {
  if (s.empty()) return fail("is empty");
  // Unix seconds: digits only (a date always has '-' at position 4).
  if (s.size() < 5 || s[4] != '-') {
    for (char c : s)
      if (!is_digit(c) && c != '.') {
        if (c == '-') return fail("is outside the accepted range 1970-01-01 to 2099-12-31");
        return fail("is not a valid timestamp (expected ISO-8601 like 2024-05-01T12:00:00Z or Unix seconds)");
      }
    return parse_unix_seconds(s);
  }
  const char* kShape = "is not a valid timestamp (expected ISO-8601 like 2024-05-01T12:00:00Z or Unix seconds)";
  size_t pos = 0;
  int64_t year, month, day;
  if (!read_digits(s, pos, 4, year) || s[pos++] != '-' || !read_digits(s, pos, 2, month) ||
      pos >= s.size() || s[pos++] != '-' || !read_digits(s, pos, 2, day))
    return fail(kShape);
  if (month < 1 || month > 12) return fail("is not a valid timestamp: month must be 01-12");
  if (day < 1 || day > static_cast<int64_t>(days_in_month(year, static_cast<unsigned>(month))))
    return fail("is not a valid timestamp: no such day in that month");
  int64_t hour = 0, minute = 0, second = 0, frac = 0, offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return fail(kShape);
    ++pos;
    if (!read_digits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' ||
        !read_digits(s, pos, 2, minute))
      return fail(kShape);
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!read_digits(s, pos, 2, second)) return fail(kShape);
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        bool lossy = false;
        if (!read_fraction(s, pos, frac, lossy)) return fail(kShape);
        if (lossy) return fail("has more precision than milliseconds");
      }
    }
    if (hour > 23 || minute > 59 || second > 59)
      return fail("is not a valid timestamp: time of day out of range");
    if (pos < s.size()) {
      char z = s[pos];
      if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        int64_t oh = 0, om = 0;
        if (!read_digits(s, pos, 2, oh)) return fail(kShape);
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (pos < s.size() && !read_digits(s, pos, 2, om)) return fail(kShape);
        if (oh > 14 || om > 59) return fail("is not a valid timestamp: zone offset out of range");
        offset_min = (z == '+' ? 1 : -1) * (oh * 60 + om);
      } else {
        return fail(kShape);
      }
    }
    if (pos != s.size()) return fail(kShape);
  }
  if (year < 1969 || year > 2100) return fail("is outside the accepted range 1970-01-01 to 2099-12-31");
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  return in_range(secs * 1000 + frac);
}

std::string format_timestamp(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t frac = ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  CivilDate d = civil_from_days(days);
  char buf[96];
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(frac));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  }
  return buf;
}

}  // namespace circlewise
