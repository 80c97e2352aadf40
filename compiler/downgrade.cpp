#include "compiler/downgrade.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "compiler/overloaded.h"

// How a downgrade is derived (language.md, "Downgrade"):
// - The upgrade is replayed statement by statement from `before`, and each
//   `alter table` action by action, so every inverse is built from the exact
//   schema just before and just after what it undoes. What a statement
//   removed as a side effect (a cascade, the indexes of a dropped column) is
//   found by diffing those two schemas, not by re-implementing the replay's
//   rules here.
// - Every name in a derived statement is explicit (the model's name, never
//   the naming convention again), so the inverse hits the very object even
//   when the convention would now give another name.
// - The inverses of one upgrade statement are checked by replaying them on
//   the schema after it: a derivation that would not apply is reported here
//   rather than found by a DBA halfway through a downgrade.
// - Positions are not restorable: a column, constraint or index that comes
//   back is appended (no dialect can put a column back in place), so the
//   order of a table's parts may differ from `before`; everything else is
//   the same, except what language.md excuses (a `not null` column without a
//   default comes back nullable) and `validate constraint`, which is not
//   undone (making a valid constraint `not valid` again has no use).
// - A downgrade runs on tables that hold rows written since the upgrade
//   (language.md, "Decisions"): a foreign key added back to a table that
//   kept its rows comes back `not valid` (each dialect adds it without
//   checking those rows), unless a column of it is NULL in every row; a
//   dropped column in a unique key, whose default would give every row the
//   same value, comes back with NULLs (nullable), the key after it, and its
//   default last.

namespace retort {

namespace {

using ast::ConstraintKind;
using ast::TypeKind;

std::string quoted(std::string_view s) {
  return fmt::format("\"{}\"", s);
}

// Whether an identifier must have been quoted to be spelled so: anything
// but a lower-case plain word. The model keeps no quoted flag for
// constraint, index, enum, view and schema names, and unquoted names are
// folded to lower case, so a name with upper case or odd characters was
// quoted in the source.
bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  auto head = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  if (!head(text[0])) return true;
  for (char c : text) {
    if (!head(c) && !(c >= '0' && c <= '9') && c != '$') return true;
  }
  return false;
}

ast::Name make_name(std::string text, bool is_quoted) {
  ast::Name n;
  n.text = std::move(text);
  n.quoted = is_quoted;
  return n;
}

// A name the model holds without a quoted flag.
ast::Name plain_name(std::string_view text) {
  return make_name(std::string(text), needs_quotes(text));
}

ast::QualifiedName qualified(std::string_view schema, ast::Name name) {
  ast::QualifiedName q;
  if (!schema.empty()) q.schema = plain_name(schema);
  q.name = std::move(name);
  return q;
}

ast::QualifiedName table_name(const Table& t) {
  return qualified(t.schema, make_name(t.name, t.quoted));
}

// A column of `t` by name, with its quoted flag when the table has it.
ast::Name column_name(const Table& t, std::string_view column) {
  if (const Column* c = t.find_column(column)) return make_name(c->name, c->quoted);
  return plain_name(column);
}

std::vector<ast::Name> column_names(const Table& t, const std::vector<std::string>& columns) {
  std::vector<ast::Name> out;
  for (const auto& c : columns) out.push_back(column_name(t, c));
  return out;
}

std::string comment_or_empty(const std::optional<std::string>& c) {
  return c ? *c : std::string();
}

int integer_rank(const ast::Type& t) {
  switch (t.kind) {
    case TypeKind::Smallint:
      return 1;
    case TypeKind::Integer:
      return 2;
    case TypeKind::Bigint:
      return 3;
    default:
      return 0;
  }
}

// Decimal digits an integer type needs.
int integer_digits(int rank) {
  return rank == 1 ? 5 : rank == 2 ? 10 : 19;
}

// True when every value of `from` is kept exactly by a column of type `to`.
// Conservative: false whenever unsure, which only adds a note.
bool fits(const ast::Type& from, const ast::Type& to) {
  if (ast::same_type(from, to)) return true;
  int rank_from = integer_rank(from);
  int rank_to = integer_rank(to);
  if (rank_from && rank_to) return rank_from <= rank_to;
  bool textual = from.kind == TypeKind::String || from.kind == TypeKind::Char ||
                 from.kind == TypeKind::Text || from.kind == TypeKind::Enum ||
                 from.kind == TypeKind::Uuid;
  switch (to.kind) {
    case TypeKind::Text:
      return textual;
    case TypeKind::String:
      if (!to.length) return textual;
      return (from.kind == TypeKind::String || from.kind == TypeKind::Char) && from.length &&
             *from.length <= *to.length;
    case TypeKind::Double:
      return from.kind == TypeKind::Real || (rank_from && rank_from <= 2);
    case TypeKind::Decimal:
      if (!to.precision) return from.kind == TypeKind::Decimal || rank_from;
      if (rank_from) return *to.precision - to.scale.value_or(0) >= integer_digits(rank_from);
      if (from.kind != TypeKind::Decimal || !from.precision) return false;
      return *to.precision - to.scale.value_or(0) >= *from.precision - from.scale.value_or(0) &&
             to.scale.value_or(0) >= from.scale.value_or(0);
    case TypeKind::Timestamp:
      return from.kind == TypeKind::Date;
    case TypeKind::Timestamptz:
      return from.kind == TypeKind::Date || from.kind == TypeKind::Timestamp;
    default:
      return false;
  }
}

// True unless `e` gives each row its own value when a column is added with
// it as default (only `gen_uuid()` does for sure; `now()` is one value per
// statement, and a raw `sql($$...$$)` cannot be told).
bool same_value_in_every_row(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::Paren && !e.args.empty() && e.args[0])
    return same_value_in_every_row(*e.args[0]);
  return !(e.kind == ast::ExprKind::Call && e.text == "gen_uuid");
}

