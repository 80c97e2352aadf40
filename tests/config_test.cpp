// Tests of the retort.toml reader: defaults, every key, every error with its
// exact text and place, the `retort init` text, and the TOML in the docs.
#include "compiler/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace retort {
namespace {

struct Parsed {
  std::optional<Config> config;
  std::vector<Diagnostic> diagnostics;
};

Parsed parse(std::string text, std::string path = "retort.toml") {
  SourceFile file{std::move(path), std::move(text)};
  DiagnosticSink sink;
  std::optional<Config> config = parse_config(file, sink);
  EXPECT_EQ(config.has_value(), !sink.has_errors()) << "a config comes back exactly when no error";
  return {std::move(config), sink.diagnostics()};
}

// Each diagnostic as "line:column: message", with " | help" when there is one.
std::vector<std::string> errors(std::string text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : parse(std::move(text)).diagnostics) {
    EXPECT_EQ(d.severity, Severity::error);
    EXPECT_EQ(d.code, "config");
    EXPECT_EQ(d.file, "retort.toml");
    std::string line = fmt::format("{}:{}: {}", d.span.line, d.span.column, d.message);
    if (!d.help.empty()) line += " | " + d.help;
    out.push_back(std::move(line));
  }
  return out;
}

using Lines = std::vector<std::string>;

Config parse_ok(std::string text) {
  Parsed p = parse(std::move(text));
  for (const Diagnostic& d : p.diagnostics) ADD_FAILURE() << d.span.line << ": " << d.message;
  return p.config.value_or(Config{});
}

void expect_defaults(const Config& c, std::string_view dialect = "postgresql") {
  EXPECT_EQ(c.migrations, "migrations");
  EXPECT_EQ(c.alembic, std::nullopt);
  EXPECT_EQ(c.dialect, dialect);
  EXPECT_EQ(c.dialects, std::vector<std::string>{std::string(dialect)});
  EXPECT_EQ(c.version_table, "retort_version");
  EXPECT_EQ(c.file_template, "{id}_{slug}.rev");
  EXPECT_EQ(c.naming.primary_key, "pk_{table}");
  EXPECT_EQ(c.naming.unique, "uq_{table}_{columns}");
  EXPECT_EQ(c.naming.foreign_key, "fk_{table}_{columns}_{ref_table}");
  EXPECT_EQ(c.naming.check, "ck_{table}_{columns}");
  EXPECT_EQ(c.naming.index, "ix_{table}_{columns}");
  EXPECT_EQ(c.naming.default_constraint, "df_{table}_{column}");
  EXPECT_EQ(c.emit.transaction, "per-revision");
  EXPECT_TRUE(c.emit.guard);
  EXPECT_EQ(c.emit.lock_timeout, std::nullopt);
  EXPECT_EQ(c.emit.statement_timeout, std::nullopt);
  EXPECT_TRUE(c.lint_rules.empty());
  for (const std::string& d : all_dialects())
    EXPECT_EQ(c.version_of(d), default_dialect_version(d));
}

TEST(Config, EmptyFileGivesTheDefaults) {
  expect_defaults(parse_ok(""));
  expect_defaults(parse_ok("# only a comment\n\n"));
  expect_defaults(parse_ok("[project]\n[emit]\n[lint.rules]\n[naming]\n"));
  Config c = parse_ok("");
  EXPECT_TRUE(c.dialect_versions.empty());
}

