// The one list of dialects that have a renderer, and how a `--dialect`
// argument (`pg`, `pg@15`, `mysql@8.0.36`) becomes a target.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/config.h"
#include "emit/renderer.h"

namespace retort::emit {

/// One line of the registry: a dialect and how to make its renderer.
struct DialectEntry {
  std::string_view name;  ///< canonical
  std::unique_ptr<Renderer> (*make)(Target target);
};

/// Every dialect with a renderer, in a fixed order. A function returning a
/// const table: no global mutable state, no self-registration.
const std::vector<DialectEntry>& dialect_registry();

/// The renderer for `target`, or null when its dialect has none yet.
std::unique_ptr<Renderer> make_renderer(const Target& target);

/// The target a `--dialect` argument names: `NAME` (an alias is fine) takes
/// its version from the config (else dialects.md's default), `NAME@VERSION`
/// gives it. Empty `spec`: the config's `[project] dialect`. On a bad name
/// or version: nullopt and `error` says why.
std::optional<Target> parse_target(std::string_view spec, const Config& config, std::string& error);

// Each dialect file defines its factory; the registry lists them.
std::unique_ptr<Renderer> make_postgresql_renderer(Target target);
/// MySQL (emit/mysql.cpp).
std::unique_ptr<Renderer> make_mysql_renderer(Target target);
/// MariaDB: the MySQL renderer in its MariaDB flavour (emit/mysql.cpp).
std::unique_ptr<Renderer> make_mariadb_renderer(Target target);
/// SQLite (emit/sqlite.cpp).
std::unique_ptr<Renderer> make_sqlite_renderer(Target target);
/// Oracle (emit/oracle.cpp).
std::unique_ptr<Renderer> make_oracle_renderer(Target target);
/// SQL Server (emit/mssql.cpp).
std::unique_ptr<Renderer> make_mssql_renderer(Target target);

}  // namespace retort::emit