bool is_null_literal(const ast::ExprPtr& e) {
  return !e || e->kind == ast::ExprKind::Null;
}

// ------------------------------------------------ definitions from the model

ast::ColumnDef column_def(const Column& c, bool not_null) {
  ast::ColumnDef d;
  d.name = make_name(c.name, c.quoted);
  d.type = c.type;
  if (not_null) d.not_null = true;
  d.default_value = c.default_value;
  d.identity = c.identity;
  d.comment = c.comment;
  d.collate = c.collate;
  return d;
}

// `t` is the table holding the constraint (it may also be the referenced
// table, which then need not be in `schema` yet).
ast::TableConstraint table_constraint(const SchemaModel& schema, const Table& t,
                                      const Constraint& c) {
  ast::TableConstraint out;
  out.name = plain_name(c.name);
  out.kind = c.kind;
  if (!c.dialect_names.empty()) {
    // Back under the names each server gave it, not predicted again.
    out.server_named.emplace();
    out.server_named->names = c.dialect_names;
  }
  if (c.kind == ConstraintKind::Check) {
    out.check = c.check;
    return out;
  }
  out.columns = column_names(t, c.columns);
  if (c.kind != ConstraintKind::ForeignKey) return out;
  const Table* target = c.ref_table == t.key ? &t : schema.find_table(c.ref_table);
  ast::References r;
  if (target) {
    r.table = table_name(*target);
    r.columns = column_names(*target, c.ref_columns);
  } else {
    r.table = qualified(schema_of(c.ref_table), plain_name(name_of(c.ref_table)));
    for (const auto& col : c.ref_columns) r.columns.push_back(plain_name(col));
  }
  // Only what differs from the default is written, as a user would.
  if (c.on_delete != ast::RefAction::NoAction) r.on_delete = c.on_delete;
  if (c.on_update != ast::RefAction::NoAction) r.on_update = c.on_update;
  out.references = std::move(r);
  return out;
}

ast::CreateIndex create_index(const Table& t, const Index& i, bool concurrently) {
  ast::CreateIndex out;
  out.name = plain_name(i.name);
  out.table = table_name(t);
  out.unique = i.unique;
  out.concurrently = concurrently;
  for (const auto& k : i.keys) {
    ast::IndexKey key;
    if (k.expr) {
      key.expr = k.expr;
    } else {
      key.column = column_name(t, k.column);
    }
    key.descending = k.descending;
    out.keys.push_back(std::move(key));
  }
  out.include = column_names(t, i.include);
  out.where = i.where;
  if (i.method) out.method = plain_name(*i.method);
  return out;
}

ast::CreateView create_view(const View& v) {
  ast::CreateView out;
  out.name = qualified(v.schema, plain_name(v.name));
  out.body = v.body;
  return out;
}

// ----------------------------------------------------------------- deriving

// The inverse of one upgrade statement: steps in the order they run, or
// errors when it has none.
class Inverter {
 public:
  Inverter(const ast::RevisionFile& revision, const ast::Statement& statement,
           const ReplayOptions& options, DiagnosticSink& sink)
      : revision_(revision), statement_(statement), options_(options), sink_(sink) {}

  bool failed() const { return failed_; }
  std::vector<DowngradeStep> take_steps() { return std::exchange(steps_, {}); }

  // `before` and `after`: the schema around the whole statement.
  void invert(const SchemaModel& before, const SchemaModel& after) {
    std::visit(Overloaded{
                   [&](const ast::AlterTable& s) { invert_alter(s, before, after); },
                   [&](const auto& s) { invert_statement(s, before, after); },
               },
               statement_.node);
  }

 private:
  // ----------------------------------------------------------- reporting

  std::string line_of_statement() const { return fmt::format("line {}", statement_.span.line); }

  void no_inverse(std::string what, std::string help = {}) {
    failed_ = true;
    if (help.empty()) {
      help =
          "write a `downgrade { }` block that undoes the revision, or declare it "
          "`downgrade irreversible;`";
    }
    sink_.report(Diagnostic{Severity::error, "downgrade", revision_.path, statement_.span,
                            fmt::format("cannot derive the downgrade of revision {}: {}",
                                        quoted(revision_.header.id.text), std::move(what)),
                            std::move(help), revision_.header.id.text});
  }

  // ---------------------------------------------------------------- steps

  DowngradeStep& add(ast::StatementNode node) {
    DowngradeStep step;
    step.statement.node = std::move(node);
    // Diagnostics about a derived statement point at what it undoes.
    step.statement.span = statement_.span;
    step.undoes = statement_.span;
    steps_.push_back(std::move(step));
    return steps_.back();
  }

  DowngradeStep& add_action(const Table& t, ast::AlterAction action) {
    ast::AlterTable alter;
    alter.name = table_name(t);
    alter.actions.push_back(std::move(action));
    return add(std::move(alter));
  }

  // ------------------------------------------------ whole-statement inverses

  void invert_statement(const ast::CreateTable& s, const SchemaModel& before,
                        const SchemaModel& after) {
    if (before.find_table(s.name.key())) return;  // `if not exists` skipped it
    const Table* t = after.find_table(s.name.key());
    if (!t) return;
    ast::DropTable drop;
    drop.name = table_name(*t);
    auto& step = add(std::move(drop));
    step.loses_data = true;
    step.notes.push_back(fmt::format("Dropping table {} deletes its rows.", quoted(t->key)));
  }

