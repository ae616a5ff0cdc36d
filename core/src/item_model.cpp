#include "circlewise/item_model.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "circlewise/error.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

constexpr char kMagic[4] = {'C', 'W', 'I', 'M'};
constexpr size_t kHeaderBytes = 16;  // magic, u16 version, u16 flags, u32 payload bytes, u32 CRC-32
constexpr const char* kJsonFormat = "circlewise-item-model";
// Sanity limits: a file claiming more than this is corrupt, not a big catalogue.
constexpr uint64_t kMaxItems = 10'000'000;
constexpr uint64_t kMaxK = 10'000;
constexpr uint64_t kMaxString = 64 * 1024;

std::string item_label(const ItemModel& m, size_t i) {
  return "item " + std::to_string(i) + (i < m.items.size() ? " (" + quote_value(m.items[i].id) + ")" : "");
}

// CRC-32 (IEEE 802.3, as zlib/PNG), table built once per call site: no globals needed.
struct Crc32 {
  std::array<uint32_t, 256> table{};
  Crc32() {
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[n] = c;
    }
  }
  uint32_t operator()(std::string_view bytes) const {
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
  }
};

// Little-endian writer/reader, byte by byte so the layout is the same on every platform.
struct Writer {
  std::string out;
  void u8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) {
    for (int i = 0; i < 2; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }
  void f32(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    u32(b);
  }
  void f64(double d) {
    uint64_t b;
    std::memcpy(&b, &d, 8);
    u64(b);
  }
  void str(const std::string& s) {
    varint(s.size());
    out += s;
  }
};

struct Reader {
  std::string_view in;
  size_t pos = 0;
  size_t base = 0;  // offset of `in` in the file, for messages
  void need(size_t n, const char* what) {
    if (in.size() - pos < n)
      throw InputError("model file is truncated: " + std::string(what) + " at byte " + std::to_string(base + pos) +
                       " runs past the end");
  }
  uint8_t u8(const char* what) {
    need(1, what);
    return static_cast<uint8_t>(in[pos++]);
  }
  uint32_t u32(const char* what) {
    need(4, what);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[pos++])) << (8 * i);
    return v;
  }
  uint64_t u64(const char* what) {
    need(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[pos++])) << (8 * i);
    return v;
  }
  uint64_t varint(const char* what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = u8(what);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    throw InputError("model file is corrupt: " + std::string(what) + " at byte " + std::to_string(base + pos) +
                     " is not a valid number");
  }
  uint64_t bounded(const char* what, uint64_t max) {
    uint64_t v = varint(what);
    if (v > max)
      throw InputError("model file is corrupt: " + std::string(what) + " is " + std::to_string(v) +
                       ", more than the allowed " + std::to_string(max));
    return v;
  }
  float f32(const char* what) {
    uint32_t b = u32(what);
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  }
  double f64(const char* what) {
    uint64_t b = u64(what);
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  }
  std::string str(const char* what) {
    uint64_t n = bounded(what, kMaxString);
    need(n, what);
    std::string s(in.substr(pos, n));
    // Strings become JSON (to_json, the JS API), which must be valid UTF-8: the JSON form's parser
    // already insists on it. Found by fuzzing (dump() threw type_error.316).
    if (!is_valid_utf8(s))
      throw InputError("model file is corrupt: " + std::string(what) + " at byte " + std::to_string(base + pos) +
                       " is not valid UTF-8 text");
    pos += n;
    return s;
  }
};

// The shortest decimal that reads back as the same float, as a double, so that JSON shows
// "0.53" rather than "0.5299999713897705" and still round-trips exactly.
double short_float(float f) {
  char buf[32];
  for (int p = 6; p <= 9; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return std::strtod(buf, nullptr);
}

const nlohmann::json* field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

double number_field(const nlohmann::json& obj, const char* key, const std::string& where) {
  const auto* v = field(obj, key);
  if (!v) return std::numeric_limits<double>::quiet_NaN();
  if (!v->is_number()) throw InputError(where + ": \"" + key + "\" must be a number");
  return v->get<double>();
}

std::string string_field(const nlohmann::json& obj, const char* key, const std::string& where, bool required) {
  const auto* v = field(obj, key);
  if (!v) {
    if (required) throw InputError(where + ": \"" + key + "\" is missing");
    return "";
  }
  if (!v->is_string()) throw InputError(where + ": \"" + key + "\" must be a string");
  return v->get<std::string>();
}

}  // namespace

