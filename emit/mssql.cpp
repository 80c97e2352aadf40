// SQL Server: the shared renderer plus what differs (dialects.md). T-SQL
// quotes with brackets, has transactional DDL, and sqlcmd runs the script
// batch by batch: every statement is followed by a `GO` line (the
// renderer's batch_separator), so each is its own batch (CREATE VIEW and
// CREATE SCHEMA must be) and a failing one stops `sqlcmd -b` there.
//
// Defaults are named constraints, `df_{table}_{column}`, and the checks that
// stand in for a type (json, enums) are `ck_{table}_{column}_type`. The
// model does not hold them: this file derives them from the column, and
// keeps the invariant "their names always follow the column's current
// table and name" by renaming them (sp_rename ... 'OBJECT') whenever
// sp_rename renames the table or the column, since sp_rename renames
// neither. So every drop can name them.
//
// ALTER COLUMN restates the type and nullability; SQL Server refuses it (and
// DROP COLUMN) while an index, constraint or default uses the column
// (learn.microsoft.com, "ALTER TABLE (Transact-SQL)", ALTER COLUMN), so
// those are dropped before and made again after, from the model on both
// sides.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>

#include "compiler/config.h"
#include "compiler/text_util.h"
#include "emit/registry.h"
#include "emit/renderer.h"

