// Oracle: the shared renderer plus what differs (dialects.md). Unquoted
// names fold to upper case, so a plain lower-case name is written bare (it
// becomes NAME, which is what every other statement of the script names
// too) and anything else is quoted. DDL commits implicitly, so scripts run
// no transactions; DML does not, so each version-table change is followed
// by COMMIT. SQL*Plus ends a SQL statement at `;` and a PL/SQL block only at
// a `/` line: the guard, the version table's creation and the catalogue
// lookups are PL/SQL blocks ended by `/`, and nothing else gets one.
//
// Checked against the Oracle Database SQL Language Reference (19c unless
// said) and the SQL*Plus User's Guide; no Oracle server runs here, so the
// golden files under fixtures/ are the test.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <memory>
#include <optional>

#include "compiler/config.h"
#include "compiler/naming.h"
#include "compiler/text_util.h"
#include "emit/registry.h"
#include "emit/renderer.h"

namespace retort::emit {

namespace {

// The identifier limit is 128 bytes from 12.2 and 30 bytes before (SQL
// Language Reference, "Database Object Naming Rules"): one DialectInfo each.
constexpr DialectInfo kOracle{
    "oracle", "Oracle", 128, false, "sqlplus -L USER@DB @FILE", "WHENEVER SQLERROR EXIT FAILURE"};
constexpr DialectInfo kOracleBefore122{
    "oracle", "Oracle", 30, false, "sqlplus -L USER@DB @FILE", "WHENEVER SQLERROR EXIT FAILURE"};

// Oracle SQL reserved words (SQL Language Reference, appendix "Oracle SQL
// Reserved Words"; the words V$RESERVED_WORDS marks RESERVED = 'Y'), lower
// case, sorted for binary search. Quoting one that a release no longer
// reserves is harmless: every statement of the script quotes it alike.
constexpr std::string_view kReserved[] = {
    "access",
    "add",
    "all",
    "alter",
    "and",
    "any",
    "as",
    "asc",
    "audit",
    "between",
    "by",
    "char",
    "check",
    "cluster",
    "column",
    "column_value",
    "comment",
    "compress",
    "connect",
    "create",
    "current",
    "date",
    "decimal",
    "default",
    "delete",
    "desc",
    "distinct",
    "drop",
    "else",
    "exclusive",
    "exists",
    "file",
    "float",
    "for",
    "from",
    "grant",
    "group",
    "having",
    "identified",
    "immediate",
    "in",
    "increment",
    "index",
    "initial",
    "insert",
    "integer",
    "intersect",
    "into",
    "is",
    "level",
    "like",
    "lock",
    "long",
    "maxextents",
    "minus",
    "mlslabel",
    "mode",
    "modify",
    "nested_table_id",
    "noaudit",
    "nocompress",
    "not",
    "nowait",
    "null",
    "number",
    "of",
    "offline",
    "on",
    "online",
    "option",
    "or",
    "order",
    "pctfree",
    "prior",
    "privileges",
    "public",
    "raw",
    "rename",
    "resource",
    "revoke",
    "row",
    "rowid",
    "rownum",
    "rows",
    "select",
    "session",
    "set",
    "share",
    "size",
    "smallint",
    "start",
    "successful",
    "synonym",
    "sysdate",
    "table",
    "then",
    "to",
    "trigger",
    "uid",
    "union",
    "unique",
    "update",
    "user",
    "validate",
    "values",
    "varchar",
    "varchar2",
    "view",
    "whenever",
    "where",
    "with",
};
constexpr WordList kReservedList{kReserved};

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool is_empty_string(const ast::ExprPtr& e) {
  return e && e->kind == ast::ExprKind::String && e->text.empty();
}

// The first word of a body, upper case, after white space and comments.
std::vector<std::string> leading_words(std::string_view body, size_t count) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < body.size() && words.size() < count) {
    char c = body[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (body.substr(i, 2) == "--") {
      size_t nl = body.find('\n', i);
      i = nl == std::string_view::npos ? body.size() : nl + 1;
    } else if (body.substr(i, 2) == "/*") {
      size_t end = body.find("*/", i + 2);
      i = end == std::string_view::npos ? body.size() : end + 2;
    } else {
      size_t b = i;
      while (i < body.size() &&
             (std::isalnum(static_cast<unsigned char>(body[i])) || body[i] == '_'))
        ++i;
      if (i == b) break;
      words.push_back(upper_ascii(body.substr(b, i - b)));
    }
  }
  return words;
}

// True when SQL*Plus reads `body` as a PL/SQL block, which only a `/` line
// ends: an anonymous block, or CREATE of a stored PL/SQL unit.
bool is_plsql(std::string_view body) {
  auto w = leading_words(body, 5);
  if (w.empty()) return false;
  if (w[0] == "BEGIN" || w[0] == "DECLARE") return true;
  if (w[0] != "CREATE") return false;
  size_t i = 1;
  if (i + 1 < w.size() && w[i] == "OR" && w[i + 1] == "REPLACE") i += 2;
  if (i < w.size() && (w[i] == "EDITIONABLE" || w[i] == "NONEDITIONABLE")) ++i;
  if (i >= w.size()) return false;
  return w[i] == "PROCEDURE" || w[i] == "FUNCTION" || w[i] == "PACKAGE" || w[i] == "TRIGGER" ||
         w[i] == "TYPE" || w[i] == "LIBRARY";
}

bool is_lob(std::string_view type) {
  return type == "CLOB" || type == "BLOB" || type == "NCLOB" || type == "JSON";
}

// `VARCHAR2(10 CHAR)` -> `VARCHAR2`: the type family, for a type change.
std::string_view family(std::string_view type) {
  return type.substr(0, type.find('('));
}

class OracleRenderer final : public Renderer {
 public:
  // `info` is chosen by the factory from the version (the limit differs).
  OracleRenderer(const DialectInfo& info, Target target) : Renderer(info, std::move(target)) {}

  using Renderer::render_node;

  // ------------------------------------------------------------ text

  bool is_reserved(std::string_view word) const override { return kReservedList.contains(word); }

  // A nonquoted identifier must begin with a letter (SQL Language Reference,
  // "Database Object Naming Rules"), so `_x` is quoted too.
  bool needs_quotes(std::string_view name) const override {
    if (name.empty() || !(name[0] >= 'a' && name[0] <= 'z')) return true;
    return Renderer::needs_quotes(name);
  }

  // ------------------------------------------------------ types, exprs