TEST(Config, ReadsEveryKey) {
  Config c = parse_ok(R"(
[project]
migrations = "db/revisions"
alembic = "alembic/versions"
dialect = "mysql"
dialects = ["postgresql", "mysql", "sqlite", "mariadb", "mssql", "oracle"]
version_table = "alembic_version"
file_template = "{id}.rev"

[dialect.postgresql]
version = "16"
[dialect.mysql]
version = "8.0"
[dialect.mariadb]
version = "10.6.12"
[dialect.sqlite]
version = "3.45"
[dialect.mssql]
version = "2022"
[dialect.oracle]
version = "23"

[naming]
primary_key = "{table}_pkey"
unique = "{table}_{columns}_key"
foreign_key = "{table}_{columns}_fkey_{ref_table}"
check = "{table}_{columns}_check"
index = "{table}_{columns}_idx"
default = "DF_{table}_{column}"

[emit]
transaction = "all"
guard = false
lock_timeout = "5s"
statement_timeout = "30min"

[lint.rules]
drop-column = "error"
prefer-text-over-varchar = "warning"
reserved-word = "info"
add-column-not-null-no-default = "off"
)");
  EXPECT_EQ(c.migrations, "db/revisions");
  EXPECT_EQ(c.alembic, "alembic/versions");
  EXPECT_EQ(c.dialect, "mysql");
  EXPECT_EQ(c.dialects, (std::vector<std::string>{"postgresql", "mysql", "sqlite", "mariadb",
                                                  "mssql", "oracle"}));
  EXPECT_EQ(c.version_table, "alembic_version");
  EXPECT_EQ(c.file_template, "{id}.rev");
  EXPECT_EQ(c.dialect_versions.size(), 6u);
  EXPECT_EQ(c.version_of("postgresql"), "16");
  EXPECT_EQ(c.version_of("mysql"), "8.0");
  EXPECT_EQ(c.version_of("mariadb"), "10.6.12");
  EXPECT_EQ(c.version_of("sqlite"), "3.45");
  EXPECT_EQ(c.version_of("mssql"), "2022");
  EXPECT_EQ(c.version_of("oracle"), "23");
  EXPECT_EQ(c.naming.primary_key, "{table}_pkey");
  EXPECT_EQ(c.naming.unique, "{table}_{columns}_key");
  EXPECT_EQ(c.naming.foreign_key, "{table}_{columns}_fkey_{ref_table}");
  EXPECT_EQ(c.naming.check, "{table}_{columns}_check");
  EXPECT_EQ(c.naming.index, "{table}_{columns}_idx");
  EXPECT_EQ(c.naming.default_constraint, "DF_{table}_{column}");
  EXPECT_EQ(c.emit.transaction, "all");
  EXPECT_FALSE(c.emit.guard);
  EXPECT_EQ(c.emit.lock_timeout, "5s");
  EXPECT_EQ(c.emit.statement_timeout, "30min");
  EXPECT_EQ(c.lint_rules,
            (std::map<std::string, std::string>{{"drop-column", "error"},
                                                {"prefer-text-over-varchar", "warning"},
                                                {"reserved-word", "info"},
                                                {"add-column-not-null-no-default", "off"}}));
}

TEST(Config, InlineTablesAndDottedKeysAreTheSameKeys) {
  Config c = parse_ok(
      "project = { dialect = \"sqlite\" }\n"
      "emit.guard = false\n"
      "lint.rules.drop-table = \"warning\"\n");
  EXPECT_EQ(c.dialect, "sqlite");
  EXPECT_FALSE(c.emit.guard);
  EXPECT_EQ(c.lint_rules.at("drop-table"), "warning");
}

TEST(Config, TransactionValues) {
  for (std::string v : {"per-revision", "all", "none"}) {
    EXPECT_EQ(parse_ok("[emit]\ntransaction = \"" + v + "\"\n").emit.transaction, v);
  }
}

TEST(Config, DialectAliases) {
  EXPECT_EQ(canonical_dialect("postgresql"), "postgresql");
  EXPECT_EQ(canonical_dialect("postgres"), "postgresql");
  EXPECT_EQ(canonical_dialect("pg"), "postgresql");
  EXPECT_EQ(canonical_dialect("PostgreSQL"), "postgresql");
  EXPECT_EQ(canonical_dialect("mysql"), "mysql");
  EXPECT_EQ(canonical_dialect("mariadb"), "mariadb");
  EXPECT_EQ(canonical_dialect("sqlite"), "sqlite");
  EXPECT_EQ(canonical_dialect("mssql"), "mssql");
  EXPECT_EQ(canonical_dialect("sqlserver"), "mssql");
  EXPECT_EQ(canonical_dialect("oracle"), "oracle");
  EXPECT_EQ(canonical_dialect(""), std::nullopt);
  EXPECT_EQ(canonical_dialect("postgre"), std::nullopt);
  EXPECT_EQ(canonical_dialect("sqlite3"), std::nullopt);

  Config c = parse_ok(
      "[project]\ndialect = \"pg\"\ndialects = [\"postgres\", \"sqlserver\"]\n"
      "[dialect.pg]\nversion = \"14\"\n[dialect.sqlserver]\nversion = \"2017\"\n");
  EXPECT_EQ(c.dialect, "postgresql");
  EXPECT_EQ(c.dialects, (std::vector<std::string>{"postgresql", "mssql"}));
  EXPECT_EQ(c.dialect_versions,
            (std::map<std::string, std::string>{{"postgresql", "14"}, {"mssql", "2017"}}));
  EXPECT_EQ(c.version_of("pg"), "14");
  EXPECT_EQ(c.version_of("mssql"), "2017");
}

TEST(Config, DialectAndDialectsFillEachOtherIn) {
  Config only_dialect = parse_ok("[project]\ndialect = \"sqlite\"\n");
  EXPECT_EQ(only_dialect.dialects, std::vector<std::string>{"sqlite"});
  Config only_dialects = parse_ok("[project]\ndialects = [\"mysql\", \"sqlite\"]\n");
  EXPECT_EQ(only_dialects.dialect, "mysql");
  EXPECT_EQ(only_dialects.dialects, (std::vector<std::string>{"mysql", "sqlite"}));
}

