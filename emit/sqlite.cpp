// SQLite: the shared renderer plus what differs (dialects.md): its key
// words, types (with the checks that stand in for boolean and enums), the
// rowid alias for identity, indexes without PostgreSQL's clauses, the
// temporary-table guard, and above all the table rebuild for every change
// SQLite's ALTER TABLE cannot make. What ALTER can do it does natively
// (ADD COLUMN, RENAME COLUMN, RENAME TO, DROP COLUMN), but only where SQLite
// also accepts it on a table that holds rows.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include "compiler/overloaded.h"
#include "compiler/replay.h"
#include "compiler/text_util.h"
#include "emit/registry.h"
#include "emit/renderer.h"

namespace retort::emit {

namespace {

constexpr DialectInfo kSqlite{"sqlite",  "SQLite", 0, true, "sqlite3 -bail DATABASE < FILE",
                              ".bail on"};

// SQLite's key words (https://sqlite.org/lang_keywords.html). Many may be
// bare names by its fallback rules, but which ones changes between
// releases: all of them are quoted. Sorted for binary search.
constexpr std::string_view kKeywords[] = {
    "abort",
    "action",
    "add",
    "after",
    "all",
    "alter",
    "always",
    "analyze",
    "and",
    "as",
    "asc",
    "attach",
    "autoincrement",
    "before",
    "begin",
    "between",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "commit",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "do",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclude",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "filter",
    "first",
    "following",
    "for",
    "foreign",
    "from",
    "full",
    "generated",
    "glob",
    "group",
    "groups",
    "having",
    "if",
    "ignore",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "last",
    "left",
    "like",
    "limit",
    "match",
    "materialized",
    "natural",
    "no",
    "not",
    "nothing",
    "notnull",
    "null",
    "nulls",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "others",
    "outer",
    "over",
    "partition",
    "plan",
    "pragma",
    "preceding",
    "primary",
    "query",
    "raise",
    "range",
    "recursive",
    "references",
    "regexp",
    "reindex",
    "release",
    "rename",
    "replace",
    "restrict",
    "returning",
    "right",
    "rollback",
    "row",
    "rows",
    "savepoint",
    "select",
    "set",
    "table",
    "temp",
    "temporary",
    "then",
    "ties",
    "to",
    "transaction",
    "trigger",
    "unbounded",
    "union",
    "unique",
    "update",
    "using",
    "vacuum",
    "values",
    "view",
    "virtual",
    "when",
    "where",
    "window",
    "with",
    "without",
};
constexpr WordList kKeywordsList{kKeywords};

// SQLite's type affinity of a declared type (its rules 1-5, in order).
enum class Affinity { Integer, Text, Blob, Real, Numeric };

Affinity affinity_of(std::string_view declared) {
  std::string upper;
  for (char c : declared) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  auto has = [&](std::string_view s) { return upper.find(s) != std::string::npos; };
  if (has("INT")) return Affinity::Integer;
  if (has("CHAR") || has("CLOB") || has("TEXT")) return Affinity::Text;
  if (has("BLOB") || upper.empty()) return Affinity::Blob;
  if (has("REAL") || has("FLOA") || has("DOUB")) return Affinity::Real;
  return Affinity::Numeric;
}

// A literal: what ALTER TABLE ADD COLUMN accepts as a default (no
// CURRENT_TIMESTAMP, no expression in parentheses).
bool is_constant(const ast::Expr& e) {
  using K = ast::ExprKind;
  switch (e.kind) {
    case K::String:
    case K::Number:
    case K::Boolean:
    case K::Null:
      return true;
    case K::Unary:
      return (e.op == "-" || e.op == "+") && !e.args.empty() && e.args[0] &&
             e.args[0]->kind == K::Number;
    default:
      return false;
  }
}

bool is_null_default(const ast::ExprPtr& e) {
  return !e || e->kind == ast::ExprKind::Null;
}

// What an alter action does, for the comment above a rebuild.
std::string describe(const ast::AlterAction& action) {
  return std::visit(
      Overloaded{
          [](const ast::AddColumn& a) { return "add column " + a.column.name.text; },
          [](const ast::DropColumn& a) { return "drop column " + a.column.text; },
          [](const ast::RenameColumn& a) {
            return "rename column " + a.column.text + " to " + a.new_name.text;
          },
          [](const ast::AlterColumnType& a) { return "alter column " + a.column.text + " type"; },
          [](const ast::SetNotNull& a) {
            return "alter column " + a.column.text + " set not null";
          },
          [](const ast::DropNotNull& a) {
            return "alter column " + a.column.text + " drop not null";
          },
          [](const ast::SetDefault& a) { return "alter column " + a.column.text + " set default"; },
          [](const ast::DropDefault& a) {
            return "alter column " + a.column.text + " drop default";
          },
          [](const ast::SetColumnComment& a) {
            return "alter column " + a.column.text + " comment";
          },
          [](const ast::AddConstraint& a) {
            return "add " + std::string(ast::constraint_kind_name(a.constraint.kind)) +
                   (a.constraint.name ? " " + a.constraint.name->text : std::string());
          },
          [](const ast::AddConstraintUsingIndex& a) { return "add constraint " + a.name.text; },
          [](const ast::ValidateConstraint& a) { return "validate constraint " + a.name.text; },
          [](const ast::DropConstraint& a) { return "drop constraint " + a.name.text; },
          [](const ast::RenameConstraint& a) {
            return "rename constraint " + a.name.text + " to " + a.new_name.text;
          },
      },
      action);
}

class SqliteRenderer final : public Renderer {
 public:
  explicit SqliteRenderer(Target target) : Renderer(kSqlite, std::move(target)) {}

