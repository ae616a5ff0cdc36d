// PostgreSQL store through libpq. Inserts go in one statement per group commit (unnest of
// arrays, ON CONFLICT DO NOTHING RETURNING id tells which ids were new); its implicit commit
// returns after the WAL flush (synchronous_commit on, the server default). Aggregation is the
// GROUP BY SQL of aggregation_sql.h, run by the server.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include "aggregation_sql.h"
#include "store.h"
#include "store_common.h"

namespace circlewise::collector {
namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS reports (
  id TEXT PRIMARY KEY, kind SMALLINT NOT NULL, mechanism SMALLINT NOT NULL, epsilon DOUBLE PRECISION NOT NULL,
  items BIGINT NOT NULL, value BIGINT NOT NULL, hash_a BIGINT NOT NULL, hash_b BIGINT NOT NULL, day INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oue_bits (id TEXT NOT NULL, bit BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS oue_bits_id ON oue_bits (id);
CREATE TABLE IF NOT EXISTS models (
  version BIGINT PRIMARY KEY, created BIGINT NOT NULL, reports BIGINT NOT NULL, body TEXT NOT NULL);
)";

class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  ~Result() { PQclear(r_); }
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  PGresult* get() const { return r_; }
  int rows() const { return PQntuples(r_); }
  const char* at(int row, int col) const { return PQgetvalue(r_, row, col); }

 private:
  PGresult* r_;
};

class Connection {
 public:
  explicit Connection(const std::string& conninfo) : conninfo_(conninfo) { connect(); }
  ~Connection() { PQfinish(c_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a statement with text parameters; throws with the server's message on failure. A lost
  // connection is re-established once per call (the statement is retried only when nothing ran).
  Result run(const std::string& sql, const std::vector<std::string>& params = {}) {
    if (PQstatus(c_) != CONNECTION_OK) {
      PQreset(c_);
      if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error("PostgreSQL: " + std::string(PQerrorMessage(c_)));
    }
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    Result r(PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      throw std::runtime_error("PostgreSQL: " + std::string(PQresultErrorMessage(r.get())));
    return r;
  }
  Rows query(const std::string& sql) {
    Result r = run(sql);
    Rows rows(static_cast<size_t>(r.rows()));
    const int cols = PQnfields(r.get());
    for (int i = 0; i < r.rows(); ++i) {
      rows[static_cast<size_t>(i)].resize(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        // PostgreSQL >= 12 prints doubles in the shortest form that reads back exactly.
        rows[static_cast<size_t>(i)][static_cast<size_t>(c)] = {std::strtoll(r.at(i, c), nullptr, 10),
                                                                std::strtod(r.at(i, c), nullptr)};
      }
    }
    return rows;
  }
  // Several statements without parameters (the schema).
  void script(const char* sql) {
    Result r(PQexec(c_, sql));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error("PostgreSQL: " + std::string(PQresultErrorMessage(r.get())));
  }
  void rollback() noexcept {
    PGresult* r = PQexec(c_, "ROLLBACK");
    PQclear(r);
  }

 private:
  void connect() {
    c_ = PQconnectdb(conninfo_.c_str());
    if (PQstatus(c_) != CONNECTION_OK) {
      std::string why = PQerrorMessage(c_);
      PQfinish(c_);
      c_ = nullptr;
      throw std::runtime_error("cannot connect to PostgreSQL: " + why);
    }
    PGresult* r = PQexec(c_, "SET client_min_messages = warning");
    PQclear(r);
  }
  std::string conninfo_;
  PGconn* c_ = nullptr;
};

// A PostgreSQL array literal of integers or plain hex ids (no quoting needed for either).
template <class F>
std::string array_of(size_t n, F item) {
  std::string s = "{";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ',';
    s += item(i);
  }
  return s + "}";
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

class PostgresStore : public Store {
 public:
  explicit PostgresStore(const std::string& conninfo) : writer_(conninfo), reader_(conninfo) {
    writer_.script(kSchema);
  }

  std::vector<bool> insert(const std::vector<const LdpReport*>& reports) override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    std::vector<bool> fresh(reports.size(), false);
    if (reports.empty()) return fresh;
    std::vector<ReportColumns> c;
    for (const LdpReport* r : reports) c.push_back(columns_of(*r));
    const size_t n = reports.size();
    std::vector<std::string> bit_ids, bits;
    std::unordered_set<std::string> with_bits;  // an id twice in one group commit: its bits once
    for (const LdpReport* r : reports)
      if (r->mechanism == Mechanism::kOue && with_bits.insert(r->id).second)
        for (uint64_t b : r->payload.ones) {
          bit_ids.push_back(r->id);
          bits.push_back(std::to_string(b));
        }
    std::vector<std::string> params = {
        array_of(n, [&](size_t i) { return reports[i]->id; }),
        array_of(n, [&](size_t i) { return std::to_string(c[i].kind); }),
        array_of(n, [&](size_t i) { return std::to_string(c[i].mechanism); }),
        array_of(n, [&](size_t i) { return num(c[i].epsilon); }),
        array_of(n, [&](size_t i) { return std::to_string(c[i].items); }),
        array_of(n, [&](size_t i) { return std::to_string(c[i].value); }),
        array_of(n, [&](size_t i) { return std::to_string(c[i].hash_a); }),
        array_of(n, [&](size_t i) { return std::to_string(c[i].hash_b); }),
        std::to_string(today()),
        array_of(bit_ids.size(), [&](size_t i) { return bit_ids[i]; }),
        array_of(bits.size(), [&](size_t i) { return bits[i]; })};
    // One statement, so one round trip and one implicit transaction: the reports, and the OUE bits
    // of only those reports that were new (a retried report's bits are not added twice).
    Result r = writer_.run(
        "WITH ins AS (INSERT INTO reports (id, kind, mechanism, epsilon, items, value, hash_a, hash_b, day) "
        "SELECT u.*, $9::integer FROM unnest($1::text[], $2::smallint[], $3::smallint[], $4::float8[], "
        "$5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) AS u ON CONFLICT (id) DO NOTHING RETURNING id), "
        "bits AS (INSERT INTO oue_bits (id, bit) SELECT b.id, b.bit FROM unnest($10::text[], $11::bigint[]) AS b(id, bit) "
        "JOIN ins ON ins.id = b.id) "
        "SELECT id FROM ins",
        params);
    std::unordered_set<std::string> inserted;
    for (int i = 0; i < r.rows(); ++i) inserted.insert(r.at(i, 0));
    // The same id twice in one statement: ON CONFLICT keeps the first, so only it is fresh.
    for (size_t i = 0; i < n; ++i) fresh[i] = inserted.erase(reports[i]->id) == 1;
    return fresh;
  }

  std::vector<LdpGroupSums> sums(ReportKind kind) override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    const int k = kind == ReportKind::kItem ? 0 : 1;
    reader_.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");  // one snapshot for the four queries
    try {
      auto out = assemble_sums(reader_.query(sql::group_counts(k)), reader_.query(sql::grr_support(k)),
                               reader_.query(sql::oue_support(k)), reader_.query(sql::olh_support(k)));
      reader_.run("COMMIT");
      return out;
    } catch (...) {
      reader_.rollback();
      throw;
    }
  }

  int64_t report_count() override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    return reader_.query("SELECT count(*) FROM reports")[0][0].i;
  }

