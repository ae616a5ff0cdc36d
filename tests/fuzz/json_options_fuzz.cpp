// libFuzzer target: json options (see json_options_harness.h for what is fed and what is checked).
#include "json_options_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_json_options_case(data, size);
  return 0;
}
