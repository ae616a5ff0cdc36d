#pragma once
// A platform's behaviour log, stored by column: one entry per event in each vector, string ids
// dictionary-encoded. This is the dataset every analysis reads.
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "circlewise/dictionary.h"

namespace circlewise {

// The event names the analyses understand. Other names are kept (as custom events) and reported.
enum class EventType : int32_t {
  kView = 0,
  kClick,
  kEnroll,
  kPurchase,
  kComplete,
  kShare,
  kJoin,
  kLeave,
  kRefund,
};
constexpr int32_t kKnownEventTypes = 9;
constexpr std::array<std::string_view, kKnownEventTypes> kKnownEventNames = {
    "view", "click", "enroll", "purchase", "complete", "share", "join", "leave", "refund"};

constexpr int32_t kNone = -1;  // no item / community / referrer for this event

// One problem found while reading input. `line` is the 1-based physical line where the record
// starts (CSV) or the 1-based record number (JSON); `column` is the field name, empty when the
// problem is about the whole row.
struct RowProblem {
  size_t line = 0;
  std::string column;
  std::string message;
};

// What happened while a log was read: nothing the user gave is dropped without being counted here.
struct IngestReport {
  size_t bytes = 0;
  size_t records = 0;        // data rows / JSON records seen (excluding header and blank lines)
  size_t events = 0;         // rows kept
  size_t skipped_rows = 0;   // rows rejected in skip mode (all counted)
  size_t blank_lines = 0;    // empty lines, which carry no data
  std::vector<RowProblem> problems;   // details of skipped rows, the first `max_problem_details`
  std::vector<std::string> ignored_columns;  // header columns that map to no field
};

struct EventLog {
  EventLog();

  Dictionary users;        // learner ids (user_id and referrer share one id space)
  Dictionary items;        // course / product ids
  Dictionary communities;  // community / channel names
  Dictionary event_names;  // the 9 known names first (codes 0..8), custom names after

  std::vector<int32_t> user;
  std::vector<int32_t> item;       // kNone for events about no course
  std::vector<int32_t> event;
  std::vector<int64_t> ts_ms;      // UTC milliseconds since the Unix epoch
  std::vector<double> amount;      // money; NaN when the row had no amount
  std::vector<int32_t> community;  // kNone when not given
  std::vector<int32_t> referrer;   // a user code, kNone when not given

  IngestReport report;

  size_t size() const { return user.size(); }
  void reserve(size_t n);
  // Appends one already-validated event. Strings are interned here.
  void append(std::string_view user_id, std::string_view item_id, std::string_view event_name,
              int64_t ts, double money, std::string_view community_name,
              std::string_view referrer_id);
  static bool has_amount(double money) { return money == money; }
  static constexpr double kNoAmount = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace circlewise
