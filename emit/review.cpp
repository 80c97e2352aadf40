// What each kind of statement does to a live database, per dialect: the
// lock, the rewrite or scan, the data a downgrade loses, and the recovery
// from a failure half way. This file is the one place that knowledge lives
// (REVIEW.md prints it); the dangers a lint rule already judges are left to
// the lint findings printed beside it.
//
// Sources, read for each entry below:
// - PostgreSQL: https://www.postgresql.org/docs/current/sql-altertable.html
//   (the lock of each subcommand, "Notes" on rewrites),
//   https://www.postgresql.org/docs/current/explicit-locking.html (the lock
//   modes and what they block), https://www.postgresql.org/docs/current/sql-createindex.html
//   ("Building Indexes Concurrently", the INVALID index a failure leaves),
//   https://www.postgresql.org/docs/current/sql-altertype.html (ADD VALUE).
// - MySQL: https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
//   (INSTANT / INPLACE / COPY per operation and version),
//   https://dev.mysql.com/doc/refman/8.0/en/metadata-locking.html,
//   https://dev.mysql.com/doc/refman/8.0/en/atomic-ddl.html.
// - MariaDB:
// https://mariadb.com/kb/en/innodb-online-ddl-operations-with-the-instant-alter-algorithm/,
//   https://mariadb.com/kb/en/innodb-online-ddl-operations-with-the-inplace-alter-algorithm/,
//   https://mariadb.com/kb/en/atomic-ddl/.
// - SQLite: https://www.sqlite.org/lang_altertable.html (what ALTER TABLE
//   does in place, DROP COLUMN rewriting the table, the 12-step rebuild),
//   https://www.sqlite.org/lockingv3.html and https://www.sqlite.org/wal.html.
// - SQL Server: https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-transact-sql
//   ("Locks and ALTER TABLE", "Adding NOT NULL columns as an online
//   operation"), https://learn.microsoft.com/en-us/sql/t-sql/statements/create-index-transact-sql.
// - Oracle: https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/ALTER-TABLE.html,
//   https://docs.oracle.com/en/database/oracle/oracle-database/19/cncpt/data-concurrency-and-consistency.html
//   (DDL locks),
//   https://docs.oracle.com/en/database/oracle/oracle-database/19/admin/managing-tables.html.
// The SQL Server and Oracle entries are text only: Retort has no renderer
// for them yet, so they describe the plain statement those dialects run.
#include "emit/review.h"
#include "compiler/text_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "compiler/config.h"

namespace retort::emit {
namespace {

enum class Family { postgresql, mysql, sqlite, mssql, oracle, other };

Family family_of(std::string_view dialect) {
  if (dialect == "postgresql") return Family::postgresql;
  if (dialect == "mysql" || dialect == "mariadb") return Family::mysql;
  if (dialect == "sqlite") return Family::sqlite;
  if (dialect == "mssql") return Family::mssql;
  if (dialect == "oracle") return Family::oracle;
  return Family::other;
}

// PostgreSQL's table lock modes, weakest first (explicit-locking.html).
enum PgLock {
  kNoLock = 0,
  kAccessShare,
  kRowShare,
  kRowExclusive,
  kShareUpdateExclusive,
  kShare,
  kShareRowExclusive,
  kExclusive,
  kAccessExclusive,
};

std::string_view pg_lock_text(int lock) {
  switch (lock) {
    case kRowExclusive:
      return "ROW EXCLUSIVE (blocks only SHARE and stronger: other writes go on)";
    case kShareUpdateExclusive:
      return "SHARE UPDATE EXCLUSIVE (reads and writes go on; other DDL and VACUUM wait)";
    case kShare:
      return "SHARE (reads go on, writes wait)";
    case kShareRowExclusive:
      return "SHARE ROW EXCLUSIVE (reads go on, writes wait)";
    case kAccessExclusive:
      return "ACCESS EXCLUSIVE (blocks every read and write of the table)";
    default:
      return "no lock on existing tables";
  }
}

// What one statement does, gathered action by action.
struct Facts {
  int rank = 0;  // strongest lock seen (dialect-specific scale)
  std::string lock;
  std::vector<std::string> rewrite;
  std::vector<std::string> loss;
  std::vector<std::string> recovery;  // overrides the dialect's default when set

  void take_lock(int r, std::string text) {
    if (r > rank || lock.empty()) {
      rank = std::max(rank, r);
      lock = std::move(text);
    }
  }
  void add(std::vector<std::string>& list, std::string text) {
    if (!text.empty() && std::find(list.begin(), list.end(), text) == list.end())
      list.push_back(std::move(text));
  }
  void rewrites(std::string text) { add(rewrite, std::move(text)); }
  void loses(std::string text) { add(loss, std::move(text)); }
};

// The judge of one statement on one dialect.
class Judge {
 public:
  explicit Judge(const ReviewContext& ctx) : ctx_(ctx), family_(family_of(ctx.dialect)) {}

  Family family() const { return family_; }
  bool mariadb() const { return ctx_.dialect == "mariadb"; }
  bool at_least(std::string_view v) const {
    return is_valid_version(ctx_.version) && compare_versions(ctx_.version, v) >= 0;
  }
  const ReviewContext& ctx() const { return ctx_; }