  void invert_statement(const ast::DropTable& s, const SchemaModel& before,
                        const SchemaModel& after) {
    const Table* t = before.find_table(s.name.key());
    if (!t) return;  // `if exists` skipped it
    recreate_table(*t, after);
    restore_vanished(before, after, {}, {}, {});
  }

  void invert_statement(const ast::RenameTable& s, const SchemaModel& before,
                        const SchemaModel& after) {
    const Table* old = before.find_table(s.name.key());
    if (!old) return;
    const Table* now = after.find_table(qualify(old->schema, s.new_name.text));
    if (!now) return;
    ast::RenameTable back;
    back.name = table_name(*now);
    back.new_name = make_name(old->name, old->quoted);
    add(std::move(back));
  }

  void invert_statement(const ast::CreateIndex& s, const SchemaModel& before,
                        const SchemaModel& after) {
    const Table* t0 = before.find_table(s.table.key());
    const Table* t1 = after.find_table(s.table.key());
    if (!t0 || !t1) return;
    for (const auto& i : t1->indexes) {
      if (t0->find_index(i.name)) continue;  // `if not exists` may have skipped it
      ast::DropIndex drop;
      drop.name = qualified(t1->schema, plain_name(i.name));
      drop.concurrently = s.concurrently;
      add(std::move(drop));
    }
  }

  void invert_statement(const ast::DropIndex& s, const SchemaModel& before, const SchemaModel&) {
    IndexRef ref = before.find_index(s.name.key());
    if (!ref) return;  // `if exists` skipped it
    add(create_index(*ref.table, *ref.index, s.concurrently));
  }

  void invert_statement(const ast::RenameIndex& s, const SchemaModel& before, const SchemaModel&) {
    std::string old_name(name_of(s.name.key()));
    if (s.new_name.text == old_name || !before.name_taken(s.name.key())) return;
    ast::RenameIndex back;
    back.name = qualified(schema_of(s.name.key()), s.new_name);
    back.new_name = s.name.name;
    add(std::move(back));
  }

  void invert_statement(const ast::CreateEnum& s, const SchemaModel&, const SchemaModel&) {
    ast::DropEnum drop;
    drop.name = s.name;
    add(std::move(drop));
  }

  void invert_statement(const ast::AlterEnumAddValue& s, const SchemaModel&, const SchemaModel&) {
    no_inverse(
        fmt::format("adding value '{}' to enum {} at {} has no inverse (PostgreSQL cannot "
                    "remove a value from an enum)",
                    s.value.value, quoted(s.name.key()), line_of_statement()));
  }

  void invert_statement(const ast::DropEnum& s, const SchemaModel& before, const SchemaModel&) {
    const Enum* e = before.find_enum(s.name.key());
    if (!e) return;
    ast::CreateEnum create;
    create.name = s.name;
    for (const auto& v : e->values) create.values.push_back(ast::EnumValue{v, {}});
    add(std::move(create));
  }

  void invert_statement(const ast::CreateView& s, const SchemaModel&, const SchemaModel&) {
    ast::DropView drop;
    drop.name = s.name;
    add(std::move(drop));
  }

  void invert_statement(const ast::DropView& s, const SchemaModel& before, const SchemaModel&) {
    const View* v = before.find_view(s.name.key());
    if (!v) return;
    ast::CreateView create;
    create.name = s.name;
    create.body = v->body;
    add(std::move(create));
  }

  void invert_statement(const ast::CreateSchema& s, const SchemaModel&, const SchemaModel&) {
    ast::DropSchema drop;
    drop.name = s.name;
    add(std::move(drop));
  }

  void invert_statement(const ast::DropSchema& s, const SchemaModel&, const SchemaModel&) {
    ast::CreateSchema create;
    create.name = s.name;
    add(std::move(create));
  }

  void invert_statement(const ast::CommentOnTable& s, const SchemaModel& before,
                        const SchemaModel&) {
    const Table* t = before.find_table(s.table.key());
    if (!t || t->comment.value_or("") == s.comment) return;
    ast::CommentOnTable back;
    back.table = table_name(*t);
    back.comment = comment_or_empty(t->comment);
    add(std::move(back));
  }

  void invert_statement(const ast::CommentOnColumn& s, const SchemaModel& before,
                        const SchemaModel&) {
    const Table* t = before.find_table(s.table.key());
    const Column* c = t ? t->find_column(s.column.text) : nullptr;
    if (!c || c->comment.value_or("") == s.comment) return;
    ast::CommentOnColumn back;
    back.table = table_name(*t);
    back.column = make_name(c->name, c->quoted);
    back.comment = comment_or_empty(c->comment);
    add(std::move(back));
  }

