#include "circlewise/event_log.h"

namespace circlewise {

EventLog::EventLog() {
  for (auto name : kKnownEventNames) event_names.intern(name);
}

void EventLog::reserve(size_t n) {
  user.reserve(n);
  item.reserve(n);
  event.reserve(n);
  ts_ms.reserve(n);
  amount.reserve(n);
  community.reserve(n);
  referrer.reserve(n);
}

void EventLog::append(std::string_view user_id, std::string_view item_id,
                      std::string_view event_name, int64_t ts, double money,
                      std::string_view community_name, std::string_view referrer_id) {
  user.push_back(users.intern(user_id));
  item.push_back(item_id.empty() ? kNone : items.intern(item_id));
  event.push_back(event_names.intern(event_name));
  ts_ms.push_back(ts);
  amount.push_back(money);
  community.push_back(community_name.empty() ? kNone : communities.intern(community_name));
  referrer.push_back(referrer_id.empty() ? kNone : users.intern(referrer_id));
}

}  // namespace circlewise
