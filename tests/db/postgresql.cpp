// PostgreSQL through psql; the catalogue from pg_catalog.
#include <map>
#include <string>

#include "tests/db/internal.h"

namespace retort::testing::detail {
namespace {

// Schemas that hold the server's own objects, not the user's.
constexpr std::string_view kUserSchema =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'";

/// `name` in public, `schema.name` elsewhere (SQL over namespace `ns`).
std::string qualified(std::string_view ns, std::string_view name) {
  return "CASE WHEN " + std::string(ns) + ".nspname = 'public' THEN " + std::string(name) +
         "::text ELSE " + std::string(ns) + ".nspname || '.' || " + std::string(name) + " END";
}

std::string action(std::string_view code) {
  if (code == "a") return "no action";
  if (code == "r") return "restrict";
  if (code == "c") return "cascade";
  if (code == "n") return "set null";
  if (code == "d") return "set default";
  return std::string(code);
}

class PostgresqlServer final : public Server {
 public:
  PostgresqlServer()
      : host_(required_env("RETORT_PG_HOST")),
        port_(required_env("RETORT_PG_PORT")),
        user_(required_env("RETORT_PG_USER")) {
    auto answer = run(psql("postgres", {"-c", "SELECT 1"}));
    if (answer.exit_code != 0) {
      throw HarnessError("PostgreSQL at " + host_ + ":" + port_ + " (user " + user_ +
                         ") does not answer (is `ci/databases start` running?): " + answer.err);
    }
  }

  std::string_view dialect() const override { return "postgresql"; }

  std::string create_database() override {
    std::string name = unique_name();
    // template0: a pristine database whatever was done to template1.
    query("postgres", "CREATE DATABASE \"" + name + "\" TEMPLATE template0");
    return name;
  }

