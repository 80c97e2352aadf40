// The Alembic reader's op.* calls: each bound to Alembic's signature and
// turned into the Retort statements that Alembic's PostgreSQL
// implementation amounts to (their values are read in alembic_values.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "compiler/alembic_eval.h"

namespace retort::alembic {

namespace {

bool dialect_prefix(std::string_view name, std::string& prefix) {
  size_t underscore = name.find('_');
  if (underscore == std::string_view::npos) return false;
  prefix = std::string(name.substr(0, underscore));
  return prefix == "postgresql" || prefix == "mysql" || prefix == "mariadb" || prefix == "sqlite" ||
         prefix == "mssql" || prefix == "oracle";
}

}  // namespace

/// The parameters of one op (Alembic's signature), by which its call's
/// arguments are bound.
struct OpSpec {
  std::string_view name;
  std::vector<std::string_view> params;  ///< positional or keyword, in order
  size_t required = 0;
  std::vector<std::string_view> keywords;  ///< keyword only
  bool var_positional = false;             ///< *columns
  bool dialect = false;                    ///< **kw: dialect_* keywords
  std::string_view table;                  ///< the table parameter (batch ops fill it)
  std::string_view schema = "schema";
  /// The batch form's parameters when they are not the above without the
  /// table and schema; empty: derived.
  std::vector<std::string_view> batch_params;
};

/// Alembic's operations (1.13) that Retort reads, as `op.NAME(...)` and,
/// but for the first three and the last two, as `batch_op.NAME(...)`.
const std::vector<OpSpec>& op_specs() {
  // clang-format off
  static const std::vector<OpSpec> specs = {
    {"create_table", {"table_name"}, 1,
     {"schema", "comment", "info", "prefixes", "if_not_exists", "keep_existing", "extend_existing"},
     true, true, "table_name", "schema", {}},
    {"drop_table", {"table_name"}, 1, {"schema", "if_exists", "info"},
     false, true, "table_name", "schema", {}},
    {"rename_table", {"old_table_name", "new_table_name", "schema"}, 2, {},
     false, false, "old_table_name", "schema", {}},
    {"add_column", {"table_name", "column", "schema"}, 2,
     {"if_not_exists", "insert_before", "insert_after"},
     false, false, "table_name", "schema", {"column", "insert_before", "insert_after"}},
    {"drop_column", {"table_name", "column_name", "schema"}, 2, {"if_exists"},
     false, true, "table_name", "schema", {}},
    {"alter_column",
     {"table_name", "column_name", "nullable", "comment", "server_default", "new_column_name",
      "type_", "existing_type", "existing_server_default", "existing_nullable",
      "existing_comment", "schema"}, 2,
     {"autoincrement", "existing_autoincrement", "insert_before", "insert_after"},
     false, true, "table_name", "schema", {}},
    {"create_index", {"index_name", "table_name", "columns", "schema", "unique"}, 3,
     {"if_not_exists", "quote", "info"}, false, true, "table_name", "schema", {}},
    {"drop_index", {"index_name", "table_name", "schema"}, 1, {"if_exists"},
     false, true, "table_name", "schema", {}},
    {"create_unique_constraint", {"constraint_name", "table_name", "columns", "schema"}, 3,
     {"deferrable", "initially", "info"}, false, true, "table_name", "schema", {}},
    {"create_foreign_key",
     {"constraint_name", "source_table", "referent_table", "local_cols", "remote_cols",
      "onupdate", "ondelete", "deferrable", "initially", "match", "source_schema",
      "referent_schema"}, 5, {},
     false, true, "source_table", "source_schema",
     {"constraint_name", "referent_table", "local_cols", "remote_cols", "referent_schema",
      "onupdate", "ondelete", "deferrable", "initially", "match"}},
    {"create_check_constraint", {"constraint_name", "table_name", "condition", "schema"}, 3,
     {"deferrable", "initially", "info"}, false, true, "table_name", "schema", {}},
    {"create_primary_key", {"constraint_name", "table_name", "columns", "schema"}, 3, {},
     false, false, "table_name", "schema", {}},
    {"drop_constraint", {"constraint_name", "table_name", "type_", "schema"}, 2, {"if_exists"},
     false, false, "table_name", "schema", {}},
    {"create_table_comment", {"table_name", "comment", "existing_comment", "schema"}, 2, {},
     false, false, "table_name", "schema", {}},
    {"drop_table_comment", {"table_name", "existing_comment", "schema"}, 1, {},
     false, false, "table_name", "schema", {}},
    {"execute", {"sqltext", "execution_options"}, 1, {}, false, false, "", "schema", {}},
    {"bulk_insert", {"table", "rows", "multiinsert"}, 2, {}, false, false, "", "schema", {}},
  };
  // clang-format on
  return specs;
}

/// A call's arguments bound to an op's parameters.
class Args {
 public:
  std::map<std::string, const Value*, std::less<>> named;
  std::vector<const Value*> rest;
  std::vector<const Keyword*> dialect;

