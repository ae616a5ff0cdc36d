#pragma once
// Group commit: concurrent requests hand their reports to one writer thread, which stores everything
// waiting in one transaction and then wakes them all. One fsync acknowledges many requests, so
// durable (ack-after-commit) storage keeps up with many small batches.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "store.h"

namespace circlewise::collector {

class GroupCommitter {
 public:
  explicit GroupCommitter(Store& store);
  ~GroupCommitter();
  // Blocks until the reports are committed; result i: report i was new. Rethrows a store failure.
  std::vector<bool> insert(const std::vector<const LdpReport*>& reports);
  // Commits what is queued, then refuses new work.
  void stop();

 private:
  struct Pending {
    const std::vector<const LdpReport*>* reports;
    std::vector<bool> fresh;
    std::exception_ptr error;
    bool done = false;
  };
  void loop();

  Store& store_;
  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace circlewise::collector
