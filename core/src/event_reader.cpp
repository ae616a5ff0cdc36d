#include "circlewise/event_reader.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/text.h"
#include "circlewise/timestamp.h"

namespace circlewise {
namespace {

// The attributes of an event, in the order of EventColumns.
enum Field : int { kUser = 0, kItem, kEvent, kTs, kAmount, kCommunity, kReferrer, kFieldCount };
constexpr int kIgnored = -1;

std::array<const std::string*, kFieldCount> column_names(const EventColumns& c) {
  return {&c.user_id, &c.item_id, &c.event, &c.ts, &c.amount, &c.community, &c.referrer};
}

bool is_required(int f) { return f == kUser || f == kEvent || f == kTs; }

// A value at the edge of validation: where it came from, and the text.
struct RowValues {
  std::array<std::string_view, kFieldCount> text{};
  std::array<bool, kFieldCount> present{};
};

// Amount: a plain non-negative decimal ("19", "19.99", "+5"). Exponents, thousands separators,
// currency symbols, NaN and Infinity are rejected rather than guessed at.
bool parse_amount(std::string_view s, double& out, std::string& why) {
  s = trim(s);
  if (s.empty()) {
    out = EventLog::kNoAmount;
    return true;
  }
  size_t pos = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    ++pos;
  }
  uint64_t mantissa = 0;
  int digits = 0, frac_digits = 0;
  bool seen_dot = false, any_digit = false;
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (digits < 18) {
        mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
        if (mantissa != 0) ++digits;
        if (seen_dot) ++frac_digits;
      } else if (!seen_dot) {
        why = "is too large for an amount";
        return false;
      }
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      why = "is not a number (amounts are plain decimals like 19.99)";
      return false;
    }
  }
  if (!any_digit) {
    why = "is not a number (amounts are plain decimals like 19.99)";
    return false;
  }
  if (negative && mantissa != 0) {
    why = "is negative; amounts must be >= 0 (record refunds as \"refund\" events)";
    return false;
  }
  // Both operands are exact integers below 2^63, so one correctly rounded division gives the
  // nearest double on every platform; beyond 15 digits defer to strtod (also correctly rounded).
  if (digits <= 15) {
    static const double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
    out = static_cast<double>(mantissa) / kPow10[frac_digits];
  } else {
    std::string copy(s);
    out = std::strtod(copy.c_str(), nullptr);
  }
  if (out > 1e12) {
    why = "is too large for an amount (limit 1e12)";
    return false;
  }
  return true;
}

struct Problem {
  int field = kIgnored;  // kIgnored: the whole row
  std::string message;
};

}  // namespace

struct EventReader::Impl {
  explicit Impl(ReadOptions o) : opt(std::move(o)), names(column_names(opt.columns)) {
    for (int f = 0; f < kFieldCount; ++f)
      if (names[f]->empty()) throw InputError("column name for a field must not be empty");
  }

  ReadOptions opt;
  std::array<const std::string*, kFieldCount> names;
  EventLog log;
  bool finished = false;

  enum class Mode { kUndecided, kCsv, kJson } mode = Mode::kUndecided;
  size_t bom_seen = 0;  // bytes of a UTF-8 byte order mark matched so far
  size_t line = 1;      // physical line of the byte being read

  // ---- shared row validation ----
  std::set<std::string> ignored;

  void ignore_column(std::string_view name) {
    if (ignored.size() < 1000 && ignored.insert(std::string(name)).second)
      log.report.ignored_columns.emplace_back(name);
  }

  std::string where(size_t at_line, size_t record, int field) const {
    std::string s = "line " + std::to_string(at_line);
    if (mode == Mode::kJson) s += " (record " + std::to_string(record) + ")";
    if (field != kIgnored) s += (mode == Mode::kJson ? ", field \"" : ", column \"") + *names[field] + "\"";
    return s;
  }

  void bad_row(size_t at_line, size_t record, const Problem& p) {
    std::string msg = printable(where(at_line, record, p.field) + ": " + p.message);
    if (opt.on_bad_row == OnBadRow::kFail) throw InputError(msg);
    ++log.report.skipped_rows;
    if (log.report.problems.size() < opt.max_problem_details)
      log.report.problems.push_back({at_line, p.field == kIgnored ? "" : *names[p.field], msg});
  }

