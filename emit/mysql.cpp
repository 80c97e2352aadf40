// MySQL and MariaDB: the shared renderer plus what differs (dialects.md).
// One class with a flavour flag, since MariaDB differs in a few spellings
// only (UUID type, DROP CONSTRAINT for checks, max_statement_time, version
// thresholds). Neither server has transactional DDL, inline REFERENCES are
// ignored by MySQL, and ALTER is column-at-a-time with the full definition:
// every column change is a MODIFY restating the column from the schema
// model. MySQL and MariaDB also keep an index the schema model does not
// hold: the one they create for a foreign key that no index covers. This
// file derives it from the model (it exists exactly while no explicit key
// covers the foreign key's columns) so that drops are exact.
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

constexpr DialectInfo kMysql{
    "mysql",
    "MySQL",
    64,
    false,
    "mysql --database=DBNAME < FILE (without --force, the client stops at the first error)",
    ""};
constexpr DialectInfo kMariadb{
    "mariadb",
    "MariaDB",
    64,
    false,
    "mariadb --database=DBNAME < FILE (without --force, the client stops at the first error)",
    ""};

// Reserved words of MySQL 8.0 (its manual, "Keywords and Reserved Words",
// those marked (R)) and the few more MariaDB reserves; quoting a word one of
// them does not reserve is harmless. Sorted for binary search.
constexpr std::string_view kReserved[] = {
    "accessible",
    "add",
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "asensitive",
    "before",
    "between",
    "bigint",
    "binary",
    "blob",
    "both",
    "by",
    "call",
    "cascade",
    "case",
    "change",
    "char",
    "character",
    "check",
    "collate",
    "column",
    "condition",
    "constraint",
    "continue",
    "convert",
    "create",
    "cross",
    "cube",
    "cume_dist",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "database",
    "databases",
    "day_hour",
    "day_microsecond",
    "day_minute",
    "day_second",
    "dec",
    "decimal",
    "declare",
    "default",
    "delayed",
    "delete",
    "dense_rank",
    "desc",
    "describe",
    "deterministic",
    "distinct",
    "distinctrow",
    "div",
    "double",
    "drop",
    "dual",
    "each",
    "else",
    "elseif",
    "empty",
    "enclosed",
    "escaped",
    "except",
    "exists",
    "exit",
    "explain",
    "false",
    "fetch",
    "first_value",
    "float",
    "float4",
    "float8",
    "for",
    "force",
    "foreign",
    "from",
    "fulltext",
    "function",
    "generated",
    "get",
    "grant",
    "group",
    "grouping",
    "groups",
    "having",
    "high_priority",
    "hour_microsecond",
    "hour_minute",
    "hour_second",
    "if",
    "ignore",
    "in",
    "index",
    "infile",
    "inner",
    "inout",
    "insensitive",
    "insert",
    "int",
    "int1",
    "int2",
    "int3",
    "int4",
    "int8",
    "integer",
    "intersect",
    "interval",
    "into",
    "io_after_gtids",
    "io_before_gtids",
    "is",
    "iterate",
    "join",
    "json_table",
    "key",
    "keys",
    "kill",
    "lag",
    "last_value",
    "lateral",
    "lead",
    "leading",
    "leave",
    "left",
    "like",
    "limit",
    "linear",
    "lines",
    "load",
    "localtime",
    "localtimestamp",
    "lock",
    "long",
    "longblob",
    "longtext",
    "loop",
    "low_priority",
    "master_bind",
    "master_ssl_verify_server_cert",
    "match",
    "maxvalue",
    "mediumblob",
    "mediumint",
    "mediumtext",
    "middleint",
    "minute_microsecond",
    "minute_second",
    "mod",
    "modifies",
    "natural",
    "no_write_to_binlog",
    "not",
    "nth_value",
    "ntile",
    "null",
    "numeric",
    "of",
    "offset",
    "on",
    "optimize",
    "optimizer_costs",
    "option",
    "optionally",
    "or",
    "order",
    "out",
    "outer",
    "outfile",
    "over",
    "partition",
    "percent_rank",
    "precision",
    "primary",
    "procedure",
    "purge",
    "range",
    "rank",
    "read",
    "read_write",
    "reads",
    "real",
    "recursive",
    "references",
    "regexp",
    "release",
    "rename",
    "repeat",
    "replace",
    "require",
    "resignal",
    "restrict",
    "return",
    "returning",
    "revoke",
    "right",
    "rlike",
    "row",
    "row_number",
    "rows",
    "schema",
    "schemas",
    "second_microsecond",
    "select",
    "sensitive",
    "separator",
    "set",
    "show",
    "signal",
    "smallint",
    "spatial",
    "specific",
    "sql",
    "sql_big_result",
    "sql_calc_found_rows",
    "sql_small_result",
    "sqlexception",
    "sqlstate",
    "sqlwarning",
    "ssl",
    "starting",
    "stored",
    "straight_join",
    "system",
    "table",
    "terminated",
    "then",
    "tinyblob",
    "tinyint",
    "tinytext",
    "to",
    "trailing",
    "trigger",
    "true",
    "undo",
    "union",
    "unique",
    "unlock",
    "unsigned",
    "update",
    "usage",
    "use",
    "using",
    "utc_date",
    "utc_time",
    "utc_timestamp",
    "values",
    "varbinary",
    "varchar",
    "varcharacter",
    "varying",
    "virtual",
    "when",
    "where",
    "while",
    "window",
    "with",
    "write",
    "xor",
    "year_month",
    "zerofill",
};
constexpr WordList kReservedList{kReserved};

// True when `key` starts with `columns`, in that order: the index MySQL
// accepts for a foreign key over `columns`.
bool leads_with(const std::vector<std::string>& key, const std::vector<std::string>& columns) {
  if (columns.empty() || key.size() < columns.size()) return false;
  return std::equal(columns.begin(), columns.end(), key.begin());
}

// The leading plain columns of an index (up to its first expression key).
std::vector<std::string> plain_prefix(const Index& i) {
  std::vector<std::string> out;
  for (const auto& k : i.keys) {
    if (k.expr || k.column.empty()) break;
    out.push_back(k.column);
  }
  return out;
}

bool is_literal(const ast::Expr& e) {
  using K = ast::ExprKind;
  if (e.kind == K::String || e.kind == K::Number || e.kind == K::Boolean || e.kind == K::Null)
    return true;
  return e.kind == K::Unary && e.op != "not" && e.args.size() == 1 && e.args[0] &&
         e.args[0]->kind == K::Number;
}

bool is_now(const ast::Expr& e) {
  return (e.kind == ast::ExprKind::Call && e.text == "now" && e.args.empty()) ||
         (e.kind == ast::ExprKind::Keyword && e.text == "current_timestamp");
}

