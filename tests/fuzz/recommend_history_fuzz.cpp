// libFuzzer target: the recommender's text history (see recommend_history_harness.h).
#include "recommend_history_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_recommend_history_case(data, size);
  return 0;
}