  // MySQL/MariaDB: how an ALTER runs, by algorithm. Ranks: INSTANT 1,
  // INPLACE without rebuild 2, INPLACE with rebuild 3, COPY 4.
  void my_instant(Facts& f, std::string_view what) const {
    f.take_lock(1,
                "metadata lock only (ALGORITHM=INSTANT): waits for open transactions on the "
                "table, and blocks new ones while it waits");
    f.rewrites(fmt::format("no: {} is INSTANT (metadata only)", what));
  }
  void my_inplace(Facts& f, std::string_view what) const {
    f.take_lock(2,
                "LOCK=NONE (ALGORITHM=INPLACE): reads and writes go on; an exclusive "
                "metadata lock is taken briefly at the start and the end");
    f.rewrites(fmt::format("no rebuild: {} is INPLACE", what));
  }
  void my_rebuild(Facts& f, std::string_view what) const {
    f.take_lock(3,
                "LOCK=NONE (ALGORITHM=INPLACE): reads and writes go on while the table is "
                "rebuilt; an exclusive metadata lock is taken briefly at the start and the end");
    f.rewrites(fmt::format("rebuilds the table in place: {}", what));
  }
  void my_copy(Facts& f, std::string_view what) const {
    f.take_lock(4, "LOCK=SHARED (ALGORITHM=COPY): reads go on, writes wait until the copy ends");
    f.rewrites(fmt::format("copies the whole table (ALGORITHM=COPY): {}", what));
  }

  void sqlite_write_lock(Facts& f) const {
    f.take_lock(1, "the database write lock: other writers wait (readers go on in WAL mode)");
  }
  void sqlite_rebuild(Facts& f, std::string_view why) const {
    f.take_lock(2, "the database write lock for the whole rebuild: every other writer waits");
    f.rewrites(fmt::format(
        "copies the table into a new one and swaps it in ({}: beyond SQLite's ALTER TABLE)", why));
    f.recovery.push_back(
        "the rebuild runs in a transaction of its own (PRAGMA foreign_keys=OFF works only outside "
        "one): a failure rolls the rebuild back, but the statements of the revision before it "
        "were committed and the version row is not updated; finish the revision by hand");
  }
  void mssql_schema_lock(Facts& f) const {
    f.take_lock(2, "Sch-M (schema modification): blocks every read and write of the table");
  }
  void oracle_ddl_lock(Facts& f) const {
    f.take_lock(1,
                "exclusive DDL lock: waits for open transactions on the table (ORA-00054 "
                "unless ddl_lock_timeout is set), then brief");
  }

