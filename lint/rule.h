// A lint rule: its documentation (RuleInfo) and the checks it makes. Rules
// see each upgrade statement with the schema before and after it, the state
// at the end of each revision, or the whole project (the graph); the engine
// (lint/engine.cpp) replays the chain once and calls them.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/project.h"
#include "compiler/schema_model.h"

namespace retort::lint {

/// A rule's level: `off` rules do not run.
enum class Level { off, info, warning, error };
std::string_view level_name(Level level);
/// "error" -> Level::error, ...; nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);

/// Everything a user reads about a rule: `--list-rules`, the docs page, the
/// SARIF rule description and the `help:` line come from here.
struct RuleInfo {
  std::string_view id;  ///< kebab-case, e.g. "drop-column"
  Level level = Level::warning;
  /// Comma-separated canonical dialects the rule judges ("postgresql",
  /// "postgresql,mysql,mariadb"), or "all". `mysql` also covers mariadb.
  std::string_view dialects = "all";
  std::string_view summary;         ///< one line: when it fires
  std::string_view why;             ///< what goes wrong in production
  std::string_view better;          ///< the better way: the `help:` line
  std::string_view example_fires;   ///< a revision body that fires
  std::string_view example_passes;  ///< the same change done safely
};

/// True when `info` judges `dialect` (canonical).
bool applies_to(const RuleInfo& info, std::string_view dialect);

/// A target dialect and its version, as `[project] dialects` and
/// `[dialect.X] version` (or --dialect) give them.
struct Target {
  std::string dialect;
  std::string version;
};

/// What tables and columns a revision created so far, so that rules can
/// tell "existing" (from an earlier revision) from new. Renames carry
/// newness: a table created and renamed in one revision is still new.
class RevisionNewness {
 public:
  /// True when `table` (a model key) was created in this revision.
  bool table_is_new(std::string_view table) const;
  /// True when the column was added in this revision (or its table was).
  bool column_is_new(std::string_view table, std::string_view column) const;
  /// Updates what is new after `statement` was applied.
  void note(const ast::Statement& statement);

 private:
  static std::string column_key(std::string_view table, std::string_view column);
  std::set<std::string, std::less<>> tables_;
  std::set<std::string, std::less<>> columns_;
};

/// One upgrade statement applied to the schema.
struct StatementState {
  const ast::Statement* statement = nullptr;
  SchemaModel before;
  SchemaModel after;
  bool applied = false;  ///< false: replay refused it (an error[schema] was reported)
};

/// A revision of the chain, as every kind of check sees it.
struct RevisionContext {
  const Project& project;
  const ast::RevisionFile& revision;
  const SchemaModel& before;  ///< at the start of the revision
  const SchemaModel& after;   ///< at its end
  /// The upgrade statements replayed so far (all of them at the end of the revision).
  const std::vector<StatementState>& statements;
  const RevisionNewness& newness;
  /// The targets this rule judges (never empty when a rule runs).
  const std::vector<Target>& targets;
  /// The options the chain is replayed with (the project's, made once).
  const ReplayOptions& replay;

  /// The statement that made `holds` true: the last one whose schema before
  /// did not satisfy it and whose schema after does; null when none did.
  const ast::Statement* statement_that_made(
      const std::function<bool(const SchemaModel&)>& holds) const;
  /// True when a target is `dialect` (mysql also matches mariadb targets).
  bool targets_dialect(std::string_view dialect) const;
};

/// One upgrade statement, before its effect is added to `newness`.
struct StatementContext {
  const RevisionContext& revision;
  const ast::Statement& statement;
  const SchemaModel& before;
  const SchemaModel& after;