  const Value* get(std::string_view n) const {
    auto it = named.find(n);
    return it == named.end() ? nullptr : it->second;
  }
  /// Present and not None.
  const Value* given(std::string_view n) const {
    const Value* v = get(n);
    return v && !v->is(Value::Kind::None) ? v : nullptr;
  }
  /// A dialect keyword the op reads; removed from the ones left to note.
  const Value* take(std::string_view n) {
    for (auto it = dialect.begin(); it != dialect.end(); ++it) {
      if ((*it)->name == n) {
        const Value* v = &(*it)->value;
        dialect.erase(it);
        return v->is(Value::Kind::None) ? nullptr : v;
      }
    }
    return nullptr;
  }
};

/// Reads one op call into statements.
class OpReader {
 public:
  OpReader(Reader& r, Block& block, const Value& call, const std::shared_ptr<TableHandle>& batch)
      : r_(r), block_(block), call_(call), batch_(batch) {}

  void run(std::string_view op, std::shared_ptr<TableHandle>* result) {
    const OpSpec* spec = nullptr;
    for (const auto& s : op_specs()) {
      if (s.name == op) spec = &s;
    }
    std::string label = batch_ ? fmt::format("batch_op.{}", op) : fmt::format("op.{}", op);
    label_ = label;
    if (spec == nullptr ||
        (batch_ && (op == "create_table" || op == "drop_table" || op == "rename_table" ||
                    op == "execute" || op == "bulk_insert"))) {
      unknown(op);
      return;
    }
    if (!bind(*spec)) return;
    size_t before = r_.errors();
    if (op == "create_table") {
      create_table(result);
    } else if (op == "drop_table") {
      drop_table();
    } else if (op == "rename_table") {
      rename_table();
    } else if (op == "add_column") {
      add_column();
    } else if (op == "drop_column") {
      drop_column();
    } else if (op == "alter_column") {
      alter_column();
    } else if (op == "create_index") {
      create_index();
    } else if (op == "drop_index") {
      drop_index();
    } else if (op == "create_unique_constraint" || op == "create_primary_key") {
      add_key(op == "create_primary_key" ? ast::ConstraintKind::PrimaryKey
                                         : ast::ConstraintKind::Unique);
    } else if (op == "create_foreign_key") {
      create_foreign_key();
    } else if (op == "create_check_constraint") {
      create_check_constraint();
    } else if (op == "drop_constraint") {
      drop_constraint();
    } else if (op == "execute") {
      execute();
    } else if (op == "create_table_comment" || op == "drop_table_comment") {
      table_comment(op == "drop_table_comment");
    } else if (op == "bulk_insert") {
      bulk_insert();
    }
    if (r_.errors() == before) note_dialect();
  }

 private:
  Reader& r_;
  Block& block_;
  const Value& call_;
  std::shared_ptr<TableHandle> batch_;
  Args a_;
  std::string label_;

  void unknown(std::string_view op) {
    if (op == "get_bind" || op == "get_context") {
      r_.cannot(call_.span, fmt::format("cannot read {}(): it needs a live database, and Retort "
                                        "reads scripts without one",
                                        label_));
    } else if (op == "batch_alter_table") {
      r_.cannot(call_.span, "cannot read op.batch_alter_table() outside a with statement");
    } else {
      r_.cannot(call_.span,
                fmt::format("cannot read {}(): Retort does not know this operation", label_));
    }
  }

  bool bind(const OpSpec& spec) {
    std::vector<std::string_view> params = spec.params;
    if (batch_) {
      if (!spec.batch_params.empty()) {
        params = spec.batch_params;
      } else {
        params.erase(
            std::remove_if(params.begin(), params.end(),
                           [&](std::string_view p) { return p == spec.table || p == spec.schema; }),
            params.end());
      }
    }
    size_t required = spec.required - (batch_ && !spec.table.empty() ? 1 : 0);
    for (size_t i = 0; i < call_.items.size(); ++i) {
      if (i < params.size()) {
        a_.named[std::string(params[i])] = &call_.items[i];
      } else if (spec.var_positional) {
        a_.rest.push_back(&call_.items[i]);
      } else {
        r_.error(call_.items[i].span,
                 fmt::format("{}() takes at most {} positional argument{}", label_, params.size(),
                             params.size() == 1 ? "" : "s"),
                 "");
        return false;
      }
    }
    for (const auto& k : call_.keywords) {
      bool known =
          std::find(params.begin(), params.end(), k.name) != params.end() ||
          std::find(spec.keywords.begin(), spec.keywords.end(), k.name) != spec.keywords.end();
      std::string prefix;
      if (!known && spec.dialect && dialect_prefix(k.name, prefix)) {
        a_.dialect.push_back(&k);
        continue;
      }
      if (!known) {
        r_.error(k.span, fmt::format("{}() has no argument \"{}\"", label_, k.name), "");
        return false;
      }
      if (a_.named.count(k.name)) {
        r_.error(k.span, fmt::format("{}() got the argument \"{}\" twice", label_, k.name), "");
        return false;
      }
      a_.named[k.name] = &k.value;
    }
    for (size_t i = 0; i < required && i < params.size(); ++i) {
      if (!a_.get(params[i])) {
        r_.error(call_.span, fmt::format("{}() needs the argument \"{}\"", label_, params[i]), "");
        return false;
      }
    }
    return true;
  }

