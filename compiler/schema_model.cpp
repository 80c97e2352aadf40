#include "compiler/schema_model.h"

#include <algorithm>

namespace retort {

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

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
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
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

const Constraint* Table::find_constraint(std::string_view constraint) const {
  for (const auto& c : constraints) {
    if (c.name == constraint) return &c;
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

void SchemaModel::add_schema(const std::string& schema) { schemas_.set(schema, true); }

void SchemaModel::remove_schema(std::string_view schema) { schemas_.erase(schema); }

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

const Table* SchemaModel::find_table_ignoring_case(std::string_view key) const {
  const auto* k = tables_by_lower_key_.find(lower_ascii(key));
  return k ? find_table(*k) : nullptr;
}

void SchemaModel::unregister_names(const Table& t) {
  for (const auto& c : t.constraints) names_.erase(qualify(t.schema, c.name));
  for (const auto& i : t.indexes) names_.erase(qualify(t.schema, i.name));
}

void SchemaModel::register_names(const Table& t) {
  for (const auto& c : t.constraints) names_.set(qualify(t.schema, c.name), NameOwner{t.key, false});
  for (const auto& i : t.indexes) names_.set(qualify(t.schema, i.name), NameOwner{t.key, true});
}

void SchemaModel::put_table(Table table) {
  if (const Table* old = find_table(table.key)) unregister_names(*old);
  register_names(table);
  tables_by_lower_key_.set(lower_ascii(table.key), table.key);
  std::string key = table.key;
  tables_.set(std::move(key), std::make_shared<const Table>(std::move(table)));
}

void SchemaModel::remove_table(std::string_view key) {
  const Table* old = find_table(key);
  if (!old) return;
  unregister_names(*old);
  std::string lower = lower_ascii(key);
  // Only forget the case-folded entry when it points at this table (two
  // tables that differ in case may both exist when no target ignores case).
  if (const auto* k = tables_by_lower_key_.find(lower); k && *k == key) {
    tables_by_lower_key_.erase(lower);
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
  // A scan of every table: only dropping and renaming tables and columns
  // need it, which are rare next to the statements that add things.
  std::vector<ConstraintRef> out;
  for (const auto& e : tables_) {
    for (const auto& c : e.value->constraints) {
      if (c.kind == ast::ConstraintKind::ForeignKey && c.ref_table == table) {
        out.push_back({e.value.get(), &c});
      }
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

void SchemaModel::remove_enum(std::string_view key) { enums_.erase(key); }

std::vector<ColumnRef> SchemaModel::columns_using_enum(std::string_view key) const {
  std::vector<ColumnRef> out;
  for (const auto& e : tables_) {
    for (const auto& c : e.value->columns) {
      if (c.type.kind == ast::TypeKind::Enum && c.type.enum_name.key() == key) {
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

void SchemaModel::remove_view(std::string_view key) { views_.erase(key); }

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

}  // namespace retort