  using Renderer::render_node;

  bool is_reserved(std::string_view word) const override { return kKeywordsList.contains(word); }

  const TypeNames& type_names() const override {
    static constexpr TypeNames kTypes{"BOOLEAN",  "SMALLINT", "INTEGER", "BIGINT",    "NUMERIC",
                                      "REAL",     "REAL",     "VARCHAR", "CHAR",      "TEXT",
                                      "BLOB",     "DATE",     "TIME",    "TIMESTAMP", "TIMESTAMP",
                                      "CHAR(36)", "TEXT",     "sqlite"};
    return kTypes;
  }

  // The values are checked by ck_{table}_{column}_type.
  std::string enum_type(const ast::Type&, const RenderContext&) const override { return "TEXT"; }

  // SQLite stores booleans as 0 and 1 (TRUE and FALSE are only names for
  // them, and only since 3.23).
  std::string expr(const ast::Expr& e, const RenderContext& ctx) const override {
    if (e.kind == ast::ExprKind::Boolean) return e.text == "true" ? "1" : "0";
    return Renderer::expr(e, ctx);
  }

  std::string column_definition(const Table& t, const Column& c,
                                const RenderContext& ctx) const override {
    const Constraint* pk = t.primary_key();
    bool in_pk =
        pk && std::find(pk->columns.begin(), pk->columns.end(), c.name) != pk->columns.end();
    std::string out = quote(c.name) + " ";
    if (c.identity) {
      // Only a column declared exactly INTEGER PRIMARY KEY is an alias of
      // the rowid, which is what numbers new rows.
      if (!pk || pk->columns.size() != 1 || pk->columns[0] != c.name) {
        error(ctx, ctx.statement_span,
              fmt::format("identity column {}.{} is not the table's only primary key column: "
                          "SQLite numbers rows only through an INTEGER PRIMARY KEY",
                          t.name, c.name),
              "make it the sole primary key, or drop `identity` for SQLite");
        out += column_type(c, ctx);
      } else {
        out += "INTEGER PRIMARY KEY";
      }
    } else {
      out += column_type(c, ctx);
    }
    if (c.collate) out += " COLLATE " + collation(*c.collate, ctx);
    if (c.default_value) out += " DEFAULT " + default_sql(*c.default_value, ctx);
    // Primary key columns are always NOT NULL: SQLite lets a non-integer
    // primary key hold NULL otherwise.
    if (!c.nullable || in_pk) out += " NOT NULL";
    if (auto check = type_check(t, c, ctx)) out += " " + *check;
    return out;
  }

  std::vector<Step> create_table(const Table& t, bool if_not_exists, const std::vector<bool>*,
                                 const RenderContext& ctx) const override {
    // `keep` is ignored: SQLite resolves a foreign key when rows are
    // written, so every constraint is written in CREATE TABLE (and SQLite
    // cannot add one later).
    Step s = step(create_table_sql(t, qualified(t.schema, t.name), if_not_exists, ctx));
    if (t.comment) s.comments.push_back("table comment (SQLite keeps none): " + *t.comment);
    for (const auto& c : t.columns) {
      if (c.comment)
        s.comments.push_back(
            fmt::format("comment on {} (SQLite keeps none): {}", c.name, *c.comment));
    }
    return {s};
  }

  // Only schema_script adds constraints after CREATE TABLE; create_table
  // already wrote them all.
  std::vector<Step> add_constraint(const Table&, const Constraint&, bool,
                                   const RenderContext&) const override {
    return {};
  }