  void drop_database(const std::string& database) override {
    query("postgres", "DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
  }

  RunResult apply_file(const std::string& database, const std::filesystem::path& script) override {
    return run(psql(database, {"-f", script.string()}));
  }

  std::vector<Row> query(const std::string& database, std::string_view sql) override {
    // Unaligned, no headers, ASCII unit/record separators: values may hold
    // newlines and tabs.
    auto command = psql(database, {"-A", "-t", "-F", "\x1f", "-R", "\x1e", "-P", "null=NULL", "-P",
                                   "pager=off", "-c", std::string(sql)});
    auto result = run(command);
    if (result.exit_code != 0) {
      throw HarnessError("query failed (" + describe(command) + "):\n" + result.err);
    }
    return parse_separated(result.out, '\x1f', '\x1e', "\n");
  }

  Catalogue catalogue(const std::string& database) override {
    Catalogue catalogue;
    // Tables with their columns; a table without columns still has a row
    // (attnum 0).
    for (const auto& r : query(database, R"(
SELECT )" + qualified("n", "c.relname") + R"(, COALESCE(a.attnum, 0), COALESCE(a.attname, ''),
  COALESCE(format_type(a.atttypid, a.atttypmod), ''), CASE WHEN a.attnotnull THEN 'n' ELSE 'y' END,
  CASE WHEN d.adbin IS NULL THEN '-' ELSE '=' || pg_get_expr(d.adbin, d.adrelid) END,
  CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' ELSE '' END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND )" + std::string(kUserSchema) +
                                             R"(
ORDER BY 1, 2)")) {
      if (catalogue.tables.empty() || catalogue.tables.back().name != r.at(0)) {
        catalogue.tables.emplace_back().name = r.at(0);
      }
      if (r.at(1) == "0") continue;
      catalogue.tables.back().columns.push_back(
          Column{.name = r.at(2),
                 .type = r.at(3),
                 .nullable = r.at(4) == "y",
                 .default_value =
                     r.at(5) == "-" ? std::nullopt : std::optional<std::string>(r.at(5).substr(1)),
                 .identity = r.at(6)});
    }
    std::map<std::string, Table*, std::less<>> tables;
    for (auto& t : catalogue.tables) tables[t.name] = &t;
    auto table_of = [&](const std::string& name) -> Table& {
      auto it = tables.find(name);
      if (it == tables.end()) throw HarnessError("catalogue: no table " + name);
      return *it->second;
    };

    // Key columns in key order, joined by kListSeparator.
    auto key_columns = [](std::string_view key, std::string_view relation) {
      return "(SELECT string_agg(a.attname::text, chr(29) ORDER BY k.ord) FROM unnest(con." +
             std::string(key) + ") WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON " +
             "a.attrelid = con." + std::string(relation) + " AND a.attnum = k.attnum)";
    };
    for (const auto& r : query(database, R"(
SELECT )" + qualified("n", "c.relname") + R"(, con.contype, con.conname, )" +
                                             key_columns("conkey", "conrelid") + R"(,
  COALESCE()" + qualified("rn", "rc.relname") +
                                             R"(, ''), COALESCE()" +
                                             key_columns("confkey", "confrelid") + R"(, ''),
  con.confdeltype, con.confupdtype
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') AND )" +
                                             std::string(kUserSchema))) {
      Table& table = table_of(r.at(0));
      const std::string& kind = r.at(1);
      if (kind == "p") {
        table.primary_key = PrimaryKey{.name = r.at(2), .columns = split_list(r.at(3))};
      } else if (kind == "u") {
        table.uniques.push_back({.name = r.at(2), .columns = split_list(r.at(3))});
      } else if (kind == "f") {
        table.foreign_keys.push_back({.name = r.at(2),
                                      .columns = split_list(r.at(3)),
                                      .referenced_table = r.at(4),
                                      .referenced_columns = split_list(r.at(5)),
                                      .on_delete = action(r.at(6)),
                                      .on_update = action(r.at(7))});
      } else {
        table.checks.push_back({.name = r.at(2)});
      }
    }

    // Indexes, less those that back a primary key, unique or exclusion
    // constraint (a foreign key also points at an index: of the other table).
    // A key column is its name, or the expression as pg_get_indexdef prints it.
    for (const auto& r :
         query(database, R"(
SELECT )" + qualified("n", "c.relname") +
                             R"(, ic.relname, CASE WHEN i.indisunique THEN 'y' ELSE 'n' END,
  (SELECT string_agg(CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true)
       ELSE (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid
             AND a.attnum = i.indkey[k - 1]) END
     || CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END, chr(29) ORDER BY k)
   FROM generate_series(1, i.indnkeyatts) AS k),
  COALESCE((SELECT string_agg(a.attname::text, chr(29) ORDER BY k)
   FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS k
   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]), ''),
  COALESCE(pg_get_expr(i.indpred, i.indrelid, true), ''), am.amname
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND )" +
                             std::string(kUserSchema) + R"(
AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')))")) {
      table_of(r.at(0)).indexes.push_back({.name = r.at(1),
                                           .unique = r.at(2) == "y",
                                           .columns = split_list(r.at(3)),
                                           .include = split_list(r.at(4)),
                                           .predicate = r.at(5),
                                           .method = r.at(6)});
    }

    for (const auto& r : query(database, R"(
SELECT )" + qualified("n", "t.typname") + R"(, e.enumlabel
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
WHERE )" + std::string(kUserSchema) + R"(
ORDER BY 1, e.enumsortorder)")) {
      if (catalogue.enums.empty() || catalogue.enums.back().name != r.at(0)) {
        catalogue.enums.push_back({.name = r.at(0), .labels = {}});
      }
      catalogue.enums.back().labels.push_back(r.at(1));
    }

    for (const auto& r : query(database, R"(
SELECT )" + qualified("n", "c.relname") + R"(
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND )" + std::string(kUserSchema))) {
      catalogue.views.push_back(r.at(0));
    }
    normalise(catalogue);
    return catalogue;
  }

 private:
  Command psql(const std::string& database, std::vector<std::string> extra) const {
    Command command;
    // -X: no ~/.psqlrc; -w: never prompt for a password (fail instead).
    command.argv = {"psql", "-X",  "-w", "-q",  "-v", "ON_ERROR_STOP=1", "-h", host_,
                    "-p",   port_, "-U", user_, "-d", database};
    command.argv.insert(command.argv.end(), extra.begin(), extra.end());
    command.environment = {"PGCONNECT_TIMEOUT=10", "PGCLIENTENCODING=UTF8"};
    return command;
  }

  std::string host_, port_, user_;
};

}  // namespace

std::unique_ptr<Server> connect_postgresql() {
  return std::make_unique<PostgresqlServer>();
}

}  // namespace retort::testing::detail