  // Validates one row; appends it or records why not.
  void accept(const RowValues& v, size_t at_line, size_t record) {
    ++log.report.records;
    Problem p;
    if (!validate(v, p)) {
      bad_row(at_line, record, p);
      return;
    }
    if (log.size() >= opt.max_events)
      throw InputError("the input has more than " + std::to_string(opt.max_events) +
                       " events (maxEvents); split it or raise the limit");
    log.append(v.text[kUser], v.text[kItem], v.text[kEvent], ts, money, v.text[kCommunity],
               v.text[kReferrer]);
    ++log.report.events;
  }

  int64_t ts = 0;
  double money = 0;

  bool validate(const RowValues& v, Problem& p) {
    for (int f : {kUser, kEvent, kTs}) {
      if (!v.present[f] || v.text[f].empty()) {
        p = {f, "is empty; every event needs " + *names[f]};
        return false;
      }
    }
    for (int f : {kUser, kItem, kEvent, kCommunity, kReferrer}) {
      if (!v.present[f]) continue;
      const char* why = check_text(v.text[f]);
      if (why) {
        p = {f, why};
        return false;
      }
    }
    TimestampParse t = parse_timestamp(trim(v.text[kTs]));
    if (!t.ok) {
      p = {kTs, quote_value(v.text[kTs]) + " " + t.problem};
      return false;
    }
    ts = t.ms;
    std::string why;
    money = EventLog::kNoAmount;
    if (v.present[kAmount] && !parse_amount(v.text[kAmount], money, why)) {
      p = {kAmount, quote_value(v.text[kAmount]) + " " + why};
      return false;
    }
    return true;
  }

  // ---- CSV ----
  enum class CsvState { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  CsvState cs = CsvState::kFieldStart;
  bool header_done = false;
  bool pending_cr = false;       // a '\r' ended the last record; swallow a following '\n'
  bool record_bad = false;       // the record already has a syntax problem
  Problem record_problem;
  bool record_quoted = false;    // the record used quotes (so it is not a blank line)
  size_t record_line = 1;
  std::string buf;               // the current record's field bytes, back to back
  std::vector<size_t> ends;      // end offset of each completed field in buf
  size_t field_start = 0;
  std::vector<int> roles;        // header column index -> Field or kIgnored
  size_t header_fields = 0;

  void csv_end_field() {
    ends.push_back(buf.size());
    field_start = buf.size();
  }

  void csv_field_too_long() {
    std::string msg = "line " + std::to_string(record_line) + ": a field is longer than " +
                      std::to_string(opt.max_field_bytes) +
                      " bytes; this does not look like a CSV event log";
    throw InputError(msg);
  }

  void csv_end_record() {
    csv_end_field();
    if (ends.size() == 1 && ends[0] == 0 && !record_quoted && !record_bad) {
      ++log.report.blank_lines;
    } else if (!header_done) {
      csv_header();
    } else {
      csv_row();
    }
    buf.clear();
    ends.clear();
    field_start = 0;
    record_bad = false;
    record_quoted = false;
    cs = CsvState::kFieldStart;
  }

  std::string_view field(size_t i) const {
    size_t b = i == 0 ? 0 : ends[i - 1];
    return std::string_view(buf).substr(b, ends[i] - b);
  }

  void csv_header() {
    if (record_bad) throw InputError("line " + std::to_string(record_line) + ": header row: " + record_problem.message);
    header_done = true;
    header_fields = ends.size();
    roles.assign(header_fields, kIgnored);
    std::array<size_t, kFieldCount> seen{};
    std::vector<std::string> header;
    for (size_t i = 0; i < header_fields; ++i) {
      std::string_view name = trim(field(i));
      if (const char* why = check_text(name))
        throw InputError("line " + std::to_string(record_line) + ": header column " +
                         std::to_string(i + 1) + " " + why + " (is this a CSV event log?)");
      for (size_t j = 0; j < header.size(); ++j)
        if (header[j] == name)
          throw InputError("line " + std::to_string(record_line) + ": duplicate column \"" +
                           std::string(name) + "\" in the header (columns " + std::to_string(j + 1) +
                           " and " + std::to_string(i + 1) + ")");
      header.emplace_back(name);
      int role = kIgnored;
      for (int f = 0; f < kFieldCount; ++f)
        if (*names[f] == name) role = f;
      roles[i] = role;
      if (role == kIgnored) {
        ignore_column(name);
      } else {
        seen[role] = i + 1;
      }
    }
    for (int f = 0; f < kFieldCount; ++f) {
      if (is_required(f) && !seen[f]) {
        std::string list;
        for (auto& h : header) list += (list.empty() ? "" : ", ") + quote_value(h);
        throw InputError("missing required column \"" + *names[f] + "\" (the header has: " + list +
                         "); name your columns with the columns option");
      }
    }
  }