  std::vector<Step> create_index(const Table& t, const Index& i, bool concurrently,
                                 bool if_not_exists, const RenderContext& ctx) const override {
    Index plain = i;
    std::vector<std::string> notes;
    if (i.method) {
      std::string method = lower(*i.method);
      if (method != "btree") {
        error(ctx, ctx.statement_span,
              fmt::format("SQLite has only b-tree indexes: `using {}` on index {}", *i.method,
                          i.name),
              "drop `using` for SQLite, or build this index with @only(postgresql) execute");
      }
      plain.method.reset();
    }
    if (!i.include.empty()) {
      notes.push_back(fmt::format("include ({}) dropped: SQLite indexes hold no extra columns",
                                  join(i.include, ", ")));
      plain.include.clear();
    }
    if (concurrently) {
      notes.push_back(
          "concurrently dropped: SQLite builds an index while holding the database's write lock");
    }
    std::vector<Step> out = Renderer::create_index(t, plain, false, if_not_exists, ctx);
    if (!out.empty()) out[0].comments.insert(out[0].comments.begin(), notes.begin(), notes.end());
    return out;
  }

  std::vector<Step> create_enum(const Enum& e, const RenderContext&) const override {
    std::vector<std::string> values;
    for (const auto& v : e.values) values.push_back(literal(v));
    return {
        note(fmt::format("enum {} ({}): SQLite has no enum types; its columns are TEXT with a "
                         "CHECK of the values",
                         qualified(e.schema, e.name), join(values, ", ")))};
  }

  std::vector<Step> comment_on_table(const Table& t, const std::optional<std::string>& c,
                                     const RenderContext&) const override {
    return {note(fmt::format("comment on table {} (SQLite keeps no comments): {}",
                             qualified(t.schema, t.name), c.value_or("")))};
  }

  std::vector<Step> comment_on_column(const Table& t, std::string_view column,
                                      const std::optional<std::string>& c,
                                      const RenderContext&) const override {
    return {note(fmt::format("comment on column {}.{} (SQLite keeps no comments): {}",
                             qualified(t.schema, t.name), quote(column), c.value_or("")))};
  }

  // -------------------------------------------------------- statements

  // SQLite has no CASCADE: it leaves the views that read the table
  // dangling, and the other tables' foreign keys to it in their CREATE
  // TABLE text (an insert into one of them then fails on the missing
  // table). What the model drops with the table is dropped here too: the
  // views, and each of those foreign keys by a rebuild of its table, in one
  // step with the DROP TABLE.
  std::vector<Step> render_node(const ast::DropTable& s, const RenderContext& ctx) const override {
    std::string drop =
        fmt::format("DROP TABLE {}{};", s.if_exists ? "IF EXISTS " : "", qualified(s.name));
    const Table* gone = ctx.before.find_table(s.name.key());
    if (!gone) return {step(drop)};
    std::vector<Rebuilt> children;
    std::vector<std::string> why;
    for (const auto& fk : ctx.before.foreign_keys_to(gone->key)) {
      if (fk.table->key == gone->key) continue;
      const Table* after = ctx.after.find_table(fk.table->key);
      if (!after) continue;
      why.push_back(fmt::format("{} of {}", fk.constraint->name, fk.table->name));
      auto known = std::find_if(children.begin(), children.end(),
                                [&](const Rebuilt& r) { return r.before == fk.table; });
      if (known == children.end()) children.push_back({fk.table, after, same_columns(*fk.table)});
    }
    if (!children.empty()) return {rebuild(children, ctx, why, gone)};
    // Nothing to rebuild: the views go first (readers before what they
    // read), then the table. A DROP TABLE with foreign keys on deletes the
    // rows first, which touches no other table here.
    std::vector<Step> out;
    std::vector<const View*> views = views_over(ctx.before, {gone->key});
    for (auto it = views.rbegin(); it != views.rend(); ++it) {
      if (ctx.after.find_view((*it)->key)) continue;
      auto steps = drop_view((*it)->key, ctx);
      out.insert(out.end(), steps.begin(), steps.end());
    }
    out.push_back(step(drop));
    return out;
  }

  std::vector<Step> render_node(const ast::DropIndex& s, const RenderContext&) const override {
    return {
        step(fmt::format("DROP INDEX {}{};", s.if_exists ? "IF EXISTS " : "", qualified(s.name)))};
  }

  // SQLite cannot rename an index: dropped and created again under the new name.
  std::vector<Step> render_node(const ast::RenameIndex& s,
                                const RenderContext& ctx) const override {
    std::string schema = s.name.schema ? s.name.schema->text : std::string();
    IndexRef made = ctx.after.find_index(qualify(schema, s.new_name.text));
    if (!made) return {};
    std::vector<Step> out{step(fmt::format("DROP INDEX {};", qualified(s.name)))};
    out[0].comments.push_back("SQLite cannot rename an index: it is dropped and built again");
    auto create = create_index(*made.table, *made.index, false, false, ctx);
    out.insert(out.end(), create.begin(), create.end());
    return out;
  }

