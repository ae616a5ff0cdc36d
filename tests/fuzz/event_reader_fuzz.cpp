// libFuzzer target for the event log reader (CSV, JSON, NDJSON; any chunking; fail or skip mode).
#include "event_reader_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_event_reader_case(data, size);
  return 0;
}
