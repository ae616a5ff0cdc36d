#include "circlewise/timestamp.h"

#include <gtest/gtest.h>

#include <ctime>

using circlewise::format_timestamp;
using circlewise::parse_timestamp;

namespace {
int64_t ms(const char* s) {
  auto r = parse_timestamp(s);
  EXPECT_TRUE(r.ok) << s << ": " << r.problem;
  return r.ms;
}
// Independent reference: glibc's timegm.
int64_t timegm_ms(int y, int mo, int d, int h, int mi, int s) {
  std::tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = s;
  return static_cast<int64_t>(timegm(&t)) * 1000;
}
}  // namespace

TEST(Timestamp, AgreesWithTimegmAcrossTheRange) {
  for (int y = 1970; y <= 2099; y += 7)
    for (int mo = 1; mo <= 12; mo += 5) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%04d-%02d-28T13:45:59Z", y, mo);
      EXPECT_EQ(ms(buf), timegm_ms(y, mo, 28, 13, 45, 59)) << buf;
    }
  EXPECT_EQ(ms("2024-02-29"), timegm_ms(2024, 2, 29, 0, 0, 0));
}

TEST(Timestamp, ReadsZonesFractionsAndUnixSeconds) {
  EXPECT_EQ(ms("2024-05-01T12:00:00+02:00"), ms("2024-05-01T10:00:00Z"));
  EXPECT_EQ(ms("2024-05-01T12:00:00-0530"), ms("2024-05-01T17:30:00Z"));
  EXPECT_EQ(ms("2024-05-01 10:00"), ms("2024-05-01T10:00:00Z"));
  EXPECT_EQ(ms("2024-05-01T10:00:00.25Z") - ms("2024-05-01T10:00:00Z"), 250);
  EXPECT_EQ(ms("1714557600"), ms("2024-05-01T10:00:00Z"));
  EXPECT_EQ(ms("1714557600.5"), ms("2024-05-01T10:00:00.5Z"));
}

TEST(Timestamp, RejectsImpossibleDatesAndOutOfRange) {
  for (const char* bad : {"2023-02-29", "2024-04-31", "2024-00-10", "2024-01-01T24:00", "2024-01-01T10:60",
                          "1969-12-31T23:59:59Z", "2100-01-01", "-5", "1714557600000", "yesterday", "2024-1-1",
                          "2024-01-01T10:00:00.1234Z", "2024-01-01T10:00:00Zjunk"}) {
    auto r = parse_timestamp(bad);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_FALSE(r.problem.empty()) << bad;
  }
  EXPECT_NE(parse_timestamp("1714557600000").problem.find("milliseconds"), std::string::npos);
}

TEST(Timestamp, FormatsBackToTheSameInstant) {
  for (const char* s : {"1970-01-01T00:00:00Z", "2024-02-29T23:59:59.999Z", "2099-12-31T23:59:59Z"})
    EXPECT_EQ(format_timestamp(ms(s)), s);
}