  void invert_statement(const ast::Insert& s, const SchemaModel& before, const SchemaModel&) {
    const Table* t = before.find_table(s.table.key());
    if (!t) return;
    const Constraint* pk = t->primary_key();
    std::string what =
        fmt::format("insert into {} at {} has no inverse", quoted(t->key), line_of_statement());
    if (!pk) {
      no_inverse(fmt::format("{}: the table has no primary key to delete the rows by", what),
                 "give the table a primary key, or write a `downgrade { }` block that deletes the "
                 "rows");
      return;
    }
    std::vector<size_t> positions;
    for (const auto& key : pk->columns) {
      auto it = std::find_if(s.columns.begin(), s.columns.end(),
                             [&](const ast::Name& n) { return n.text == key; });
      if (it == s.columns.end()) {
        no_inverse(
            fmt::format("{}: primary key column {} is not among the inserted columns", what,
                        quoted(key)),
            fmt::format("insert {} too, or write a `downgrade {{ }}` block that deletes the rows",
                        key));
        return;
      }
      positions.push_back(static_cast<size_t>(it - s.columns.begin()));
    }
    ast::DeleteRows del;
    del.table = table_name(*t);
    del.key_columns = column_names(*t, pk->columns);
    for (const auto& row : s.rows) {
      std::vector<ast::ExprPtr> key;
      for (size_t p : positions) key.push_back(p < row.size() ? row[p] : nullptr);
      del.keys.push_back(std::move(key));
    }
    size_t count = s.rows.size();
    auto& step = add(std::move(del));
    step.loses_data = true;
    step.notes.push_back(fmt::format(
        "Deletes the {} row{} the upgrade inserted into {}, by primary key, with any changes made "
        "to them since.",
        count, count == 1 ? "" : "s", quoted(t->key)));
  }

  void invert_statement(const ast::Execute& s, const SchemaModel&, const SchemaModel&) {
    if (!s.reverse) {
      no_inverse(fmt::format("execute at {} has no reverse", line_of_statement()),
                 "add `reverse $$ ... $$` to the execute, or write a `downgrade { }` block");
      return;
    }
    ast::Execute back;
    back.body = *s.reverse;
    auto& step = add(std::move(back));
    // Where the upgrade ran, its reverse runs; `@allow` silenced rules for
    // the upgrade's SQL, not for this one.
    for (const auto& a : statement_.annotations) {
      if (a.kind == ast::AnnotationKind::Only || a.kind == ast::AnnotationKind::Except) {
        step.statement.annotations.push_back(a);
      }
    }
  }

  void invert_statement(const ast::DeleteRows&, const SchemaModel&, const SchemaModel&) {
    no_inverse(fmt::format("delete at {} has no inverse", line_of_statement()));
  }

  // -------------------------------------------------------- alter table

  // Each action is replayed on its own, so that its inverse sees the table
  // as the previous actions left it; the inverses run in reverse order.
  // One action (most statements) needs no replay: the schema around it is
  // the statement's.
  void invert_alter(const ast::AlterTable& s, const SchemaModel& before, const SchemaModel& after) {
    std::string key = s.name.key();
    if (s.actions.size() == 1) {
      std::visit([&](const auto& a) { invert_action(key, a, before, after); }, s.actions.front());
      return;
    }
    std::vector<std::vector<DowngradeStep>> per_action;
    SchemaModel current = before;
    for (const auto& action : s.actions) {
      ast::Statement single;
      ast::AlterTable one;
      one.name = s.name;
      one.actions.push_back(action);
      single.node = std::move(one);
      single.span = statement_.span;
      SchemaModel next = current;
      DiagnosticSink scratch;
      if (!apply_statement(single, revision_.path, next, options_, scratch)) {
        // Cannot happen: the whole statement replayed, and replay applies
        // its actions one after the other exactly so.
        no_inverse(fmt::format("the actions of alter table at {} do not replay one by one",
                               line_of_statement()));
        return;
      }
      std::visit([&](const auto& a) { invert_action(key, a, current, next); }, action);
      per_action.push_back(take_steps());
      current = std::move(next);
    }
    for (auto it = per_action.rbegin(); it != per_action.rend(); ++it) {
      for (auto& step : *it) steps_.push_back(std::move(step));
    }
  }

  void invert_action(const std::string& key, const ast::AddColumn& a, const SchemaModel&,
                     const SchemaModel& after) {
    const Table& t = *after.find_table(key);
    const Column* c = t.find_column(a.column.name.text);
    if (!c) return;
    ast::DropColumn drop;
    drop.column = make_name(c->name, c->quoted);
    auto& step = add_action(t, std::move(drop));
    step.loses_data = true;
    step.notes.push_back(
        fmt::format("Dropping column {} deletes its values.", quoted(t.key + "." + c->name)));
  }

  void invert_action(const std::string& key, const ast::DropColumn& a, const SchemaModel& before,
                     const SchemaModel& after) {
    const Table& t0 = *before.find_table(key);
    const Column* c = t0.find_column(a.column.text);
    if (!c) return;
    const Table& t1 = *after.find_table(key);
    // A unique key over a column that every row fills with the same default
    // fails on a table with two rows: the column comes back empty (NULLs do
    // not collide), the key after it, and the default last, for new rows.
    std::vector<std::string> keys = unique_keys_lost(t0, t1);
    bool hold_default = !keys.empty() && !c->identity && !is_null_literal(c->default_value) &&
                        same_value_in_every_row(*c->default_value);
    // A filled table takes a not null column only with something to fill it.
    bool not_null = !c->nullable && (c->default_value || c->identity) && !hold_default;
    ast::AddColumn add_column;
    add_column.column = column_def(*c, not_null);
    if (hold_default) add_column.column.default_value = nullptr;
    auto& step = add_action(t1, std::move(add_column));
    std::string column = quoted(t0.key + "." + c->name);
    if (hold_default) {
      step.notes.push_back(fmt::format(
          "Column {} comes back {}with NULL in every row, and its default {} is set again only "
          "after {} {}: the same default in every row would break {}.{}",
          column, c->nullable ? "" : "nullable, ", ast::expr_to_string(*c->default_value),
          keys.size() == 1 ? "unique key" : "unique keys", quoted_list(keys),
          keys.size() == 1 ? "it" : "them",
          c->nullable ? "" : " Set it not null once every row holds a distinct value."));
    } else if (!c->nullable && !not_null) {
      step.notes.push_back(fmt::format(
          "Column {} comes back nullable: it was not null without a default, which a table that "
          "holds rows cannot take.",
          column));
    }
    step.notes.push_back(
        fmt::format("Column {} comes back without its values: they are not restored.", column));
    std::set<std::pair<std::string, std::string>> nullable;
    if (!c->nullable && !not_null) nullable.emplace(key, c->name);
    // Every row holds NULL in the column: a foreign key over it holds.
    std::set<std::pair<std::string, std::string>> all_null;
    if (!c->identity && (hold_default || is_null_literal(c->default_value)))
      all_null.emplace(key, c->name);
    restore_vanished(before, after, key, nullable, all_null);
    if (hold_default) {
      ast::SetDefault back;
      back.column = make_name(c->name, c->quoted);
      back.value = c->default_value;
      add_action(t1, std::move(back));
    }
  }