  const TypeNames& type_names() const override {
    static constexpr TypeNames kTypes{
        "NUMBER(1)",    "NUMBER(5)",     "NUMBER(10)", "NUMBER(19)", "NUMBER",
        "BINARY_FLOAT", "BINARY_DOUBLE", "VARCHAR2",   "CHAR",       "CLOB",
        "BLOB",         "DATE",          "TIME",       "TIMESTAMP",  "TIMESTAMP WITH TIME ZONE",
        "RAW(16)",      "CLOB",          "oracle"};
    return kTypes;
  }

  std::string type(const ast::Type& t, const RenderContext& ctx) const override {
    if (const std::string* s = spelled(t)) return *s;
    using K = ast::TypeKind;
    switch (t.kind) {
      case K::Boolean:
        return at_least("23") ? "BOOLEAN" : "NUMBER(1)";
      case K::Decimal:
        if (t.precision && *t.precision > 38) {
          error(ctx, t.span,
                fmt::format("decimal({}): Oracle's NUMBER holds at most 38 digits", *t.precision),
                "use a precision of 38 or less");
        }
        return Renderer::type(t, ctx);
      case K::String: {
        // VARCHAR2 holds 4000 bytes unless MAX_STRING_SIZE = EXTENDED.
        int n = t.length.value_or(4000);
        if (n > 4000) {
          error(ctx, t.span, fmt::format("string({}): Oracle's VARCHAR2 holds at most 4000", n),
                "use text (CLOB) for longer values");
        }
        return fmt::format("VARCHAR2({} CHAR)", n);
      }
      case K::Char: {
        int n = t.length.value_or(1);
        if (n > 2000) {
          error(ctx, t.span, fmt::format("char({}): Oracle's CHAR holds at most 2000", n),
                "use string(N) or text");
        }
        return fmt::format("CHAR({} CHAR)", n);
      }
      case K::Time:
        error(ctx, t.span, "Oracle has no time-of-day type",
              "use timestamp, or string(8) holding 'HH:MM:SS', or native(oracle: 'INTERVAL DAY "
              "TO SECOND')");
        return "TIMESTAMP";
      case K::Json:
        // The JSON type is new in 21c; before it, JSON lives in a CLOB with
        // an IS JSON check (ck_{table}_{column}_type).
        return at_least("21") ? "JSON" : "CLOB";
      default:
        return Renderer::type(t, ctx);
    }
  }

  // An enum is a VARCHAR2 as wide as its longest value, with the values in
  // ck_{table}_{column}_type.
  std::string enum_type(const ast::Type& t, const RenderContext& ctx) const override {
    const Enum* e = find_enum(t.enum_name->key(), ctx);
    return fmt::format("VARCHAR2({} CHAR)", e ? enum_width(*e) : 1);
  }

  std::string expr(const ast::Expr& e, const RenderContext& ctx) const override {
    if (e.kind == ast::ExprKind::String) check_lines("the string", e.text, e.span, ctx);
    // BOOLEAN is SQL only from 23; before, booleans are NUMBER(1) 1 and 0.
    if (e.kind == ast::ExprKind::Boolean && !at_least("23")) return e.text == "true" ? "1" : "0";
    return Renderer::expr(e, ctx);
  }

  std::string call(const ast::Expr& e, const RenderContext& ctx) const override {
    if (e.text == "now" && e.args.empty()) return "CURRENT_TIMESTAMP";
    // SYS_GUID() returns RAW(16), the uuid type here.
    if (e.text == "gen_uuid" && e.args.empty()) return "SYS_GUID()";
    return Renderer::call(e, ctx);
  }

  // SQL Language Reference, CREATE TABLE, column_definition: the type, the
  // identity clause or DEFAULT, then inline constraints (NOT NULL, CHECK).
  std::string column_definition(const Table& t, const Column& c,
                                const RenderContext& ctx) const override {
    std::string out = quote(c.name) + " " + column_type(c, ctx);
    if (c.collate) {
      error(ctx, ctx.statement_span,
            fmt::format("column {}.{}: collation {} is not portable to Oracle", t.name, c.name,
                        *c.collate),
            "drop `collate` for Oracle (a column collation there needs MAX_STRING_SIZE = "
            "EXTENDED), or limit the statement with @only(...)");
    }
    if (c.identity) {
      if (!at_least("12.1")) {
        error(ctx, ctx.statement_span,
              fmt::format("identity column {}.{}: Oracle {} has no identity columns (12.1 has)",
                          t.name, c.name, target().version),
              "raise [dialect.oracle] version");
      }
      out += " " + identity_clause();
    }
    if (c.default_value) {
      check_empty_string(t, c, c.default_value, ctx);
      out += " DEFAULT " + expr(*c.default_value, ctx);
    }
    if (!c.nullable || in_primary_key(t, c)) out += " NOT NULL";
    if (auto check = type_check(t, c, ctx))
      out += fmt::format(" CONSTRAINT {} CHECK ({})", quote(type_check_name(t, c)), *check);
    return out;
  }

  std::string constraint_definition(const Table& t, const Constraint& c,
                                    const RenderContext& ctx) const override {
    // An unnamed constraint of an Alembic script: Oracle names it SYS_C...,
    // as it did for Alembic; drops find it in the catalogue.
    std::string out = named_by_server(c) ? std::string() : "CONSTRAINT " + quote(sql_name(c)) + " ";
    switch (c.kind) {
      case ast::ConstraintKind::PrimaryKey:
        return out + "PRIMARY KEY (" + column_list(c.columns) + ")";
      case ast::ConstraintKind::Unique:
        return out + "UNIQUE (" + column_list(c.columns) + ")";
      case ast::ConstraintKind::Check:
        return out + "CHECK (" +
               (c.check ? expr(*as_condition(c.check, t), ctx) : std::string("1 = 1")) + ")";
      case ast::ConstraintKind::ForeignKey:
        break;
    }
    // REFERENCES: ON DELETE CASCADE | SET NULL only, and no ON UPDATE
    // (SQL Language Reference, "references_clause"). Leaving the action out
    // is NO ACTION, which also stands for RESTRICT: the parent row cannot go.
    out += "FOREIGN KEY (" + column_list(c.columns) + ") REFERENCES " + qualified_key(c.ref_table) +
           " (" + column_list(c.ref_columns) + ")";
    if (c.on_delete == ast::RefAction::Cascade) out += " ON DELETE CASCADE";
    if (c.on_delete == ast::RefAction::SetNull) out += " ON DELETE SET NULL";
    if (c.on_delete == ast::RefAction::SetDefault) {
      error(ctx, ctx.statement_span,
            fmt::format("foreign key {} of table {}: Oracle has no ON DELETE SET DEFAULT",
                        sql_name(c), t.name),
            "use set null, cascade, restrict or no action");
    }
    if (c.on_update == ast::RefAction::Cascade || c.on_update == ast::RefAction::SetNull ||
        c.on_update == ast::RefAction::SetDefault) {
      error(ctx, ctx.statement_span,
            fmt::format("foreign key {} of table {}: Oracle has no ON UPDATE {}", sql_name(c),
                        t.name, upper_ascii(ast::ref_action_name(c.on_update))),
            "drop `on update` (Oracle refuses to change a referenced key while rows use it), or "
            "write a trigger in an execute");
    }
    return out;
  }