namespace retort::emit {

namespace {

// -b: stop at the first error; -x: no $(variable) substitution, which would
// otherwise rewrite `$(` in a literal or an execute body.
constexpr DialectInfo kMssql{
    "mssql", "SQL Server", 128, true, "sqlcmd -b -x -d DBNAME -i FILE", ":on error exit"};

// Transact-SQL's reserved keywords (learn.microsoft.com, "Reserved Keywords
// (Transact-SQL)"), lower case; `within` stands for WITHIN GROUP. Sorted for
// binary search.
constexpr std::string_view kReserved[] = {
    "add",
    "all",
    "alter",
    "and",
    "any",
    "as",
    "asc",
    "authorization",
    "backup",
    "begin",
    "between",
    "break",
    "browse",
    "bulk",
    "by",
    "cascade",
    "case",
    "check",
    "checkpoint",
    "close",
    "clustered",
    "coalesce",
    "collate",
    "column",
    "commit",
    "compute",
    "constraint",
    "contains",
    "containstable",
    "continue",
    "convert",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "database",
    "dbcc",
    "deallocate",
    "declare",
    "default",
    "delete",
    "deny",
    "desc",
    "disk",
    "distinct",
    "distributed",
    "double",
    "drop",
    "dump",
    "else",
    "end",
    "errlvl",
    "escape",
    "except",
    "exec",
    "execute",
    "exists",
    "exit",
    "external",
    "fetch",
    "file",
    "fillfactor",
    "for",
    "foreign",
    "freetext",
    "freetexttable",
    "from",
    "full",
    "function",
    "goto",
    "grant",
    "group",
    "having",
    "holdlock",
    "identity",
    "identity_insert",
    "identitycol",
    "if",
    "in",
    "index",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "kill",
    "left",
    "like",
    "lineno",
    "load",
    "merge",
    "national",
    "nocheck",
    "nonclustered",
    "not",
    "null",
    "nullif",
    "of",
    "off",
    "offsets",
    "on",
    "open",
    "opendatasource",
    "openquery",
    "openrowset",
    "openxml",
    "option",
    "or",
    "order",
    "outer",
    "over",
    "percent",
    "pivot",
    "plan",
    "precision",
    "primary",
    "print",
    "proc",
    "procedure",
    "public",
    "raiserror",
    "read",
    "readtext",
    "reconfigure",
    "references",
    "replication",
    "restore",
    "restrict",
    "return",
    "revert",
    "revoke",
    "right",
    "rollback",
    "rowcount",
    "rowguidcol",
    "rule",
    "save",
    "schema",
    "securityaudit",
    "select",
    "semantickeyphrasetable",
    "semanticsimilaritydetailstable",
    "semanticsimilaritytable",
    "session_user",
    "set",
    "setuser",
    "shutdown",
    "some",
    "statistics",
    "system_user",
    "table",
    "tablesample",
    "textsize",
    "then",
    "to",
    "top",
    "tran",
    "transaction",
    "trigger",
    "truncate",
    "try_convert",
    "tsequal",
    "union",
    "unique",
    "unpivot",
    "update",
    "updatetext",
    "use",
    "user",
    "values",
    "varying",
    "view",
    "waitfor",
    "when",
    "where",
    "while",
    "with",
    "within",
    "writetext",
};
constexpr WordList kReservedList{kReserved};

// NVARCHAR(n) takes n up to 4000; above, NVARCHAR(MAX).
constexpr int kMaxNvarchar = 4000;

void append(std::vector<Step>& out, std::vector<Step> more) {
  for (auto& s : more) out.push_back(std::move(s));
}

// Characters (UTF-8 code points) of `s`: NVARCHAR lengths count characters.
size_t char_count(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool is_now(const ast::Expr& e) {
  return (e.kind == ast::ExprKind::Call && e.text == "now" && e.args.empty()) ||
         (e.kind == ast::ExprKind::Keyword && e.text == "current_timestamp");
}

class MssqlRenderer final : public Renderer {
 public:
  explicit MssqlRenderer(Target target) : Renderer(kMssql, std::move(target)) {}

  using Renderer::render_node;

  // ------------------------------------------------------------ text

  bool is_reserved(std::string_view word) const override { return kReservedList.contains(word); }

  std::string quote(std::string_view name) const override {
    if (!needs_quotes(name)) return std::string(name);
    return brackets(name);
  }

  // N'...': the columns are NVARCHAR, and a plain '...' would pass through
  // the database's code page.
  // A backslash right before a line feed (or CR LF) continues the line:
  // both are dropped (learn.microsoft.com, "Backslash (Line Continuation)
  // (Transact-SQL)"). Such a backslash is written as `\` + `\<line
  // break>` + `<line break>`, which reads back as the backslash and the
  // line break.
  std::string literal(std::string_view text) const override {
    std::string kept;
    for (size_t i = 0; i < text.size(); ++i) {
      kept += text[i];
      if (text[i] != '\\') continue;
      std::string_view rest = text.substr(i + 1);
      if (rest.substr(0, 2) == "\r\n") kept += "\\\r\n";
      if (!rest.empty() && rest[0] == '\n') kept += "\\\n";
    }
    return "N" + Renderer::literal(kept);
  }

  std::string_view batch_separator() const override { return "GO"; }

  // ------------------------------------------------------ types, exprs

  const TypeNames& type_names() const override {
    static constexpr TypeNames kTypes{"BIT",
                                      "SMALLINT",
                                      "INT",
                                      "BIGINT",
                                      "DECIMAL",
                                      "REAL",
                                      "FLOAT(53)",
                                      "NVARCHAR",
                                      "NCHAR",
                                      "NVARCHAR(MAX)",
                                      "VARBINARY(MAX)",
                                      "DATE",
                                      "TIME",
                                      "DATETIME2",
                                      "DATETIMEOFFSET",
                                      "UNIQUEIDENTIFIER",
                                      "NVARCHAR(MAX)",
                                      "mssql"};
    return kTypes;
  }

  std::string type(const ast::Type& t, const RenderContext& ctx) const override {
    if (spelled(t) == nullptr) {
      if (t.kind == ast::TypeKind::String && (!t.length || *t.length > kMaxNvarchar))
        return "NVARCHAR(MAX)";
      if (t.kind == ast::TypeKind::Char && t.length.value_or(1) > kMaxNvarchar) {
        error(ctx, t.span,
              fmt::format("char({}) is longer than SQL Server's NCHAR allows ({})", *t.length,
                          kMaxNvarchar),
              "use string(N) or text");
      }
    }
    return Renderer::type(t, ctx);
  }

  // NVARCHAR as long as the longest value; the values are checked by
  // ck_{table}_{column}_type.
  std::string enum_type(const ast::Type& t, const RenderContext& ctx) const override {
    const Enum* e = ctx.after.find_enum(t.enum_name->key());
    if (!e) e = ctx.before.find_enum(t.enum_name->key());
    size_t longest = 1;
    if (e) {
      for (const auto& v : e->values) longest = std::max(longest, char_count(v));
    }
    if (longest > static_cast<size_t>(kMaxNvarchar)) return "NVARCHAR(MAX)";
    return fmt::format("NVARCHAR({})", longest);
  }

  std::string expr(const ast::Expr& e, const RenderContext& ctx) const override {
    using K = ast::ExprKind;
    if (e.kind == K::String) check_lines("the string", e.text, e.span, ctx);
    switch (e.kind) {
      // No boolean type: BIT values.
      case K::Boolean:
        return e.text == "true" ? "1" : "0";
      case K::Keyword:
        // CURRENT_DATE is not in SQL Server 2019.
        if (e.text == "current_date") return "CAST(SYSDATETIME() AS DATE)";
        return Renderer::expr(e, ctx);
      case K::Binary:
        // `+` concatenates strings (NULL in, NULL out, as `||`).
        if (e.op == "||" && e.args.size() == 2) {
          return operand(e.args[0], ctx) + " + " + operand(e.args[1], ctx);
        }
        if (e.op == "and" || e.op == "or") {
          return operand_predicate(e.args[0], ctx) + (e.op == "and" ? " AND " : " OR ") +
                 operand_predicate(e.args[1], ctx);
        }
        return Renderer::expr(e, ctx);
      case K::Unary:
        if (e.op == "not" && !e.args.empty() && e.args[0])
          return "NOT " + operand_predicate(e.args[0], ctx);
        return Renderer::expr(e, ctx);
      default:
        return Renderer::expr(e, ctx);
    }
  }

  std::string call(const ast::Expr& e, const RenderContext& ctx) const override {
    // now() keeps the zone, as timestamptz does; a timestamp column's
    // default is SYSUTCDATETIME() (default_sql).
    if (e.text == "now" && e.args.empty()) return "SYSDATETIMEOFFSET()";
    if (e.text == "gen_uuid" && e.args.empty()) return "NEWID()";
    return Renderer::call(e, ctx);
  }

  std::string column_definition(const Table& t, const Column& c,
                                const RenderContext& ctx) const override {
    return column_sql(t, c, ctx, false);
  }

  std::string identity_clause() const override { return "IDENTITY(1,1)"; }

  std::string constraint_definition(const Table& t, const Constraint& c,
                                    const RenderContext& ctx) const override {
    // An unnamed constraint of an Alembic script: SQL Server names it
    // (PK__t__..., FK__t__c__..., ...) as it did for Alembic; drops and
    // renames find it in the catalogue (language.md, "Naming").
    std::string out;
    if (!named_by_server(c)) {
      check_name(c.name_on(info().name), ctx);
      out = "CONSTRAINT " + quote(c.name_on(info().name)) + " ";
    }
    if (c.kind == ast::ConstraintKind::PrimaryKey || c.kind == ast::ConstraintKind::Unique) {
      for (const auto& column : c.columns) check_key_column(t, column, c.name, ctx);
    }
    switch (c.kind) {
      case ast::ConstraintKind::ForeignKey:
        out += "FOREIGN KEY (" + column_list(c.columns) + ") REFERENCES " +
               qualified_key(c.ref_table) + " (" + column_list(c.ref_columns) + ")";
        out += ref_action("DELETE", c.on_delete);
        out += ref_action("UPDATE", c.on_update);
        return out;
      case ast::ConstraintKind::Check:
        return out + "CHECK (" + (c.check ? predicate(*c.check, ctx) : std::string("1 = 1")) + ")";
      default:
        return Renderer::constraint_definition(t, c, ctx);
    }
  }

  bool action_needs_views_rebuilt(const ast::AlterAction&) const override {
    // A view that is not schema-bound does not hold its columns; one that
    // reads a dropped column goes with it in the model (DropColumn).
    return false;
  }

  // ----------------------------------------------------- model objects

  std::vector<Step> create_table(const Table& t, bool if_not_exists, const std::vector<bool>* keep,
                                 const RenderContext& ctx) const override {
    check_name(t.name, ctx);
    std::vector<std::string> items;
    for (const auto& c : t.columns) items.push_back(column_definition(t, c, ctx));
    std::vector<std::string> notes;
    for (size_t i = 0; i < t.constraints.size(); ++i) {
      if (keep && !(*keep)[i]) continue;
      items.push_back(constraint_definition(t, t.constraints[i], ctx));
      if (auto n = one_null_note(t, t.constraints[i].columns,
                                 t.constraints[i].kind == ast::ConstraintKind::Unique))
        notes.push_back(*n);
    }
    std::string sql = fmt::format("CREATE TABLE {} (\n    {}\n);", qualified(t.schema, t.name),
                                  join(items, ",\n    "));
    // No CREATE TABLE IF NOT EXISTS in T-SQL (learn.microsoft.com, "OBJECT_ID (Transact-SQL)").
    if (if_not_exists) sql = "IF OBJECT_ID(" + object_literal(t) + ", N'U') IS NULL\n" + sql;
    std::vector<Step> out{step(std::move(sql))};
    out.back().comments = notes;
    if (t.comment && !t.comment->empty()) append(out, property(t, {}, t.comment, false, ctx));
    for (const auto& c : t.columns) {
      if (c.comment && !c.comment->empty()) append(out, property(t, c.name, c.comment, false, ctx));
    }
    return out;
  }

  std::vector<Step> create_index(const Table& t, const Index& i, bool concurrently,
                                 bool if_not_exists, const RenderContext& ctx) const override {
    check_name(i.name, ctx);
    std::vector<std::string> notes;
    if (concurrently) {
      notes.push_back(
          "CONCURRENTLY dropped: SQL Server builds the index offline (WITH (ONLINE = ON) needs "
          "Enterprise edition)");
    }
    if (i.method && *i.method != "btree") {
      error(ctx, ctx.statement_span,
            fmt::format("SQL Server has no index method {} (index {})", *i.method, i.name),
            "drop `using`: SQL Server rowstore indexes are B-trees");
    }
    if (if_not_exists && ctx.before.find_index(qualify(t.schema, i.name))) {
      return {note(fmt::format("index {} exists already: nothing to do", i.name))};
    }
    if (if_not_exists) notes.push_back("IF NOT EXISTS dropped: the index is new here");
    std::vector<std::string> keys;
    for (const auto& k : i.keys) {
      if (k.expr) {
        error(ctx, k.expr->span.valid() ? k.expr->span : ctx.statement_span,
              fmt::format("SQL Server has no expression indexes (index {})", i.name),
              "index a computed column instead, added with an execute statement");
        continue;
      }
      check_key_column(t, k.column, i.name, ctx);
      keys.push_back(quote(k.column) + (k.descending ? " DESC" : ""));
    }
    std::string sql = fmt::format("CREATE {}INDEX {} ON {} ({})", i.unique ? "UNIQUE " : "",
                                  quote(i.name), qualified(t.schema, t.name), join(keys, ", "));
    if (!i.include.empty()) sql += " INCLUDE (" + column_list(i.include) + ")";
    // A filtered index (learn.microsoft.com, "CREATE INDEX (Transact-SQL)",
    // WHERE <filter_predicate>): comparisons of a column with a constant,
    // IN, IS [NOT] NULL, joined by AND.
    if (i.where) {
      if (!filter_predicate(*i.where)) {
        error(ctx, i.where->span.valid() ? i.where->span : ctx.statement_span,
              fmt::format("SQL Server's filtered index {} takes only comparisons of a column "
                          "with a constant, IN and IS [NOT] NULL, joined by AND",
                          i.name),
              "simplify the `where`, or create the index with @only(...) in an execute");
      }
      sql += " WHERE " + predicate(*i.where, ctx);
    }
    std::vector<std::string> key_columns;
    for (const auto& k : i.keys) key_columns.push_back(k.column);
    if (auto n = one_null_note(t, key_columns, i.unique && !i.where)) notes.push_back(*n);
    Step s = step(sql + ";");
    s.comments = notes;
    return {s};
  }

  std::vector<Step> create_enum(const Enum& e, const RenderContext& ctx) const override {
    std::vector<std::string> values;
    for (const auto& v : e.values) {
      check_lines("the enum value", v, ctx.statement_span, ctx);
      values.push_back(literal(v));
    }
    return {note(fmt::format(
        "enum {}: SQL Server has no enum types; each column of it is NVARCHAR with a check "
        "IN ({})",
        qualified(e.schema, e.name), join(values, ", ")))};
  }

  std::vector<Step> comment_on_table(const Table& t, const std::optional<std::string>& c,
                                     const RenderContext& ctx) const override {
    const Table* old = ctx.before.find_table(t.key);
    bool had = old && old->comment && !old->comment->empty();
    return property(t, {}, c, had, ctx);
  }

  std::vector<Step> comment_on_column(const Table& t, std::string_view column,
                                      const std::optional<std::string>& c,
                                      const RenderContext& ctx) const override {
    const Column* old = ctx.before.find_column(t.key, column);
    bool had = old && old->comment && !old->comment->empty();
    return property(t, column, c, had, ctx);
  }

  std::vector<Step> add_constraint(const Table& t, const Constraint& c, bool not_valid,
                                   const RenderContext& ctx) const override {
    // A derived downgrade adds back a foreign key over rows written since:
    // WITH NOCHECK adds it without reading them, as NOT VALID does.
    bool unchecked =
        not_valid && ctx.derived_downgrade && c.kind == ast::ConstraintKind::ForeignKey;
    std::vector<Step> out = alter(t, std::string(unchecked   ? "WITH NOCHECK "
                                                 : not_valid ? "WITH CHECK "
                                                             : "") +
                                         "ADD " + constraint_definition(t, c, ctx));
    if (auto n = one_null_note(t, c.columns, c.kind == ast::ConstraintKind::Unique))
      out.back().comments.push_back(*n);
    if (unchecked) {
      out.back().comments.push_back(fmt::format(
          "WITH NOCHECK: the rows already in {} are not checked; once those that break it are "
          "fixed, run ALTER TABLE {} WITH CHECK CHECK CONSTRAINT {}",
          qualified(t.schema, t.name), qualified(t.schema, t.name), quote(c.name)));
    } else if (not_valid) {
      out.back().comments.push_back("NOT VALID dropped: SQL Server checks every row now");
    }
    return out;
  }

  // -------------------------------------------------------- statements

  std::vector<Step> render_node(const ast::DropTable& s, const RenderContext& ctx) const override {
    std::string key = s.name.key();
    std::vector<Step> out;
    // No CASCADE: drop what the model dropped with the table first.
    for (const auto& e : ctx.before.tables()) {
      const Table& other = *e.value;
      if (other.key == key) continue;
      const Table* now = ctx.after.find_table(other.key);
      for (const auto& c : other.constraints) {
        if (c.kind == ast::ConstraintKind::ForeignKey && !(now && now->find_constraint(c.name)))
          append(out, drop_constraint(other, c, ctx));
      }
    }
    append(out, dropped_views(ctx));
    // DROP TABLE IF EXISTS: SQL Server 2016 and later; before, OBJECT_ID.
    if (s.if_exists && !at_least("2016")) {
      out.push_back(step(fmt::format("IF OBJECT_ID({}, N'U') IS NOT NULL\nDROP TABLE {};",
                                     literal(qualified(s.name)), qualified(s.name))));
    } else {
      out.push_back(step(
          fmt::format("DROP TABLE {}{};", s.if_exists ? "IF EXISTS " : "", qualified(s.name))));
    }
    return out;
  }

  // learn.microsoft.com, "sp_rename (Transact-SQL)": the new name is one
  // part, not bracketed (brackets would become part of it).
  std::vector<Step> render_node(const ast::RenameTable& s,
                                const RenderContext& ctx) const override {
    const Table* old = ctx.before.find_table(s.name.key());
    const Table* now =
        ctx.after.find_table(qualify(s.name.schema ? s.name.schema->text : "", s.new_name.text));
    check_name(s.new_name.text, ctx);
    std::vector<Step> out{step(fmt::format("EXEC sp_rename {}, {};", literal(qualified(s.name)),
                                           literal(s.new_name.text)))};
    if (!old || !now) return out;
    for (const auto& c : now->columns) append(out, rename_derived(*old, c.name, *now, c.name, ctx));
    return out;
  }

  std::vector<Step> render_node(const ast::DropIndex& s, const RenderContext& ctx) const override {
    IndexRef ref = ctx.before.find_index(s.name.key());
    if (!ref) return {note(fmt::format("index {} does not exist: nothing to do", s.name.key()))};
    Step st = step(fmt::format("DROP INDEX {} ON {};", quote(ref.index->name),
                               qualified(ref.table->schema, ref.table->name)));
    if (s.concurrently) {
      st.comments.push_back("CONCURRENTLY dropped: SQL Server drops the index offline");
    }
    return {st};
  }

  std::vector<Step> render_node(const ast::RenameIndex& s,
                                const RenderContext& ctx) const override {
    std::string key = s.name.key();
    const NameOwner* owner = ctx.before.name_owner(key);
    const Table* t = owner ? ctx.before.find_table(owner->table) : nullptr;
    if (!t) return {};
    check_name(s.new_name.text, ctx);
    // A primary key or unique constraint is renamed with its index.
    return {step(fmt::format("EXEC sp_rename {}, {}, N'INDEX';",
                             literal(qualified(t->schema, t->name) + "." + quote(name_of(key))),
                             literal(s.new_name.text)))};
  }

  // The check of every column of the enum gets the new list; a longer value
  // widens the column (a longer NVARCHAR is allowed under its default and
  // indexes).
  std::vector<Step> render_node(const ast::AlterEnumAddValue& s,
                                const RenderContext& ctx) const override {
    check_lines("the enum value", s.value.value, s.value.span, ctx);
    std::vector<Step> out;
    for (const ColumnRef& ref : ctx.after.columns_using_enum(s.name.key())) {
      const Table& t = *ref.table;
      const Column& c = *ref.column;
      if (spelled(c.type) != nullptr) continue;
      append(out, alter(t, "DROP CONSTRAINT " + quote(ck_name(t, c.name))));
      RenderContext old_ctx{ctx.before, ctx.before,   ctx.file,           ctx.options,
                            ctx.sink,   ctx.revision, ctx.statement_span, ctx.derived_downgrade};
      if (enum_type(c.type, old_ctx) != enum_type(c.type, ctx))
        append(out, alter_column(t, c, ctx));
      append(out, add_type_check(t, c, ctx));
    }
    if (out.empty())
      out.push_back(note(fmt::format("no column uses enum {}: nothing to change", s.name.key())));
    return out;
  }

  std::vector<Step> render_node(const ast::DropEnum& s, const RenderContext&) const override {
    return {note(fmt::format("enum {} was a check on its columns: nothing to drop", s.name.key()))};
  }

  std::vector<Step> render_node(const ast::CreateSchema& s,
                                const RenderContext& ctx) const override {
    check_name(s.name.text, ctx);
    return Renderer::render_node(s, ctx);
  }

  std::vector<Step> render_node(const ast::Insert& s, const RenderContext& ctx) const override {
    std::vector<Step> out = Renderer::render_node(s, ctx);
    const Table* t = ctx.before.find_table(s.table.key());
    bool identity = false;
    for (const auto& c : s.columns) {
      const Column* col = t ? t->find_column(c.text) : nullptr;
      identity = identity || (col && col->identity);
    }
    if (identity && !out.empty()) {
      // An explicit value for an IDENTITY column needs IDENTITY_INSERT,
      // which one table of the session may have on at a time.
      std::string name = qualified(s.table);
      out.back().sql = "SET IDENTITY_INSERT " + name + " ON;\n" + out.back().sql +
                       "\nSET IDENTITY_INSERT " + name + " OFF;";
    }
    return out;
  }

  // No row constructors in IN: several key columns are ANDed equalities.
  std::vector<Step> render_node(const ast::DeleteRows& s, const RenderContext& ctx) const override {
    if (s.key_columns.size() <= 1) return Renderer::render_node(s, ctx);
    if (s.keys.empty()) return {};
    std::vector<std::string> rows;
    for (const auto& row : s.keys) {
      std::vector<std::string> terms;
      for (size_t i = 0; i < row.size() && i < s.key_columns.size(); ++i) {
        terms.push_back(quote(s.key_columns[i].text) + " = " +
                        (row[i] ? expr(*row[i], ctx) : std::string("NULL")));
      }
      rows.push_back("(" + join(terms, " AND ") + ")");
    }
    return {step(
        fmt::format("DELETE FROM {} WHERE\n    {};", qualified(s.table), join(rows, "\n    OR ")))};
  }

  // ------------------------------------------------------ alter actions

  std::vector<Step> render_action(const ast::AddColumn& a, const ActionContext& c) const override {
    const Column* col = c.after.find_column(a.column.name.text);
    if (!col) return {};
    // ADD without COLUMN in T-SQL.
    std::vector<Step> out = alter(c.after, "ADD " + column_sql(c.after, *col, c.ctx, true));
    for (const auto& k : c.after.constraints) {
      if (c.before.find_constraint(k.name)) continue;
      append(out, add_constraint(c.after, k, false, c.ctx));
    }
    if (col->comment && !col->comment->empty())
      append(out, property(c.after, col->name, col->comment, false, c.ctx));
    return out;
  }

  std::vector<Step> render_action(const ast::DropColumn& a, const ActionContext& c) const override {
    std::vector<Step> out;
    // SQL Server has no DROP COLUMN ... CASCADE and refuses to drop a column
    // that a key, index, check or default uses: drop what the model dropped
    // with the column first, other tables' foreign keys first.
    for (const auto& e : c.ctx.before.tables()) {
      const Table& other = *e.value;
      if (other.key == c.before.key) continue;
      const Table* now = c.ctx.after.find_table(other.key);
      for (const auto& k : other.constraints) {
        if (k.kind == ast::ConstraintKind::ForeignKey && now && !now->find_constraint(k.name))
          append(out, drop_constraint(other, k, c.ctx));
      }
    }
    append(out, dropped_views(c.ctx));
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& k : c.before.constraints) {
        bool fk = k.kind == ast::ConstraintKind::ForeignKey;
        if ((pass == 0) != fk || c.after.find_constraint(k.name)) continue;
        append(out, drop_constraint(c.before, k, c.ctx));
      }
    }
    for (const auto& i : c.before.indexes) {
      if (!c.after.find_index(i.name)) append(out, drop_index(c.before, i.name));
    }
    if (const Column* col = c.before.find_column(a.column.text)) {
      if (col->default_value) append(out, drop_default(c.before, col->name));
      if (has_type_check(*col)) append(out, drop_type_check(c.before, col->name));
    }
    append(out, alter(c.before, "DROP COLUMN " + quote(a.column.text)));
    return out;
  }

