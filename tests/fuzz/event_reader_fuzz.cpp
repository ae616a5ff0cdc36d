// Fuzzes the event log reader: any bytes, any chunking, CSV or JSON, fail or skip mode. The only
// acceptable outcomes are a log (whose summary and CSV export also work) or an InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "circlewise/dataset_summary.h"
#include "circlewise/error.h"
#include "circlewise/event_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  circlewise::ReadOptions o;
  const uint8_t mode = data[0], split = data[1];
  o.format = mode % 3 == 0 ? circlewise::EventFormat::kAuto
                           : mode % 3 == 1 ? circlewise::EventFormat::kCsv : circlewise::EventFormat::kJson;
  o.on_bad_row = (mode & 4) ? circlewise::OnBadRow::kSkip : circlewise::OnBadRow::kFail;
  o.max_field_bytes = 256;
  o.max_problem_details = 8;
  if (mode & 8) o.delimiter = ';';
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  try {
    circlewise::EventReader reader(o);
    // Feed in pieces of `split` bytes (1..256) to exercise every chunk boundary.
    const size_t step = static_cast<size_t>(split) + 1;
    for (size_t i = 0; i < input.size(); i += step) reader.feed(input.substr(i, step));
    auto log = reader.finish();
    auto summary = circlewise::summarize(log);
    (void)circlewise::to_json(summary, log.report).dump();
    (void)circlewise::write_events_csv(log);
  } catch (const circlewise::InputError&) {
  }
  return 0;
}