  std::vector<Step> render_node(const ast::AlterEnumAddValue& s,
                                const RenderContext& ctx) const override {
    // The value list lives in each column's CHECK: rebuild those tables.
    std::vector<std::string> keys;
    for (const auto& ref : ctx.after.columns_using_enum(s.name.key())) {
      if (std::find(keys.begin(), keys.end(), ref.table->key) == keys.end())
        keys.push_back(ref.table->key);
    }
    if (keys.empty()) {
      return {note(fmt::format("enum {} gains {}: no column uses it yet", qualified(s.name),
                               literal(s.value.value)))};
    }
    std::vector<Rebuilt> tables;
    for (const auto& key : keys) {
      const Table* before = ctx.before.find_table(key);
      const Table* after = ctx.after.find_table(key);
      if (!before || !after) continue;
      tables.push_back(Rebuilt{before, after, same_columns(*before)});
    }
    return {rebuild(tables, ctx,
                    {fmt::format("alter enum {} add value {}: the CHECK of its columns changes",
                                 qualified(s.name), literal(s.value.value))})};
  }

  std::vector<Step> render_node(const ast::DropEnum& s, const RenderContext&) const override {
    return {note(fmt::format("drop enum {}: SQLite has no enum types", qualified(s.name)))};
  }

  std::vector<Step> render_node(const ast::CreateSchema& s,
                                const RenderContext& ctx) const override {
    error(ctx, ctx.statement_span,
          fmt::format("SQLite has no schemas: cannot create schema {}", s.name.text),
          "a SQLite schema is an attached database file; keep this project's tables in the "
          "default schema");
    return {};
  }

  std::vector<Step> render_node(const ast::DropSchema& s, const RenderContext& ctx) const override {
    error(ctx, ctx.statement_span,
          fmt::format("SQLite has no schemas: cannot drop schema {}", s.name.text));
    return {};
  }

  // A run of `alter table`s of one table shares one rebuild when it needs one.
  bool may_merge_alters() const override { return true; }
  bool merges_alters(const ast::AlterTable& merged, const RenderContext& ctx) const override {
    DiagnosticSink quiet;  // rendering reports them once, below
    RenderContext probe{ctx.before, ctx.after,    ctx.file,           ctx.options,
                        quiet,      ctx.revision, ctx.statement_span, ctx.derived_downgrade};
    return !plan_alter(merged, probe).why.empty();
  }

  std::vector<Step> render_node(const ast::AlterTable& s, const RenderContext& ctx) const override {
    AlterPlan plan = plan_alter(s, ctx);
    if (plan.why.empty()) return std::move(plan.native);
    const Table* first = ctx.before.find_table(s.name.key());
    const Table* last = ctx.after.find_table(s.name.key());
    if (!first || !last) return {};
    return {rebuild({Rebuilt{first, last, std::move(plan.sources)}}, ctx, plan.why)};
  }

  // ------------------------------------------------------- bookkeeping

  std::vector<std::string> session_settings(const EmitSettings& emit) const override {
    if (!emit.lock_timeout && !emit.statement_timeout) return {};
    return {
        "-- SQLite has no lock or statement timeout: [emit] lock_timeout and statement_timeout "
        "do not apply here (sqlite3 waits for a lock as its .timeout says)."};
  }

  // dialects.md's recipe: the named check fails, and `sqlite3 -bail`
  // stops, unless the database is at the expected revision. The check is
  // named by the message, which SQLite prints; the temporary table goes
  // with the session if the insert fails.
  std::string guard(std::string_view table, const std::vector<std::string>& present,
                    const std::vector<std::string>& absent,
                    std::string_view message) const override {
    return fmt::format(
        "CREATE TEMP TABLE _retort_guard (ok INT, CONSTRAINT {} CHECK (ok = 1));\n"
        "INSERT INTO _retort_guard SELECT CASE WHEN\n    {}\n  THEN 1 ELSE 0 END;\n"
        "DROP TABLE _retort_guard;",
        quote_always(message), expected_state(table, present, absent));
  }

 private:
  // After-column name -> the expression that reads its value from the old
  // table; a column missing here (added) takes its default.
  using ColumnSources = std::map<std::string, std::string>;

  // One table of a rebuild: its definition before and after, and where
  // each new column's values come from.
  struct Rebuilt {
    const Table* before;
    const Table* after;
    ColumnSources sources;
  };

  // How an `alter table` is rendered: natively (`why` empty), or by a
  // rebuild for the actions in `why`, reading the old rows through `sources`.
  struct AlterPlan {
    std::vector<Step> native;
    std::vector<std::string> why;
    ColumnSources sources;
  };

