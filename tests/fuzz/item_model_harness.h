#pragma once
// Item model files, both encodings. The first byte picks the path:
//  even: the bytes as they come, through load_item_model (JSON, or binary with its real checksum);
//  odd:  the bytes are the binary payload and the harness writes a correct header and CRC-32 in
//        front, so the fuzzer explores the decoder behind the checksum instead of the checksum.
// A model that loads must survive both round trips unchanged and answer a recommendation.
#include <cstring>
#include <string>

#include "circlewise/item_model.h"
#include "circlewise/recommender.h"
#include "fuzz_support.h"

inline uint32_t fuzz_crc32(std::string_view bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

inline std::string fuzz_binary_model(std::string_view payload) {
  std::string out = "CWIM";
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  };
  u32(circlewise::kItemModelVersion);  // version, flags 0
  u32(static_cast<uint32_t>(payload.size()));
  u32(fuzz_crc32(payload));
  out.append(payload);
  return out;
}

inline void run_item_model_case(const uint8_t* data, size_t size) {
  using namespace circlewise;
  if (size < 1) return;
  const std::string_view rest = circlewise_fuzz::as_text(data + 1, size - 1);
  const std::string bytes = (data[0] & 1) ? fuzz_binary_model(rest) : std::string(rest);
  ItemModel m;
  try {
    m = load_item_model(bytes);
  } catch (const InputError& e) {
    (void)nlohmann::json(e.what()).dump();
    return;
  }
  {  // A model that loaded must survive everything below without any exception.
    const std::string bin = to_binary(m);
    const std::string json = to_json(m).dump();
    // Round trips are exact (weights are float32 in both forms): a difference is a bug. Compared
    // as JSON text, where every NaN price is the same null.
    if (to_json(item_model_from_binary(bin)).dump() != json) __builtin_trap();
    if (to_json(load_item_model(json)).dump() != json) __builtin_trap();
    (void)to_json(describe(m)).dump();
    Recommender rec(std::move(m));
    std::vector<HistoryEntry> history;
    if (rec.model().size() > 0) history.push_back({rec.model().items[0].id, "enroll"});
    history.push_back({"not-a-course", "view"});
    RecommendOptions o;
    o.n = 5;
    (void)to_json(rec.recommend(history, o), rec.model()).dump();
  }
}
