// The bindings' runtime: the pending-error channel of js_error.h, and heap diagnostics for the
// long-session memory test (tests/node/memory.test.mjs).
#include <emscripten/bind.h>
#include <malloc.h>

#include <cstdint>
#include <string>

#include "js_error.h"

namespace {

// Address of the flag that is 1 while an error is pending (read from JS without a call).
std::uintptr_t pending_error_flag_address() {
  return reinterpret_cast<std::uintptr_t>(&circlewise::wasm::pending_error_flag());
}

std::string take_pending_error() {
  std::string m = std::move(circlewise::wasm::pending_error_message());
  circlewise::wasm::pending_error_message() = std::string();
  circlewise::wasm::pending_error_flag() = 0;
  return m;
}

// Bytes the allocator has handed out and not got back. Growth of WebAssembly.Memory cannot show
// a leak (it never shrinks); bytes in use return to the same value when nothing leaks.
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

EMSCRIPTEN_BINDINGS(runtime) {
  emscripten::function("pendingErrorFlag", &pending_error_flag_address);
  emscripten::function("takePendingError", &take_pending_error);
  emscripten::function("heapBytesInUse", &heap_bytes_in_use);
}
