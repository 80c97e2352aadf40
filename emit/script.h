// Scripts (bundles.md, "One script"): upgrade, downgrade and stamp SQL for
// one dialect, with a header, the client and session settings, the version
// table kept as Alembic keeps it, a guard before each section, and
// transactions placed around what can and cannot run inside one. Also the
// `schema` snapshot and the rendering `check` does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/digest.h"
#include "compiler/project.h"
#include "compiler/revision_graph.h"
#include "emit/renderer.h"

namespace retort::emit {

/// What one section does to the version table: the rows it updates away or
/// deletes (which must be present before it) and the rows it inserts or
/// updates to (which must be absent). Exactly the guard's two sets.
struct VersionChange {
  std::vector<std::string> remove;
  std::vector<std::string> add;
};

/// What `id` needs directly (its parents, then `depends on`), without those
/// another of them already needs: the rows its section replaces.
std::vector<std::string> normalized_requirements(const RevisionGraph& graph, std::string_view id);

/// `ids` without those that another of them needs, in their order: the
/// version rows of a database at `ids`.
std::vector<std::string> minimal_heads(const RevisionGraph& graph,
                                       const std::vector<std::string>& ids);

/// The version table's rows, one per applied head, stepped revision by
/// revision as Alembic steps them: a base or a new branch inserts, a step
/// updates, a merge deletes all but one parent row and updates the last;
/// a downgrade undoes that (update, delete at the bottom of a branch,
/// update and insert when it unmerges).
class VersionRows {
 public:
  /// `rows`: the rows before the first step (see minimal_heads).
  VersionRows(const RevisionGraph& graph, std::vector<std::string> rows)
      : graph_(graph), rows_(std::move(rows)) {}
  /// Applies revision `id` (all it needs is applied).
  VersionChange upgrade(std::string_view id);
  /// Removes revision `id` (a head of what is applied).
  VersionChange downgrade(std::string_view id);
  const std::vector<std::string>& rows() const { return rows_; }

 private:
  const RevisionGraph& graph_;
  std::vector<std::string> rows_;
};

/// The guard's sets for a change: rows that must be present, rows that must
/// be absent. A change that only inserts also needs every descendant of
/// what it inserts absent: a database that is past the revision holds one
/// of those instead of the revision's own row.
std::pair<std::vector<std::string>, std::vector<std::string>> guard_sets(
    const RevisionGraph& graph, const VersionChange& change);

/// True when the revision says `@transaction(none)` before its header.
bool has_no_transaction(const ast::RevisionFile& rev);

/// `ids` and every revision they need, in topological order: what a
/// database at `ids` has applied.
std::vector<std::string> applied_through(const RevisionGraph& graph,
                                         const std::vector<std::string>& ids);

/// The statements that make a change: inserts when nothing is removed;
/// else deletes of all removed rows but the last, which is updated to the
/// first added row (or deleted when none), then inserts of the other added rows.
std::vector<std::string> version_statements(const Renderer& renderer, std::string_view table,
                                            const VersionChange& change);

/// A resolved `FROM:TO`: the ids of both ends and the revisions to run, in
/// the order they run. `error` non-empty: the range is unusable.
struct Range {
  std::vector<std::string> from;  ///< empty: base
  std::vector<std::string> to;    ///< empty: base
  std::vector<std::string> revisions;
  std::string error;
};

/// `[FROM:]TO` for upgrade: FROM (default base) must be an ancestor of TO;
/// the revisions are all TO needs (`depends on` included) minus all FROM
/// has, in topological order.
Range upgrade_range(const RevisionGraph& graph, std::string_view range);
/// `FROM:TO` for downgrade: TO must be an ancestor of FROM (`-N` counts
/// down from FROM); the revisions are what FROM has minus what TO needs, in
/// reverse topological order.
Range downgrade_range(const RevisionGraph& graph, std::string_view range);
/// `[FROM:]TO` for stamp: any two points; no revisions run.
Range stamp_range(const RevisionGraph& graph, std::string_view range);

/// What shapes a script besides the project.
struct ScriptOptions {
  std::string tool_version;  ///< shown in the header
  /// upgrade_script only, for a range that replays_everything: the script's
  /// own replay of each statement reports here what replay_all would, so
  /// the caller need not replay the chain twice. After a replay error
  /// nothing more is rendered (the rest is only replayed) and the script is
  /// nullopt.
  DiagnosticSink* replay_diagnostics = nullptr;
  /// upgrade_script only: when set, receives the schema at the script's
  /// end (so that the caller may keep it until exit instead of freeing it).
  SchemaModel* schema_after = nullptr;
};

/// True when `range` runs every revision of the graph from the base, in
/// replay_all's order.
bool replays_everything(const RevisionGraph& graph, const Range& range);

/// The first characters of every script Retort writes: `-o` refuses to
/// overwrite a file that does not start with them.
inline constexpr std::string_view kScriptHeaderPrefix = "-- Generated by Retort ";

/// True when `text` (a file's beginning) is a Retort script.
bool is_retort_output(std::string_view text);

/// The upgrade script of `range`, or nullopt when an `error[dialect]` was
/// reported to `sink`.
std::optional<std::string> upgrade_script(const Project& project, const Renderer& renderer,
                                          const Range& range, const ScriptOptions& options,
                                          DiagnosticSink& sink);
/// The downgrade script of `range`: each revision's written or derived
/// downgrade (plan_downgrade); nullopt when a revision cannot be
/// downgraded (`error[downgrade]`) or a dialect error was reported.
std::optional<std::string> downgrade_script(const Project& project, const Renderer& renderer,
                                            const Range& range, const ScriptOptions& options,
                                            DiagnosticSink& sink);
/// SQL that only moves the version table from `range.from` to `range.to`.
std::string stamp_script(const Project& project, const Renderer& renderer, const Range& range,
                         const ScriptOptions& options);
/// The whole schema after `ids` (and all they need) as CREATE statements in
/// dependency order; nullopt on a dialect error.
std::optional<std::string> schema_script(const Project& project, const Renderer& renderer,
                                         const std::vector<std::string>& ids,
                                         const ScriptOptions& options, DiagnosticSink& sink);
/// Renders every upgrade statement of every revision (in topological order)
/// for `renderer`'s dialect, reporting `error[dialect]`s: what `check` does.
/// With `replay_sink`, its replay reports there what replay_all would (and
/// nothing is rendered past a replay error), so that check replays once.
/// `schema_after`, when set, receives the schema at the end.
void render_all(const Project& project, const Renderer& renderer, DiagnosticSink& sink,
                DiagnosticSink* replay_sink = nullptr, SchemaModel* schema_after = nullptr);

}  // namespace retort::emit