  AlterPlan plan_alter(const ast::AlterTable& s, const RenderContext& ctx) const {
    AlterPlan plan;
    std::string key = s.name.key();
    const Table* first = ctx.before.find_table(key);
    if (!first) return plan;
    plan.sources = same_columns(*first);
    // Each action sees the schema the previous ones left: replay them one
    // by one on copies (cheap: the model shares structure).
    SchemaModel work = ctx.before;
    // Columns added by the run, by their name at the end of it, and the
    // default that filled the rows then (null: none).
    std::map<std::string, ast::ExprPtr> added;
    for (const auto& action : s.actions) {
      SchemaModel next = work;
      ast::Statement single;
      single.node = ast::AlterTable{s.name, {action}};
      single.span = ctx.statement_span;
      DiagnosticSink ignored;  // replay has reported these already
      apply_statement(single, ctx.file, next, ctx.options, ignored);
      const Table* before = work.find_table(key);
      const Table* after = next.find_table(key);
      if (const auto* a = std::get_if<ast::AddColumn>(&action)) {
        const Column* col = after ? after->find_column(a->column.name.text) : nullptr;
        if (col) added[col->name] = col->default_value;
      } else if (const auto* r = std::get_if<ast::RenameColumn>(&action)) {
        if (auto it = added.find(r->column.text); it != added.end()) {
          ast::ExprPtr d = it->second;
          added.erase(it);
          added[r->new_name.text] = d;
        }
      } else if (const auto* d = std::get_if<ast::DropColumn>(&action)) {
        added.erase(d->column.text);
      }
      if (before && after) {
        RenderContext actx{work,     next,         ctx.file,           ctx.options,
                           ctx.sink, ctx.revision, ctx.statement_span, ctx.derived_downgrade};
        if (same_type_here(action, ActionContext{*before, *after, actx})) {
          work = std::move(next);
          continue;  // another dialect's spelling changed: no rebuild for it
        }
        map_columns(action, *before, *after, plan.sources, actx);
        if (plan.why.empty()) {
          if (auto steps = native_action(action, *before, *after, actx)) {
            plan.native.insert(plan.native.end(), steps->begin(), steps->end());
          } else {
            plan.why.push_back(describe(action));
          }
        } else if (!std::holds_alternative<ast::ValidateConstraint>(action) &&
                   !std::holds_alternative<ast::SetColumnComment>(action)) {
          plan.why.push_back(describe(action));
        }
      }
      work = std::move(next);
    }
    // A rebuild fills an added column with the table's last default; rows
    // that were there took the default it had when it was added (NULL if
    // none), which a later `set default` in the run does not change.
    if (const Table* last = work.find_table(key)) {
      auto text = [](const ast::ExprPtr& e) { return e ? ast::expr_to_string(*e) : std::string(); };
      for (const auto& [name, first_default] : added) {
        const Column* col = last->find_column(name);
        if (!col || col->identity || text(col->default_value) == text(first_default)) continue;
        plan.sources[name] = first_default ? default_sql(*first_default, ctx) : "NULL";
      }
    }
    return plan;
  }

  static std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }

  // A step that is only a comment: what has no SQLite form but should
  // still be visible to the reviewer.
  static Step note(std::string_view text) { return step("-- " + comment_text(text)); }

  ColumnSources same_columns(const Table& t) const {
    ColumnSources out;
    for (const auto& c : t.columns) out[c.name] = quote(c.name);
    return out;
  }

  // SQLite's built-in collations; any other name fails when the table is created.
  std::string collation(const std::string& name, const RenderContext& ctx) const {
    std::string l = lower(name);
    if (l == "binary" || l == "nocase" || l == "rtrim") return quote_always(name);
    error(ctx, ctx.statement_span,
          fmt::format("SQLite has no collation \"{}\" (only BINARY, NOCASE and RTRIM)", name),
          "use one of them, or a native type and sql($$ ... $$) where SQLite needs another");
    return quote_always(name);
  }

  // SQLite takes a literal, a signed number or CURRENT_* bare; any other
  // default must be in parentheses.
  std::string default_sql(const ast::Expr& e, const RenderContext& ctx) const {
    bool bare = is_constant(e) || e.kind == ast::ExprKind::Keyword ||
                (e.kind == ast::ExprKind::Call && e.text == "now" && e.args.empty());
    std::string text = expr(e, ctx);
    return bare ? text : "(" + text + ")";
  }

  // The check that stands in for a boolean or enum type (dialects.md).
  std::optional<std::string> type_check(const Table& t, const Column& c,
                                        const RenderContext& ctx) const {
    // A spelled type is the author's (or SQLAlchemy's, which writes Boolean
    // and a non-native Enum without a check on SQLite): no check added.
    if (spelled(c.type) != nullptr) return std::nullopt;
    std::string values;
    if (c.type.kind == ast::TypeKind::Boolean) {
      values = "0, 1";
    } else if (c.type.kind == ast::TypeKind::Enum) {
      const Enum* e = ctx.after.find_enum(c.type.enum_name->key());
      if (!e) e = ctx.before.find_enum(c.type.enum_name->key());
      if (!e) return std::nullopt;
      std::vector<std::string> lits;
      for (const auto& v : e->values) lits.push_back(literal(v));
      values = join(lits, ", ");
    } else {
      return std::nullopt;
    }
    return fmt::format("CONSTRAINT {} CHECK ({} IN ({}))",
                       quote("ck_" + t.name + "_" + c.name + "_type"), quote(c.name), values);
  }

