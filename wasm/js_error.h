#pragma once
// The one rule of the bindings: a C++ exception never escapes into JS as a bare number. Every
// bound entry point runs through `guarded`.
//
// On an error, `guarded` does not throw into JS from here: a JS exception thrown from inside a bound
// call skips the cleanup Embind's generated JS does after the call returns, so the argument buffers
// it malloc'd for every std::string argument leaked, one per failed call (measured by
// tests/node/memory.test.mjs). Instead the message is left pending and the call returns normally
// with an empty value; the JS shell (web/module.js) checks the flag after every call, frees an
// empty object it may have got back, and throws the Error. Only a return type without a default
// value (emscripten::val) still throws from here.
#include <emscripten/val.h>

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <type_traits>

namespace circlewise::wasm {

// Shared by every translation unit (inline functions' statics are one object).
inline int& pending_error_flag() {
  static int flag = 0;
  return flag;
}
inline std::string& pending_error_message() {
  static std::string message;
  return message;
}

template <class F>
auto guarded(F&& f) -> decltype(f()) {
  using R = decltype(f());
  std::string message;
  try {
    return f();
  } catch (const std::bad_alloc&) {
    message = "out of memory: the input is too large for this browser tab";
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown error";
  }
  if constexpr (std::is_void_v<R> || std::is_default_constructible_v<R>) {
    pending_error_message() = std::move(message);
    pending_error_flag() = 1;
    if constexpr (!std::is_void_v<R>) return R{};
  } else {
    // Thrown after the catch block has ended, so the C++ exception is already destroyed.
    emscripten::val::global("Error").new_(message).throw_();
    __builtin_unreachable();
  }
}

}  // namespace circlewise::wasm