TEST(Config, DialectTables) {
  EXPECT_EQ(all_dialects(), (std::vector<std::string>{"postgresql", "mysql", "mariadb", "sqlite",
                                                      "mssql", "oracle"}));
  EXPECT_EQ(default_dialect_version("postgresql"), "15");
  EXPECT_EQ(default_dialect_version("mysql"), "8.0.36");
  EXPECT_EQ(default_dialect_version("mariadb"), "10.11");
  EXPECT_EQ(default_dialect_version("sqlite"), "3.40");
  EXPECT_EQ(default_dialect_version("mssql"), "2019");
  EXPECT_EQ(default_dialect_version("oracle"), "19");
  EXPECT_EQ(default_dialect_version("nosuch"), "");
  // A version set for one dialect leaves the others at their defaults.
  Config c = parse_ok("[dialect.mysql]\nversion = \"5.7\"\n");
  EXPECT_EQ(c.version_of("mysql"), "5.7");
  EXPECT_EQ(c.version_of("mariadb"), "10.11");
  EXPECT_EQ(c.version_of("postgres"), "15");
}

TEST(Config, DurationsVersions) {
  EXPECT_EQ(parse_duration_ms("100ms"), 100u);
  EXPECT_EQ(parse_duration_ms("5s"), 5000u);
  EXPECT_EQ(parse_duration_ms("30min"), 1'800'000u);
  EXPECT_EQ(parse_duration_ms("1h"), 3'600'000u);
  EXPECT_EQ(parse_duration_ms("2d"), 172'800'000u);
  EXPECT_EQ(parse_duration_ms("0s"), 0u);
  EXPECT_EQ(parse_duration_ms("999999999d"), 999'999'999ull * 86'400'000ull);
  for (std::string_view bad :
       {"", "5", "s", "5 s", "5sec", "1.5s", "-5s", "5S", "5m", "1000000000d", " 5s", "5s "}) {
    EXPECT_EQ(parse_duration_ms(bad), std::nullopt) << bad;
  }

  for (std::string_view good : {"15", "8.0", "8.0.36", "10.11", "2019"}) {
    EXPECT_TRUE(is_valid_version(good)) << good;
  }
  for (std::string_view bad : {"", ".", "8.", ".8", "8..0", "v15", "15beta", "8.0-rc", " 15"}) {
    EXPECT_FALSE(is_valid_version(bad)) << bad;
  }
  EXPECT_EQ(compare_versions("8.0", "8.0.0"), 0);
  EXPECT_LT(compare_versions("8.0", "8.0.36"), 0);
  EXPECT_GT(compare_versions("8.0.36", "8.0.4"), 0);
  EXPECT_LT(compare_versions("9", "10"), 0);
  EXPECT_GT(compare_versions("10.11", "10.7"), 0);
  EXPECT_EQ(compare_versions("15", "15"), 0);
}

// ------------------------------------------------------------------ errors

TEST(ConfigErrors, UnknownKeys) {
  EXPECT_EQ(errors("[emit]\ngaurd = true\n"),
            Lines{"2:1: unknown key \"emit.gaurd\" | did you mean \"emit.guard\"?"});
  EXPECT_EQ(errors("[emmit]\nguard = true\n"),
            Lines{"1:2: unknown key \"emmit\" | did you mean \"emit\"?"});
  EXPECT_EQ(errors("[server]\n"),
            Lines{"1:2: unknown key \"server\" | known tables: [project], [dialect.NAME], "
                  "[naming], [emit], [lint]"});
  EXPECT_EQ(errors("[project]\nmigration = \"m\"\n"),
            Lines{"2:1: unknown key \"project.migration\" | did you mean \"project.migrations\"?"});
  EXPECT_EQ(errors("[project]\nshard = 1\n"),
            Lines{"2:1: unknown key \"project.shard\" | known keys of [project]: migrations, "
                  "alembic, dialect, dialects, version_table, file_template"});
  EXPECT_EQ(errors("[naming]\nprimary = \"pk_{table}\"\n"),
            Lines{"2:1: unknown key \"naming.primary\" | did you mean \"naming.primary_key\"?"});
  EXPECT_EQ(errors("[lint]\nrule = {}\n"),
            Lines{"2:1: unknown key \"lint.rule\" | did you mean \"lint.rules\"?"});
  EXPECT_EQ(errors("[lint]\nlevel = \"error\"\n"),
            Lines{"2:1: unknown key \"lint.level\" | known keys of [lint]: rules"});
  EXPECT_EQ(errors("[dialect.mysql]\nversoin = \"8.0\"\n"),
            Lines{"2:1: unknown key \"dialect.mysql.versoin\" | did you mean "
                  "\"dialect.mysql.version\"?"});
  EXPECT_EQ(errors("[dialect.mysql]\nengine = \"innodb\"\n"),
            Lines{"2:1: unknown key \"dialect.mysql.engine\" | known keys of [dialect.mysql]: "
                  "version"});
  // Case matters in TOML keys; the suggestion shows the right spelling.
  EXPECT_EQ(errors("[emit]\nGuard = true\n"),
            Lines{"2:1: unknown key \"emit.Guard\" | did you mean \"emit.guard\"?"});
  EXPECT_EQ(errors("\"odd key\" = 1\n"),
            Lines{"1:1: unknown key \"\\\"odd key\\\"\" | known tables: [project], "
                  "[dialect.NAME], [naming], [emit], [lint]"});
}