  int64_t save_model(const std::string& body, int64_t reports, int64_t created, int keep) override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    writer_.run("BEGIN");
    try {
      // The lock serialises concurrent collectors writing models to one database.
      writer_.run("LOCK TABLE models IN EXCLUSIVE MODE");
      const int64_t version = writer_.query("SELECT coalesce(max(version), 0) + 1 FROM models")[0][0].i;
      writer_.run("INSERT INTO models (version, created, reports, body) VALUES ($1, $2, $3, $4)",
                  {std::to_string(version), std::to_string(created), std::to_string(reports), body});
      writer_.run("DELETE FROM models WHERE version <= $1", {std::to_string(version - keep)});
      writer_.run("COMMIT");
      return version;
    } catch (...) {
      writer_.rollback();
      throw;
    }
  }

  std::optional<StoredModel> model(int64_t version) override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    Result r = version == 0
                   ? reader_.run("SELECT version, created, reports, body FROM models ORDER BY version DESC LIMIT 1")
                   : reader_.run("SELECT version, created, reports, body FROM models WHERE version = $1",
                                 {std::to_string(version)});
    if (r.rows() == 0) return std::nullopt;
    return StoredModel{std::strtoll(r.at(0, 0), nullptr, 10), std::strtoll(r.at(0, 1), nullptr, 10),
                       std::strtoll(r.at(0, 2), nullptr, 10), r.at(0, 3)};
  }

  std::vector<ModelVersion> models() override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    std::vector<ModelVersion> out;
    for (const auto& r : reader_.query("SELECT version, created, reports FROM models ORDER BY version DESC"))
      out.push_back({r[0].i, r[1].i, r[2].i});
    return out;
  }

  int64_t latest_model_version() override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    return reader_.query("SELECT coalesce(max(version), 0) FROM models")[0][0].i;
  }

  std::string name() const override { return "postgresql"; }

 private:
  Connection writer_, reader_;
  std::mutex write_mutex_, read_mutex_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& conninfo) {
  return std::make_unique<PostgresStore>(conninfo);
}

}  // namespace circlewise::collector
