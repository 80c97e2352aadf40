// retort.toml: the project's settings (config.md). Strict: an unknown key or
// a wrong type is an error naming the key and its line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/naming.h"

namespace retort {

struct EmitSettings {
  std::string transaction = "per-revision";  ///< per-revision | all | none
  bool guard = true;
  std::optional<std::string> lock_timeout;
  std::optional<std::string> statement_timeout;
};

struct Config {
  std::string migrations = "migrations";  ///< relative to retort.toml
  std::optional<std::string> alembic;
  std::string dialect = "postgresql";     ///< canonical name
  std::vector<std::string> dialects;      ///< canonical names; default {dialect}
  std::string version_table = "retort_version";
  std::string file_template = "{id}_{slug}.rev";
  std::map<std::string, std::string> dialect_versions;  ///< only those set in the file
  NamingConvention naming;
  EmitSettings emit;
  std::map<std::string, std::string> lint_rules;  ///< rule id -> error|warning|info|off

  /// The target version of `dialect`: from the file, else the default of dialects.md.
  std::string version_of(std::string_view dialect) const;
};

/// Reads `file` (its path is what messages show). Errors are `error[config]`
/// diagnostics at the offending key's line; returns nullopt when any.
std::optional<Config> parse_config(const SourceFile& file, DiagnosticSink& sink);

/// The canonical dialect name for a name or alias (`postgres`, `pg` ->
/// `postgresql`; `sqlserver` -> `mssql`), or nullopt when unknown.
std::optional<std::string> canonical_dialect(std::string_view name);

/// Every dialect name, canonical, in a fixed order.
const std::vector<std::string>& all_dialects();

/// Default target version of a canonical dialect (dialects.md).
std::string default_dialect_version(std::string_view dialect);

/// The text `retort init` writes: every key present, commented.
std::string default_config_text(std::string_view dialect);

}  // namespace retort
