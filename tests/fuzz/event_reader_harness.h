#pragma once
// The event reader fuzz harness, shared by the libFuzzer target and the native regression test
// that replays every input the fuzzer ever crashed on (tests/fuzz/regressions/event_reader/).
// The only acceptable outcomes: a log whose summary, JSON and CSV export work, or an InputError.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "circlewise/dataset_summary.h"
#include "circlewise/error.h"
#include "circlewise/event_reader.h"

inline void run_event_reader_case(const uint8_t* data, size_t size) {
  if (size < 2) return;
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
    // Feed in pieces of `split` + 1 bytes to exercise every chunk boundary.
    const size_t step = static_cast<size_t>(split) + 1;
    for (size_t i = 0; i < input.size(); i += step) reader.feed(input.substr(i, step));
    auto log = reader.finish();
    auto summary = circlewise::summarize(log);
    (void)circlewise::to_json(summary, log.report).dump();
    (void)circlewise::to_text(summary, log.report);
    (void)circlewise::write_events_csv(log);
  } catch (const circlewise::InputError& e) {
    // The message is shown to users and crosses into JS: it must be valid JSON text too.
    (void)nlohmann::json(e.what()).dump();
  }
}
