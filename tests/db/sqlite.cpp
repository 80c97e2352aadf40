// SQLite through the sqlite3 shell; the catalogue from sqlite_schema and the
// pragma table functions, plus the stored CREATE text for what they omit
// (check names, AUTOINCREMENT, index expressions and predicates).
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <string>

#include "tests/db/internal.h"

namespace retort::testing::detail {
namespace {

/// One token of SQLite's stored CREATE text: enough to find keywords and
/// parentheses outside quotes and comments.
struct Token {
  enum Kind { kWord, kQuoted, kPunct } kind;
  std::string text;   // a quoted name without its quotes
  std::string upper;  // a word upper-cased, to compare with keywords
  size_t begin = 0, end = 0;
};

std::vector<Token> tokenize(std::string_view sql) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    size_t begin = i;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      char closer = c == '[' ? ']' : c;
      std::string text;
      ++i;
      while (i < sql.size()) {
        if (sql[i] == closer) {
          if (closer != ']' && i + 1 < sql.size() && sql[i + 1] == closer) {
            text += closer;  // a doubled quote stands for itself
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        text += sql[i++];
      }
      tokens.push_back({Token::kQuoted, c == '\'' ? "'" + text + "'" : text, "", begin, i});
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               static_cast<unsigned char>(c) >= 0x80) {
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' ||
                                sql[i] == '$' || static_cast<unsigned char>(sql[i]) >= 0x80)) {
        ++i;
      }
      std::string word(sql.substr(begin, i - begin));
      std::string upper = word;
      for (char& w : upper) w = static_cast<char>(std::toupper(static_cast<unsigned char>(w)));
      tokens.push_back({Token::kWord, word, upper, begin, i});
    } else {
      ++i;
      tokens.push_back({Token::kPunct, std::string(1, c), "", begin, i});
    }
  }
  return tokens;
}

bool is_word(const Token& t, std::string_view word) {
  return t.kind == Token::kWord && t.upper == word;
}

std::string trim(std::string_view text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = text.find_last_not_of(" \t\r\n;");
  return std::string(text.substr(b, e - b + 1));
}

class SqliteServer final : public Server {
 public:
  SqliteServer() {
    Command version;
    version.argv = {"sqlite3", "-version"};
    auto answer = run(version);
    if (answer.exit_code != 0) throw HarnessError("sqlite3 does not run: " + answer.err);
  }

  std::string_view dialect() const override { return "sqlite"; }

  std::string create_database() override {
    // An empty file is an empty database.
    auto path = scratch() / (unique_name() + ".db");
    std::ofstream file(path);
    if (!file) throw HarnessError("cannot create " + path.string());
    return path.string();
  }

  void drop_database(const std::string& database) override {
    std::error_code ignored;  // absent is fine
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      std::filesystem::remove(database + suffix, ignored);
    }
  }

  RunResult apply_file(const std::string& database, const std::filesystem::path& script) override {
    auto command = sqlite3({"-bail", database});
    command.stdin_file = script;
    return run(command);
  }

  std::vector<Row> query(const std::string& database, std::string_view sql) override {
    auto command = sqlite3({"-bail", "-batch", "-ascii", "-noheader", "-nullvalue", "NULL",
                            database, std::string(sql)});
    auto result = run(command);
    // sqlite3 exits 0 after some errors when given SQL as an argument; the
    // message on stderr tells.
    if (result.exit_code != 0 || !result.err.empty()) {
      throw HarnessError("query failed (" + describe(command) + "):\n" + result.err);
    }
    return parse_separated(result.out, '\x1f', '\x1e', "\x1e");
  }

  Catalogue catalogue(const std::string& database) override;

 private:
  static Command sqlite3(std::vector<std::string> arguments) {
    Command command;
    // -init /dev/null: no ~/.sqliterc (as psql -X).
    command.argv = {"sqlite3", "-init", "/dev/null"};
    command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
    return command;
  }
};

// Tables that are the system's own (sqlite_sequence, sqlite_stat1, ...).
constexpr std::string_view kUserTable =
    "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