  void csv_row() {
    size_t record = log.report.records + 1;
    if (record_bad) {
      ++log.report.records;
      bad_row(record_line, record, record_problem);
      return;
    }
    if (ends.size() != header_fields) {
      ++log.report.records;
      bad_row(record_line, record,
              {kIgnored, "expected " + std::to_string(header_fields) + " fields as in the header, found " +
                             std::to_string(ends.size())});
      return;
    }
    RowValues v;
    for (size_t i = 0; i < header_fields; ++i) {
      int r = roles[i];
      if (r == kIgnored) continue;
      v.text[r] = field(i);
      v.present[r] = true;
    }
    accept(v, record_line, record);
  }

  void csv_feed(const char* p, size_t n) {
    const char delim = opt.delimiter;
    const size_t max_field = opt.max_field_bytes;
    for (size_t i = 0; i < n; ++i) {
      char c = p[i];
      if (pending_cr) {
        pending_cr = false;
        if (c == '\n') continue;
      }
      switch (cs) {
        case CsvState::kFieldStart:
          if (buf.size() == 0 && ends.empty()) record_line = line;
          if (c == '"') {
            cs = CsvState::kQuoted;
            record_quoted = true;
            break;
          }
          [[fallthrough]];
        case CsvState::kUnquoted:
          if (c == delim) {
            csv_end_field();
            cs = CsvState::kFieldStart;
          } else if (c == '\n' || c == '\r') {
            pending_cr = c == '\r';
            ++line;
            csv_end_record();
          } else {
            // Copy the rest of the unquoted field in one go: this loop is where the time goes.
            size_t j = i + 1;
            while (j < n && p[j] != delim && p[j] != '\n' && p[j] != '\r') ++j;
            buf.append(p + i, j - i);
            i = j - 1;
            cs = CsvState::kUnquoted;
            if (buf.size() - field_start > max_field) csv_field_too_long();
          }
          break;
        case CsvState::kQuoted:
          if (c == '"') {
            cs = CsvState::kQuoteInQuoted;
          } else {
            size_t j = i;
            while (j < n && p[j] != '"') {
              if (p[j] == '\n') ++line;
              ++j;
            }
            buf.append(p + i, j - i);
            i = j - 1;
            if (buf.size() - field_start > max_field) csv_field_too_long();
          }
          break;
        case CsvState::kQuoteInQuoted:
          if (c == '"') {
            buf.push_back('"');
            cs = CsvState::kQuoted;
          } else if (c == delim) {
            csv_end_field();
            cs = CsvState::kFieldStart;
          } else if (c == '\n' || c == '\r') {
            pending_cr = c == '\r';
            ++line;
            csv_end_record();
          } else {
            if (!record_bad) {
              record_bad = true;
              record_problem = {kIgnored, "unexpected character after a closing quote (quotes inside a "
                                          "quoted field must be doubled: \"\")"};
            }
            buf.push_back(c);
            cs = CsvState::kUnquoted;
          }
          break;
      }
    }
  }

  void csv_finish() {
    if (cs == CsvState::kQuoted) {
      record_bad = true;
      record_problem = {kIgnored, "a quoted field is not closed before the end of the input"};
    }
    if (!(cs == CsvState::kFieldStart && buf.empty() && ends.empty())) csv_end_record();
    if (!header_done)
      throw InputError("the input is empty: expected a header row naming at least " +
                       opt.columns.user_id + ", " + opt.columns.event + ", " + opt.columns.ts);
  }

  // ---- JSON (array of objects, or one object per line) ----
  enum class JsonShape { kUnknown, kArray, kLines } shape = JsonShape::kUnknown;
  bool array_closed = false;
  bool expect_comma = false;     // in an array, after a record
  int depth = 0;                 // nesting inside the current record
  bool in_string = false, escaped = false;
  std::string rec;               // the current record's text
  size_t records_seen = 0;

  [[noreturn]] void json_shape_error(const std::string& what) {
    throw InputError("line " + std::to_string(line) + ": " + what);
  }