  std::vector<Step> render_action(const ast::RenameColumn& a,
                                  const ActionContext& c) const override {
    check_name(a.new_name.text, c.ctx);
    std::vector<Step> out{step(
        fmt::format("EXEC sp_rename {}, {}, N'COLUMN';",
                    literal(qualified(c.before.schema, c.before.name) + "." + quote(a.column.text)),
                    literal(a.new_name.text)))};
    append(out, rename_derived(c.before, a.column.text, c.after, a.new_name.text, c.ctx));
    return out;
  }

  std::vector<Step> render_action(const ast::AlterColumnType& a,
                                  const ActionContext& c) const override {
    const Column* old = c.before.find_column(a.column.text);
    const Column* col = c.after.find_column(a.column.text);
    if (!old || !col) return {};
    std::vector<std::string> notes;
    if (a.using_expr) {
      // SQL Server converts the values itself, as a cast would; any other
      // expression it cannot apply in the same statement.
      const ast::Expr& u = *a.using_expr;
      bool plain_cast = (u.kind == ast::ExprKind::Cast && u.args.size() == 1 && u.args[0] &&
                         u.args[0]->kind == ast::ExprKind::Column) ||
                        u.kind == ast::ExprKind::Column;
      if (!plain_cast) {
        error(c.ctx, u.span,
              fmt::format("SQL Server has no USING for a type change (column {})", col->name),
              "convert the values with an execute statement, then change the type");
      } else {
        notes.push_back("USING dropped: SQL Server converts the values itself");
      }
    }
    std::vector<Step> out;
    if (old->default_value) append(out, drop_default(c.before, old->name));
    if (has_type_check(*old)) append(out, drop_type_check(c.before, old->name));
    auto around = dependents(c, old->name, "change the type of");
    append(out, std::move(around.drops));
    std::vector<Step> change = alter_column(c.after, *col, c.ctx);
    change.back().comments = notes;
    append(out, std::move(change));
    append(out, std::move(around.creates));
    append(out, add_type_check(c.after, *col, c.ctx));
    if (col->default_value) append(out, add_default(c.after, *col, c.ctx));
    return out;
  }

