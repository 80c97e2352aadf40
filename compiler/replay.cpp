#include "compiler/replay.h"

#include "compiler/text_util.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "compiler/alembic_names.h"
#include "compiler/overloaded.h"

// Notes on choices the spec leaves open, so that later stages can rely on them:
// - A statement is applied to a copy of the model (O(1): the model shares
//   structure) and committed only when it raised no error, so a failed
//   statement leaves the schema exactly as it was. The actions of one
//   `alter table` are all checked (each against the state the previous ones
//   left), so one statement can report several errors.
// - `drop column` drops the indexes and constraints of the same table that
//   use the column, as PostgreSQL does (lint's `drop-column-drops-index`
//   names them); foreign keys of other tables and views that use the column
//   need `cascade`, which drops them too.
// - `set not null` on a not-null column and `drop default` without a default
//   are no-ops, as on PostgreSQL; `alter column type` to the same type is a
//   no-op too, but then `using` is an error (it would do nothing).
// - Foreign key types are compared by portable type family (`integer` vs
//   `bigint` differ; `string(10)` vs `string(20)` do not: every dialect
//   accepts string keys of different lengths).
// - `comment ... is ''` removes the comment, as on PostgreSQL.
// - MySQL/MariaDB create an index for a foreign key that no index covers;
//   that implicit index is NOT modelled here: the MySQL renderer adds it.
// - A constraint an Alembic script left unnamed (`server_named`) gets the
//   name each server would give it at that point, from the schema: its
//   canonical name is PostgreSQL's, and `dialect_names` holds MySQL's and
//   MariaDB's (see predict_server_names). Drops and renames find it by any.