  void json_feed(const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      char c = p[i];
      if (depth == 0) {
        if (c == '\n') {
          ++line;
          continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') continue;
        if (array_closed) json_shape_error("unexpected data after the closing ']' of the array");
        if (shape == JsonShape::kUnknown) {
          if (c == '[') {
            shape = JsonShape::kArray;
            continue;
          }
          shape = JsonShape::kLines;
        }
        if (shape == JsonShape::kArray) {
          if (c == ']') {
            array_closed = true;
            continue;
          }
          if (c == ',') {
            if (!expect_comma) json_shape_error("unexpected ',' in the array");
            expect_comma = false;
            continue;
          }
          if (expect_comma) json_shape_error("expected ',' or ']' between records");
        }
        if (c != '{')
          json_shape_error("expected a JSON object for each event (an array of objects, or one object per line)");
        rec.clear();
        record_line = line;
        depth = 1;
        in_string = escaped = false;
        rec.push_back(c);
        continue;
      }
      rec.push_back(c);
      if (rec.size() > opt.max_field_bytes * kFieldCount + 1024)
        json_shape_error("a record is larger than " + std::to_string(opt.max_field_bytes * kFieldCount) + " bytes");
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        } else if (c == '\n') {
          ++line;
        }
        continue;
      }
      if (c == '\n') ++line;
      if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        if (++depth > 32) json_shape_error("JSON nested deeper than 32 levels");
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          json_record();
          expect_comma = shape == JsonShape::kArray;
        }
      }
    }
  }

  void json_record() {
    size_t record = ++records_seen;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(rec);
    } catch (const nlohmann::json::exception& e) {
      ++log.report.records;
      std::string what = e.what();
      auto at = what.find("] ");
      bad_row(record_line, record, {kIgnored, "invalid JSON: " + (at == std::string::npos ? what : what.substr(at + 2))});
      return;
    }
    RowValues v;
    std::array<std::string, kFieldCount> storage;
    for (auto it = j.begin(); it != j.end(); ++it) {
      int role = kIgnored;
      for (int f = 0; f < kFieldCount; ++f)
        if (*names[f] == it.key()) role = f;
      if (role == kIgnored) {
        ignore_column(it.key());
        continue;
      }
      const auto& val = *it;
      if (val.is_null()) continue;
      if (val.is_string()) {
        storage[role] = val.get<std::string>();
      } else if (val.is_number()) {
        if (val.is_number_float() && !std::isfinite(val.get<double>())) {
          ++log.report.records;
          bad_row(record_line, record, {role, "must be a finite number"});
          return;
        }
        storage[role] = val.dump();
      } else {
        ++log.report.records;
        bad_row(record_line, record,
                {role, std::string("must be a string or a number, found ") + val.type_name()});
        return;
      }
      v.present[role] = true;
    }
    for (int f = 0; f < kFieldCount; ++f) v.text[f] = storage[f];
    for (int f : {kUser, kEvent, kTs}) {
      if (!v.present[f]) {
        ++log.report.records;
        bad_row(record_line, record, {f, "is missing"});
        return;
      }
    }
    accept(v, record_line, record);
  }

  void json_finish() {
    if (depth != 0) json_shape_error("the input ends inside a JSON record");
    if (shape == JsonShape::kArray && !array_closed) json_shape_error("the JSON array is not closed with ']'");
    if (shape == JsonShape::kUnknown) throw InputError("the input is empty: expected a JSON array of events");
  }

  // ---- dispatch ----
  void feed(const char* p, size_t n) {
    if (finished) throw InputError("this reader has already finished");
    log.report.bytes += n;
    static const unsigned char kBom[] = {0xEF, 0xBB, 0xBF};
    while (n > 0 && bom_seen < 3) {
      if (static_cast<unsigned char>(*p) != kBom[bom_seen]) {
        if (bom_seen > 0) throw InputError("line 1: the input starts with a broken UTF-8 byte order mark");
        bom_seen = 3;
        break;
      }
      ++bom_seen;
      ++p;
      --n;
    }
    if (mode == Mode::kUndecided) {
      while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        if (*p == '\n') ++line;
        ++p;
        --n;
      }
      if (n == 0) return;
      if (opt.format == EventFormat::kJson || (opt.format == EventFormat::kAuto && (*p == '[' || *p == '{'))) {
        mode = Mode::kJson;
      } else {
        mode = Mode::kCsv;
        record_line = line;
      }
    }
    if (mode == Mode::kCsv) {
      csv_feed(p, n);
    } else {
      json_feed(p, n);
    }
  }

  EventLog finish() {
    if (finished) throw InputError("this reader has already finished");
    if (mode == Mode::kUndecided) throw InputError("the input is empty: expected a header row or JSON events");
    if (mode == Mode::kCsv) {
      csv_finish();
    } else {
      json_finish();
    }
    finished = true;
    return std::move(log);
  }
};

