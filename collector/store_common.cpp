#include "store_common.h"

#include <chrono>
#include <map>
#include <utility>

namespace circlewise::collector {

std::vector<LdpGroupSums> assemble_sums(const Rows& groups, const Rows& grr, const Rows& oue, const Rows& olh) {
  std::map<std::pair<int, double>, LdpGroupSums> by;
  for (const auto& r : groups) {
    LdpGroupSums& s = by[{static_cast<int>(r[0].i), r[1].d}];
    s.mechanism = static_cast<Mechanism>(r[0].i);
    s.epsilon = r[1].d;
    s.reports = static_cast<uint64_t>(r[2].i);
  }
  for (const auto& r : grr)
    by[{0, r[0].d}].support.emplace_back(static_cast<uint64_t>(r[1].i), static_cast<uint64_t>(r[2].i));
  for (const auto& r : oue)
    by[{1, r[0].d}].support.emplace_back(static_cast<uint64_t>(r[1].i), static_cast<uint64_t>(r[2].i));
  for (const auto& r : olh)
    by[{2, r[0].d}].olh.push_back(
        {{OlhHash{static_cast<uint64_t>(r[1].i), static_cast<uint64_t>(r[2].i)}, static_cast<uint64_t>(r[3].i)},
         static_cast<uint64_t>(r[4].i)});
  std::vector<LdpGroupSums> out;
  for (auto& [key, s] : by) out.push_back(std::move(s));
  return out;
}

ReportColumns columns_of(const LdpReport& r) {
  ReportColumns c{};
  c.kind = r.kind == ReportKind::kItem ? 0 : 1;
  c.mechanism = static_cast<int>(r.mechanism);
  c.epsilon = r.epsilon;
  c.items = static_cast<int64_t>(r.items);
  c.value = r.mechanism == Mechanism::kOue ? 0 : static_cast<int64_t>(r.payload.value);
  c.hash_a = r.mechanism == Mechanism::kOlh ? static_cast<int64_t>(r.payload.hash.a) : 0;
  c.hash_b = r.mechanism == Mechanism::kOlh ? static_cast<int64_t>(r.payload.hash.b) : 0;
  return c;
}

int64_t today() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count() / 86400;
}

}  // namespace circlewise::collector