  // The names of the unique keys (primary key, unique constraints, unique
  // indexes) of `t0` that `t1`, the same table after one action, lacks.
  static std::vector<std::string> unique_keys_lost(const Table& t0, const Table& t1) {
    std::vector<std::string> out;
    for (const auto& k : t0.constraints) {
      bool unique = k.kind == ConstraintKind::PrimaryKey || k.kind == ConstraintKind::Unique;
      if (unique && !t1.find_constraint(k.name)) out.push_back(k.name);
    }
    for (const auto& i : t0.indexes) {
      if (i.unique && !t1.find_index(i.name)) out.push_back(i.name);
    }
    return out;
  }

  static std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out += i + 1 == names.size() ? " and " : ", ";
      out += quoted(names[i]);
    }
    return out;
  }

  void invert_action(const std::string& key, const ast::RenameColumn& a, const SchemaModel& before,
                     const SchemaModel& after) {
    const Column* old = before.find_column(key, a.column.text);
    if (!old || a.column.text == a.new_name.text) return;
    const Table& t1 = *after.find_table(key);
    ast::RenameColumn back;
    back.column = column_name(t1, a.new_name.text);
    back.new_name = make_name(old->name, old->quoted);
    add_action(t1, std::move(back));
  }

  void invert_action(const std::string& key, const ast::AlterColumnType& a,
                     const SchemaModel& before, const SchemaModel& after) {
    const Column* old = before.find_column(key, a.column.text);
    if (!old || ast::same_type(old->type, a.type)) return;
    const Table& t1 = *after.find_table(key);
    const Column* now = t1.find_column(a.column.text);
    if (!now) return;
    auto column = std::make_shared<ast::Expr>();
    column->kind = ast::ExprKind::Column;
    column->names.push_back(make_name(now->name, now->quoted));
    auto cast = std::make_shared<ast::Expr>();
    cast->kind = ast::ExprKind::Cast;
    cast->args.push_back(std::move(column));
    cast->cast_type = old->type;
    ast::AlterColumnType back;
    back.column = make_name(now->name, now->quoted);
    back.type = old->type;
    back.using_expr = std::move(cast);
    auto& step = add_action(t1, std::move(back));
    if (!fits(now->type, old->type)) {
      step.loses_data = true;
      step.notes.push_back(fmt::format(
          "Column {} goes back from {} to {}: values that do not fit are cut or make the "
          "downgrade fail.",
          quoted(t1.key + "." + now->name), ast::type_to_string(now->type),
          ast::type_to_string(old->type)));
    }
  }

  void invert_action(const std::string& key, const ast::SetNotNull& a, const SchemaModel& before,
                     const SchemaModel& after) {
    const Column* old = before.find_column(key, a.column.text);
    if (!old || !old->nullable) return;  // already not null: nothing was done
    const Table& t1 = *after.find_table(key);
    ast::DropNotNull back;
    back.column = column_name(t1, a.column.text);
    add_action(t1, std::move(back));
  }

  void invert_action(const std::string& key, const ast::DropNotNull& a, const SchemaModel& before,
                     const SchemaModel& after) {
    const Column* old = before.find_column(key, a.column.text);
    if (!old || old->nullable) return;
    const Table& t1 = *after.find_table(key);
    ast::SetNotNull back;
    back.column = column_name(t1, a.column.text);
    auto& step = add_action(t1, std::move(back));
    step.notes.push_back(
        fmt::format("Setting column {} back to not null fails if nulls were written since the "
                    "upgrade.",
                    quoted(t1.key + "." + old->name)));
  }

  void invert_action(const std::string& key, const ast::SetDefault& a, const SchemaModel& before,
                     const SchemaModel& after) {
    const Column* old = before.find_column(key, a.column.text);
    if (!old) return;
    restore_default(key, *old, after);
  }

  void invert_action(const std::string& key, const ast::DropDefault& a, const SchemaModel& before,
                     const SchemaModel& after) {
    const Column* old = before.find_column(key, a.column.text);
    if (!old || !old->default_value) return;
    restore_default(key, *old, after);
  }

  void restore_default(const std::string& key, const Column& old, const SchemaModel& after) {
    const Table& t1 = *after.find_table(key);
    const Column* now = t1.find_column(old.name);
    if (!now) return;
    auto text = [](const ast::ExprPtr& e) { return e ? ast::expr_to_string(*e) : std::string(); };
    if (text(now->default_value) == text(old.default_value)) return;
    if (old.default_value) {
      ast::SetDefault back;
      back.column = make_name(now->name, now->quoted);
      back.value = old.default_value;
      add_action(t1, std::move(back));
    } else {
      ast::DropDefault back;
      back.column = make_name(now->name, now->quoted);
      add_action(t1, std::move(back));
    }
  }

  void invert_action(const std::string& key, const ast::SetColumnComment& a,
                     const SchemaModel& before, const SchemaModel& after) {
    const Column* old = before.find_column(key, a.column.text);
    if (!old || old->comment.value_or("") == a.comment) return;
    const Table& t1 = *after.find_table(key);
    ast::SetColumnComment back;
    back.column = column_name(t1, a.column.text);
    back.comment = comment_or_empty(old->comment);
    add_action(t1, std::move(back));
  }

  // The constraints of `key` that `after` has and `before` had not: the
  // one an `add constraint` made, under the name the model gave it.
  void drop_new_constraints(const std::string& key, const SchemaModel& before,
                            const SchemaModel& after) {
    const Table& t0 = *before.find_table(key);
    const Table& t1 = *after.find_table(key);
    for (const auto& c : t1.constraints) {
      if (t0.find_constraint(c.name)) continue;
      ast::DropConstraint drop;
      drop.name = plain_name(c.name);
      add_action(t1, std::move(drop));
    }
  }

  void invert_action(const std::string& key, const ast::AddConstraint&, const SchemaModel& before,
                     const SchemaModel& after) {
    drop_new_constraints(key, before, after);
  }

  void invert_action(const std::string& key, const ast::AddConstraintUsingIndex& a,
                     const SchemaModel& before, const SchemaModel& after) {
    drop_new_constraints(key, before, after);
    // Dropping the constraint drops the index it adopted: build it again,
    // under its own name (PostgreSQL renamed it to the constraint's).
    const Table& t0 = *before.find_table(key);
    if (const Index* index = t0.find_index(a.index.text)) add(create_index(t0, *index, false));
  }

  void invert_action(const std::string&, const ast::ValidateConstraint&, const SchemaModel&,
                     const SchemaModel&) {
    // Nothing to undo: a validated constraint is what `not valid` meant to become.
  }

  void invert_action(const std::string& key, const ast::DropConstraint& a,
                     const SchemaModel& before, const SchemaModel& after) {
    const Table& t0 = *before.find_table(key);
    const Constraint* c = t0.find_constraint(a.name.text);
    if (!c) return;
    ast::AddConstraint back;
    back.constraint = table_constraint(after, t0, *c);
    back.not_valid = !c->validated;
    bool unchecked = c->kind == ConstraintKind::ForeignKey;
    if (unchecked) back.not_valid = true;
    auto& step = add_action(*after.find_table(key), std::move(back));
    if (unchecked) step.notes.push_back(unchecked_note(t0, *c));
  }

  // A foreign key added back to a table that kept its rows: rows written
  // since the upgrade may break it, so it is not checked against them.
  static std::string unchecked_note(const Table& t, const Constraint& c) {
    return fmt::format(
        "Foreign key {} of table {} comes back without a check of the rows already there: rows "
        "written since the upgrade may break it.",
        quoted(c.name), quoted(t.key));
  }

  void invert_action(const std::string& key, const ast::RenameConstraint& a,
                     const SchemaModel& before, const SchemaModel& after) {
    if (a.name.text == a.new_name.text || !before.find_table(key)->find_constraint(a.name.text)) {
      return;
    }
    ast::RenameConstraint back;
    back.name = a.new_name;
    back.new_name = a.name;
    add_action(*after.find_table(key), std::move(back));
  }

  // --------------------------------------------------- restoring objects

  // `create table` with every column and constraint of `t`, then its
  // indexes. Constraints keep their order: create table adds its keys
  // before its foreign keys, so a constraint that would come out of order
  // (or is `not valid`) is added after, by `alter table`.
  void recreate_table(const Table& t, const SchemaModel& after) {
    ast::CreateTable create;
    create.name = table_name(t);
    create.comment = t.comment;
    for (const auto& c : t.columns) create.columns.push_back(column_def(c, !c.nullable));
    size_t inline_count = 0;
    bool seen_foreign = false;
    for (const auto& c : t.constraints) {
      bool foreign = c.kind == ConstraintKind::ForeignKey;
      if (!c.validated || (seen_foreign && !foreign)) break;
      seen_foreign = seen_foreign || foreign;
      create.constraints.push_back(table_constraint(after, t, c));
      ++inline_count;
    }
    add(std::move(create))
        .notes.push_back(
            fmt::format("Table {} comes back empty: its rows are not restored.", quoted(t.key)));
    for (size_t i = inline_count; i < t.constraints.size(); ++i) {
      ast::AddConstraint later;
      later.constraint = table_constraint(after, t, t.constraints[i]);
      later.not_valid = !t.constraints[i].validated;
      add_action(t, std::move(later));
    }
    for (const auto& i : t.indexes) add(create_index(t, i, false));
  }

  // Brings back what the statement dropped besides its target: constraints
  // and indexes of tables that still exist (the altered table first, then
  // the others by key), then views, readers after what they read.
  // `nullable_columns`: (table, column) restored nullable; a primary key on
  // them cannot come back, nor a foreign key that needs that key.
  // `null_columns`: (table, column) restored with NULL in every row. A
  // foreign key comes back unchecked (`not valid`) unless it has one of
  // those columns: the rows of its table were kept, and may break it.
  void restore_vanished(const SchemaModel& before, const SchemaModel& after,
                        const std::string& first_table,
                        const std::set<std::pair<std::string, std::string>>& nullable_columns,
                        const std::set<std::pair<std::string, std::string>>& null_columns) {
    std::vector<const Table*> tables;
    if (const Table* t = after.find_table(first_table)) tables.push_back(t);
    for (const auto& e : after.tables()) {
      if (e.key != first_table) tables.push_back(e.value.get());
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> lost_keys;
    for (const Table* t1 : tables) {
      const Table* t0 = before.find_table(t1->key);
      if (!t0 || t0 == t1) continue;
      for (const auto& c : t0->constraints) {
        if (t1->find_constraint(c.name)) continue;
        if (auto why = unrestorable(*t0, c, nullable_columns, lost_keys)) {
          notes_on_last_step(fmt::format("{} {} of table {} is not restored: {}",
                                         sentence_kind(c.kind), quoted(c.name), quoted(t0->key),
                                         *why));
          if (c.kind == ConstraintKind::PrimaryKey) lost_keys.emplace_back(t0->key, c.columns);
          continue;
        }
        ast::AddConstraint back;
        back.constraint = table_constraint(after, *t0, c);
        back.not_valid = !c.validated;
        bool unchecked = c.kind == ConstraintKind::ForeignKey &&
                         std::none_of(c.columns.begin(), c.columns.end(), [&](const auto& col) {
                           return null_columns.count({t0->key, col}) > 0;
                         });
        if (unchecked) back.not_valid = true;
        auto& step = add_action(*t1, std::move(back));
        if (unchecked) step.notes.push_back(unchecked_note(*t0, c));
      }
      for (const auto& i : t0->indexes) {
        if (!t1->find_index(i.name)) add(create_index(*t1, i, false));
      }
    }
    std::vector<const View*> lost;
    for (const auto& e : before.views()) {
      if (!after.find_view(e.key)) lost.push_back(e.value.get());
    }
    // Sorted by key already; emit each once what it reads is back.
    std::set<std::string> pending;
    for (const View* v : lost) pending.insert(v->key);
    while (!pending.empty()) {
      const View* next = nullptr;
      for (const View* v : lost) {
        if (!pending.count(v->key)) continue;
        if (!next) next = v;  // fallback: replay never builds a cycle of views
        if (std::none_of(v->views.begin(), v->views.end(),
                         [&](const std::string& r) { return pending.count(r) > 0; })) {
          next = v;
          break;
        }
      }
      add(create_view(*next));
      pending.erase(next->key);
    }
  }

  static std::string sentence_kind(ConstraintKind kind) {
    std::string s(ast::constraint_kind_name(kind));
    if (!s.empty()) s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
  }

  // Why constraint `c` of `t` cannot come back, or null when it can.
  static std::optional<std::string> unrestorable(
      const Table& t, const Constraint& c,
      const std::set<std::pair<std::string, std::string>>& nullable_columns,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& lost_keys) {
    if (c.kind == ConstraintKind::PrimaryKey) {
      for (const auto& col : c.columns) {
        if (nullable_columns.count({t.key, col})) {
          return fmt::format("its column {} comes back nullable.", quoted(col));
        }
      }
    }
    if (c.kind == ConstraintKind::ForeignKey) {
      for (const auto& [table, columns] : lost_keys) {
        if (c.ref_table == table && c.ref_columns == columns) {
          return fmt::format("the primary key of {} it references is not restored.", quoted(table));
        }
      }
    }
    return std::nullopt;
  }

  void notes_on_last_step(std::string note) {
    if (!steps_.empty()) steps_.back().notes.push_back(std::move(note));
  }

  const ast::RevisionFile& revision_;
  const ast::Statement& statement_;
  const ReplayOptions& options_;
  DiagnosticSink& sink_;
  std::vector<DowngradeStep> steps_;
  bool failed_ = false;
};

