#pragma once
// Structured logs: one JSON object per line on stderr ({"ts","level","msg",...fields}). Never
// given an IP address, user agent, cookie or report content.
#include <nlohmann/json.hpp>
#include <string>

namespace circlewise::collector {

void log_line(const char* level, const std::string& msg, nlohmann::json fields = nlohmann::json::object());

}  // namespace circlewise::collector