void validate(const ItemModel& m) {
  const size_t n = m.items.size();
  if (m.offset.size() != n + 1 || m.offset[0] != 0)
    throw InputError("item model: neighbour offsets do not match the " + std::to_string(n) + " items");
  if (m.neighbor.size() != m.weight.size() || m.offset[n] != m.neighbor.size())
    throw InputError("item model: neighbour lists and weights have different lengths");
  if (m.k > kMaxK) throw InputError("item model: \"k\" must be between 0 and " + std::to_string(kMaxK));
  std::unordered_set<std::string_view> ids;
  ids.reserve(n);
  std::vector<uint32_t> seen(n, UINT32_MAX);
  for (size_t i = 0; i < n; ++i) {
    const auto& it = m.items[i];
    if (it.id.empty()) throw InputError("item model: " + item_label(m, i) + " has an empty id");
    if (!ids.insert(it.id).second) throw InputError("item model: item id " + quote_value(it.id) + " appears twice");
    if (!(it.popularity >= 0) || !std::isfinite(it.popularity))
      throw InputError("item model: " + item_label(m, i) + ": \"popularity\" must be a finite number >= 0");
    if (!std::isnan(it.price) && !(it.price >= 0 && std::isfinite(it.price)))
      throw InputError("item model: " + item_label(m, i) + ": \"price\" must be a finite number >= 0 or absent");
    if (m.offset[i + 1] < m.offset[i]) throw InputError("item model: neighbour offsets must not decrease");
    if (m.offset[i + 1] - m.offset[i] > m.k)
      throw InputError("item model: " + item_label(m, i) + " has more than k = " + std::to_string(m.k) + " neighbours");
    for (uint32_t e = m.offset[i]; e < m.offset[i + 1]; ++e) {
      const int32_t j = m.neighbor[e];
      if (j < 0 || static_cast<size_t>(j) >= n)
        throw InputError("item model: " + item_label(m, i) + " has neighbour index " + std::to_string(j) +
                         ", outside 0.." + std::to_string(n ? n - 1 : 0));
      if (static_cast<size_t>(j) == i) throw InputError("item model: " + item_label(m, i) + " lists itself as a neighbour");
      if (seen[j] == i) throw InputError("item model: " + item_label(m, i) + " lists neighbour " + std::to_string(j) + " twice");
      seen[j] = static_cast<uint32_t>(i);
      if (!std::isfinite(m.weight[e])) throw InputError("item model: " + item_label(m, i) + " has a non-finite weight");
    }
  }
}

nlohmann::json to_json(const ItemModel& m) {
  using nlohmann::json;
  json items = json::array();
  for (size_t i = 0; i < m.items.size(); ++i) {
    const auto& it = m.items[i];
    json o = {{"id", it.id}, {"title", it.title}};
    if (!it.category.empty()) o["category"] = it.category;
    if (!std::isnan(it.price)) o["price"] = it.price;
    o["popularity"] = it.popularity;
    json nb = json::array();
    for (uint32_t e = m.offset[i]; e < m.offset[i + 1]; ++e) nb.push_back({m.neighbor[e], short_float(m.weight[e])});
    o["neighbors"] = std::move(nb);
    items.push_back(std::move(o));
  }
  return {{"format", kJsonFormat}, {"version", kItemModelVersion}, {"method", m.method},
          {"k", m.k},              {"items", std::move(items)}};
}

