#pragma once
// The secure random source of the browser, Worker or Node: crypto.getRandomValues, called here in
// blocks instead of through Emscripten's getentropy. Emscripten 3.1.6 resolves getentropy's device
// once, at the first draw: if crypto is missing then, it caches a function that aborts the module
// ("Aborted(randomDevice)") and keeps aborting after crypto is back. Here a missing or failing
// crypto is a RandomnessUnavailable, which make_report turns into "no report", and the module stays
// usable. There is never a fallback to a weaker source.
#include <emscripten.h>

#include <cstdint>
#include <string>

#include "circlewise/secure_random.h"

// Fills n bytes at buf; 0 when crypto.getRandomValues is absent or throws.
EM_JS(int, circlewise_crypto_fill, (void* buf, int n), {
  try {
    if (typeof crypto !== 'object' || crypto === null || typeof crypto.getRandomValues !== 'function') return 0;
    const start = buf >>> 0;
    for (let off = 0; off < n; off += 65536) {  // getRandomValues fills at most 64 KiB per call
      crypto.getRandomValues(HEAPU8.subarray(start + off, start + Math.min(n, off + 65536)));
    }
    return 1;
  } catch (e) {
    return 0;
  }
});

namespace circlewise::wasm {

class CryptoRandomSource final : public RandomSource {
 public:
  uint64_t next_u64() override {
    if (used_ == kWords) {
      if (!circlewise_crypto_fill(buffer_, sizeof buffer_))
        throw RandomnessUnavailable(
            "no secure random source: crypto.getRandomValues is missing or failed, so no report was made");
      used_ = 0;
    }
    return buffer_[used_++];
  }
  bool secure() const override { return true; }
  std::string name() const override { return "crypto.getRandomValues"; }

 private:
  static constexpr unsigned kWords = 32;  // a report needs a handful; OUE over 4096 values, more
  uint64_t buffer_[kWords] = {};
  unsigned used_ = kWords;
};

}  // namespace circlewise::wasm
