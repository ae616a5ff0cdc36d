#include "group_commit.h"

#include <stdexcept>

namespace circlewise::collector {

GroupCommitter::GroupCommitter(Store& store) : store_(store), thread_([this] { loop(); }) {}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<bool> GroupCommitter::insert(const std::vector<const LdpReport*>& reports) {
  if (reports.empty()) return {};
  Pending p{&reports, {}, nullptr, false};
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) throw std::runtime_error("the collector is shutting down");
  queue_.push_back(&p);
  work_.notify_one();
  done_.wait(lock, [&] { return p.done; });
  if (p.error) std::rethrow_exception(p.error);
  return std::move(p.fresh);
}

void GroupCommitter::loop() {
  for (;;) {
    std::deque<Pending*> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      batch.swap(queue_);
    }
    std::vector<const LdpReport*> all;
    for (Pending* p : batch) all.insert(all.end(), p->reports->begin(), p->reports->end());
    std::vector<bool> fresh;
    std::exception_ptr error;
    try {
      fresh = store_.insert(all);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      size_t at = 0;
      for (Pending* p : batch) {
        if (error) p->error = error;
        else p->fresh.assign(fresh.begin() + static_cast<long>(at), fresh.begin() + static_cast<long>(at + p->reports->size()));
        at += p->reports->size();
        p->done = true;
      }
    }
    done_.notify_all();
  }
}

}  // namespace circlewise::collector