 private:
  const ReviewContext& ctx_;
  Family family_;
};

// True when `e` is a constant or a STABLE function (no per-row value):
// PostgreSQL 11+ stores such a default in the catalogue instead of
// rewriting the table.
bool stable_default(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::String:
    case ast::ExprKind::Number:
    case ast::ExprKind::Boolean:
    case ast::ExprKind::Null:
    case ast::ExprKind::Keyword:  // current_timestamp, current_date: STABLE
      return true;
    case ast::ExprKind::Unary:
    case ast::ExprKind::Paren:
    case ast::ExprKind::Cast:
      return !e.args.empty() && e.args[0] && stable_default(*e.args[0]);
    case ast::ExprKind::Call:
      return e.text == "now" && e.args.empty();  // now() is STABLE; gen_uuid() is VOLATILE
    default:
      return false;
  }
}

bool is_null_expr(const ast::ExprPtr& e) {
  return !e || e->kind == ast::ExprKind::Null;
}

// PostgreSQL changes a column's type without a rewrite only when the old
// values are binary-compatible with the new type: varchar(n) to a longer
// or unlimited varchar or text, text to unlimited varchar, numeric(p, s)
// to numeric(p2 >= p, s) or unconstrained numeric (sql-altertable.html, Notes).
bool pg_binary_compatible(const ast::Type& from, const ast::Type& to) {
  using K = ast::TypeKind;
  if (ast::same_type(from, to)) return true;
  if (from.kind == K::String && to.kind == K::String)
    return !to.length || (from.length && *to.length >= *from.length);
  if (from.kind == K::String && to.kind == K::Text) return true;
  if (from.kind == K::Text && to.kind == K::String) return !to.length;
  if (from.kind == K::Decimal && to.kind == K::Decimal) {
    if (!to.precision) return true;
    return from.precision && *to.precision >= *from.precision &&
           from.scale.value_or(0) == to.scale.value_or(0);
  }
  return false;
}

// MySQL/MariaDB extend a VARCHAR in place only while its number of length
// bytes stays the same (one up to 255 bytes, two from 256)
// (innodb-online-ddl-operations.html, "Extending VARCHAR column size"). The
// character set is not known here, so the bands hold for one-byte and
// four-byte (utf8mb4) characters alike, as lint's column-type-rewrite
// judges it: up to 63 characters, 64 to 255, 256 and more.
int varchar_band(int length) {
  return length <= 63 ? 0 : length <= 255 ? 1 : 2;
}
bool my_varchar_in_place(const ast::Type& from, const ast::Type& to) {
  using K = ast::TypeKind;
  if (from.kind != K::String || to.kind != K::String || !from.length || !to.length) return false;
  return *to.length >= *from.length && varchar_band(*from.length) == varchar_band(*to.length);
}

// True when `using` only reads the column as it is (`c`, `cast(c as T)`):
// PostgreSQL then skips the rewrite of a binary-compatible change.
bool plain_using(const ast::Expr* e, std::string_view column) {
  while (e && (e->kind == ast::ExprKind::Paren || e->kind == ast::ExprKind::Cast) &&
         !e->args.empty())
    e = e->args[0].get();
  return e && e->kind == ast::ExprKind::Column && !e->names.empty() &&
         e->names.back().text == column;
}

bool widens(const ast::Type& from, const ast::Type& to) {
  using K = ast::TypeKind;
  if (from.kind == K::String && to.kind == K::String)
    return !to.length || (from.length && *to.length > *from.length);
  if (from.kind == K::String && to.kind == K::Text) return true;
  if (from.kind == K::Decimal && to.kind == K::Decimal)
    return !to.precision || (from.precision && *to.precision > *from.precision);
  if ((from.kind == K::Smallint && (to.kind == K::Integer || to.kind == K::Bigint)) ||
      (from.kind == K::Integer && to.kind == K::Bigint))
    return true;
  return false;
}

// ---------------------------------------------------------------- tables

void create_table(const Judge& j, const ast::CreateTable& s, Facts& f) {
  bool references = false;
  for (const auto& c : s.columns) references = references || c.references.has_value();
  for (const auto& c : s.constraints)
    references = references || c.kind == ast::ConstraintKind::ForeignKey;
  switch (j.family()) {
    case Family::postgresql:
      // A foreign key adds triggers to the referenced table: SHARE ROW EXCLUSIVE there.
      f.take_lock(references ? kShareRowExclusive : kNoLock,
                  references ? "SHARE ROW EXCLUSIVE on each referenced table (its writes wait "
                               "until the transaction ends)"
                             : std::string(pg_lock_text(kNoLock)));
      break;
    case Family::mysql:
      f.take_lock(0, references ? "shared metadata lock on each referenced table, briefly"
                                : "no lock on existing tables");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      break;
    case Family::mssql:
      f.take_lock(
          0, references ? "Sch-M on each referenced table, briefly" : "no lock on existing tables");
      break;
    default:
      f.take_lock(0, "no lock on existing tables");
  }
  f.rewrites("no: a new, empty table");
  f.loses("the downgrade drops the table: every row written to it since is lost");
}

void drop_table(const Judge& j, const ast::DropTable& s, Facts& f) {
  switch (j.family()) {
    case Family::postgresql:
      f.take_lock(kAccessExclusive, std::string(pg_lock_text(kAccessExclusive)) +
                                        (s.cascade ? "; also on the tables whose foreign keys "
                                                     "CASCADE drops"
                                                   : ""));
      f.rewrites("no: the files are removed at commit");
      break;
    case Family::mysql:
      f.take_lock(1,
                  "exclusive metadata lock: waits for every open transaction that used the "
                  "table, and blocks new ones while it waits");
      f.rewrites("no: the tablespace is removed");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      f.rewrites("no copy: the table's pages are freed");
      break;
    case Family::mssql:
      j.mssql_schema_lock(f);
      f.rewrites("no");
      break;
    case Family::oracle:
      j.oracle_ddl_lock(f);
      f.rewrites(
          "no (without PURGE the table goes to the recycle bin: FLASHBACK TABLE ... TO "
          "BEFORE DROP brings it back)");
      break;
    default:
      break;
  }
  f.loses("the upgrade destroys every row of the table; the downgrade recreates it empty");
}

void rename_table(const Judge& j, Facts& f) {
  switch (j.family()) {
    case Family::postgresql:
      f.take_lock(kAccessExclusive, std::string(pg_lock_text(kAccessExclusive)) + ", briefly");
      break;
    case Family::mysql:
      f.take_lock(1, "exclusive metadata lock, briefly (waits for open transactions on the table)");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      break;
    case Family::mssql:
      j.mssql_schema_lock(f);
      break;
    case Family::oracle:
      j.oracle_ddl_lock(f);
      break;
    default:
      break;
  }
  f.rewrites("no: metadata only");
  f.loses("no; code that still uses the old name fails from this point on");
}

// ---------------------------------------------------------- alter actions

// Facts of one action of `alter table` on `table` (its key).
class ActionJudge {
 public:
  ActionJudge(const Judge& j, std::string_view table, Facts& f) : j_(j), table_(table), f_(f) {}

  const Column* column_before(std::string_view name) const {
    return j_.ctx().before.find_column(table_, name);
  }
  const Column* column_after(std::string_view name) const {
    return j_.ctx().after.find_column(table_, name);
  }

  void pg_lock(int mode, std::string_view extra = {}) {
    f_.take_lock(mode, std::string(pg_lock_text(mode)) + std::string(extra));
  }

