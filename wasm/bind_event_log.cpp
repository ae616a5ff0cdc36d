// Event log: streaming reader, the dataset handle, its summary, and the synthetic platform.
#include <emscripten/bind.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/dataset_summary.h"
#include "circlewise/event_reader.h"
#include "circlewise/synthetic_platform.h"
#include "js_error.h"
#include "json_argument.h"

using namespace circlewise;
using wasm::guarded;
using wasm::json_argument;

namespace {

EventReader new_event_reader(const std::string& options_json) {
  return guarded([&] { return EventReader(read_options_from_json(json_argument(options_json))); });
}

void feed(EventReader& r, std::uintptr_t ptr, std::size_t n) {
  guarded([&] { r.feed(std::string_view(reinterpret_cast<const char*>(ptr), n)); });
}

EventLog finish(EventReader& r) {
  return guarded([&] { return r.finish(); });
}

std::string summary_json(const EventLog& log) {
  return guarded([&] { return to_json(summarize(log), log.report).dump(); });
}

std::string events_csv(const EventLog& log) {
  return guarded([&] { return write_events_csv(log); });
}

double event_count(const EventLog& log) { return static_cast<double>(log.size()); }
double events_read(const EventReader& r) { return static_cast<double>(r.events_read()); }

SyntheticPlatform generate(const std::string& options_json) {
  return guarded([&] { return generate_platform(synthetic_options_from_json(json_argument(options_json))); });
}

EventLog take_log(SyntheticPlatform& p) { return std::move(p.log); }

std::string truth_json(const SyntheticPlatform& p) {
  return guarded([&] { return to_json(p.truth).dump(); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(circlewise_event_log) {
  using namespace emscripten;
  class_<EventReader>("EventReader")
      .function("feed", &feed)
      .function("finish", &finish)
      .function("eventsRead", &events_read);
  function("newEventReader", &new_event_reader);
  class_<EventLog>("EventLog")
      .function("summaryJson", &summary_json)
      .function("toCsv", &events_csv)
      .function("size", &event_count);
  class_<SyntheticPlatform>("SyntheticPlatform").function("takeLog", &take_log).function("truthJson", &truth_json);
  function("generatePlatform", &generate);
}
