#pragma once
// Where the collector keeps reports and published models. Two implementations: SQLite in WAL mode
// (the embedded default, sqlite_store.cpp) and PostgreSQL through libpq (postgres_store.cpp).
// Both aggregate inside the database with GROUP BY (aggregation_sql.h), so a store returns
// sums, never the reports themselves, and sums from shards or time partitions simply add up.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"

namespace circlewise::collector {

struct StoredModel {
  int64_t version = 0;
  int64_t created = 0;  // unix seconds
  int64_t reports = 0;  // reports the model was built from
  std::string body;     // the model JSON (item_model.h format)
};

struct ModelVersion {
  int64_t version = 0, created = 0, reports = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Stores the reports in one transaction and returns only after it is durably committed.
  // Result i is true when report i was new, false when its id was already stored (a retry).
  virtual std::vector<bool> insert(const std::vector<const LdpReport*>& reports) = 0;
  // Per (mechanism, epsilon) sums of every stored report of `kind`.
  virtual std::vector<LdpGroupSums> sums(ReportKind kind) = 0;
  virtual int64_t report_count() = 0;
  // Appends a model as version max+1 in one transaction, keeping the newest `keep` versions.
  virtual int64_t save_model(const std::string& body, int64_t reports, int64_t created, int keep) = 0;
  // version 0: the latest.
  virtual std::optional<StoredModel> model(int64_t version) = 0;
  virtual std::vector<ModelVersion> models() = 0;
  virtual int64_t latest_model_version() = 0;  // 0: none
  virtual std::string name() const = 0;  // "sqlite" | "postgresql"
};

// Throws std::runtime_error with the database's message when it cannot be opened or set up.
std::unique_ptr<Store> open_sqlite_store(const std::string& directory);
std::unique_ptr<Store> open_postgres_store(const std::string& conninfo);

}  // namespace circlewise::collector