  std::vector<Step> render_action(const ast::SetNotNull& a, const ActionContext& c) const override {
    return nullability(a.column.text, c);
  }
  std::vector<Step> render_action(const ast::DropNotNull& a,
                                  const ActionContext& c) const override {
    return nullability(a.column.text, c);
  }

  std::vector<Step> render_action(const ast::SetDefault& a, const ActionContext& c) const override {
    const Column* old = c.before.find_column(a.column.text);
    const Column* col = c.after.find_column(a.column.text);
    if (!col) return {};
    std::vector<Step> out;
    if (old && old->default_value) append(out, drop_default(c.before, old->name));
    if (col->default_value) append(out, add_default(c.after, *col, c.ctx));
    return out;
  }

  std::vector<Step> render_action(const ast::DropDefault& a,
                                  const ActionContext& c) const override {
    const Column* old = c.before.find_column(a.column.text);
    if (!old || !old->default_value) {
      return {note(fmt::format("column {} has no default: nothing to drop", a.column.text))};
    }
    return drop_default(c.before, old->name);
  }

  std::vector<Step> render_action(const ast::AddConstraintUsingIndex& a,
                                  const ActionContext& c) const override {
    const Constraint* made = c.after.find_constraint(a.name.text);
    if (!made) return {};
    // SQL Server cannot adopt an index: the constraint builds its own, and
    // the adopted index goes as the model says.
    std::vector<Step> out = alter(c.before, "ADD " + constraint_definition(c.after, *made, c.ctx));
    out.back().comments.push_back(
        fmt::format("USING INDEX: SQL Server cannot adopt index {}; the constraint builds its own",
                    a.index.text));
    if (c.before.find_index(a.index.text) && !c.after.find_index(a.index.text))
      append(out, drop_index(c.before, a.index.text));
    return out;
  }