TEST(ConfigErrors, KeysInTheWrongTable) {
  EXPECT_EQ(errors("[project]\nguard = false\n"),
            Lines{"2:1: unknown key \"project.guard\" | \"guard\" belongs in [emit]"});
  EXPECT_EQ(errors("migrations = \"m\"\n"),
            Lines{"1:1: unknown key \"migrations\" | \"migrations\" belongs in [project]"});
  EXPECT_EQ(errors("dialects = [\"mysql\"]\n"),
            Lines{"1:1: unknown key \"dialects\" | \"dialects\" belongs in [project]"});
  EXPECT_EQ(errors("dialect = \"mysql\"\n"),
            Lines{"1:11: \"dialect\" must be a table, not a string | the default dialect is "
                  "\"project.dialect\": write it under [project]"});
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(errors("[emit]\nguard = \"true\"\n"),
            Lines{"2:9: \"emit.guard\" must be a boolean, not a string | write it without "
                  "quotes: guard = true"});
  EXPECT_EQ(errors("[emit]\nguard = \"yes\"\n"),
            Lines{"2:9: \"emit.guard\" must be a boolean, not a string"});
  EXPECT_EQ(errors("[emit]\nguard = 1\n"),
            Lines{"2:9: \"emit.guard\" must be a boolean, not an integer"});
  EXPECT_EQ(errors("[emit]\ntransaction = false\n"),
            Lines{"2:15: \"emit.transaction\" must be a string, not a boolean"});
  EXPECT_EQ(errors("[emit]\nlock_timeout = 5\n"),
            Lines{"2:16: \"emit.lock_timeout\" must be a string, not an integer | write it in "
                  "quotes: lock_timeout = \"5\""});
  EXPECT_EQ(errors("[dialect.postgresql]\nversion = 15\n"),
            Lines{"2:11: \"dialect.postgresql.version\" must be a string, not an integer | "
                  "write it in quotes: version = \"15\""});
  EXPECT_EQ(errors("[dialect.mysql]\nversion = 8.0\n"),
            Lines{"2:11: \"dialect.mysql.version\" must be a string, not a float | write it in "
                  "quotes: version = \"8.0\""});
  EXPECT_EQ(errors("[project]\nmigrations = [\"a\"]\n"),
            Lines{"2:14: \"project.migrations\" must be a string, not an array"});
  EXPECT_EQ(errors("[project]\ncreated = 2024-01-15\n"),
            Lines{"2:1: unknown key \"project.created\" | known keys of [project]: migrations, "
                  "alembic, dialect, dialects, version_table, file_template"});
  EXPECT_EQ(errors("[naming]\nindex = 2024-01-15T10:00:00\n"),
            Lines{"2:9: \"naming.index\" must be a string, not a date-time"});
  EXPECT_EQ(errors("project = 1\n"), Lines{"1:11: \"project\" must be a table, not an integer"});
  EXPECT_EQ(errors("[[emit]]\nguard = true\n"),
            Lines{"1:1: \"emit\" must be a table, not an array"});
  EXPECT_EQ(errors("[dialect]\nmysql = \"8.0\"\n"),
            Lines{"2:9: \"dialect.mysql\" must be a table, not a string"});
  EXPECT_EQ(errors("[lint]\nrules = [\"drop-column\"]\n"),
            Lines{"2:9: \"lint.rules\" must be a table, not an array"});
  EXPECT_EQ(errors("[lint.rules]\ndrop-column = false\n"),
            Lines{"2:15: \"lint.rules.drop-column\" must be a string, not a boolean"});
  EXPECT_EQ(errors("[emit]\nguard = 12:30:00\n"),
            Lines{"2:9: \"emit.guard\" must be a boolean, not a time"});
  EXPECT_EQ(errors("[emit]\nguard = 1979-05-27\n"),
            Lines{"2:9: \"emit.guard\" must be a boolean, not a date"});
  EXPECT_EQ(errors("[emit]\nguard = { on = true }\n"),
            Lines{"2:9: \"emit.guard\" must be a boolean, not a table"});
}

