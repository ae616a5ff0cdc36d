#include "log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace circlewise::collector {

void log_line(const char* level, const std::string& msg, nlohmann::json fields) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000));
  nlohmann::ordered_json line = {{"ts", ts}, {"level", level}, {"msg", msg}};  // these three first
  for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = *it;
  const std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace circlewise::collector