// Consecutive `alter table` steps on one table (from one upgrade
// statement) become one statement, as the user would have written it.
std::vector<DowngradeStep> merge_alters(std::vector<DowngradeStep> steps) {
  std::vector<DowngradeStep> out;
  for (auto& step : steps) {
    auto* alter = std::get_if<ast::AlterTable>(&step.statement.node);
    auto* previous =
        out.empty() ? nullptr : std::get_if<ast::AlterTable>(&out.back().statement.node);
    if (alter && previous && previous->name.key() == alter->name.key()) {
      for (auto& a : alter->actions) previous->actions.push_back(std::move(a));
      for (auto& n : step.notes) out.back().notes.push_back(std::move(n));
      out.back().loses_data = out.back().loses_data || step.loses_data;
      continue;
    }
    out.push_back(std::move(step));
  }
  return out;
}

// A table the downgrade drops takes its indexes and rows with it: a separate
// `drop index` or row delete before it is needless, and can fail: MySQL
// refuses to drop the last index covering a foreign key, and deleting seed
// rows fails while rows of another table (dropped later too) refer to them.
std::vector<DowngradeStep> skip_work_on_dropped_tables(std::vector<DowngradeStep> steps,
                                                       const SchemaModel& after) {
  std::vector<std::string> dropped_later;
  std::vector<bool> keep(steps.size(), true);
  for (size_t i = steps.size(); i-- > 0;) {
    const ast::StatementNode& node = steps[i].statement.node;
    if (const auto* drop = std::get_if<ast::DropTable>(&node)) {
      dropped_later.push_back(drop->name.key());
    } else if (const auto* rows = std::get_if<ast::DeleteRows>(&node)) {
      if (std::find(dropped_later.begin(), dropped_later.end(), rows->table.key()) !=
          dropped_later.end()) {
        keep[i] = false;
      }
    } else if (const auto* index = std::get_if<ast::DropIndex>(&node)) {
      IndexRef ref = after.find_index(index->name.key());
      if (ref.table && std::find(dropped_later.begin(), dropped_later.end(), ref.table->key) !=
                           dropped_later.end()) {
        keep[i] = false;
      }
    }
  }
  std::vector<DowngradeStep> out;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (keep[i]) out.push_back(std::move(steps[i]));
  }
  return out;
}

