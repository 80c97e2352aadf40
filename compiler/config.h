// retort.toml: the project's settings (config.md). Strict: an unknown key or
// a wrong type is an error naming the key and its line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/naming.h"

namespace retort {

/// The name of the project file; commands walk up from the current folder to it.
inline constexpr std::string_view kConfigFileName = "retort.toml";

/// `[emit]`: how scripts are wrapped.
struct EmitSettings {
  std::string transaction = "per-revision";  ///< per-revision | all | none
  bool guard = true;
  std::optional<std::string> lock_timeout;       ///< as written, e.g. "5s"; see parse_duration_ms
  std::optional<std::string> statement_timeout;  ///< as written, e.g. "30min"
};

/// The whole of retort.toml, with config.md's defaults for what the file omits.
struct Config {
  std::string migrations = "migrations";  ///< relative to retort.toml
  std::optional<std::string> alembic;
  std::string dialect = "postgresql";  ///< canonical name; dialects[0] when only `dialects` is set
  std::vector<std::string> dialects;   ///< canonical names; default {dialect}; no duplicates
  std::string version_table = "retort_version";
  std::string file_template = "{id}_{slug}.rev";
  std::map<std::string, std::string>
      dialect_versions;  ///< canonical name -> version; only those set in the file
  NamingConvention naming;
  EmitSettings emit;
  std::map<std::string, std::string> lint_rules;  ///< rule id -> error|warning|info|off
  /// Where each `[lint.rules]` key is written, so that the linter (which
  /// knows the rule ids) can point an unknown one out.
  std::map<std::string, SourceSpan> lint_rule_spans;

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

/// The text `retort init` writes: every key present, commented. `dialect` may
/// be an alias; an unknown name throws RunError (exit 2).
std::string default_config_text(std::string_view dialect);

/// Milliseconds of a duration as `[emit]` timeouts take it: digits then one
/// unit of ms, s, min, h, d ("5s", "30min"); nullopt when malformed or too long.
std::optional<uint64_t> parse_duration_ms(std::string_view text);

/// Whether `text` is a version as `[dialect.X] version` takes it: numbers
/// joined by dots ("15", "8.0.36").
bool is_valid_version(std::string_view text);

/// Compares dotted versions numerically, missing parts as 0 ("8.0" == "8.0.0"
/// < "8.0.36"): <0, 0 or >0. Both must satisfy is_valid_version.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace retort
