#pragma once
// Sorting packed integer keys ((row << 32) | value, (community, user, period), ...) is the core of
// the per-learner and per-community analyses. An LSD radix sort does it in a few linear passes
// and, unlike std::sort, has no comparator whose inlining depends on the optimisation level.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace circlewise {

// Sorts ascending, 16 bits per pass; a pass in which every key has the same digit (the unused
// high bits of packed keys, typically) is skipped, so small keys cost one or two passes.
inline void radix_sort(std::vector<uint64_t>& v) {
  if (v.size() < 2) return;
  if (v.size() > UINT32_MAX) {  // the counters are 32-bit
    std::sort(v.begin(), v.end());
    return;
  }
  std::vector<uint64_t> tmp(v.size());
  std::vector<uint32_t> count(65536);
  for (int shift = 0; shift < 64; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (uint64_t x : v) ++count[(x >> shift) & 0xFFFF];
    if (count[(v[0] >> shift) & 0xFFFF] == v.size()) continue;  // one digit: already in order
    uint32_t sum = 0;
    for (uint32_t& c : count) {
      const uint32_t k = c;
      c = sum;
      sum += k;
    }
    for (uint64_t x : v) tmp[count[(x >> shift) & 0xFFFF]++] = x;
    v.swap(tmp);
  }
}

// Sorts and removes duplicates.
inline void radix_sort_unique(std::vector<uint64_t>& v) {
  radix_sort(v);
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace circlewise
