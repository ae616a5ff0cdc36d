// libFuzzer target: marketing history (see marketing_history_harness.h for what is fed and what is checked).
#include "marketing_history_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_marketing_history_case(data, size);
  return 0;
}