  void operator()(const ast::AddColumn& a) {
    const ast::ColumnDef& c = a.column;
    bool volatile_default = c.default_value && !stable_default(*c.default_value);
    bool has_default = !is_null_default(c.default_value);
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive);
        if (c.identity) {
          f_.rewrites("rewrites the table: every row gets its identity value");
        } else if (has_default && (volatile_default || !j_.at_least("11"))) {
          f_.rewrites(volatile_default
                          ? "rewrites the table: a volatile default is computed for every row"
                          : "rewrites the table: before PostgreSQL 11 a default is written "
                            "into every row");
        } else {
          f_.rewrites(has_default ? "no rewrite: the default is kept in the catalogue "
                                    "(PostgreSQL 11+)"
                                  : "no rewrite: metadata only");
        }
        if (c.primary_key || c.unique)
          f_.rewrites("builds a unique index: reads the whole table under the lock");
        if (c.references) {
          pg_lock(kAccessExclusive, "; SHARE ROW EXCLUSIVE on the referenced table");
          f_.rewrites("scans the table to check the new foreign key");
        }
        if (!c.checks.empty()) f_.rewrites("scans the table to check the new CHECK");
        break;
      case Family::mysql:
        if (c.references) {
          j_.my_copy(f_, "adding a foreign key with foreign_key_checks=1");
        } else if (c.identity) {
          f_.take_lock(4, "LOCK=SHARED: writes wait while the AUTO_INCREMENT column is filled");
          f_.rewrites("rebuilds the table in place to number every row");
        } else if (c.primary_key) {
          j_.my_rebuild(f_, "a new primary key reorganises the clustered index");
        } else if (j_.mariadb() ? j_.at_least("10.3.2") : j_.at_least("8.0.12")) {
          j_.my_instant(f_, "adding a column at the end");
          if (c.unique) j_.my_inplace(f_, "building the unique index (reads the whole table)");
        } else {
          j_.my_rebuild(f_,
                        "adding a column before INSTANT ADD COLUMN (MySQL 8.0.12, "
                        "MariaDB 10.3.2)");
        }
        if (!c.checks.empty()) j_.my_copy(f_, "checking the new CHECK against every row");
        break;
      case Family::sqlite:
        if (c.identity || c.primary_key || c.unique || volatile_default ||
            (c.not_null.value_or(false) && !has_default) || (c.references && has_default)) {
          j_.sqlite_rebuild(f_, "this ADD COLUMN");
        } else {
          j_.sqlite_write_lock(f_);
          f_.rewrites(c.checks.empty()
                          ? "no rewrite: only the schema changes"
                          : "no rewrite; the new CHECK is tested against every row (3.37+)");
        }
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        if (has_default && c.not_null.value_or(false)) {
          f_.rewrites(
              "metadata only on Enterprise edition (2012+); other editions write the "
              "default into every row");
        } else {
          f_.rewrites(volatile_default ? "writes the default into every row"
                                       : "no rewrite: metadata only");
        }
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        f_.rewrites(has_default && !volatile_default
                        ? "no rewrite: the default is kept in the dictionary (11g for NOT NULL, "
                          "12c for nullable columns)"
                        : "no rewrite: metadata only");
        break;
      default:
        break;
    }
    f_.loses(fmt::format("the downgrade drops column {}: every value written to it since is lost",
                         c.name.text));
  }

  void operator()(const ast::DropColumn& a) {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive, ", briefly");
        f_.rewrites("no rewrite: the column is hidden; its space is reused as rows are updated");
        break;
      case Family::mysql:
        if (j_.mariadb() ? j_.at_least("10.4") : j_.at_least("8.0.29")) {
          j_.my_instant(f_, "dropping a column");
        } else {
          j_.my_rebuild(f_,
                        "dropping a column before INSTANT DROP COLUMN (MySQL 8.0.29, "
                        "MariaDB 10.4)");
        }
        break;
      case Family::sqlite: {
        const Table* t = j_.ctx().before.find_table(table_);
        bool native = j_.at_least("3.35") && t && t->objects_using_column(a.column.text).empty();
        if (native) {
          j_.sqlite_write_lock(f_);
          f_.rewrites("rewrites every row of the table to purge the column (DROP COLUMN)");
        } else {
          j_.sqlite_rebuild(f_, "DROP COLUMN of a column a key, index or constraint uses");
        }
        break;
      }
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites("no rewrite: metadata only (the space comes back when the table is rebuilt)");
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        f_.rewrites(
            "rewrites every row to remove the column (SET UNUSED, then DROP UNUSED "
            "COLUMNS CHECKPOINT, spreads the work)");
        break;
      default:
        break;
    }
    f_.loses(fmt::format(
        "the upgrade destroys every value of column {}; the downgrade brings the column back "
        "without them",
        a.column.text));
  }

  void operator()(const ast::RenameColumn& a) {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive, ", briefly");
        f_.rewrites("no: metadata only");
        break;
      case Family::mysql:
        if (!j_.mariadb() && j_.at_least("8.0.28")) {
          j_.my_instant(f_, "renaming a column");
        } else {
          j_.my_inplace(f_, "renaming a column (metadata only)");
        }
        break;
      case Family::sqlite:
        if (j_.at_least("3.25")) {
          j_.sqlite_write_lock(f_);
          f_.rewrites("no: the schema text is rewritten, not the rows");
        } else {
          j_.sqlite_rebuild(f_, "RENAME COLUMN before 3.25");
        }
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites("no: metadata only (sp_rename)");
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        f_.rewrites("no: metadata only");
        break;
      default:
        break;
    }
    f_.loses(fmt::format("no; code that still reads {} fails from this point on", a.column.text));
  }

  void operator()(const ast::AlterColumnType& a) {
    const Column* old = column_before(a.column.text);
    const ast::Type* from = old ? &old->type : nullptr;
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive);
        if (from && pg_binary_compatible(*from, a.type) &&
            (!a.using_expr || plain_using(a.using_expr.get(), a.column.text))) {
          f_.rewrites("no rewrite: the new type is binary-compatible (widening); indexes are kept");
        } else {
          f_.rewrites("rewrites the whole table and rebuilds its indexes under the lock");
        }
        break;
      case Family::mysql:
        if (from && my_varchar_in_place(*from, a.type)) {
          if (j_.mariadb() && j_.at_least("10.4")) {
            j_.my_instant(f_, "extending a VARCHAR within its length prefix");
          } else {
            j_.my_inplace(f_, "extending a VARCHAR within its length prefix");
          }
        } else {
          j_.my_copy(f_, "changing a column's type");
        }
        break;
      case Family::sqlite:
        j_.sqlite_rebuild(f_, "a column's type");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites(from && widens(*from, a.type) && from->kind == ast::TypeKind::String
                        ? "no rewrite: widening a variable-length column is metadata only"
                        : "updates every row (a size-of-data operation) under the lock");
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        f_.rewrites(from && widens(*from, a.type)
                        ? "no rewrite: widening is metadata only"
                        : "other changes than widening need the column empty (ORA-01439): a "
                          "new column and a copy instead");
        break;
      default:
        break;
    }
    if (from && widens(*from, a.type)) {
      f_.loses(
          "the downgrade narrows the type back: it fails (or, without strict mode on "
          "MySQL/MariaDB, cuts) values written since that no longer fit");
    } else {
      f_.loses(
          "values that do not convert fail the upgrade; converting back in the downgrade "
          "may lose precision or length");
    }
  }

  void operator()(const ast::SetNotNull& a) {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive);
        f_.rewrites(j_.at_least("12")
                        ? "scans the whole table under the lock to check for NULLs (skipped when "
                          "a validated CHECK (col IS NOT NULL) proves it)"
                        : "scans the whole table under the lock to check for NULLs");
        break;
      case Family::mysql:
        j_.my_rebuild(f_, "making a column NOT NULL (needs strict SQL mode)");
        break;
      case Family::sqlite:
        j_.sqlite_rebuild(f_, "NOT NULL");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites("scans the whole table under the lock to check for NULLs");
        break;
      case Family::oracle:
        f_.take_lock(2, "blocks writes to the table while every row is checked");
        f_.rewrites("scans the whole table to check for NULLs");
        break;
      default:
        break;
    }
    f_.loses(fmt::format("no; the upgrade fails if column {} holds NULLs", a.column.text));
  }

  void operator()(const ast::DropNotNull& a) {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive, ", briefly");
        f_.rewrites("no: metadata only");
        break;
      case Family::mysql:
        if (j_.mariadb() && j_.at_least("10.4")) {
          j_.my_instant(f_, "making a column NULL (not for ROW_FORMAT=REDUNDANT)");
        } else {
          j_.my_rebuild(f_, "making a column NULL");
        }
        break;
      case Family::sqlite:
        j_.sqlite_rebuild(f_, "NOT NULL");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites("no: metadata only");
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        f_.rewrites("no: metadata only");
        break;
      default:
        break;
    }
    f_.loses(fmt::format(
        "the downgrade makes column {} NOT NULL again: it fails if NULLs were written since",
        a.column.text));
  }

  void default_change() {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive, ", briefly");
        f_.rewrites("no: only rows written later get the default");
        break;
      case Family::mysql:
        if (j_.mariadb() || j_.at_least("8.0.12")) {
          j_.my_instant(f_, "changing a column default");
        } else {
          j_.my_inplace(f_, "changing a column default (metadata only)");
        }
        break;
      case Family::sqlite:
        j_.sqlite_rebuild(f_, "a column default");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites("no: a default constraint is dropped or added (metadata only)");
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        f_.rewrites("no: metadata only");
        break;
      default:
        break;
    }
    f_.loses("no");
  }
  void operator()(const ast::SetDefault&) { default_change(); }
  void operator()(const ast::DropDefault&) { default_change(); }

  void operator()(const ast::SetColumnComment&) { comment(); }

  void comment() {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kShareUpdateExclusive);
        break;
      case Family::mysql:
        j_.my_inplace(f_, "changing a comment (metadata only)");
        break;
      case Family::sqlite:
        f_.take_lock(0, "none: SQLite keeps no comments, nothing runs");
        break;
      case Family::mssql:
        f_.take_lock(0, "a lock on the extended property only");
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        break;
      default:
        break;
    }
    f_.rewrites("no: metadata only");
    f_.loses("no");
  }

  void operator()(const ast::AddConstraint& a) {
    const ast::TableConstraint& c = a.constraint;
    using K = ast::ConstraintKind;
    switch (j_.family()) {
      case Family::postgresql:
        if (c.kind == K::ForeignKey) {
          // ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables.
          pg_lock(kShareRowExclusive, " on the table and on the referenced table");
          f_.rewrites(a.not_valid ? "no scan: NOT VALID skips the existing rows (VALIDATE "
                                    "CONSTRAINT checks them later under a weaker lock)"
                                  : "scans the whole table under the lock to check every row");
        } else if (c.kind == K::Check) {
          pg_lock(kAccessExclusive);
          f_.rewrites(a.not_valid ? "no scan: NOT VALID skips the existing rows"
                                  : "scans the whole table under the lock to check every row");
        } else {
          pg_lock(kAccessExclusive);
          f_.rewrites(
              fmt::format("builds a unique index: reads and sorts the whole table under the lock{}",
                          c.kind == K::PrimaryKey ? " (and checks its columns for NULLs)" : ""));
        }
        break;
      case Family::mysql:
        if (c.kind == K::ForeignKey) {
          j_.my_copy(f_, "adding a foreign key with foreign_key_checks=1");
        } else if (c.kind == K::Check) {
          j_.my_copy(f_, "checking the new CHECK against every row");
        } else if (c.kind == K::PrimaryKey) {
          j_.my_rebuild(f_, "a new primary key reorganises the clustered index");
        } else {
          j_.my_inplace(f_, "building a unique index (reads the whole table)");
        }
        break;
      case Family::sqlite:
        j_.sqlite_rebuild(f_, "ADD CONSTRAINT");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites(c.kind == K::PrimaryKey || c.kind == K::Unique
                        ? "builds an index: reads and sorts the whole table"
                        : "scans the whole table to check every row (WITH NOCHECK skips it)");
        break;
      case Family::oracle:
        f_.take_lock(2, "blocks writes to the table while the constraint is checked");
        f_.rewrites(c.kind == K::PrimaryKey || c.kind == K::Unique
                        ? "builds an index: reads and sorts the whole table"
                        : "scans the whole table to check every row (ENABLE NOVALIDATE skips it)");
        break;
      default:
        break;
    }
    f_.loses("no; the downgrade drops the constraint");
  }

  void operator()(const ast::AddConstraintUsingIndex&) {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive, ", briefly");
        f_.rewrites(
            "no scan: the index already exists (a primary key checks its columns for "
            "NULLs)");
        break;
      default:
        f_.take_lock(1, "brief");
        f_.rewrites("no");
        break;
    }
    f_.loses("no");
  }

  void operator()(const ast::ValidateConstraint&) {
    switch (j_.family()) {
      case Family::postgresql:
        // VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE (ROW SHARE on the referenced table).
        pg_lock(kShareUpdateExclusive, "; ROW SHARE on a referenced table");
        f_.rewrites("scans the whole table, without blocking writes");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites("scans the whole table (WITH CHECK CHECK CONSTRAINT)");
        break;
      case Family::oracle:
        f_.take_lock(1, "writes go on (ENABLE VALIDATE of an enabled constraint)");
        f_.rewrites("scans the whole table");
        break;
      default:
        f_.take_lock(0, "none: the constraint was checked when it was added; nothing runs");
        f_.rewrites("no");
        break;
    }
    f_.loses("no");
  }

  void operator()(const ast::DropConstraint& a) {
    const Table* t = j_.ctx().before.find_table(table_);
    const Constraint* c = t ? t->find_constraint(a.name.text) : nullptr;
    bool primary = c && c->kind == ast::ConstraintKind::PrimaryKey;
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive, c && c->kind == ast::ConstraintKind::ForeignKey
                                      ? ", briefly; also on the referenced table"
                                      : ", briefly");
        f_.rewrites("no: metadata only (an index behind the constraint is dropped)");
        break;
      case Family::mysql:
        if (primary) {
          j_.my_copy(f_, "dropping a primary key without adding another");
        } else {
          j_.my_inplace(f_, "dropping a constraint (metadata only)");
        }
        break;
      case Family::sqlite:
        j_.sqlite_rebuild(f_, "DROP CONSTRAINT");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        f_.rewrites(primary ? "rebuilds the table as a heap when the key was clustered"
                            : "no: metadata only");
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        f_.rewrites("no: metadata only (its index is dropped)");
        break;
      default:
        break;
    }
    f_.loses(
        "no; the downgrade adds it back and fails if rows written since break it (a foreign "
        "key comes back NOT VALID instead)");
  }

  void operator()(const ast::RenameConstraint&) {
    switch (j_.family()) {
      case Family::postgresql:
        pg_lock(kAccessExclusive, ", briefly");
        break;
      case Family::mysql:
        j_.my_inplace(f_, "renaming (metadata only)");
        break;
      case Family::sqlite:
        j_.sqlite_rebuild(f_, "a constraint's name");
        break;
      case Family::mssql:
        j_.mssql_schema_lock(f_);
        break;
      case Family::oracle:
        j_.oracle_ddl_lock(f_);
        break;
      default:
        break;
    }
    f_.rewrites("no: metadata only");
    f_.loses("no");
  }

 private:
  static bool is_null_default(const ast::ExprPtr& e) { return is_null_expr(e); }

  const Judge& j_;
  std::string table_;
  Facts& f_;
};