  bool action_needs_views_rebuilt(const ast::AlterAction&) const override {
    // A view over a changed column turns INVALID and is recompiled when next
    // used; one the model dropped with a column is dropped explicitly.
    return false;
  }

  // ----------------------------------------------------- model objects

  std::vector<Step> create_table(const Table& t, bool if_not_exists, const std::vector<bool>* keep,
                                 const RenderContext& ctx) const override {
    std::vector<std::string> notes;
    if (if_not_exists && !at_least("23")) {
      // IF NOT EXISTS is new in 23; the model says whether the table exists.
      if (ctx.before.find_table(t.key))
        return {note(fmt::format("table {} exists already: nothing to do", t.name))};
      notes.push_back(
          fmt::format("IF NOT EXISTS dropped: Oracle {} has none, and the table is new "
                      "here",
                      target().version));
      if_not_exists = false;
    }
    check_name(t.name, ctx);
    for (const auto& c : t.columns) check_name(c.name, ctx);
    for (size_t i = 0; i < t.constraints.size(); ++i) {
      if (keep && !(*keep)[i]) continue;
      if (!named_by_server(t.constraints[i])) check_name(sql_name(t.constraints[i]), ctx);
    }
    std::vector<Step> out = Renderer::create_table(t, if_not_exists, keep, ctx);
    if (!out.empty()) out.front().comments = notes;
    return out;
  }

  std::vector<Step> create_index(const Table& t, const Index& i, bool concurrently,
                                 bool if_not_exists, const RenderContext& ctx) const override {
    check_name(i.name, ctx);
    std::vector<std::string> notes;
    if (concurrently) {
      notes.push_back(
          "CONCURRENTLY dropped: Oracle's ONLINE index build is an Enterprise Edition feature; "
          "this build blocks writes to the table while it runs");
    }
    if (i.where) {
      error(ctx, i.where->span,
            fmt::format("Oracle has no partial indexes (index {} has `where`)", i.name),
            "drop the `where`, or index a CASE expression in an @only(oracle) execute");
    }
    if (i.method && upper_ascii(*i.method) != "BTREE") {
      error(ctx, ctx.statement_span,
            fmt::format("Oracle has no index method {} (index {})", *i.method, i.name),
            "drop `using`: Oracle indexes are B-trees unless built as BITMAP in an execute");
    }
    if (!i.include.empty()) {
      notes.push_back(fmt::format("INCLUDE ({}) dropped: Oracle has no included columns",
                                  column_list(i.include)));
    }
    std::string prefix = i.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
    if (if_not_exists) {
      if (at_least("23")) {
        prefix += "IF NOT EXISTS ";
      } else if (ctx.before.find_index(qualify(t.schema, i.name))) {
        return {note(fmt::format("index {} exists already: nothing to do", i.name))};
      } else {
        notes.push_back(
            fmt::format("IF NOT EXISTS dropped: Oracle {} has none, and the index is "
                        "new here",
                        target().version));
      }
    }
    // A function-based index takes the expression itself as a key.
    std::vector<std::string> keys;
    for (const auto& k : i.keys) {
      std::string key = k.expr ? expr(*k.expr, ctx) : quote(k.column);
      if (k.descending) key += " DESC";
      keys.push_back(std::move(key));
    }
    Step s = step(fmt::format("{}{} ON {} ({});", prefix, qualified(t.schema, i.name),
                              qualified(t.schema, t.name), join(keys, ", ")));
    s.comments = notes;
    return {s};
  }

  std::vector<Step> create_enum(const Enum& e, const RenderContext& ctx) const override {
    std::vector<std::string> values;
    for (const auto& v : e.values) {
      check_lines("the enum value", v, ctx.statement_span, ctx);
      values.push_back(literal(v));
    }
    return {
        note(fmt::format("enum {} ({}): Oracle has no enum types; its columns are VARCHAR2 "
                         "with a CHECK of the values",
                         qualified(e.schema, e.name), join(values, ", ")))};
  }

  std::vector<Step> create_view(const View& v, const SourceSpan& span,
                                const RenderContext& ctx) const override {
    check_name(v.name, ctx);
    return Renderer::create_view(v, span, ctx);
  }

  // COMMENT ON ... IS '' drops a comment (SQL Language Reference, COMMENT).
  std::vector<Step> comment_on_table(const Table& t, const std::optional<std::string>& c,
                                     const RenderContext& ctx) const override {
    check_lines("the comment", c.value_or(""), ctx.statement_span, ctx);
    return {step(fmt::format("COMMENT ON TABLE {} IS {};", qualified(t.schema, t.name),
                             literal(c.value_or(""))))};
  }

  std::vector<Step> comment_on_column(const Table& t, std::string_view column,
                                      const std::optional<std::string>& c,
                                      const RenderContext& ctx) const override {
    check_lines("the comment", c.value_or(""), ctx.statement_span, ctx);
    return {step(fmt::format("COMMENT ON COLUMN {}.{} IS {};", qualified(t.schema, t.name),
                             quote(column), literal(c.value_or(""))))};
  }

  // `not valid` is ENABLE NOVALIDATE, Oracle's own form of it (existing
  // rows unchecked, new ones checked); a unique or primary key is always
  // added validated (NOVALIDATE needs a non-unique index there).
  std::vector<Step> add_constraint(const Table& t, const Constraint& c, bool not_valid,
                                   const RenderContext& ctx) const override {
    if (!named_by_server(c)) check_name(sql_name(c), ctx);
    bool novalidate = not_valid && (c.kind == ast::ConstraintKind::Check ||
                                    c.kind == ast::ConstraintKind::ForeignKey);
    std::vector<Step> out = alter(
        t, "ADD " + constraint_definition(t, c, ctx) + (novalidate ? " ENABLE NOVALIDATE" : ""));
    if (not_valid && !novalidate) {
      out.back().comments.push_back(
          "NOT VALID dropped: Oracle checks every row of a new unique or primary key");
    } else if (novalidate && ctx.derived_downgrade) {
      out.back().comments.push_back(fmt::format(
          "ENABLE NOVALIDATE: the rows already in {} are not checked; once those that break it "
          "are fixed, run ALTER TABLE {} MODIFY CONSTRAINT {} ENABLE VALIDATE",
          qualified(t.schema, t.name), qualified(t.schema, t.name), quote(sql_name(c))));
    }
    return out;
  }

