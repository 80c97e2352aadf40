// The shared SQL renderer. One statement at a time, with the schema before
// and after it, a dialect turns the typed AST into SQL steps. The base class
// renders standard SQL; a dialect is one file (emit/postgresql.cpp, ...)
// that overrides only the hooks where it differs, plus one line in
// emit/registry.cpp. What a dialect cannot express is an `error[dialect]`
// at the statement's (or the offending part's) span, never SQL the server
// would reject.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"
#include "compiler/config.h"
#include "compiler/diagnostics.h"
#include "compiler/replay.h"
#include "compiler/schema_model.h"
#include "compiler/text_util.h"

namespace retort::emit {

/// What is fixed about a dialect (dialects.md's first table).
struct DialectInfo {
  std::string_view name;             ///< canonical: "postgresql"
  std::string_view title;            ///< for headers: "PostgreSQL"
  size_t identifier_limit = 0;       ///< bytes; 0: none
  bool transactional_ddl = true;     ///< false: no BEGIN/COMMIT (DDL commits implicitly)
  std::string_view run_with;         ///< how to run a script file, FILE standing for it
  std::string_view client_settings;  ///< the line that makes the client stop at the first error
};

/// A dialect's spelling of each portable type (dialects.md's type table);
/// `decimal`, `string` and `char` get their (p, s) or (n) appended.
struct TypeNames {
  std::string_view boolean, smallint, integer, bigint, decimal, real, double_precision;
  std::string_view string, fixed_char, text, binary, date, time, timestamp, timestamptz, uuid, json;
  /// The dialect's key in `native(key: '...')`, for the help of a missing one.
  std::string_view native_key;
};

/// A dialect and the server version scripts are written for.
struct Target {
  std::string dialect;  ///< canonical name
  std::string version;  ///< dotted, e.g. "15", "8.0.36"
  /// "postgresql 15"
  std::string to_string() const { return dialect + " " + version; }
};

/// One SQL statement of the output (or a few that belong together), with
/// what the script assembler needs to know to place it.
struct Step {
  std::string sql;  ///< complete, ending with its terminator; may span lines
  /// Cannot run inside a transaction block (PostgreSQL CONCURRENTLY, ALTER
  /// TYPE ... ADD VALUE before 12): the assembler commits before it and
  /// begins again after it.
  bool outside_transaction = false;
  /// A new enum value, as a literal of this dialect (`'d'`): a later step
  /// of the same transaction that contains it must come after a COMMIT
  /// (PostgreSQL cannot use a value added in the same transaction).
  std::string new_enum_literal;
  /// Comment lines shown above the statement (without `-- `).
  std::vector<std::string> comments;
};

/// Where a statement is rendered: its file, and the schema on both sides.
struct RenderContext {
  const SchemaModel& before;
  const SchemaModel& after;
  const std::string& file;  ///< relative path, for diagnostics
  const ReplayOptions& options;
  DiagnosticSink& sink;
  std::string_view revision;  ///< id, for diagnostics
  SourceSpan statement_span;  ///< the statement being rendered: blamed when a part has no span
  /// The statement is a step of a derived downgrade (plan_downgrade). It
  /// runs on tables holding rows written since the upgrade, and must bring
  /// back exactly what was there: a `not valid` foreign key is added
  /// without checking existing rows on every dialect (PostgreSQL NOT VALID,
  /// MySQL FOREIGN_KEY_CHECKS=0, SQLite left out of the rebuild's check),
  /// and MySQL's own foreign-key index comes back where an index the
  /// upgrade created had taken its place.
  bool derived_downgrade = false;
};

/// Views that read the table `table` and the views that read those, in an
/// order where a view comes after every view of the set it reads: drop them
/// in reverse, recreate them in order.
std::vector<const View*> dependent_views(const SchemaModel& schema, std::string_view table);

/// The shared renderer. Each public `render_*` is a hook a dialect may
/// override; helpers (quote, literal, expr) are virtual for the same reason.
class Renderer {
 public:
  Renderer(const DialectInfo& info, Target target) : info_(info), target_(std::move(target)) {}
  virtual ~Renderer() = default;
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  const DialectInfo& info() const { return info_; }
  const Target& target() const { return target_; }
  /// True when the target version is at least `version` ("12", "8.0.16").
  bool at_least(std::string_view version) const;

