// Seeding rows into every table of a catalogue (seed_rows), and running any
// program for the tests (run_program).
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "tests/db/internal.h"

namespace retort::testing {

namespace {

using detail::lower;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string quote_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

/// An identifier as the dialect quotes it; a PostgreSQL `schema.table`
/// (the catalogue's name outside public) becomes two quoted parts.
std::string quote_name(std::string_view dialect, std::string_view name, bool is_table) {
  char q = dialect == "mariadb" ? '`' : '"';
  auto one = [q](std::string_view part) {
    std::string out(1, q);
    for (char c : part) {
      out += c;
      if (c == q) out += q;
    }
    return out + q;
  };
  if (is_table && dialect == "postgresql") {
    if (auto dot = name.find('.'); dot != std::string_view::npos) {
      return one(name.substr(0, dot)) + "." + one(name.substr(dot + 1));
    }
  }
  return one(name);
}

/// The length in `varchar(20)`, `character(3)`; 0 when the type has none.
int declared_length(std::string_view type) {
  auto open = type.find('(');
  if (open == std::string_view::npos) return 0;
  int n = 0;
  for (size_t i = open + 1; i < type.size() && type[i] >= '0' && type[i] <= '9'; ++i) {
    n = n * 10 + (type[i] - '0');
  }
  return n;
}

/// Digits without a leading zero (valid JSON, castable to a number) that
/// fit in `length` characters; distinct for distinct small `k`.
std::string digits(int k, int length) {
  // Three characters even where the column allows more: a derived downgrade
  // may narrow the column back (string(3) -> string(10) -> string(3)), and
  // the language lets a narrowing downgrade fail on values that do not fit.
  if (length <= 0 || length >= 3) return std::to_string(100 + k % 900);
  if (length == 2) return std::to_string(10 + k % 90);
  return std::to_string(1 + k % 9);
}

/// The first label of a MariaDB `enum('a','b')` type, still quoted.
std::string first_enum_label(std::string_view type) {
  auto start = type.find('\'');
  if (start == std::string_view::npos) return "''";
  size_t i = start + 1;
  while (i < type.size()) {
    if (type[i] == '\'' && i + 1 < type.size() && type[i + 1] == '\'') {
      i += 2;
    } else if (type[i] == '\'') {
      break;
    } else {
      ++i;
    }
  }
  return std::string(type.substr(start, i - start + 1));
}

/// A literal for a column of `type` in row `k`; `distinct` when the column
/// is in a key, so that rows must differ.
std::string literal(std::string_view dialect, const Catalogue& catalogue, const Column& column,
                    int k, bool distinct) {
  std::string t = lower(column.type);
  if (dialect == "postgresql") {
    for (const auto& e : catalogue.enums) {
      if (e.name == column.type && !e.labels.empty()) return quote_string(e.labels.front());
    }
  }
  if (starts_with(t, "enum(")) return first_enum_label(column.type);
  if (t == "boolean" || t == "bool") return dialect == "postgresql" ? "TRUE" : "1";
  if (starts_with(t, "tinyint")) return std::to_string(distinct ? 1 + k % 100 : 1);
  if (starts_with(t, "interval")) return "'1 day'";
  // Integers differ from row to row anyway (a revision may add a unique
  // constraint on one; 100 + k keeps `x > 0` and `x < 1000`, keys get
  // 1000 + k, above the ids revisions insert); other numbers are 1 unless
  // in a key, so that `ratio between 0 and 1` and `min <= max` hold.
  static constexpr std::string_view kIntegers[] = {"int",    "bigint",    "smallint", "mediumint",
                                                   "serial", "bigserial", "year"};
  for (auto prefix : kIntegers) {
    if (starts_with(t, prefix)) return std::to_string(distinct ? 1000 + k : 100 + k);
  }
  static constexpr std::string_view kNumbers[] = {"numeric", "decimal", "real",  "double",
                                                  "float",   "money",   "number"};
  for (auto prefix : kNumbers) {
    if (starts_with(t, prefix)) return std::to_string(distinct ? 1000 + k : 1);
  }
  char buffer[64];
  if (contains(t, "timestamp") || starts_with(t, "datetime")) {
    std::snprintf(buffer, sizeof buffer, "'2024-01-01 10:%02d:%02d'", k / 60 % 60, k % 60);
    return buffer;
  }
  if (starts_with(t, "date")) {
    std::snprintf(buffer, sizeof buffer, "'2024-01-%02d'", 1 + k % 28);
    return buffer;
  }
  if (starts_with(t, "time")) {
    std::snprintf(buffer, sizeof buffer, "'10:%02d:%02d'", k / 60 % 60, k % 60);
    return buffer;
  }
  if (t == "uuid") {
    std::snprintf(buffer, sizeof buffer, "'00000000-0000-0000-0000-%012d'", k);
    return buffer;
  }
  if (t == "inet" || t == "cidr") {
    std::snprintf(buffer, sizeof buffer, "'10.0.%d.%d'", k / 250 % 250, 1 + k % 250);
    return buffer;
  }
  if (t == "bytea") {
    std::snprintf(buffer, sizeof buffer, "'\\x%04x'", k % 0x10000);
    return buffer;
  }
  if (contains(t, "blob") || contains(t, "binary")) {
    std::snprintf(buffer, sizeof buffer, "X'%04x'", k % 0x10000);
    return buffer;
  }
  return quote_string(digits(k, declared_length(t)));
}

/// A column "has a default" the server will fill; MariaDB reports the text
/// NULL for a nullable column without one.
bool has_default(const Column& column) {
  return column.default_value && *column.default_value != "NULL" && !column.default_value->empty();
}

}  // namespace

std::vector<SeedOutcome> seed_rows(Server& server, const std::string& database,
                                   const Catalogue& catalogue, int round, int rows,
                                   std::string_view exclude) {
  const std::string dialect(server.dialect());
  std::vector<const Table*> pending;
  for (const auto& t : catalogue.tables) {
    if (t.name != exclude) pending.push_back(&t);
  }
  std::set<std::string, std::less<>> done;
  std::vector<SeedOutcome> outcomes;

  // Parents first. A foreign key is waited for unless it points at the table
  // itself or its columns may all be NULL (then it stays NULL when the
  // parent is not filled yet): that breaks the cycles a schema may have.
  auto ready = [&](const Table& table, bool relaxed) {
    for (const auto& fk : table.foreign_keys) {
      if (fk.referenced_table == table.name || done.count(fk.referenced_table)) continue;
      bool nullable = std::all_of(fk.columns.begin(), fk.columns.end(), [&](const auto& c) {
        const Column* column = table.column(c);
        return column != nullptr && column->nullable;
      });
      if (!(relaxed && nullable)) return false;
    }
    return true;
  };

  while (!pending.empty()) {
    auto next = std::find_if(pending.begin(), pending.end(),
                             [&](const Table* t) { return ready(*t, false); });
    if (next == pending.end()) {
      next = std::find_if(pending.begin(), pending.end(),
                          [&](const Table* t) { return ready(*t, true); });
    }
    if (next == pending.end()) {
      for (const Table* t : pending) {
        outcomes.push_back({t->name, 0, "a cycle of NOT NULL foreign keys"});
      }
      break;
    }
    const Table& table = **next;
    pending.erase(next);
    done.insert(table.name);

    std::set<std::string, std::less<>> key_columns;
    if (table.primary_key)
      key_columns.insert(table.primary_key->columns.begin(), table.primary_key->columns.end());
    for (const auto& u : table.uniques) key_columns.insert(u.columns.begin(), u.columns.end());
    for (const auto& i : table.indexes) {
      if (i.unique) key_columns.insert(i.columns.begin(), i.columns.end());
    }

    // Each foreign key's values: the parent's newest rows (seeded just
    // before, so a unique child column gets a fresh parent each round).
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> values(static_cast<size_t>(rows));
    std::set<std::string, std::less<>> filled;
    std::string skipped;
    for (const auto& fk : table.foreign_keys) {
      if (std::any_of(fk.columns.begin(), fk.columns.end(),
                      [&](const auto& c) { return filled.count(c) > 0; })) {
        continue;  // a column shared by two keys takes the first key's value
      }
      std::vector<Row> parents;
      if (fk.referenced_table != table.name && done.count(fk.referenced_table) &&
          !fk.referenced_columns.empty()) {
        std::string select, where, order;
        for (const auto& c : fk.referenced_columns) {
          std::string q = quote_name(dialect, c, false);
          select += (select.empty() ? "" : ", ") + q;
          where += (where.empty() ? "" : " AND ") + q + " IS NOT NULL";
          order += (order.empty() ? "" : ", ") + q + " DESC";
        }
        parents = server.query(database, "SELECT " + select + " FROM " +
                                             quote_name(dialect, fk.referenced_table, true) +
                                             " WHERE " + where + " ORDER BY " + order + " LIMIT " +
                                             std::to_string(rows));
      }
      if (parents.empty()) {
        bool nullable = std::all_of(fk.columns.begin(), fk.columns.end(), [&](const auto& c) {
          const Column* column = table.column(c);
          return column != nullptr && column->nullable;
        });
        if (!nullable) {
          skipped = "no row in " + fk.referenced_table + " for NOT NULL foreign key " + fk.name;
          break;
        }
      }
      for (size_t i = 0; i < fk.columns.size(); ++i) {
        columns.push_back(fk.columns[i]);
        filled.insert(fk.columns[i]);
        for (size_t r = 0; r < values.size(); ++r) {
          values[r].push_back(parents.empty() ? "NULL"
                                              : quote_string(parents[r % parents.size()].at(i)));
        }
      }
    }
    if (!skipped.empty()) {
      outcomes.push_back({table.name, 0, skipped});
      continue;
    }
    for (const auto& column : table.columns) {
      if (filled.count(column.name)) continue;
      bool distinct = key_columns.count(column.name) > 0;
      if (column.identity == "always") continue;
      // A default is the value the schema vouches for (an enum spelt as a
      // CHECK, a currency that a revision inserted), unless rows must differ.
      // Integers are filled anyway (a revision may make one unique).
      if (column.identity.empty() && has_default(column) && !distinct &&
          literal(dialect, catalogue, column, 0, false) != "100") {
        continue;
      }
      columns.push_back(column.name);
      for (int r = 0; r < rows; ++r) {
        values[static_cast<size_t>(r)].push_back(
            literal(dialect, catalogue, column, round * 10 + r + 1, distinct));
      }
    }

    std::string script;
    for (const auto& row : values) {
      std::string names, literals;
      for (size_t i = 0; i < columns.size(); ++i) {
        names += (i ? ", " : "") + quote_name(dialect, columns[i], false);
        literals += (i ? ", " : "") + row[i];
      }
      script +=
          "INSERT INTO " + quote_name(dialect, table.name, true) +
          (columns.empty() ? (dialect == "mariadb" ? " () VALUES ();\n" : " DEFAULT VALUES;\n")
                           : " (" + names + ") VALUES (" + literals + ");\n");
    }
    RunResult result = server.apply(database, script);
    if (result.exit_code != 0) {
      outcomes.push_back({table.name, 0, result.err + "(script:\n" + script + ")"});
    } else {
      outcomes.push_back({table.name, rows, ""});
    }
  }
  return outcomes;
}

RunResult run_program(const std::vector<std::string>& argv,
                      const std::vector<std::string>& environment) {
  detail::Command command;
  command.argv = argv;
  command.environment = environment;
  return detail::run(command);
}

}  // namespace retort::testing