  /// The dialect keywords no one read: notes for other dialects, errors
  /// for PostgreSQL's (they change the schema Retort models).
  void note_dialect() {
    for (const Keyword* k : a_.dialect) {
      std::string prefix;
      dialect_prefix(k->name, prefix);
      if (prefix == "postgresql") {
        r_.cannot(k->span, fmt::format("cannot read {}: Retort does not model it", k->name));
      } else {
        r_.note(k->span, fmt::format("{} only tunes {}: ignored", k->name, prefix));
      }
    }
  }

  /// Where an argument is written: `name=value` for a keyword, else the value.
  SourceSpan arg_span(std::string_view param) const {
    for (const auto& k : call_.keywords) {
      if (k.name == param) return k.span;
    }
    const Value* v = a_.get(param);
    return v ? v->span : call_.span;
  }

  /// Options Retort has no equivalent for, which must be absent or off.
  bool refuse(std::string_view key, std::string_view why) {
    const Value* v = a_.given(key);
    if (v == nullptr || (v->is(Value::Kind::Bool) && !v->truth)) return true;
    r_.cannot(v->span, fmt::format("cannot read {}=...: {}", key, why));
    return false;
  }

  void emit(ast::StatementNode node) {
    ast::Statement st;
    st.node = std::move(node);
    st.span = call_.span;
    block_.out->push_back(std::move(st));
  }

  std::optional<ast::QualifiedName> table(std::string_view param = "table_name",
                                          std::string_view schema = "schema") {
    if (batch_) return batch_->name;
    const Value* t = a_.get(param);
    if (t == nullptr) {
      r_.error(call_.span, fmt::format("{}() needs the table's name", label_), "");
      return std::nullopt;
    }
    return r_.qualified(*t, a_.given(schema), "a table's name");
  }

  ast::AlterTable alter(const ast::QualifiedName& t) {
    ast::AlterTable a;
    a.name = t;
    return a;
  }

  /// The columns this script gave a table (for naming checks on raw SQL).
  std::vector<std::string> known_columns(const ast::QualifiedName& t) {
    auto it = r_.table_columns_.find(t.key());
    return it == r_.table_columns_.end() ? std::vector<std::string>() : it->second;
  }

  // ------------------------------------------------------------ tables