  /// A table that existed before this revision (a model key).
  bool existing_table(std::string_view table) const {
    return !revision.newness.table_is_new(table);
  }
  /// A column that existed before this revision.
  bool existing_column(std::string_view table, std::string_view column) const {
    return !revision.newness.column_is_new(table, column);
  }
};

/// What the engine knows of rules and `@allow` once the other rules ran.
class AllowLedger {
 public:
  virtual ~AllowLedger() = default;
  /// True when the rule id `arg` of an `@allow` silenced at least one finding.
  virtual bool silenced_something(const ast::Name& arg) const = 0;
  /// The rule of `id`, or null when there is none.
  virtual const RuleInfo* rule(std::string_view id) const = 0;
  /// The level the rule of `id` runs at (off when unknown).
  virtual Level level(std::string_view id) const = 0;
  /// Every rule id, in registry order (for "did you mean").
  virtual std::vector<std::string_view> rule_ids() const = 0;
};

/// The whole project, for rules about the graph.
struct ProjectContext {
  const Project& project;
  const std::vector<Target>& targets;
  const AllowLedger& allows;
};

/// Where a rule reports. The engine fills in the rule id, level, file and
/// revision, and drops what an `@allow` silences.
class Findings {
 public:
  virtual ~Findings() = default;
  /// A finding on `span` of the revision being checked; `statement` (may be
  /// null for a finding about the whole file) decides which `@allow`
  /// applies. An empty `help` uses the rule's `better` text.
  virtual void report(const ast::Statement* statement, const SourceSpan& span, std::string message,
                      std::string help = {}) = 0;
  /// A finding in another revision file (graph rules).
  virtual void report_in(const ast::RevisionFile& revision, const SourceSpan& span,
                         std::string message, std::string help = {}) = 0;
};

/// A lint rule. Override the checks it needs; each runs only when the rule
/// is not `off` and judges at least one target dialect.
class Rule {
 public:
  virtual ~Rule() = default;
  virtual const RuleInfo& info() const = 0;
  /// Every upgrade statement the replay accepted, in order.
  virtual void check_statement(const StatementContext&, Findings&) const {}
  /// The end of every revision.
  virtual void check_revision(const RevisionContext&, Findings&) const {}
  /// Once, for the whole project, after every statement and revision check.
  virtual void check_project(const ProjectContext&, Findings&) const {}
  /// True for a rule that judges the others' findings (`unused-allow`): its
  /// project check runs after every other rule's.
  virtual bool runs_last() const { return false; }
};

// ------------------------------------------------------------ helpers for rules

/// `"table.column"` for messages (the table's key, so `app.users.email`).
std::string column_label(std::string_view table, std::string_view column);
/// Items joined for a message: "a", "a and b", "a, b and c".
std::string join_and(const std::vector<std::string>& items);

/// The quoted name for messages: `"users"`.
std::string quote_name(std::string_view name);

/// A column that a statement gives a type: a column of `create table`, an
/// `add column`, or an `alter column ... type` (`retyped`).
struct TypedColumn {
  std::string table;                  ///< the table's key
  const ast::Name* column = nullptr;  ///< the column as written
  const ast::Type* type = nullptr;    ///< its new type
  const SourceSpan* span = nullptr;   ///< where a finding points: the column definition or action
  bool retyped = false;               ///< `alter column ... type`: the column existed
};
/// Calls `f` for every column `statement` creates or gives a new type.
void for_each_typed_column(const ast::Statement& statement,
                           const std::function<void(const TypedColumn&)>& f);
/// What a constraint of `kind` is called in messages: "primary key",
/// "unique constraint", "foreign key", "check constraint".
std::string_view constraint_noun(ast::ConstraintKind kind);

/// Where a finding about one action of `statement` points: the whole
/// statement when it has only that action (as cli.md's example), else the
/// action.
const SourceSpan& finding_span(const ast::Statement& statement, const SourceSpan& part);

/// Keys of the tables (in the schema after the revision) that its applied
/// statements created, altered, renamed, or indexed: where a state judged
/// at the end of a revision can have changed.
std::vector<std::string> touched_tables(const RevisionContext& revision);

/// The constraints of `table` that the statement added (in `after`, not in
/// `before`, by name), in the order they were added.
std::vector<const Constraint*> added_constraints(const StatementContext& ctx,
                                                 std::string_view table);
/// The constraint an `add TABLE_CONSTRAINT` action on `table` made: by its
/// name when written, else the first added one of the same kind over the
/// same columns (a check: the same expression); null when none.
const Constraint* constraint_added_by(const StatementContext& ctx, std::string_view table,
                                      const ast::TableConstraint& written);
/// The constraints an `add column` on `table` made from the column's own
/// `references`, `unique`, `primary key` and `check`.
std::vector<const Constraint*> constraints_added_by(const StatementContext& ctx,
                                                    std::string_view table,
                                                    const ast::ColumnDef& column);
/// The index a `create index` statement made; null when it made none
/// (`if not exists` of an index that was there).
const Index* index_added_by(const StatementContext& ctx, const ast::CreateIndex& create);

/// Every key the table `table` (its key at the end of the revision) had
/// during the revision, following its renames back: the last one is its
/// key at the start of the revision.
std::vector<std::string> table_keys_during(const RevisionContext& revision,
                                           const std::string& table);

/// Calls `f(alter_table, action)` for every action of an `alter table`
/// statement (nothing for other statements).
template <class Action, class F>
void for_each_action(const ast::Statement& statement, F&& f) {
  if (const auto* alter = std::get_if<ast::AlterTable>(&statement.node)) {
    for (const auto& action : alter->actions) {
      if (const auto* a = std::get_if<Action>(&action)) f(*alter, *a);
    }
  }
}

}  // namespace retort::lint