// ----------------------------------------------------------------- indexes

void create_index(const Judge& j, const ast::CreateIndex& s, Facts& f) {
  switch (j.family()) {
    case Family::postgresql:
      if (s.concurrently) {
        f.take_lock(kShareUpdateExclusive, std::string(pg_lock_text(kShareUpdateExclusive)));
        f.rewrites("reads the table twice and waits for every older transaction; writes go on");
        f.recovery.push_back(
            "runs outside a transaction: the revision's statements before it are committed; a "
            "failure leaves an INVALID index behind and the version row not updated: DROP INDEX "
            "CONCURRENTLY that index, then run this statement and the rest of the section by hand");
      } else {
        f.take_lock(kShare, std::string(pg_lock_text(kShare)));
        f.rewrites("reads and sorts the whole table; writes wait for the whole build");
      }
      break;
    case Family::mysql:
      f.take_lock(2,
                  "LOCK=NONE (ALGORITHM=INPLACE): reads and writes go on; an exclusive "
                  "metadata lock is taken briefly at the start and the end");
      f.rewrites("no rebuild: reads and sorts the whole table to build the index");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      f.rewrites("reads the whole table to build the index");
      break;
    case Family::mssql:
      f.take_lock(1,
                  "a shared lock on the table: writes wait for the whole build (ONLINE = ON, "
                  "Enterprise edition, avoids it)");
      f.rewrites("reads and sorts the whole table");
      break;
    case Family::oracle:
      f.take_lock(1, "writes wait for the whole build (ONLINE, Enterprise Edition, avoids it)");
      f.rewrites("reads and sorts the whole table");
      break;
    default:
      break;
  }
  f.loses("no; the downgrade drops the index");
}

