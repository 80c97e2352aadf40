// The lint engine: replays the chain once, statement by statement, and runs
// every enabled rule on what it sees; applies `@allow`, levels from
// `[lint.rules]`, and the target dialects.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/project.h"
#include "lint/rule.h"

namespace retort::lint {

using RuleSet = std::vector<std::unique_ptr<Rule>>;

struct LintOptions {
  std::vector<Target> targets;  ///< the dialects linted for (never empty)
  /// Report findings only in these files (paths relative to the project
  /// root); nullopt: every file. The whole chain is replayed either way.
  std::optional<std::set<std::string, std::less<>>> only_files;
  /// When set, receives the schema at the end of the chain.
  SchemaModel* schema_after = nullptr;
  /// A long chain (64 revisions or more, on two cores or more, not while
  /// bodies are parsed) is split between this thread and a helper that
  /// replays ahead and lints the rest (compiler/split_chain.h); false keeps
  /// everything on the calling thread. The findings are the same either way
  /// and wherever the chain is split (tests/load_test.cpp compares them).
  bool two_threads = true;
  /// For tests: split the chain after this many revisions, on two threads
  /// whatever the host (0: where the two threads meet, if two are worth
  /// it; a value of the chain's length or more is taken as 0).
  size_t split_at = 0;
};

/// The level `[lint.rules]` gives `info`, else its default.
Level effective_level(const RuleInfo& info, const Config& config);

/// Lints a project whose revisions are loaded (load_revisions) without
/// errors. Findings (and the replay's `error[schema]`) go to `sink`, with
/// the rule id as code and the rule's level as severity; an unknown rule id
/// in `[lint.rules]` is an `error[config]`.
void run_lint(const Project& project, const RuleSet& rules, const LintOptions& options,
              DiagnosticSink& sink);

}  // namespace retort::lint