  void create_table(std::shared_ptr<TableHandle>* result) {
    auto t = table();
    if (!t) return;
    ast::CreateTable ct;
    ct.name = *t;
    std::vector<ColumnResult> columns;
    std::vector<ConstraintSpec> explicit_constraints;
    std::vector<IndexSpec> indexes;
    for (const Value* item : a_.rest) {
      if (item->is_object("sa.Column")) {
        auto c = r_.column(*item);
        if (!c) return;
        columns.push_back(std::move(*c));
      } else if (item->is_object("sa.Index")) {
        auto ix = r_.index_item(*item, *t);
        if (!ix) return;
        indexes.push_back(std::move(*ix));
      } else if (item->is_object("sa.PrimaryKeyConstraint") ||
                 item->is_object("sa.UniqueConstraint") ||
                 item->is_object("sa.ForeignKeyConstraint") ||
                 item->is_object("sa.CheckConstraint")) {
        auto c = r_.constraint(*item);
        if (!c) return;
        explicit_constraints.push_back(std::move(*c));
      } else {
        r_.error(item->span,
                 fmt::format("op.create_table() takes sa.Column(...), constraints and "
                             "sa.Index(...), not {}",
                             Reader::what(*item)),
                 "");
        return;
      }
    }
    if (columns.empty()) {
      r_.error(call_.span, "op.create_table() needs at least one sa.Column(...)", "");
      return;
    }
    if (const Value* c = a_.get("comment"); c && !c->is(Value::Kind::None)) {
      auto s = r_.string(*c, "comment");
      if (!s) return;
      ct.comment = *s;
    }
    if (const Value* ine = a_.given("if_not_exists")) {
      auto b = r_.boolean(*ine, "if_not_exists");
      if (!b) return;
      ct.if_not_exists = *b;
    }
    if (const Value* p = a_.given("prefixes");
        p && !(p->is(Value::Kind::List) && p->items.empty())) {
      r_.cannot(p->span, "cannot read prefixes=...: Retort makes plain tables");
      return;
    }
    if (!refuse("keep_existing", "Retort makes the table") ||
        !refuse("extend_existing", "Retort makes the table")) {
      return;
    }

    // The primary key: an explicit constraint, else the flagged columns.
    std::vector<ConstraintSpec> constraints;
    std::vector<std::string> pk_columns;
    for (auto it = explicit_constraints.begin(); it != explicit_constraints.end(); ++it) {
      if (it->constraint.kind == ast::ConstraintKind::PrimaryKey) {
        if (!constraints.empty()) {
          r_.error(it->constraint.span, "the table has two primary keys", "");
          return;
        }
        constraints.push_back(std::move(*it));
        explicit_constraints.erase(it);
        break;
      }
    }
    if (constraints.empty()) {
      ConstraintSpec pk;
      pk.constraint.kind = ast::ConstraintKind::PrimaryKey;
      for (const auto& c : columns) {
        if (!c.primary_key) continue;
        pk.constraint.columns.push_back(c.def.name);
        if (!pk.constraint.span.valid()) pk.constraint.span = c.span;
      }
      if (!pk.constraint.columns.empty()) constraints.push_back(std::move(pk));
    }
    if (!constraints.empty()) {
      for (const auto& n : constraints[0].constraint.columns) pk_columns.push_back(n.text);
    }
    std::vector<std::string> column_names;
    for (auto& c : columns) {
      column_names.push_back(c.def.name.text);
      bool in_pk =
          std::find(pk_columns.begin(), pk_columns.end(), c.def.name.text) != pk_columns.end();
      if (in_pk && !c.def.not_null) c.def.not_null = true;
    }
    if (!identity(columns, pk_columns)) return;
    // In the order the server names them: the checks written in columns,
    // the table's own constraints, then what SQLAlchemy adds as it attaches
    // the columns (unique=True, sa.ForeignKey).
    for (auto& c : columns) {
      for (auto& k : c.constraints) {
        if (k.constraint.kind != ast::ConstraintKind::Check) continue;
        k.in_column = c.def.name.text;
        constraints.push_back(std::move(k));
      }
    }
    for (auto& k : explicit_constraints) constraints.push_back(std::move(k));
    for (auto& c : columns) {
      if (c.unique && !c.index) {
        ConstraintSpec u;
        u.constraint.kind = ast::ConstraintKind::Unique;
        u.constraint.columns = {c.def.name};
        u.constraint.span = c.span;
        constraints.push_back(std::move(u));
      }
      for (auto& k : c.constraints) {
        if (k.constraint.kind != ast::ConstraintKind::Check) constraints.push_back(std::move(k));
      }
      c.constraints.clear();
    }
    drop_duplicate_keys(constraints);
    r_.use_name(*t, t->name.text);
    if (!r_.name_constraints(*t, constraints, column_names)) return;
    for (auto& c : columns) {
      if (c.create_enum) make_enum(*c.create_enum, c.def.type.span);
      ct.columns.push_back(std::move(c.def));
    }
    for (auto& k : constraints) ct.constraints.push_back(std::move(k.constraint));
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!columns[i].index) continue;
      IndexSpec ix;
      ix.span = columns[i].span;
      ix.index.table = *t;
      ix.index.unique = columns[i].unique;
      ix.index.name = r_.convention_index_name(*t, ct.columns[i].name.text, columns[i].span);
      ast::IndexKey key;
      key.column = ct.columns[i].name;
      key.span = columns[i].span;
      ix.index.keys.push_back(std::move(key));
      indexes.push_back(std::move(ix));
    }
    emit(std::move(ct));
    // Indexes from `index=True` first (in column order), then sa.Index items.
    std::stable_sort(indexes.begin(), indexes.end(), [](const IndexSpec& a, const IndexSpec& b) {
      return a.span.begin < b.span.begin;
    });
    for (auto& ix : indexes) {
      if (ix.index.name) r_.use_name(*t, ix.index.name->text);
      ast::Statement st;
      st.node = std::move(ix.index);
      st.span = ix.span;
      block_.out->push_back(std::move(st));
    }
    r_.table_columns_[t->key()] = column_names;
    if (result) {
      auto handle = std::make_shared<TableHandle>();
      handle->name = *t;
      handle->columns = column_names;
      *result = handle;
    }
  }

  /// PostgreSQL's CREATE TABLE makes one index of a primary key and unique
  /// constraints on the same columns: the first is kept (with the later
  /// one's name when it has none).
  static void drop_duplicate_keys(std::vector<ConstraintSpec>& constraints) {
    auto same = [](const ast::TableConstraint& a, const ast::TableConstraint& b) {
      if (a.columns.size() != b.columns.size()) return false;
      for (size_t i = 0; i < a.columns.size(); ++i) {
        if (a.columns[i].text != b.columns[i].text) return false;
      }
      return true;
    };
    std::vector<ConstraintSpec> kept;
    for (auto& c : constraints) {
      bool key = c.constraint.kind == ast::ConstraintKind::PrimaryKey ||
                 c.constraint.kind == ast::ConstraintKind::Unique;
      ConstraintSpec* prior = nullptr;
      if (key) {
        for (auto& k : kept) {
          if ((k.constraint.kind == ast::ConstraintKind::PrimaryKey ||
               k.constraint.kind == ast::ConstraintKind::Unique) &&
              same(k.constraint, c.constraint)) {
            prior = &k;
            break;
          }
        }
      }
      if (prior == nullptr) {
        kept.push_back(std::move(c));
      } else if (!prior->constraint.name && c.constraint.name) {
        prior->constraint.name = c.constraint.name;
      }
    }
    constraints = std::move(kept);
  }

  /// SQLAlchemy's autoincrement column (PostgreSQL's SERIAL): the one
  /// integer primary key column, unless it is a foreign key, has a default,
  /// or says autoincrement=False; Retort's `identity`.
  bool identity(std::vector<ColumnResult>& columns, const std::vector<std::string>& pk_columns) {
    for (auto& c : columns) {
      if (c.identity) {
        c.def.identity = true;
        continue;
      }
      bool in_pk =
          std::find(pk_columns.begin(), pk_columns.end(), c.def.name.text) != pk_columns.end();
      if (c.autoincrement == "true" && in_pk) {
        if (!c.integer) {
          r_.error(c.span,
                   fmt::format("autoincrement=True on \"{}\", which is not an integer column",
                               c.def.name.text),
                   "");
          return false;
        }
        c.def.identity = true;
        continue;
      }
      if (pk_columns.size() != 1 || !in_pk || !c.integer || c.autoincrement == "false") continue;
      bool fk =
          std::any_of(c.constraints.begin(), c.constraints.end(), [](const ConstraintSpec& k) {
            return k.constraint.kind == ast::ConstraintKind::ForeignKey;
          });
      if (c.server_default || c.python_default || (fk && c.autoincrement != "ignore_fk")) continue;
      c.def.identity = true;
    }
    return true;
  }

  /// A CREATE TYPE Alembic makes before the table that uses the enum
  /// (once per script: SQLAlchemy remembers the enums it made).
  void make_enum(const ast::CreateEnum& e, const SourceSpan& span) {
    std::string key = e.name.key();
    if (!r_.enums_made_.insert(key).second) return;
    ast::Statement st;
    st.node = e;
    st.span = span;
    block_.out->push_back(std::move(st));
  }

  void drop_table() {
    auto t = table();
    if (!t) return;
    ast::DropTable d;
    d.name = *t;
    if (const Value* ie = a_.given("if_exists")) {
      auto b = r_.boolean(*ie, "if_exists");
      if (!b) return;
      d.if_exists = *b;
    }
    emit(std::move(d));
  }

  void rename_table() {
    auto t = table("old_table_name");
    if (!t) return;
    auto n = r_.name(*a_.get("new_table_name"), "the table's new name");
    if (!n) return;
    r_.use_name(*t, n->text);
    emit(ast::RenameTable{*t, *n});
  }

  // ------------------------------------------------------------ columns

  void add_column() {
    auto t = table();
    if (!t) return;
    if (!refuse("if_not_exists", "Retort has no add column if not exists")) return;
    for (const char* k : {"insert_before", "insert_after"}) {
      if (const Value* v = a_.given(k)) {
        r_.note(v->span, fmt::format("{} only orders the columns of a SQLite table rebuild: "
                                     "ignored",
                                     k));
      }
    }
    auto c = r_.column(*a_.get("column"));
    if (!c) return;
    // Alembic adds the column, then its constraints but not a primary key.
    std::vector<ColumnResult> one;
    one.push_back(std::move(*c));
    std::vector<std::string> pk;
    if (one[0].primary_key) pk.push_back(one[0].def.name.text);
    if (!identity(one, pk)) return;
    ColumnResult& col = one[0];
    std::vector<ConstraintSpec> constraints;
    if (col.unique && !col.index) {
      ConstraintSpec u;
      u.constraint.kind = ast::ConstraintKind::Unique;
      u.constraint.columns = {col.def.name};
      u.constraint.span = col.span;
      constraints.push_back(std::move(u));
    }
    for (auto& k : col.constraints) constraints.push_back(std::move(k));
    std::vector<std::string> names = known_columns(*t);
    names.push_back(col.def.name.text);
    if (!r_.name_constraints(*t, constraints, names)) return;
    if (auto it = r_.table_columns_.find(t->key()); it != r_.table_columns_.end()) {
      it->second.push_back(col.def.name.text);
    }
    ast::AlterTable a = alter(*t);
    a.actions.push_back(ast::AddColumn{col.def, call_.span});
    for (auto& k : constraints) {
      a.actions.push_back(ast::AddConstraint{std::move(k.constraint), false, k.constraint.span});
    }
    emit(std::move(a));
    if (col.index) {
      ast::CreateIndex ix;
      ix.table = *t;
      ix.unique = col.unique;
      ix.name = r_.convention_index_name(*t, col.def.name.text, col.span);
      r_.use_name(*t, ix.name->text);
      ast::IndexKey key;
      key.column = col.def.name;
      key.span = col.span;
      ix.keys.push_back(std::move(key));
      ast::Statement st;
      st.node = std::move(ix);
      st.span = col.span;
      block_.out->push_back(std::move(st));
    }
  }

  void drop_column() {
    auto t = table();
    if (!t) return;
    if (!refuse("if_exists", "Retort has no drop column if exists")) return;
    auto n = r_.name(*a_.get("column_name"), "the column's name");
    if (!n) return;
    ast::AlterTable a = alter(*t);
    a.actions.push_back(ast::DropColumn{*n, false, call_.span});
    emit(std::move(a));
  }

  void alter_column() {
    auto t = table();
    if (!t) return;
    auto col = r_.name(*a_.get("column_name"), "the column's name");
    if (!col) return;
    for (const char* k : {"autoincrement", "existing_autoincrement"}) {
      if (const Value* v = a_.given(k)) {
        r_.note(v->span, fmt::format("{} only tunes MySQL's alter column: ignored", k));
      }
    }
    for (const char* k : {"insert_before", "insert_after"}) {
      if (const Value* v = a_.given(k)) {
        r_.note(v->span, fmt::format("{} only orders the columns of a SQLite table rebuild: "
                                     "ignored",
                                     k));
      }
    }
    ast::AlterTable a = alter(*t);
    // PostgreSQL's order in Alembic: type, nullability, default, comment, name.
    const Value* using_value = a_.take("postgresql_using");
    if (const Value* tv = a_.given("type_")) {
      auto type = r_.type(*tv);
      if (!type) return;
      if (type->collation) {
        r_.cannot(tv->span,
                  "cannot read a collation in a type change: Retort changes "
                  "collations only with the column's definition");
        return;
      }
      ast::AlterColumnType change{*col, type->type, nullptr, arg_span("type_")};
      if (using_value) {
        auto e = r_.sql_expression(*using_value, "postgresql_using");
        if (!e) return;
        change.using_expr = *e;
      }
      a.actions.push_back(std::move(change));
    } else if (using_value) {
      r_.error(using_value->span, "postgresql_using needs type_", "Alembic refuses it too");
      return;
    }
    if (const Value* n = a_.get("nullable"); n && !n->is(Value::Kind::None)) {
      auto b = r_.boolean(*n, "nullable");
      if (!b) return;
      if (*b) {
        a.actions.push_back(ast::DropNotNull{*col, arg_span("nullable")});
      } else {
        a.actions.push_back(ast::SetNotNull{*col, arg_span("nullable")});
      }
    }
    if (const Value* d = a_.get("server_default"); d && !(d->is(Value::Kind::Bool) && !d->truth)) {
      if (d->is(Value::Kind::None)) {
        a.actions.push_back(ast::DropDefault{*col, arg_span("server_default")});
      } else {
        auto e = r_.server_default(*d);
        if (!e) return;
        if (*e) a.actions.push_back(ast::SetDefault{*col, *e, arg_span("server_default")});
      }
    }
    if (const Value* c = a_.get("comment"); c && !(c->is(Value::Kind::Bool) && !c->truth)) {
      if (c->is(Value::Kind::None)) {
        a.actions.push_back(ast::SetColumnComment{*col, "", arg_span("comment")});
      } else {
        auto text = r_.string(*c, "comment");
        if (!text) return;
        a.actions.push_back(ast::SetColumnComment{*col, *text, arg_span("comment")});
      }
    }
    if (const Value* n = a_.given("new_column_name")) {
      auto nn = r_.name(*n, "the column's new name");
      if (!nn) return;
      a.actions.push_back(ast::RenameColumn{*col, *nn, arg_span("new_column_name")});
    }
    if (a.actions.empty()) return;  // only existing_*: Alembic does nothing
    emit(std::move(a));
  }

  // ------------------------------------------------------------ indexes

  void create_index() {
    auto t = table();
    if (!t) return;
    ast::CreateIndex ix;
    ix.table = *t;
    const Value* cols = a_.get("columns");
    if (!cols->is(Value::Kind::List) && !cols->is(Value::Kind::Tuple)) {
      r_.error(cols->span, fmt::format("the columns of {}() must be a list", label_), "");
      return;
    }
    for (const auto& c : cols->items) {
      auto key = r_.index_key(c);
      if (!key) return;
      ix.keys.push_back(std::move(*key));
    }
    if (ix.keys.empty()) {
      r_.error(cols->span, "an index needs at least one column", "");
      return;
    }
    const Value* n = a_.get("index_name");
    if (n->is(Value::Kind::None)) {
      if (!ix.keys[0].column) {
        r_.error(call_.span, "an unnamed index on an expression has no name SQLAlchemy can make",
                 "name the index");
        return;
      }
      ix.name = r_.convention_index_name(*t, ix.keys[0].column->text, call_.span);
    } else {
      auto name = r_.object_name(*n, "the index's name");
      if (!name) return;
      ix.name = *name;
    }
    r_.use_name(*t, ix.name->text);
    if (const Value* u = a_.given("unique")) {
      auto b = r_.boolean(*u, "unique");
      if (!b) return;
      ix.unique = *b;
    }
    if (const Value* ine = a_.given("if_not_exists")) {
      auto b = r_.boolean(*ine, "if_not_exists");
      if (!b) return;
      ix.if_not_exists = *b;
    }
    const Value* pg_where = a_.take("postgresql_where");
    const Value* sqlite_where = a_.take("sqlite_where");
    if (const Value* w = pg_where ? pg_where : sqlite_where) {
      auto e = r_.sql_expression(*w, "the index's condition");
      if (!e) return;
      ix.where = *e;
      if (pg_where && sqlite_where) {
        r_.note(sqlite_where->span, "sqlite_where: postgresql_where is used on every dialect");
      }
    }
    if (const Value* m = a_.take("postgresql_using")) {
      auto name = r_.name(*m, "postgresql_using");
      if (!name) return;
      ix.method = *name;
    }
    if (const Value* inc = a_.take("postgresql_include")) {
      auto names = r_.name_list(*inc, "postgresql_include");
      if (!names) return;
      ix.include = *names;
    }
    if (const Value* c = a_.take("postgresql_concurrently")) {
      auto b = r_.boolean(*c, "postgresql_concurrently");
      if (!b) return;
      ix.concurrently = *b;
    }
    emit(std::move(ix));
  }

  void drop_index() {
    const Value* n = a_.get("index_name");
    auto name = r_.object_name(*n, "the index's name");
    if (!name) return;
    ast::DropIndex d;
    d.name.name = *name;
    d.name.span = n->span;
    if (batch_) {
      d.name.schema = batch_->name.schema;
    } else if (const Value* s = a_.given("schema")) {
      auto sn = r_.name(*s, "schema");
      if (!sn) return;
      d.name.schema = *sn;
    }
    if (const Value* t = a_.given("table_name")) {
      if (!r_.string(*t, "the table's name")) return;  // read for its type only
    }
    if (const Value* c = a_.take("postgresql_concurrently")) {
      auto b = r_.boolean(*c, "postgresql_concurrently");
      if (!b) return;
      d.concurrently = *b;
    }
    if (const Value* ie = a_.given("if_exists")) {
      auto b = r_.boolean(*ie, "if_exists");
      if (!b) return;
      d.if_exists = *b;
    }
    emit(std::move(d));
  }

  // -------------------------------------------------------- constraints

  /// Adds one constraint to a table, named as PostgreSQL would when unnamed.
  void add_constraint(const ast::QualifiedName& t, ConstraintSpec spec) {
    std::vector<ConstraintSpec> specs;
    specs.push_back(std::move(spec));
    if (!r_.name_constraints(t, specs, known_columns(t))) return;
    ast::AlterTable a = alter(t);
    bool not_valid = specs[0].not_valid;
    a.actions.push_back(ast::AddConstraint{std::move(specs[0].constraint), not_valid, call_.span});
    emit(std::move(a));
  }

  bool named(ConstraintSpec& spec) {
    const Value* n = a_.get("constraint_name");
    if (n != nullptr && !n->is(Value::Kind::None)) {
      auto name = r_.object_name(*n, "the constraint's name");
      if (!name) return false;
      spec.constraint.name = *name;
    }
    return true;
  }

  bool deferrable() {
    return refuse("deferrable", "Retort has no deferrable constraints") &&
           refuse("initially", "Retort has no deferrable constraints") &&
           refuse("match", "Retort has no MATCH clause");
  }

  bool not_valid(ConstraintSpec& spec) {
    if (const Value* nv = a_.take("postgresql_not_valid")) {
      auto b = r_.boolean(*nv, "postgresql_not_valid");
      if (!b) return false;
      spec.not_valid = *b;
    }
    return true;
  }

  void add_key(ast::ConstraintKind kind) {
    auto t = table();
    if (!t || !deferrable()) return;
    ConstraintSpec spec;
    spec.constraint.kind = kind;
    spec.constraint.span = call_.span;
    if (!named(spec)) return;
    auto cols = r_.name_list(*a_.get("columns"), "a constraint's column");
    if (!cols) return;
    spec.constraint.columns = *cols;
    add_constraint(*t, std::move(spec));
  }

  void create_foreign_key() {
    auto t = table("source_table", "source_schema");
    if (!t || !deferrable()) return;
    ConstraintSpec spec;
    spec.constraint.kind = ast::ConstraintKind::ForeignKey;
    spec.constraint.span = call_.span;
    if (!named(spec) || !not_valid(spec)) return;
    auto local = r_.name_list(*a_.get("local_cols"), "a foreign key's column");
    if (!local) return;
    auto remote = r_.name_list(*a_.get("remote_cols"), "a referenced column");
    if (!remote) return;
    auto ref = r_.qualified(*a_.get("referent_table"), a_.given("referent_schema"),
                            "the referenced table");
    if (!ref) return;
    if (local->size() != remote->size()) {
      r_.error(call_.span,
               fmt::format("the foreign key has {} column{} but references {}", local->size(),
                           local->size() == 1 ? "" : "s", remote->size()),
               "");
      return;
    }
    spec.constraint.columns = *local;
    ast::References r;
    r.table = *ref;
    r.columns = *remote;
    r.span = call_.span;
    if (const Value* d = a_.given("ondelete")) {
      auto x = r_.ref_action(*d, "ondelete");
      if (!x) return;
      r.on_delete = *x;
    }
    if (const Value* u = a_.given("onupdate")) {
      auto x = r_.ref_action(*u, "onupdate");
      if (!x) return;
      r.on_update = *x;
    }
    spec.constraint.references = std::move(r);
    add_constraint(*t, std::move(spec));
  }

  void create_check_constraint() {
    auto t = table();
    if (!t || !deferrable()) return;
    ConstraintSpec spec;
    spec.constraint.kind = ast::ConstraintKind::Check;
    spec.constraint.span = call_.span;
    if (!named(spec) || !not_valid(spec)) return;
    auto e = r_.sql_expression(*a_.get("condition"), "the check's condition");
    if (!e) return;
    spec.constraint.check = *e;
    if ((*e)->kind == ast::ExprKind::Raw) {
      spec.check_columns_known = false;
      spec.raw_check = (*e)->text;
    } else {
      spec.check_columns = ast::expr_columns(**e);
    }
    add_constraint(*t, std::move(spec));
  }

  void drop_constraint() {
    auto t = table();
    if (!t) return;
    auto n = r_.object_name(*a_.get("constraint_name"), "the constraint's name");
    if (!n) return;
    if (const Value* type = a_.given("type_")) {
      auto s = r_.string(*type, "type_");
      if (!s) return;
      if (*s != "foreignkey" && *s != "unique" && *s != "check" && *s != "primary") {
        r_.error(type->span, fmt::format("unknown constraint type '{}'", *s),
                 "the types are 'foreignkey', 'unique', 'check' and 'primary'");
        return;
      }
    }
    if (!refuse("if_exists", "Retort has no drop constraint if exists")) return;
    ast::AlterTable a = alter(*t);
    a.actions.push_back(ast::DropConstraint{*n, call_.span});
    emit(std::move(a));
  }

  // -------------------------------------------------------------- other

  void execute() {
    const Value* sql = a_.get("sqltext");
    const Value* text = sql;
    if (sql->is_object("sa.text")) {
      if (sql->items.size() != 1 || !sql->keywords.empty()) {
        r_.error(sql->span, "sa.text() takes one string", "");
        return;
      }
      text = &sql->items[0];
    }
    if (!text->is(Value::Kind::String)) {
      r_.cannot(sql->span, fmt::format("cannot read op.execute({}): it takes SQL text, a string "
                                       "or sa.text('...')",
                                       Reader::what(*sql)));
      return;
    }
    if (text->text.find_first_not_of(" \t\r\n") == std::string::npos) {
      r_.error(text->span, "op.execute() with no SQL", "");
      return;
    }
    ast::Execute e;
    e.body.span = sql->span;
    e.body.entries.push_back({"", text->text, text->span});
    emit(std::move(e));
  }

  void table_comment(bool drop) {
    auto t = table();
    if (!t) return;
    std::string text;
    if (!drop) {
      const Value* c = a_.get("comment");
      if (!c->is(Value::Kind::None)) {
        auto s = r_.string(*c, "comment");
        if (!s) return;
        text = *s;
      }
    }
    emit(ast::CommentOnTable{*t, text});
  }

  void bulk_insert() {
    const Value* tv = a_.get("table");
    std::shared_ptr<TableHandle> handle;
    if (tv->is(Value::Kind::Table)) {
      handle = tv->table;
    } else if (tv->is_object("sa.table") || tv->is_object("sa.Table")) {
      handle = r_.table_handle(*tv);
      if (!handle) return;
    } else {
      r_.cannot(tv->span,
                fmt::format("cannot read {} as the table of op.bulk_insert()", Reader::what(*tv)));
      return;
    }
    if (const Value* m = a_.given("multiinsert")) {
      if (!r_.boolean(*m, "multiinsert")) return;
    }
    const Value* rows = a_.get("rows");
    if (!rows->is(Value::Kind::List) && !rows->is(Value::Kind::Tuple)) {
      r_.error(rows->span, "the rows of op.bulk_insert() must be a list of dicts", "");
      return;
    }
    // One insert per run of rows with the same keys (Alembic inserts row by
    // row in offline mode, so rows may differ).
    std::optional<ast::Insert> insert;
    std::vector<std::string> keys;
    for (const auto& row : rows->items) {
      if (!row.is(Value::Kind::Dict)) {
        r_.error(row.span,
                 fmt::format("a row of op.bulk_insert() must be a dict, not {}", Reader::what(row)),
                 "");
        return;
      }
      std::vector<std::string> row_keys;
      for (const auto& k : row.items) {
        auto name = r_.string(k, "a column's name");
        if (!name) return;
        if (!handle->columns.empty() && std::find(handle->columns.begin(), handle->columns.end(),
                                                  *name) == handle->columns.end()) {
          r_.error(k.span,
                   fmt::format("the table {} has no column \"{}\"", handle->name.key(), *name), "");
          return;
        }
        row_keys.push_back(*name);
      }
      std::vector<std::string> sorted = row_keys;
      std::sort(sorted.begin(), sorted.end());
      std::vector<std::string> current = keys;
      std::sort(current.begin(), current.end());
      if (!insert || sorted != current) {
        if (insert) emit(std::move(*insert));
        insert = ast::Insert{};
        insert->table = handle->name;
        keys = row_keys;
        for (size_t i = 0; i < row.items.size(); ++i) {
          auto n = r_.name(row.items[i], "a column's name");
          if (!n) return;
          insert->columns.push_back(*n);
        }
      }
      std::vector<ast::ExprPtr> values(keys.size());
      for (size_t i = 0; i < row.items.size(); ++i) {
        size_t at =
            static_cast<size_t>(std::find(keys.begin(), keys.end(), row_keys[i]) - keys.begin());
        auto v = r_.literal(row.values[i], "a value of op.bulk_insert()");
        if (!v) return;
        values[at] = *v;
      }
      insert->rows.push_back(std::move(values));
    }
    if (insert) emit(std::move(*insert));
  }
};

void read_op(Reader& reader, Block& block, const Value& call,
             const std::shared_ptr<TableHandle>& batch, std::string_view op,
             std::shared_ptr<TableHandle>* result) {
  OpReader(reader, block, call, batch).run(op, result);
}

}  // namespace retort::alembic