TEST(ConfigErrors, Dialects) {
  EXPECT_EQ(errors("[project]\ndialect = \"postgre\"\n"),
            Lines{"2:11: unknown dialect \"postgre\" in \"project.dialect\" | did you mean "
                  "\"postgresql\"?"});
  EXPECT_EQ(errors("[project]\ndialect = \"db2\"\n"),
            Lines{"2:11: unknown dialect \"db2\" in \"project.dialect\" | known dialects: "
                  "postgresql (postgres, pg), mysql, mariadb, sqlite, mssql (sqlserver), oracle"});
  EXPECT_EQ(errors("[project]\ndialects = [\"mysql\", \"oracel\"]\n"),
            Lines{"2:22: unknown dialect \"oracel\" in \"project.dialects[1]\" | did you mean "
                  "\"oracle\"?"});
  EXPECT_EQ(errors("[project]\ndialects = [\"mysql\", 5]\n"),
            Lines{"2:22: \"project.dialects[1]\" must be a string, not an integer | write it in "
                  "quotes: dialects[1] = \"5\""});
  EXPECT_EQ(errors("[project]\ndialects = [\"pg\", \"postgresql\"]\n"),
            Lines{"2:19: \"project.dialects\" lists \"postgresql\" twice"});
  EXPECT_EQ(errors("[project]\ndialects = []\n"),
            Lines{"2:12: \"project.dialects\" must list at least one dialect"});
  EXPECT_EQ(errors("[project]\ndialects = \"mysql\"\n"),
            Lines{"2:12: \"project.dialects\" must be an array of dialect names, not a string | "
                  "write it as a list: dialects = [\"mysql\"]"});
  EXPECT_EQ(errors("[project]\ndialect = \"mysql\"\ndialects = [\"postgresql\", \"sqlite\"]\n"),
            Lines{"2:11: \"project.dialect\" is \"mysql\" but \"project.dialects\" does not list "
                  "it | add \"mysql\" to \"project.dialects\", or set \"project.dialect\" to one "
                  "of postgresql, sqlite"});
  EXPECT_EQ(errors("[dialect.postgress]\nversion = \"15\"\n"),
            Lines{"1:10: unknown dialect \"postgress\" in [dialect.postgress] | did you mean "
                  "\"postgresql\"?"});
  EXPECT_EQ(
      errors("[dialect.sqlserver]\nversion = \"2019\"\n[dialect.mssql]\nversion = \"2022\"\n"),
      Lines{"3:10: [dialect.mssql] sets dialect \"mssql\" again, as [dialect.sqlserver] "
            "does | keep one of the two tables"});
  EXPECT_EQ(errors("[dialect.mysql]\nversion = \"eight\"\n"),
            Lines{"2:11: \"dialect.mysql.version\" must be a version like \"8.0.36\", not "
                  "\"eight\""});
  EXPECT_EQ(errors("[dialect.postgresql]\nversion = \"15.\"\n"),
            Lines{"2:11: \"dialect.postgresql.version\" must be a version like \"15\", not "
                  "\"15.\""});
}

TEST(ConfigErrors, ProjectValues) {
  EXPECT_EQ(errors("[project]\nmigrations = \"\"\n"),
            Lines{"2:14: \"project.migrations\" must not be empty"});
  EXPECT_EQ(errors("[project]\nalembic = \"\"\n"),
            Lines{"2:11: \"project.alembic\" must not be empty"});
  EXPECT_EQ(errors("[project]\nversion_table = \"retort-version\"\n"),
            Lines{"2:17: \"project.version_table\" must be a lower-case identifier (a-z, 0-9, "
                  "\"_\", not starting with a digit, at most 63 bytes), not \"retort-version\""});
  EXPECT_EQ(errors("[project]\nversion_table = \"1version\"\n").size(), 1u);
  EXPECT_EQ(errors("[project]\nversion_table = \"Version\"\n").size(), 1u);
  EXPECT_EQ(errors("[project]\nversion_table = \"\"\n").size(), 1u);
  EXPECT_EQ(errors("[project]\nversion_table = \"" + std::string(64, 'v') + "\"\n").size(), 1u);
  EXPECT_TRUE(errors("[project]\nversion_table = \"" + std::string(63, 'v') + "\"\n").empty());
  EXPECT_EQ(errors("[project]\nfile_template = \"{slug}.rev\"\n"),
            Lines{"2:17: \"project.file_template\" must contain {id} | the file name must start "
                  "with the revision id, e.g. \"{id}_{slug}.rev\""});
  EXPECT_EQ(errors("[project]\nfile_template = \"{id}_{name}.rev\"\n"),
            Lines{"2:17: unknown placeholder \"{name}\" in \"project.file_template\" | "
                  "placeholders: {id}, {slug}"});
  EXPECT_EQ(errors("[project]\nfile_template = \"{id}_{slug.rev\"\n"),
            Lines{"2:17: unknown placeholder \"{slug.rev\" in \"project.file_template\" | "
                  "placeholders: {id}, {slug}"});
  EXPECT_EQ(errors("[project]\nfile_template = \"revs/{id}.rev\"\n"),
            Lines{"2:17: \"project.file_template\" must be a file name, not a path | set "
                  "\"project.migrations\" to choose the folder"});
  EXPECT_EQ(errors("[project]\nfile_template = \"{id}.sql\"\n"),
            Lines{"2:17: \"project.file_template\" must end with \".rev\""});
}