namespace retort {

namespace {

using ast::ConstraintKind;
using ast::TypeKind;

std::string quoted(std::string_view s) {
  return fmt::format("\"{}\"", s);
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// `"a", "b" and "c"`.
std::string join_quoted(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// `did you mean "x"?` for the closest candidate within two edits, else "".
template <class Range>
std::string suggest(std::string_view wrong, const Range& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 3;
  for (const std::string& c : candidates) {
    // Cheap bound first: lengths more than two apart are more than two edits apart.
    if (c.size() + 2 < wrong.size() || wrong.size() + 2 < c.size()) continue;
    size_t d = edit_distance(wrong, c);
    if (d < best_distance && d < std::max(wrong.size(), c.size())) {
      best = &c;
      best_distance = d;
    }
  }
  return best ? fmt::format("did you mean {}?", quoted(*best)) : std::string();
}

bool is_integer(const ast::Type& t) {
  return t.kind == TypeKind::Smallint || t.kind == TypeKind::Integer || t.kind == TypeKind::Bigint;
}

// Whether a foreign key may join columns of these two types (see the note above).
bool same_type_family(const ast::Type& a, const ast::Type& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == TypeKind::Enum) return a.enum_name->key() == b.enum_name->key();
  if (a.kind == TypeKind::Native) return ast::type_to_string(a) == ast::type_to_string(b);
  return true;
}

const char* const kPortableTypes[] = {
    "boolean", "smallint", "integer",   "int",         "bigint", "decimal", "numeric", "real",
    "double",  "string",   "varchar",   "char",        "text",   "binary",  "blob",    "bytes",
    "date",    "time",     "timestamp", "timestamptz", "uuid",   "json",
};

// The column references of an expression with their names (for spans).
void column_names(const ast::Expr& e, std::vector<const ast::Name*>& out) {
  if (e.kind == ast::ExprKind::Column && !e.names.empty()) out.push_back(&e.names.back());
  for (const auto& a : e.args) {
    if (a) column_names(*a, out);
  }
}

// `e` with column `from` renamed to `to`; the same pointer when untouched
// (expressions are shared between snapshots, never edited in place).
ast::ExprPtr rename_in_expr(const ast::ExprPtr& e, std::string_view from, const std::string& to) {
  if (!e) return e;
  bool changed = false;
  std::vector<ast::ExprPtr> args;
  args.reserve(e->args.size());
  for (const auto& a : e->args) {
    args.push_back(rename_in_expr(a, from, to));
    changed = changed || args.back() != a;
  }
  bool hit = e->kind == ast::ExprKind::Column && !e->names.empty() && e->names.back().text == from;
  if (!changed && !hit) return e;
  auto copy = std::make_shared<ast::Expr>(*e);
  copy->args = std::move(args);
  if (hit) copy->names.back().text = to;
  return copy;
}

// A comment as the model keeps it: an empty one is none.
std::optional<std::string> comment_text(std::string_view c) {
  if (c.empty()) return std::nullopt;
  return std::string(c);
}

std::string name_with_limit(std::string_view pattern, const Table& table,
                            const std::vector<std::string>& columns, std::string_view ref_table,
                            size_t max_bytes, size_t n) {
  if (n == 1) return apply_naming(pattern, table.name, columns, ref_table, max_bytes);
  std::string suffix = fmt::format("_{}", n);
  size_t limit =
      max_bytes == 0 ? 0 : (max_bytes > suffix.size() + 9 ? max_bytes - suffix.size() : 10);
  return apply_naming(pattern, table.name, columns, ref_table, limit) + suffix;
}

std::string generate_name_avoiding(const SchemaModel& schema, std::string_view pattern,
                                   const Table& table, const std::vector<std::string>& columns,
                                   std::string_view ref_table, const ReplayOptions& options,
                                   const std::set<std::string>& pending) {
  for (size_t n = 1;; ++n) {
    std::string name =
        name_with_limit(pattern, table, columns, ref_table, options.max_name_bytes, n);
    if (!schema.name_taken(qualify(table.schema, name)) && !pending.count(name)) return name;
  }
}

// Applies one statement to `work`, a copy of the model, reporting problems.
class Replayer {
 public:
  Replayer(const ast::Statement& statement, const std::string& file, std::string_view revision,
           SchemaModel& work, const ReplayOptions& options, DiagnosticSink& sink)
      : statement_(statement),
        file_(file),
        revision_(revision),
        work_(work),
        options_(options),
        sink_(sink) {}

  bool failed() const { return errors_ > 0; }

  /// Reports what visiting the statement would, without changing the
  /// model, for the statements whose checks all come before their first
  /// change (the drops, and an `alter table` of one rename, type change or
  /// column drop): whether it applies. Nullopt, having reported nothing,
  /// for the others.
  std::optional<bool> check_only() {
    const ast::StatementNode& node = statement_.node;
    if (const auto* s = std::get_if<ast::DropTable>(&node)) {
      plan(*s);
      return !failed();
    }
    if (const auto* s = std::get_if<ast::DropIndex>(&node)) {
      plan(*s);
      return !failed();
    }
    const auto* alter = std::get_if<ast::AlterTable>(&node);
    if (!alter || alter->actions.size() != 1) return std::nullopt;
    // One action that has a plan: the table first, as operator() does.
    auto checked = [&](const auto& action) -> std::optional<bool> {
      const Table* t = need_table(alter->name);
      if (!t) return false;
      plan(t->key, action);
      return !failed();
    };
    return std::visit(Overloaded{
                          [&](const ast::DropColumn& a) { return checked(a); },
                          [&](const ast::RenameColumn& a) { return checked(a); },
                          [&](const ast::AlterColumnType& a) { return checked(a); },
                          [](const auto&) -> std::optional<bool> { return std::nullopt; },
                      },
                      alter->actions.front());
  }

  void operator()(const ast::CreateTable& s) {
    if (!need_schema(s.name)) return;
    std::string key = s.name.key();
    if (work_.find_table(key)) {
      if (!s.if_not_exists) error(s.name.span, fmt::format("table {} already exists", quoted(key)));
      return;
    }
    if (!free_relation_name(key, s.name.span)) return;
    Table t;
    t.key = key;
    t.schema = s.name.schema ? s.name.schema->text : std::string();
    t.name = s.name.name.text;
    t.quoted = s.name.name.quoted;
    if (s.comment) t.comment = comment_text(*s.comment);
    std::set<std::string> declared_null;
    std::vector<ast::TableConstraint> constraints;
    for (const auto& d : s.columns) {
      if (t.find_column(d.name.text)) {
        error(d.name.span,
              fmt::format("column {} appears twice in table {}", quoted(d.name.text), quoted(key)));
        continue;
      }
      if (!free_column_name(t, d.name)) continue;
      t.columns.push_back(build_column(d));
      if (d.not_null == false) declared_null.insert(d.name.text);
      lift_constraints(d, constraints);
    }
    constraints.insert(constraints.end(), s.constraints.begin(), s.constraints.end());
    add_constraints(t, constraints, false, &declared_null);
    if (!failed()) work_.put_table(std::move(t));
  }

  void operator()(const ast::DropTable& s) {
    if (auto drop = plan(s)) carry_out(*drop);
  }

  // What a drop takes with it outside its table (with `cascade`): checked,
  // not yet done. Keys, not pointers: each change replaces the tables it
  // touches.
  struct Dependents {
    std::vector<std::pair<std::string, std::string>> foreign_keys;  // (table, constraint)
    std::vector<std::string> views;
  };
  void drop_dependents(const Dependents& d) {
    for (const auto& [table, name] : d.foreign_keys) drop_constraint_of(table, name);
    for (const auto& v : d.views) drop_view_cascade(v);
  }

  struct TableDrop {
    std::string key;
    Dependents dependents;
  };

  std::optional<TableDrop> plan(const ast::DropTable& s) {
    const Table* t = s.if_exists ? work_.find_table(s.name.key()) : need_table(s.name);
    if (!t) return std::nullopt;
    std::string key = t->key;
    std::vector<ConstraintRef> fks;
    for (const auto& r : work_.foreign_keys_to(key)) {
      if (r.table->key != key) fks.push_back(r);
    }
    std::vector<const View*> views = work_.views_reading(key);
    if (!s.cascade && !fks.empty()) {
      const ConstraintRef& r = fks.front();
      error(s.name.span,
            fmt::format("table {} is referenced by foreign key {} of table {}", quoted(key),
                        quoted(r.constraint->name), quoted(r.table->key)),
            fmt::format("drop that constraint first, or use `drop table {} cascade`", key));
      return std::nullopt;
    }
    if (!s.cascade && !views.empty()) {
      error(s.name.span,
            fmt::format("table {} is read by view {}", quoted(key), quoted(views[0]->key)),
            fmt::format("drop view {} first, or use `drop table {} cascade`", views[0]->key, key));
      return std::nullopt;
    }
    TableDrop drop{std::move(key), {constraint_keys(fks), {}}};
    for (const View* v : views) drop.dependents.views.push_back(v->key);
    return drop;
  }

  void carry_out(const TableDrop& drop) {
    drop_dependents(drop.dependents);
    work_.remove_table(drop.key);
  }

  void operator()(const ast::RenameTable& s) {
    const Table* old = need_table(s.name);
    if (!old) return;
    std::string old_key = old->key;
    std::string new_key = qualify(old->schema, s.new_name.text);
    if (new_key == old_key) {
      error(s.new_name.span, fmt::format("table {} is already named so", quoted(new_key)));
      return;
    }
    if (work_.find_table(new_key)) {
      error(s.new_name.span, fmt::format("table {} already exists", quoted(new_key)));
      return;
    }
    if (!free_relation_name(new_key, s.new_name.span, old_key)) return;
    Table t = *old;
    t.key = new_key;
    t.name = s.new_name.text;
    t.quoted = s.new_name.quoted;
    for (auto& i : t.indexes) i.table = new_key;
    for (auto& c : t.constraints) {
      if (c.kind == ConstraintKind::ForeignKey && c.ref_table == old_key) c.ref_table = new_key;
      rename_numbered_names(c, old->name, t.name);
    }
    work_.remove_table(old_key);
    work_.put_table(std::move(t));
    // Foreign keys and views follow the table (PostgreSQL binds them to the
    // object, not to its name).
    for (const auto& table : table_keys(work_.foreign_keys_to(old_key))) {
      Table other = current(table);
      for (auto& c : other.constraints) {
        if (c.kind == ConstraintKind::ForeignKey && c.ref_table == old_key) c.ref_table = new_key;
      }
      work_.put_table(std::move(other));
    }
    std::vector<std::string> view_keys;
    for (const View* v : work_.views_reading(old_key)) view_keys.push_back(v->key);
    for (const auto& view : view_keys) {
      View copy = *work_.find_view(view);
      std::replace(copy.tables.begin(), copy.tables.end(), old_key, new_key);
      std::sort(copy.tables.begin(), copy.tables.end());
      work_.put_view(std::move(copy));
    }
  }

  // InnoDB renames a foreign key named `{old}_ibfk_{N}` with its table,
  // whoever chose the name (checked on MariaDB 10.11); MySQL 8 renames the
  // `{old}_chk_{N}` it gave a check (from its manual, not checked here).
  static void rename_numbered_names(Constraint& c, const std::string& from, const std::string& to) {
    if (c.kind != ConstraintKind::ForeignKey &&
        !(c.kind == ConstraintKind::Check && c.server_named)) {
      return;
    }
    std::string_view infix = c.kind == ConstraintKind::ForeignKey ? "_ibfk_" : "_chk_";
    for (const std::string dialect : {"mariadb", "mysql"}) {
      if (infix == "_chk_" && dialect != "mysql") continue;
      std::string old_name = c.name_on(dialect);
      auto renamed = alembic::mysql_renamed(old_name, from, to, infix);
      if (!renamed) continue;
      if (c.kind == ConstraintKind::ForeignKey) {
        // The index the server made for it keeps its name.
        std::string index = c.index_names.count(dialect) ? c.index_names[dialect] : old_name;
        if (index == *renamed) {
          c.index_names.erase(dialect);
        } else {
          c.index_names[dialect] = index;
        }
      }
      c.dialect_names[dialect] = *renamed;
    }
  }

  void operator()(const ast::AlterTable& s) {
    const Table* t = need_table(s.name);
    if (!t) return;
    std::string key = t->key;
    for (const auto& action : s.actions) {
      std::visit([&](const auto& a) { apply(key, a); }, action);
    }
  }

  void operator()(const ast::CreateIndex& s) {
    const Table* found = need_table(s.table);
    if (!found) return;
    const Table& t = *found;
    Index index;
    index.table = t.key;
    index.unique = s.unique;
    index.where = s.where;
    if (s.method) index.method = s.method->text;
    std::vector<std::string> name_columns;
    for (const auto& k : s.keys) {
      IndexKeyDef def;
      def.descending = k.descending;
      if (k.column) {
        need_column(t, *k.column);
        def.column = k.column->text;
        if (!contains(name_columns, def.column)) name_columns.push_back(def.column);
      } else if (k.expr) {
        need_expr_columns(t, *k.expr);
        def.expr = k.expr;
        for (auto& c : ast::expr_columns(*k.expr)) {
          if (!contains(name_columns, c)) name_columns.push_back(std::move(c));
        }
      }
      index.keys.push_back(std::move(def));
    }
    for (const auto& c : s.include) {
      need_column(t, c);
      index.include.push_back(c.text);
    }
    if (s.where) need_expr_columns(t, *s.where);
    if (s.name) {
      if (work_.name_taken(qualify(t.schema, s.name->text))) {
        // `if not exists` skips the statement, as PostgreSQL does, whatever holds the name.
        if (s.if_not_exists) return;
        name_clash(s.name->text, t.schema, s.name->span);
        return;
      }
      index.name = s.name->text;
    } else {
      index.name =
          generate_name_avoiding(work_, options_.naming.index, t, name_columns, {}, options_, {});
    }
    if (failed()) return;
    Table copy = t;
    copy.indexes.push_back(std::move(index));
    work_.put_table(std::move(copy));
  }

  void operator()(const ast::DropIndex& s) {
    if (auto drop = plan(s)) carry_out(*drop);
  }

  struct IndexDrop {
    std::string table;  // key
    std::string name;
  };

  std::optional<IndexDrop> plan(const ast::DropIndex& s) {
    std::string key = s.name.key();
    IndexRef ref = work_.find_index(key);
    if (!ref) {
      if (ConstraintRef c = work_.find_constraint(key)) {
        error(s.name.span,
              fmt::format("{} is a constraint of table {}, not an index", quoted(key),
                          quoted(c.table->key)),
              fmt::format("drop it with `alter table {} drop constraint {}`", c.table->key,
                          c.constraint->name));
      } else if (!s.if_exists) {
        error(s.name.span, fmt::format("index {} does not exist", quoted(key)), suggest_index(key));
      }
      return std::nullopt;
    }
    return IndexDrop{ref.table->key, ref.index->name};
  }

  void carry_out(const IndexDrop& drop) {
    Table t = current(drop.table);
    std::erase_if(t.indexes, [&](const Index& i) { return i.name == drop.name; });
    work_.put_table(std::move(t));
  }

  void operator()(const ast::RenameIndex& s) {
    std::string key = s.name.key();
    const NameOwner* owner = work_.name_owner(key);
    if (!owner) {
      error(s.name.span, fmt::format("index {} does not exist", quoted(key)), suggest_index(key));
      return;
    }
    Table t = *work_.find_table(owner->table);
    std::string old_name(name_of(key));
    if (s.new_name.text == old_name) return;
    if (work_.name_taken(qualify(t.schema, s.new_name.text))) {
      name_clash(s.new_name.text, t.schema, s.new_name.span);
      return;
    }
    // PostgreSQL's `alter index` also renames the constraint a pk or unique index backs.
    for (auto& i : t.indexes) {
      if (i.name == old_name) i.name = s.new_name.text;
    }
    for (auto& c : t.constraints) {
      if (c.name == old_name) c.name = s.new_name.text;
    }
    work_.put_table(std::move(t));
  }

  void operator()(const ast::CreateEnum& s) {
    if (!need_schema(s.name)) return;
    std::string key = s.name.key();
    if (work_.find_enum(key)) {
      error(s.name.span, fmt::format("enum {} already exists", quoted(key)));
      return;
    }
    Enum e;
    e.key = key;
    e.schema = s.name.schema ? s.name.schema->text : std::string();
    e.name = s.name.name.text;
    for (const auto& v : s.values) {
      if (e.has_value(v.value)) {
        error(v.span, fmt::format("enum {} has the value '{}' twice", quoted(key), v.value));
        continue;
      }
      e.values.push_back(v.value);
    }
    if (!failed()) work_.put_enum(std::move(e));
  }

  void operator()(const ast::AlterEnumAddValue& s) {
    std::string key = s.name.key();
    const Enum* found = work_.find_enum(key);
    if (!found) {
      std::vector<std::string> names;
      for (const auto& e : work_.enums()) names.push_back(e.key);
      error(s.name.span, fmt::format("enum {} does not exist", quoted(key)), suggest(key, names));
      return;
    }
    Enum e = *found;
    if (e.has_value(s.value.value)) {
      error(s.value.span,
            fmt::format("enum {} already has the value '{}'", quoted(key), s.value.value));
      return;
    }
    auto position = e.values.end();
    const ast::EnumValue* anchor = s.before ? &*s.before : s.after ? &*s.after : nullptr;
    if (anchor) {
      auto it = std::find(e.values.begin(), e.values.end(), anchor->value);
      if (it == e.values.end()) {
        std::string help = suggest(anchor->value, e.values);
        error(anchor->span, fmt::format("enum {} has no value '{}'", quoted(key), anchor->value),
              help.empty() ? fmt::format("its values are {}", value_list(e)) : help);
        return;
      }
      position = s.before ? it : it + 1;
    }
    e.values.insert(position, s.value.value);
    work_.put_enum(std::move(e));
  }

  void operator()(const ast::DropEnum& s) {
    std::string key = s.name.key();
    if (!work_.find_enum(key)) {
      std::vector<std::string> names;
      for (const auto& e : work_.enums()) names.push_back(e.key);
      error(s.name.span, fmt::format("enum {} does not exist", quoted(key)), suggest(key, names));
      return;
    }
    auto users = work_.columns_using_enum(key);
    if (!users.empty()) {
      std::vector<std::string> names;
      for (const auto& u : users)
        names.push_back(quoted(u.table->key) + "." + quoted(u.column->name));
      error(s.name.span,
            fmt::format("enum {} is used by column{} {}", quoted(key), names.size() > 1 ? "s" : "",
                        join_quoted(names)),
            "change the type of those columns or drop them first");
      return;
    }
    work_.remove_enum(key);
  }

  void operator()(const ast::CreateView& s) {
    if (!need_schema(s.name)) return;
    std::string key = s.name.key();
    if (work_.find_view(key)) {
      error(s.name.span, fmt::format("view {} already exists", quoted(key)));
      return;
    }
    if (!free_relation_name(key, s.name.span)) return;
    View v;
    v.key = key;
    v.schema = s.name.schema ? s.name.schema->text : std::string();
    v.name = s.name.name.text;
    v.body = s.body;
    auto [tables, views] = work_.names_read_by(s.body);
    v.tables = std::move(tables);
    v.views = std::move(views);
    work_.put_view(std::move(v));
  }

  void operator()(const ast::DropView& s) {
    std::string key = s.name.key();
    if (!work_.find_view(key)) {
      std::vector<std::string> names;
      for (const auto& v : work_.views()) names.push_back(v.key);
      error(s.name.span, fmt::format("view {} does not exist", quoted(key)), suggest(key, names));
      return;
    }
    auto readers = work_.views_reading_view(key);
    if (!readers.empty()) {
      error(s.name.span,
            fmt::format("view {} is read by view {}", quoted(key), quoted(readers[0]->key)),
            fmt::format("drop view {} first", readers[0]->key));
      return;
    }
    work_.remove_view(key);
  }

  void operator()(const ast::CreateSchema& s) {
    if (work_.has_schema(s.name.text)) {
      error(s.name.span, fmt::format("schema {} already exists", quoted(s.name.text)));
      return;
    }
    work_.add_schema(s.name.text);
  }

  void operator()(const ast::DropSchema& s) {
    if (!work_.has_schema(s.name.text) || s.name.text.empty()) {
      error(s.name.span, fmt::format("schema {} does not exist", quoted(s.name.text)),
            suggest(s.name.text, work_.schemas()));
      return;
    }
    auto objects = work_.objects_in_schema(s.name.text);
    if (!objects.empty()) {
      std::vector<std::string> names;
      for (size_t i = 0; i < objects.size() && i < 3; ++i) names.push_back(quoted(objects[i]));
      if (objects.size() > 3) names.push_back(fmt::format("{} more", objects.size() - 3));
      error(s.name.span,
            fmt::format("schema {} is not empty: it holds {}", quoted(s.name.text),
                        join_quoted(names)),
            "drop its tables, views and enums first");
      return;
    }
    work_.remove_schema(s.name.text);
  }

  void operator()(const ast::CommentOnTable& s) {
    const Table* found = need_table(s.table);
    if (!found) return;
    Table t = *found;
    t.comment = comment_text(s.comment);
    work_.put_table(std::move(t));
  }

  void operator()(const ast::CommentOnColumn& s) {
    const Table* found = need_table(s.table);
    if (!found || !need_column(*found, s.column)) return;
    Table t = *found;
    t.find_column(s.column.text)->comment = comment_text(s.comment);
    work_.put_table(std::move(t));
  }

  void operator()(const ast::Insert& s) {
    const Table* found = need_table(s.table);
    if (!found) return;
    const Table& t = *found;
    std::vector<const Column*> columns;
    std::set<std::string> seen;
    for (const auto& n : s.columns) {
      if (!seen.insert(n.text).second) {
        error(n.span, fmt::format("column {} appears twice in the insert", quoted(n.text)));
      }
      columns.push_back(need_column(t, n));
    }
    for (const auto& c : t.columns) {
      if (!c.nullable && !c.default_value && !c.identity && !seen.count(c.name)) {
        error(s.table.span,
              fmt::format("column {} of table {} is not null and has no default, but the insert "
                          "does not set it",
                          quoted(c.name), quoted(t.key)),
              fmt::format("add {} to the column list", c.name));
      }
    }
    for (size_t r = 0; r < s.rows.size(); ++r) {
      const auto& row = s.rows[r];
      if (row.size() != s.columns.size()) {
        SourceSpan span = statement_.span;
        if (!row.empty() && row.front() && row.back()) {
          span = row.front()->span;
          span.end = row.back()->span.end;
          span.end_line = row.back()->span.end_line;
          span.end_column = row.back()->span.end_column;
        }
        error(span, fmt::format("row {} has {} value{} but {} column{} named", r + 1, row.size(),
                                row.size() == 1 ? "" : "s", s.columns.size(),
                                s.columns.size() == 1 ? " is" : "s are"));
        continue;
      }
      for (size_t i = 0; i < row.size(); ++i) {
        const Column* c = columns[i];
        if (!c || !row[i]) continue;
        if (row[i]->kind == ast::ExprKind::Null && !c->nullable) {
          error(row[i]->span, fmt::format("column {} is not null, but row {} gives it null",
                                          quoted(c->name), r + 1));
        } else if (row[i]->kind == ast::ExprKind::String && c->type.kind == TypeKind::Enum) {
          const Enum* e = work_.find_enum(c->type.enum_name->key());
          if (e && !e->has_value(row[i]->text)) {
            std::string help = suggest(row[i]->text, e->values);
            error(row[i]->span,
                  fmt::format("enum {} has no value '{}'", quoted(e->key), row[i]->text),
                  help.empty() ? fmt::format("its values are {}", value_list(*e)) : help);
          }
        }
      }
    }
  }

  void operator()(const ast::Execute&) {
    // The compiler cannot see into raw SQL: the model does not change.
  }

  void operator()(const ast::DeleteRows& s) {
    // Rows are not modelled; only the table and key columns must exist.
    const Table* t = need_table(s.table);
    if (!t) return;
    for (const auto& c : s.key_columns) {
      if (!t->find_column(c.text)) {
        error(c.span, fmt::format("table {} has no column {}", quoted(t->key), quoted(c.text)));
      }
    }
  }

 private:
  // ------------------------------------------------------------ reporting

  SourceSpan at(const SourceSpan& span) const { return span.valid() ? span : statement_.span; }

  void error(const SourceSpan& span, std::string message, std::string help = {}) {
    ++errors_;
    sink_.report(Diagnostic{Severity::error, "schema", file_, at(span), std::move(message),
                            std::move(help), std::string(revision_)});
  }

  bool ignores_case() const {
    for (const auto& d : options_.dialects) {
      if (d == "mssql" || d == "mysql" || d == "mariadb") return true;
    }
    return false;
  }
  std::string case_dialect() const {
    for (const auto& d : options_.dialects) {
      if (d == "mssql" || d == "mysql" || d == "mariadb") return d;
    }
    return {};
  }

  static std::string value_list(const Enum& e) {
    std::vector<std::string> values;
    for (const auto& v : e.values) values.push_back("'" + v + "'");
    return join_quoted(values);
  }

  std::string suggest_index(std::string_view key) const {
    std::vector<std::string> names;
    std::string_view schema = schema_of(key);
    for (const auto& e : work_.tables()) {
      if (e.value->schema != schema) continue;
      for (const auto& i : e.value->indexes) names.push_back(qualify(schema, i.name));
    }
    return suggest(key, names);
  }

  void name_clash(std::string_view name, std::string_view schema, const SourceSpan& span) {
    const NameOwner* owner = work_.name_owner(qualify(schema, name));
    error(span,
          fmt::format("{} {} already exists on table {}", owner->is_index ? "index" : "constraint",
                      quoted(name), quoted(owner->table)),
          "indexes and constraints share one namespace per schema: choose another name");
  }

  // --------------------------------------------------------------- lookups

  bool need_schema(const ast::QualifiedName& q) {
    if (!q.schema || work_.has_schema(q.schema->text)) return true;
    error(q.schema->span, fmt::format("schema {} does not exist", quoted(q.schema->text)),
          fmt::format("create it first: `create schema {};`", q.schema->text));
    return false;
  }

  const Table* need_table(const ast::QualifiedName& q) {
    std::string key = q.key();
    if (const Table* t = work_.find_table(key)) return t;
    std::vector<std::string> names;
    for (const auto& e : work_.tables()) names.push_back(e.key);
    std::string help = suggest(key, names);
    if (help.empty() && work_.find_view(key)) help = fmt::format("{} is a view", quoted(key));
    error(q.span, fmt::format("table {} does not exist", quoted(key)), help);
    return nullptr;
  }

  const Column* need_column(const Table& t, const ast::Name& column) {
    if (const Column* c = t.find_column(column.text)) return c;
    std::vector<std::string> names;
    for (const auto& c : t.columns) names.push_back(c.name);
    error(column.span, fmt::format("table {} has no column {}", quoted(t.key), quoted(column.text)),
          suggest(column.text, names));
    return nullptr;
  }

  bool need_expr_columns(const Table& t, const ast::Expr& e) {
    std::vector<const ast::Name*> names;
    column_names(e, names);
    bool ok = true;
    for (const auto* n : names) ok = need_column(t, *n) && ok;
    return ok;
  }

  // A new table or view name must not be taken by the other kind, nor (on
  // dialects that ignore case) differ only in case from a table.
  bool free_relation_name(const std::string& key, const SourceSpan& span,
                          std::string_view renamed_from = {}) {
    if (work_.find_view(key)) {
      error(span, fmt::format("a view named {} already exists", quoted(key)));
      return false;
    }
    if (work_.find_table(key)) {
      error(span, fmt::format("a table named {} already exists", quoted(key)));
      return false;
    }
    if (ignores_case()) {
      const Table* other = work_.find_table_ignoring_case(key, renamed_from);
      if (other && other->key != key) {
        error(span,
              fmt::format("table {} differs only in case from table {}", quoted(key),
                          quoted(other->key)),
              fmt::format("{} does not tell them apart: choose another name", case_dialect()));
        return false;
      }
    }
    return true;
  }

  bool free_column_name(const Table& t, const ast::Name& name) {
    if (!ignores_case()) return true;
    std::string lower = lower_ascii(name.text);
    for (const auto& c : t.columns) {
      if (c.name != name.text && lower_ascii(c.name) == lower) {
        error(name.span,
              fmt::format("column {} differs only in case from column {} of table {}",
                          quoted(name.text), quoted(c.name), quoted(t.key)),
              fmt::format("{} does not tell them apart: choose another name", case_dialect()));
        return false;
      }
    }
    return true;
  }

  bool check_type(const ast::Type& type, const SourceSpan& fallback) {
    if (type.kind != TypeKind::Enum) return true;
    std::string key = type.enum_name->key();
    if (work_.find_enum(key)) return true;
    std::vector<std::string> names(std::begin(kPortableTypes), std::end(kPortableTypes));
    for (const auto& e : work_.enums()) names.push_back(e.key);
    std::string help = suggest(key, names);
    if (help.empty()) {
      help = fmt::format(
          "an enum is created with `create enum {} ('a', 'b');` before a column uses it", key);
    }
    error(type.span.valid() ? type.span : fallback, fmt::format("unknown type {}", quoted(key)),
          help);
    return false;
  }

  bool check_default(const ast::Expr& value) {
    auto columns = ast::expr_columns(value);
    if (columns.empty()) return true;
    error(value.span, fmt::format("a default cannot read column {}", quoted(columns.front())),
          "use a constant or a function such as now()");
    return false;
  }

  // ------------------------------------------------------------- columns

  Column build_column(const ast::ColumnDef& d) {
    check_type(d.type, d.span);
    Column c;
    c.name = d.name.text;
    c.quoted = d.name.quoted;
    c.type = d.type;
    c.identity = d.identity;
    c.default_value = d.default_value;
    c.comment = comment_text(*d.comment);  // an empty box reads as ""
    if (d.collate) c.collate = *d.collate;
    if (d.identity && !is_integer(d.type)) {
      error(d.type.span.valid() ? d.type.span : d.span,
            fmt::format("identity needs an integer column, but {} is {}", quoted(d.name.text),
                        ast::type_to_string(d.type)),
            "use smallint, integer or bigint");
    }
    if (d.identity && d.default_value) {
      error(d.default_value->span,
            fmt::format("identity column {} cannot have a default", quoted(d.name.text)));
    } else if (d.default_value) {
      check_default(*d.default_value);
    }
    // `null` with `primary key` is reported by the primary key's check.
    if (d.not_null == false && d.identity && !d.primary_key) {
      error(d.span, fmt::format("identity column {} is declared null", quoted(d.name.text)),
            "remove `null`: an identity column is never null");
    }
    c.nullable = !(d.not_null.value_or(false) || d.primary_key || d.identity);
    return c;
  }

  // Column-level constraints become table constraints (named later).
  static void lift_constraints(const ast::ColumnDef& d, std::vector<ast::TableConstraint>& out) {
    auto make = [&](ConstraintKind kind, SourceSpan span) {
      ast::TableConstraint c;
      c.kind = kind;
      c.span = span.valid() ? span : d.span;
      if (kind != ConstraintKind::Check) c.columns.push_back(d.name);
      return c;
    };
    if (d.primary_key) out.push_back(make(ConstraintKind::PrimaryKey, d.span));
    if (d.unique) out.push_back(make(ConstraintKind::Unique, d.span));
    if (d.references) {
      auto c = make(ConstraintKind::ForeignKey, d.references->span);
      c.references = d.references;
      out.push_back(std::move(c));
    }
    for (const auto& check : d.checks) {
      auto c = make(ConstraintKind::Check, check ? check->span : d.span);
      c.check = check;
      out.push_back(std::move(c));
    }
  }

  // ---------------------------------------------------------- constraints

  const std::string& pattern_for(ConstraintKind kind) const {
    switch (kind) {
      case ConstraintKind::PrimaryKey:
        return options_.naming.primary_key;
      case ConstraintKind::Unique:
        return options_.naming.unique;
      case ConstraintKind::ForeignKey:
        return options_.naming.foreign_key;
      case ConstraintKind::Check:
        return options_.naming.check;
    }
    return options_.naming.check;
  }

  // Names then adds `constraints` to `t`. Given names are reserved before
  // any name is made up, so that a made-up name never takes one written
  // later in the same statement. `declared_null`: in create table, the
  // columns written `null` (a primary key may not use them); null in
  // alter table, where a primary key may not use a nullable column.
  void add_constraints(Table& t, const std::vector<ast::TableConstraint>& constraints,
                       bool not_valid, const std::set<std::string>* declared_null) {
    std::set<std::string> pending;
    std::vector<std::string> names(constraints.size());
    std::vector<std::map<std::string, std::string>> dialect_names(constraints.size());
    for (size_t i = 0; i < constraints.size(); ++i) {
      const auto& c = constraints[i];
      if (!c.name || predicted(c)) continue;
      if (work_.name_taken(qualify(t.schema, c.name->text))) {
        name_clash(c.name->text, t.schema, c.name->span);
      } else if (!pending.insert(c.name->text).second) {
        error(c.name->span, fmt::format("constraint {} appears twice in table {}",
                                        quoted(c.name->text), quoted(t.key)));
      } else {
        names[i] = c.name->text;
      }
    }
    PendingServerNames server_pending;
    for (size_t i = 0; i < constraints.size(); ++i) {
      const auto& c = constraints[i];
      if (c.server_named) {
        if (predicted(c)) {
          dialect_names[i] = predict_server_names(t, c, pending, server_pending);
          names[i] = dialect_names[i].at("postgresql");
          dialect_names[i].erase("postgresql");
          pending.insert(names[i]);
        } else {
          dialect_names[i] = c.server_named->names;
        }
        continue;
      }
      if (c.name) continue;
      std::vector<std::string> columns;
      if (c.kind == ConstraintKind::Check) {
        if (c.check) columns = ast::expr_columns(*c.check);
      } else {
        for (const auto& n : c.columns) columns.push_back(n.text);
      }
      std::string ref_table;
      if (c.references) ref_table = c.references->table.name.text;
      names[i] = generate_name_avoiding(work_, pattern_for(c.kind), t, columns, ref_table, options_,
                                        pending);
      pending.insert(names[i]);
    }
    // Keys before foreign keys: a table may reference its own key declared
    // later in the statement.
    for (bool foreign : {false, true}) {
      for (size_t i = 0; i < constraints.size(); ++i) {
        if (names[i].empty() || (constraints[i].kind == ConstraintKind::ForeignKey) != foreign) {
          continue;
        }
        auto built = build_constraint(t, constraints[i], names[i], not_valid, declared_null);
        if (!built) continue;
        built->server_named = constraints[i].server_named.has_value();
        built->dialect_names = std::move(dialect_names[i]);
        if (foreign && predicted(constraints[i]) && !built->columns.empty() &&
            !t.has_index_leading_with(built->columns)) {
          // Unnamed, as the script left it: MySQL and MariaDB name the index
          // they make for it as they name an unnamed key, after its first
          // column (the constraint itself is {table}_ibfk_N).
          for (const std::string dialect : {"mariadb", "mysql"}) {
            std::string index =
                alembic::mysql_key_name(built->columns[0], [&](const std::string& n) {
                  return has_ignoring_case(mysql_key_names(t, dialect, server_pending), n);
                });
            server_pending.keys[dialect].push_back(index);
            built->index_names[dialect] = std::move(index);
          }
        }
        t.constraints.push_back(std::move(*built));
      }
    }
  }

  // A server-named constraint whose names are still to be predicted (a
  // derived downgrade adding one back gives them).
  static bool predicted(const ast::TableConstraint& c) {
    return c.server_named && c.server_named->names.empty();
  }

  // The servers' names of constraints made earlier in the same statement,
  // which the model does not hold yet.
  struct PendingServerNames {
    std::map<std::string, std::vector<std::string>> keys;    // MySQL key names, by dialect
    std::map<std::string, std::vector<std::string>> checks;  // check names, by dialect
    std::map<std::string, std::vector<std::string>> fks;     // foreign key names, by dialect
  };

  static bool has_ignoring_case(const std::vector<std::string>& names, const std::string& n) {
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& x) { return lower_ascii(x) == lower_ascii(n); });
  }