  // A primary key made by the rowid alias of an identity column, written
  // in the column itself.
  static bool is_rowid_key(const Table& t, const Constraint& k) {
    if (k.kind != ast::ConstraintKind::PrimaryKey || k.columns.size() != 1) return false;
    const Column* c = t.find_column(k.columns[0]);
    return c && c->identity;
  }

  std::string create_table_sql(const Table& t, const std::string& name, bool if_not_exists,
                               const RenderContext& ctx) const {
    std::vector<std::string> items;
    for (const auto& c : t.columns) items.push_back(column_definition(t, c, ctx));
    for (const auto& k : t.constraints) {
      if (!is_rowid_key(t, k)) items.push_back(constraint_definition(t, k, ctx));
    }
    return fmt::format("CREATE TABLE {}{} (\n    {}\n);", if_not_exists ? "IF NOT EXISTS " : "",
                       name, join(items, ",\n    "));
  }

  // The steps of `action` as SQLite's own ALTER TABLE, or nullopt when it
  // needs a rebuild.
  std::optional<std::vector<Step>> native_action(const ast::AlterAction& action,
                                                 const Table& before, const Table& after,
                                                 const RenderContext& ctx) const {
    if (const auto* a = std::get_if<ast::AddColumn>(&action))
      return add_column(*a, before, after, ctx);
    if (const auto* a = std::get_if<ast::DropColumn>(&action)) {
      if (!can_drop_column(a->column.text, before, ctx)) return std::nullopt;
      return alter(before, "DROP COLUMN " + quote(a->column.text));
    }
    if (const auto* a = std::get_if<ast::RenameColumn>(&action)) {
      if (!at_least("3.25")) return std::nullopt;
      return alter(before,
                   "RENAME COLUMN " + quote(a->column.text) + " TO " + quote(a->new_name.text));
    }
    if (const auto* a = std::get_if<ast::SetColumnComment>(&action))
      return comment_on_column(after, a->column.text, a->comment, ctx);
    // Constraints are added validated, so there is nothing left to validate.
    if (std::holds_alternative<ast::ValidateConstraint>(action)) return std::vector<Step>{};
    return std::nullopt;
  }

  // ADD COLUMN only where SQLite accepts it on a table that holds rows
  // (dialects.md): an empty test table would hide the refusals.
  std::optional<std::vector<Step>> add_column(const ast::AddColumn& a, const Table& before,
                                              const Table& after, const RenderContext& ctx) const {
    const Column* col = after.find_column(a.column.name.text);
    if (!col || col->identity) return std::nullopt;
    if (col->default_value && !is_constant(*col->default_value)) return std::nullopt;
    if (!col->nullable && is_null_default(col->default_value)) return std::nullopt;
    std::string sql = "ADD COLUMN " + column_definition(after, *col, ctx);
    for (const auto& k : after.constraints) {
      if (before.find_constraint(k.name)) continue;
      if (k.kind == ast::ConstraintKind::Check) {
        sql += " " + constraint_definition(after, k, ctx);
      } else if (k.kind == ast::ConstraintKind::ForeignKey && k.columns.size() == 1 &&
                 is_null_default(col->default_value)) {
        // The column form of the same constraint: drop `FOREIGN KEY (c) `.
        std::string def = constraint_definition(after, k, ctx);
        std::string table_form = "FOREIGN KEY (" + column_list(k.columns) + ") ";
        if (size_t at = def.find(table_form); at != std::string::npos)
          def.erase(at, table_form.size());
        sql += " " + def;
      } else {
        return std::nullopt;  // primary key, unique, or a reference with a default
      }
    }
    std::vector<Step> out = alter(after, std::move(sql));
    if (col->comment) {
      auto c = comment_on_column(after, col->name, col->comment, ctx);
      out.insert(out.end(), c.begin(), c.end());
    }
    return out;
  }

  // DROP COLUMN (3.35+) refuses a column that an index, key, constraint or
  // view uses; its own type check goes with it.
  bool can_drop_column(const std::string& column, const Table& t, const RenderContext& ctx) const {
    if (!at_least("3.35")) return false;
    if (!t.objects_using_column(column).empty()) return false;
    for (const View* v : ctx.before.views_reading(t.key)) {
      if (v->reads_word(column)) return false;
    }
    for (const auto& fk : ctx.before.foreign_keys_to(t.key)) {
      const auto& refs = fk.constraint->ref_columns;
      if (std::find(refs.begin(), refs.end(), column) != refs.end()) return false;
    }
    return true;
  }

