// Replays every input the report-batch fuzzer crashed on (tests/fuzz/regressions/report_batch/), so
// a fixed crash stays fixed in the ordinary and the sanitized test runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "../fuzz/report_batch_harness.h"

namespace fs = std::filesystem;

TEST(FuzzRegressions, ReportBatchCrashInputsNowEndInVerdictsOrAnInputError) {
  const fs::path dir = fs::path(CIRCLEWISE_FIXTURES).parent_path() / "fuzz" / "regressions" / "report_batch";
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(run_report_batch_case(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) << entry.path();
    ++n;
  }
  EXPECT_GT(n, 0u);
}
