#include "config.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

namespace circlewise::collector {

const char* const kHelp = R"(circlewise-collector: receives local-differential-privacy reports from learners' browsers,
aggregates them, and publishes the item model the on-device recommender downloads.

Usage: circlewise-collector --catalogue FILE [options]

Every option can also be set by an environment variable: --max-body => CIRCLEWISE_COLLECTOR_MAX_BODY.
Flags win over the environment.

  --catalogue FILE     required: the courses, in the index order reports use. A JSON array of ids or of
                       {"id","title","category","price"} objects, or an item model file (its items).
  --public-counts FILE the site's own count of learners per course ({"<id>": learners} or an array in
                       catalogue order), read again at every rebuild (replace the file to update it). The
                       model then takes popularity from it and shrinks the private pair estimates towards
                       it (the hybrid, docs/privacy.md). What devices report does not change.
  --host HOST          address to listen on (default 127.0.0.1)
  --port N             port (default 8787; 0 picks a free one, named in the "listening" log line)
  --data DIR           SQLite storage directory, created if missing (default ./collector-data)
  --db URL             PostgreSQL instead of SQLite: postgresql://user@host:port/dbname (libpq syntax)
  --admin-token TOKEN  secret for POST /v1/model/rebuild (Authorization: Bearer TOKEN); unset = disabled.
                       Prefer the environment variable CIRCLEWISE_COLLECTOR_ADMIN_TOKEN (flags show in ps).
  --allow-origin LIST  comma-separated site origins allowed by CORS, e.g. https://courses.example
                       (repeatable); requests from other origins are refused
  --min-epsilon X      reports with epsilon outside [min, max] are rejected (default 0.1)
  --max-epsilon X      (default 8)
  --max-body BYTES     largest request body (default 1048576)
  --max-batch N        most reports per request (default 1000)
  --rate-limit R       requests per second per client, 0 = off (default 20)
  --rate-burst B       requests a client may burst above the rate (default 40)
  --rebuild-every S    rebuild the model every S seconds when new reports arrived, 0 = only on
                       request (default 300)
  --keep-models N      model versions kept (default 20)
  --threads N          HTTP worker threads (default 32)
  --top-items N        pairs are estimated among the N most frequent courses (default 300)
  --k N                neighbours per course in the model (default 20)
  --log-requests       one log line per request (method, route, status, milliseconds)
  --help               this text

API: POST /v1/reports, GET /v1/model, GET /v1/models, GET /v1/estimates, POST /v1/model/rebuild,
GET /healthz, GET /metrics. Docs: docs/collector.md.
)";

namespace {

double number(const std::string& name, const std::string& v, double lo, double hi) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x) || x < lo || x > hi)
    throw std::invalid_argument(name + " must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                "], got \"" + v + "\"");
  return x;
}

int64_t integer(const std::string& name, const std::string& v, int64_t lo, int64_t hi) {
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < lo || x > hi)
    throw std::invalid_argument(name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                "], got \"" + v + "\"");
  return x;
}

void split_origins(const std::string& v, std::vector<std::string>& out) {
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string o = v.substr(start, end - start);
    while (!o.empty() && o.back() == ' ') o.pop_back();
    while (!o.empty() && o.front() == ' ') o.erase(0, 1);
    if (o == "*") throw std::invalid_argument("--allow-origin: \"*\" is not allowed; list the site origins");
    if (!o.empty()) out.push_back(o);
    start = end + 1;
  }
}

}  // namespace