EventReader::EventReader(ReadOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
EventReader::~EventReader() = default;
EventReader::EventReader(EventReader&&) noexcept = default;
EventReader& EventReader::operator=(EventReader&&) noexcept = default;

void EventReader::feed(std::string_view bytes) { impl_->feed(bytes.data(), bytes.size()); }
EventLog EventReader::finish() { return impl_->finish(); }
size_t EventReader::bytes_read() const { return impl_->log.report.bytes; }
size_t EventReader::events_read() const { return impl_->log.size(); }

EventLog read_events(std::string_view text, const ReadOptions& options) {
  EventReader reader(options);
  reader.feed(text);
  return reader.finish();
}

EventLog read_events_file(const std::string& path, const ReadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open \"" + path + "\"");
  EventReader reader(options);
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    reader.feed(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  return reader.finish();
}

CIRCLEWISE_SIZE_OPTIMISED_BEGIN

ReadOptions read_options_from_json(const nlohmann::json& j) {
  ReadOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("read options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = *it;
    if (k == "format") {
      std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "auto") o.format = EventFormat::kAuto;
      else if (s == "csv") o.format = EventFormat::kCsv;
      else if (s == "json") o.format = EventFormat::kJson;
      else throw InputError("option \"format\" must be \"auto\", \"csv\" or \"json\"");
    } else if (k == "onBadRow") {
      std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "fail") o.on_bad_row = OnBadRow::kFail;
      else if (s == "skip") o.on_bad_row = OnBadRow::kSkip;
      else throw InputError("option \"onBadRow\" must be \"fail\" or \"skip\"");
    } else if (k == "delimiter") {
      if (!v.is_string() || v.get<std::string>().size() != 1 || v.get<std::string>()[0] == '"' ||
          v.get<std::string>()[0] == '\n' || v.get<std::string>()[0] == '\r')
        throw InputError("option \"delimiter\" must be a single character other than a quote or newline");
      o.delimiter = v.get<std::string>()[0];
    } else if (k == "maxEvents" || k == "maxFieldBytes" || k == "maxProblemDetails") {
      if (!v.is_number_integer() || v.get<int64_t>() < (k == "maxProblemDetails" ? 0 : 1))
        throw InputError("option \"" + k + "\" must be a positive integer");
      size_t n = v.get<size_t>();
      if (k == "maxEvents") o.max_events = n;
      else if (k == "maxFieldBytes") o.max_field_bytes = n;
      else o.max_problem_details = n;
    } else if (k == "columns") {
      if (!v.is_object()) throw InputError("option \"columns\" must be an object like {\"user_id\": \"learner\"}");
      auto names = column_names(o.columns);
      const char* keys[] = {"user_id", "item_id", "event", "ts", "amount", "community", "referrer"};
      for (auto c = v.begin(); c != v.end(); ++c) {
        int f = kIgnored;
        for (int i = 0; i < kFieldCount; ++i)
          if (c.key() == keys[i]) f = i;
        if (f == kIgnored)
          throw InputError("option \"columns\": unknown field \"" + c.key() +
                           "\" (fields: user_id, item_id, event, ts, amount, community, referrer)");
        if (!c->is_string() || c->get<std::string>().empty())
          throw InputError("option \"columns." + c.key() + "\" must be a non-empty string");
        *const_cast<std::string*>(names[f]) = c->get<std::string>();
      }
    } else {
      throw InputError("unknown read option \"" + k +
                       "\" (known: format, columns, onBadRow, delimiter, maxEvents, maxFieldBytes, maxProblemDetails)");
    }
  }
  return o;
}

std::string write_events_csv(const EventLog& log) {
  std::string out = "user_id,item_id,event,ts,amount,community,referrer\n";
  out.reserve(log.size() * 64);
  auto put = [&out](std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
      out.append(s);
      return;
    }
    out.push_back('"');
    for (char c : s) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  };
  for (size_t i = 0; i < log.size(); ++i) {
    put(log.users.name(log.user[i]));
    out.push_back(',');
    if (log.item[i] != kNone) put(log.items.name(log.item[i]));
    out.push_back(',');
    put(log.event_names.name(log.event[i]));
    out.push_back(',');
    out += format_timestamp(log.ts_ms[i]);
    out.push_back(',');
    if (EventLog::has_amount(log.amount[i])) out += format_number(log.amount[i]);
    out.push_back(',');
    if (log.community[i] != kNone) put(log.communities.name(log.community[i]));
    out.push_back(',');
    if (log.referrer[i] != kNone) put(log.users.name(log.referrer[i]));
    out.push_back('\n');
  }
  return out;
}

CIRCLEWISE_SIZE_OPTIMISED_END

}  // namespace circlewise