TEST(ConfigErrors, Naming) {
  EXPECT_EQ(errors("[naming]\nindex = \"ix_{tabel}_{columns}\"\n"),
            Lines{"2:9: unknown placeholder \"{tabel}\" in \"naming.index\" | did you mean "
                  "\"{table}\"?"});
  EXPECT_EQ(errors("[naming]\nindex = \"ix_{cols}\"\n"),
            Lines{"2:9: unknown placeholder \"{cols}\" in \"naming.index\" | placeholders: "
                  "{table}, {columns}, {column}, {ref_table}"});
  EXPECT_EQ(errors("[naming]\nunique = \"uq_{table\"\n"),
            Lines{"2:10: unclosed \"{\" in \"naming.unique\" | placeholders are written {table}, "
                  "{columns}, {column}, {ref_table}"});
  EXPECT_EQ(errors("[naming]\ncheck = \"ck_table}\"\n"),
            Lines{"2:9: unmatched \"}\" in \"naming.check\" | placeholders are written {table}, "
                  "{columns}, {column}, {ref_table}"});
  EXPECT_EQ(errors("[naming]\nindex = \"ix_{table}_{ref_table}\"\n"),
            Lines{"2:9: \"naming.index\" cannot use {ref_table}: only \"naming.foreign_key\" has "
                  "one"});
  EXPECT_EQ(errors("[naming]\nprimary_key = \"\"\n"),
            Lines{"2:15: \"naming.primary_key\" must not be empty"});
  // Every placeholder is accepted where it has a value; text without one is too.
  Config c = parse_ok(
      "[naming]\nprimary_key = \"{table}_{columns}_{column}_pk\"\nforeign_key = "
      "\"{ref_table}\"\ncheck = \"chk\"\n");
  EXPECT_EQ(c.naming.primary_key, "{table}_{columns}_{column}_pk");
  EXPECT_EQ(c.naming.foreign_key, "{ref_table}");
  EXPECT_EQ(c.naming.check, "chk");
}

TEST(ConfigErrors, Emit) {
  EXPECT_EQ(errors("[emit]\ntransaction = \"per_revision\"\n"),
            Lines{"2:15: \"emit.transaction\" must be \"per-revision\", \"all\" or \"none\", not "
                  "\"per_revision\" | did you mean \"per-revision\"?"});
  EXPECT_EQ(errors("[emit]\ntransaction = \"each\"\n"),
            Lines{"2:15: \"emit.transaction\" must be \"per-revision\", \"all\" or \"none\", not "
                  "\"each\""});
  EXPECT_EQ(errors("[emit]\nlock_timeout = \"5 sec\"\n"),
            Lines{"2:16: \"emit.lock_timeout\" must be a duration like \"5s\", \"30min\", "
                  "\"100ms\" or \"1h\", not \"5 sec\" | a whole number followed by one unit: ms, "
                  "s, min, h or d"});
  EXPECT_EQ(errors("[emit]\nstatement_timeout = \"1.5h\"\n"),
            Lines{"2:21: \"emit.statement_timeout\" must be a duration like \"5s\", \"30min\", "
                  "\"100ms\" or \"1h\", not \"1.5h\" | a whole number followed by one unit: ms, "
                  "s, min, h or d"});
  EXPECT_EQ(errors("[emit]\nlock_timeout = \"0s\"\n"),
            Lines{"2:16: \"emit.lock_timeout\" must be longer than zero | remove the key to "
                  "leave the timeout unset"});
  Config c = parse_ok("[emit]\nlock_timeout = \"100ms\"\nstatement_timeout = \"1h\"\n");
  EXPECT_EQ(c.emit.lock_timeout, "100ms");
  EXPECT_EQ(c.emit.statement_timeout, "1h");
}

