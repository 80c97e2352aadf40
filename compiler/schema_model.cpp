#include "compiler/schema_model.h"

#include "compiler/text_util.h"

#include <fmt/format.h>

#include <algorithm>

namespace retort {

namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  if (a.size() != b.size()) return false;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// Calls `fn` with every word of a view body: runs of identifier characters
// and dots, so that `billing.invoices` is one word. Double quotes separate
// words, so `"Users"` yields `Users`.
template <class F>
void for_each_word(std::string_view text, F&& fn) {
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
  };
  size_t i = 0;
  while (i < text.size()) {
    if (!is_word(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && is_word(text[i])) ++i;
    std::string_view w = text.substr(start, i - start);
    while (!w.empty() && w.front() == '.') w.remove_prefix(1);
    while (!w.empty() && w.back() == '.') w.remove_suffix(1);
    if (!w.empty()) fn(w);
  }
}

// Every spelling of a word that may name an object: the word and its
// lower-case form, and for a dotted word each part and each adjacent pair.
std::vector<std::string> candidate_names(std::string_view word) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = word.find('.'); dot != std::string_view::npos; dot = word.find('.', start)) {
    parts.emplace_back(word.substr(start, dot - start));
    start = dot + 1;
  }
  parts.emplace_back(word.substr(start));
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (s.empty()) return;
    std::string l = lower_ascii(s);
    if (l != s) out.push_back(std::move(l));
    out.push_back(std::move(s));
  };
  add(std::string(word));
  if (parts.size() > 1) {
    for (size_t i = 0; i < parts.size(); ++i) {
      add(parts[i]);
      if (i + 1 < parts.size()) add(parts[i] + "." + parts[i + 1]);
    }
  }
  return out;
}

const std::vector<Index>& no_indexes() {
  static const std::vector<Index> empty;
  return empty;
}

}  // namespace

std::string qualify(std::string_view schema, std::string_view name) {
  if (schema.empty()) return std::string(name);
  std::string out(schema);
  out += '.';
  out += name;
  return out;
}

