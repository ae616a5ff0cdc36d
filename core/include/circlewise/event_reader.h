#pragma once
// Reading event logs from CSV or JSON (array of objects, or NDJSON), fed in chunks of any size so
// that a large file never has to be in memory twice: the bytes of one chunk plus the columns.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"

namespace circlewise {

// The input's field names for each event attribute (exports name them differently).
struct EventColumns {
  std::string user_id = "user_id";
  std::string item_id = "item_id";
  std::string event = "event";
  std::string ts = "ts";
  std::string amount = "amount";
  std::string community = "community";
  std::string referrer = "referrer";
};

enum class EventFormat { kAuto, kCsv, kJson };
enum class OnBadRow { kFail, kSkip };

struct ReadOptions {
  EventFormat format = EventFormat::kAuto;  // auto: '[' or '{' first means JSON, else CSV
  EventColumns columns;
  OnBadRow on_bad_row = OnBadRow::kFail;
  char delimiter = ',';
  size_t max_events = 50'000'000;        // refuse larger inputs early rather than run out of memory
  size_t max_field_bytes = 64 * 1024;    // a longer field means this is not an event log
  size_t max_problem_details = 1000;     // skipped rows are all counted; this many are itemised
};

// Options from JSON, e.g. {"format":"csv","onBadRow":"skip","columns":{"user_id":"learner"}}.
// Unknown keys and bad values are rejected with the key's name.
ReadOptions read_options_from_json(const nlohmann::json& j);

class EventReader {
 public:
  explicit EventReader(ReadOptions options = {});
  ~EventReader();
  EventReader(EventReader&&) noexcept;
  EventReader& operator=(EventReader&&) noexcept;

  // Consumes the next bytes of the input. Throws InputError on the first bad row in fail mode.
  void feed(std::string_view bytes);
  // Ends the input and hands over the log. The reader cannot be used afterwards.
  EventLog finish();

  size_t bytes_read() const;
  size_t events_read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whole-input conveniences.
EventLog read_events(std::string_view text, const ReadOptions& options = {});
EventLog read_events_file(const std::string& path, const ReadOptions& options = {});

// Writes the log back as CSV with the default column names (amount/community/referrer columns
// are always present, empty where absent). read_events(write_events_csv(x)) reproduces x.
std::string write_events_csv(const EventLog& log);

}  // namespace circlewise