ItemModel item_model_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw InputError("item model: expected a JSON object");
  if (string_field(j, "format", "item model", false) != kJsonFormat)
    throw InputError(std::string("item model: \"format\" must be \"") + kJsonFormat + "\" (is this a circlewise model file?)");
  const auto* ver = field(j, "version");
  if (!ver || !ver->is_number_integer()) throw InputError("item model: \"version\" is missing or not an integer");
  if (ver->get<int64_t>() != kItemModelVersion)
    throw InputError("item model: format version " + ver->dump() + " is not supported (this build reads version " +
                     std::to_string(kItemModelVersion) + ")");
  ItemModel m;
  m.method = string_field(j, "method", "item model", false);
  const auto* k = field(j, "k");
  if (!k || !k->is_number_integer() || k->get<int64_t>() < 0 || k->get<uint64_t>() > kMaxK)
    throw InputError("item model: \"k\" must be an integer between 0 and " + std::to_string(kMaxK));
  m.k = k->get<uint32_t>();
  const auto* items = field(j, "items");
  if (!items || !items->is_array()) throw InputError("item model: \"items\" must be an array");
  if (items->size() > kMaxItems) throw InputError("item model: more than " + std::to_string(kMaxItems) + " items");
  m.items.reserve(items->size());
  m.offset.reserve(items->size() + 1);
  for (size_t i = 0; i < items->size(); ++i) {
    const auto& o = (*items)[i];
    const std::string where = "item model: items[" + std::to_string(i) + "]";
    if (!o.is_object()) throw InputError(where + " must be an object");
    ModelItem it;
    it.id = string_field(o, "id", where, true);
    it.title = string_field(o, "title", where, false);
    if (it.title.empty()) it.title = it.id;
    it.category = string_field(o, "category", where, false);
    it.price = number_field(o, "price", where);
    it.popularity = number_field(o, "popularity", where);
    if (std::isnan(it.popularity)) it.popularity = 0;
    m.items.push_back(std::move(it));
    if (const auto* nb = field(o, "neighbors")) {
      if (!nb->is_array()) throw InputError(where + ": \"neighbors\" must be an array of [index, weight]");
      for (const auto& p : *nb) {
        if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number())
          throw InputError(where + ": each neighbour must be [index, weight], got " + p.dump().substr(0, 40));
        int64_t idx = p[0].get<int64_t>();
        if (idx < 0 || idx >= static_cast<int64_t>(items->size()))
          throw InputError(where + ": neighbour index " + std::to_string(idx) + " is outside 0.." +
                           std::to_string(items->size() - 1));
        m.neighbor.push_back(static_cast<int32_t>(idx));
        m.weight.push_back(static_cast<float>(p[1].get<double>()));
      }
    }
    m.offset.push_back(static_cast<uint32_t>(m.neighbor.size()));
  }
  validate(m);
  return m;
}

std::string to_binary(const ItemModel& m) {
  Writer p;  // payload
  p.varint(m.items.size());
  p.varint(m.k);
  p.str(m.method);
  // Categories once, then a small index per item.
  std::vector<std::string> cats;
  std::unordered_map<std::string, size_t> cat_index;
  for (const auto& it : m.items)
    if (!it.category.empty() && cat_index.emplace(it.category, cats.size()).second) cats.push_back(it.category);
  p.varint(cats.size());
  for (const auto& c : cats) p.str(c);
  for (const auto& it : m.items) {
    p.str(it.id);
    p.str(it.title == it.id ? std::string() : it.title);  // empty = same as the id
    p.varint(it.category.empty() ? 0 : cat_index[it.category] + 1);
    p.f64(it.price);
    p.f64(it.popularity);
  }
  for (size_t i = 0; i < m.items.size(); ++i) {
    p.varint(m.neighbor_count(i));
    for (uint32_t e = m.offset[i]; e < m.offset[i + 1]; ++e) p.varint(static_cast<uint32_t>(m.neighbor[e]));
    for (uint32_t e = m.offset[i]; e < m.offset[i + 1]; ++e) p.f32(m.weight[e]);
  }
  Writer h;
  h.out.append(kMagic, 4);
  h.u16(static_cast<uint16_t>(kItemModelVersion));
  h.u16(0);  // flags, reserved
  h.u32(static_cast<uint32_t>(p.out.size()));
  h.u32(Crc32()(p.out));
  return h.out + p.out;
}

