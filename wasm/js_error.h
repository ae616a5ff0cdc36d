#pragma once
// The one rule of the bindings: a C++ exception never escapes into JS as a bare number. Every
// bound entry point runs through `guarded`, which rethrows it as a JS Error with the C++ message.
#include <emscripten/val.h>

#include <exception>
#include <new>
#include <string>

namespace circlewise::wasm {

template <class F>
auto guarded(F&& f) -> decltype(f()) {
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
  // Thrown after the catch block has ended, so the C++ exception is already destroyed.
  emscripten::val::global("Error").new_(message).throw_();
  __builtin_unreachable();
}

}  // namespace circlewise::wasm