TEST(ConfigErrors, LintRules) {
  EXPECT_EQ(errors("[lint.rules]\ndrop-column = \"warn\"\n"),
            Lines{"2:15: \"lint.rules.drop-column\" must be \"error\", \"warning\", \"info\" or "
                  "\"off\", not \"warn\" | did you mean \"warning\"?"});
  EXPECT_EQ(errors("[lint.rules]\ndrop-column = \"Error\"\n"),
            Lines{"2:15: \"lint.rules.drop-column\" must be \"error\", \"warning\", \"info\" or "
                  "\"off\", not \"Error\" | did you mean \"error\"?"});
  EXPECT_EQ(errors("[lint.rules]\ndrop-column = \"disabled\"\n"),
            Lines{"2:15: \"lint.rules.drop-column\" must be \"error\", \"warning\", \"info\" or "
                  "\"off\", not \"disabled\""});
  EXPECT_EQ(errors("[lint.rules]\ndrop_column = \"off\"\n"),
            Lines{"2:1: rule id \"drop_column\" in [lint.rules] is not kebab-case | did you mean "
                  "\"drop-column\"?"});
  EXPECT_EQ(errors("[lint.rules]\n\"drop column\" = \"off\"\n"),
            Lines{"2:1: rule id \"drop column\" in [lint.rules] is not kebab-case | rule ids are "
                  "lower-case words joined by \"-\", e.g. drop-column"});
  EXPECT_EQ(errors("[lint.rules]\n-drop = \"off\"\n").size(), 1u);
  EXPECT_EQ(errors("[lint.rules]\ndrop--column = \"off\"\n").size(), 1u);
  // Any kebab-case id is accepted here; the linter checks it against its rules.
  EXPECT_EQ(
      parse_ok("[lint.rules]\nno-such-rule-yet = \"off\"\n").lint_rules.at("no-such-rule-yet"),
      "off");
}

TEST(ConfigErrors, SyntaxErrorsAtTheirPlace) {
  EXPECT_EQ(errors("[emit]\nguard = true x\n"),
            Lines{"2:14: Error while parsing key-value pair: expected a comment or whitespace, "
                  "saw 'x'"});
  EXPECT_EQ(errors("[emit]\nguard = true\nguard = false\n"),
            Lines{"3:9: Error while parsing key-value pair: cannot redefine existing boolean "
                  "'guard'"});
  EXPECT_EQ(errors("[project\n").size(), 1u);
  // Invalid UTF-8 is a config error too, never a crash.
  EXPECT_EQ(errors("[project]\nmigrations = \"\xff\"\n"), Lines{"2:15: invalid UTF-8 (byte 0xff)"});
  EXPECT_EQ(errors("# é\n[emit]\nguard = \"\xc3\"\n"), Lines{"3:10: invalid UTF-8 (byte 0xc3)"});
  // Binary junk and a lone NUL give one error and no crash.
  EXPECT_EQ(errors(std::string("\0\1\2", 3)).size(), 1u);
  // What toml++ cannot be given (compiler/toml_screen.h) is stopped before
  // it, at the character, counted as one column.
  EXPECT_EQ(errors("[project]\nmigrations = \"m\" \xC3\xA9\n"),
            Lines{"2:18: a character outside ASCII must be inside a quoted string or a comment"});
  EXPECT_EQ(errors("# \xC3\xA9\n[{column}\n"),
            Lines{"2:2: a table header needs a name after its `[`"});
  // Where toml++ asserts a state of its parser that bad input breaks, its
  // own error comes back, in every build (config.cpp).
  EXPECT_EQ(errors("a = [1,}\n"),
            Lines{"1:8: Error while parsing value: could not determine value type"});
  EXPECT_EQ(errors("[[[project]\n"), Lines{"1:3: a table header needs a name after its `[`"});
  std::vector<Diagnostic> d = parse("c\xEF\xBB\xB8[egrations = \"mi\"c").diagnostics;
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].span.column, 2u);
  EXPECT_EQ(d[0].span.end_column, 3u);
  EXPECT_EQ(d[0].span.end - d[0].span.begin, 3u);  // the whole character
}

TEST(ConfigErrors, ColumnsCountCharactersAndSpanCoversTheKey) {
  // The é before the bad key is one column, though two bytes.
  std::string text = "naming = { index = \"é_{table}\", gaurd = 1 }\n";
  Parsed p = parse(text);
  ASSERT_EQ(p.diagnostics.size(), 1u);
  const Diagnostic& d = p.diagnostics[0];
  EXPECT_EQ(d.message, "unknown key \"naming.gaurd\"");
  EXPECT_EQ(d.span.line, 1u);
  EXPECT_EQ(d.span.column, 33u);
  EXPECT_EQ(d.span.end_column, 38u);
  EXPECT_EQ(text.substr(d.span.begin, d.span.end - d.span.begin), "gaurd");
}

