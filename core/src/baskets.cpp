#include "circlewise/baskets.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "circlewise/error.h"

namespace circlewise {

const char* const kBasketOptionKeys[3] = {"basketBy", "sessionGapMinutes", "events"};

namespace {

// Sorts and de-duplicates the tail items[from..] in place, counting repeats.
void close_basket(Baskets& b, size_t from) {
  auto first = b.items.begin() + static_cast<std::ptrdiff_t>(from);
  std::sort(first, b.items.end());
  auto last = std::unique(first, b.items.end());
  b.repeated_items += static_cast<size_t>(b.items.end() - last);
  b.items.erase(last, b.items.end());
  if (b.items.size() > b.offsets.back()) b.offsets.push_back(b.items.size());
}

}  // namespace

Baskets make_baskets(const EventLog& log, const BasketOptions& o, const Progress& progress) {
  Baskets b;
  b.item_space = log.items.size();
  std::vector<uint8_t> counted(log.event_names.size(), 0);
  for (const auto& name : o.events) {
    int32_t code = log.event_names.find(name);
    if (code < 0) b.unknown_events.push_back(name);
    else counted[static_cast<size_t>(code)] = 1;
  }
  // Rows by learner, then time; ties keep file order so the result does not depend on the sort.
  // A counting sort on the (dense) learner code, then each learner's few rows by time: linear in
  // the log, and it has natural checkpoints for progress (a comparison sort of every row had none,
  // and was most of the time of rules() on large logs).
  const size_t n = log.size();
  const double dn = n ? static_cast<double>(n) : 1.0;
  constexpr size_t kStep = size_t{1} << 16;
  const auto use = [&](size_t i) { return counted[static_cast<size_t>(log.event[i])] && log.item[i] != kNone; };
  std::vector<size_t> start(log.users.size() + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    if (i % kStep == 0) progress.at("baskets", 0.45 * static_cast<double>(i) / dn);
    if (!counted[static_cast<size_t>(log.event[i])]) continue;
    if (log.item[i] == kNone) ++b.events_without_item;
    else ++start[static_cast<size_t>(log.user[i]) + 1];
  }
  for (size_t u = 1; u < start.size(); ++u) start[u] += start[u - 1];
  std::vector<size_t> rows(start.back());
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (size_t i = 0; i < n; ++i) {
      if (i % kStep == 0) progress.at("baskets", 0.45 + 0.45 * static_cast<double>(i) / dn);
      if (use(i)) rows[next[static_cast<size_t>(log.user[i])]++] = i;
    }
  }
  for (size_t u = 0; u + 1 < start.size(); ++u) {
    if (start[u + 1] - start[u] > 1)
      std::stable_sort(rows.begin() + static_cast<std::ptrdiff_t>(start[u]), rows.begin() + static_cast<std::ptrdiff_t>(start[u + 1]),
                       [&](size_t x, size_t y) { return log.ts_ms[x] < log.ts_ms[y]; });
  }
  progress.at("baskets", 0.95);
  size_t open = 0;  // start of the basket being filled
  for (size_t k = 0; k < rows.size(); ++k) {
    size_t i = rows[k];
    if (k > 0) {
      size_t p = rows[k - 1];
      bool new_learner = log.user[p] != log.user[i];
      bool gap = o.by == BasketBy::kSession && log.ts_ms[i] - log.ts_ms[p] > o.session_gap_ms;
      if (new_learner || gap) {
        close_basket(b, open);
        open = b.items.size();
      }
    }
    b.items.push_back(log.item[i]);
    ++b.events_used;
  }
  if (!rows.empty()) close_basket(b, open);
  progress.at("baskets", 1);
  return b;
}

namespace {

// Appends basket `index` given as item codes [first, last): every code must lie in the item space.
// Empty baskets are baskets too (they count in the support denominator).
void add_coded_basket(Baskets& b, size_t index, const int32_t* first, const int32_t* last) {
  const size_t open = b.items.size();
  for (const int32_t* p = first; p != last; ++p) {
    if (*p < 0 || static_cast<size_t>(*p) >= b.item_space)
      throw InputError("basket " + std::to_string(index) + ": item code " + std::to_string(*p) +
                       " is outside [0, " + std::to_string(b.item_space) + ")");
    b.items.push_back(*p);
    ++b.events_used;
  }
  const size_t before = b.offsets.size();
  close_basket(b, open);
  if (b.offsets.size() == before) b.offsets.push_back(b.items.size());
}

}  // namespace

Baskets baskets_from_lists(const std::vector<std::vector<int32_t>>& lists, size_t item_space) {
  Baskets b;
  b.item_space = item_space;
  for (size_t i = 0; i < lists.size(); ++i) add_coded_basket(b, i, lists[i].data(), lists[i].data() + lists[i].size());
  return b;
}

Baskets baskets_from_rows(const int32_t* items, const int32_t* offsets, size_t baskets, size_t item_space) {
  Baskets b;
  b.item_space = item_space;
  if (baskets > 0 && offsets[0] != 0) throw InputError("basket offsets must start at 0");
  b.items.reserve(baskets ? static_cast<size_t>(offsets[baskets]) : 0);
  for (size_t i = 0; i < baskets; ++i) {
    if (offsets[i + 1] < offsets[i])
      throw InputError("basket offsets must not decrease (basket " + std::to_string(i) + ")");
    add_coded_basket(b, i, items + offsets[i], items + offsets[i + 1]);
  }
  return b;
}

BasketOptions basket_options_from_json(const nlohmann::json& j) {
  BasketOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("options must be an object");
  if (auto it = j.find("basketBy"); it != j.end()) {
    if (*it == "learner") o.by = BasketBy::kLearner;
    else if (*it == "session") o.by = BasketBy::kSession;
    else throw InputError("option \"basketBy\" must be \"learner\" or \"session\"");
  }
  if (auto it = j.find("sessionGapMinutes"); it != j.end()) {
    if (!it->is_number() || !(it->get<double>() > 0) || it->get<double>() > 525600.0 * 10)
      throw InputError("option \"sessionGapMinutes\" must be a number of minutes in (0, 5256000]");
    o.session_gap_ms = static_cast<int64_t>(std::llround(it->get<double>() * 60000.0));
  }
  if (auto it = j.find("events"); it != j.end()) {
    if (!it->is_array() || it->empty())
      throw InputError("option \"events\" must be a non-empty array of event names");
    o.events.clear();
    for (const auto& e : *it) {
      if (!e.is_string() || e.get<std::string>().empty())
        throw InputError("option \"events\" must contain only non-empty event names");
      o.events.push_back(e.get<std::string>());
    }
  }
  return o;
}

}  // namespace circlewise