ItemModel item_model_from_binary(std::string_view bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0)
    throw InputError("not a circlewise binary model: the file does not start with \"CWIM\"");
  if (bytes.size() < kHeaderBytes)
    throw InputError("model file is truncated: " + std::to_string(bytes.size()) + " bytes, the header alone is " +
                     std::to_string(kHeaderBytes));
  Reader h{bytes.substr(0, kHeaderBytes), 4};
  uint32_t vf = h.u32("version");
  uint32_t version = vf & 0xFFFF, flags = vf >> 16;
  if (version != kItemModelVersion)
    throw InputError("model file format version " + std::to_string(version) + " is not supported (this build reads version " +
                     std::to_string(kItemModelVersion) + ")");
  if (flags != 0) throw InputError("model file is corrupt: unknown flags " + std::to_string(flags));
  uint32_t length = h.u32("payload length");
  uint32_t crc = h.u32("checksum");
  if (bytes.size() - kHeaderBytes < length)
    throw InputError("model file is truncated: the header announces " + std::to_string(length) +
                     " bytes of content, the file has " + std::to_string(bytes.size() - kHeaderBytes));
  if (bytes.size() - kHeaderBytes > length)
    throw InputError("model file is corrupt: " + std::to_string(bytes.size() - kHeaderBytes - length) +
                     " unexpected bytes after the content");
  std::string_view payload = bytes.substr(kHeaderBytes);
  if (Crc32()(payload) != crc) throw InputError("model file is corrupt: checksum mismatch (damaged download?)");

  Reader r{payload, 0, kHeaderBytes};
  ItemModel m;
  const size_t n = r.bounded("item count", kMaxItems);
  m.k = static_cast<uint32_t>(r.bounded("k", kMaxK));
  m.method = r.str("method");
  std::vector<std::string> cats(r.bounded("category count", kMaxItems));
  for (auto& c : cats) c = r.str("category name");
  // Each item needs at least 19 bytes: do not reserve what a corrupt count claims.
  if (n > payload.size() / 19) throw InputError("model file is truncated: too short for " + std::to_string(n) + " items");
  m.items.resize(n);
  for (auto& it : m.items) {
    it.id = r.str("item id");
    it.title = r.str("item title");
    if (it.title.empty()) it.title = it.id;
    size_t c = r.bounded("item category", cats.size());
    if (c) it.category = cats[c - 1];
    it.price = r.f64("item price");
    it.popularity = r.f64("item popularity");
  }
  m.offset.reserve(n + 1);
  for (size_t i = 0; i < n; ++i) {
    size_t count = r.bounded("neighbour count", m.k);
    r.need(count, "neighbour list");
    for (size_t e = 0; e < count; ++e) m.neighbor.push_back(static_cast<int32_t>(r.bounded("neighbour index", n ? n - 1 : 0)));
    for (size_t e = 0; e < count; ++e) m.weight.push_back(r.f32("neighbour weight"));
    m.offset.push_back(static_cast<uint32_t>(m.neighbor.size()));
  }
  if (r.pos != payload.size()) throw InputError("model file is corrupt: the content ends before the announced length");
  validate(m);
  return m;
}

ItemModel load_item_model(std::string_view bytes) {
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0) return item_model_from_binary(bytes);
  size_t i = 0;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 BOM
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) ++i;
  if (i == bytes.size()) throw InputError("model file is empty");
  if (bytes[i] != '{')
    throw InputError("not a circlewise model: expected a binary model (\"CWIM\") or a JSON object");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes.substr(i));
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e999 (found by fuzzing)
    // nlohmann quotes the raw bytes it stopped at; a message must itself be valid UTF-8 (found by fuzzing).
    throw InputError(std::string("model file is not valid JSON (truncated?): ") + printable(e.what()));
  }
  return item_model_from_json(j);
}

ItemModelInfo describe(const ItemModel& m) {
  ItemModelInfo info;
  info.method = m.method;
  info.k = m.k;
  info.items = m.size();
  info.neighbors = m.neighbor.size();
  std::unordered_set<std::string_view> cats;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m.neighbor_count(i) == 0) ++info.items_without_neighbors;
    if (!m.items[i].category.empty()) cats.insert(m.items[i].category);
  }
  info.categories = cats.size();
  info.json_bytes = to_json(m).dump().size();
  info.binary_bytes = to_binary(m).size();
  return info;
}

nlohmann::json to_json(const ItemModelInfo& i) {
  return {{"version", i.version},     {"method", i.method},
          {"k", i.k},                 {"items", i.items},
          {"neighbors", i.neighbors}, {"itemsWithoutNeighbors", i.items_without_neighbors},
          {"categories", i.categories}, {"jsonBytes", i.json_bytes},
          {"binaryBytes", i.binary_bytes}};
}

}  // namespace circlewise