std::string_view schema_of(std::string_view key) {
  size_t dot = key.find('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

std::string_view name_of(std::string_view key) {
  size_t dot = key.find('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// ------------------------------------------------------------------- Index

std::vector<std::string> Index::columns_read() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& c) {
    if (!contains(out, c)) out.push_back(c);
  };
  for (const auto& k : keys) {
    if (!k.column.empty()) add(k.column);
    if (k.expr) {
      for (const auto& c : ast::expr_columns(*k.expr)) add(c);
    }
  }
  for (const auto& c : include) add(c);
  if (where) {
    for (const auto& c : ast::expr_columns(*where)) add(c);
  }
  return out;
}

bool Index::plain_columns() const {
  return std::all_of(keys.begin(), keys.end(), [](const IndexKeyDef& k) { return !k.expr; });
}

// ------------------------------------------------------------------- Table

const Column* Table::find_column(std::string_view column) const {
  for (const auto& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

Column* Table::find_column(std::string_view column) {
  for (auto& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

int Table::column_position(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

const std::string& Constraint::name_on(std::string_view dialect) const {
  for (const auto& [d, n] : dialect_names) {
    if (d == dialect) return n;
  }
  return name;
}

bool Constraint::named(std::string_view n) const {
  if (name == n) return true;
  for (const auto& e : dialect_names) {
    if (e.second == n) return true;
  }
  return false;
}

const Constraint* Table::find_constraint(std::string_view constraint) const {
  for (const auto& c : constraints) {
    if (c.name == constraint) return &c;
  }
  // The canonical names first: a server's name may be another constraint's.
  for (const auto& c : constraints) {
    if (c.named(constraint)) return &c;
  }
  return nullptr;
}

const Index* Table::find_index(std::string_view index) const {
  for (const auto& i : indexes) {
    if (i.name == index) return &i;
  }
  return nullptr;
}

const Constraint* Table::primary_key() const {
  for (const auto& c : constraints) {
    if (c.kind == ast::ConstraintKind::PrimaryKey) return &c;
  }
  return nullptr;
}

bool Table::has_unique_over(const std::vector<std::string>& cols) const {
  for (const auto& c : constraints) {
    if ((c.kind == ast::ConstraintKind::PrimaryKey || c.kind == ast::ConstraintKind::Unique) &&
        same_set(c.columns, cols)) {
      return true;
    }
  }
  for (const auto& i : indexes) {
    if (!i.unique || i.where || !i.plain_columns()) continue;
    std::vector<std::string> keys;
    for (const auto& k : i.keys) keys.push_back(k.column);
    if (same_set(keys, cols)) return true;
  }
  return false;
}

bool Table::has_index_leading_with(const std::vector<std::string>& cols) const {
  if (cols.empty()) return false;
  auto leads = [&](const std::vector<std::string>& keys) {
    if (keys.size() < cols.size()) return false;
    return same_set(std::vector<std::string>(keys.begin(), keys.begin() + cols.size()), cols);
  };
  for (const auto& c : constraints) {
    if ((c.kind == ast::ConstraintKind::PrimaryKey || c.kind == ast::ConstraintKind::Unique) &&
        leads(c.columns)) {
      return true;
    }
  }
  for (const auto& i : indexes) {
    // A partial index does not serve every lookup: it does not count.
    if (i.where) continue;
    std::vector<std::string> keys;
    for (const auto& k : i.keys) {
      if (k.expr) break;
      keys.push_back(k.column);
    }
    if (leads(keys)) return true;
  }
  return false;
}

std::vector<std::string> Table::objects_using_column(std::string_view column) const {
  std::vector<std::string> out;
  for (const auto& c : constraints) {
    bool uses = contains(c.columns, column);
    if (!uses && c.check) uses = contains(ast::expr_columns(*c.check), column);
    if (uses) out.push_back(c.name);
  }
  for (const auto& i : indexes) {
    if (contains(i.columns_read(), column)) out.push_back(i.name);
  }
  return out;
}

// -------------------------------------------------------------- Enum, View

bool Enum::has_value(std::string_view v) const {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool View::reads_word(std::string_view word) const {
  std::string wanted = lower_ascii(word);
  bool found = false;
  for (const auto& e : body.entries) {
    for_each_word(e.text, [&](std::string_view w) {
      if (found) return;
      for (const auto& c : candidate_names(w)) {
        if (c == word || c == wanted) found = true;
      }
    });
  }
  return found;
}

// ------------------------------------------------------------- SchemaModel

bool SchemaModel::has_schema(std::string_view schema) const {
  return schema.empty() || schemas_.contains(schema);
}

void SchemaModel::add_schema(const std::string& schema) {
  schemas_.set(schema, true);
}

void SchemaModel::remove_schema(std::string_view schema) {
  schemas_.erase(schema);
}

std::vector<std::string> SchemaModel::schemas() const {
  std::vector<std::string> out;
  for (const auto& e : schemas_) out.push_back(e.key);
  return out;
}

std::vector<std::string> SchemaModel::objects_in_schema(std::string_view schema) const {
  std::vector<std::string> out;
  std::string prefix = std::string(schema) + ".";
  auto scan = [&](const auto& map) {
    for (auto it = map.lower_bound(prefix); it != map.end() && it->key.starts_with(prefix); ++it) {
      out.push_back(it->key);
    }
  };
  scan(tables_);
  scan(views_);
  scan(enums_);
  return out;
}

const Table* SchemaModel::find_table(std::string_view key) const {
  const auto* t = tables_.find(key);
  return t ? t->get() : nullptr;
}

const Table* SchemaModel::find_table_ignoring_case(std::string_view key,
                                                   std::string_view except) const {
  // The table spelled in lower case, else one spelled otherwise. (Under a
  // target that ignores case, the only caller's, at most one table has a
  // given lower-cased key: replay refuses a second.)
  const std::string lower = lower_ascii(key);
  if (lower != except) {
    if (const Table* t = find_table(lower)) return t;
  }
  if (const auto* keys = mixed_case_tables_.find(lower)) {
    for (const auto& k : *keys) {
      if (k != except) return find_table(k);
    }
  }
  return nullptr;
}

void SchemaModel::unregister_names(const Table& t) {
  for (const auto& c : t.constraints) names_.erase(qualify(t.schema, c.name));
  for (const auto& i : t.indexes) names_.erase(qualify(t.schema, i.name));
}

void SchemaModel::register_names(const Table& t) {
  for (const auto& c : t.constraints)
    names_.set(qualify(t.schema, c.name), NameOwner{t.key, false});
  for (const auto& i : t.indexes) names_.set(qualify(t.schema, i.name), NameOwner{t.key, true});
}

namespace {

// The distinct tables a table's foreign keys reference, sorted.
std::vector<std::string> referenced_tables(const Table* t) {
  std::vector<std::string> out;
  if (!t) return out;
  for (const auto& c : t->constraints) {
    if (c.kind == ast::ConstraintKind::ForeignKey && !contains(out, c.ref_table)) {
      out.push_back(c.ref_table);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void SchemaModel::update_referrers(const Table* old_table, const Table* new_table) {
  std::vector<std::string> before = referenced_tables(old_table);
  std::vector<std::string> after = referenced_tables(new_table);
  if (before == after) return;
  const std::string& key = old_table ? old_table->key : new_table->key;
  for (const auto& target : before) {
    if (contains(after, target)) continue;
    std::vector<std::string> keys = *referrers_.find(target);
    std::erase(keys, key);
    if (keys.empty()) {
      referrers_.erase(target);
    } else {
      referrers_.set(target, std::move(keys));
    }
  }
  for (const auto& target : after) {
    if (contains(before, target)) continue;
    const auto* found = referrers_.find(target);
    std::vector<std::string> keys = found ? *found : std::vector<std::string>{};
    keys.insert(std::lower_bound(keys.begin(), keys.end(), key), key);
    referrers_.set(target, std::move(keys));
  }
}

namespace {

// True when `a` and `b` have the same constraints and indexes by name, and
// the same foreign key targets: an edit that changes neither the names nor
// the referrers (most edits: columns, defaults, comments).
bool same_names_and_targets(const Table& a, const Table& b) {
  if (a.constraints.size() != b.constraints.size() || a.indexes.size() != b.indexes.size())
    return false;
  for (size_t i = 0; i < a.constraints.size(); ++i) {
    const Constraint& x = a.constraints[i];
    const Constraint& y = b.constraints[i];
    if (x.name != y.name || x.kind != y.kind || x.ref_table != y.ref_table) return false;
  }
  for (size_t i = 0; i < a.indexes.size(); ++i) {
    if (a.indexes[i].name != b.indexes[i].name) return false;
  }
  return true;
}

}  // namespace

void SchemaModel::put_table(Table table) {
  const Table* old = find_table(table.key);
  if (!old) {
    register_names(table);
    update_referrers(nullptr, &table);
    // A key not in the model is not in mixed_case_tables_ (remove_table
    // takes it out of both).
    std::string lower = lower_ascii(table.key);
    if (lower != table.key) {
      const auto* same = mixed_case_tables_.find(lower);
      std::vector<std::string> keys = same ? *same : std::vector<std::string>{};
      keys.push_back(table.key);
      mixed_case_tables_.set(std::move(lower), std::move(keys));
    }
  } else if (!same_names_and_targets(*old, table)) {
    // An index or constraint came or went: touch only the names that did.
    // Views into `old` (alive in tables_ until the end) and `table`.
    auto names_of = [](const Table& t) {
      std::vector<std::pair<std::string_view, bool>> out;
      out.reserve(t.constraints.size() + t.indexes.size());
      for (const auto& c : t.constraints) out.emplace_back(c.name, false);
      for (const auto& i : t.indexes) out.emplace_back(i.name, true);
      std::sort(out.begin(), out.end());
      return out;
    };
    auto before = names_of(*old);
    auto after = names_of(table);
    for (const auto& n : before) {
      if (!std::binary_search(after.begin(), after.end(), n))
        names_.erase(qualify(table.schema, n.first));
    }
    for (const auto& n : after) {
      if (!std::binary_search(before.begin(), before.end(), n))
        names_.set(qualify(table.schema, n.first), NameOwner{table.key, n.second});
    }
    update_referrers(old, &table);
  }
  // Otherwise (most edits: columns, defaults, comments) only the table changes.
  std::string key = table.key;
  tables_.set(std::move(key), std::make_shared<const Table>(std::move(table)));
}

void SchemaModel::remove_table(std::string_view key) {
  const Table* old = find_table(key);
  if (!old) return;
  unregister_names(*old);
  update_referrers(old, nullptr);
  std::string lower = lower_ascii(key);
  const auto* same = lower == key ? nullptr : mixed_case_tables_.find(lower);
  if (same) {
    std::vector<std::string> keys = *same;
    std::erase(keys, key);
    if (keys.empty()) {
      mixed_case_tables_.erase(lower);
    } else {
      mixed_case_tables_.set(std::move(lower), std::move(keys));
    }
  }
  tables_.erase(key);
}

const Column* SchemaModel::find_column(std::string_view table, std::string_view column) const {
  const Table* t = find_table(table);
  return t ? t->find_column(column) : nullptr;
}

const Constraint* SchemaModel::primary_key(std::string_view table) const {
  const Table* t = find_table(table);
  return t ? t->primary_key() : nullptr;
}

const std::vector<Index>& SchemaModel::indexes_on(std::string_view table) const {
  const Table* t = find_table(table);
  return t ? t->indexes : no_indexes();
}

std::vector<ConstraintRef> SchemaModel::foreign_keys_to(std::string_view table) const {
  std::vector<ConstraintRef> out;
  const auto* keys = referrers_.find(table);
  if (!keys) return out;
  for (const auto& key : *keys) {
    const Table* t = find_table(key);
    for (const auto& c : t->constraints) {
      if (c.kind == ast::ConstraintKind::ForeignKey && c.ref_table == table) out.push_back({t, &c});
    }
  }
  return out;
}

const NameOwner* SchemaModel::name_owner(std::string_view qualified) const {
  return names_.find(qualified);
}

IndexRef SchemaModel::find_index(std::string_view qualified) const {
  const NameOwner* owner = name_owner(qualified);
  if (!owner || !owner->is_index) return {};
  const Table* t = find_table(owner->table);
  if (!t) return {};
  const Index* i = t->find_index(name_of(qualified));
  return i ? IndexRef{t, i} : IndexRef{};
}

ConstraintRef SchemaModel::find_constraint(std::string_view qualified) const {
  const NameOwner* owner = name_owner(qualified);
  if (!owner || owner->is_index) return {};
  const Table* t = find_table(owner->table);
  if (!t) return {};
  const Constraint* c = t->find_constraint(name_of(qualified));
  return c ? ConstraintRef{t, c} : ConstraintRef{};
}

const Enum* SchemaModel::find_enum(std::string_view key) const {
  const auto* e = enums_.find(key);
  return e ? e->get() : nullptr;
}

void SchemaModel::put_enum(Enum e) {
  std::string key = e.key;
  enums_.set(std::move(key), std::make_shared<const Enum>(std::move(e)));
}

void SchemaModel::remove_enum(std::string_view key) {
  enums_.erase(key);
}

std::vector<ColumnRef> SchemaModel::columns_using_enum(std::string_view key) const {
  std::vector<ColumnRef> out;
  for (const auto& e : tables_) {
    for (const auto& c : e.value->columns) {
      if (c.type.kind == ast::TypeKind::Enum && c.type.enum_name->key() == key) {
        out.push_back({e.value.get(), &c});
      }
    }
  }
  return out;
}

const View* SchemaModel::find_view(std::string_view key) const {
  const auto* v = views_.find(key);
  return v ? v->get() : nullptr;
}

void SchemaModel::put_view(View v) {
  std::string key = v.key;
  views_.set(std::move(key), std::make_shared<const View>(std::move(v)));
}

void SchemaModel::remove_view(std::string_view key) {
  views_.erase(key);
}

std::vector<const View*> SchemaModel::views_reading(std::string_view table) const {
  std::vector<const View*> out;
  for (const auto& e : views_) {
    if (contains(e.value->tables, table)) out.push_back(e.value.get());
  }
  return out;
}

std::vector<const View*> SchemaModel::views_reading_view(std::string_view view) const {
  std::vector<const View*> out;
  for (const auto& e : views_) {
    if (e.key != view && contains(e.value->views, view)) out.push_back(e.value.get());
  }
  return out;
}

std::pair<std::vector<std::string>, std::vector<std::string>> SchemaModel::names_read_by(
    const ast::DialectText& body) const {
  std::vector<std::string> tables, views;
  for (const auto& entry : body.entries) {
    for_each_word(entry.text, [&](std::string_view w) {
      for (auto& c : candidate_names(w)) {
        if (tables_.contains(c) && !contains(tables, c)) tables.push_back(c);
        if (views_.contains(c) && !contains(views, c)) views.push_back(c);
      }
    });
  }
  std::sort(tables.begin(), tables.end());
  std::sort(views.begin(), views.end());
  return {std::move(tables), std::move(views)};
}

// ------------------------------------------------------------------- dump

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

std::string quote_text(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

void dump_table(const Table& t, std::string& out) {
  out += fmt::format("table {}\n", t.key);
  if (t.comment) out += fmt::format("  comment {}\n", quote_text(*t.comment));
  for (const auto& c : t.columns) {
    out += fmt::format("  column {} {}{}", c.name, ast::type_to_string(c.type),
                       c.nullable ? "" : " not null");
    if (c.identity) out += " identity";
    if (c.default_value) out += " default " + ast::expr_to_string(*c.default_value);
    if (c.collate) out += " collate " + quote_text(*c.collate);
    if (c.comment) out += " comment " + quote_text(*c.comment);
    out += "\n";
  }
  for (const auto& c : t.constraints) {
    out += fmt::format("  constraint {} {}", c.name, ast::constraint_kind_name(c.kind));
    if (c.kind == ast::ConstraintKind::Check) {
      out += " (" + (c.check ? ast::expr_to_string(*c.check) : std::string("?")) + ")";
    } else {
      out += " (" + join_names(c.columns) + ")";
    }
    if (c.kind == ast::ConstraintKind::ForeignKey) {
      out += fmt::format(" references {} ({})", c.ref_table, join_names(c.ref_columns));
      if (c.on_delete != ast::RefAction::NoAction) {
        out += fmt::format(" on delete {}", ast::ref_action_name(c.on_delete));
      }
      if (c.on_update != ast::RefAction::NoAction) {
        out += fmt::format(" on update {}", ast::ref_action_name(c.on_update));
      }
    }
    if (!c.validated) out += " not valid";
    for (const auto& [dialect, name] : c.dialect_names) {
      out += fmt::format(" {} {}", dialect, name);
    }
    out += "\n";
  }
  for (const auto& i : t.indexes) {
    std::vector<std::string> keys;
    for (const auto& k : i.keys) {
      std::string key = k.expr ? "(" + ast::expr_to_string(*k.expr) + ")" : k.column;
      keys.push_back(k.descending ? key + " desc" : key);
    }
    out += fmt::format("  index {}{} ({})", i.name, i.unique ? " unique" : "", join_names(keys));
    if (!i.include.empty()) out += " include (" + join_names(i.include) + ")";
    if (i.where) out += " where " + ast::expr_to_string(*i.where);
    if (i.method) out += " using " + *i.method;
    out += "\n";
  }
}

}  // namespace

std::string dump(const SchemaModel& schema) {
  std::string out;
  for (const auto& s : schema.schemas()) out += fmt::format("schema {}\n", s);
  for (const auto& e : schema.enums()) {
    std::vector<std::string> values;
    for (const auto& v : e.value->values) values.push_back(quote_text(v));
    out += fmt::format("enum {} ({})\n", e.key, join_names(values));
  }
  for (const auto& e : schema.tables()) dump_table(*e.value, out);
  for (const auto& e : schema.views()) {
    out += fmt::format("view {} reads ({})", e.key, join_names(e.value->tables));
    if (!e.value->views.empty()) out += " views (" + join_names(e.value->views) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace retort
