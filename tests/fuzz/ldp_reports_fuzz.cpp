// libFuzzer target: ldp reports (see ldp_reports_harness.h for what is fed and what is checked).
#include "ldp_reports_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_ldp_reports_case(data, size);
  return 0;
}
