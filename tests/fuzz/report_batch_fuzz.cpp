// libFuzzer target for the collector's request body parser (report_batch.h); see the harness.
#include "report_batch_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_report_batch_case(data, size);
  return 0;
}
