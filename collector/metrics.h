#pragma once
// Counters and the request latency histogram, rendered in the Prometheus text format (0.0.4).
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "circlewise/report_batch.h"

namespace circlewise::collector {

class Metrics {
 public:
  void reports(uint64_t accepted, uint64_t duplicates);
  void rejected(ReportRejection why, uint64_t n = 1);
  // A whole request refused before its reports were looked at (malformed, too_large, rate_limited, ...).
  void refused(const std::string& why);
  void request(const std::string& route, int status, double seconds);
  void rebuild(bool ok);
  void estimates(bool from_cache);
  // model_version 0: none yet.
  std::string render(int64_t model_version, int64_t model_created, int64_t stored_reports) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05,   0.1,   0.25,   0.5,   1,    2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  uint64_t accepted_ = 0, duplicates_ = 0, rebuilds_ = 0, rebuild_failures_ = 0, estimates_hit_ = 0, estimates_miss_ = 0;
  std::map<std::string, uint64_t> rejected_, refused_;
  std::map<std::pair<std::string, int>, uint64_t> responses_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace circlewise::collector