  // -------------------------------------------------------- statements

  std::vector<Step> render_node(const ast::DropTable& s, const RenderContext& ctx) const override {
    const Table* gone = ctx.before.find_table(s.name.key());
    if (!gone) return {note(fmt::format("table {} does not exist: nothing to do", s.name.key()))};
    std::vector<Step> out = dropped_views(ctx);
    // CASCADE CONSTRAINTS drops the other tables' foreign keys to it, as the
    // model did (the views were dropped above: Oracle would only invalidate them).
    bool others = false;
    for (const auto& fk : ctx.before.foreign_keys_to(gone->key))
      others = others || fk.table->key != gone->key;
    out.push_back(step(fmt::format("DROP TABLE {}{};", qualified(s.name),
                                   s.cascade || others ? " CASCADE CONSTRAINTS" : "")));
    return out;
  }

  std::vector<Step> render_node(const ast::RenameTable& s,
                                const RenderContext& ctx) const override {
    check_name(s.new_name.text, ctx);
    // The new name takes no schema (ALTER TABLE ... RENAME TO new_table_name).
    std::vector<Step> out{step(
        fmt::format("ALTER TABLE {} RENAME TO {};", qualified(s.name), quote(s.new_name.text)))};
    const Table* before = ctx.before.find_table(s.name.key());
    std::string schema = s.name.schema ? s.name.schema->text : std::string();
    const Table* after = ctx.after.find_table(qualify(schema, s.new_name.text));
    if (before && after) append(out, rename_type_checks(*before, *after, ctx));
    return out;
  }

  std::vector<Step> render_node(const ast::DropIndex& s, const RenderContext& ctx) const override {
    IndexRef ref = ctx.before.find_index(s.name.key());
    if (!ref) return {note(fmt::format("index {} does not exist: nothing to do", s.name.key()))};
    Step st = step(fmt::format("DROP INDEX {};", qualified(s.name)));
    if (s.concurrently) {
      st.comments.push_back(
          "CONCURRENTLY dropped: Oracle's DROP INDEX ONLINE is an Enterprise Edition feature");
    }
    return {st};
  }

  std::vector<Step> render_node(const ast::RenameIndex& s,
                                const RenderContext& ctx) const override {
    check_name(s.new_name.text, ctx);
    const NameOwner* owner = ctx.before.name_owner(s.name.key());
    std::vector<Step> out;
    if (owner && !owner->is_index) {
      // A primary key or unique constraint, whose index Oracle made under
      // the constraint's name: both are renamed.
      const Table* t = ctx.before.find_table(owner->table);
      if (t) {
        append(out, alter(*t, "RENAME CONSTRAINT " + quote(s.name.name.text) + " TO " +
                                  quote(s.new_name.text)));
      }
    }
    out.push_back(step(
        fmt::format("ALTER INDEX {} RENAME TO {};", qualified(s.name), quote(s.new_name.text))));
    return out;
  }

  // The values live in each column's type check: it is dropped and added
  // again with the new list, after widening the column when the new value
  // is the longest (Oracle cannot alter a check in place).
  std::vector<Step> render_node(const ast::AlterEnumAddValue& s,
                                const RenderContext& ctx) const override {
    check_lines("the enum value", s.value.value, s.value.span, ctx);
    std::vector<Step> out;
    const Enum* old_enum = ctx.before.find_enum(s.name.key());
    const Enum* new_enum = ctx.after.find_enum(s.name.key());
    if (!new_enum) return {};
    for (const ColumnRef& ref : ctx.after.columns_using_enum(s.name.key())) {
      const Table& t = *ref.table;
      const Column& c = *ref.column;
      if (spelled(c.type)) continue;
      std::string name = quote(type_check_name(t, c));
      append(out, alter(t, "DROP CONSTRAINT " + name));
      if (!old_enum || enum_width(*new_enum) > enum_width(*old_enum)) {
        append(out, alter(t, fmt::format("MODIFY ({} {})", quote(c.name), enum_type(c.type, ctx))));
      }
      append(out, alter(t, fmt::format("ADD CONSTRAINT {} CHECK ({})", name,
                                       type_check(t, c, ctx).value_or("1 = 1"))));
      out[out.size() - 1].comments.push_back(
          fmt::format("enum {} gains {}: the check of {}.{} is replaced", qualified(s.name),
                      literal(s.value.value), t.name, c.name));
    }
    if (out.empty()) {
      out.push_back(note(fmt::format("enum {} gains {}: no column uses it yet", qualified(s.name),
                                     literal(s.value.value))));
    }
    return out;
  }

  std::vector<Step> render_node(const ast::DropEnum& s, const RenderContext&) const override {
    return {note(fmt::format("drop enum {}: Oracle has no enum types", qualified(s.name)))};
  }

  std::vector<Step> render_node(const ast::CreateSchema& s,
                                const RenderContext& ctx) const override {
    error(ctx, ctx.statement_span,
          fmt::format("Oracle has no CREATE SCHEMA of its own: schema {} is a user", s.name.text),
          "create the user (CREATE USER, with its grants) outside the migrations, and limit "
          "this statement with @except(oracle)");
    return {};
  }

  std::vector<Step> render_node(const ast::DropSchema& s, const RenderContext& ctx) const override {
    error(ctx, ctx.statement_span,
          fmt::format("Oracle has no DROP SCHEMA: schema {} is a user", s.name.text),
          "drop the user outside the migrations, and limit this statement with @except(oracle)");
    return {};
  }

  // One INSERT per row: a VALUES list of several rows is new in 23.
  std::vector<Step> render_node(const ast::Insert& s, const RenderContext& ctx) const override {
    const Table* t = ctx.after.find_table(s.table.key());
    std::vector<std::string> columns;
    for (const auto& c : s.columns) columns.push_back(quote(c.text));
    std::vector<std::string> statements;
    for (const auto& row : s.rows) {
      std::vector<std::string> values;
      for (size_t i = 0; i < row.size(); ++i) {
        const Column* c = t && i < s.columns.size() ? t->find_column(s.columns[i].text) : nullptr;
        if (c) check_empty_string(*t, *c, row[i], ctx);
        values.push_back(row[i] ? expr(*row[i], ctx) : "NULL");
      }
      statements.push_back(fmt::format("INSERT INTO {} ({}) VALUES ({});", qualified(s.table),
                                       join(columns, ", "), join(values, ", ")));
    }
    if (statements.empty()) return {};
    return {step(join(statements, "\n"))};
  }

