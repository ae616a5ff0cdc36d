// circlewise-collector: the native service that receives LDP reports and publishes the item model.
// Configuration: config.h (`--help`). Shuts down gracefully on SIGTERM and SIGINT.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "circlewise/error.h"
#include "circlewise/ldp_aggregator.h"
#include "collector_service.h"
#include "config.h"
#include "log.h"

using namespace circlewise;
using namespace circlewise::collector;

namespace {

std::vector<ModelItem> load_catalogue(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the catalogue file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("the catalogue file " + path + " is not valid JSON");
  try {
    auto items = model_catalogue_from_json(j);
    if (items.size() > 65536) throw InputError("more than 65536 courses (pair reports need at most 2^31 pairs)");
    return items;
  } catch (const InputError& e) {
    throw std::runtime_error("catalogue " + path + ": " + e.what());
  }
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  Config config;
  try {
    config = parse_config(argc, argv, envp);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "circlewise-collector: %s\n", e.what());
    return 2;
  }
  if (config.help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  // Signals are taken by one thread with sigwait, so no handler runs inside a worker.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto catalogue = load_catalogue(config.catalogue);
    std::unique_ptr<Store> store = config.db.empty() ? open_sqlite_store(config.data) : open_postgres_store(config.db);
    CollectorService service(config, std::move(store), std::move(catalogue));
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == 0) return;
      log_line("info", "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      service.stop();
    });
    const bool ok = service.run();
    if (!ok) log_line("error", "cannot listen", {{"host", config.host}, {"port", config.port}});
    // Wake the waiter if the server ended on its own (bind failure).
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    log_line("error", "cannot start", {{"error", e.what()}});
    return 1;
  }
}