  // The names the servers give constraint `c` of table `t` (as it is before
  // `c`), keyed by dialect, "postgresql" included (language.md, "Naming").
  // `pending`: the canonical names this statement has chosen so far.
  std::map<std::string, std::string> predict_server_names(const Table& t,
                                                          const ast::TableConstraint& c,
                                                          const std::set<std::string>& pending,
                                                          PendingServerNames& made) {
    std::map<std::string, std::string> out;
    out["postgresql"] = postgresql_server_name(t, c, pending);
    for (const std::string dialect : {"mariadb", "mysql"}) {
      std::string name = mysql_server_name(t, c, dialect, made);
      switch (c.kind) {
        case ConstraintKind::PrimaryKey:
          break;
        case ConstraintKind::Unique:
          made.keys[dialect].push_back(name);
          break;
        case ConstraintKind::ForeignKey:
          made.fks[dialect].push_back(name);
          break;
        case ConstraintKind::Check:
          made.checks[dialect].push_back(name);
          break;
      }
      out[dialect] = std::move(name);
    }
    return out;
  }

  // ChooseRelationName() for a primary key or unique constraint (their
  // index is a relation: tables, views and indexes of the schema count, and
  // constraint names), ChooseConstraintName() for the others (constraint
  // names of the schema count). The model keeps constraint and index names
  // in one namespace, so an index name counts for every kind here.
  std::string postgresql_server_name(const Table& t, const ast::TableConstraint& c,
                                     const std::set<std::string>& pending) const {
    bool relation = c.kind == ConstraintKind::PrimaryKey || c.kind == ConstraintKind::Unique;
    alembic::NameTaken taken = [&](const std::string& n) {
      if (pending.count(n) || work_.name_taken(qualify(t.schema, n))) return true;
      if (t.find_constraint(n) || t.find_index(n)) return true;  // a table being created
      if (!relation) return false;
      std::string key = qualify(t.schema, n);
      return n == t.name || work_.find_table(key) || work_.find_view(key);
    };
    // The server names from the names it keeps: cut to 63 bytes.
    std::string table = alembic::pg_identifier(t.name);
    std::vector<std::string> columns;
    for (const auto& col : c.columns) columns.push_back(alembic::pg_identifier(col.text));
    switch (c.kind) {
      case ConstraintKind::PrimaryKey:
        return alembic::pg_choose_name(table, "", "pkey", taken);
      case ConstraintKind::Unique:
        return alembic::pg_choose_name(table, alembic::pg_columns_part(columns), "key", taken);
      case ConstraintKind::ForeignKey:
        return alembic::pg_choose_name(table, alembic::pg_columns_part(columns), "fkey", taken);
      case ConstraintKind::Check:
        break;
    }
    const auto& read = c.server_named->check_columns;
    return alembic::pg_choose_name(
        table, read.size() == 1 ? alembic::pg_identifier(read[0]) : std::string(), "check", taken);
  }