  // A body is passed as written. A PL/SQL block keeps its final `END;` and
  // gets the `/` line that makes SQL*Plus run it; SQL gets its `;`.
  std::vector<Step> render_node(const ast::Execute& s, const RenderContext& ctx) const override {
    const std::string* body = s.body.for_dialect(info().name);
    if (!body || !is_plsql(*body)) return Renderer::render_node(s, ctx);
    std::string text = *body;
    size_t b = text.find_first_not_of(" \t\r\n");
    size_t e = text.find_last_not_of(" \t\r\n");
    text = text.substr(b, e - b + 1);
    if (text.back() != ';') text += ";";
    return {step(text + "\n/")};
  }

  // ------------------------------------------------------ alter actions

  std::vector<Step> render_action(const ast::AddColumn& a, const ActionContext& c) const override {
    const Column* col = c.after.find_column(a.column.name.text);
    if (!col) return {};
    check_name(col->name, c.ctx);
    std::vector<Step> out = alter(c.after, "ADD (" + column_definition(c.after, *col, c.ctx) + ")");
    for (const auto& k : c.after.constraints) {
      if (c.before.find_constraint(k.name)) continue;
      append(out, add_constraint(c.after, k, false, c.ctx));
    }
    if (col->comment) append(out, comment_on_column(c.after, col->name, col->comment, c.ctx));
    return out;
  }

  std::vector<Step> render_action(const ast::DropColumn& a, const ActionContext& c) const override {
    std::vector<Step> out = dropped_views(c.ctx);
    // CASCADE CONSTRAINTS drops the foreign keys that reference the column
    // and the multi-column constraints over it, which Oracle otherwise
    // refuses to leave behind (ORA-12991, ORA-12992).
    bool cascade = a.cascade || lost_constraints(c.ctx);
    append(out, alter(c.before, "DROP COLUMN " + quote(a.column.text) +
                                    (cascade ? " CASCADE CONSTRAINTS" : "")));
    return out;
  }

  std::vector<Step> render_action(const ast::RenameColumn& a,
                                  const ActionContext& c) const override {
    check_name(a.new_name.text, c.ctx);
    std::vector<Step> out = Renderer::render_action(a, c);
    append(out, rename_type_checks(c.before, c.after, c.ctx));
    return out;
  }

  // MODIFY (c <type>); the type check goes first when it changes and comes
  // back after. A LOB cannot be MODIFYed to or from another type (ORA-22858).
  std::vector<Step> render_action(const ast::AlterColumnType& a,
                                  const ActionContext& c) const override {
    const Column* old_col = c.before.find_column(a.column.text);
    const Column* col = c.after.find_column(a.column.text);
    if (!old_col || !col) return {};
    std::string old_type = column_type(*old_col, c.ctx);
    std::string new_type = column_type(*col, c.ctx);
    if (is_lob(old_type) != is_lob(new_type) ||
        (is_lob(old_type) && family(old_type) != family(new_type))) {
      error(c.ctx, a.span,
            fmt::format("column {}.{}: Oracle cannot change {} to {} in place", c.after.name,
                        col->name, old_type, new_type),
            "add a new column, copy the values with an execute (UPDATE), drop the old column and "
            "rename the new one");
      return {};
    }
    auto old_check = type_check(c.before, *old_col, c.ctx);
    auto new_check = type_check(c.after, *col, c.ctx);
    std::string check_name = quote(type_check_name(c.after, *col));
    std::vector<Step> out;
    if (old_check && old_check != new_check)
      append(out, alter(c.before, "DROP CONSTRAINT " + check_name));
    if (old_type != new_type) {
      append(out, alter(c.after, fmt::format("MODIFY ({} {})", quote(col->name), new_type)));
      if (family(old_type) != family(new_type)) {
        bool text = (family(old_type) == "CHAR" || family(old_type) == "VARCHAR2") &&
                    (family(new_type) == "CHAR" || family(new_type) == "VARCHAR2");
        out.back().comments.push_back(fmt::format(
            "Oracle changes {} to {} only while the column holds no values{} (ALTER TABLE, "
            "modify_col_properties)",
            family(old_type), family(new_type), text ? " or keeps its size" : " (ORA-01439)"));
      }
    }
    if (a.using_expr) {
      const ast::Expr& u = *a.using_expr;
      bool plain_cast = (u.kind == ast::ExprKind::Cast && u.args.size() == 1 && u.args[0] &&
                         u.args[0]->kind == ast::ExprKind::Column) ||
                        u.kind == ast::ExprKind::Column;
      if (!plain_cast) {
        error(c.ctx, u.span,
              fmt::format("Oracle has no USING for a type change (column {})", col->name),
              "convert the values with an execute statement, then change the type");
      } else if (!out.empty()) {
        out.back().comments.push_back("USING dropped: Oracle converts the values itself");
      }
    }
    if (new_check && old_check != new_check) {
      append(out,
             alter(c.after, fmt::format("ADD CONSTRAINT {} CHECK ({})", check_name, *new_check)));
    }
    // Empty when only another dialect's spelling changed: nothing to do here.
    return out;
  }

  // MODIFY c NOT NULL fails on a column that is NOT NULL already
  // (ORA-01442), and MODIFY c NULL on one that is nullable (ORA-01451).
  std::vector<Step> render_action(const ast::SetNotNull& a, const ActionContext& c) const override {
    const Column* old = c.before.find_column(a.column.text);
    if (old && !old->nullable)
      return {note(
          fmt::format("{}.{} is NOT NULL already: nothing to do", c.before.name, a.column.text))};
    return alter(c.before, "MODIFY " + quote(a.column.text) + " NOT NULL");
  }

  std::vector<Step> render_action(const ast::DropNotNull& a,
                                  const ActionContext& c) const override {
    const Column* old = c.before.find_column(a.column.text);
    if (old && old->nullable)
      return {note(
          fmt::format("{}.{} is nullable already: nothing to do", c.before.name, a.column.text))};
    return alter(c.before, "MODIFY " + quote(a.column.text) + " NULL");
  }

  std::vector<Step> render_action(const ast::SetDefault& a, const ActionContext& c) const override {
    if (const Column* col = c.after.find_column(a.column.text))
      check_empty_string(c.after, *col, a.value, c.ctx);
    return alter(c.before, "MODIFY " + quote(a.column.text) + " DEFAULT " +
                               (a.value ? expr(*a.value, c.ctx) : std::string("NULL")));
  }

