#pragma once
// The collector's configuration: every setting is a flag (--name value) and an environment
// variable (CIRCLEWISE_COLLECTOR_NAME, dashes as underscores); flags win. `--help` prints
// kHelp, which lists them all with their defaults.
#include <cstdint>
#include <string>
#include <vector>

namespace circlewise::collector {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8787;                 // 0: any free port (the "listening" log line names it)
  std::string data = "./collector-data";  // SQLite directory
  std::string db;                  // postgresql://... ; when set, used instead of --data
  std::string catalogue;           // JSON file: item ids, {id,title,category,price} objects, or an item model
  std::string public_counts;       // JSON file: the site's own learners per course; read at every rebuild
  std::string admin_token;         // empty: POST /v1/model/rebuild is refused
  std::vector<std::string> allow_origins;  // CORS allow-list; exact origins
  double min_epsilon = 0.1, max_epsilon = 8;
  size_t max_body = 1 << 20;       // bytes
  size_t max_batch = 1000;         // reports per request
  double rate_limit = 20;          // requests per second per client; 0 = off
  double rate_burst = 40;
  double rebuild_every = 300;      // seconds; 0 = only on request
  int keep_models = 20;
  int threads = 32;
  int top_items = 300, k = 20;     // model from reports (ldp_aggregator.h LdpModelOptions)
  bool log_requests = false;
  bool help = false;
};

extern const char* const kHelp;

// Throws std::invalid_argument naming the flag or variable and what it accepts.
Config parse_config(int argc, char** argv, char** envp);

}  // namespace circlewise::collector
