// Replays every input a fuzzer crashed on (tests/fuzz/regressions/<target>/) and every seed
// (tests/fuzz/corpus/<target>/) through the same harness as the fuzz target, so a fixed crash
// stays fixed in the ordinary (and sanitized) test run, also where libFuzzer is not available.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "../fuzz/event_reader_harness.h"
#include "../fuzz/item_model_harness.h"
#include "../fuzz/json_options_harness.h"
#include "../fuzz/ldp_reports_harness.h"
#include "../fuzz/marketing_history_harness.h"
#include "../fuzz/privacy_state_harness.h"
#include "../fuzz/purchase_summary_harness.h"
#include "../fuzz/recommend_history_harness.h"

namespace fs = std::filesystem;
namespace {

// Runs every file of tests/fuzz/{regressions,corpus}/<target>/; returns how many there were.
size_t replay(const std::string& target, void (*harness)(const uint8_t*, size_t)) {
  const fs::path fuzz = fs::path(CIRCLEWISE_FIXTURES).parent_path() / "fuzz";
  size_t n = 0;
  for (const char* kind : {"regressions", "corpus"}) {
    const fs::path dir = fuzz / kind / target;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_NO_THROW(harness(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) << entry.path();
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST(FuzzRegressions, EventReaderCrashInputsNowEndInALogOrAnInputError) {
  EXPECT_GT(replay("event_reader", run_event_reader_case), 0u);
  EXPECT_TRUE(fs::exists(fs::path(CIRCLEWISE_FIXTURES).parent_path() / "fuzz/regressions/event_reader"));
}
TEST(FuzzRegressions, ItemModel) { EXPECT_GT(replay("item_model", run_item_model_case), 0u); }
TEST(FuzzRegressions, LdpReports) { EXPECT_GT(replay("ldp_reports", run_ldp_reports_case), 0u); }
TEST(FuzzRegressions, RecommendHistory) { EXPECT_GT(replay("recommend_history", run_recommend_history_case), 0u); }
TEST(FuzzRegressions, PrivacyState) { EXPECT_GT(replay("privacy_state", run_privacy_state_case), 0u); }
TEST(FuzzRegressions, MarketingHistory) { EXPECT_GT(replay("marketing_history", run_marketing_history_case), 0u); }
TEST(FuzzRegressions, PurchaseSummary) { EXPECT_GT(replay("purchase_summary", run_purchase_summary_case), 0u); }
TEST(FuzzRegressions, JsonOptions) { EXPECT_GT(replay("json_options", run_json_options_case), 0u); }
