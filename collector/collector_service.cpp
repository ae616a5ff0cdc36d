#include "collector_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/ldp_aggregator.h"
#include "circlewise/report_batch.h"
#include "log.h"

namespace circlewise::collector {
namespace {

using Clock = std::chrono::steady_clock;
thread_local Clock::time_point request_start;  // one worker thread handles a request from start to end

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

// Equal-length-independent, data-independent comparison: every byte of the expected token is
// looked at whatever the input, so the time says nothing about how much of a guess was right.
bool constant_time_equal(const std::string& expected, const std::string& given) {
  unsigned char diff = expected.size() != given.size();
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

// A fixed set of labels (no user-controlled strings in metrics).
std::string route_of(const std::string& path) {
  for (const char* r : {"/v1/reports", "/v1/model", "/v1/models", "/v1/estimates", "/v1/model/rebuild", "/healthz",
                        "/metrics"})
    if (path == r) return r;
  return "other";
}

bool parse_int(const std::string& s, int64_t lo, int64_t hi, int64_t& out) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoll(s);
  return out >= lo && out <= hi;
}

}  // namespace

CollectorService::CollectorService(Config config, std::unique_ptr<Store> store, std::vector<ModelItem> catalogue)
    : config_(std::move(config)),
      store_(std::move(store)),
      catalogue_(std::move(catalogue)),
      limiter_(config_.rate_limit, config_.rate_burst),
      committer_(*store_) {
  stored_ = store_->report_count();
  if (!config_.public_counts.empty()) {  // fail at start-up, not at the first scheduled rebuild
    size_t missing = 0;
    read_public_counts(missing);
  }
  if (auto m = store_->model(0)) {
    publish(*m);
  } else {
    rebuild("startup");  // a model exists from the first second (popularity 0 until reports arrive)
  }
  routes();
}

CollectorService::~CollectorService() {
  stop();
  if (schedule_.joinable()) schedule_.join();
  committer_.stop();
}

void CollectorService::publish(const StoredModel& m) {
  auto p = std::make_shared<Published>();
  p->version = m.version;
  p->created = m.created;
  p->reports = m.reports;
  p->body = m.body;
  p->etag = "\"v" + std::to_string(p->version) + "-" + std::to_string(p->created) + "\"";
  std::lock_guard<std::mutex> lock(published_mutex_);
  if (!published_ || published_->version < p->version) published_ = p;
}

void CollectorService::follow_store() {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  int64_t last = last_follow_ms_.load();
  if (now - last < 1000 || !last_follow_ms_.compare_exchange_strong(last, now)) return;
  try {
    auto p = published();
    if (store_->latest_model_version() > (p ? p->version : 0))
      if (auto m = store_->model(0)) publish(*m);
  } catch (const std::exception& e) {
    log_line("error", "reading the latest model failed", {{"error", e.what()}});  // keep serving ours
  }
}

std::shared_ptr<const CollectorService::Published> CollectorService::published() const {
  std::lock_guard<std::mutex> lock(published_mutex_);
  return published_;
}

nlohmann::json CollectorService::rebuild(const char* trigger) {
  std::lock_guard<std::mutex> lock(rebuild_mutex_);
  const auto t0 = Clock::now();
  try {
    const uint64_t n = catalogue_.size();
    AggregatorOptions io, po;
    io.kind = ReportKind::kItem;
    po.kind = ReportKind::kPair;
    io.items = po.items = n;  // epsilon was checked when each report was accepted
    LdpAggregator items(io), pairs(po);
    for (const auto& s : store_->sums(ReportKind::kItem)) items.add_sums(s);
    for (const auto& s : store_->sums(ReportKind::kPair)) pairs.add_sums(s);
    LdpModelOptions mo = ldp_model_options_from_json(
        {{"topItems", std::min<int64_t>(config_.top_items, static_cast<int64_t>(n))}, {"k", config_.k}});
    size_t missing = 0;
    if (!config_.public_counts.empty()) mo.public_counts = read_public_counts(missing);
    ItemModelBuild b = item_model_from_ldp(items, pairs, catalogue_, mo);
    auto p = std::make_shared<Published>();
    p->body = to_json(b.model).dump();
    p->created = unix_now();
    p->reports = static_cast<int64_t>(items.accepted() + pairs.accepted());
    p->version = store_->save_model(p->body, p->reports, p->created, config_.keep_models);
    p->etag = "\"v" + std::to_string(p->version) + "-" + std::to_string(p->created) + "\"";
    {
      std::lock_guard<std::mutex> l(published_mutex_);
      if (!published_ || published_->version < p->version) published_ = p;
    }
    metrics_.rebuild(true);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    nlohmann::json out = {{"version", p->version},
                          {"itemReports", items.accepted()},
                          {"pairReports", pairs.accepted()},
                          {"items", n},
                          {"milliseconds", std::round(ms * 10) / 10},
                          {"method", b.model.method},
                          {"report", to_json(b.report)}};
    if (!config_.public_counts.empty())
      out["publicCounts"] = {{"file", config_.public_counts}, {"courses", n - missing}, {"missing", missing}};
    log_line("info", "model rebuilt",
             {{"trigger", trigger}, {"version", p->version}, {"itemReports", items.accepted()},
              {"pairReports", pairs.accepted()}, {"ms", out["milliseconds"]}});
    return out;
  } catch (const std::exception& e) {
    metrics_.rebuild(false);
    log_line("error", "model rebuild failed", {{"trigger", trigger}, {"error", e.what()}});
    throw;
  }
}

std::vector<double> CollectorService::read_public_counts(size_t& missing) const {
  std::ifstream in(config_.public_counts, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the public counts file " + config_.public_counts);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("the public counts file " + config_.public_counts + " is not valid JSON");
  return public_counts_from_json(j, catalogue_, &missing);
}

httplib::Server::HandlerResponse CollectorService::before(const httplib::Request& req, httplib::Response& res) {
  request_start = Clock::now();
  using R = httplib::Server::HandlerResponse;
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-store");
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty()) {
    if (std::find(config_.allow_origins.begin(), config_.allow_origins.end(), origin) == config_.allow_origins.end()) {
      metrics_.refused("origin_not_allowed");
      send_error(res, 403, "origin not allowed (the collector's --allow-origin list decides which sites may send)");
      return R::Handled;
    }
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Vary", "Origin");
    res.set_header("Access-Control-Expose-Headers", "ETag, X-Model-Version");
    if (req.method == "OPTIONS") {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Content-Type, If-None-Match");
      res.set_header("Access-Control-Max-Age", "600");
      res.status = 204;
      return R::Handled;
    }
  }
  const std::string encoding = req.get_header_value("Content-Encoding");
  if (!encoding.empty() && encoding != "identity") {
    // Decompressing would let a small body expand past --max-body before it is checked.
    metrics_.refused("content_encoding");
    send_error(res, 415, "compressed request bodies are not accepted (Content-Encoding: " +
                             encoding.substr(0, 40) + ")");
    return R::Handled;
  }
  if (req.method == "POST" && !req.has_header("Content-Length")) {
    // A chunked body's size is known only after reading it; with a length the limit holds up front.
    metrics_.refused("length_required");
    send_error(res, 411, "Content-Length is required (chunked request bodies are not accepted)");
    res.set_header("Connection", "close");
    return R::Handled;
  }
  if (req.has_header("Content-Length")) {
    const std::string len = req.get_header_value("Content-Length");
    int64_t n = 0;
    if (!parse_int(len, 0, INT64_MAX / 2, n) || static_cast<uint64_t>(n) > config_.max_body) {
      metrics_.refused("too_large");
      send_error(res, 413, "request body larger than the limit of " + std::to_string(config_.max_body) + " bytes");
      res.set_header("Connection", "close");
      return R::Handled;
    }
  }
  if (req.path.rfind("/v1/", 0) == 0) {
    double retry = 0;
    if (!limiter_.allow(req.remote_addr, &retry)) {
      metrics_.refused("rate_limited");
      res.set_header("Retry-After", std::to_string(static_cast<int>(std::ceil(retry))));
      send_error(res, 429, "too many requests from this client; retry after " +
                               std::to_string(static_cast<int>(std::ceil(retry))) + " s");
      return R::Handled;
    }
  }
  return R::Unhandled;
}

void CollectorService::post_reports(const httplib::Request& req, httplib::Response& res) {
  ReportBatchRules rules;
  rules.items = catalogue_.size();
  rules.min_epsilon = config_.min_epsilon;
  rules.max_epsilon = config_.max_epsilon;
  rules.max_reports = config_.max_batch;
  std::vector<CheckedReport> checked;
  try {
    checked = parse_report_batch(req.body, rules);
  } catch (const BatchTooLarge& e) {
    metrics_.refused("too_many_reports");
    return send_error(res, 413, e.what());
  } catch (const InputError& e) {
    metrics_.refused("malformed");
    return send_error(res, 400, e.what());
  }
  std::vector<const LdpReport*> valid;
  for (const auto& c : checked)
    if (c.ok()) valid.push_back(&c.report);
  std::vector<bool> fresh;
  try {
    fresh = committer_.insert(valid);
  } catch (const std::exception& e) {
    log_line("error", "storing reports failed", {{"error", e.what()}, {"reports", valid.size()}});
    res.set_header("Retry-After", "1");
    return send_error(res, 503, "storage unavailable; nothing from this request was stored, retry later");
  }
  nlohmann::json results = nlohmann::json::array();
  uint64_t accepted = 0, duplicates = 0, rejected = 0;
  size_t v = 0;
  for (size_t i = 0; i < checked.size(); ++i) {
    const CheckedReport& c = checked[i];
    if (c.ok()) {
      const bool is_new = fresh[v++];
      (is_new ? accepted : duplicates)++;
      results.push_back({{"index", i}, {"id", c.report.id}, {"status", is_new ? "accepted" : "duplicate"}});
    } else {
      ++rejected;
      metrics_.rejected(c.rejection);
      results.push_back({{"index", i}, {"status", "rejected"}, {"code", rejection_code(c.rejection)}, {"reason", c.reason}});
    }
  }
  stored_ += static_cast<int64_t>(accepted);
  metrics_.reports(accepted, duplicates);
  send_json(res, 200, {{"accepted", accepted}, {"duplicates", duplicates}, {"rejected", rejected}, {"results", results}});
}

void CollectorService::get_model(const httplib::Request& req, httplib::Response& res) {
  std::shared_ptr<const Published> p;
  if (req.has_param("version")) {
    int64_t version = 0;
    if (!parse_int(req.get_param_value("version"), 1, INT64_MAX / 2, version))
      return send_error(res, 400, "\"version\" must be a positive integer");
    auto m = store_->model(version);
    if (!m) return send_error(res, 404, "model version " + std::to_string(version) + " does not exist (see /v1/models)");
    auto q = std::make_shared<Published>();
    q->version = m->version;
    q->created = m->created;
    q->body = std::move(m->body);
    q->etag = "\"v" + std::to_string(q->version) + "-" + std::to_string(q->created) + "\"";
    p = q;
    res.headers.erase("Cache-Control");
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");  // a version never changes
  } else {
    follow_store();
    p = published();
    if (!p) return send_error(res, 404, "no model has been built yet");
    res.headers.erase("Cache-Control");
    res.set_header("Cache-Control", "no-cache");  // revalidate with If-None-Match
  }
  res.set_header("ETag", p->etag);
  res.set_header("X-Model-Version", std::to_string(p->version));
  const std::string inm = req.get_header_value("If-None-Match");
  if (!inm.empty() && (inm == "*" || inm.find(p->etag) != std::string::npos)) {
    res.status = 304;
    return;
  }
  // cpp-httplib gzips (or brotli-compresses) JSON when the client's Accept-Encoding allows it.
  res.status = 200;
  res.set_content(p->body, "application/json");
}

void CollectorService::get_estimates(const httplib::Request& req, httplib::Response& res) {
  const std::string kind = req.has_param("kind") ? req.get_param_value("kind") : "item";
  if (kind != "item" && kind != "pair") return send_error(res, 400, "\"kind\" must be \"item\" or \"pair\"");
  int64_t top = 20;
  // OLH estimates cost (reports x values): pairs are bounded to the top 50 courses (1,225 pairs).
  if (req.has_param("top") && !parse_int(req.get_param_value("top"), 2, 50, top))
    return send_error(res, 400, "\"top\" must be an integer in [2, 50]");
  // One estimate at a time: parallel requests for this CPU-bound endpoint must not starve ingestion.
  std::lock_guard<std::mutex> one_at_a_time(estimates_mutex_);
  // Served from the cache while no report was stored and no model published since (the count is
  // the store's, so reports another collector on the same database stored invalidate it too).
  const int64_t reports = store_->report_count();
  const auto p = published();
  const int64_t version = p ? p->version : 0;
  const std::string key = kind + " " + std::to_string(kind == "pair" ? top : 0);
  auto hit = estimates_cache_.find(key);
  if (hit != estimates_cache_.end() && hit->second.reports == reports && hit->second.version == version) {
    res.set_header("X-Estimates-Cache", "hit");
    metrics_.estimates(true);
    res.status = 200;
    res.set_content(hit->second.body, "application/json");
    return;
  }
  for (auto it = estimates_cache_.begin(); it != estimates_cache_.end();)  // stale entries go
    it = it->second.reports != reports || it->second.version != version ? estimates_cache_.erase(it) : std::next(it);
  const uint64_t n = catalogue_.size();
  AggregatorOptions io;
  io.kind = ReportKind::kItem;
  io.items = n;
  LdpAggregator items(io);
  for (const auto& s : store_->sums(ReportKind::kItem)) items.add_sums(s);
  FrequencyEstimates ie = items.estimate();
  nlohmann::json out;
  if (kind == "item") {
    out = to_json(ie);
    for (auto& row : out["estimates"]) row["item"] = catalogue_[row["value"].get<size_t>()].id;
  } else {
    std::vector<uint64_t> order(n);
    for (uint64_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
      return ie.count[static_cast<Eigen::Index>(a)] > ie.count[static_cast<Eigen::Index>(b)];
    });
    order.resize(std::min<uint64_t>(n, static_cast<uint64_t>(top)));
    std::vector<uint64_t> values;
    for (size_t a = 0; a < order.size(); ++a)
      for (size_t b = a + 1; b < order.size(); ++b) values.push_back(pair_index(order[a], order[b], n));
    AggregatorOptions po = io;
    po.kind = ReportKind::kPair;
    LdpAggregator pairs(po);
    for (const auto& s : store_->sums(ReportKind::kPair)) pairs.add_sums(s);
    out = to_json(pairs.estimate(values), ReportKind::kPair, n);
    for (size_t i = 0; i < out["estimates"].size(); ++i) {
      const auto& pr = out["pairs"][i];
      out["estimates"][i]["items"] = {catalogue_[pr[0].get<size_t>()].id, catalogue_[pr[1].get<size_t>()].id};
    }
    out["topItems"] = top;
  }
  out["kind"] = kind;
  send_json(res, 200, out);
  estimates_cache_[key] = {reports, version, res.body};
  res.set_header("X-Estimates-Cache", "miss");
  metrics_.estimates(false);
}