  std::vector<Step> render_action(const ast::ValidateConstraint& a,
                                  const ActionContext&) const override {
    return {note(fmt::format("validate constraint {}: nothing to do, SQL Server added it checked",
                             a.name.text))};
  }

  std::vector<Step> render_action(const ast::DropConstraint& a,
                                  const ActionContext& c) const override {
    if (const Constraint* k = c.before.find_constraint(a.name.text))
      return drop_constraint(c.before, *k, c.ctx);
    return drop_constraint(c.before, constraint_name(c.before, a.name));
  }

  std::vector<Step> render_action(const ast::RenameConstraint& a,
                                  const ActionContext& c) const override {
    check_name(a.new_name.text, c.ctx);
    const Constraint* k = c.before.find_constraint(a.name.text);
    if (k != nullptr && named_by_server(*k)) {
      return {by_catalogue(
          c.before, *k,
          fmt::format("EXEC sp_rename @retort_object, {}, N'OBJECT';", literal(a.new_name.text)),
          c.ctx)};
    }
    return {rename_object(c.before.schema, constraint_name(c.before, a.name), a.new_name.text)};
  }

  // ------------------------------------------------------- bookkeeping

  std::vector<std::string> session_settings(const EmitSettings& emit) const override {
    // XACT_ABORT: a failing statement rolls the whole transaction back
    // instead of leaving it open. QUOTED_IDENTIFIER: sqlcmd connects with
    // it OFF (unless -I), and filtered indexes need it ON
    // (learn.microsoft.com, "SET QUOTED_IDENTIFIER (Transact-SQL)").
    std::vector<std::string> out{"SET XACT_ABORT ON;", "SET QUOTED_IDENTIFIER ON;"};
    if (emit.lock_timeout) {
      // Milliseconds (learn.microsoft.com, "SET LOCK_TIMEOUT (Transact-SQL)").
      if (auto ms = parse_duration_ms(*emit.lock_timeout))
        out.push_back(fmt::format("SET LOCK_TIMEOUT {};", *ms));
    }
    if (emit.statement_timeout) {
      out.push_back("-- " + comment_text(fmt::format(
                                "statement_timeout = {} is not set: SQL Server has no statement "
                                "timeout of its own (sqlcmd -t sets one per batch)",
                                *emit.statement_timeout)));
    }
    return out;
  }

  std::string begin_transaction() const override { return "BEGIN TRANSACTION;"; }
  std::string commit_transaction() const override { return "COMMIT;"; }

  std::string create_version_table(std::string_view table) const override {
    return fmt::format(
        "IF OBJECT_ID({}, N'U') IS NULL\nCREATE TABLE {} (\n    version_num VARCHAR(32) NOT "
        "NULL,\n    CONSTRAINT {} PRIMARY KEY (version_num)\n);",
        literal(quote(table)), quote(table), quote(std::string(table) + "_pkc"));
  }

  // THROW ends the batch and, with sqlcmd -b, the script; XACT_ABORT rolls
  // the transaction back (learn.microsoft.com, "THROW (Transact-SQL)": `%`
  // in the message must be doubled). The guard is the first statement of
  // its batch, so nothing before THROW needs a `;`.
  std::string guard(std::string_view table, const std::vector<std::string>& present,
                    const std::vector<std::string>& absent,
                    std::string_view message) const override {
    if (present.empty() && absent.empty()) return {};
    std::string text;
    for (char ch : message) {
      if (ch == '%') text += '%';
      text += ch;
    }
    return fmt::format("IF NOT (\n    {}\n)\n    THROW 50000, {}, 1;",
                       expected_state(table, present, absent), literal(comment_text(text)));
  }

 private:
  struct Around {
    std::vector<Step> drops;
    std::vector<Step> creates;
  };

  static std::string brackets(std::string_view name) {
    std::string out = "[";
    for (char c : name) {
      if (c == ']') out += ']';
      out += c;
    }
    out += ']';
    return out;
  }

  static std::string df_name(const Table& t, std::string_view column) {
    return "df_" + t.name + "_" + std::string(column);
  }
  static std::string ck_name(const Table& t, std::string_view column) {
    return "ck_" + t.name + "_" + std::string(column) + "_type";
  }

  // A step that is only a comment: what a statement became on SQL Server.
  static Step note(std::string text) { return step("-- " + comment_text(text)); }

  // `N'schema.t'` for OBJECT_ID and sp_rename: the parts as T-SQL names.
  std::string object_literal(const Table& t) const { return literal(qualified(t.schema, t.name)); }

  // sqlcmd reads a script line by line and does not track every quote the
  // server knows (go-sqlcmd: not [names]; a backslash before a quote): a
  // line of text that is GO or another sqlcmd command (:r, :setvar, !!,
  // EXIT, ...) could end the batch or run that command.
  static bool sqlcmd_command(std::string_view line) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return false;
    line.remove_prefix(start);
    if (line[0] == ':' || line.substr(0, 2) == "!!") return true;
    size_t end = std::min(line.find_first_of(" \t("), line.size());
    std::string word = lower_ascii(line.substr(0, end));
    std::string_view rest = line.substr(end);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    // The words act alone on their line: GO [count], EXIT [(query)].
    if (word == "go") return rest.find_first_not_of("0123456789 \t") == std::string_view::npos;
    if (word == "exit") return rest.empty() || rest[0] == '(';
    return (word == "quit" || word == "reset" || word == "ed") && rest.empty();
  }

  void check_lines(std::string_view what, std::string_view text, const SourceSpan& span,
                   const RenderContext& ctx) const {
    check_client_lines(what, text, span, ctx, sqlcmd_command, "sqlcmd",
                       "reword that line for SQL Server (sqlcmd runs GO, :commands, !!, EXIT, "
                       "QUIT, RESET and ED even inside a literal), or limit the statement with "
                       "@except(mssql)");
  }

  void check_name(std::string_view name, const RenderContext& ctx) const {
    check_lines("the name", name, ctx.statement_span, ctx);
    if (char_count(name) <= info().identifier_limit) return;
    error(ctx, ctx.statement_span,
          fmt::format("name {} is {} characters; SQL Server allows {}", name, char_count(name),
                      info().identifier_limit),
          "choose a shorter name (defaults are named df_{table}_{column}, type checks "
          "ck_{table}_{column}_type)");
  }