  // A default is removed by setting it to NULL (ALTER TABLE, modify_col_properties).
  std::vector<Step> render_action(const ast::DropDefault& a,
                                  const ActionContext& c) const override {
    return alter(c.before, "MODIFY " + quote(a.column.text) + " DEFAULT NULL");
  }

  // ADD CONSTRAINT ... USING INDEX index: Oracle's own form of adopting an
  // index (using_index_clause); the index is renamed to the constraint's
  // name, as PostgreSQL does.
  std::vector<Step> render_action(const ast::AddConstraintUsingIndex& a,
                                  const ActionContext& c) const override {
    const Constraint* made = c.after.find_constraint(a.name.text);
    if (!made) return {};
    check_name(a.name.text, c.ctx);
    std::vector<Step> out =
        alter(c.before,
              fmt::format("ADD CONSTRAINT {} {} ({}) USING INDEX {}", quote(a.name.text),
                          a.kind == ast::ConstraintKind::PrimaryKey ? "PRIMARY KEY" : "UNIQUE",
                          column_list(made->columns), qualified(c.before.schema, a.index.text)));
    out.push_back(step(fmt::format("ALTER INDEX {} RENAME TO {};",
                                   qualified(c.before.schema, a.index.text), quote(a.name.text))));
    return out;
  }

  std::vector<Step> render_action(const ast::ValidateConstraint& a,
                                  const ActionContext& c) const override {
    const Constraint* k = c.before.find_constraint(a.name.text);
    if (k && k->validated) {
      return {note(fmt::format("validate constraint {}: nothing to do, Oracle added it validated",
                               a.name.text))};
    }
    if (k && named_by_server(*k))
      return {by_catalogue(c.before, *k, "MODIFY CONSTRAINT \"", "\" ENABLE VALIDATE", c.ctx)};
    return alter(c.before, "MODIFY CONSTRAINT " + quote(constraint_name(c.before, a.name)) +
                               " ENABLE VALIDATE");
  }

  std::vector<Step> render_action(const ast::DropConstraint& a,
                                  const ActionContext& c) const override {
    const Constraint* k = c.before.find_constraint(a.name.text);
    if (k && named_by_server(*k))
      return {by_catalogue(c.before, *k, "DROP CONSTRAINT \"", "\"", c.ctx)};
    std::string drop = "DROP CONSTRAINT " + quote(constraint_name(c.before, a.name));
    // Oracle keeps an index it did not create for the constraint (one
    // adopted with USING INDEX); DROP INDEX drops it with the constraint, as
    // PostgreSQL does. An index the model holds on those columns may be the
    // one Oracle chose to use: that one stays.
    if (k &&
        (k->kind == ast::ConstraintKind::PrimaryKey || k->kind == ast::ConstraintKind::Unique)) {
      bool indexed = false;
      for (const auto& i : c.before.indexes) {
        std::vector<std::string> lead;
        for (const auto& key : i.keys) {
          if (key.expr || lead.size() == k->columns.size()) break;
          lead.push_back(key.column);
        }
        indexed = indexed || (!i.where && lead == k->columns);
      }
      // drop_constraint_clause takes KEEP/DROP INDEX after DROP PRIMARY KEY
      // and DROP UNIQUE (...) on every release, after DROP CONSTRAINT only
      // from 18c.
      if (!indexed) {
        drop = k->kind == ast::ConstraintKind::PrimaryKey
                   ? "DROP PRIMARY KEY DROP INDEX"
                   : "DROP UNIQUE (" + column_list(k->columns) + ") DROP INDEX";
      }
    }
    return alter(c.before, drop);
  }

  std::vector<Step> render_action(const ast::RenameConstraint& a,
                                  const ActionContext& c) const override {
    check_name(a.new_name.text, c.ctx);
    const Constraint* k = c.before.find_constraint(a.name.text);
    if (k && named_by_server(*k)) {
      return {by_catalogue(c.before, *k, "RENAME CONSTRAINT \"", "\" TO " + quote(a.new_name.text),
                           c.ctx)};
    }
    return Renderer::render_action(a, c);
  }

  // ------------------------------------------------------- bookkeeping

  // SET DEFINE OFF: an `&` in a literal is not a substitution variable.
  // SET SQLBLANKLINES ON: a blank line inside a statement (a view or
  // execute body) does not end it.
  std::vector<std::string> client_settings() const override {
    return {std::string(info().client_settings), "SET DEFINE OFF", "SET SQLBLANKLINES ON"};
  }

  std::vector<std::string> session_settings(const EmitSettings& emit) const override {
    std::vector<std::string> out;
    if (emit.lock_timeout) {
      // DDL_LOCK_TIMEOUT: seconds a DDL statement waits for a DML lock (11g+).
      uint64_t ms = parse_duration_ms(*emit.lock_timeout).value_or(1000);
      out.push_back(fmt::format("ALTER SESSION SET DDL_LOCK_TIMEOUT = {};",
                                std::max<uint64_t>(1, (ms + 999) / 1000)));
    }
    if (emit.statement_timeout) {
      out.push_back("-- " + comment_text(fmt::format(
                                "statement_timeout = {} is not set: Oracle limits a statement's "
                                "time only through Database Resource Manager",
                                *emit.statement_timeout)));
    }
    return out;
  }

  // CREATE TABLE IF NOT EXISTS from 23; before, a block that ignores
  // ORA-00955 (name already used by an existing object).
  std::string create_version_table(std::string_view table) const override {
    std::string create = fmt::format(
        "CREATE TABLE {} (version_num VARCHAR2(32 CHAR) NOT NULL, CONSTRAINT {} PRIMARY KEY "
        "(version_num))",
        quote(table), quote(std::string(table) + "_pkc"));
    if (at_least("23")) {
      return fmt::format(
          "CREATE TABLE IF NOT EXISTS {} (\n    version_num VARCHAR2(32 CHAR) NOT NULL,\n    "
          "CONSTRAINT {} PRIMARY KEY (version_num)\n);",
          quote(table), quote(std::string(table) + "_pkc"));
    }
    return fmt::format(
        "DECLARE\n  name_used EXCEPTION;\n  PRAGMA EXCEPTION_INIT(name_used, -955);\nBEGIN\n  "
        "EXECUTE IMMEDIATE {};\nEXCEPTION\n  WHEN name_used THEN NULL;\nEND;\n/",
        literal(create));
  }

