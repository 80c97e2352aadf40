// What the harness's own files share: running a client program, reading its
// output, and the three dialects' servers.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/db/harness.h"

namespace retort::testing::detail {

/// A program to run, found on PATH.
struct Command {
  std::vector<std::string> argv;
  /// Standard input comes from this file; empty: /dev/null.
  std::filesystem::path stdin_file;
  /// Added to (or replacing in) the environment, as NAME=value.
  std::vector<std::string> environment;
  /// Killed after this long: a hung client must not hang the test run.
  std::chrono::seconds timeout{120};
};

/// Runs the command to its end; throws HarnessError only when it cannot be
/// started at all or outlives its timeout.
RunResult run(const Command& command);

/// The command line, shell-quoted, for messages.
std::string describe(const Command& command);

/// The variable's value; throws HarnessError naming it when it is unset or
/// empty, with how to set it.
std::string required_env(const char* name);

/// Splits on one character; an empty text gives one empty part.
std::vector<std::string> split(std::string_view text, char separator);

/// Rows printed with a field and a record separator (psql -A, sqlite3
/// -ascii). `trailing` is what follows the last record ("\n" for psql,
/// the record separator for sqlite3).
std::vector<Row> parse_separated(std::string_view out, char field, char record,
                                 std::string_view trailing);

/// Rows printed by `mariadb --batch --skip-column-names`: tab-separated,
/// with \n \t \\ \0 escaped.
std::vector<Row> parse_mariadb_batch(std::string_view out);

/// The separator that catalogue queries put between the columns of a key:
/// ASCII "group separator", which no sane identifier holds.
inline constexpr char kListSeparator = '\x1d';

/// A key's columns from a kListSeparator-joined text ("" gives none).
std::vector<std::string> split_list(std::string_view text);

/// Lower-cased ASCII.
std::string lower(std::string_view text);

/// A table's `CONSTRAINT name CHECK` names in order ("" for an unnamed
/// CHECK), from SQLite's CREATE TABLE text.
std::vector<std::string> sqlite_check_names(std::string_view create_table);

/// Whether the CREATE TABLE text says AUTOINCREMENT.
bool sqlite_has_autoincrement(std::string_view create_table);

/// From SQLite's CREATE INDEX text: the text of each key (column or
/// expression) and the partial index predicate ("" when none).
std::pair<std::vector<std::string>, std::string> sqlite_index_parts(std::string_view create_index);

std::unique_ptr<Server> connect_postgresql();
std::unique_ptr<Server> connect_mariadb();
std::unique_ptr<Server> connect_sqlite();

}  // namespace retort::testing::detail
