// libFuzzer target: privacy state (see privacy_state_harness.h for what is fed and what is checked).
#include "privacy_state_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_privacy_state_case(data, size);
  return 0;
}