  // The key names table `t` has on MySQL or MariaDB (`dialect`): PRIMARY,
  // unique constraints, indexes, the index the server made for each
  // foreign key no key covers, and the keys this statement made so far.
  static std::vector<std::string> mysql_key_names(const Table& t, const std::string& dialect,
                                                  PendingServerNames& made) {
    std::vector<std::string> keys = made.keys[dialect];
    for (const auto& k : t.constraints) {
      if (k.kind == ConstraintKind::PrimaryKey) {
        keys.emplace_back(alembic::kMysqlPrimaryName);
      } else if (k.kind == ConstraintKind::Unique) {
        keys.push_back(k.name_on(dialect));
      } else if (k.kind == ConstraintKind::ForeignKey && !t.has_index_leading_with(k.columns)) {
        auto index = k.index_names.find(dialect);
        keys.push_back(index != k.index_names.end() ? index->second : k.name_on(dialect));
      }
    }
    for (const auto& i : t.indexes) keys.push_back(i.name);
    return keys;
  }

  // MySQL's and MariaDB's names (docs/language.md, "Names of constraints an Alembic script leaves
  // unnamed"). The key names of a table on these servers: PRIMARY, unique constraints, indexes, and
  // the index the server made for a foreign key no key covers (named after
  // the foreign key, as Retort names every foreign key).
  std::string mysql_server_name(const Table& t, const ast::TableConstraint& c,
                                const std::string& dialect, PendingServerNames& made) const {
    auto names_of = [&](ConstraintKind kind) {
      std::vector<std::string> out;
      for (const auto& k : t.constraints) {
        if (k.kind == kind) out.push_back(k.name_on(dialect));
      }
      return out;
    };
    switch (c.kind) {
      case ConstraintKind::PrimaryKey:
        return std::string(alembic::kMysqlPrimaryName);
      case ConstraintKind::Unique: {
        std::vector<std::string> keys = mysql_key_names(t, dialect, made);
        return alembic::mysql_key_name(
            c.columns.empty() ? std::string() : c.columns[0].text,
            [&](const std::string& n) { return has_ignoring_case(keys, n); });
      }
      case ConstraintKind::ForeignKey: {
        std::vector<std::string> fks = names_of(ConstraintKind::ForeignKey);
        const auto& more = made.fks[dialect];
        fks.insert(fks.end(), more.begin(), more.end());
        return alembic::mysql_numbered_name(t.name, "_ibfk_", fks);
      }
      case ConstraintKind::Check:
        break;
    }
    std::vector<std::string> checks = names_of(ConstraintKind::Check);
    const auto& more = made.checks[dialect];
    checks.insert(checks.end(), more.begin(), more.end());
    if (dialect == "mysql") return alembic::mysql_numbered_name(t.name, "_chk_", checks);
    // MariaDB names a check written in its column's definition after the column.
    if (!c.server_named->in_column.empty()) return c.server_named->in_column;
    return alembic::mariadb_check_name(
        [&](const std::string& n) { return has_ignoring_case(checks, n); });
  }