TEST(ConfigErrors, EveryErrorIsReportedInLineOrder) {
  EXPECT_EQ(errors("[project]\n"
                   "dialect = \"nope\"\n"
                   "[emit]\n"
                   "guard = \"no\"\n"
                   "transaction = \"some\"\n"
                   "[lint.rules]\n"
                   "drop-table = \"loud\"\n"),
            (Lines{"2:11: unknown dialect \"nope\" in \"project.dialect\" | known dialects: "
                   "postgresql (postgres, pg), mysql, mariadb, sqlite, mssql (sqlserver), oracle",
                   "4:9: \"emit.guard\" must be a boolean, not a string",
                   "5:15: \"emit.transaction\" must be \"per-revision\", \"all\" or \"none\", not "
                   "\"some\"",
                   "7:14: \"lint.rules.drop-table\" must be \"error\", \"warning\", \"info\" or "
                   "\"off\", not \"loud\""}));
}

TEST(ConfigErrors, MessagesNameThePathOfTheFile) {
  SourceFile file{"sub/retort.toml", "[emit]\ngaurd = 1\n"};
  DiagnosticSink sink;
  EXPECT_FALSE(parse_config(file, sink).has_value());
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].file, "sub/retort.toml");
  EXPECT_EQ(sink.error_count(), 1u);
}

// ------------------------------------------------------------------ init

TEST(ConfigInit, TheInitTextParsesBackToTheDefaults) {
  for (const std::string& dialect : all_dialects()) {
    SCOPED_TRACE(dialect);
    std::string text = default_config_text(dialect);
    Config c = parse_ok(text);
    expect_defaults(c, dialect);
    // The one key written beyond the defaults pins the target version.
    EXPECT_EQ(c.dialect_versions,
              (std::map<std::string, std::string>{{dialect, default_dialect_version(dialect)}}));
    // Every key is present, commented out where its default is "unset".
    for (std::string_view key :
         {"migrations =", "# alembic =", "dialect =", "dialects =", "version_table =",
          "file_template =", "version =", "primary_key =", "unique =", "foreign_key =", "check =",
          "index =", "default =", "transaction =", "guard =", "# lock_timeout =",
          "# statement_timeout =", "[lint.rules]"}) {
      EXPECT_NE(text.find(key), std::string::npos) << key;
    }
    EXPECT_NE(text.find("[dialect." + dialect + "]"), std::string::npos);
  }
}

TEST(ConfigInit, AliasesAndUnknownDialects) {
  EXPECT_EQ(default_config_text("pg"), default_config_text("postgresql"));
  EXPECT_EQ(default_config_text("sqlserver"), default_config_text("mssql"));
  try {
    (void)default_config_text("db2");
    ADD_FAILURE() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_EQ(std::string(e.what()),
              "unknown dialect \"db2\"; known dialects: postgresql (postgres, pg), mysql, "
              "mariadb, sqlite, mssql (sqlserver), oracle");
  }
}

TEST(ConfigInit, CommentsLineUp) {
  std::string text = default_config_text("mysql");
  EXPECT_NE(text.find("dialect = \"mysql\"                  # default --dialect"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("version = \"8.0.36\"                 # target server version"),
            std::string::npos)
      << text;
}

// ------------------------------------------------------------------ docs

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The ```toml blocks of a Markdown text, with the line each starts on.
std::vector<std::pair<int, std::string>> toml_blocks(const std::string& markdown) {
  std::vector<std::pair<int, std::string>> blocks;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  bool inside = false;
  int start = 0;
  std::string block;
  while (std::getline(in, line)) {
    ++number;
    std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (!inside && trimmed.starts_with("```toml")) {
      inside = true;
      start = number + 1;
      block.clear();
    } else if (inside && trimmed.starts_with("```")) {
      inside = false;
      blocks.emplace_back(start, block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

TEST(ConfigDocs, EveryTomlBlockInTheDocsParses) {
  namespace fs = std::filesystem;
  const fs::path root = RETORT_SOURCE_DIR;
  std::vector<fs::path> files{root / "README.md"};
  if (fs::is_directory(root / "docs")) {
    for (const auto& entry : fs::directory_iterator(root / "docs")) {
      if (entry.path().extension() == ".md") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  int found = 0;
  for (const fs::path& path : files) {
    if (!fs::exists(path)) continue;  // the README may not be written yet
    for (const auto& [line, block] : toml_blocks(read_file(path))) {
      ++found;
      Parsed p = parse(block, path.filename().string());
      for (const Diagnostic& d : p.diagnostics) {
        ADD_FAILURE() << path << ": block at line " << line << ", its line " << d.span.line << ": "
                      << d.message;
      }
    }
  }
  EXPECT_GE(found, 1) << "no ```toml block found in README.md or docs/*.md";
}

TEST(ConfigDocs, TheExampleProjectConfigParses) {
  const std::filesystem::path path =
      std::filesystem::path(RETORT_SOURCE_DIR) / "examples" / "retort.toml";
  ASSERT_TRUE(std::filesystem::exists(path));
  Config c = parse_ok(read_file(path));
  EXPECT_FALSE(c.dialects.empty());
}

}  // namespace
}  // namespace retort