// Replays `steps` on `after`; reports the first step that does not apply.
// The schema after the last step is not needed, only whether it applies
// (most inverses are one step: a drop).
bool check_steps(const std::vector<DowngradeStep>& steps, const ast::RevisionFile& revision,
                 const ast::Statement& statement, const SchemaModel& after,
                 const ReplayOptions& options, DiagnosticSink& sink) {
  SchemaModel schema = after;
  for (size_t i = 0; i < steps.size(); ++i) {
    const DowngradeStep& step = steps[i];
    DiagnosticSink scratch;
    bool applies = i + 1 < steps.size()
                       ? apply_statement(step.statement, revision.path, schema, options, scratch)
                       : statement_applies(step.statement, revision.path, schema, options, scratch);
    if (applies) continue;
    std::string why = scratch.diagnostics().empty() ? std::string("it does not replay")
                                                    : scratch.diagnostics().front().message;
    sink.report(Diagnostic{
        Severity::error, "downgrade", revision.path, statement.span,
        fmt::format("cannot derive the downgrade of revision {}: the inverse of {} at line {} "
                    "would fail ({})",
                    quoted(revision.header.id.text), ast::statement_kind_name(statement.node),
                    statement.span.line, why),
        "write a `downgrade { }` block for this revision", revision.header.id.text});
    return false;
  }
  return true;
}

