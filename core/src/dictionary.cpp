#include "circlewise/dictionary.h"

#include <limits>

#include "circlewise/error.h"

namespace circlewise {

int32_t Dictionary::intern(std::string_view name) {
  // Logs repeat the same value on consecutive rows (event names, communities, a learner's
  // session): checking the last hit first skips most hash lookups.
  if (last_ >= 0 && names_[static_cast<size_t>(last_)] == name) return last_;
  key_.assign(name.data(), name.size());
  auto it = codes_.find(key_);
  if (it != codes_.end()) return last_ = it->second;
  if (names_.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw InputError("too many distinct ids (more than 2^31-1)");
  auto code = static_cast<int32_t>(names_.size());
  names_.push_back(key_);
  codes_.emplace(key_, code);
  return last_ = code;
}

int32_t Dictionary::find(std::string_view name) const {
  auto it = codes_.find(std::string(name));
  return it == codes_.end() ? -1 : it->second;
}

}  // namespace circlewise
