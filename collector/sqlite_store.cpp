// SQLite store: one file <dir>/collector.db in WAL mode with synchronous=FULL, so a commit is on
// disk before the collector acknowledges (a process crash or power loss loses nothing acked).
// Two connections: the writer and a reader, so aggregation and model reads never wait for the
// writer (WAL readers see the last committed state).
#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "aggregation_sql.h"
#include "store.h"
#include "store_common.h"

namespace circlewise::collector {
namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS reports (
  id TEXT PRIMARY KEY, kind INTEGER NOT NULL, mechanism INTEGER NOT NULL, epsilon REAL NOT NULL,
  items INTEGER NOT NULL, value INTEGER NOT NULL, hash_a INTEGER NOT NULL, hash_b INTEGER NOT NULL,
  day INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS oue_bits (id TEXT NOT NULL, bit INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS oue_bits_id ON oue_bits (id);
CREATE TABLE IF NOT EXISTS models (
  version INTEGER PRIMARY KEY, created INTEGER NOT NULL, reports INTEGER NOT NULL, body TEXT NOT NULL);
)";

class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open SQLite database " + path + ": " + why);
    }
    sqlite3_busy_timeout(db_, 10000);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw std::runtime_error("SQLite: " + why);
    }
  }
  void fail(const char* what) const { throw std::runtime_error(std::string("SQLite ") + what + ": " + sqlite3_errmsg(db_)); }

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(const Db& db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s_, nullptr) != SQLITE_OK) db.fail("prepare");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return s_; }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) db_.fail("step");
    return false;
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  const Db& db_;
  sqlite3_stmt* s_ = nullptr;
};

Rows query(const Db& db, const std::string& sql) {
  Stmt st(db, sql);
  Rows rows;
  while (st.step()) {
    std::vector<Cell> row(static_cast<size_t>(sqlite3_column_count(st.get())));
    for (size_t c = 0; c < row.size(); ++c) {
      row[c].i = sqlite3_column_int64(st.get(), static_cast<int>(c));
      row[c].d = sqlite3_column_double(st.get(), static_cast<int>(c));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

class SqliteStore : public Store {
 public:
  explicit SqliteStore(const std::string& dir) : path_(dir + "/collector.db"), writer_(path_), reader_(path_) {
    writer_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    writer_.exec(kSchema);
    reader_.exec("PRAGMA query_only=1;");
  }

  std::vector<bool> insert(const std::vector<const LdpReport*>& reports) override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    std::vector<bool> fresh(reports.size(), false);
    writer_.exec("BEGIN IMMEDIATE");
    try {
      Stmt ins(writer_,
               "INSERT OR IGNORE INTO reports (id, kind, mechanism, epsilon, items, value, hash_a, hash_b, day) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      Stmt bit(writer_, "INSERT INTO oue_bits (id, bit) VALUES (?, ?)");
      const int64_t day = today();
      for (size_t i = 0; i < reports.size(); ++i) {
        const LdpReport& r = *reports[i];
        const ReportColumns c = columns_of(r);
        sqlite3_bind_text(ins.get(), 1, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
        sqlite3_bind_int(ins.get(), 2, c.kind);
        sqlite3_bind_int(ins.get(), 3, c.mechanism);
        sqlite3_bind_double(ins.get(), 4, c.epsilon);
        sqlite3_bind_int64(ins.get(), 5, c.items);
        sqlite3_bind_int64(ins.get(), 6, c.value);
        sqlite3_bind_int64(ins.get(), 7, c.hash_a);
        sqlite3_bind_int64(ins.get(), 8, c.hash_b);
        sqlite3_bind_int64(ins.get(), 9, day);
        ins.step();
        fresh[i] = sqlite3_changes(writer_.get()) == 1;
        ins.reset();
        if (fresh[i] && r.mechanism == Mechanism::kOue) {
          for (uint64_t b : r.payload.ones) {
            sqlite3_bind_text(bit.get(), 1, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
            sqlite3_bind_int64(bit.get(), 2, static_cast<int64_t>(b));
            bit.step();
            bit.reset();
          }
        }
      }
    } catch (...) {
      writer_.exec("ROLLBACK");
      throw;
    }
    writer_.exec("COMMIT");
    return fresh;
  }

  std::vector<LdpGroupSums> sums(ReportKind kind) override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    const int k = kind == ReportKind::kItem ? 0 : 1;
    reader_.exec("BEGIN");  // one snapshot for the four queries
    try {
      auto out = assemble_sums(query(reader_, sql::group_counts(k)), query(reader_, sql::grr_support(k)),
                               query(reader_, sql::oue_support(k)), query(reader_, sql::olh_support(k)));
      reader_.exec("COMMIT");
      return out;
    } catch (...) {
      reader_.exec("ROLLBACK");
      throw;
    }
  }

  int64_t report_count() override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    return query(reader_, "SELECT count(*) FROM reports")[0][0].i;
  }

  int64_t save_model(const std::string& body, int64_t reports, int64_t created, int keep) override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    writer_.exec("BEGIN IMMEDIATE");
    try {
      const int64_t version = query(writer_, "SELECT coalesce(max(version), 0) + 1 FROM models")[0][0].i;
      Stmt ins(writer_, "INSERT INTO models (version, created, reports, body) VALUES (?, ?, ?, ?)");
      sqlite3_bind_int64(ins.get(), 1, version);
      sqlite3_bind_int64(ins.get(), 2, created);
      sqlite3_bind_int64(ins.get(), 3, reports);
      sqlite3_bind_text(ins.get(), 4, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
      ins.step();
      Stmt del(writer_, "DELETE FROM models WHERE version <= ?");
      sqlite3_bind_int64(del.get(), 1, version - keep);
      del.step();
      writer_.exec("COMMIT");
      return version;
    } catch (...) {
      writer_.exec("ROLLBACK");
      throw;
    }
  }

  std::optional<StoredModel> model(int64_t version) override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    Stmt st(reader_, version == 0 ? "SELECT version, created, reports, body FROM models ORDER BY version DESC LIMIT 1"
                                  : "SELECT version, created, reports, body FROM models WHERE version = ?");
    if (version != 0) sqlite3_bind_int64(st.get(), 1, version);
    if (!st.step()) return std::nullopt;
    StoredModel m;
    m.version = sqlite3_column_int64(st.get(), 0);
    m.created = sqlite3_column_int64(st.get(), 1);
    m.reports = sqlite3_column_int64(st.get(), 2);
    m.body.assign(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 3)),
                  static_cast<size_t>(sqlite3_column_bytes(st.get(), 3)));
    return m;
  }

  std::vector<ModelVersion> models() override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    std::vector<ModelVersion> out;
    for (const auto& r : query(reader_, "SELECT version, created, reports FROM models ORDER BY version DESC"))
      out.push_back({r[0].i, r[1].i, r[2].i});
    return out;
  }

  int64_t latest_model_version() override {
    std::lock_guard<std::mutex> lock(read_mutex_);
    return query(reader_, "SELECT coalesce(max(version), 0) FROM models")[0][0].i;
  }

  std::string name() const override { return "sqlite"; }

 private:
  std::string path_;
  Db writer_, reader_;
  std::mutex write_mutex_, read_mutex_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create data directory " + dir + ": " + std::strerror(errno));
  return std::make_unique<SqliteStore>(dir);
}

}  // namespace circlewise::collector