void CollectorService::post_rebuild(const httplib::Request& req, httplib::Response& res) {
  if (config_.admin_token.empty())
    return send_error(res, 403, "rebuild on request is disabled: start the collector with an admin token "
                                "(CIRCLEWISE_COLLECTOR_ADMIN_TOKEN)");
  const std::string auth = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (auth.rfind(prefix, 0) != 0) {
    res.set_header("WWW-Authenticate", "Bearer");
    metrics_.refused("unauthorized");
    return send_error(res, 401, "missing admin token (Authorization: Bearer <token>)");
  }
  if (!constant_time_equal(config_.admin_token, auth.substr(prefix.size()))) {
    metrics_.refused("forbidden");
    return send_error(res, 403, "wrong admin token");
  }
  try {
    send_json(res, 200, rebuild("request"));
  } catch (const std::exception& e) {
    send_error(res, 500, std::string("rebuild failed: ") + e.what());
  }
}

void CollectorService::routes() {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) { return before(req, res); });
  server_.Post("/v1/reports", [this](const httplib::Request& q, httplib::Response& r) { post_reports(q, r); });
  server_.Get("/v1/model", [this](const httplib::Request& q, httplib::Response& r) { get_model(q, r); });
  server_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& r) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : store_->models()) list.push_back({{"version", m.version}, {"created", m.created}, {"reports", m.reports}});
    send_json(r, 200, {{"models", list}});
  });
  server_.Get("/v1/estimates", [this](const httplib::Request& q, httplib::Response& r) { get_estimates(q, r); });
  server_.Post("/v1/model/rebuild", [this](const httplib::Request& q, httplib::Response& r) { post_rebuild(q, r); });
  server_.Get("/healthz", [this](const httplib::Request&, httplib::Response& r) {
    try {
      const int64_t n = store_->report_count();  // proves the database answers
      auto p = published();
      send_json(r, 200, {{"status", "ok"}, {"storage", store_->name()}, {"reports", n}, {"modelVersion", p ? p->version : 0}});
    } catch (const std::exception& e) {
      send_json(r, 503, {{"status", "unavailable"}, {"error", e.what()}});
    }
  });
  server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& r) {
    auto p = published();
    r.set_content(metrics_.render(p ? p->version : 0, p ? p->created : 0, stored_.load()),
                  "text/plain; version=0.0.4");
  });
  server_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string limit = std::to_string(config_.max_body);
    if (res.status == 404) send_error(res, 404, "no such endpoint: " + req.method + " " + route_of(req.path) +
                                                   " (see docs/collector.md)");
    else if (res.status == 413) send_error(res, 413, "request body larger than the limit of " + limit + " bytes");
    else if (res.status == 405) send_error(res, 405, "method not allowed");
    else send_error(res, res.status, "the request could not be read (malformed HTTP, or a chunked body larger "
                                     "than the limit of " + limit + " bytes)");
    if (res.status == 400 || res.status == 413) metrics_.refused("unreadable");
  });
  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const InputError& e) {
      return send_error(res, 400, e.what());
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log_line("error", "request failed", {{"error", what}});
    send_error(res, 500, "internal error");
  });
  server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double s = std::chrono::duration<double>(Clock::now() - request_start).count();
    const std::string route = route_of(req.path);
    metrics_.request(route, res.status, s);
    if (config_.log_requests)
      log_line("info", "request", {{"method", req.method}, {"route", route}, {"status", res.status},
                                   {"ms", std::round(s * 1e4) / 10}});
  });
  // httplib's default socket option is SO_REUSEPORT, with which a second collector started on the
  // same port binds too and silently takes part of the connections (into its own store). Plain
  // SO_REUSEADDR (restart without waiting for TIME_WAIT) makes that start fail: "cannot listen".
  server_.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_.set_payload_max_length(config_.max_body);
  server_.set_keep_alive_max_count(100000);
  server_.set_tcp_nodelay(true);
  const size_t threads = static_cast<size_t>(config_.threads);
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
}