  // Follows one action in `sources`: renames move a column's source, drops
  // remove it, a type change converts it (with `using`, or a CAST where the
  // affinity changes).
  void map_columns(const ast::AlterAction& action, const Table& before, const Table& after,
                   ColumnSources& sources, const RenderContext& ctx) const {
    if (const auto* a = std::get_if<ast::RenameColumn>(&action)) {
      auto it = sources.find(a->column.text);
      if (it == sources.end()) return;
      std::string from = it->second;
      sources.erase(it);
      sources[a->new_name.text] = from;
    } else if (const auto* d = std::get_if<ast::DropColumn>(&action)) {
      sources.erase(d->column.text);
    } else if (const auto* n = std::get_if<ast::AddColumn>(&action)) {
      sources.erase(n->column.name.text);
    } else if (const auto* t = std::get_if<ast::AlterColumnType>(&action)) {
      auto it = sources.find(t->column.text);
      const Column* old_col = before.find_column(t->column.text);
      const Column* new_col = after.find_column(t->column.text);
      if (it == sources.end() || !old_col || !new_col) return;
      std::string new_type = column_type(*new_col, ctx);
      if (t->using_expr) {
        it->second = expr(*t->using_expr, ctx);
      } else if (affinity_of(column_type(*old_col, ctx)) != affinity_of(new_type)) {
        it->second = "CAST(" + it->second + " AS " + new_type + ")";
      }
    }
  }

  // The views that read any of `keys`, each after the views of the set it
  // reads: dropped in reverse, recreated in order.
  static std::vector<const View*> views_over(const SchemaModel& schema,
                                             const std::vector<std::string>& keys) {
    std::map<std::string, const View*> set;
    for (const auto& key : keys) {
      for (const View* v : dependent_views(schema, key)) set.emplace(v->key, v);
    }
    std::vector<const View*> ordered;
    std::set<std::string> placed;
    std::function<void(const View*)> place = [&](const View* v) {
      if (!placed.insert(v->key).second) return;
      for (const auto& dep : v->views) {
        if (auto it = set.find(dep); it != set.end()) place(it->second);
      }
      ordered.push_back(v);
    };
    for (const auto& [key, v] : set) place(v);
    return ordered;
  }

