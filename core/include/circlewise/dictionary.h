#pragma once
// Dictionary encoding of string ids (learners, courses, communities, event names): each distinct
// string gets a dense int32 code in order of first appearance.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace circlewise {

class Dictionary {
 public:
  // Code of `name`, adding it when new.
  int32_t intern(std::string_view name);
  // Code of `name`, or -1 when absent.
  int32_t find(std::string_view name) const;
  const std::string& name(int32_t code) const { return names_[static_cast<size_t>(code)]; }
  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int32_t> codes_;
  std::string key_;  // reused lookup buffer: no allocation per lookup for short ids
  int32_t last_ = -1;
};

}  // namespace circlewise
