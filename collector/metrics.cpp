#include "metrics.h"

#include <chrono>
#include <cstdio>

namespace circlewise::collector {

void Metrics::reports(uint64_t accepted, uint64_t duplicates) {
  std::lock_guard<std::mutex> lock(mutex_);
  accepted_ += accepted;
  duplicates_ += duplicates;
}

void Metrics::rejected(ReportRejection why, uint64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  rejected_[std::string(rejection_code(why))] += n;
}

void Metrics::refused(const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++refused_[why];
}

void Metrics::request(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++responses_[{route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::rebuild(bool ok) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++(ok ? rebuilds_ : rebuild_failures_);
}

void Metrics::estimates(bool from_cache) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++(from_cache ? estimates_hit_ : estimates_miss_);
}

std::string Metrics::render(int64_t model_version, int64_t model_created, int64_t stored_reports) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string s;
  char buf[256];
  auto line = [&](const char* fmt, auto... args) {
    std::snprintf(buf, sizeof buf, fmt, args...);
    s += buf;
  };
  s += "# HELP circlewise_collector_reports_accepted_total Reports stored (new ids).\n"
       "# TYPE circlewise_collector_reports_accepted_total counter\n";
  line("circlewise_collector_reports_accepted_total %llu\n", static_cast<unsigned long long>(accepted_));
  s += "# HELP circlewise_collector_reports_duplicate_total Reports whose id was already stored (retries), acknowledged and not counted again.\n"
       "# TYPE circlewise_collector_reports_duplicate_total counter\n";
  line("circlewise_collector_reports_duplicate_total %llu\n", static_cast<unsigned long long>(duplicates_));
  s += "# HELP circlewise_collector_reports_rejected_total Reports rejected, by reason.\n"
       "# TYPE circlewise_collector_reports_rejected_total counter\n";
  for (auto why : {ReportRejection::kInvalid, ReportRejection::kWrongCatalogue, ReportRejection::kEpsilonOutOfRange,
                   ReportRejection::kDuplicateInBatch}) {
    auto it = rejected_.find(std::string(rejection_code(why)));
    line("circlewise_collector_reports_rejected_total{reason=\"%s\"} %llu\n", std::string(rejection_code(why)).c_str(),
         static_cast<unsigned long long>(it == rejected_.end() ? 0 : it->second));
  }
  s += "# HELP circlewise_collector_requests_refused_total Requests refused whole, by reason.\n"
       "# TYPE circlewise_collector_requests_refused_total counter\n";
  for (const auto& [why, n] : refused_)
    line("circlewise_collector_requests_refused_total{reason=\"%s\"} %llu\n", why.c_str(),
         static_cast<unsigned long long>(n));
  s += "# HELP circlewise_collector_responses_total Responses by route and HTTP status.\n"
       "# TYPE circlewise_collector_responses_total counter\n";
  for (const auto& [key, n] : responses_)
    line("circlewise_collector_responses_total{route=\"%s\",code=\"%d\"} %llu\n", key.first.c_str(), key.second,
         static_cast<unsigned long long>(n));
  s += "# HELP circlewise_collector_request_duration_seconds Time to handle a request, by route.\n"
       "# TYPE circlewise_collector_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      line("circlewise_collector_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", route.c_str(),
           kBuckets[i], static_cast<unsigned long long>(h.counts[i]));
    line("circlewise_collector_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", route.c_str(),
         static_cast<unsigned long long>(h.count));
    line("circlewise_collector_request_duration_seconds_sum{route=\"%s\"} %.9g\n", route.c_str(), h.sum);
    line("circlewise_collector_request_duration_seconds_count{route=\"%s\"} %llu\n", route.c_str(),
         static_cast<unsigned long long>(h.count));
  }
  s += "# HELP circlewise_collector_model_rebuilds_total Model rebuilds, by outcome.\n"
       "# TYPE circlewise_collector_model_rebuilds_total counter\n";
  line("circlewise_collector_model_rebuilds_total{outcome=\"ok\"} %llu\n", static_cast<unsigned long long>(rebuilds_));
  line("circlewise_collector_model_rebuilds_total{outcome=\"failed\"} %llu\n",
       static_cast<unsigned long long>(rebuild_failures_));
  s += "# HELP circlewise_collector_estimates_total GET /v1/estimates answers, served from the cache (hit) or computed (miss).\n"
       "# TYPE circlewise_collector_estimates_total counter\n";
  line("circlewise_collector_estimates_total{cache=\"hit\"} %llu\n", static_cast<unsigned long long>(estimates_hit_));
  line("circlewise_collector_estimates_total{cache=\"miss\"} %llu\n", static_cast<unsigned long long>(estimates_miss_));
  s += "# HELP circlewise_collector_model_version Version of the published model (0: none yet).\n"
       "# TYPE circlewise_collector_model_version gauge\n";
  line("circlewise_collector_model_version %lld\n", static_cast<long long>(model_version));
  s += "# HELP circlewise_collector_model_age_seconds Seconds since the published model was built.\n"
       "# TYPE circlewise_collector_model_age_seconds gauge\n";
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  line("circlewise_collector_model_age_seconds %lld\n",
       static_cast<long long>(model_version ? now - model_created : 0));
  s += "# HELP circlewise_collector_stored_reports Reports in storage.\n"
       "# TYPE circlewise_collector_stored_reports gauge\n";
  line("circlewise_collector_stored_reports %lld\n", static_cast<long long>(stored_reports));
  return s;
}

}  // namespace circlewise::collector