void drop_index(const Judge& j, const ast::DropIndex& s, Facts& f) {
  switch (j.family()) {
    case Family::postgresql:
      if (s.concurrently) {
        f.take_lock(kShareUpdateExclusive, std::string(pg_lock_text(kShareUpdateExclusive)));
        f.recovery.push_back(
            "runs outside a transaction: the revision's statements before it are committed; a "
            "failure can leave the index INVALID and the version row not updated: run DROP INDEX "
            "CONCURRENTLY again, then the rest of the section by hand");
      } else {
        f.take_lock(kAccessExclusive, std::string(pg_lock_text(kAccessExclusive)) + ", briefly");
      }
      break;
    case Family::mysql:
      f.take_lock(2, "LOCK=NONE (ALGORITHM=INPLACE): metadata only");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      break;
    case Family::mssql:
      j.mssql_schema_lock(f);
      break;
    case Family::oracle:
      j.oracle_ddl_lock(f);
      break;
    default:
      break;
  }
  f.rewrites("no");
  f.loses("no; the downgrade builds the index again (a full read of the table)");
}

void rename_index(const Judge& j, Facts& f) {
  switch (j.family()) {
    case Family::postgresql:
      // ALTER INDEX ... RENAME: SHARE UPDATE EXCLUSIVE since PostgreSQL 12.
      if (j.at_least("12")) {
        f.take_lock(kShareUpdateExclusive, std::string(pg_lock_text(kShareUpdateExclusive)));
      } else {
        f.take_lock(kAccessExclusive, std::string(pg_lock_text(kAccessExclusive)) + ", briefly");
      }
      f.rewrites("no: metadata only");
      break;
    case Family::mysql:
      f.take_lock(2, "LOCK=NONE (ALGORITHM=INPLACE): metadata only");
      f.rewrites("no: metadata only");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      f.rewrites("SQLite has no RENAME INDEX: the index is dropped and built again (a full read)");
      break;
    default:
      f.take_lock(1, "brief");
      f.rewrites("no: metadata only");
      break;
  }
  f.loses("no");
}

