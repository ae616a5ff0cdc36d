#pragma once
// Options and inputs cross the boundary as JSON text. Empty text means "no options" (null); text
// that is not JSON is an InputError naming what it was, like every other bad input.
#include <nlohmann/json.hpp>

#include <string>

#include "circlewise/error.h"
#include "circlewise/text.h"

namespace circlewise::wasm {

inline nlohmann::json json_argument(const std::string& text, const char* what = "the options") {
  if (text.empty()) return nullptr;
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
    // nlohmann quotes the raw bytes it stopped at, which may be invalid UTF-8: escape them.
    throw InputError(std::string(what) + " is not valid JSON: " + printable(e.what()));
  }
}

}  // namespace circlewise::wasm