Config parse_config(int argc, char** argv, char** envp) {
  Config c;
  using Setter = std::function<void(const std::string& name, const std::string& value)>;
  const std::map<std::string, Setter> options = {
      {"host", [&](auto&, auto& v) { c.host = v; }},
      {"port", [&](auto& n, auto& v) { c.port = static_cast<int>(integer(n, v, 0, 65535)); }},
      {"data", [&](auto&, auto& v) { c.data = v; }},
      {"db", [&](auto&, auto& v) { c.db = v; }},
      {"catalogue", [&](auto&, auto& v) { c.catalogue = v; }},
      {"public-counts", [&](auto&, auto& v) { c.public_counts = v; }},
      {"admin-token", [&](auto& n, auto& v) {
         if (!v.empty() && v.size() < 16) throw std::invalid_argument(n + " must be at least 16 characters");
         c.admin_token = v;
       }},
      {"allow-origin", [&](auto&, auto& v) { split_origins(v, c.allow_origins); }},
      {"min-epsilon", [&](auto& n, auto& v) { c.min_epsilon = number(n, v, 0.01, 10); }},
      {"max-epsilon", [&](auto& n, auto& v) { c.max_epsilon = number(n, v, 0.01, 10); }},
      {"max-body", [&](auto& n, auto& v) { c.max_body = static_cast<size_t>(integer(n, v, 1024, int64_t{1} << 30)); }},
      {"max-batch", [&](auto& n, auto& v) { c.max_batch = static_cast<size_t>(integer(n, v, 1, 100000)); }},
      {"rate-limit", [&](auto& n, auto& v) { c.rate_limit = number(n, v, 0, 1e6); }},
      {"rate-burst", [&](auto& n, auto& v) { c.rate_burst = number(n, v, 1, 1e6); }},
      {"rebuild-every", [&](auto& n, auto& v) { c.rebuild_every = number(n, v, 0, 1e7); }},
      {"keep-models", [&](auto& n, auto& v) { c.keep_models = static_cast<int>(integer(n, v, 1, 100000)); }},
      {"threads", [&](auto& n, auto& v) { c.threads = static_cast<int>(integer(n, v, 1, 1024)); }},
      {"top-items", [&](auto& n, auto& v) { c.top_items = static_cast<int>(integer(n, v, 2, 3000)); }},
      {"k", [&](auto& n, auto& v) { c.k = static_cast<int>(integer(n, v, 1, 1000)); }},
      {"log-requests", [&](auto& n, auto& v) {
         if (v != "1" && v != "0" && v != "true" && v != "false") throw std::invalid_argument(n + " must be 1/0/true/false");
         c.log_requests = v == "1" || v == "true";
       }},
  };
  // Environment first, then flags.
  for (char** e = envp; e && *e; ++e) {
    const char* prefix = "CIRCLEWISE_COLLECTOR_";
    if (std::strncmp(*e, prefix, std::strlen(prefix)) != 0) continue;
    std::string kv = *e + std::strlen(prefix);
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string key = kv.substr(0, eq);
    for (char& ch : key) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto it = options.find(key);
    if (it == options.end())
      throw std::invalid_argument("unknown environment variable " + std::string(*e).substr(0, std::string(*e).find('=')) +
                                  " (see --help)");
    it->second(std::string(prefix) + kv.substr(0, eq), kv.substr(eq + 1));
  }
  bool origins_from_flags = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      c.help = true;
      return c;
    }
    if (a.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument \"" + a + "\" (see --help)");
    std::string key = a.substr(2), value;
    size_t eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (key == "log-requests") {
      value = "1";
    } else {
      if (i + 1 >= argc) throw std::invalid_argument("--" + key + " needs a value (see --help)");
      value = argv[++i];
    }
    auto it = options.find(key);
    if (it == options.end()) throw std::invalid_argument("unknown option --" + key + " (see --help)");
    if (key == "allow-origin" && !origins_from_flags) {
      c.allow_origins.clear();  // flags replace the environment's list
      origins_from_flags = true;
    }
    it->second("--" + key, value);
  }
  if (c.min_epsilon > c.max_epsilon) throw std::invalid_argument("--min-epsilon must not exceed --max-epsilon");
  if (c.catalogue.empty()) throw std::invalid_argument("--catalogue FILE is required (see --help)");
  return c;
}

}  // namespace circlewise::collector