// ------------------------------------------------------------------- enums

void add_enum_value(const Judge& j, const ast::AlterEnumAddValue& s, Facts& f) {
  // Placed anywhere but at the end changes every stored value's index in a
  // MySQL ENUM: a copy.
  bool at_end = !s.before && !s.after;
  if (s.after) {
    const Enum* e = j.ctx().before.find_enum(s.name.key());
    at_end = e && !e->values.empty() && e->values.back() == s.after->value;
  }
  switch (j.family()) {
    case Family::postgresql:
      f.take_lock(kNoLock, "a lock on the type only; tables are not locked");
      f.rewrites(j.at_least("12") ? "no: the value is added to the catalogue"
                                  : "no; before PostgreSQL 12 it runs outside a transaction");
      break;
    case Family::mysql:
      if (at_end) {
        f.take_lock(2,
                    "LOCK=NONE (ALGORITHM=INPLACE): metadata only, on every table with a "
                    "column of this enum");
        f.rewrites(
            "no: a member appended at the end is metadata only (while the list stays "
            "under 256 members)");
      } else {
        f.take_lock(4,
                    "LOCK=SHARED (ALGORITHM=COPY) on every table with a column of this enum: "
                    "writes wait");
        f.rewrites(
            "copies every table with a column of this enum: a member not at the end "
            "renumbers the stored values");
      }
      break;
    case Family::sqlite:
      j.sqlite_rebuild(f, "the CHECK holding the enum's values");
      break;
    default:
      f.take_lock(2, "a schema lock on every table with a column of this enum");
      f.rewrites("the CHECK holding the values is replaced: every row is checked");
      break;
  }
  f.loses("the value cannot be removed by a derived downgrade; rows using it stay");
}

// --------------------------------------------------------------- the rest

void metadata_only(const Judge& j, Facts& f, std::string_view loss) {
  switch (j.family()) {
    case Family::postgresql:
      f.take_lock(kAccessExclusive, "ACCESS EXCLUSIVE on the object itself only, briefly");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      break;
    default:
      f.take_lock(1, "brief, on the object itself only");
      break;
  }
  f.rewrites("no: metadata only");
  f.loses(std::string(loss));
}

void insert_rows(const Judge& j, Facts& f) {
  switch (j.family()) {
    case Family::postgresql:
      f.take_lock(kRowExclusive, std::string(pg_lock_text(kRowExclusive)));
      break;
    case Family::mysql:
      f.take_lock(1, "row locks on the inserted rows");
      break;
    case Family::sqlite:
      j.sqlite_write_lock(f);
      break;
    default:
      f.take_lock(1, "row locks on the inserted rows");
      break;
  }
  f.rewrites("no");
  f.loses(
      "the downgrade deletes these rows by primary key, with whatever was changed in them "
      "since");
}