  // ------------------------------------------------------------ text
  /// `name` as an identifier, quoted only when the dialect needs it.
  virtual std::string quote(std::string_view name) const;
  /// True when `name` must be quoted (not a plain lower-case word, or reserved).
  virtual bool needs_quotes(std::string_view name) const;
  /// Reserved words of the dialect that cannot be bare identifiers (lower case).
  virtual bool is_reserved(std::string_view lower_word) const = 0;
  /// `schema.name` or `name`, each part quoted as needed.
  std::string qualified(std::string_view schema, std::string_view name) const;
  /// A model key ("schema.name" or "name") as a qualified identifier.
  std::string qualified_key(std::string_view key) const;
  std::string qualified(const ast::QualifiedName& q) const;
  /// A string literal escaped for the dialect.
  virtual std::string literal(std::string_view text) const;
  /// `text` made safe for one `--` comment line: no line breaks, no control
  /// characters, no `*/` (nothing a revision says can leave the comment).
  static std::string comment_text(std::string_view text);
  /// comment_text, appended to `out`.
  static void append_comment_text(std::string& out, std::string_view text);

  // ------------------------------------------------------ types, exprs
  /// The dialect's names for the portable types.
  virtual const TypeNames& type_names() const = 0;
  /// The dialect's spelling of a column type, from type_names(); error[dialect]
  /// for a native type without a spelling for this dialect.
  virtual std::string type(const ast::Type& t, const RenderContext& ctx) const;
  /// The spelling of a column of a user enum (default: the type's name).
  virtual std::string enum_type(const ast::Type& t, const RenderContext& ctx) const;
  virtual std::string expr(const ast::Expr& e, const RenderContext& ctx) const;
  /// A portable function call (`now()`, `gen_uuid()`) or any other call.
  virtual std::string call(const ast::Expr& e, const RenderContext& ctx) const;
  /// `name TYPE ... ` as in CREATE TABLE / ADD COLUMN.
  virtual std::string column_definition(const Table& t, const Column& c,
                                        const RenderContext& ctx) const;
  /// The clause that makes an integer column generated (SQL standard:
  /// `GENERATED BY DEFAULT AS IDENTITY`).
  virtual std::string identity_clause() const { return "GENERATED BY DEFAULT AS IDENTITY"; }
  /// `CONSTRAINT name PRIMARY KEY (...)` and the others.
  virtual std::string constraint_definition(const Table& t, const Constraint& c,
                                            const RenderContext& ctx) const;

  // ----------------------------------------------------- model objects
  /// CREATE TABLE with its constraints (those for which `keep` is true;
  /// all when null), then its comments. Used by `create table` and `schema`.
  virtual std::vector<Step> create_table(const Table& t, bool if_not_exists,
                                         const std::vector<bool>* keep,
                                         const RenderContext& ctx) const;
  virtual std::vector<Step> create_index(const Table& t, const Index& i, bool concurrently,
                                         bool if_not_exists, const RenderContext& ctx) const;
  virtual std::vector<Step> create_enum(const Enum& e, const RenderContext& ctx) const;
  virtual std::vector<Step> create_view(const View& v, const SourceSpan& span,
                                        const RenderContext& ctx) const;
  virtual std::vector<Step> drop_view(std::string_view key, const RenderContext& ctx) const;
  virtual std::vector<Step> comment_on_table(const Table& t, const std::optional<std::string>& c,
                                             const RenderContext& ctx) const;
  virtual std::vector<Step> comment_on_column(const Table& t, std::string_view column,
                                              const std::optional<std::string>& c,
                                              const RenderContext& ctx) const;
  virtual std::vector<Step> add_constraint(const Table& t, const Constraint& c, bool not_valid,
                                           const RenderContext& ctx) const;

  // -------------------------------------------------------- statements
  /// Renders one statement; dispatches with std::visit to the hooks below.
  std::vector<Step> render(const ast::Statement& s, const RenderContext& ctx) const;

  virtual std::vector<Step> render_node(const ast::CreateTable& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::DropTable& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::RenameTable& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::AlterTable& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::CreateIndex& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::DropIndex& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::RenameIndex& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::CreateEnum& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::AlterEnumAddValue& s,
                                        const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::DropEnum& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::CreateView& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::DropView& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::CreateSchema& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::DropSchema& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::CommentOnTable& s,
                                        const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::CommentOnColumn& s,
                                        const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::Insert& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::Execute& s, const RenderContext& ctx) const;
  virtual std::vector<Step> render_node(const ast::DeleteRows& s, const RenderContext& ctx) const;

