// libFuzzer target: purchase summary (see purchase_summary_harness.h for what is fed and what is checked).
#include "purchase_summary_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_purchase_summary_case(data, size);
  return 0;
}