  // DML is not committed by itself: the version row is, right away (the
  // section's DDL has committed already).
  std::string insert_version(std::string_view table, std::string_view id) const override {
    return Renderer::insert_version(table, id) + "\nCOMMIT;";
  }
  std::string update_version(std::string_view table, std::string_view from,
                             std::string_view to) const override {
    return Renderer::update_version(table, from, to) + "\nCOMMIT;";
  }
  std::string delete_version(std::string_view table, std::string_view id) const override {
    return Renderer::delete_version(table, id) + "\nCOMMIT;";
  }

  // PL/SQL allows no subquery in an IF condition (PLS-00405): the counts
  // are selected from DUAL into a variable first.
  std::string guard(std::string_view table, const std::vector<std::string>& present,
                    const std::vector<std::string>& absent,
                    std::string_view message) const override {
    std::string state = expected_state(table, present, absent);
    if (state == "TRUE") state = "1 = 1";
    return fmt::format(
        "DECLARE\n  expected NUMBER;\nBEGIN\n  SELECT CASE WHEN\n    {}\n  THEN 1 ELSE 0 END "
        "INTO expected FROM dual;\n  IF expected = 0 THEN\n    RAISE_APPLICATION_ERROR(-20000, "
        "{});\n  END IF;\nEND;\n/",
        state, literal(message));
  }

 private:
  static void append(std::vector<Step>& out, std::vector<Step> more) {
    for (auto& s : more) out.push_back(std::move(s));
  }

  // A step that is only a comment.
  static Step note(std::string text) { return step("-- " + comment_text(text)); }

  std::string sql_name(const Constraint& c) const { return c.name_on(info().name); }

  static bool in_primary_key(const Table& t, const Column& c) {
    const Constraint* pk = t.primary_key();
    return pk && std::find(pk->columns.begin(), pk->columns.end(), c.name) != pk->columns.end();
  }

  // A name longer than the target's limit (30 bytes before 12.2, 128 from
  // it), or one holding a double quote, which no Oracle identifier can.
  // SQL*Plus reads a script line by line, literals or not: a line that is
  // `.` ends the statement being entered without running it (what follows
  // then runs on its own), `/` runs it, and one that starts with `#` runs a
  // SQL*Plus command at once (SET BLOCKTERMINATOR, SET SQLPREFIX).
  static bool sqlplus_command(std::string_view line) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return false;
    line.remove_prefix(start);
    line = line.substr(0, line.find_last_not_of(" \t") + 1);
    return line == "." || line == "/" || line[0] == '#';
  }

  void check_lines(std::string_view what, std::string_view text, const SourceSpan& span,
                   const RenderContext& ctx) const {
    check_client_lines(what, text, span, ctx, sqlplus_command, "SQL*Plus",
                       "reword that line for Oracle (a line that is . or / or starts with # acts "
                       "even inside a literal), or limit the statement with @except(oracle)");
  }

  void check_name(std::string_view name, const RenderContext& ctx) const {
    check_lines("the name", name, ctx.statement_span, ctx);
    if (name.find('"') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
      error(ctx, ctx.statement_span,
            fmt::format("name {} holds a double quote, which no Oracle identifier can", name),
            "rename it");
    }
    if (name.size() <= info().identifier_limit) return;
    error(ctx, ctx.statement_span,
          fmt::format("name {} is {} bytes; Oracle {} allows {}{}", name, name.size(),
                      target().version, info().identifier_limit,
                      info().identifier_limit < 128 ? " (128 from 12.2)" : ""),
          info().identifier_limit < 128
              ? "choose a shorter name; list oracle in [project] dialects with [dialect.oracle] "
                "version so that generated names are cut to fit"
              : "choose a shorter name");
  }

  // '' is NULL in Oracle: on a NOT NULL column it is a NULL the server refuses.
  void check_empty_string(const Table& t, const Column& c, const ast::ExprPtr& value,
                          const RenderContext& ctx) const {
    if (!is_empty_string(value) || (c.nullable && !in_primary_key(t, c))) return;
    error(ctx, value->span.valid() ? value->span : ctx.statement_span,
          fmt::format("column {}.{} is NOT NULL, and Oracle stores '' as NULL", t.name, c.name),
          "use a non-empty value (' ' or 'none'), or make the column nullable");
  }

  const Enum* find_enum(const std::string& key, const RenderContext& ctx) const {
    const Enum* e = ctx.after.find_enum(key);
    return e ? e : ctx.before.find_enum(key);
  }

  static size_t enum_width(const Enum& e) {
    size_t n = 1;
    for (const auto& v : e.values) n = std::max(n, utf8_length(v));
    return n;
  }

  // `e` where a condition is expected, with each bare boolean column (a
  // NUMBER(1) before 23, not a condition) written `c = 1`.
  ast::ExprPtr as_condition(const ast::ExprPtr& e, const Table& t) const {
    using K = ast::ExprKind;
    if (!e || at_least("23")) return e;
    if (e->kind == K::Column && e->names.size() == 1) {
      const Column* c = t.find_column(e->names[0].text);
      if (!c || c->type.kind != ast::TypeKind::Boolean) return e;
      auto one = std::make_shared<ast::Expr>();
      one->kind = K::Number;
      one->text = "1";
      auto eq = std::make_shared<ast::Expr>();
      eq->kind = K::Binary;
      eq->op = "=";
      eq->span = e->span;
      eq->args = {e, one};
      return eq;
    }
    bool logical = (e->kind == K::Binary && (e->op == "and" || e->op == "or")) ||
                   (e->kind == K::Unary && e->op == "not") || e->kind == K::Paren;
    if (!logical) return e;
    auto copy = std::make_shared<ast::Expr>(*e);
    for (auto& a : copy->args) a = as_condition(a, t);
    return copy;
  }

  // The name of the check standing in for a column's type:
  // ck_{table}_{column}_type, cut to the target's limit with a stable hash.
  std::string type_check_name(const Table& t, const Column& c) const {
    return apply_naming("ck_{table}_{column}_type", t.name, {c.name}, "", info().identifier_limit);
  }

  // The condition of the check that stands in for the column's type
  // (boolean before 23, enum, json before 21), or nullopt.
  std::optional<std::string> type_check(const Table&, const Column& c,
                                        const RenderContext& ctx) const {
    // An Alembic script's type is spelled as SQLAlchemy spells it, without a check.
    if (spelled(c.type) != nullptr) return std::nullopt;
    std::string column = quote(c.name);
    switch (c.type.kind) {
      case ast::TypeKind::Boolean:
        if (at_least("23")) return std::nullopt;
        return column + " IN (0, 1)";
      case ast::TypeKind::Json:
        if (at_least("21")) return std::nullopt;
        return column + " IS JSON";
      case ast::TypeKind::Enum: {
        const Enum* e = find_enum(c.type.enum_name->key(), ctx);
        if (!e) return std::nullopt;
        std::vector<std::string> values;
        for (const auto& v : e->values) values.push_back(literal(v));
        return column + " IN (" + join(values, ", ") + ")";
      }
      default:
        return std::nullopt;
    }
  }