Catalogue SqliteServer::catalogue(const std::string& database) {
  Catalogue catalogue;
  std::map<std::string, std::string, std::less<>> create_text;
  for (const auto& r : query(database, "SELECT m.name, m.sql FROM sqlite_schema m WHERE " +
                                           std::string(kUserTable) + " ORDER BY m.name")) {
    catalogue.tables.emplace_back().name = r.at(0);
    create_text[r.at(0)] = r.at(1);
  }
  std::map<std::string, Table*, std::less<>> tables;
  for (auto& t : catalogue.tables) tables[t.name] = &t;
  auto table_of = [&](const std::string& name) -> Table& {
    auto it = tables.find(name);
    if (it == tables.end()) throw HarnessError("catalogue: no table " + name);
    return *it->second;
  };

  std::map<std::string, std::vector<std::pair<int, std::string>>> key_of;  // pk position, name
  for (const auto& r : query(database, R"(
SELECT m.name, p.name, p.type, p."notnull", IFNULL('=' || p.dflt_value, '-'), p.pk
FROM sqlite_schema m JOIN pragma_table_info(m.name) p
WHERE )" + std::string(kUserTable) + R"(
ORDER BY m.name, p.cid)")) {
    Table& table = table_of(r.at(0));
    table.columns.push_back(
        Column{.name = r.at(1),
               .type = r.at(2),
               .nullable = r.at(3) == "0",
               .default_value =
                   r.at(4) == "-" ? std::nullopt : std::optional<std::string>(r.at(4).substr(1)),
               .identity = ""});
    if (r.at(5) != "0") key_of[r.at(0)].emplace_back(std::stoi(r.at(5)), r.at(1));
  }

  // Indexes, with one row per key column; origin says what made the index:
  // "c" CREATE INDEX, "u" a UNIQUE constraint, "pk" a PRIMARY KEY (only when
  // the key is not the rowid).
  std::map<std::string, bool> has_pk_index;
  std::string current;  // "table<GS>index" of the rows being read
  std::vector<std::string>* keys = nullptr;
  std::vector<std::string> expressions;  // the keys' text in the CREATE INDEX
  for (const auto& r : query(database, R"(
SELECT m.name, l.name, l."unique", l.origin, x.cid, IFNULL(x.name, ''), x."desc", IFNULL(s.sql, '')
FROM sqlite_schema m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) x
LEFT JOIN sqlite_schema s ON s.type = 'index' AND s.name = l.name
WHERE )" + std::string(kUserTable) + R"( AND x.key = 1
ORDER BY m.name, l.name, x.seqno)")) {
    Table& table = table_of(r.at(0));
    const std::string& origin = r.at(3);
    if (origin == "pk") {
      has_pk_index[r.at(0)] = true;
      continue;  // the columns come from table_info
    }
    if (current != r.at(0) + kListSeparator + r.at(1)) {
      current = r.at(0) + kListSeparator + r.at(1);
      if (origin == "u") {
        table.uniques.push_back({.name = "", .columns = {}});
        keys = &table.uniques.back().columns;
        expressions.clear();
      } else {
        auto [texts, predicate] = sqlite_index_parts(r.at(7));
        table.indexes.push_back({.name = r.at(1),
                                 .unique = r.at(2) == "1",
                                 .columns = {},
                                 .include = {},
                                 .predicate = predicate,
                                 .method = ""});
        keys = &table.indexes.back().columns;
        expressions = std::move(texts);
      }
    }
    // An expression key has cid -2 and no name: its text is in the CREATE.
    std::string key = r.at(5);
    if (r.at(4) == "-2") {
      size_t n = keys->size();
      key = n < expressions.size() ? expressions[n] : "<expression>";
    }
    if (r.at(6) == "1") key += " DESC";
    keys->push_back(key);
  }

  for (auto& table : catalogue.tables) {
    auto& pk = key_of[table.name];
    if (!pk.empty()) {
      std::sort(pk.begin(), pk.end());
      table.primary_key = PrimaryKey{};
      for (const auto& [position, name] : pk) table.primary_key->columns.push_back(name);
      // The rowid alias: a sole INTEGER key on a table with rowids (a
      // WITHOUT ROWID table, or any other key, has a "pk" index).
      Column* column = nullptr;
      for (auto& c : table.columns) {
        if (c.name == pk.front().second) column = &c;
      }
      if (pk.size() == 1 && !has_pk_index[table.name] && column != nullptr &&
          lower(column->type) == "integer") {
        column->identity =
            sqlite_has_autoincrement(create_text[table.name]) ? "rowid autoincrement" : "rowid";
      }
    }
    for (const auto& name : sqlite_check_names(create_text[table.name])) {
      table.checks.push_back({.name = name});
    }
  }

  // Foreign keys, one row per column pair; "to" is NULL when the key
  // references the other table's primary key implicitly.
  current.clear();
  for (const auto& r : query(database, R"(
SELECT m.name, f.id, f."table", f."from", IFNULL(f."to", ''), f.on_delete, f.on_update
FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f
WHERE )" + std::string(kUserTable) + R"(
ORDER BY m.name, f.id, f.seq)")) {
    Table& table = table_of(r.at(0));
    if (current != r.at(0) + kListSeparator + r.at(1)) {
      current = r.at(0) + kListSeparator + r.at(1);
      table.foreign_keys.push_back({.name = "",
                                    .columns = {},
                                    .referenced_table = r.at(2),
                                    .referenced_columns = {},
                                    .on_delete = lower(r.at(5)),
                                    .on_update = lower(r.at(6))});
    }
    auto& fk = table.foreign_keys.back();
    fk.columns.push_back(r.at(3));
    std::string to = r.at(4);
    if (to.empty()) {
      auto target = tables.find(r.at(2));
      if (target != tables.end() && target->second->primary_key &&
          fk.referenced_columns.size() < target->second->primary_key->columns.size()) {
        to = target->second->primary_key->columns[fk.referenced_columns.size()];
      }
    }
    fk.referenced_columns.push_back(to);
  }

  for (const auto& r :
       query(database, "SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name")) {
    catalogue.views.push_back(r.at(0));
  }
  normalise(catalogue);
  return catalogue;
}

}  // namespace

