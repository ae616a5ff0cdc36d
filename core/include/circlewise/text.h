#pragma once
// Small text helpers shared by the parsers: trimming, UTF-8 checks, quoting values in messages.
#include <string>
#include <string_view>

namespace circlewise {

std::string_view trim(std::string_view s);

// nullptr when `s` is valid UTF-8 without NUL bytes, else a short reason for an error message.
const char* check_text(std::string_view s);
// Valid UTF-8 (NUL bytes allowed, as in JSON's "\u0000").
bool is_valid_utf8(std::string_view s);

// The value as it should appear in an error message: quoted, cut to 40 characters, with
// control and non-UTF-8 bytes escaped so the message itself stays printable.
std::string quote_value(std::string_view s);

// `s` with every byte that is not valid UTF-8 (and every control character but tab) written as
// \xNN: messages quote user data, and a message must itself be valid, printable UTF-8.
std::string printable(std::string_view s);

// Shortest decimal text that reads back as the same double ("19.99", not "19.989999999999998").
std::string format_number(double v);

}  // namespace circlewise