  // The table rebuild of dialects.md, as one step run outside the
  // script's transaction: PRAGMA foreign_keys works only outside one, and
  // without it DROP TABLE would cascade deletes to child rows. `dropped`:
  // the table of a `drop table ... cascade` that the rebuilt tables
  // referenced, dropped first in the same transaction (with foreign keys
  // off, its DROP TABLE deletes no rows of theirs, nor fails on them), with
  // the views the model dropped with it.
  Step rebuild(const std::vector<Rebuilt>& tables, const RenderContext& ctx,
               const std::vector<std::string>& why, const Table* dropped = nullptr) const {
    std::vector<std::string> keys;
    for (const auto& t : tables) keys.push_back(t.after->key);
    std::vector<std::string> readers = keys;  // the tables whose views are dropped
    if (dropped) readers.push_back(dropped->key);
    std::vector<std::string> parts;
    auto add = [&](const std::vector<Step>& steps) {
      for (const auto& s : steps) {
        std::string text;
        for (const auto& c : s.comments) text += "-- " + comment_text(c) + "\n";
        parts.push_back(text + s.sql);
      }
    };
    parts.push_back("PRAGMA foreign_keys=OFF;\n\nBEGIN;");
    std::vector<const View*> views = views_over(ctx.before, readers);
    for (auto it = views.rbegin(); it != views.rend(); ++it) add(drop_view((*it)->key, ctx));
    if (dropped)
      parts.push_back(fmt::format("DROP TABLE {};", qualified(dropped->schema, dropped->name)));
    std::vector<const Table*> checked;  // the tables whose foreign keys are checked
    for (const auto& t : tables) {
      const Table& after = *t.after;
      std::string temp = qualified(after.schema, "_retort_new_" + after.name);
      parts.push_back(create_table_sql(after, temp, false, ctx));
      std::vector<std::string> columns, values;
      for (const auto& c : after.columns) {
        auto it = t.sources.find(c.name);
        if (it == t.sources.end()) continue;
        columns.push_back(quote(c.name));
        values.push_back(it->second);
      }
      std::string old_name = qualified(t.before->schema, t.before->name);
      if (!columns.empty()) {
        parts.push_back(fmt::format("INSERT INTO {} ({})\n    SELECT {} FROM {};", temp,
                                    join(columns, ", "), join(values, ", "), old_name));
      }
      parts.push_back(fmt::format("DROP TABLE {};", old_name));
      parts.push_back(fmt::format("ALTER TABLE {} RENAME TO {};", temp, quote(after.name)));
      for (const auto& i : after.indexes) add(create_index(after, i, false, false, ctx));
      auto check = [&](const Table* table) {
        if (std::find(checked.begin(), checked.end(), table) == checked.end())
          checked.push_back(table);
      };
      check(&after);
      for (const auto& fk : ctx.after.foreign_keys_to(after.key)) check(fk.table);
    }
    for (const View* v : views) {
      if (const View* still = ctx.after.find_view(v->key)) add(create_view(*still, {}, ctx));
    }
    // PRAGMA foreign_key_check only prints rows; a check constraint turns
    // a row into an error that stops `sqlite3 -bail` before the COMMIT. A
    // foreign key the model holds `not valid` is left out, as PostgreSQL's
    // NOT VALID leaves those rows unchecked, when a derived downgrade adds
    // it back (to rows written since the upgrade) or when it was so before
    // the statement (an earlier one added it back: the rows it let in are
    // still there, and the rebuild of its table or of the table it
    // references must not stop on them).
    std::vector<std::string> probes;
    std::vector<std::string> skipped;
    for (const Table* c : checked) {
      std::string name = literal(c->name);
      std::string probe = "SELECT 1 FROM pragma_foreign_key_check(" + name + ")";
      std::vector<std::string> ids;
      const Table* was = ctx.before.find_table(c->key);
      for (const auto& k : c->constraints) {
        if (k.kind != ast::ConstraintKind::ForeignKey || k.validated || k.columns.empty()) continue;
        const Constraint* old = was ? was->find_constraint(k.name) : nullptr;
        if (!ctx.derived_downgrade && !(old && !old->validated)) continue;
        // pragma_foreign_key_list numbers the foreign keys (`id`, as
        // `fkid` in the check) without their names: found by target and
        // first column.
        ids.push_back(fmt::format(
            "SELECT id FROM pragma_foreign_key_list({}) WHERE seq = 0 AND \"table\" = {} AND "
            "\"from\" = {}",
            name, literal(name_of(k.ref_table)), literal(k.columns[0])));
        skipped.push_back(fmt::format("{} of {}", k.name, c->name));
      }
      for (size_t i = 0; i < ids.size(); ++i)
        probe +=
            (i == 0 ? "\n      WHERE fkid NOT IN (" : "\n      AND fkid NOT IN (") + ids[i] + ")";
      probes.push_back(std::move(probe));
    }
    std::string check_comment;
    if (!skipped.empty()) {
      check_comment =
          "-- " +
          comment_text(fmt::format(
              "the check leaves out foreign key{} {} (added back without checking the "
              "rows written since the upgrade): PRAGMA foreign_key_check lists the rows "
              "that break {}",
              skipped.size() == 1 ? "" : "s", join(skipped, ", "),
              skipped.size() == 1 ? "it" : "them")) +
          "\n";
    }
    parts.push_back(
        check_comment +
        fmt::format(
            "CREATE TEMP TABLE _retort_fk_check (ok INT, CONSTRAINT {} CHECK (ok = 1));\n"
            "INSERT INTO _retort_fk_check SELECT CASE WHEN NOT EXISTS (\n    {}\n  ) THEN 1 ELSE 0 "
            "END;\nDROP TABLE _retort_fk_check;",
            quote_always(fmt::format("retort: a foreign key of {} fails after the rebuild; PRAGMA "
                                     "foreign_key_check lists the rows",
                                     join(keys, ", "))),
            join(probes, "\n    UNION ALL ")));
    parts.push_back("COMMIT;\n\nPRAGMA foreign_keys=ON;");

    Step s = step(join(parts, "\n\n"), true);
    if (dropped) {
      s.comments.push_back(fmt::format(
          "drop table {} cascade, with a table rebuild of {} (SQLite has no CASCADE, and its "
          "ALTER TABLE cannot drop a foreign key): the foreign key{} to it go{}: {}",
          dropped->key, join(keys, ", "), why.size() == 1 ? "" : "s", why.size() == 1 ? "es" : "",
          join(why, ", ")));
    } else {
      s.comments.push_back(fmt::format(
          "table rebuild of {} (SQLite's ALTER TABLE cannot make these changes in place): {}",
          join(keys, ", "), join(why, "; ")));
    }
    s.comments.push_back(
        "triggers made with execute on the rebuilt table are dropped with it and not recreated");
    return s;
  }
};

}  // namespace

std::unique_ptr<Renderer> make_sqlite_renderer(Target target) {
  return std::make_unique<SqliteRenderer>(std::move(target));
}

}  // namespace retort::emit