std::vector<std::string> sqlite_check_names(std::string_view create_table) {
  std::vector<std::string> names;
  auto tokens = tokenize(create_table);
  int depth = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::kPunct && t.text == "(") ++depth;
    if (t.kind == Token::kPunct && t.text == ")") --depth;
    // Inside the column list only: a CHECK keyword deeper down would be
    // inside an expression, which SQL does not allow anyway.
    if (depth != 1 || !is_word(t, "CHECK")) continue;
    if (i >= 2 && is_word(tokens[i - 2], "CONSTRAINT")) {
      names.push_back(tokens[i - 1].text);
    } else {
      names.emplace_back();
    }
  }
  return names;
}

bool sqlite_has_autoincrement(std::string_view create_table) {
  for (const auto& t : tokenize(create_table)) {
    if (is_word(t, "AUTOINCREMENT")) return true;
  }
  return false;
}

std::pair<std::vector<std::string>, std::string> sqlite_index_parts(std::string_view create_index) {
  std::vector<std::string> keys;
  std::string predicate;
  auto tokens = tokenize(create_index);
  // CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table ( keys ) [WHERE expr]
  size_t i = 0;
  while (i < tokens.size() && !is_word(tokens[i], "ON")) ++i;
  while (i < tokens.size() && !(tokens[i].kind == Token::kPunct && tokens[i].text == "(")) ++i;
  if (i == tokens.size()) return {keys, predicate};
  int depth = 0;
  size_t key_begin = tokens[i].end;
  for (; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind != Token::kPunct) continue;
    if (t.text == "(") {
      ++depth;
    } else if (t.text == ")" || (t.text == "," && depth == 1)) {
      if (t.text == ")") --depth;
      if (depth == 0 || t.text == ",") {
        std::string key = trim(create_index.substr(key_begin, t.begin - key_begin));
        // A key's own ordering and collation are not part of the expression.
        for (std::string_view suffix : {" DESC", " ASC", " desc", " asc"}) {
          if (key.ends_with(suffix)) key = trim(key.substr(0, key.size() - suffix.size()));
        }
        keys.push_back(key);
        key_begin = t.end;
      }
      if (depth == 0) break;
    }
  }
  for (++i; i < tokens.size(); ++i) {
    if (is_word(tokens[i], "WHERE")) {
      predicate = trim(create_index.substr(tokens[i].end));
      break;
    }
  }
  return {keys, predicate};
}

std::unique_ptr<Server> connect_sqlite() {
  return std::make_unique<SqliteServer>();
}

}  // namespace retort::testing::detail
