#pragma once
// Shared by the fuzz harnesses: the input as text, and the two outcomes every entry point may
// have besides success. An InputError is the documented answer to bad input; its message reaches
// users and JS, so it must be valid JSON text. Any other exception escapes and crashes the fuzzer.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "circlewise/error.h"

namespace circlewise_fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Parses JSON without exceptions (as the bindings' json_argument does, minus the error message);
// a discarded value means "not JSON", which the bindings answer with an InputError.
inline bool parse_json(std::string_view text, nlohmann::json& out) {
  out = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !out.is_discarded();
}

template <class F>
void expect_result_or_input_error(F&& f) {
  try {
    f();
  } catch (const circlewise::InputError& e) {
    (void)nlohmann::json(e.what()).dump();
  }
}

}  // namespace circlewise_fuzz