  // After a table or column rename, the type checks take the new names, so
  // that ck_{table}_{column}_type always names the check of that column.
  std::vector<Step> rename_type_checks(const Table& before, const Table& after,
                                       const RenderContext& ctx) const {
    std::vector<Step> out;
    for (size_t i = 0; i < after.columns.size() && i < before.columns.size(); ++i) {
      const Column& was = before.columns[i];
      const Column& now = after.columns[i];
      if (!type_check(after, now, ctx)) continue;
      std::string from = type_check_name(before, was);
      std::string to = type_check_name(after, now);
      if (from == to) continue;
      append(out, alter(after, "RENAME CONSTRAINT " + quote(from) + " TO " + quote(to)));
    }
    return out;
  }

  // DROP VIEW for the views the model dropped with this statement: Oracle
  // would leave them INVALID.
  std::vector<Step> dropped_views(const RenderContext& ctx) const {
    std::vector<Step> out;
    for (const auto& e : ctx.before.views()) {
      if (!ctx.after.find_view(e.key)) append(out, drop_view(e.key, ctx));
    }
    return out;
  }

  // True when the statement made the model drop a constraint of any table.
  static bool lost_constraints(const RenderContext& ctx) {
    for (const auto& e : ctx.before.tables()) {
      const Table* now = ctx.after.find_table(e.key);
      if (!now) continue;
      for (const auto& k : e.value->constraints) {
        if (!now->find_constraint(k.name)) return true;
      }
    }
    return false;
  }

  // How the catalogue spells a name: upper case unless it is quoted.
  std::string catalogue_name(std::string_view name) const {
    return needs_quotes(name) ? std::string(name) : upper_ascii(name);
  }

  // A block that finds constraint `k` of `t` (named by Oracle, SYS_C...) in
  // the catalogue by table, kind and columns, and runs `ALTER TABLE t
  // <before>NAME<after>` on it. SELECT INTO fails the block (and the
  // script) when no constraint or several match.
  Step by_catalogue(const Table& t, const Constraint& k, std::string_view before,
                    std::string_view after, const RenderContext& ctx) const {
    std::vector<std::string> columns;
    char kind = 'C';
    switch (k.kind) {
      case ast::ConstraintKind::PrimaryKey:
        kind = 'P';
        columns = k.columns;
        break;
      case ast::ConstraintKind::Unique:
        kind = 'U';
        columns = k.columns;
        break;
      case ast::ConstraintKind::ForeignKey:
        kind = 'R';
        columns = k.columns;
        break;
      case ast::ConstraintKind::Check:
        if (k.check) columns = ast::expr_columns(*k.check);
        break;
    }
    if (kind == 'C' && !at_least("12.2")) {
      // Only SEARCH_CONDITION_VC tells a check from a NOT NULL constraint
      // without reading a LONG, and it is in the catalogue from 12.2.
      error(ctx, ctx.statement_span,
            fmt::format("check {} of {} was named by Oracle: Oracle {} cannot find it by its "
                        "condition (USER_CONSTRAINTS.SEARCH_CONDITION_VC is new in 12.2)",
                        sql_name(k), t.name, target().version),
            "look its SYS_C... name up by hand and drop it in an @only(oracle) execute");
    }
    std::vector<std::string> names;
    for (const auto& c : columns) names.push_back(catalogue_name(c));
    // A check's columns have no position: compared in name order.
    if (kind == 'C') std::sort(names.begin(), names.end());
    std::string views = t.schema.empty() ? "user_constraints c" : "all_constraints c";
    std::string owner = t.schema.empty()
                            ? std::string()
                            : "\n     AND c.owner = " + literal(catalogue_name(t.schema));
    std::string extra = kind == 'C'
                            ? "\n     AND c.generated = 'GENERATED NAME'"
                              "\n     AND c.search_condition_vc NOT LIKE '\"%\" IS NOT NULL'"
                            : std::string();
    // Two checks over the same columns: told apart by their condition, as
    // the catalogue keeps its text (as the script that made it wrote it).
    if (kind == 'C' && k.check) {
      size_t alike = 0;
      for (const auto& other : t.constraints) {
        if (other.kind != ast::ConstraintKind::Check || !named_by_server(other) || !other.check)
          continue;
        std::vector<std::string> cols;
        for (const auto& c : ast::expr_columns(*other.check)) cols.push_back(catalogue_name(c));
        std::sort(cols.begin(), cols.end());
        alike += cols == names;
      }
      if (alike > 1) extra += "\n     AND c.search_condition_vc = " + literal(expr(*k.check, ctx));
    }
    std::string sql = fmt::format(
        "DECLARE\n  found_name VARCHAR2(128);\nBEGIN\n  SELECT c.constraint_name INTO found_name\n"
        "    FROM {}\n   WHERE c.table_name = {}{}\n     AND c.constraint_type = '{}'{}\n     AND "
        "(SELECT LISTAGG(k.column_name, ',') WITHIN GROUP (ORDER BY k.position, k.column_name)\n"
        "            FROM {} k\n           WHERE k.owner = c.owner AND k.constraint_name = "
        "c.constraint_name) = {};\n  EXECUTE IMMEDIATE {} || found_name || {};\nEND;\n/",
        views, literal(catalogue_name(t.name)), owner, kind, extra,
        t.schema.empty() ? "user_cons_columns" : "all_cons_columns", literal(join(names, ",")),
        literal(fmt::format("ALTER TABLE {} {}", qualified(t.schema, t.name), before)),
        literal(after));
    Step s = step(std::move(sql));
    s.comments.push_back(fmt::format(
        "{} {} of {} was named by Oracle (SYS_C...): found in the catalogue by its columns",
        ast::constraint_kind_name(k.kind), sql_name(k), t.name));
    return s;
  }
};

}  // namespace

std::unique_ptr<Renderer> make_oracle_renderer(Target target) {
  bool before_122 =
      is_valid_version(target.version) && compare_versions(target.version, "12.2") < 0;
  const DialectInfo& info = before_122 ? kOracleBefore122 : kOracle;
  return std::make_unique<OracleRenderer>(info, std::move(target));
}

}  // namespace retort::emit