  // Checks one constraint against `t` (the table as built so far) and
  // returns its model form; a primary key makes its columns not null.
  std::optional<Constraint> build_constraint(Table& t, const ast::TableConstraint& c,
                                             const std::string& name, bool not_valid,
                                             const std::set<std::string>* declared_null) {
    size_t errors_before = errors_;
    Constraint out;
    out.name = name;
    out.kind = c.kind;
    out.validated = !not_valid;
    if (not_valid && (c.kind == ConstraintKind::PrimaryKey || c.kind == ConstraintKind::Unique)) {
      error(c.span,
            fmt::format("a {} constraint cannot be added `not valid`",
                        ast::constraint_kind_name(c.kind)),
            "only foreign key and check constraints can be validated later");
    }
    for (const auto& n : c.columns) {
      if (contains(out.columns, n.text)) {
        error(n.span, fmt::format("column {} appears twice in the {}", quoted(n.text),
                                  ast::constraint_kind_name(c.kind)));
        continue;
      }
      if (need_column(t, n)) out.columns.push_back(n.text);
    }
    switch (c.kind) {
      case ConstraintKind::PrimaryKey:
        if (const Constraint* pk = t.primary_key()) {
          error(c.span, fmt::format("table {} already has a primary key {}", quoted(t.key),
                                    quoted(pk->name)));
          break;
        }
        for (const auto& n : c.columns) {
          Column* col = t.find_column(n.text);
          if (!col) continue;
          if (declared_null && declared_null->count(n.text)) {
            error(n.span, fmt::format("primary key column {} is declared null", quoted(n.text)),
                  "remove `null`: a primary key column is never null");
          } else if (!declared_null && col->nullable) {
            error(n.span, fmt::format("primary key column {} is nullable", quoted(n.text)),
                  fmt::format("set not null first: `alter table {} alter column {} set not null`",
                              t.key, n.text));
          }
          col->nullable = false;
        }
        break;
      case ConstraintKind::Unique:
        break;
      case ConstraintKind::ForeignKey:
        if (c.references) resolve_references(t, c, out);
        break;
      case ConstraintKind::Check:
        out.check = c.check;
        if (c.check) need_expr_columns(t, *c.check);
        break;
    }
    if (errors_ != errors_before) return std::nullopt;
    return out;
  }