void execute(const ast::Execute& s, Facts& f) {
  f.take_lock(0, "unknown: Retort does not read the SQL of `execute`; read it");
  f.rewrites("unknown: read the SQL");
  f.loses(s.reverse ? "the downgrade runs the written reverse SQL: read it"
                    : "no reverse: a derived downgrade cannot undo it");
}

// The default recovery of a dialect when the statement fails.
std::string default_recovery(const Judge& j) {
  switch (j.family()) {
    case Family::postgresql:
    case Family::sqlite:
    case Family::mssql:
      if (j.ctx().in_transaction) {
        return "transactional: a failure rolls the revision back and leaves the version row as "
               "it was; fix the cause and run the script again";
      }
      return "no transaction here: a failure leaves the revision's earlier statements applied "
             "and the version row not updated; finish (or undo) the revision by hand";
    case Family::mysql:
      return fmt::format(
          "DDL commits per statement{}: a failure leaves the revision's earlier statements "
          "applied and the version row not updated; finish them by hand (or undo them) before "
          "running the script again",
          (j.mariadb() ? j.at_least("10.6") : j.at_least("8.0"))
              ? " (the failing statement itself is atomic)"
              : "");
    case Family::oracle:
      return "DDL commits before and after each statement: a failure leaves the revision's "
             "earlier statements applied and the version row not updated; finish them by hand "
             "(or undo them) before running the script again";
    default:
      return "unknown dialect";
  }
}

}  // namespace

StatementReview review_statement(const ast::Statement& statement, const ReviewContext& ctx) {
  Judge judge(ctx);
  Facts facts;
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, ast::CreateTable>) {
          create_table(judge, node, facts);
        } else if constexpr (std::is_same_v<T, ast::DropTable>) {
          drop_table(judge, node, facts);
        } else if constexpr (std::is_same_v<T, ast::RenameTable>) {
          rename_table(judge, facts);
        } else if constexpr (std::is_same_v<T, ast::AlterTable>) {
          ActionJudge action(judge, node.name.key(), facts);
          for (const auto& a : node.actions) std::visit(action, a);
          if (judge.family() == Family::sqlite && ctx.rebuilt) {
            // The renderer knows best: keep what the actions lose, take
            // the lock, rewrite and recovery from what it really does.
            Facts decided;
            if (*ctx.rebuilt) {
              judge.sqlite_rebuild(
                  decided,
                  "these changes, in one rebuild with the `alter table`s of this table around it");
            } else {
              judge.sqlite_write_lock(decided);
              for (const auto& r : facts.rewrite) {
                if (r.rfind("copies the table", 0) != 0) decided.rewrites(r);
              }
              if (decided.rewrite.empty()) decided.rewrites("no: SQLite's own ALTER TABLE");
            }
            decided.loss = facts.loss;
            facts = std::move(decided);
          }
        } else if constexpr (std::is_same_v<T, ast::CreateIndex>) {
          create_index(judge, node, facts);
        } else if constexpr (std::is_same_v<T, ast::DropIndex>) {
          drop_index(judge, node, facts);
        } else if constexpr (std::is_same_v<T, ast::RenameIndex>) {
          rename_index(judge, facts);
        } else if constexpr (std::is_same_v<T, ast::AlterEnumAddValue>) {
          add_enum_value(judge, node, facts);
        } else if constexpr (std::is_same_v<T, ast::CreateEnum> ||
                             std::is_same_v<T, ast::CreateView> ||
                             std::is_same_v<T, ast::CreateSchema>) {
          metadata_only(judge, facts, "no; the downgrade drops it");
        } else if constexpr (std::is_same_v<T, ast::DropEnum> || std::is_same_v<T, ast::DropView> ||
                             std::is_same_v<T, ast::DropSchema>) {
          metadata_only(judge, facts, "no data; the downgrade creates it again");
        } else if constexpr (std::is_same_v<T, ast::CommentOnTable> ||
                             std::is_same_v<T, ast::CommentOnColumn>) {
          ActionJudge action(judge, "", facts);
          action.comment();
        } else if constexpr (std::is_same_v<T, ast::Insert>) {
          insert_rows(judge, facts);
        } else if constexpr (std::is_same_v<T, ast::Execute>) {
          execute(node, facts);
        } else {
          metadata_only(judge, facts, "deletes rows");
        }
      },
      statement.node);

  StatementReview review;
  review.lock = facts.lock.empty() ? "none" : facts.lock;
  if (ctx.in_transaction && family_of(ctx.dialect) == Family::postgresql && facts.rank > 0 &&
      facts.recovery.empty()) {
    // Quick to take, but a lock is only released at COMMIT.
    if (size_t at = review.lock.find(", briefly"); at != std::string::npos)
      review.lock.erase(at, 9);
    review.lock += "; held until the revision's transaction commits";
  }
  review.rewrite = facts.rewrite.empty() ? "no" : join(facts.rewrite, "; ");
  review.data_loss = facts.loss.empty() ? "no" : join(facts.loss, "; ");
  review.recovery = facts.recovery.empty() ? default_recovery(judge) : join(facts.recovery, "; ");
  return review;
}

}  // namespace retort::emit
