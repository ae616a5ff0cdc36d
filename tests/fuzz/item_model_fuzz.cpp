// libFuzzer target: item model (see item_model_harness.h for what is fed and what is checked).
#include "item_model_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_item_model_case(data, size);
  return 0;
}
