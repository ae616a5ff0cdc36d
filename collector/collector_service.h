#pragma once
// The HTTP service: routes of the /v1 API on cpp-httplib, CORS, limits, rate limiting, metrics,
// and the model rebuild (on request and on a schedule). docs/collector.md describes the API.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Eigen before httplib: httplib pulls in <resolv.h>, whose `_res` macro breaks Eigen's headers.
#include "circlewise/item_model.h"
#include "circlewise/ldp_aggregator.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "config.h"
#include "group_commit.h"
#include "metrics.h"
#include "rate_limiter.h"
#include "store.h"

namespace circlewise::collector {

class CollectorService {
 public:
  CollectorService(Config config, std::unique_ptr<Store> store, std::vector<ModelItem> catalogue);
  ~CollectorService();
  // Binds, logs the address, serves until stop(). Returns false when the address cannot be bound.
  bool run();
  // Stops accepting, finishes requests in flight, commits what is queued. Safe from any thread.
  void stop();
  // Builds and publishes a new model version from every stored report.
  nlohmann::json rebuild(const char* trigger);

 private:
  struct Published {
    int64_t version = 0, created = 0, reports = 0;
    std::string body, etag;
  };
  void routes();
  void post_reports(const httplib::Request& req, httplib::Response& res);
  void get_model(const httplib::Request& req, httplib::Response& res);
  void get_estimates(const httplib::Request& req, httplib::Response& res);
  void post_rebuild(const httplib::Request& req, httplib::Response& res);
  httplib::Server::HandlerResponse before(const httplib::Request& req, httplib::Response& res);
  void schedule_loop();
  std::shared_ptr<const Published> published() const;
  // Switches to a newer version another collector on the same database published (checked at most
  // once a second).
  void follow_store();
  void publish(const StoredModel& m);
  // The site's public counts (--public-counts), read now; `missing` = catalogue courses not in the file.
  std::vector<double> read_public_counts(size_t& missing) const;

  Config config_;
  std::unique_ptr<Store> store_;
  std::vector<ModelItem> catalogue_;
  httplib::Server server_;
  Metrics metrics_;
  RateLimiter limiter_;
  GroupCommitter committer_;
  std::atomic<int64_t> stored_{0};
  mutable std::mutex published_mutex_;
  std::shared_ptr<const Published> published_;
  std::atomic<int64_t> last_follow_ms_{0};
  std::mutex rebuild_mutex_;
  std::mutex estimates_mutex_;
  // /v1/estimates bodies by "kind top", valid while the stored report count and the published model
  // version are those they were computed at (guarded by estimates_mutex_).
  struct CachedEstimates {
    int64_t reports = -1, version = -1;
    std::string body;
  };
  std::map<std::string, CachedEstimates> estimates_cache_;
  std::mutex schedule_mutex_;
  std::condition_variable schedule_cv_;
  bool stopping_ = false;
  std::thread schedule_;
};

}  // namespace circlewise::collector