  void resolve_references(const Table& t, const ast::TableConstraint& c, Constraint& out) {
    const ast::References& r = *c.references;
    out.on_delete = r.on_delete.value_or(ast::RefAction::NoAction);
    out.on_update = r.on_update.value_or(ast::RefAction::NoAction);
    // A table may reference itself: then the target is the table being built.
    std::string ref_key = r.table.key();
    const Table* target = ref_key == t.key ? &t : need_table(r.table);
    if (!target) return;
    out.ref_table = target->key;
    if (r.columns.empty()) {
      const Constraint* pk = target->primary_key();
      if (!pk) {
        error(r.table.span,
              fmt::format("table {} has no primary key for the reference to use", quoted(ref_key)),
              fmt::format("name the referenced columns: `references {} (column)`", ref_key));
        return;
      }
      out.ref_columns = pk->columns;
    } else {
      bool ok = true;
      for (const auto& n : r.columns) ok = need_column(*target, n) && ok;
      if (!ok) return;
      for (const auto& n : r.columns) out.ref_columns.push_back(n.text);
    }
    if (c.columns.size() != out.ref_columns.size()) {
      error(c.span, fmt::format("foreign key has {} column{} but references {}", c.columns.size(),
                                c.columns.size() == 1 ? "" : "s", out.ref_columns.size()));
      return;
    }
    if (!target->has_unique_over(out.ref_columns)) {
      std::vector<std::string> cols;
      for (const auto& col : out.ref_columns) cols.push_back(quoted(col));
      error(r.span.valid() ? r.span : c.span,
            fmt::format("no primary key or unique constraint of table {} is over exactly ({})",
                        quoted(target->key), fmt::join(cols, ", ")),
            fmt::format("a foreign key must reference a key: add `unique ({})` to {} first",
                        fmt::join(out.ref_columns, ", "), quoted(target->key)));
      return;
    }
    for (size_t i = 0; i < c.columns.size(); ++i) {
      const Column* from = t.find_column(c.columns[i].text);
      const Column* to = target->find_column(out.ref_columns[i]);
      if (!from || !to || same_type_family(from->type, to->type)) continue;
      error(c.columns[i].span,
            fmt::format("foreign key column {} is {} but {}.{} is {}", quoted(from->name),
                        ast::type_to_string(from->type), quoted(target->key), quoted(to->name),
                        ast::type_to_string(to->type)),
            "make both columns the same type");
    }
  }

  // ------------------------------------------------------- alter actions

  const Table& current(const std::string& key) const { return *work_.find_table(key); }

