// MariaDB through the mariadb client; the catalogue from information_schema.
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <string>

#include "tests/db/internal.h"

namespace retort::testing::detail {
namespace {

/// A value for the client's option file: quoted, with the escapes the
/// option file reader understands.
std::string option_value(std::string_view value) {
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

/// `name` quoted for MariaDB.
std::string quote(std::string_view name) {
  std::string quoted = "`";
  for (char c : name) {
    if (c == '`') quoted += '`';
    quoted += c;
  }
  return quoted + "`";
}

/// The key columns of constraint `tc`, in order, joined by kListSeparator.
std::string key_columns(std::string_view column) {
  return "(SELECT GROUP_CONCAT(k." + std::string(column) +
         " ORDER BY k.ORDINAL_POSITION SEPARATOR '\x1d') FROM information_schema.KEY_COLUMN_USAGE k"
         " WHERE k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME"
         " AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME)";
}

class MariadbServer final : public Server {
 public:
  MariadbServer() {
    // The password goes in an option file, not on the command line (where
    // `ps` shows it and the client warns). --defaults-file also keeps the
    // machine's /etc/mysql settings, which name the service's socket, out.
    std::string user = required_env("RETORT_MARIADB_USER");
    std::string password = required_env("RETORT_MARIADB_PASSWORD");
    const char* socket = std::getenv("RETORT_MARIADB_SOCKET");
    const char* host = std::getenv("RETORT_MARIADB_HOST");
    std::string options = "[client]\nuser=" + option_value(user) +
                          "\npassword=" + option_value(password) +
                          // utf8mb4 whatever the locale: scripts are UTF-8.
                          "\ndefault-character-set=utf8mb4\nconnect-timeout=10\n";
    if (host != nullptr && *host != '\0') {
      where_ = std::string(host) + ":" + required_env("RETORT_MARIADB_PORT");
      options += "protocol=tcp\nhost=" + option_value(host) +
                 "\nport=" + option_value(required_env("RETORT_MARIADB_PORT")) + "\n";
    } else if (socket != nullptr && *socket != '\0') {
      where_ = socket;
      options += "protocol=socket\nsocket=" + option_value(socket) + "\n";
    } else {
      required_env("RETORT_MARIADB_HOST");  // throws, naming the variable
    }
    options_file_ = scratch() / "client.cnf";
    {
      std::ofstream file(options_file_);
      file << options;
      if (!file) throw HarnessError("cannot write " + options_file_.string());
    }
    chmod(options_file_.c_str(), 0600);
    auto answer = run(mariadb("", {"-e", "SELECT 1"}));
    if (answer.exit_code != 0) {
      throw HarnessError("MariaDB at " + where_ + " (user " + user +
                         ") does not answer (is `ci/databases start` running?): " + answer.err);
    }
  }

  std::string_view dialect() const override { return "mariadb"; }

  std::string create_database() override {
    std::string name = unique_name();
    query("", "CREATE DATABASE " + quote(name));
    return name;
  }

  void drop_database(const std::string& database) override {
    query("", "DROP DATABASE IF EXISTS " + quote(database));
  }

  RunResult apply_file(const std::string& database, const std::filesystem::path& script) override {
    // The client, not a library: only it reads DELIMITER lines. --batch
    // stops at the first error (no --force).
    auto command = mariadb(database, {});
    command.stdin_file = script;
    return run(command);
  }

  std::vector<Row> query(const std::string& database, std::string_view sql) override {
    auto command = mariadb(database, {"--skip-column-names", "-e", std::string(sql)});
    auto result = run(command);
    if (result.exit_code != 0) {
      throw HarnessError("query failed (" + describe(command) + "):\n" + result.err);
    }
    return parse_mariadb_batch(result.out);
  }

  Catalogue catalogue(const std::string& database) override {
    Catalogue catalogue;
    // Base tables only: views and sequences are not tables here.
    for (const auto& r : query(database, R"(
SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE,
  IF(c.COLUMN_DEFAULT IS NULL, '-', CONCAT('=', c.COLUMN_DEFAULT)), c.EXTRA
FROM information_schema.TABLES t JOIN information_schema.COLUMNS c
  ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION)")) {
      if (catalogue.tables.empty() || catalogue.tables.back().name != r.at(0)) {
        catalogue.tables.emplace_back().name = r.at(0);
      }
      catalogue.tables.back().columns.push_back(Column{
          .name = r.at(1),
          .type = r.at(2),
          .nullable = r.at(3) == "YES",
          .default_value =
              r.at(4) == "-" ? std::nullopt : std::optional<std::string>(r.at(4).substr(1)),
          .identity =
              lower(r.at(5)).find("auto_increment") != std::string::npos ? "auto_increment" : ""});
    }
    std::map<std::string, Table*, std::less<>> tables;
    for (auto& t : catalogue.tables) tables[t.name] = &t;
    auto table_of = [&](const std::string& name) -> Table& {
      auto it = tables.find(name);
      if (it == tables.end()) throw HarnessError("catalogue: no table " + name);
      return *it->second;
    };

    // A referenced table in another database is named `database.table`.
    for (const auto& r : query(database, R"(
SELECT tc.TABLE_NAME, tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, )" +
                                             key_columns("COLUMN_NAME") +
                                             R"(,
  COALESCE(IF(rc.UNIQUE_CONSTRAINT_SCHEMA = DATABASE(), rc.REFERENCED_TABLE_NAME,
              CONCAT(rc.UNIQUE_CONSTRAINT_SCHEMA, '.', rc.REFERENCED_TABLE_NAME)), ''),
  COALESCE()" + key_columns("REFERENCED_COLUMN_NAME") +
                                             R"(, ''),
  COALESCE(rc.DELETE_RULE, ''), COALESCE(rc.UPDATE_RULE, '')
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.TABLES t
  ON t.TABLE_SCHEMA = tc.TABLE_SCHEMA AND t.TABLE_NAME = tc.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE'
LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
  ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.TABLE_NAME = tc.TABLE_NAME
  AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'FOREIGN KEY'
WHERE tc.CONSTRAINT_SCHEMA = DATABASE())")) {
      Table& table = table_of(r.at(0));
      const std::string& kind = r.at(1);
      if (kind == "PRIMARY KEY") {
        table.primary_key = PrimaryKey{.name = r.at(2), .columns = split_list(r.at(3))};
      } else if (kind == "UNIQUE") {
        table.uniques.push_back({.name = r.at(2), .columns = split_list(r.at(3))});
      } else if (kind == "FOREIGN KEY") {
        table.foreign_keys.push_back({.name = r.at(2),
                                      .columns = split_list(r.at(3)),
                                      .referenced_table = r.at(4),
                                      .referenced_columns = split_list(r.at(5)),
                                      .on_delete = lower(r.at(6)),
                                      .on_update = lower(r.at(7))});
      } else if (kind == "CHECK") {
        table.checks.push_back({.name = r.at(2)});
      }
    }

    // Indexes that are not a primary key or unique constraint: plain ones,
    // including those the server made for a foreign key.
    for (const auto& r : query(database, R"(
SELECT s.TABLE_NAME, s.INDEX_NAME, IF(s.NON_UNIQUE = 0, 'y', 'n'),
  GROUP_CONCAT(CONCAT(s.COLUMN_NAME, IF(s.SUB_PART IS NULL, '', CONCAT('(', s.SUB_PART, ')')),
                      IF(s.COLLATION = 'D', ' DESC', ''))
               ORDER BY s.SEQ_IN_INDEX SEPARATOR ')" +
                                             std::string(1, kListSeparator) + R"(')
FROM information_schema.STATISTICS s
JOIN information_schema.TABLES t
  ON t.TABLE_SCHEMA = s.TABLE_SCHEMA AND t.TABLE_NAME = s.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE'
WHERE s.TABLE_SCHEMA = DATABASE() AND NOT EXISTS (
  SELECT 1 FROM information_schema.TABLE_CONSTRAINTS tc
  WHERE tc.CONSTRAINT_SCHEMA = s.TABLE_SCHEMA AND tc.TABLE_NAME = s.TABLE_NAME
    AND tc.CONSTRAINT_NAME = s.INDEX_NAME AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE'))
GROUP BY s.TABLE_NAME, s.INDEX_NAME, s.NON_UNIQUE)")) {
      Index& index = table_of(r.at(0)).indexes.emplace_back();
      index.name = r.at(1);
      index.unique = r.at(2) == "y";
      index.columns = split_list(r.at(3));
    }

    for (const auto& r : query(database,
                               "SELECT TABLE_NAME FROM information_schema.VIEWS "
                               "WHERE TABLE_SCHEMA = DATABASE()")) {
      catalogue.views.push_back(r.at(0));
    }
    normalise(catalogue);
    return catalogue;
  }

 private:
  Command mariadb(const std::string& database, std::vector<std::string> extra) const {
    Command command;
    // --defaults-file must come first.
    command.argv = {"mariadb", "--defaults-file=" + options_file_.string(), "--batch"};
    command.argv.insert(command.argv.end(), extra.begin(), extra.end());
    if (!database.empty()) command.argv.push_back(database);
    return command;
  }

  std::string where_;
  std::filesystem::path options_file_;
};

}  // namespace

std::unique_ptr<Server> connect_mariadb() {
  return std::make_unique<MariadbServer>();
}

}  // namespace retort::testing::detail