/// plan_downgrade's body. `replay(i, schema, after)` sets `after` to the
/// schema after upgrade statement i, given the one before it, and says
/// whether the statement replayed.
template <typename Replay>
DowngradePlan derive_plan(const ast::RevisionFile& revision, const SchemaModel& before,
                          const ReplayOptions& options, DiagnosticSink& sink, Replay replay) {
  DowngradePlan plan;
  const std::string& id = revision.header.id.text;
  if (revision.downgrade_kind == ast::DowngradeKind::Written) {
    for (const auto& statement : revision.downgrade) {
      DowngradeStep step;
      step.statement = statement;
      plan.steps.push_back(std::move(step));
    }
    return plan;
  }
  if (revision.downgrade_kind == ast::DowngradeKind::Irreversible) {
    plan.ok = false;
    SourceSpan span = revision.header.span.valid() ? revision.header.span : revision.upgrade_span;
    sink.report(
        Diagnostic{Severity::error, "downgrade", revision.path, span,
                   fmt::format("revision {} is irreversible (downgrade irreversible)", quoted(id)),
                   "downgrade to this revision or a later one, or replace `downgrade "
                   "irreversible;` with a `downgrade { }` block",
                   id});
    return plan;
  }

  plan.derived = true;
  std::vector<std::vector<DowngradeStep>> inverses;
  SchemaModel schema = before;
  for (size_t i = 0; i < revision.upgrade.size(); ++i) {
    const ast::Statement& statement = revision.upgrade[i];
    SchemaModel after;
    if (!replay(i, schema, after)) {
      // The replay reports the schema error itself; past it the schema is
      // unknown, so nothing more can be derived.
      plan.ok = false;
      sink.report(Diagnostic{
          Severity::error, "downgrade", revision.path, statement.span,
          fmt::format("cannot derive the downgrade of revision {}: its {} at line {} does not "
                      "replay",
                      quoted(id), ast::statement_kind_name(statement.node), statement.span.line),
          "fix the schema errors of this revision first", id});
      break;
    }
    Inverter inverter(revision, statement, options, sink);
    inverter.invert(schema, after);
    if (inverter.failed()) {
      plan.ok = false;
    } else {
      auto steps = merge_alters(inverter.take_steps());
      if (check_steps(steps, revision, statement, after, options, sink)) {
        inverses.push_back(std::move(steps));
      } else {
        plan.ok = false;
      }
    }
    schema = std::move(after);
  }
  if (!plan.ok) return plan;
  std::vector<DowngradeStep> steps;
  for (auto it = inverses.rbegin(); it != inverses.rend(); ++it) {
    for (auto& step : *it) steps.push_back(std::move(step));
  }
  plan.steps = skip_work_on_dropped_tables(std::move(steps), schema);
  return plan;
}

}  // namespace

DowngradePlan plan_downgrade(const ast::RevisionFile& revision, const SchemaModel& before,
                             const ReplayOptions& options, DiagnosticSink& sink) {
  return derive_plan(revision, before, options, sink,
                     [&](size_t i, const SchemaModel& schema, SchemaModel& after) {
                       after = schema;
                       DiagnosticSink scratch;
                       return apply_statement(revision.upgrade[i], revision.path, after, options,
                                              scratch, revision.header.id.text);
                     });
}

DowngradePlan plan_downgrade_from_replay(const ast::RevisionFile& revision,
                                         const std::vector<ReplayedStatement>& replayed,
                                         const ReplayOptions& options, DiagnosticSink& sink) {
  const SchemaModel empty;
  const SchemaModel& before = replayed.empty() ? empty : *replayed.front().before;
  return derive_plan(revision, before, options, sink,
                     [&](size_t i, const SchemaModel&, SchemaModel& after) {
                       if (i >= replayed.size() || !replayed[i].applied) return false;
                       after = *replayed[i].after;
                       return true;
                     });
}

}  // namespace retort
