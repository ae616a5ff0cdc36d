#pragma once
// Marks a stretch of a numeric translation unit (compiled -O3 for its kernels) whose functions
// parse options and build JSON: they run once per call, and at -O3 the inlined nlohmann code
// makes them several times larger. In the WebAssembly build they are optimised for size
// (minsize, as -Oz); elsewhere the markers are empty. Kernels must stay outside the markers.
#if defined(__EMSCRIPTEN__) && defined(__clang__)
#define CIRCLEWISE_SIZE_OPTIMISED_BEGIN _Pragma("clang attribute push(__attribute__((minsize)), apply_to = function)")
#define CIRCLEWISE_SIZE_OPTIMISED_END _Pragma("clang attribute pop")
#else
#define CIRCLEWISE_SIZE_OPTIMISED_BEGIN
#define CIRCLEWISE_SIZE_OPTIMISED_END
#endif