class MysqlRenderer final : public Renderer {
 public:
  MysqlRenderer(Target target, bool mariadb)
      : Renderer(mariadb ? kMariadb : kMysql, std::move(target)), mariadb_(mariadb) {}

  using Renderer::render_node;

  // ------------------------------------------------------------ text

  bool is_reserved(std::string_view word) const override { return kReservedList.contains(word); }

  std::string quote(std::string_view name) const override {
    if (!needs_quotes(name)) return std::string(name);
    return backticks(name);
  }

  // A backslash escapes in MySQL strings (the session settings clear
  // NO_BACKSLASH_ESCAPES so that this holds); a NUL is written `\0`.
  std::string literal(std::string_view text) const override {
    std::string out = "'";
    for (char c : text) {
      if (c == '\0') {
        out += "\\0";
        continue;
      }
      // The mysql client reads a script's lines without the CR of a CR LF,
      // even inside a literal: written as an escape, the CR stays.
      if (c == '\r') {
        out += "\\r";
        continue;
      }
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    out += '\'';
    return out;
  }

  // ------------------------------------------------------ types, exprs

  const TypeNames& type_names() const override {
    static constexpr TypeNames kTypes{
        "BOOLEAN", "SMALLINT",    "INTEGER",      "BIGINT",   "DECIMAL",  "FLOAT",
        "DOUBLE",  "VARCHAR",     "CHAR",         "LONGTEXT", "LONGBLOB", "DATE",
        "TIME",    "DATETIME(6)", "TIMESTAMP(6)", "CHAR(36)", "JSON",     "mysql"};
    return kTypes;
  }

  std::string type(const ast::Type& t, const RenderContext& ctx) const override {
    if (t.kind == ast::TypeKind::Uuid && mariadb_ && at_least("10.7")) return "UUID";
    return Renderer::type(t, ctx);
  }

  // Inline: the values from the model at this statement.
  std::string enum_type(const ast::Type& t, const RenderContext& ctx) const override {
    const Enum* e = ctx.after.find_enum(t.enum_name->key());
    if (!e) e = ctx.before.find_enum(t.enum_name->key());
    if (!e) return "TEXT";
    std::vector<std::string> values;
    for (const auto& v : e->values) values.push_back(literal(v));
    return "ENUM(" + join(values, ", ") + ")";
  }

  std::string expr(const ast::Expr& e, const RenderContext& ctx) const override {
    using K = ast::ExprKind;
    // `||` is OR in MySQL unless PIPES_AS_CONCAT.
    if (e.kind == K::Binary && e.op == "||" && e.args.size() == 2) {
      return "CONCAT(" + (e.args[0] ? expr(*e.args[0], ctx) : std::string("NULL")) + ", " +
             (e.args[1] ? expr(*e.args[1], ctx) : std::string("NULL")) + ")";
    }
    if (e.kind == K::Cast && !e.args.empty()) {
      return "CAST(" + (e.args[0] ? expr(*e.args[0], ctx) : std::string("NULL")) + " AS " +
             (e.cast_type ? cast_type(*e.cast_type, ctx) : std::string("CHAR")) + ")";
    }
    return Renderer::expr(e, ctx);
  }

  std::string call(const ast::Expr& e, const RenderContext& ctx) const override {
    // The portable timestamps are microsecond ones (DATETIME(6)), and a
    // DATETIME(6) default must be CURRENT_TIMESTAMP(6) exactly.
    if (e.text == "now" && e.args.empty()) return "CURRENT_TIMESTAMP(6)";
    if (e.text == "gen_uuid" && e.args.empty()) return "UUID()";
    return Renderer::call(e, ctx);
  }

  std::string column_definition(const Table& t, const Column& c,
                                const RenderContext& ctx) const override {
    std::string out = quote(c.name) + " " + column_type(c, ctx);
    if (c.collate) out += " COLLATE " + backticks(*c.collate);
    bool in_pk = false;
    if (const Constraint* pk = t.primary_key()) {
      in_pk = std::find(pk->columns.begin(), pk->columns.end(), c.name) != pk->columns.end();
    }
    // NULL is written too: a MODIFY restates everything, and a TIMESTAMP
    // left bare is NOT NULL under explicit_defaults_for_timestamp=OFF.
    out += !c.nullable || in_pk ? " NOT NULL" : " NULL";
    if (c.default_value) out += " DEFAULT " + default_sql(t, c, ctx);
    if (c.identity) out += " AUTO_INCREMENT";
    if (c.comment && !c.comment->empty()) out += " COMMENT " + literal(*c.comment);
    return out;
  }

  std::string constraint_definition(const Table& t, const Constraint& c,
                                    const RenderContext& ctx) const override {
    if (c.kind == ast::ConstraintKind::ForeignKey &&
        (c.on_delete == ast::RefAction::SetDefault || c.on_update == ast::RefAction::SetDefault)) {
      error(ctx, ctx.statement_span,
            fmt::format("foreign key {} of table {}: InnoDB rejects SET DEFAULT", sql_name(c),
                        qualified(t.schema, t.name)),
            "use set null, cascade, restrict or no action");
    }
    std::string out = Renderer::constraint_definition(t, c, ctx);
    if (server_chooses_names(t, c, ctx)) {
      // Unnamed, as the Alembic script wrote it: the server names the key
      // {table}_ibfk_N and its index after the column, as the replay
      // predicted (with CONSTRAINT it would name the index after the key).
      std::string named = "CONSTRAINT " + quote(sql_name(c)) + " ";
      if (out.rfind(named, 0) == 0) out.erase(0, named.size());
    }
    return out;
  }

  // A foreign key an Alembic script left unnamed, made by this statement,
  // for which the server makes an index (ServerNamed; replay predicted the
  // index's name, in index_names): written unnamed.
  bool server_chooses_names(const Table& t, const Constraint& c, const RenderContext& ctx) const {
    if (c.kind != ast::ConstraintKind::ForeignKey || !c.server_named ||
        !c.index_names.count(std::string(info().name)))
      return false;
    const Table* before = ctx.before.find_table(t.key);
    return before == nullptr || before->find_constraint(sql_name(c)) == nullptr;
  }

  bool action_needs_views_rebuilt(const ast::AlterAction&) const override {
    // A MySQL view keeps working across MODIFY, and one that reads a dropped
    // column goes with it in the model (cascade).
    return false;
  }

  // ----------------------------------------------------- model objects

  std::vector<Step> create_table(const Table& t, bool if_not_exists, const std::vector<bool>* keep,
                                 const RenderContext& ctx) const override {
    check_name(t.name, ctx);
    std::vector<std::string> items;
    std::vector<std::string> notes;
    for (const auto& c : t.columns) {
      check_name(c.name, ctx);
      check_column(t, c, ctx);
      items.push_back(column_definition(t, c, ctx));
      if (c.type.kind == ast::TypeKind::Timestamptz && notes.empty()) notes.push_back(zone_note());
    }
    for (size_t i = 0; i < t.constraints.size(); ++i) {
      if (keep && !(*keep)[i]) continue;
      const Constraint& c = t.constraints[i];
      check_name(sql_name(c), ctx);
      check_constraint(t, c, ctx);
      bool fk = c.kind == ast::ConstraintKind::ForeignKey;
      if (fk && !covered(t, c) && index_name(c) != sql_name(c) &&
          !server_chooses_names(t, c, ctx)) {
        // The server's index for it is not named after it (named after its
        // column for an unnamed key, or kept when RENAME TABLE renamed the
        // key); a new table can only get that name from a key made with it.
        items.push_back("KEY " + quote(index_name(c)) + " (" + column_list(c.columns) + ")");
        notes.push_back(fmt::format("index {} is the one {} made for foreign key {}", index_name(c),
                                    info().title, sql_name(c)));
      } else if (fk && !covered(t, c)) {
        notes.push_back(made_note(c));
      }
      items.push_back(constraint_definition(t, c, ctx));
      if (c.kind == ast::ConstraintKind::Check && !checks_enforced()) notes.push_back(check_note());
    }
    check_identity(t, ctx);
    std::string sql =
        fmt::format("CREATE TABLE {}{} (\n    {}\n)", if_not_exists ? "IF NOT EXISTS " : "",
                    qualified(t.schema, t.name), join(items, ",\n    "));
    if (t.comment && !t.comment->empty()) sql += " COMMENT = " + literal(*t.comment);
    Step s = step(sql + ";");
    s.comments = notes;
    return {s};
  }

  std::vector<Step> create_index(const Table& t, const Index& i, bool concurrently,
                                 bool if_not_exists, const RenderContext& ctx) const override {
    check_name(i.name, ctx);
    std::vector<std::string> notes;
    if (concurrently) {
      notes.push_back(
          fmt::format("CONCURRENTLY dropped: {} builds indexes online (no write lock) by default",
                      info().title));
    }
    if (i.where) {
      error(ctx, i.where->span,
            fmt::format("{} has no partial indexes (index {} has `where`)", info().title, i.name),
            "drop the `where`, or create the index with @only(...) in an execute");
    }
    if (i.method && *i.method != "btree") {
      error(ctx, ctx.statement_span,
            fmt::format("{} has no index method {} (index {})", info().title, *i.method, i.name),
            "drop `using`: InnoDB indexes are B-trees");
    }
    if (!i.include.empty()) {
      notes.push_back(fmt::format("INCLUDE ({}) dropped: {} has no included columns",
                                  column_list(i.include), info().title));
    }
    std::vector<std::string> keys;
    for (const auto& k : i.keys) {
      std::string key;
      if (k.expr) {
        if (mariadb_ || !at_least("8.0.13")) {
          error(ctx, k.expr->span,
                fmt::format("{} {} has no expression indexes (index {})", info().title,
                            target().version, i.name),
                mariadb_ ? "index a generated column instead"
                         : "raise [dialect.mysql] version to 8.0.13 or later");
        }
        key = "(" + expr(*k.expr, ctx) + ")";
      } else {
        key = quote(k.column);
        if (const Column* c = t.find_column(k.column)) check_indexable(t, *c, i.name, ctx);
      }
      if (k.descending) key += " DESC";
      keys.push_back(std::move(key));
    }
    std::string prefix = i.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
    if (if_not_exists) {
      if (mariadb_) {
        prefix += "IF NOT EXISTS ";
      } else {
        // MySQL has no IF NOT EXISTS here; the model says whether it exists.
        if (ctx.before.find_index(qualify(t.schema, i.name))) {
          return {note(fmt::format("index {} exists already: nothing to do", i.name))};
        }
        notes.push_back("IF NOT EXISTS dropped: MySQL has none, and the index is new here");
      }
    }
    // The index MySQL made for a foreign key goes once another covers it.
    if (const Table* old = ctx.before.find_table(t.key)) {
      for (const auto& c : old->constraints) {
        if (c.kind == ast::ConstraintKind::ForeignKey && !covered(*old, c) && covered(t, c))
          notes.push_back(replaced_note(c, i.name));
      }
    }
    Step s = step(fmt::format("{}{} ON {} ({});", prefix, quote(i.name),
                              qualified(t.schema, t.name), join(keys, ", ")));
    s.comments = notes;
    return {s};
  }

  std::vector<Step> create_enum(const Enum& e, const RenderContext&) const override {
    std::vector<std::string> values;
    for (const auto& v : e.values) values.push_back(literal(v));
    return {note(fmt::format("enum {} is inline in {}: ENUM({}) in each column of that type",
                             qualified(e.schema, e.name), info().title, join(values, ", ")))};
  }

  std::vector<Step> comment_on_table(const Table& t, const std::optional<std::string>& c,
                                     const RenderContext&) const override {
    return alter(t, "COMMENT = " + literal(c.value_or("")));
  }

  // A column's comment is part of its definition: MODIFY restates it.
  std::vector<Step> comment_on_column(const Table& t, std::string_view column,
                                      const std::optional<std::string>&,
                                      const RenderContext& ctx) const override {
    const Column* col = t.find_column(column);
    if (!col) return {};
    return modify(t, *col, ctx);
  }

  std::vector<Step> add_constraint(const Table& t, const Constraint& c, bool not_valid,
                                   const RenderContext& ctx) const override {
    check_name(sql_name(c), ctx);
    check_constraint(t, c, ctx);
    // Before 8.0.16 ALTER TABLE may not even parse a CHECK, and it would be ignored.
    if (c.kind == ast::ConstraintKind::Check && !checks_enforced()) return {note(check_note())};
    std::vector<Step> out = alter(t, "ADD " + constraint_definition(t, c, ctx));
    // A derived downgrade adds back a foreign key the upgrade dropped, on
    // rows written since that may break it: as NOT VALID does elsewhere,
    // the server adds it without reading them.
    bool unchecked =
        not_valid && ctx.derived_downgrade && c.kind == ast::ConstraintKind::ForeignKey;
    out.back().comments = constraint_notes(t, c, not_valid && !unchecked, ctx);
    if (unchecked) out.back() = without_checks(std::move(out.back()), t, c);
    return out;
  }

  // -------------------------------------------------------- statements

  std::vector<Step> render_node(const ast::DropTable& s, const RenderContext& ctx) const override {
    std::string key = s.name.key();
    std::vector<Step> out;
    // `cascade`: MySQL has none; drop what the model dropped with the table.
    for (const auto& e : ctx.before.tables()) {
      const Table& other = *e.value;
      if (other.key == key) continue;
      const Table* now = ctx.after.find_table(other.key);
      for (const auto& c : other.constraints) {
        if (c.kind != ast::ConstraintKind::ForeignKey || (now && now->find_constraint(c.name)))
          continue;
        auto d = drop_constraint_steps(other, c);
        out.insert(out.end(), d.begin(), d.end());
      }
    }
    append(out, dropped_views(ctx));
    out.push_back(
        step(fmt::format("DROP TABLE {}{};", s.if_exists ? "IF EXISTS " : "", qualified(s.name))));
    return out;
  }

  std::vector<Step> render_node(const ast::RenameTable& s, const RenderContext&) const override {
    // Unqualified, the new name would move the table to the session's database.
    std::string schema = s.name.schema ? s.name.schema->text : std::string();
    return {step(fmt::format("ALTER TABLE {} RENAME TO {};", qualified(s.name),
                             qualified(schema, s.new_name.text)))};
  }

  std::vector<Step> render_node(const ast::DropIndex& s, const RenderContext& ctx) const override {
    IndexRef ref = ctx.before.find_index(s.name.key());
    if (!ref) return {note(fmt::format("index {} does not exist: nothing to do", s.name.key()))};
    const Table* after = ctx.after.find_table(ref.table->key);
    if (after && ctx.derived_downgrade) {
      if (auto out =
              drop_with_foreign_keys(*ref.table, *after, "DROP INDEX " + quote(ref.index->name),
                                     "index " + ref.index->name, ctx))
        return *out;
    }
    if (after) check_drop(*ref.table, *after, "index " + ref.index->name, ctx);
    Step st = step(fmt::format("DROP INDEX {} ON {};", quote(ref.index->name),
                               qualified(ref.table->schema, ref.table->name)));
    if (s.concurrently) {
      st.comments.push_back(
          fmt::format("CONCURRENTLY dropped: {} drops indexes online by default", info().title));
    }
    return {st};
  }

  std::vector<Step> render_node(const ast::RenameIndex& s,
                                const RenderContext& ctx) const override {
    std::string key = s.name.key();
    const NameOwner* owner = ctx.before.name_owner(key);
    const Table* t = owner ? ctx.before.find_table(owner->table) : nullptr;
    if (!t) return {};
    std::string old(name_of(key));
    if (const Constraint* c = t->find_constraint(old)) {
      if (c->kind == ast::ConstraintKind::PrimaryKey)
        return {note(fmt::format("{}'s primary key is always named PRIMARY: nothing to rename",
                                 info().title))};
    }
    return rename_index(*t, old, s.new_name.text, ctx);
  }

  std::vector<Step> render_node(const ast::AlterEnumAddValue& s,
                                const RenderContext& ctx) const override {
    // The enum is inline: every column of its type gets the new list.
    std::vector<Step> out;
    std::string table;
    std::vector<std::string> clauses;
    const Table* current = nullptr;
    auto flush = [&] {
      if (!current || clauses.empty()) return;
      append(out, alter(*current, join(clauses, ",\n    ")));
      clauses.clear();
    };
    for (const ColumnRef& ref : ctx.after.columns_using_enum(s.name.key())) {
      if (current != ref.table) {
        flush();
        current = ref.table;
      }
      clauses.push_back("MODIFY COLUMN " + column_definition(*ref.table, *ref.column, ctx));
    }
    flush();
    if (out.empty())
      out.push_back(note(fmt::format("no column uses enum {}: nothing to change", s.name.key())));
    return out;
  }

  std::vector<Step> render_node(const ast::DropEnum& s, const RenderContext&) const override {
    return {note(fmt::format("enum {} was inline in its columns: nothing to drop", s.name.key()))};
  }

  std::vector<Step> render_node(const ast::CreateSchema& s,
                                const RenderContext& ctx) const override {
    check_name(s.name.text, ctx);
    return {step(fmt::format("CREATE DATABASE {};", quote(s.name.text)))};
  }

  std::vector<Step> render_node(const ast::DropSchema& s, const RenderContext&) const override {
    return {step(fmt::format("DROP DATABASE {};", quote(s.name.text)))};
  }

  // ------------------------------------------------------ alter actions

  std::vector<Step> render_action(const ast::AddColumn& a, const ActionContext& c) const override {
    const Column* col = c.after.find_column(a.column.name.text);
    if (!col) return {};
    check_name(col->name, c.ctx);
    check_column(c.after, *col, c.ctx);
    // One ALTER with the column's constraints: an AUTO_INCREMENT column
    // must be a key in the same statement.
    std::vector<std::string> clauses{"ADD COLUMN " + column_definition(c.after, *col, c.ctx)};
    std::vector<std::string> notes;
    if (col->type.kind == ast::TypeKind::Timestamptz) notes.push_back(zone_note());
    for (const auto& k : c.after.constraints) {
      if (c.before.find_constraint(k.name)) continue;
      check_name(sql_name(k), c.ctx);
      check_constraint(c.after, k, c.ctx);
      if (k.kind == ast::ConstraintKind::Check && !checks_enforced()) {
        notes.push_back(check_note());
        continue;
      }
      clauses.push_back("ADD " + constraint_definition(c.after, k, c.ctx));
      auto n = constraint_notes(c.after, k, false, c.ctx);
      notes.insert(notes.end(), n.begin(), n.end());
    }
    check_identity(c.after, c.ctx);
    auto out = alter(c.after, join(clauses, ",\n    "));
    out.back().comments = notes;
    return out;
  }

  std::vector<Step> render_action(const ast::DropColumn& a, const ActionContext& c) const override {
    std::vector<Step> out;
    // MySQL has no DROP COLUMN ... CASCADE, refuses to drop a column a
    // foreign key uses, and would only shrink a multi-column index: drop
    // what the model dropped with the column first, foreign keys first.
    for (const auto& e : c.ctx.before.tables()) {
      const Table& other = *e.value;
      if (other.key == c.before.key) continue;
      const Table* now = c.ctx.after.find_table(other.key);
      for (const auto& k : other.constraints) {
        if (k.kind == ast::ConstraintKind::ForeignKey && now && !now->find_constraint(k.name))
          append(out, drop_constraint_steps(other, k));
      }
    }
    append(out, dropped_views(c.ctx));
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& k : c.before.constraints) {
        bool fk = k.kind == ast::ConstraintKind::ForeignKey;
        if ((pass == 0) != fk || c.after.find_constraint(k.name)) continue;
        append(out, drop_constraint_steps(c.before, k));
      }
    }
    for (const auto& i : c.before.indexes) {
      if (!c.after.find_index(i.name)) append(out, alter(c.before, "DROP INDEX " + quote(i.name)));
    }
    check_drop(c.before, c.after, "column " + a.column.text, c.ctx);
    append(out, alter(c.before, "DROP COLUMN " + quote(a.column.text)));
    return out;
  }

  std::vector<Step> render_action(const ast::RenameColumn& a,
                                  const ActionContext& c) const override {
    check_name(a.new_name.text, c.ctx);
    if (mariadb_ ? at_least("10.5.2") : at_least("8.0")) {
      return alter(c.before,
                   "RENAME COLUMN " + quote(a.column.text) + " TO " + quote(a.new_name.text));
    }
    const Column* col = c.after.find_column(a.new_name.text);
    if (!col) return {};
    return alter(c.before, "CHANGE COLUMN " + quote(a.column.text) + " " +
                               column_definition(c.after, *col, c.ctx));
  }

  std::vector<Step> render_action(const ast::AlterColumnType& a,
                                  const ActionContext& c) const override {
    const Column* col = c.after.find_column(a.column.text);
    if (!col) return {};
    check_column(c.after, *col, c.ctx);
    for (const auto& k : c.after.constraints) {
      if (k.kind != ast::ConstraintKind::Check &&
          std::find(k.columns.begin(), k.columns.end(), col->name) != k.columns.end())
        check_indexable(c.after, *col, sql_name(k), c.ctx);
    }
    for (const auto& i : c.after.indexes) {
      for (const auto& k : i.keys) {
        if (k.column == col->name) check_indexable(c.after, *col, i.name, c.ctx);
      }
    }
    std::vector<Step> out = modify(c.after, *col, c.ctx);
    if (a.using_expr) {
      // MySQL converts the values itself, as a cast would; any other
      // expression it cannot apply in the same statement.
      const ast::Expr& u = *a.using_expr;
      bool plain_cast = (u.kind == ast::ExprKind::Cast && u.args.size() == 1 && u.args[0] &&
                         u.args[0]->kind == ast::ExprKind::Column) ||
                        u.kind == ast::ExprKind::Column;
      if (!plain_cast) {
        error(c.ctx, u.span,
              fmt::format("{} has no USING for a type change (column {})", info().title, col->name),
              "convert the values with an execute statement, then change the type");
      } else {
        out.back().comments.push_back(
            fmt::format("USING dropped: {} converts the values itself", info().title));
      }
    }
    if (col->type.kind == ast::TypeKind::Timestamptz) out.back().comments.push_back(zone_note());
    return out;
  }

  std::vector<Step> render_action(const ast::SetNotNull& a, const ActionContext& c) const override {
    return modify_named(a.column.text, c);
  }
  std::vector<Step> render_action(const ast::DropNotNull& a,
                                  const ActionContext& c) const override {
    return modify_named(a.column.text, c);
  }
  std::vector<Step> render_action(const ast::SetDefault& a, const ActionContext& c) const override {
    return modify_named(a.column.text, c);
  }
  std::vector<Step> render_action(const ast::DropDefault& a,
                                  const ActionContext& c) const override {
    return modify_named(a.column.text, c);
  }
  std::vector<Step> render_action(const ast::SetColumnComment& a,
                                  const ActionContext& c) const override {
    return modify_named(a.column.text, c);
  }

  std::vector<Step> render_action(const ast::AddConstraintUsingIndex& a,
                                  const ActionContext& c) const override {
    const Constraint* made = c.after.find_constraint(a.name.text);
    if (!made) return {};
    // MySQL cannot adopt an index: build the constraint's own and drop the
    // adopted one in the same statement, so a foreign key it covers stays covered.
    std::vector<Step> out = alter(c.before, "DROP INDEX " + quote(a.index.text) + ",\n    ADD " +
                                                constraint_definition(c.after, *made, c.ctx));
    out.back().comments.push_back(fmt::format(
        "USING INDEX: {} cannot adopt index {}; it builds the constraint's own and drops it",
        info().title, a.index.text));
    return out;
  }

  std::vector<Step> render_action(const ast::ValidateConstraint& a,
                                  const ActionContext&) const override {
    return {note(fmt::format("validate constraint {}: nothing to do, {} added it validated",
                             a.name.text, info().title))};
  }

  std::vector<Step> render_action(const ast::DropConstraint& a,
                                  const ActionContext& c) const override {
    const Constraint* k = c.before.find_constraint(a.name.text);
    if (!k) return {};
    if (c.ctx.derived_downgrade &&
        (k->kind == ast::ConstraintKind::Unique || k->kind == ast::ConstraintKind::PrimaryKey)) {
      std::string drop = k->kind == ast::ConstraintKind::Unique
                             ? "DROP INDEX " + quote(sql_name(*k))
                             : "DROP PRIMARY KEY";
      if (auto out =
              drop_with_foreign_keys(c.before, c.after, drop, "constraint " + sql_name(*k), c.ctx))
        return *out;
    }
    check_drop(c.before, c.after, "constraint " + sql_name(*k), c.ctx);
    return drop_constraint_steps(c.before, *k);
  }

  std::vector<Step> render_action(const ast::RenameConstraint& a,
                                  const ActionContext& c) const override {
    const Constraint* k = c.before.find_constraint(a.name.text);
    const Constraint* renamed = c.after.find_constraint(a.new_name.text);
    if (!k || !renamed) return {};
    check_name(a.new_name.text, c.ctx);
    switch (k->kind) {
      case ast::ConstraintKind::PrimaryKey:
        return {note(fmt::format("{}'s primary key is always named PRIMARY: nothing to rename",
                                 info().title))};
      case ast::ConstraintKind::Unique:
        return rename_index(c.before, sql_name(*k), sql_name(*renamed), c.ctx);
      case ast::ConstraintKind::ForeignKey: {
        // No RENAME for a foreign key: drop it, with the index the server
        // made for it, and add it under the new name; the server makes its
        // index again, under the new name. (An index renamed by hand would
        // no longer be the server's: a covering index made later would not
        // replace it.) A rename checks no rows, so the new one is added
        // without reading them: the rows are those the old one held (or, in
        // a derived downgrade, rows it was added back over unchecked).
        bool made = !covered(c.before, *k);
        std::string drop = "DROP FOREIGN KEY " + quote(sql_name(*k));
        if (made) drop += ",\n    DROP INDEX " + quote(index_name(*k));
        std::vector<Step> out = alter(c.before, drop);
        out.front().comments.push_back(
            fmt::format("{} cannot rename a foreign key: it is dropped{} and added again",
                        info().title, made ? " with the index it made for it" : ""));
        Step add = alter(c.after, "ADD " + constraint_definition(c.after, *renamed, c.ctx)).back();
        if (!covered(c.after, *renamed)) add.comments.push_back(made_note(*renamed));
        out.push_back(without_checks(std::move(add), c.after, *renamed));
        return out;
      }
      case ast::ConstraintKind::Check: {
        if (!checks_enforced()) return {note(check_note())};
        std::vector<Step> out =
            alter(c.before, drop_check(sql_name(*k)) + ",\n    ADD " +
                                constraint_definition(c.after, *renamed, c.ctx));
        out.back().comments.push_back(fmt::format(
            "{} cannot rename a check constraint: it is dropped and added again", info().title));
        return out;
      }
    }
    return {};
  }

  // ------------------------------------------------------- bookkeeping

  std::vector<std::string> session_settings(const EmitSettings& emit) const override {
    std::vector<std::string> out;
    // The script is UTF-8, and its string literals double backslashes.
    out.push_back("SET NAMES utf8mb4;");
    out.push_back(
        "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');");
    if (emit.lock_timeout) {
      // DDL waits for metadata locks (lock_wait_timeout), DML for row locks.
      uint64_t s = seconds_up(*emit.lock_timeout);
      out.push_back(fmt::format("SET SESSION lock_wait_timeout = {};", s));
      out.push_back(fmt::format("SET SESSION innodb_lock_wait_timeout = {};", s));
    }
    if (emit.statement_timeout) {
      if (mariadb_) {
        uint64_t ms = parse_duration_ms(*emit.statement_timeout).value_or(0);
        out.push_back(ms % 1000 ? fmt::format("SET SESSION max_statement_time = {}.{:03};",
                                              ms / 1000, ms % 1000)
                                : fmt::format("SET SESSION max_statement_time = {};", ms / 1000));
      } else {
        out.push_back("-- " + comment_text(fmt::format(
                                  "statement_timeout = {} is not set: MySQL's max_execution_time "
                                  "limits SELECT statements only",
                                  *emit.statement_timeout)));
      }
    }
    return out;
  }

  // Works on every MySQL version and on MariaDB, in the plain client: the
  // select returns two rows into one variable unless the expected state
  // holds, and the client stops at "Result consisted of more than one row".
  std::string guard(std::string_view table, const std::vector<std::string>& present,
                    const std::vector<std::string>& absent,
                    std::string_view message) const override {
    return fmt::format(
        "-- guard: {} (the select fails with \"Result consisted of more than one row\")\n"
        "SELECT 1 FROM (SELECT 1 UNION ALL SELECT 2) AS t WHERE NOT (\n    {}\n) INTO "
        "@retort_guard;",
        comment_text(message), expected_state(table, present, absent));
  }

 private:
  bool mariadb_;

  std::string backticks(std::string_view name) const {
    std::string out = "`";
    for (char c : name) {
      if (c == '`') out += '`';
      out += c;
    }
    out += '`';
    return out;
  }

  // The constraint's name on this server: the one the server gave it when
  // an Alembic script left it unnamed (`fees_ibfk_1`, `username`, `PRIMARY`).
  std::string sql_name(const Constraint& c) const { return c.name_on(info().name); }
  // The name of the index the server made for foreign key `fk`: the
  // constraint's, unless RENAME TABLE renamed the constraint since.
  std::string index_name(const Constraint& fk) const {
    auto it = fk.index_names.find(std::string(info().name));
    return it != fk.index_names.end() ? it->second : sql_name(fk);
  }

  static void append(std::vector<Step>& out, std::vector<Step> more) {
    for (auto& s : more) out.push_back(std::move(s));
  }

  // A step that is only a comment: what a PostgreSQL-only statement became.
  static Step note(std::string text) { return step("-- " + comment_text(text)); }

  static uint64_t seconds_up(const std::string& duration) {
    uint64_t ms = parse_duration_ms(duration).value_or(1000);
    return std::max<uint64_t>(1, (ms + 999) / 1000);
  }

  bool checks_enforced() const { return mariadb_ || at_least("8.0.16"); }

  std::string zone_note() const {
    return fmt::format(
        "timestamptz is TIMESTAMP(6) on {}: it keeps no time zone (values are converted from "
        "the session time_zone to UTC and back) and ends in 2038",
        info().title);
  }
  std::string check_note() const {
    return fmt::format("MySQL {} parses CHECK constraints and ignores them (enforced from 8.0.16)",
                       target().version);
  }
  std::string made_note(const Constraint& fk) const {
    return fmt::format("{} also creates index {} ({}) for foreign key {}: no index covers it",
                       info().title, index_name(fk), join(fk.columns, ", "), sql_name(fk));
  }
  std::string replaced_note(const Constraint& fk, std::string_view by) const {
    return fmt::format("{} drops index {}, made for foreign key {}: {} covers it now", info().title,
                       index_name(fk), sql_name(fk), by);
  }

  // The span of `part` when it lies in the statement being rendered (the
  // model may hold spans of other files), else the statement's.
  static SourceSpan span_in_statement(const SourceSpan& part, const RenderContext& ctx) {
    const SourceSpan& s = ctx.statement_span;
    if (part.valid() && s.valid() && part.begin >= s.begin && part.end <= s.end) return part;
    return s;
  }

  void check_name(std::string_view name, const RenderContext& ctx) const {
    if (name.size() <= info().identifier_limit) return;
    error(ctx, ctx.statement_span,
          fmt::format("name {} is {} bytes; {} allows {}", name, name.size(), info().title,
                      info().identifier_limit),
          "choose a shorter name");
  }

  // What the column's type cannot be on this dialect.
  void check_column(const Table& t, const Column& c, const RenderContext& ctx) const {
    if (c.type.kind == ast::TypeKind::String && !c.type.length) {
      error(ctx, span_in_statement(c.type.span, ctx),
            fmt::format("column {}.{}: {} needs a length for string", t.name, c.name, info().title),
            "write string(N), or text for unbounded text");
    }
  }

  // TEXT, BLOB and JSON columns: not indexable without a prefix length,
  // and defaults only as expressions.
  static bool is_blob_like(const ast::Type& t, std::string_view dialect) {
    using K = ast::TypeKind;
    if (t.kind == K::Text || t.kind == K::Binary || t.kind == K::Json) return true;
    if (t.kind != K::Native) return false;
    const std::string* n = t.native->for_dialect(dialect);
    if (!n) return false;
    std::string u;
    for (char ch : *n) u += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    auto ends = [&](std::string_view s) {
      return u.size() >= s.size() && u.compare(u.size() - s.size(), s.size(), s) == 0;
    };
    return ends("TEXT") || ends("BLOB") || u == "JSON";
  }

  void check_indexable(const Table& t, const Column& c, std::string_view key,
                       const RenderContext& ctx) const {
    if (!is_blob_like(c.type, info().name)) return;
    error(ctx, ctx.statement_span,
          fmt::format("column {}.{} is {}: {} cannot index it without a prefix length (in {})",
                      t.name, c.name, type(c.type, ctx), info().title, key),
          "use string(N) for a column that is a key or indexed");
  }

  void check_constraint(const Table& t, const Constraint& k, const RenderContext& ctx) const {
    if (k.kind == ast::ConstraintKind::Check) return;
    for (const auto& name : k.columns) {
      if (const Column* c = t.find_column(name)) check_indexable(t, *c, sql_name(k), ctx);
    }
  }

  // AUTO_INCREMENT needs a key that starts with the column.
  bool identity_keyed(const Table& t, const Column& c) const {
    for (const auto& k : t.constraints) {
      if (k.kind != ast::ConstraintKind::Check && k.kind != ast::ConstraintKind::ForeignKey &&
          !k.columns.empty() && k.columns[0] == c.name)
        return true;
    }
    for (const auto& i : t.indexes) {
      auto p = plain_prefix(i);
      if (!p.empty() && p[0] == c.name) return true;
    }
    return false;
  }
  void check_identity(const Table& t, const RenderContext& ctx) const {
    for (const auto& c : t.columns) {
      if (!c.identity || identity_keyed(t, c)) continue;
      error(ctx, ctx.statement_span,
            fmt::format("identity column {}.{} is in no key: {} needs AUTO_INCREMENT to lead one",
                        t.name, c.name, info().title),
            "make it the primary key, or unique");
    }
  }

  // True when a key the model holds covers the foreign key: then MySQL
  // keeps no index of its own for it.
  static bool covered(const Table& t, const Constraint& fk) {
    for (const auto& k : t.constraints) {
      if ((k.kind == ast::ConstraintKind::PrimaryKey || k.kind == ast::ConstraintKind::Unique) &&
          leads_with(k.columns, fk.columns))
        return true;
    }
    for (const auto& i : t.indexes) {
      if (!i.where && leads_with(plain_prefix(i), fk.columns)) return true;
    }
    return false;
  }

  // A drop that leaves a foreign key of the table without its last
  // covering index: the server refuses it.
  // `foreign_keys` false: the caller gives those foreign keys their index
  // back; only identity columns are checked.
  void check_drop(const Table& before, const Table& after, std::string_view what,
                  const RenderContext& ctx, bool foreign_keys = true) const {
    for (const auto& fk : after.constraints) {
      if (!foreign_keys) break;
      if (fk.kind != ast::ConstraintKind::ForeignKey) continue;
      const Constraint* old = before.find_constraint(fk.name);
      if (!old || !covered(before, *old) || covered(after, fk)) continue;
      error(ctx, ctx.statement_span,
            fmt::format("dropping {} leaves foreign key {} of table {} without an index on ({}); "
                        "{} refuses to drop the last index a foreign key uses",
                        what, sql_name(fk), before.name, join(fk.columns, ", "), info().title),
            fmt::format("create an index on ({}) first, or drop foreign key {} first",
                        join(fk.columns, ", "), sql_name(fk)));
    }
    for (const auto& c : after.columns) {
      const Column* old = before.find_column(c.name);
      if (!c.identity || !old || !identity_keyed(before, *old) || identity_keyed(after, c))
        continue;
      error(ctx, ctx.statement_span,
            fmt::format("dropping {} leaves identity column {}.{} in no key; {} refuses it", what,
                        before.name, c.name, info().title),
            "keep a key that starts with the column");
    }
  }

  std::string drop_check(std::string_view name) const {
    return (mariadb_ ? "DROP CONSTRAINT " : "DROP CHECK ") + quote(name);
  }

  // Drops constraint `k` of `t` (the table as it was), by kind.
  std::vector<Step> drop_constraint_steps(const Table& t, const Constraint& k) const {
    switch (k.kind) {
      case ast::ConstraintKind::ForeignKey: {
        std::vector<Step> out = alter(t, "DROP FOREIGN KEY " + quote(sql_name(k)));
        if (!covered(t, k)) {
          // The index made for it outlives the foreign key.
          append(out, alter(t, "DROP INDEX " + quote(index_name(k))));
          out.back().comments.push_back(
              fmt::format("{} keeps the index it made for foreign key {}: dropped too",
                          info().title, sql_name(k)));
        }
        return out;
      }
      case ast::ConstraintKind::Unique:
        return alter(t, "DROP INDEX " + quote(sql_name(k)));
      case ast::ConstraintKind::PrimaryKey:
        return alter(t, "DROP PRIMARY KEY");
      case ast::ConstraintKind::Check:
        if (!checks_enforced()) return {note(check_note())};
        return alter(t, drop_check(sql_name(k)));
    }
    return {};
  }

  // `step` (one ALTER adding foreign key `fk` to `t`) between SET
  // FOREIGN_KEY_CHECKS=0 and =1: the server adds the foreign key without
  // reading the rows. Session-wide, and set back right after.
  Step without_checks(Step st, const Table& t, const Constraint& fk) const {
    st.sql = "SET FOREIGN_KEY_CHECKS = 0;\n" + st.sql + "\nSET FOREIGN_KEY_CHECKS = 1;";
    st.comments.push_back(fmt::format(
        "FOREIGN_KEY_CHECKS off for this statement only: {} adds {} without checking the rows "
        "already in {}",
        info().title, sql_name(fk), qualified(t.schema, t.name)));
    return st;
  }

  // The foreign keys of `after` that `before` covered with an index and
  // `after` does not: dropping that index leaves them without one.
  static std::vector<const Constraint*> uncovered_by(const Table& before, const Table& after) {
    std::vector<const Constraint*> out;
    for (const auto& fk : after.constraints) {
      if (fk.kind != ast::ConstraintKind::ForeignKey) continue;
      const Constraint* old = before.find_constraint(fk.name);
      if (old && covered(before, *old) && !covered(after, fk)) out.push_back(&fk);
    }
    return out;
  }

  // In a derived downgrade, `drop` (an ALTER TABLE clause dropping an index
  // of `before`) that would leave foreign keys without their last index,
  // which the server refuses: they are dropped in the same statement and
  // added back (without reading the rows: they held until now), and the
  // server makes its own index for each, as it had before the upgrade
  // created the index. Nullopt when no foreign key needs it.
  std::optional<std::vector<Step>> drop_with_foreign_keys(const Table& before, const Table& after,
                                                          const std::string& drop,
                                                          const std::string& what,
                                                          const RenderContext& ctx) const {
    std::vector<const Constraint*> lost = uncovered_by(before, after);
    if (lost.empty()) return std::nullopt;
    check_drop(before, after, what, ctx, /*foreign_keys=*/false);
    std::vector<std::string> clauses;
    std::vector<std::string> names;
    for (const Constraint* fk : lost) {
      clauses.push_back("DROP FOREIGN KEY " + quote(sql_name(*fk)));
      names.push_back(sql_name(*fk));
    }
    clauses.push_back(drop);
    std::vector<Step> out = alter(before, join(clauses, ",\n    "));
    out.back().comments.push_back(fmt::format(
        "{} refuses to drop the last index of foreign key {}: dropped with {} and added back "
        "below, {} makes its own index for it again, as before the upgrade created {}",
        info().title, join(names, ", "), what, info().title, what));
    for (const Constraint* fk : lost) {
      Step add = alter(after, "ADD " + constraint_definition(after, *fk, ctx)).back();
      add.comments.push_back(made_note(*fk));
      out.push_back(without_checks(std::move(add), after, *fk));
    }
    return out;
  }

  std::vector<Step> rename_index(const Table& t, std::string_view from, std::string_view to,
                                 const RenderContext& ctx) const {
    if (mariadb_ && !at_least("10.5.2")) {
      error(ctx, ctx.statement_span,
            fmt::format("MariaDB {} cannot rename an index (10.5.2 can)", target().version),
            "drop it and create it under the new name");
    }
    return alter(t, "RENAME INDEX " + quote(from) + " TO " + quote(to));
  }

  std::vector<std::string> constraint_notes(const Table& t, const Constraint& c, bool not_valid,
                                            const RenderContext& ctx) const {
    std::vector<std::string> notes;
    if (not_valid) {
      notes.push_back(fmt::format("NOT VALID dropped: {} checks every row now", info().title));
    }
    if (c.kind == ast::ConstraintKind::ForeignKey && !covered(t, c)) notes.push_back(made_note(c));
    if (c.kind == ast::ConstraintKind::Check && !checks_enforced()) notes.push_back(check_note());
    if (c.kind == ast::ConstraintKind::PrimaryKey || c.kind == ast::ConstraintKind::Unique) {
      if (const Table* old = ctx.before.find_table(t.key)) {
        for (const auto& k : old->constraints) {
          if (k.kind == ast::ConstraintKind::ForeignKey && !covered(*old, k) && covered(t, k))
            notes.push_back(replaced_note(k, sql_name(c)));
        }
      }
    }
    return notes;
  }

  // DROP VIEW for the views the model dropped with this statement.
  std::vector<Step> dropped_views(const RenderContext& ctx) const {
    std::vector<Step> out;
    for (const auto& e : ctx.before.views()) {
      if (!ctx.after.find_view(e.key)) append(out, drop_view(e.key, ctx));
    }
    return out;
  }

  // A DEFAULT clause: literals as they are, except on TEXT/BLOB/JSON
  // columns; the current time as CURRENT_TIMESTAMP(6) on DATETIME(6) and
  // TIMESTAMP(6); any other expression in parentheses (8.0.13+).
  std::string default_sql(const Table& t, const Column& c, const RenderContext& ctx) const {
    const ast::Expr& d = *c.default_value;
    using K = ast::TypeKind;
    if (d.kind == ast::ExprKind::Raw) return expr(d, ctx);
    if (d.kind == ast::ExprKind::Null) return "NULL";
    if ((c.type.kind == K::Timestamp || c.type.kind == K::Timestamptz) && is_now(d)) {
      // The default's precision must be the column's (MySQL refuses
      // another): 6 for the portable types, the spelling's own otherwise
      // (SQLAlchemy's DATETIME has none).
      const std::string* s = spelled(c.type);
      if (s == nullptr) return "CURRENT_TIMESTAMP(6)";
      size_t open = s->find('('), close = s->find(')');
      if (open == std::string::npos || close == std::string::npos || close < open)
        return "CURRENT_TIMESTAMP";
      return "CURRENT_TIMESTAMP" + s->substr(open, close - open + 1);
    }
    bool blob = is_blob_like(c.type, info().name);
    if (is_literal(d) && !blob) return expr(d, ctx);
    if (!mariadb_ && !at_least("8.0.13")) {
      error(ctx, span_in_statement(d.span, ctx),
            blob ? fmt::format("column {}.{} is {}: MySQL {} takes no default on it (8.0.13 "
                               "takes one as an expression)",
                               t.name, c.name, type(c.type, ctx), target().version)
                 : fmt::format("default of column {}.{}: MySQL {} takes no expression default "
                               "(8.0.13 does)",
                               t.name, c.name, target().version),
            "raise [dialect.mysql] version, or drop the default");
    }
    return "(" + expr(d, ctx) + ")";
  }

  std::vector<Step> modify(const Table& t, const Column& c, const RenderContext& ctx) const {
    return alter(t, "MODIFY COLUMN " + column_definition(t, c, ctx));
  }

  std::vector<Step> modify_named(const std::string& column, const ActionContext& c) const {
    const Column* col = c.after.find_column(column);
    if (!col) return {};
    return modify(c.after, *col, c.ctx);
  }

  // A type inside CAST(... AS ...): MySQL's cast targets are few.
  std::string cast_type(const ast::Type& t, const RenderContext& ctx) const {
    using K = ast::TypeKind;
    switch (t.kind) {
      case K::Boolean:
      case K::Smallint:
      case K::Integer:
      case K::Bigint:
        return "SIGNED";
      case K::Real:
      case K::Double:
        return mariadb_ || at_least("8.0.17") ? "DOUBLE" : "DECIMAL(65, 30)";
      case K::String:
      case K::Char:
        return t.length ? fmt::format("CHAR({})", *t.length) : "CHAR";
      case K::Text:
      case K::Enum:
        return "CHAR";
      case K::Uuid:
        return "CHAR(36)";
      case K::Binary:
        return "BINARY";
      case K::Json:
        return mariadb_ ? "CHAR" : "JSON";
      case K::Timestamp:
      case K::Timestamptz:
        return "DATETIME(6)";
      default:
        return type(t, ctx);
    }
  }
};

}  // namespace

std::unique_ptr<Renderer> make_mysql_renderer(Target target) {
  return std::make_unique<MysqlRenderer>(std::move(target), false);
}

std::unique_ptr<Renderer> make_mariadb_renderer(Target target) {
  return std::make_unique<MysqlRenderer>(std::move(target), true);
}

}  // namespace retort::emit
