// The forms a lint report is printed in (cli.md): text, json, sarif, github.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.h"
#include "lint/engine.h"

namespace retort::lint {

enum class ReportFormat { text, json, sarif, github };

/// "text" -> ReportFormat::text, ...; nullopt for anything else.
std::optional<ReportFormat> parse_format(std::string_view name);

struct ReportInput {
  const std::vector<Diagnostic>& findings;  ///< sorted
  const RuleSet& rules;
  const SourceTexts& texts;
  std::string tool_version;
  /// Prefix that turns a project-relative path into a repository-relative
  /// one ("db/" when retort.toml is in db/ of the git work tree), for SARIF.
  std::string repository_prefix;
  size_t files_linted = 0;
  bool color = false;
};

/// Counts per severity.
struct Summary {
  size_t errors = 0, warnings = 0, infos = 0;
};
Summary summarize(const std::vector<Diagnostic>& findings);

/// The whole report in `format`; always a complete document.
std::string render_report(ReportFormat format, const ReportInput& input);

/// `s` as a JSON string literal, quotes included.
std::string json_string(std::string_view s);

/// The text of `retort lint --list-rules`: every rule with its level (after
/// `[lint.rules]`), dialects and summary.
std::string list_rules(const RuleSet& rules, const Config& config);

}  // namespace retort::lint