  void apply(const std::string& key, const ast::AddColumn& a) {
    Table t = current(key);
    const ast::ColumnDef& d = a.column;
    if (t.find_column(d.name.text)) {
      error(d.name.span,
            fmt::format("table {} already has a column {}", quoted(key), quoted(d.name.text)));
      return;
    }
    if (!free_column_name(t, d.name)) return;
    size_t errors_before = errors_;
    t.columns.push_back(build_column(d));
    std::vector<ast::TableConstraint> constraints;
    lift_constraints(d, constraints);
    add_constraints(t, constraints, false, nullptr);
    if (errors_ == errors_before) work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::DropColumn& a) {
    if (auto drop = plan(key, a)) carry_out(key, a, *drop);
  }

  std::optional<Dependents> plan(const std::string& key, const ast::DropColumn& a) {
    const Table& t0 = current(key);
    if (!need_column(t0, a.column)) return std::nullopt;
    const std::string& col = a.column.text;
    // What outside the table depends on the column needs `cascade`.
    std::vector<ConstraintRef> fks;
    for (const auto& r : work_.foreign_keys_to(key)) {
      if (r.table->key != key && contains(r.constraint->ref_columns, col)) fks.push_back(r);
    }
    std::vector<std::string> views;
    for (const View* v : work_.views_reading(key)) {
      if (v->reads_word(col)) views.push_back(v->key);
    }
    if (!a.cascade && (!fks.empty() || !views.empty())) {
      std::vector<std::string> users;
      for (const auto& r : fks) {
        users.push_back(fmt::format("foreign key {} of table {}", quoted(r.constraint->name),
                                    quoted(r.table->key)));
      }
      for (const auto& v : views) users.push_back(fmt::format("view {}", quoted(v)));
      error(a.column.span, fmt::format("column {} is used by {}", quoted(col), join_quoted(users)),
            fmt::format("drop them first, or use `drop column {} cascade`", col));
      return std::nullopt;
    }
    return Dependents{constraint_keys(fks), std::move(views)};
  }

  void carry_out(const std::string& key, const ast::DropColumn& a, const Dependents& dependents) {
    const std::string& col = a.column.text;
    drop_dependents(dependents);
    // The table's own indexes and constraints that use it go with it.
    Table t = current(key);
    auto uses = t.objects_using_column(col);
    std::erase_if(t.constraints, [&](const Constraint& c) {
      return contains(uses, c.name) || (c.kind == ConstraintKind::ForeignKey &&
                                        c.ref_table == key && contains(c.ref_columns, col));
    });
    std::erase_if(t.indexes, [&](const Index& i) { return contains(uses, i.name); });
    std::erase_if(t.columns, [&](const Column& c) { return c.name == col; });
    work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::RenameColumn& a) {
    if (plan(key, a)) carry_out(key, a);
  }

  // True when the column can be renamed and the name changes.
  bool plan(const std::string& key, const ast::RenameColumn& a) {
    const Table& t0 = current(key);
    if (!need_column(t0, a.column)) return false;
    const std::string& to = a.new_name.text;
    if (a.column.text == to) return false;
    if (t0.find_column(to)) {
      error(a.new_name.span,
            fmt::format("table {} already has a column {}", quoted(key), quoted(to)));
      return false;
    }
    return free_column_name(t0, a.new_name);
  }

  void carry_out(const std::string& key, const ast::RenameColumn& a) {
    const std::string& from = a.column.text;
    const std::string& to = a.new_name.text;
    auto rename = [&](std::string& s) {
      if (s == from) s = to;
    };
    Table t = current(key);
    Column* c = t.find_column(from);
    c->name = to;
    c->quoted = a.new_name.quoted;
    for (auto& k : t.constraints) {
      std::for_each(k.columns.begin(), k.columns.end(), rename);
      if (k.kind == ConstraintKind::ForeignKey && k.ref_table == key) {
        std::for_each(k.ref_columns.begin(), k.ref_columns.end(), rename);
      }
      k.check = rename_in_expr(k.check, from, to);
    }
    for (auto& i : t.indexes) {
      for (auto& k : i.keys) {
        rename(k.column);
        k.expr = rename_in_expr(k.expr, from, to);
      }
      std::for_each(i.include.begin(), i.include.end(), rename);
      i.where = rename_in_expr(i.where, from, to);
    }
    work_.put_table(std::move(t));
    std::vector<ConstraintRef> referencing;
    for (const auto& r : work_.foreign_keys_to(key)) {
      if (r.table->key != key && contains(r.constraint->ref_columns, from))
        referencing.push_back(r);
    }
    for (const auto& table : table_keys(referencing)) {
      Table other = current(table);
      for (auto& k : other.constraints) {
        if (k.kind == ConstraintKind::ForeignKey && k.ref_table == key) {
          std::for_each(k.ref_columns.begin(), k.ref_columns.end(), rename);
        }
      }
      work_.put_table(std::move(other));
    }
  }

  void apply(const std::string& key, const ast::AlterColumnType& a) {
    if (!plan(key, a)) return;
    Table t = current(key);
    t.find_column(a.column.text)->type = a.type;
    work_.put_table(std::move(t));
  }

  // True when the type can change and does.
  bool plan(const std::string& key, const ast::AlterColumnType& a) {
    const Table& t0 = current(key);
    const Column* c = need_column(t0, a.column);
    if (!c) return false;
    if (!check_type(a.type, a.span)) return false;
    if (ast::same_type(c->type, a.type)) {
      if (a.using_expr) {
        error(a.using_expr->span,
              fmt::format("column {} is already {}: `using` needs a type change", quoted(c->name),
                          ast::type_to_string(c->type)),
              "remove `using`");
      }
      return false;
    }
    if (c->identity && !is_integer(a.type)) {
      error(a.type.span.valid() ? a.type.span : a.span,
            fmt::format("identity needs an integer column, but {} would be {}", quoted(c->name),
                        ast::type_to_string(a.type)),
            "use smallint, integer or bigint");
      return false;
    }
    return !a.using_expr || need_expr_columns(t0, *a.using_expr);
  }

  void apply(const std::string& key, const ast::SetNotNull& a) {
    const Table& t0 = current(key);
    const Column* c = need_column(t0, a.column);
    // Already not null: nothing to do (PostgreSQL accepts it too).
    if (!c || !c->nullable) return;
    Table t = t0;
    t.find_column(a.column.text)->nullable = false;
    work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::DropNotNull& a) {
    const Table& t0 = current(key);
    const Column* c = need_column(t0, a.column);
    if (!c || c->nullable) return;
    if (const Constraint* pk = t0.primary_key(); pk && contains(pk->columns, c->name)) {
      error(a.column.span,
            fmt::format("column {} is in primary key {} and cannot be null", quoted(c->name),
                        quoted(pk->name)),
            "drop the primary key first");
      return;
    }
    if (c->identity) {
      error(a.column.span,
            fmt::format("column {} is an identity column and cannot be null", quoted(c->name)));
      return;
    }
    Table t = t0;
    t.find_column(a.column.text)->nullable = true;
    work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::SetDefault& a) {
    const Table& t0 = current(key);
    const Column* c = need_column(t0, a.column);
    if (!c || !a.value) return;
    if (c->identity) {
      error(a.value->span,
            fmt::format("identity column {} cannot have a default", quoted(c->name)));
      return;
    }
    if (!check_default(*a.value)) return;
    Table t = t0;
    t.find_column(a.column.text)->default_value = a.value;
    work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::DropDefault& a) {
    const Table& t0 = current(key);
    const Column* c = need_column(t0, a.column);
    if (!c || !c->default_value) return;
    Table t = t0;
    t.find_column(a.column.text)->default_value = nullptr;
    work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::SetColumnComment& a) {
    const Table& t0 = current(key);
    if (!need_column(t0, a.column)) return;
    Table t = t0;
    t.find_column(a.column.text)->comment = comment_text(a.comment);
    work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::AddConstraint& a) {
    Table t = current(key);
    size_t errors_before = errors_;
    add_constraints(t, {a.constraint}, a.not_valid, nullptr);
    if (errors_ == errors_before) work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::AddConstraintUsingIndex& a) {
    const Table& t0 = current(key);
    std::string index_key = qualify(t0.schema, a.index.text);
    IndexRef ref = work_.find_index(index_key);
    if (!ref) {
      error(a.index.span, fmt::format("index {} does not exist", quoted(index_key)),
            suggest_index(index_key));
      return;
    }
    const Index& index = *ref.index;
    if (ref.table->key != key) {
      error(a.index.span, fmt::format("index {} is on table {}, not {}", quoted(index.name),
                                      quoted(ref.table->key), quoted(key)));
      return;
    }
    if (!index.unique) {
      error(a.index.span, fmt::format("index {} is not unique", quoted(index.name)),
            "create it with `create unique index`");
      return;
    }
    if (index.where) {
      error(a.index.span,
            fmt::format("index {} is partial (it has `where`) and cannot back a constraint",
                        quoted(index.name)));
      return;
    }
    if (!index.plain_columns() || !index.include.empty()) {
      error(a.index.span,
            fmt::format("index {} has expression keys or `include` and cannot back a constraint",
                        quoted(index.name)));
      return;
    }
    // PostgreSQL renames the index to the constraint's name: the name is
    // free when it is the index's own.
    if (a.name.text != index.name && work_.name_taken(qualify(t0.schema, a.name.text))) {
      name_clash(a.name.text, t0.schema, a.name.span);
      return;
    }
    Constraint c;
    c.name = a.name.text;
    c.kind = a.kind;
    for (const auto& k : index.keys) c.columns.push_back(k.column);
    if (a.kind == ConstraintKind::PrimaryKey) {
      if (const Constraint* pk = t0.primary_key()) {
        error(a.span,
              fmt::format("table {} already has a primary key {}", quoted(key), quoted(pk->name)));
        return;
      }
      for (const auto& col : c.columns) {
        const Column* column = t0.find_column(col);
        if (column && column->nullable) {
          error(a.index.span, fmt::format("primary key column {} is nullable", quoted(col)),
                fmt::format("set not null first: `alter table {} alter column {} set not null`",
                            key, col));
          return;
        }
      }
    }
    Table t = t0;
    std::string index_name = index.name;
    std::erase_if(t.indexes, [&](const Index& i) { return i.name == index_name; });
    t.constraints.push_back(std::move(c));
    work_.put_table(std::move(t));
  }