bool CollectorService::run() {
  int port = config_.port;
  if (port == 0) {
    port = server_.bind_to_any_port(config_.host);
    if (port < 0) return false;
  } else if (!server_.bind_to_port(config_.host, port)) {
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(schedule_mutex_);
    if (stopping_) return true;  // SIGTERM during start-up: stop() found nothing listening yet
    if (config_.rebuild_every > 0) schedule_ = std::thread([this] { schedule_loop(); });
  }
  auto p = published();
  log_line("info", "listening",
           {{"host", config_.host}, {"port", port}, {"storage", store_->name()}, {"items", catalogue_.size()},
            {"storedReports", stored_.load()}, {"modelVersion", p ? p->version : 0},
            {"allowOrigins", config_.allow_origins}});
  const bool ok = server_.listen_after_bind();  // returns after stop(), once the workers are joined
  stop();
  if (schedule_.joinable()) schedule_.join();
  committer_.stop();  // nothing is queued any more: every request has had its answer
  log_line("info", "stopped", {{"storedReports", stored_.load()}});
  return ok;
}

void CollectorService::schedule_loop() {
  int64_t built_at = published() ? published()->reports : -1;
  std::unique_lock<std::mutex> lock(schedule_mutex_);
  for (;;) {
    schedule_cv_.wait_for(lock, std::chrono::duration<double>(config_.rebuild_every), [&] { return stopping_; });
    if (stopping_) return;
    const int64_t now = stored_.load();
    if (now == built_at) continue;  // nothing new
    lock.unlock();
    try {
      rebuild("schedule");
      built_at = now;
    } catch (const std::exception&) {
      // logged by rebuild(); try again next period
    }
    lock.lock();
  }
}

void CollectorService::stop() {
  {
    std::lock_guard<std::mutex> lock(schedule_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  schedule_cv_.notify_all();
  server_.stop();
}

}  // namespace circlewise::collector
