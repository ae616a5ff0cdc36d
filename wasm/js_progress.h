#pragma once
// A JS progress callback as a core Progress (circlewise/progress.h): `fn(stage, fraction)` is
// called from inside the analysis. undefined or null means "no progress reports". The JS shell
// (web/module.js withProgress) wraps the user's callback so that it never throws into C++.
#include <emscripten/val.h>

#include <string>

#include "circlewise/progress.h"

namespace circlewise::wasm {

inline Progress js_progress(const emscripten::val& fn) {
  if (fn.typeOf().as<std::string>() != "function") return {};
  return Progress([fn](const std::string& stage, double fraction) { fn(stage, fraction); });
}

}  // namespace circlewise::wasm
