// Catalogue: normalising and printing.
#include <algorithm>
#include <string>
#include <tuple>

#include "tests/db/harness.h"

namespace retort::testing {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

/// " name" or "" for the objects SQLite leaves unnamed.
std::string named(const std::string& name) {
  return name.empty() ? "" : " " + name;
}

}  // namespace

const Column* Table::column(std::string_view column_name) const {
  for (const auto& c : columns) {
    if (c.name == column_name) return &c;
  }
  return nullptr;
}

const Table* Catalogue::table(std::string_view table_name) const {
  for (const auto& t : tables) {
    if (t.name == table_name) return &t;
  }
  return nullptr;
}

void normalise(Catalogue& catalogue) {
  // Names first, then the content, so that SQLite's unnamed constraints
  // still come out in one order whatever order the server listed them in.
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  for (auto& t : catalogue.tables) {
    std::sort(t.uniques.begin(), t.uniques.end(), [](const auto& a, const auto& b) {
      return std::tie(a.name, a.columns) < std::tie(b.name, b.columns);
    });
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(), [](const auto& a, const auto& b) {
      return std::tie(a.name, a.columns, a.referenced_table, a.referenced_columns) <
             std::tie(b.name, b.columns, b.referenced_table, b.referenced_columns);
    });
    std::sort(t.checks.begin(), t.checks.end(), by_name);
    std::sort(t.indexes.begin(), t.indexes.end(), by_name);
  }
  std::sort(catalogue.tables.begin(), catalogue.tables.end(), by_name);
  std::sort(catalogue.enums.begin(), catalogue.enums.end(), by_name);
  std::sort(catalogue.views.begin(), catalogue.views.end());
}

std::string to_text(const Catalogue& catalogue) {
  std::string text;
  for (const auto& t : catalogue.tables) {
    text += "table " + t.name + "\n";
    for (const auto& c : t.columns) {
      text += "  column " + c.name + " " + c.type + (c.nullable ? " null" : " not null");
      if (c.default_value) text += " default " + *c.default_value;
      if (!c.identity.empty()) text += " identity " + c.identity;
      text += "\n";
    }
    if (t.primary_key) {
      text += "  primary key" + named(t.primary_key->name) + " (" + join(t.primary_key->columns) +
              ")\n";
    }
    for (const auto& u : t.uniques)
      text += "  unique" + named(u.name) + " (" + join(u.columns) + ")\n";
    for (const auto& f : t.foreign_keys) {
      text += "  foreign key" + named(f.name) + " (" + join(f.columns) + ") references " +
              f.referenced_table + " (" + join(f.referenced_columns) + ") on delete " +
              f.on_delete + " on update " + f.on_update + "\n";
    }
    for (const auto& c : t.checks) text += "  check" + named(c.name) + "\n";
    for (const auto& i : t.indexes) {
      text += std::string("  ") + (i.unique ? "unique index " : "index ") + i.name;
      // The default method would only be noise in every line.
      if (!i.method.empty() && i.method != "btree") text += " using " + i.method;
      text += " (" + join(i.columns) + ")";
      if (!i.include.empty()) text += " include (" + join(i.include) + ")";
      if (!i.predicate.empty()) text += " where " + i.predicate;
      text += "\n";
    }
  }
  for (const auto& e : catalogue.enums) {
    text += "enum " + e.name + " (";
    for (size_t i = 0; i < e.labels.size(); ++i) text += (i ? ", '" : "'") + e.labels[i] + "'";
    text += ")\n";
  }
  for (const auto& v : catalogue.views) text += "view " + v + "\n";
  return text;
}

void PrintTo(const Catalogue& catalogue, std::ostream* os) {
  *os << "\n" << to_text(catalogue);
}

}  // namespace retort::testing