  /// One action of `alter table`, with the table before and after it.
  struct ActionContext {
    const Table& before;
    const Table& after;
    const RenderContext& ctx;  ///< before/after: the schema around this one action
  };
  virtual std::vector<Step> render_action(const ast::AddColumn& a, const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::DropColumn& a, const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::RenameColumn& a, const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::AlterColumnType& a,
                                          const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::SetNotNull& a, const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::DropNotNull& a, const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::SetDefault& a, const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::DropDefault& a, const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::SetColumnComment& a,
                                          const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::AddConstraint& a,
                                          const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::AddConstraintUsingIndex& a,
                                          const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::ValidateConstraint& a,
                                          const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::DropConstraint& a,
                                          const ActionContext& c) const;
  virtual std::vector<Step> render_action(const ast::RenameConstraint& a,
                                          const ActionContext& c) const;
  /// Whether views reading the table must be dropped and recreated around
  /// this action (PostgreSQL refuses a type change or column drop under a view).
  virtual bool action_needs_views_rebuilt(const ast::AlterAction& a) const;
  /// Whether a run of consecutive `alter table` statements on one table
  /// (`merged`: all their actions; `ctx`: the schema before the first and
  /// after the last) is rendered as that one statement, with the @allow
  /// comments of all of them above it. SQLite: when it needs a table
  /// rebuild, so that the run shares one.
  virtual bool merges_alters(const ast::AlterTable& merged, const RenderContext& ctx) const {
    (void)merged;
    (void)ctx;
    return false;
  }
  /// False when merges_alters never says yes: the script assembler then
  /// does not replay a run a second time to ask it. A dialect that
  /// overrides merges_alters must override this too (tests/emit_test.cpp
  /// checks every dialect).
  virtual bool may_merge_alters() const { return false; }

  // ------------------------------------------------------- bookkeeping
  /// Client lines at the top of a script (`\set ON_ERROR_STOP on`).
  virtual std::vector<std::string> client_settings() const;
  /// Session settings from `[emit]` (`SET lock_timeout = '5s';`).
  virtual std::vector<std::string> session_settings(const EmitSettings& emit) const;
  /// A line written on its own after every statement of a script (SQL
  /// Server's `GO`, which ends a batch in sqlcmd); empty: none.
  virtual std::string_view batch_separator() const { return {}; }
  virtual std::string begin_transaction() const { return "BEGIN;"; }
  virtual std::string commit_transaction() const { return "COMMIT;"; }
  /// CREATE TABLE IF NOT EXISTS for the version table (Alembic's layout).
  virtual std::string create_version_table(std::string_view table) const;
  virtual std::string insert_version(std::string_view table, std::string_view id) const;
  virtual std::string update_version(std::string_view table, std::string_view from,
                                     std::string_view to) const;
  virtual std::string delete_version(std::string_view table, std::string_view id) const;
  /// A statement that stops the client unless every row of `present` is in
  /// the version table and none of `absent` is; `message` says what was expected.
  virtual std::string guard(std::string_view table, const std::vector<std::string>& present,
                            const std::vector<std::string>& absent,
                            std::string_view message) const = 0;
  /// The condition the guards test, in this dialect's SQL (dialects.md).
  std::string expected_state(std::string_view table, const std::vector<std::string>& present,
                             const std::vector<std::string>& absent) const;

 protected:
  /// Reports an `error[dialect]` at `span` (or at the statement when invalid).
  void error(const RenderContext& ctx, const SourceSpan& span, std::string message,
             std::string help = {}) const;
  /// For the clients that read a script line by line even inside literals
  /// and names (sqlcmd, SQL*Plus): reports an `error[dialect]` when a line of
  /// `text` after a line break is one `client` takes for its own command
  /// (`is_command`). `what` names the text ("the string"); `help` says what
  /// to do.
  void check_client_lines(std::string_view what, std::string_view text, const SourceSpan& span,
                          const RenderContext& ctx, bool (*is_command)(std::string_view line),
                          std::string_view client, std::string help) const;
  /// `sql` with its terminator, as one step.
  static Step step(std::string sql, bool outside_transaction = false);
  /// A verbatim body (execute, view) trimmed, without a trailing `;`.
  static std::string trim_body(std::string_view body);
  /// ALTER TABLE <t> <action>; as one step.
  std::vector<Step> alter(const Table& t, std::string action) const;
  std::string column_list(const std::vector<std::string>& columns) const;
  /// The name on this dialect of constraint `written` of `t` (by any
  /// dialect's name), else `written` as it is.
  std::string constraint_name(const Table& t, const ast::Name& written) const;
  /// True for a constraint an Alembic script left unnamed whose name on
  /// this dialect nobody predicted (SQL Server, Oracle): the server names
  /// it, and later statements find it in the catalogue.
  bool named_by_server(const Constraint& c) const {
    return c.server_named && !c.dialect_names.count(std::string(info().name));
  }
  /// `"name"` whatever it holds (collation names keep their case).
  std::string quote_always(std::string_view name) const;
  /// True for a type change without `using` that this dialect spells as the
  /// type the column has (only another dialect's spelling changed): nothing
  /// to do here.
  bool same_type_here(const ast::AlterAction& action, const ActionContext& a) const;
  /// The type's own spelling on this dialect (ast::Type::spelled), or null.
  const std::string* spelled(const ast::Type& t) const;
  /// The column's type as the dialect spells it, for a column of `t`.
  std::string column_type(const Column& c, const RenderContext& ctx) const;

 private:
  const DialectInfo& info_;
  Target target_;
};

}  // namespace retort::emit
