// The database test harness: applies SQL to the real servers that
// ci/databases starts (PostgreSQL, MariaDB) and to SQLite files, through the
// dialects' own command-line clients exactly as a DBA would run a script,
// and reads back a normalised catalogue of the user schema to compare.
//
// Nothing here skips: a missing setting or an unreachable server throws
// HarnessError, so a test that needs a server fails (quality.md).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace retort::testing {

/// Why the harness could not do what was asked (settings, server, client).
class HarnessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What one run of a client program did.
struct RunResult {
  /// The exit status; 128 + the signal number when a signal ended it.
  int exit_code = 0;
  /// Everything it wrote to standard output.
  std::string out;
  /// Everything it wrote to standard error (the server's error messages).
  std::string err;
};

/// One result row: each value as text. A NULL reads as the text `NULL` in
/// every dialect (the MariaDB client cannot tell it from the string), so
/// write the query with COALESCE or IS NULL where the difference matters.
using Row = std::vector<std::string>;

/// A column as the server reports it.
struct Column {
  std::string name;
  /// PostgreSQL: format_type(); MariaDB: COLUMN_TYPE; SQLite: declared type.
  std::string type;
  bool nullable = true;
  /// The default expression as reported; none when the server has none.
  /// (MariaDB reports the text `NULL` for a nullable column without one.)
  std::optional<std::string> default_value;
  /// How values are generated: "" (not), PostgreSQL "by default" or
  /// "always", MariaDB "auto_increment", SQLite "rowid" (an INTEGER PRIMARY
  /// KEY) or "rowid autoincrement".
  std::string identity;

  bool operator==(const Column&) const = default;
};

/// A primary key; SQLite keeps no name for it.
struct PrimaryKey {
  std::string name;
  std::vector<std::string> columns;

  bool operator==(const PrimaryKey&) const = default;
};

/// A unique constraint. On MariaDB every unique index is one (the server
/// reports no difference); SQLite keeps no name for it.
struct UniqueConstraint {
  std::string name;
  std::vector<std::string> columns;

  bool operator==(const UniqueConstraint&) const = default;
};

/// A foreign key; SQLite keeps no name for it.
struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  /// Lower case, as the server words it: "no action", "restrict", "cascade",
  /// "set null", "set default".
  std::string on_delete;
  std::string on_update;

  bool operator==(const ForeignKey&) const = default;
};

/// A check constraint, by name only: servers reword the expressions. SQLite
/// names only those written `CONSTRAINT name CHECK`; others have name "".
struct CheckConstraint {
  std::string name;

  bool operator==(const CheckConstraint&) const = default;
};

/// An index that backs no primary key or unique constraint (those are listed
/// with the constraints); MariaDB's own indexes for foreign keys are here.
struct Index {
  std::string name;
  bool unique = false;
  /// Key columns in order; an expression as the server prints it; " DESC"
  /// appended to a descending one; MariaDB prefixes as "col(10)".
  std::vector<std::string> columns;
  /// PostgreSQL INCLUDE columns.
  std::vector<std::string> include;
  /// The partial index predicate (PostgreSQL, SQLite); "" when none.
  std::string predicate;
  /// PostgreSQL: the access method ("btree", "gin", ...); "" elsewhere.
  /// to_text() shows it unless it is "btree".
  std::string method;

  bool operator==(const Index&) const = default;
};

/// A table (PostgreSQL: named `schema.table` outside the public schema).
struct Table {
  std::string name;
  /// In the table's order: seeding rows follows it.
  std::vector<Column> columns;
  std::optional<PrimaryKey> primary_key;
  std::vector<UniqueConstraint> uniques;
  std::vector<ForeignKey> foreign_keys;
  std::vector<CheckConstraint> checks;
  std::vector<Index> indexes;

  /// The column called `column_name`, or null.
  const Column* column(std::string_view column_name) const;

  bool operator==(const Table&) const = default;
};

/// A PostgreSQL enum type with its labels in order.
struct EnumType {
  std::string name;
  std::vector<std::string> labels;

  bool operator==(const EnumType&) const = default;
};

/// The user schema of one database, normalised so that two catalogues of the
/// same schema compare equal: everything sorted by name except columns and
/// key columns, which keep their order. The system's own objects (and
/// SQLite's sqlite_* tables) are left out; the version table is not.
struct Catalogue {
  std::vector<Table> tables;
  std::vector<EnumType> enums;
  std::vector<std::string> views;

  /// The table called `table_name`, or null.
  const Table* table(std::string_view table_name) const;