  std::string collation(const std::string& name, const RenderContext& ctx) const {
    bool plain = !name.empty();
    for (char ch : name) {
      plain = plain && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                        (ch >= '0' && ch <= '9') || ch == '_');
    }
    // Every SQL Server collation name has an underscore (Latin1_General_CI_AS,
    // SQL_Latin1_General_CP1_CI_AS); PostgreSQL's "C" is not one.
    plain = plain && name.find('_') != std::string::npos;
    if (!plain) {
      error(ctx, ctx.statement_span, fmt::format("{} is not a SQL Server collation name", name),
            "use a name such as Latin1_General_100_CI_AS_SC_UTF8");
    }
    return name;
  }

  static std::string ref_action(std::string_view on, ast::RefAction a) {
    switch (a) {
      case ast::RefAction::NoAction:
        return {};
      case ast::RefAction::Restrict:
        // SQL Server checks at once, which is what RESTRICT means; it has no
        // RESTRICT keyword.
        return {};
      case ast::RefAction::Cascade:
        return fmt::format(" ON {} CASCADE", on);
      case ast::RefAction::SetNull:
        return fmt::format(" ON {} SET NULL", on);
      case ast::RefAction::SetDefault:
        return fmt::format(" ON {} SET DEFAULT", on);
    }
    return {};
  }

  // A search condition: a bare BIT column (or a boolean literal) is
  // compared with 1, since T-SQL has no boolean values.
  std::string predicate(const ast::Expr& e, const RenderContext& ctx) const {
    using K = ast::ExprKind;
    if (e.kind == K::Column) return expr(e, ctx) + " = 1";
    if (e.kind == K::Boolean) return e.text == "true" ? "1 = 1" : "1 = 0";
    if (e.kind == K::Paren && !e.args.empty() && e.args[0])
      return "(" + predicate(*e.args[0], ctx) + ")";
    return expr(e, ctx);
  }

  std::string operand_predicate(const ast::ExprPtr& e, const RenderContext& ctx) const {
    if (!e) return "1 = 0";
    using K = ast::ExprKind;
    std::string text = predicate(*e, ctx);
    // AND binds tighter than OR; keep the written grouping by parenthesising
    // any nested AND/OR.
    if (e->kind == K::Binary && (e->op == "and" || e->op == "or")) return "(" + text + ")";
    return text;
  }

  std::string operand(const ast::ExprPtr& e, const RenderContext& ctx) const {
    if (!e) return "NULL";
    std::string text = expr(*e, ctx);
    using K = ast::ExprKind;
    if (e->kind == K::Binary || e->kind == K::Unary || e->kind == K::Between || e->kind == K::In ||
        e->kind == K::Like || e->kind == K::IsNull)
      return "(" + text + ")";
    return text;
  }

  // What a filtered index's WHERE takes.
  static bool filter_predicate(const ast::Expr& e) {
    using K = ast::ExprKind;
    auto simple = [](const ast::ExprPtr& x) {
      if (!x) return false;
      if (x->kind == K::Column || x->kind == K::String || x->kind == K::Number ||
          x->kind == K::Boolean || x->kind == K::Null)
        return true;
      return x->kind == K::Unary && x->op == "-" && !x->args.empty() && x->args[0] &&
             x->args[0]->kind == K::Number;
    };
    switch (e.kind) {
      case K::Paren:
        return !e.args.empty() && e.args[0] && filter_predicate(*e.args[0]);
      case K::Column:
        return true;  // `flag = 1`
      case K::IsNull:
        return !e.args.empty() && e.args[0] && e.args[0]->kind == K::Column;
      case K::In:
        if (e.negated || e.args.empty() || !e.args[0] || e.args[0]->kind != K::Column) return false;
        return std::all_of(e.args.begin() + 1, e.args.end(), simple);
      case K::Binary:
        if (e.op == "and")
          return e.args.size() == 2 && e.args[0] && e.args[1] && filter_predicate(*e.args[0]) &&
                 filter_predicate(*e.args[1]);
        if (e.op == "=" || e.op == "<>" || e.op == "!=" || e.op == "<" || e.op == "<=" ||
            e.op == ">" || e.op == ">=")
          return e.args.size() == 2 && simple(e.args[0]) && simple(e.args[1]);
        return false;
      default:
        return false;
    }
  }

  // `name TYPE [COLLATE x] NULL|NOT NULL [IDENTITY(1,1) | CONSTRAINT df_..
  // DEFAULT x [WITH VALUES]] [CONSTRAINT ck_.. CHECK (...)]`, in the order of
  // ALTER TABLE's column_definition (learn.microsoft.com, "ALTER TABLE
  // (Transact-SQL)"). `with_values`: ADD of a nullable column with a default
  // fills the rows already there with it (as PostgreSQL does) instead of NULL.
  std::string column_sql(const Table& t, const Column& c, const RenderContext& ctx,
                         bool with_values) const {
    check_name(c.name, ctx);
    std::string out = quote(c.name) + " " + column_type(c, ctx);
    if (c.collate) out += " COLLATE " + collation(*c.collate, ctx);
    bool in_pk = false;
    if (const Constraint* pk = t.primary_key()) in_pk = contains(pk->columns, c.name);
    // NULL is written too: ALTER COLUMN restates it, and a bare column's
    // nullability follows the session's ANSI_NULL_DFLT settings.
    bool not_null = !c.nullable || in_pk;
    out += not_null ? " NOT NULL" : " NULL";
    if (c.identity) out += " " + identity_clause();
    if (c.default_value) {
      check_name(df_name(t, c.name), ctx);
      out += " CONSTRAINT " + quote(df_name(t, c.name)) + " DEFAULT " + default_sql(c, ctx);
      if (with_values && !not_null) out += " WITH VALUES";
    }
    if (auto check = type_check(t, c, ctx)) out += " CONSTRAINT " + *check;
    return out;
  }

  // NVARCHAR(MAX), VARBINARY(MAX): no index key may hold one
  // (learn.microsoft.com, "CREATE INDEX (Transact-SQL)").
  void check_key_column(const Table& t, std::string_view column, std::string_view key,
                        const RenderContext& ctx) const {
    const Column* c = t.find_column(column);
    if (!c) return;
    std::string spelling = column_type(*c, ctx);
    if (spelling.find("(MAX)") == std::string::npos) return;
    error(ctx, ctx.statement_span,
          fmt::format("column {}.{} is {}: SQL Server cannot use it as a key column (in {})",
                      t.name, c->name, spelling, key),
          "use string(N) with N up to 4000 for a column that is a key or indexed, or move it "
          "to include (...)");
  }

  // SQL Server's unique keys count NULL as a value: a unique key over a
  // nullable column admits one row with NULL there, where PostgreSQL admits
  // any number. Said above the statement, so the reviewer sees it.
  std::optional<std::string> one_null_note(const Table& t, const std::vector<std::string>& columns,
                                           bool unique) const {
    if (!unique) return std::nullopt;
    std::vector<std::string> nullable;
    for (const auto& name : columns) {
      const Column* c = t.find_column(name);
      const Constraint* pk = t.primary_key();
      if (c && c->nullable && !(pk && contains(pk->columns, name))) nullable.push_back(name);
    }
    if (nullable.empty()) return std::nullopt;
    return fmt::format(
        "SQL Server admits one row only with NULL in {} under this unique key (PostgreSQL admits "
        "any number); a unique index with WHERE {} IS NOT NULL keeps PostgreSQL's rule",
        join(nullable, ", "), nullable.front());
  }

  // A DEFAULT value: the current time as the column keeps it.
  std::string default_sql(const Column& c, const RenderContext& ctx) const {
    const ast::Expr& d = *c.default_value;
    if (is_now(d)) {
      if (c.type.kind == ast::TypeKind::Timestamp) return "SYSUTCDATETIME()";
      if (c.type.kind == ast::TypeKind::Timestamptz) return "SYSDATETIMEOFFSET()";
    }
    return expr(d, ctx);
  }

  bool has_type_check(const Column& c) const {
    if (spelled(c.type) != nullptr) return false;
    return c.type.kind == ast::TypeKind::Json || c.type.kind == ast::TypeKind::Enum;
  }

  // `ck_... CHECK (...)`: the check that stands in for a json or enum type.
  std::optional<std::string> type_check(const Table& t, const Column& c,
                                        const RenderContext& ctx) const {
    if (!has_type_check(c)) return std::nullopt;
    std::string condition;
    if (c.type.kind == ast::TypeKind::Json) {
      if (!at_least("2016")) {
        error(ctx, ctx.statement_span,
              fmt::format("column {}.{} is json: SQL Server {} has no ISJSON (2016 has)", t.name,
                          c.name, target().version),
              "raise [dialect.mssql] version, or use text");
      }
      condition = "ISJSON(" + quote(c.name) + ") = 1";
    } else {
      const Enum* e = ctx.after.find_enum(c.type.enum_name->key());
      if (!e) e = ctx.before.find_enum(c.type.enum_name->key());
      if (!e) return std::nullopt;
      std::vector<std::string> lits;
      for (const auto& v : e->values) lits.push_back(literal(v));
      condition = quote(c.name) + " IN (" + join(lits, ", ") + ")";
    }
    check_name(ck_name(t, c.name), ctx);
    return fmt::format("{} CHECK ({})", quote(ck_name(t, c.name)), condition);
  }

  std::vector<Step> add_type_check(const Table& t, const Column& c,
                                   const RenderContext& ctx) const {
    auto check = type_check(t, c, ctx);
    if (!check) return {};
    return alter(t, "ADD CONSTRAINT " + *check);
  }
  std::vector<Step> drop_type_check(const Table& t, std::string_view column) const {
    return alter(t, "DROP CONSTRAINT " + quote(ck_name(t, column)));
  }

  // learn.microsoft.com, "ALTER TABLE (Transact-SQL)": ADD CONSTRAINT name
  // DEFAULT constant_expression FOR column.
  std::vector<Step> add_default(const Table& t, const Column& c, const RenderContext& ctx) const {
    check_name(df_name(t, c.name), ctx);
    return alter(t, fmt::format("ADD CONSTRAINT {} DEFAULT {} FOR {}", quote(df_name(t, c.name)),
                                default_sql(c, ctx), quote(c.name)));
  }
  std::vector<Step> drop_default(const Table& t, std::string_view column) const {
    return alter(t, "DROP CONSTRAINT " + quote(df_name(t, column)));
  }

  std::vector<Step> drop_constraint(const Table& t, const std::string& name) const {
    return alter(t, "DROP CONSTRAINT " + quote(name));
  }
  std::vector<Step> drop_constraint(const Table& t, const Constraint& k,
                                    const RenderContext& ctx) const {
    if (!named_by_server(k)) return drop_constraint(t, k.name_on(info().name));
    return {by_catalogue(t, k,
                         fmt::format("EXEC (N'ALTER TABLE {} DROP CONSTRAINT ' + "
                                     "QUOTENAME(@retort_name));",
                                     escape_in_literal(qualified(t.schema, t.name))),
                         ctx)};
  }

  // `text` as it may stand inside an N'...' literal.
  static std::string escape_in_literal(std::string_view text) {
    std::string out;
    for (char ch : text) {
      out += ch;
      if (ch == '\'') out += '\'';
    }
    return out;
  }

  // A batch that finds constraint `k` of `t` (named by SQL Server) in the
  // catalogue by kind and columns (a check: by the columns its definition
  // names) among the system-named ones, stops the script unless exactly one
  // matches, and then runs `then` with @retort_name (the name) and
  // @retort_object (N'schema.name' for sp_rename) set. STRING_AGG needs
  // SQL Server 2017.
  Step by_catalogue(const Table& t, const Constraint& k, std::string_view then,
                    const RenderContext& ctx) const {
    if (!at_least("2017")) {
      error(ctx, ctx.statement_span,
            fmt::format("{} {} of {} was named by SQL Server: SQL Server {} cannot find it by its "
                        "columns (STRING_AGG is new in 2017)",
                        ast::constraint_kind_name(k.kind), k.name, t.name, target().version),
            "look its name up by hand and drop it in an @only(mssql) execute");
    }
    std::string table = "OBJECT_ID(" + object_literal(t) + ")";
    std::vector<std::string> columns = k.columns;
    std::string from;
    std::string match;
    switch (k.kind) {
      case ast::ConstraintKind::PrimaryKey:
      case ast::ConstraintKind::Unique:
        from =
            fmt::format("sys.key_constraints k\n WHERE k.parent_object_id = {}\n   AND k.type = {}",
                        table, k.kind == ast::ConstraintKind::PrimaryKey ? "'PK'" : "'UQ'");
        match =
            "(SELECT STRING_AGG(c.name, N',') WITHIN GROUP (ORDER BY i.key_ordinal)\n"
            "          FROM sys.index_columns i JOIN sys.columns c\n"
            "            ON c.object_id = i.object_id AND c.column_id = i.column_id\n"
            "         WHERE i.object_id = k.parent_object_id AND i.index_id = k.unique_index_id)";
        break;
      case ast::ConstraintKind::ForeignKey:
        from = fmt::format("sys.foreign_keys k\n WHERE k.parent_object_id = {}", table);
        match =
            "(SELECT STRING_AGG(c.name, N',') WITHIN GROUP (ORDER BY f.constraint_column_id)\n"
            "          FROM sys.foreign_key_columns f JOIN sys.columns c\n"
            "            ON c.object_id = f.parent_object_id AND c.column_id = f.parent_column_id\n"
            "         WHERE f.constraint_object_id = k.object_id)";
        break;
      case ast::ConstraintKind::Check:
        from = fmt::format("sys.check_constraints k\n WHERE k.parent_object_id = {}", table);
        columns = k.check ? ast::expr_columns(*k.check) : std::vector<std::string>{};
        break;
    }
    std::string where = from + "\n   AND k.is_system_named = 1";
    if (k.kind == ast::ConstraintKind::Check) {
      // The catalogue keeps a check's text with its columns bracketed and
      // its constants as written: those tell two checks of a column apart.
      std::vector<std::string> words;
      for (const auto& c : columns) words.push_back("[" + c + "]");
      if (k.check) constants_of(*k.check, words);
      std::sort(words.begin(), words.end());
      words.erase(std::unique(words.begin(), words.end()), words.end());
      for (const auto& w : words) {
        where += "\n   AND CHARINDEX(" + literal(w) + ", k.definition) > 0";
      }
    } else {
      where += "\n   AND " + match + " = " + literal(join(columns, ","));
    }
    std::string message =
        fmt::format("retort: expected one {} of {} named by SQL Server on ({})",
                    ast::constraint_kind_name(k.kind), t.name, join(columns, ", "));
    // @retort_object: `schema.name` for sp_rename, only where `then` uses it.
    bool object = then.find("@retort_object") != std::string_view::npos;
    std::string sql = fmt::format(
        "DECLARE @retort_count INT, @retort_name SYSNAME{};\n"
        "SELECT @retort_count = COUNT(*), @retort_name = MAX(k.name)\n  FROM {};\n"
        "IF @retort_count <> 1\n    THROW 50000, {}, 1;\n{}{}",
        object ? ", @retort_object NVARCHAR(300)" : "", where, literal(message),
        object ? fmt::format("SET @retort_object = {} + QUOTENAME(@retort_name);\n",
                             literal(t.schema.empty() ? std::string() : brackets(t.schema) + "."))
               : std::string(),
        then);
    Step out = step(std::move(sql));
    out.comments.push_back(
        fmt::format("{} {} of {} was named by SQL Server: found in the catalogue by its columns",
                    ast::constraint_kind_name(k.kind), k.name, t.name));
    return out;
  }
  // The numbers and strings of a check, as SQL Server keeps them in its
  // definition (a string without its quotes: they may be doubled there).
  static void constants_of(const ast::Expr& e, std::vector<std::string>& out) {
    if (e.kind == ast::ExprKind::Number ||
        (e.kind == ast::ExprKind::String && e.text.find('\'') == std::string::npos)) {
      if (!e.text.empty()) out.push_back(e.text);
    }
    for (const auto& a : e.args) {
      if (a) constants_of(*a, out);
    }
  }
  std::vector<Step> drop_index(const Table& t, const std::string& name) const {
    return {step(fmt::format("DROP INDEX {} ON {};", quote(name), qualified(t.schema, t.name)))};
  }

  Step rename_object(const std::string& schema, const std::string& from,
                     const std::string& to) const {
    return step(fmt::format("EXEC sp_rename {}, {}, N'OBJECT';", literal(qualified(schema, from)),
                            literal(to)));
  }

  // sp_rename renames neither a column's default constraint nor its type
  // check: they are renamed after the table or column they are named for.
  std::vector<Step> rename_derived(const Table& old_table, std::string_view old_column,
                                   const Table& new_table, std::string_view new_column,
                                   const RenderContext& ctx) const {
    std::vector<Step> out;
    const Column* c = new_table.find_column(new_column);
    if (!c) return out;
    if (c->default_value) {
      check_name(df_name(new_table, new_column), ctx);
      Step s = rename_object(new_table.schema, df_name(old_table, old_column),
                             df_name(new_table, new_column));
      s.comments.push_back("sp_rename keeps the default's name: renamed to follow its column");
      out.push_back(std::move(s));
    }
    if (has_type_check(*c)) {
      check_name(ck_name(new_table, new_column), ctx);
      Step s = rename_object(new_table.schema, ck_name(old_table, old_column),
                             ck_name(new_table, new_column));
      s.comments.push_back("sp_rename keeps the type check's name: renamed to follow its column");
      out.push_back(std::move(s));
    }
    return out;
  }

  // ALTER TABLE t ALTER COLUMN c <type> NULL|NOT NULL, from the model.
  std::vector<Step> alter_column(const Table& t, const Column& c, const RenderContext& ctx) const {
    std::string sql = "ALTER COLUMN " + quote(c.name) + " " + column_type(c, ctx);
    if (c.collate) sql += " COLLATE " + collation(*c.collate, ctx);
    bool in_pk = false;
    if (const Constraint* pk = t.primary_key()) in_pk = contains(pk->columns, c.name);
    sql += !c.nullable || in_pk ? " NOT NULL" : " NULL";
    return alter(t, sql);
  }

  // The keys, checks and indexes of the table that use `column`, dropped
  // before an ALTER COLUMN and made again after it; error[dialect] for
  // what cannot be dropped (a primary key, a key another foreign key needs).
  Around dependents(const ActionContext& c, const std::string& column,
                    std::string_view what) const {
    Around out;
    std::vector<std::string> users = c.before.objects_using_column(column);
    for (const auto& name : users) {
      const Constraint* k = c.before.find_constraint(name);
      if (!k) continue;
      if (k->kind == ast::ConstraintKind::PrimaryKey) {
        error(c.ctx, c.ctx.statement_span,
              fmt::format("SQL Server cannot {} column {}.{}: it is in primary key {}", what,
                          c.before.name, column, k->name),
              "drop the primary key first and add it back after, in this revision");
        continue;
      }
      if (k->kind == ast::ConstraintKind::Unique) {
        for (const ConstraintRef& fk : c.ctx.before.foreign_keys_to(c.before.key)) {
          std::vector<std::string> a = fk.constraint->ref_columns, b = k->columns;
          std::sort(a.begin(), a.end());
          std::sort(b.begin(), b.end());
          if (a != b) continue;
          error(c.ctx, c.ctx.statement_span,
                fmt::format("SQL Server cannot {} column {}.{}: unique constraint {} is needed by "
                            "foreign key {} of table {}",
                            what, c.before.name, column, k->name, fk.constraint->name,
                            fk.table->name),
                "drop that foreign key first and add it back after, in this revision");
        }
      }
    }
    // Foreign keys first: they may lean on a unique key of this table.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& k : c.before.constraints) {
        if (!contains(users, k.name) || k.kind == ast::ConstraintKind::PrimaryKey) continue;
        if ((pass == 0) != (k.kind == ast::ConstraintKind::ForeignKey)) continue;
        append(out.drops, drop_constraint(c.before, k.name_on(info().name)));
      }
    }
    for (const auto& i : c.before.indexes) {
      if (contains(users, i.name)) append(out.drops, drop_index(c.before, i.name));
    }
    for (const auto& i : c.after.indexes) {
      if (contains(users, i.name))
        append(out.creates, create_index(c.after, i, false, false, c.ctx));
    }
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& k : c.after.constraints) {
        if (!contains(users, k.name) || k.kind == ast::ConstraintKind::PrimaryKey) continue;
        if ((pass == 1) != (k.kind == ast::ConstraintKind::ForeignKey)) continue;
        append(out.creates, add_constraint(c.after, k, !k.validated, c.ctx));
      }
    }
    return out;
  }

  // SET / DROP NOT NULL: ALTER COLUMN restating the type. The default stays
  // (the type does not change); what else uses the column is dropped and
  // made again.
  std::vector<Step> nullability(const std::string& column, const ActionContext& c) const {
    const Column* col = c.after.find_column(column);
    if (!col) return {};
    if (const Constraint* pk = c.after.primary_key(); pk && contains(pk->columns, column)) {
      return {note(
          fmt::format("column {} is in the primary key, always NOT NULL: nothing to do", column))};
    }
    std::vector<Step> out;
    bool checked = has_type_check(*col);
    if (checked) append(out, drop_type_check(c.before, column));
    auto around = dependents(c, column, "change the nullability of");
    append(out, std::move(around.drops));
    append(out, alter_column(c.after, *col, c.ctx));
    append(out, std::move(around.creates));
    if (checked) append(out, add_type_check(c.after, *col, c.ctx));
    return out;
  }

  // DROP VIEW for the views the model dropped with this statement.
  std::vector<Step> dropped_views(const RenderContext& ctx) const {
    std::vector<Step> out;
    for (const auto& e : ctx.before.views()) {
      if (!ctx.after.find_view(e.key)) append(out, drop_view(e.key, ctx));
    }
    return out;
  }

  // MS_Description, the property SQL Server's tools show as a description
  // (learn.microsoft.com, "sp_addextendedproperty (Transact-SQL)"). Level 0
  // is the schema; the default schema is the session's, SCHEMA_NAME().
  std::vector<Step> property(const Table& t, std::string_view column,
                             const std::optional<std::string>& comment, bool had,
                             const RenderContext& ctx) const {
    check_lines("the comment", comment.value_or(""), ctx.statement_span, ctx);
    bool has = comment && !comment->empty();
    if (!has && !had) return {};
    std::string proc = !has  ? "sp_dropextendedproperty"
                       : had ? "sp_updateextendedproperty"
                             : "sp_addextendedproperty";
    std::string schema = t.schema.empty() ? "@retort_schema" : literal(t.schema);
    std::string sql;
    if (t.schema.empty()) sql = "DECLARE @retort_schema sysname = SCHEMA_NAME();\n";
    sql += "EXEC " + proc + " @name = N'MS_Description'";
    if (has) sql += ", @value = " + literal(*comment);
    sql += ",\n    @level0type = N'SCHEMA', @level0name = " + schema +
           ",\n    @level1type = N'TABLE', @level1name = " + literal(t.name);
    if (!column.empty()) sql += ",\n    @level2type = N'COLUMN', @level2name = " + literal(column);
    return {step(sql + ";")};
  }
};

}  // namespace

std::unique_ptr<Renderer> make_mssql_renderer(Target target) {
  return std::make_unique<MssqlRenderer>(std::move(target));
}

}  // namespace retort::emit
