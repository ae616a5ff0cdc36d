// The number formatting that replaced ostringstream in messages must print exactly what the
// stream printed (messages and auto-k reasons are part of the tested output); the stream is the reference.
#include <gtest/gtest.h>

#include <iomanip>
#include <limits>
#include <sstream>

#include "circlewise/text.h"

namespace circlewise {
namespace {

const double kValues[] = {0.0, -0.0, 1.0, 0.1 + 0.2, 2.0 / 3.0, -1234.5678901234, 1e-7, 6.02214076e23, 1e300,
                          123456789012.0, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};

TEST(FormatNumber, GeneralMatchesOstreamPrecision) {
  for (double v : kValues)
    for (int p : {1, 3, 10, 17}) {
      std::ostringstream o;
      o << std::setprecision(p) << v;
      EXPECT_EQ(format_general(v, p), o.str()) << v << " at precision " << p;
    }
}

TEST(FormatNumber, FixedMatchesOstreamFixed) {
  for (double v : kValues) {
    for (int d : {0, 2, 3, 6}) {
      std::ostringstream o;
      o.setf(std::ios::fixed);
      o.precision(d);
      o << v;
      EXPECT_EQ(format_fixed(v, d), o.str()) << v << " with " << d << " decimals";
    }
  }
}

TEST(FormatNumber, KnownTexts) {
  EXPECT_EQ(format_general(0.1 + 0.2, 10), "0.3");
  EXPECT_EQ(format_general(1e-7, 10), "1e-07");
  EXPECT_EQ(format_fixed(2.0 / 3.0, 3), "0.667");
  EXPECT_EQ(format_fixed(-0.0004, 3), "-0.000");
}

}  // namespace
}  // namespace circlewise