  bool operator==(const Catalogue&) const = default;
};

/// Sorts what Catalogue says is sorted; the servers' readers call it.
void normalise(Catalogue& catalogue);

/// A stable text form, one line per object, for diffs in failure messages.
std::string to_text(const Catalogue& catalogue);

/// GoogleTest prints a Catalogue with to_text().
void PrintTo(const Catalogue& catalogue, std::ostream* os);

/// One server of one dialect, with the settings ci/databases exports.
/// Databases are addressed by name: a database name on PostgreSQL and
/// MariaDB, the path of the database file on SQLite.
class Server {
 public:
  /// The server for "postgresql", "mariadb" or "sqlite", checked to answer.
  /// Throws HarnessError naming the missing variable or the server's answer.
  static std::unique_ptr<Server> connect(std::string_view dialect);

  virtual ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// "postgresql", "mariadb" or "sqlite".
  virtual std::string_view dialect() const = 0;

  /// A new empty database with a name no other test uses.
  virtual std::string create_database() = 0;

  /// Drops the database (even with open connections); no error if absent.
  virtual void drop_database(const std::string& database) = 0;

  /// Runs the script in the dialect's client, stopping at the first error:
  /// `psql -X -q -v ON_ERROR_STOP=1 -f FILE`, `mariadb --batch < FILE`,
  /// `sqlite3 -bail DBFILE < FILE`. A failing script is a result, not an
  /// exception: look at exit_code and err.
  RunResult apply(const std::string& database, std::string_view sql);

  /// As apply(), for a script already in a file.
  virtual RunResult apply_file(const std::string& database,
                               const std::filesystem::path& script) = 0;

  /// The rows of one query (several statements: the last one's rows).
  /// Throws HarnessError with the client's message when it fails.
  virtual std::vector<Row> query(const std::string& database, std::string_view sql) = 0;

  /// The database's user schema.
  virtual Catalogue catalogue(const std::string& database) = 0;

 protected:
  Server();
  /// A folder of this object's own, removed with it: scripts, client
  /// settings and (SQLite) the database files.
  const std::filesystem::path& scratch() const { return scratch_; }
  /// A name for a new database: unique across processes and runs.
  std::string unique_name();

 private:
  std::filesystem::path scratch_;
  unsigned counter_ = 0;
};

/// What seed_rows() did to one table.
struct SeedOutcome {
  std::string table;
  /// How many rows went in; 0 when the table was skipped.
  int rows = 0;
  /// Why the table got no rows ("" when it got them): a foreign key with no
  /// parent row, a cycle, or the server's error for the INSERT.
  std::string skipped_because;
};

/// Inserts `rows` rows into every table of `catalogue` but `exclude` (the
/// version table), parents before children, one INSERT per row, so that a
/// migration applied next meets data. Values are type-appropriate literals
/// that keep the simple constraints: unique and key columns get values
/// distinct across rows and across calls with different `round`s, and so do
/// all integers; other numbers are 1 (so `a <= b`, `x > 0` and `x between 0 and 1` hold);
/// strings are digits (castable to a number, valid JSON); an enum gets its
/// first label; a column with a default gets its default (which is how a
/// CHECK-backed enum on SQLite gets a valid value); a foreign key takes the
/// parent's newest rows. Identity columns get explicit values far above the
/// ones that migrations insert by hand (a server-made 1 would collide with
/// an `insert ... (id) values (1, ...)` in a revision), except PostgreSQL
/// `GENERATED ALWAYS`, which the server fills. Throws HarnessError only
/// when a query for parent rows fails.
std::vector<SeedOutcome> seed_rows(Server& server, const std::string& database,
                                   const Catalogue& catalogue, int round, int rows = 2,
                                   std::string_view exclude = "");

/// Runs a program (argv[0] a path or a name on PATH) with standard input
/// from /dev/null and `environment` (NAME=value) added; throws HarnessError
/// only when it cannot start or runs longer than two minutes.
RunResult run_program(const std::vector<std::string>& argv,
                      const std::vector<std::string>& environment = {});

/// A database created on construction and dropped on destruction.
class TemporaryDatabase {
 public:
  explicit TemporaryDatabase(Server& server);
  ~TemporaryDatabase();
  TemporaryDatabase(const TemporaryDatabase&) = delete;
  TemporaryDatabase& operator=(const TemporaryDatabase&) = delete;

  /// The database's name (SQLite: its file).
  const std::string& name() const { return name_; }

 private:
  Server& server_;
  std::string name_;
};

}  // namespace retort::testing