  // Finds constraint `name` of `t`, or reports it missing (naming an index
  // of that name when there is one) and returns null.
  const Constraint* need_constraint(const Table& t, const ast::Name& name) {
    if (const Constraint* c = t.find_constraint(name.text)) return c;
    std::string help;
    if (t.find_index(name.text)) {
      help = fmt::format("{} is an index: drop it with `drop index {}`", quoted(name.text),
                         qualify(t.schema, name.text));
    } else {
      std::vector<std::string> names;
      for (const auto& c : t.constraints) names.push_back(c.name);
      help = suggest(name.text, names);
    }
    error(name.span, fmt::format("table {} has no constraint {}", quoted(t.key), quoted(name.text)),
          help);
    return nullptr;
  }

  void apply(const std::string& key, const ast::ValidateConstraint& a) {
    const Table& t0 = current(key);
    const Constraint* c = need_constraint(t0, a.name);
    if (!c) return;
    if (c->kind != ConstraintKind::ForeignKey && c->kind != ConstraintKind::Check) {
      error(a.name.span,
            fmt::format("constraint {} is a {}: only foreign key and check constraints can be "
                        "validated",
                        quoted(c->name), ast::constraint_kind_name(c->kind)));
      return;
    }
    if (c->validated) {
      error(a.name.span,
            fmt::format("constraint {} was not added `not valid`: there is nothing to validate",
                        quoted(c->name)),
            "remove this action");
      return;
    }
    Table t = t0;
    std::string name = c->name;
    for (auto& k : t.constraints) {
      if (k.name == name) k.validated = true;
    }
    work_.put_table(std::move(t));
  }

  void apply(const std::string& key, const ast::DropConstraint& a) {
    const Table& t0 = current(key);
    const Constraint* c = need_constraint(t0, a.name);
    if (!c) return;
    if (c->kind == ConstraintKind::PrimaryKey || c->kind == ConstraintKind::Unique) {
      // A foreign key depends on the key it references (the table's own included).
      for (const auto& r : work_.foreign_keys_to(key)) {
        if (r.constraint == c || !same_set(r.constraint->ref_columns, c->columns)) continue;
        error(a.name.span,
              fmt::format("constraint {} is needed by foreign key {} of table {}", quoted(c->name),
                          quoted(r.constraint->name), quoted(r.table->key)),
              "drop that foreign key first");
        return;
      }
    }
    drop_constraint_of(key, c->name);
  }

  void apply(const std::string& key, const ast::RenameConstraint& a) {
    const Table& t0 = current(key);
    const Constraint* c = need_constraint(t0, a.name);
    if (!c) return;
    std::string name = c->name;
    if (a.new_name.text == name) return;
    if (work_.name_taken(qualify(t0.schema, a.new_name.text))) {
      name_clash(a.new_name.text, t0.schema, a.new_name.span);
      return;
    }
    Table t = t0;
    for (auto& k : t.constraints) {
      if (k.name != name) continue;
      // Named now: the same name on every server.
      k.name = a.new_name.text;
      k.server_named = false;
      k.dialect_names.clear();
      k.index_names.clear();
    }
    work_.put_table(std::move(t));
  }

  // --------------------------------------------------------------- drops

  void drop_constraint_of(const std::string& table, const std::string& name) {
    Table t = current(table);
    std::erase_if(t.constraints, [&](const Constraint& c) { return c.name == name; });
    work_.put_table(std::move(t));
  }

  void drop_view_cascade(const std::string& key) {
    if (!work_.find_view(key)) return;
    std::vector<std::string> readers;
    for (const View* v : work_.views_reading_view(key)) readers.push_back(v->key);
    for (const auto& v : readers) drop_view_cascade(v);
    work_.remove_view(key);
  }

  // (table key, constraint name) of each reference, and the distinct table
  // keys: what survives replacing the tables they point into.
  static std::vector<std::pair<std::string, std::string>> constraint_keys(
      const std::vector<ConstraintRef>& refs) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : refs) out.emplace_back(r.table->key, r.constraint->name);
    return out;
  }
  static std::vector<std::string> table_keys(const std::vector<ConstraintRef>& refs) {
    std::vector<std::string> out;
    for (const auto& r : refs) {
      if (!contains(out, r.table->key)) out.push_back(r.table->key);
    }
    return out;
  }

  const ast::Statement& statement_;
  const std::string& file_;
  std::string_view revision_;
  SchemaModel& work_;
  const ReplayOptions& options_;
  DiagnosticSink& sink_;
  size_t errors_ = 0;
};

}  // namespace

std::string generate_name(const SchemaModel& schema, std::string_view pattern, const Table& table,
                          const std::vector<std::string>& columns, std::string_view ref_table,
                          const ReplayOptions& options) {
  return generate_name_avoiding(schema, pattern, table, columns, ref_table, options, {});
}

bool apply_statement(const ast::Statement& statement, const std::string& file, SchemaModel& schema,
                     const ReplayOptions& options, DiagnosticSink& sink,
                     std::string_view revision) {
  // The copy shares every table with `schema`; only what the statement
  // touches is copied, and only kept when the statement is sound.
  SchemaModel work = schema;
  Replayer replayer(statement, file, revision, work, options, sink);
  std::visit(replayer, statement.node);
  if (replayer.failed()) return false;
  schema = std::move(work);
  return true;
}

bool statement_applies(const ast::Statement& statement, const std::string& file,
                       const SchemaModel& schema, const ReplayOptions& options,
                       DiagnosticSink& sink, std::string_view revision) {
  SchemaModel work = schema;  // O(1), and changed only below
  {
    Replayer replayer(statement, file, revision, work, options, sink);
    if (std::optional<bool> applies = replayer.check_only()) return *applies;
  }
  return apply_statement(statement, file, work, options, sink, revision);
}

bool replay_upgrade(const ast::RevisionFile& revision, SchemaModel& schema,
                    const ReplayOptions& options, DiagnosticSink& sink) {
  bool ok = true;
  for (const auto& statement : revision.upgrade) {
    ok =
        apply_statement(statement, revision.path, schema, options, sink, revision.header.id.text) &&
        ok;
  }
  return ok;
}

}  // namespace retort
