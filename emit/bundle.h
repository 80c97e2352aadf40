// A bundle folder (bundles.md, "A bundle folder"): for each target dialect
// the upgrade and downgrade scripts of a range and one standalone script
// per revision and direction, REVIEW.md for the approving DBA, and
// manifest.json recording what it was built from. Built in memory, as a
// map from relative path to bytes, so that `retort bundle` can write it
// atomically and `retort verify` can rebuild it and compare.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/config.h"
#include "compiler/diagnostics.h"
#include "compiler/project.h"
#include "emit/renderer.h"
#include "emit/script.h"

namespace retort::emit {

/// The version of manifest.json's layout; `verify` refuses any other.
inline constexpr int kManifestFormat = 1;

/// What a bundle is built from besides the project and its config.
struct BundleRequest {
  std::vector<std::string> from;  ///< resolved ids; empty: base
  std::vector<std::string> to;    ///< resolved ids
  std::vector<Target> targets;    ///< each must have a renderer
  std::string tool_version;       ///< written into the headers and the manifest
};

struct BundleResult {
  /// Relative path ("postgresql/upgrade.sql") -> bytes, in path order.
  std::map<std::string, std::string> files;
  /// The lint findings of the range's revisions, sorted.
  std::vector<Diagnostic> lint_findings;
  /// True when a lint finding is at `error` level (the command exits 1).
  bool lint_failed() const;
};

/// The revisions that take a database at `from` (empty: base) to `to`, in
/// the order they run; `error` set when an id is unknown or `from` is not
/// below `to`.
Range range_between(const RevisionGraph& graph, const std::vector<std::string>& from,
                    const std::vector<std::string>& to);

/// Builds the bundle of a project whose revisions are loaded and replay
/// cleanly; `project.config.dialects` must name the targets (resolve_targets
/// does). Any error (a dialect error, a downgrade that cannot be derived, a
/// bad `[lint.rules]` entry) goes to `sink` and gives nullopt: there is
/// nothing to write. Lint findings are not errors here: they are recorded.
std::optional<BundleResult> build_bundle(const Project& project, const BundleRequest& request,
                                         DiagnosticSink& sink);

/// What manifest.json records, read back.
struct Manifest {
  struct Revision {
    std::string id, file, sha256, message;
  };
  int format = 0;
  std::string tool_version;
  std::vector<std::string> from, to;
  std::vector<Target> targets;
  // The config that shapes the output.
  std::string version_table;
  EmitSettings emit;
  NamingConvention naming;
  std::map<std::string, std::string> lint_rules;
  std::vector<Revision> revisions;
  std::map<std::string, std::string> files;  ///< path -> sha256, manifest.json excluded
};

/// Reads manifest.json; nullopt with `error` saying what is wrong (the
/// JSON syntax with its line, or the field that is missing or mistyped).
std::optional<Manifest> parse_manifest(std::string_view text, std::string& error);

/// Replaces in `config` everything the manifest records: the version
/// table, `[emit]`, `[naming]`, `[lint.rules]`, the dialects and their versions.
void apply_recorded_config(const Manifest& manifest, Config& config);

}  // namespace retort::emit
