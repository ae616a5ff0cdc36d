#pragma once
// A minimal JSON text writer for results that cross into JS. Building a large nlohmann::json from
// initializer lists costs kilobytes of WebAssembly per call site; appending text costs a few bytes
// per field. Numbers are written with the fewest digits that read back to the same double
// (non-finite numbers as null), so the text parses to exactly the values computed.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace circlewise {

class JsonText {
 public:
  JsonText& open(char bracket) {
    sep();
    out_ += bracket;
    first_ = true;
    return *this;
  }
  JsonText& close(char bracket) {
    out_ += bracket;
    first_ = false;
    return *this;
  }
  JsonText& key(std::string_view k) {
    sep();
    quote(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonText& str(std::string_view v) {
    sep();
    quote(v);
    return *this;
  }
  // A string, or null when empty.
  JsonText& str_or_null(std::string_view v) { return v.empty() ? null() : str(v); }
  JsonText& num(double v) {
    sep();
    if (!std::isfinite(v)) {
      out_ += "null";
      return *this;
    }
    char b[32];
    for (int digits = 15; digits <= 17; ++digits) {
      std::snprintf(b, sizeof b, "%.*g", digits, v);
      if (std::strtod(b, nullptr) == v) break;
    }
    out_ += b;
    return *this;
  }
  JsonText& num(uint64_t v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  JsonText& num(int v) { return num(static_cast<double>(v)); }
  JsonText& boolean(bool v) {
    sep();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonText& null() {
    sep();
    out_ += "null";
    return *this;
  }
  // key + value shorthands
  JsonText& field(std::string_view k, double v) { return key(k).num(v); }
  JsonText& field(std::string_view k, uint64_t v) { return key(k).num(v); }
  JsonText& field(std::string_view k, std::string_view v) { return key(k).str(v); }
  const std::string& text() const { return out_; }

 private:
  void sep() {
    if (after_key_) after_key_ = false;
    else if (!first_) out_ += ',';
    first_ = false;
  }
  void quote(std::string_view s) {
    out_ += '"';
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (u < 0x20) {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", u);
        out_ += b;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }
  std::string out_;
  bool first_ = true, after_key_ = false;
};

}  // namespace circlewise
