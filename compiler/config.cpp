// Reads retort.toml strictly: every key is known, every value has its type
// and form, and each mistake is reported at its own line with a suggestion,
// because a typo that silently turned a lint rule off would defeat the gate.
#include "compiler/config.h"

#include "compiler/text_util.h"
#include "compiler/toml_screen.h"

#include <fmt/format.h>

// toml++ 3.3 asserts (under NDEBUG: tells the compiler to assume) states of
// its parser that malformed input breaks: a key right after `[[`, a value
// right after `,` (`a = [1,}`), found by fuzzing. Upstream bugs; GCC's
// release build, Debian's, compiles them to nothing and reports toml++'s
// own syntax error. They are made nothing here in every build (a clang or
// debug build would abort, or optimise on a false premise), and the
// sanitizers check what follows. The undefined behaviour toml++ has in
// every build is screened out before it is called (toml_screen.h).
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/impl/preprocessor.h>
#undef TOML_ASSUME
#define TOML_ASSUME(...) static_assert(true)
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <utility>

namespace retort {
namespace {

struct DialectInfo {
  std::string_view name;
  std::string_view default_version;
  std::array<std::string_view, 2> aliases;  // empty entries are unused
};

// dialects.md, first table: names, aliases and default versions.
constexpr std::array<DialectInfo, 6> kDialects{{
    {"postgresql", "15", {"postgres", "pg"}},
    {"mysql", "8.0.36", {}},
    {"mariadb", "10.11", {}},
    {"sqlite", "3.40", {}},
    {"mssql", "2019", {"sqlserver", ""}},
    {"oracle", "19", {}},
}};

constexpr std::array<std::string_view, 5> kTopKeys{"project", "dialect", "naming", "emit", "lint"};
constexpr std::array<std::string_view, 6> kProjectKeys{
    "migrations", "alembic", "dialect", "dialects", "version_table", "file_template"};
constexpr std::array<std::string_view, 1> kDialectKeys{"version"};
constexpr std::array<std::string_view, 6> kNamingKeys{"primary_key", "unique", "foreign_key",
                                                      "check",       "index",  "default"};
constexpr std::array<std::string_view, 4> kEmitKeys{"transaction", "guard", "lock_timeout",
                                                    "statement_timeout"};
constexpr std::array<std::string_view, 1> kLintKeys{"rules"};
constexpr std::array<std::string_view, 3> kTransactions{"per-revision", "all", "none"};
constexpr std::array<std::string_view, 4> kLevels{"error", "warning", "info", "off"};
constexpr std::array<std::string_view, 4> kNamingPlaceholders{"table", "columns", "column",
                                                              "ref_table"};
constexpr std::array<std::string_view, 2> kFilePlaceholders{"id", "slug"};

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: a swapped pair ("gaurd") counts as one
// edit, which is the commonest typo in a key.

// The candidate closest to `input`, when close enough to be what was meant:
// at most two edits (one for short words), or `input` cut short ("warn").
template <typename Range>
std::optional<std::string> closest(std::string_view input, const Range& candidates) {
  std::string in = to_lower(input);
  std::optional<std::string> best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (std::string_view candidate : candidates) {
    if (candidate.empty()) continue;
    std::string cand = to_lower(candidate);
    size_t distance = edit_distance(in, cand);
    size_t limit = cand.size() <= 4 ? 1 : 2;
    bool prefix = in.size() >= 3 && cand.starts_with(in);
    if ((distance <= limit || prefix) && distance < best_distance) {
      best = std::string(candidate);
      best_distance = distance;
    }
  }
  return best;
}

// A quoted name or value for a message; control characters are shown
// escaped so that a message stays on one line.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A key as it would be written in TOML: bare when it can be, else quoted.
std::string key_text(std::string_view key) {
  bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? std::string(key) : quoted(key);
}

std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? key_text(key) : fmt::format("{}.{}", parent, key_text(key));
}

std::string_view type_phrase(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// `"a", "b" or "c"` for a message listing allowed values.
template <typename Range>
std::string one_of(const Range& values) {
  std::string out;
  size_t n = std::size(values);
  size_t i = 0;
  for (std::string_view v : values) {
    if (i > 0) out += i + 1 == n ? " or " : ", ";
    out += quoted(v);
    ++i;
  }
  return out;
}

template <typename Range>
std::string comma_list(const Range& values) {
  std::string out;
  for (std::string_view v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

bool contains(const auto& range, std::string_view value) {
  return std::find(std::begin(range), std::end(range), value) != std::end(range);
}

std::string dialect_list() {
  std::string out;
  for (const DialectInfo& d : kDialects) {
    if (!out.empty()) out += ", ";
    out += d.name;
    std::string aliases;
    for (std::string_view a : d.aliases) {
      if (a.empty()) continue;
      if (!aliases.empty()) aliases += ", ";
      aliases += a;
    }
    if (!aliases.empty()) out += fmt::format(" ({})", aliases);
  }
  return out;
}

// Every dialect name and alias, for suggestions.
std::vector<std::string_view> dialect_spellings() {
  std::vector<std::string_view> out;
  for (const DialectInfo& d : kDialects) {
    out.push_back(d.name);
    for (std::string_view a : d.aliases) {
      if (!a.empty()) out.push_back(a);
    }
  }
  return out;
}

std::string dialect_help(std::string_view input) {
  if (auto near = closest(input, dialect_spellings())) {
    return fmt::format("did you mean {}?", quoted(*canonical_dialect(*near)));
  }
  return "known dialects: " + dialect_list();
}

// The table a key belongs in, when it is a key of one of the fixed tables.
std::optional<std::string_view> section_of(std::string_view key) {
  if (contains(kProjectKeys, key)) return "project";
  if (contains(kNamingKeys, key)) return "naming";
  if (contains(kEmitKeys, key)) return "emit";
  return std::nullopt;
}

bool is_kebab_case(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  if (!std::islower(static_cast<unsigned char>(s.front()))) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = std::islower(static_cast<unsigned char>(c)) ||
              std::isdigit(static_cast<unsigned char>(c)) || c == '-';
    if (!ok || (c == '-' && s[i + 1] == '-')) return false;
  }
  return true;
}

bool is_lower_identifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The offset just past the character that starts at `offset`.
size_t end_of_character(std::string_view text, size_t offset) {
  size_t end = offset + 1;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  return end;
}

// Walks the parsed document, filling a Config and collecting every mistake.
class Reader {
 public:
  explicit Reader(const SourceFile& file) : file_(file), index_(file.text) {}

  void read(const toml::table& root, Config& config);

  // A syntax error from toml++.
  void syntax_error(const toml::source_region& where, std::string_view description) {
    error(where, std::string(description));
  }

  // The diagnostics in the order of the file (toml++ keeps keys sorted).
  std::vector<Diagnostic> take() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.span.line, a.span.column) < std::tie(b.span.line, b.span.column);
    });
    return std::move(errors_);
  }

 private:
  void read_project(const toml::table& table, Config& config);
  void read_dialects(const toml::table& table, Config& config);
  void read_naming(const toml::table& table, Config& config);
  void read_emit(const toml::table& table, Config& config);
  void read_lint(const toml::table& table, Config& config);
  void read_lint_rules(const toml::table& table, Config& config);

  std::optional<std::string> dialect_value(const toml::node& node, const std::string& path);
  std::optional<std::string> naming_template(const toml::node& node, const std::string& path,
                                             std::string_view key);
  std::optional<std::string> duration(const toml::node& node, const std::string& path);

  const toml::table* expect_table(const toml::node& node, const std::string& path);
  const std::string* expect_string(const toml::node& node, const std::string& path);
  std::optional<bool> expect_bool(const toml::node& node, const std::string& path);
  const std::string* expect_non_empty(const toml::node& node, const std::string& path);
  void wrong_type(const toml::node& node, const std::string& path, std::string_view expected);

  template <typename Range>
  void unknown_key(const toml::key& key, std::string_view parent, const Range& known);

  // Byte offset of a toml++ position (1-based line, column in code points).
  uint32_t offset_of(const toml::source_position& pos) const;
  SourceSpan span_of(const toml::source_region& where) const;
  void error(const toml::source_region& where, std::string message, std::string help = {});

  const SourceFile& file_;
  LineIndex index_;
  std::vector<Diagnostic> errors_;
  // Where `project.dialect` was written, for the check against `dialects`.
  std::optional<toml::source_region> dialect_at_;
  bool dialects_set_ = false;
};

uint32_t Reader::offset_of(const toml::source_position& pos) const {
  const std::string& text = file_.text;
  if (pos.line == 0 || pos.line > index_.line_count()) return static_cast<uint32_t>(text.size());
  std::string_view line = index_.line_text(pos.line);
  size_t offset = static_cast<size_t>(line.data() - text.data());
  size_t i = 0;
  for (uint32_t column = 1; column < pos.column && i < line.size(); ++column)
    i = end_of_character(line, i);
  return static_cast<uint32_t>(offset + i);
}

SourceSpan Reader::span_of(const toml::source_region& where) const {
  if (where.begin.line == 0) return {};
  uint32_t begin = offset_of(where.begin);
  uint32_t end = where.end.line > where.begin.line || (where.end.line == where.begin.line &&
                                                       where.end.column > where.begin.column)
                     ? offset_of(where.end)
                     : begin;
  if (end == begin && begin < file_.text.size() && file_.text[begin] != '\n' &&
      file_.text[begin] != '\r') {
    // A point (a syntax error): underline the one character there.
    end = static_cast<uint32_t>(end_of_character(file_.text, begin));
  }
  return index_.span(begin, end);
}

void Reader::error(const toml::source_region& where, std::string message, std::string help) {
  errors_.push_back(Diagnostic{Severity::error,
                               "config",
                               file_.path,
                               span_of(where),
                               std::move(message),
                               std::move(help),
                               {}});
}

template <typename Range>
void Reader::unknown_key(const toml::key& key, std::string_view parent, const Range& known) {
  std::string path = join_path(parent, key.str());
  std::string help;
  if (auto home = section_of(key.str()); home && *home != parent) {
    // A key written in the wrong table, most often above every [header].
    help = fmt::format("{} belongs in [{}]", quoted(key.str()), *home);
  } else if (auto near = closest(key.str(), known)) {
    help = fmt::format("did you mean {}?", quoted(join_path(parent, *near)));
  } else if (parent.empty()) {
    help = "known tables: [project], [dialect.NAME], [naming], [emit], [lint]";
  } else {
    help = fmt::format("known keys of [{}]: {}", parent, comma_list(known));
  }
  error(key.source(), fmt::format("unknown key {}", quoted(path)), std::move(help));
}

void Reader::wrong_type(const toml::node& node, const std::string& path,
                        std::string_view expected) {
  std::string help;
  std::string_view written;
  if (span_of(node.source()).valid()) {
    SourceSpan s = span_of(node.source());
    written = std::string_view(file_.text).substr(s.begin, s.end - s.begin);
  }
  std::string_view key = path;
  if (auto dot = key.rfind('.'); dot != std::string_view::npos) key.remove_prefix(dot + 1);
  if (expected.starts_with("an array") && node.is_string()) {
    help = fmt::format("write it as a list: {} = [{}]", key, written);
  } else if (expected == "a string" && (node.is_integer() || node.is_floating_point())) {
    help = fmt::format("write it in quotes: {} = \"{}\"", key, written);
  } else if (expected == "a boolean" && node.is_string()) {
    const std::string& s = node.as_string()->get();
    if (s == "true" || s == "false") help = fmt::format("write it without quotes: {} = {}", key, s);
  }
  error(node.source(),
        fmt::format("{} must be {}, not {}", quoted(path), expected, type_phrase(node.type())),
        std::move(help));
}

const toml::table* Reader::expect_table(const toml::node& node, const std::string& path) {
  if (const toml::table* t = node.as_table()) return t;
  wrong_type(node, path, "a table");
  return nullptr;
}

const std::string* Reader::expect_string(const toml::node& node, const std::string& path) {
  if (const auto* s = node.as_string()) return &s->get();
  wrong_type(node, path, "a string");
  return nullptr;
}

std::optional<bool> Reader::expect_bool(const toml::node& node, const std::string& path) {
  if (const auto* b = node.as_boolean()) return b->get();
  wrong_type(node, path, "a boolean");
  return std::nullopt;
}

const std::string* Reader::expect_non_empty(const toml::node& node, const std::string& path) {
  const std::string* s = expect_string(node, path);
  if (s != nullptr && s->empty()) {
    error(node.source(), fmt::format("{} must not be empty", quoted(path)));
    return nullptr;
  }
  return s;
}

void Reader::read(const toml::table& root, Config& config) {
  for (auto&& [key, node] : root) {
    std::string name(key.str());
    std::string path = join_path("", name);
    if (!contains(kTopKeys, name)) {
      unknown_key(key, "", kTopKeys);
      continue;
    }
    if (name == "dialect" && node.is_string()) {
      // `dialect = "mysql"` above the [project] header.
      error(node.source(), "\"dialect\" must be a table, not a string",
            "the default dialect is \"project.dialect\": write it under [project]");
      continue;
    }
    const toml::table* table = expect_table(node, path);
    if (table == nullptr) continue;
    if (name == "project") read_project(*table, config);
    if (name == "dialect") read_dialects(*table, config);
    if (name == "naming") read_naming(*table, config);
    if (name == "emit") read_emit(*table, config);
    if (name == "lint") read_lint(*table, config);
  }

  // `dialect` and `dialects` fill each other in when only one is written.
  if (!dialects_set_) {
    config.dialects = {config.dialect};
  } else if (!dialect_at_) {
    if (!config.dialects.empty()) config.dialect = config.dialects.front();
  } else if (!contains(config.dialects, config.dialect)) {
    error(*dialect_at_,
          fmt::format("\"project.dialect\" is {} but \"project.dialects\" does not list it",
                      quoted(config.dialect)),
          fmt::format("add {} to \"project.dialects\", or set \"project.dialect\" to one of {}",
                      quoted(config.dialect), comma_list(config.dialects)));
  }
}

std::optional<std::string> Reader::dialect_value(const toml::node& node, const std::string& path) {
  const std::string* s = expect_string(node, path);
  if (s == nullptr) return std::nullopt;
  auto canonical = canonical_dialect(*s);
  if (!canonical) {
    error(node.source(), fmt::format("unknown dialect {} in {}", quoted(*s), quoted(path)),
          dialect_help(*s));
  }
  return canonical;
}

void Reader::read_project(const toml::table& table, Config& config) {
  for (auto&& [key, node] : table) {
    std::string name(key.str());
    std::string path = join_path("project", name);
    if (name == "migrations") {
      if (const std::string* s = expect_non_empty(node, path)) config.migrations = *s;
    } else if (name == "alembic") {
      if (const std::string* s = expect_non_empty(node, path)) config.alembic = *s;
    } else if (name == "dialect") {
      if (auto d = dialect_value(node, path)) {
        config.dialect = *d;
        dialect_at_ = node.source();
      }
    } else if (name == "dialects") {
      const toml::array* array = node.as_array();
      if (array == nullptr) {
        wrong_type(node, path, "an array of dialect names");
        continue;
      }
      if (array->empty()) {
        error(node.source(), "\"project.dialects\" must list at least one dialect");
        continue;
      }
      std::vector<std::string> dialects;
      bool ok = true;
      for (size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        auto d = dialect_value(element, fmt::format("{}[{}]", path, i));
        if (!d) {
          ok = false;
        } else if (contains(dialects, *d)) {
          error(element.source(), fmt::format("\"project.dialects\" lists {} twice", quoted(*d)));
          ok = false;
        } else {
          dialects.push_back(*d);
        }
      }
      // A broken list is reported; the `dialect` check then has nothing to say.
      dialects_set_ = true;
      if (ok) {
        config.dialects = std::move(dialects);
      } else {
        config.dialects = {};
        dialects_set_ = false;
        dialect_at_.reset();
      }
    } else if (name == "version_table") {
      const std::string* s = expect_string(node, path);
      if (s == nullptr) continue;
      if (!is_lower_identifier(*s)) {
        error(node.source(),
              fmt::format("\"project.version_table\" must be a lower-case identifier (a-z, 0-9, "
                          "\"_\", not starting with a digit, at most 63 bytes), not {}",
                          quoted(*s)));
      } else {
        config.version_table = *s;
      }
    } else if (name == "file_template") {
      const std::string* s = expect_non_empty(node, path);
      if (s == nullptr) continue;
      std::string_view t = *s;
      bool ok = true;
      for (size_t open = t.find('{'); open != std::string_view::npos;
           open = t.find('{', open + 1)) {
        size_t close = t.find('}', open);
        std::string_view placeholder = close == std::string_view::npos
                                           ? t.substr(open + 1)
                                           : t.substr(open + 1, close - open - 1);
        if (close == std::string_view::npos || !contains(kFilePlaceholders, placeholder)) {
          error(node.source(),
                fmt::format(
                    "unknown placeholder {} in \"project.file_template\"",
                    quoted(t.substr(open, close == std::string_view::npos ? std::string_view::npos
                                                                          : close - open + 1))),
                "placeholders: {id}, {slug}");
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (t.find("{id}") == std::string_view::npos) {
        error(node.source(), "\"project.file_template\" must contain {id}",
              "the file name must start with the revision id, e.g. \"{id}_{slug}.rev\"");
      } else if (t.find_first_of("/\\") != std::string_view::npos) {
        error(node.source(), "\"project.file_template\" must be a file name, not a path",
              "set \"project.migrations\" to choose the folder");
      } else if (!t.ends_with(".rev")) {
        error(node.source(), "\"project.file_template\" must end with \".rev\"");
      } else {
        config.file_template = *s;
      }
    } else {
      unknown_key(key, "project", kProjectKeys);
    }
  }
}

void Reader::read_dialects(const toml::table& table, Config& config) {
  // The first spelling of each dialect seen, to name it when an alias repeats it.
  std::map<std::string, std::string> seen;
  // In the order of the file, so that the repeat is the one reported.
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const toml::source_position& x = a.first->source().begin;
    const toml::source_position& y = b.first->source().begin;
    return std::tie(x.line, x.column) < std::tie(y.line, y.column);
  });
  for (const auto& [key_ptr, node_ptr] : entries) {
    const toml::key& key = *key_ptr;
    const toml::node& node = *node_ptr;
    std::string name(key.str());
    std::string path = join_path("dialect", name);
    auto canonical = canonical_dialect(name);
    if (!canonical) {
      error(key.source(), fmt::format("unknown dialect {} in [{}]", quoted(name), path),
            dialect_help(name));
      continue;
    }
    if (auto it = seen.find(*canonical); it != seen.end()) {
      error(key.source(),
            fmt::format("[{}] sets dialect {} again, as [{}] does", path, quoted(*canonical),
                        join_path("dialect", it->second)),
            "keep one of the two tables");
      continue;
    }
    seen.emplace(*canonical, name);
    const toml::table* settings = expect_table(node, path);
    if (settings == nullptr) continue;
    for (auto&& [setting, value] : *settings) {
      if (setting.str() != "version") {
        unknown_key(setting, path, kDialectKeys);
        continue;
      }
      std::string version_path = join_path(path, "version");
      const std::string* v = expect_string(value, version_path);
      if (v == nullptr) continue;
      if (!is_valid_version(*v)) {
        error(value.source(),
              fmt::format("{} must be a version like {}, not {}", quoted(version_path),
                          quoted(default_dialect_version(*canonical)), quoted(*v)));
        continue;
      }
      config.dialect_versions[*canonical] = *v;
    }
  }
}

std::optional<std::string> Reader::naming_template(const toml::node& node, const std::string& path,
                                                   std::string_view key) {
  const std::string* s = expect_non_empty(node, path);
  if (s == nullptr) return std::nullopt;
  std::string_view t = *s;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '}') {
      error(node.source(), fmt::format("unmatched \"}}\" in {}", quoted(path)),
            "placeholders are written {table}, {columns}, {column}, {ref_table}");
      return std::nullopt;
    }
    if (t[i] != '{') continue;
    size_t close = t.find('}', i);
    if (close == std::string_view::npos) {
      error(node.source(), fmt::format("unclosed \"{{\" in {}", quoted(path)),
            "placeholders are written {table}, {columns}, {column}, {ref_table}");
      return std::nullopt;
    }
    std::string_view name = t.substr(i + 1, close - i - 1);
    if (!contains(kNamingPlaceholders, name)) {
      std::string help = "placeholders: {table}, {columns}, {column}, {ref_table}";
      if (auto near = closest(name, kNamingPlaceholders)) {
        help = fmt::format("did you mean \"{{{}}}\"?", *near);
      }
      error(node.source(),
            fmt::format("unknown placeholder {} in {}", quoted(t.substr(i, close - i + 1)),
                        quoted(path)),
            std::move(help));
      return std::nullopt;
    }
    // Only a foreign key has a referenced table; elsewhere it would be empty.
    if (name == "ref_table" && key != "foreign_key") {
      error(node.source(),
            fmt::format("{} cannot use {{ref_table}}: only \"naming.foreign_key\" has one",
                        quoted(path)));
      return std::nullopt;
    }
    i = close;
  }
  return *s;
}

void Reader::read_naming(const toml::table& table, Config& config) {
  NamingConvention& naming = config.naming;
  for (auto&& [key, node] : table) {
    std::string name(key.str());
    std::string path = join_path("naming", name);
    std::string* field = name == "primary_key"   ? &naming.primary_key
                         : name == "unique"      ? &naming.unique
                         : name == "foreign_key" ? &naming.foreign_key
                         : name == "check"       ? &naming.check
                         : name == "index"       ? &naming.index
                         : name == "default"     ? &naming.default_constraint
                                                 : nullptr;
    if (field == nullptr) {
      unknown_key(key, "naming", kNamingKeys);
      continue;
    }
    if (auto t = naming_template(node, path, name)) *field = std::move(*t);
  }
}

std::optional<std::string> Reader::duration(const toml::node& node, const std::string& path) {
  const std::string* s = expect_string(node, path);
  if (s == nullptr) return std::nullopt;
  auto ms = parse_duration_ms(*s);
  if (!ms) {
    error(node.source(),
          fmt::format("{} must be a duration like \"5s\", \"30min\", \"100ms\" or \"1h\", not {}",
                      quoted(path), quoted(*s)),
          "a whole number followed by one unit: ms, s, min, h or d");
    return std::nullopt;
  }
  if (*ms == 0) {
    error(node.source(), fmt::format("{} must be longer than zero", quoted(path)),
          "remove the key to leave the timeout unset");
    return std::nullopt;
  }
  return *s;
}

void Reader::read_emit(const toml::table& table, Config& config) {
  for (auto&& [key, node] : table) {
    std::string name(key.str());
    std::string path = join_path("emit", name);
    if (name == "transaction") {
      const std::string* s = expect_string(node, path);
      if (s == nullptr) continue;
      if (!contains(kTransactions, *s)) {
        std::string help;
        if (auto near = closest(*s, kTransactions))
          help = fmt::format("did you mean {}?", quoted(*near));
        error(node.source(),
              fmt::format("{} must be {}, not {}", quoted(path), one_of(kTransactions), quoted(*s)),
              std::move(help));
        continue;
      }
      config.emit.transaction = *s;
    } else if (name == "guard") {
      if (auto b = expect_bool(node, path)) config.emit.guard = *b;
    } else if (name == "lock_timeout") {
      if (auto d = duration(node, path)) config.emit.lock_timeout = std::move(d);
    } else if (name == "statement_timeout") {
      if (auto d = duration(node, path)) config.emit.statement_timeout = std::move(d);
    } else {
      unknown_key(key, "emit", kEmitKeys);
    }
  }
}

void Reader::read_lint(const toml::table& table, Config& config) {
  for (auto&& [key, node] : table) {
    if (key.str() != "rules") {
      unknown_key(key, "lint", kLintKeys);
      continue;
    }
    if (const toml::table* rules = expect_table(node, "lint.rules"))
      read_lint_rules(*rules, config);
  }
}

void Reader::read_lint_rules(const toml::table& table, Config& config) {
  // Rule ids are checked against the rule registry by the linter, which
  // knows them; here only their form is.
  for (auto&& [key, node] : table) {
    std::string id(key.str());
    std::string path = join_path("lint.rules", id);
    if (!is_kebab_case(id)) {
      std::string fixed = to_lower(id);
      std::replace(fixed.begin(), fixed.end(), '_', '-');
      std::string help = is_kebab_case(fixed)
                             ? fmt::format("did you mean {}?", quoted(fixed))
                             : "rule ids are lower-case words joined by \"-\", e.g. drop-column";
      error(key.source(), fmt::format("rule id {} in [lint.rules] is not kebab-case", quoted(id)),
            std::move(help));
      continue;
    }
    const std::string* level = expect_string(node, path);
    if (level == nullptr) continue;
    if (!contains(kLevels, *level)) {
      std::string help;
      if (auto near = closest(*level, kLevels))
        help = fmt::format("did you mean {}?", quoted(*near));
      error(node.source(),
            fmt::format("{} must be {}, not {}", quoted(path), one_of(kLevels), quoted(*level)),
            std::move(help));
      continue;
    }
    config.lint_rules[id] = *level;
    config.lint_rule_spans[id] = span_of(key.source());
  }
}

}  // namespace

std::string Config::version_of(std::string_view name) const {
  std::string canonical = canonical_dialect(name).value_or(std::string(name));
  if (auto it = dialect_versions.find(canonical); it != dialect_versions.end()) return it->second;
  return default_dialect_version(canonical);
}

std::optional<Config> parse_config(const SourceFile& file, DiagnosticSink& sink) {
  Reader reader(file);
  Config config;
  // Two checks come before toml++ parses, each reported at the character it
  // stops at: invalid UTF-8 (toml++ would point before the bad byte, not at
  // it, unlike the revision files' check), and what toml++ cannot be
  // trusted with (toml_screen.h).
  auto refuse = [&](size_t begin, size_t end, std::string message) {
    LineIndex index(file.text);
    sink.report(Diagnostic{Severity::error,
                           "config",
                           file.path,
                           index.span(static_cast<uint32_t>(begin), static_cast<uint32_t>(end)),
                           std::move(message),
                           {},
                           {}});
    return std::nullopt;
  };
  if (size_t bad = find_invalid_utf8(file.text); bad != std::string::npos) {
    return refuse(
        bad, bad + 1,
        fmt::format("invalid UTF-8 (byte 0x{:02x})", static_cast<unsigned char>(file.text[bad])));
  }
  if (auto hazard = find_toml_hazard(file.text)) {
    return refuse(hazard->offset, end_of_character(file.text, hazard->offset),
                  std::move(hazard->message));
  }
  // Debian builds toml++ with exceptions, but a build without them returns
  // a parse_result instead: both are handled so that neither aborts.
#if TOML_EXCEPTIONS
  try {
    toml::table root = toml::parse(std::string_view(file.text), std::string_view(file.path));
    reader.read(root, config);
  } catch (const toml::parse_error& e) {
    reader.syntax_error(e.source(), e.description());
  }
#else
  toml::parse_result result = toml::parse(std::string_view(file.text), std::string_view(file.path));
  if (result) {
    reader.read(result.table(), config);
  } else {
    reader.syntax_error(result.error().source(), result.error().description());
  }
#endif
  std::vector<Diagnostic> errors = reader.take();
  if (!errors.empty()) {
    for (Diagnostic& d : errors) sink.report(std::move(d));
    return std::nullopt;
  }
  return config;
}

std::optional<std::string> canonical_dialect(std::string_view name) {
  // Names are matched without regard to case: `--dialect PostgreSQL` is meant.
  std::string lower = to_lower(name);
  for (const DialectInfo& d : kDialects) {
    if (!lower.empty() && (lower == d.name || contains(d.aliases, lower))) {
      return std::string(d.name);
    }
  }
  return std::nullopt;
}

const std::vector<std::string>& all_dialects() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const DialectInfo& d : kDialects) out.emplace_back(d.name);
    return out;
  }();
  return names;
}

std::string default_dialect_version(std::string_view dialect) {
  for (const DialectInfo& d : kDialects) {
    if (d.name == dialect) return std::string(d.default_version);
  }
  return {};
}

std::string default_config_text(std::string_view dialect) {
  auto canonical = canonical_dialect(dialect);
  if (!canonical) {
    throw RunError(
        2, fmt::format("unknown dialect {}; known dialects: {}", quoted(dialect), dialect_list()));
  }
  const std::string& d = *canonical;
  std::string text = R"(# retort.toml: the settings of this Retort project, described in Retort's
# docs/config.md. Every key is shown with its default; a commented-out key is unset.

[project]
migrations = "migrations"          # folder of .rev files, relative to this file
# alembic = "alembic/versions"     # read Alembic revision scripts from here instead
dialect = "@DIALECT@"@PAD@# default --dialect: postgresql | mysql | mariadb | sqlite | mssql | oracle
dialects = ["@DIALECT@"]@PAD2@# every dialect the project targets: check and lint cover all of them
                                   # (default: [dialect])
version_table = "retort_version"   # "alembic_version" to take over an Alembic-managed database
file_template = "{id}_{slug}.rev"  # for `retort new`

[dialect.@DIALECT@]
version = "@VERSION@"@PAD3@# target server version: rules and rendering depend on it

[naming]                           # constraint and index names the compiler makes up
primary_key = "pk_{table}"
unique = "uq_{table}_{columns}"
foreign_key = "fk_{table}_{columns}_{ref_table}"
check = "ck_{table}_{columns}"
index = "ix_{table}_{columns}"
default = "df_{table}_{column}"    # SQL Server default constraints

[emit]
transaction = "per-revision"       # per-revision | all | none
guard = true                       # stop each revision's section unless the database is at its parent
# lock_timeout = "5s"              # default unset; PostgreSQL: SET lock_timeout in each transaction;
                                   # MySQL: SET SESSION lock_wait_timeout (lint warns while unset)
# statement_timeout = "30min"      # default unset; PostgreSQL: SET statement_timeout

[lint]
# every rule has a default level; set any to "error", "warning", "info" or "off"
[lint.rules]                       # no entries by default; for example:
# drop-column = "error"
# prefer-text-over-varchar = "off"
)";
  // Comments line up at column 36, as in config.md.
  auto pad = [](size_t used) { return std::string(used < 35 ? 35 - used : 1, ' '); };
  std::string version = default_dialect_version(d);
  auto replace_all = [&text](std::string_view from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  replace_all("@PAD@", pad(std::string_view("dialect = \"\"").size() + d.size()));
  replace_all("@PAD2@", pad(std::string_view("dialects = [\"\"]").size() + d.size()));
  replace_all("@PAD3@", pad(std::string_view("version = \"\"").size() + version.size()));
  replace_all("@DIALECT@", d);
  replace_all("@VERSION@", version);
  return text;
}

std::optional<uint64_t> parse_duration_ms(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  // Nine digits of days still fit in 64 bits of milliseconds.
  if (digits == 0 || digits > 9) return std::nullopt;
  uint64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  std::string_view unit = text.substr(digits);
  uint64_t scale = unit == "ms"    ? 1
                   : unit == "s"   ? 1000
                   : unit == "min" ? 60'000
                   : unit == "h"   ? 3'600'000
                   : unit == "d"   ? 86'400'000
                                   : 0;
  if (scale == 0) return std::nullopt;
  return n * scale;
}

bool is_valid_version(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  bool digit_before = false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit_before = true;
    } else if (c == '.' && digit_before) {
      digit_before = false;
    } else {
      return false;
    }
  }
  return digit_before;
}

int compare_versions(std::string_view a, std::string_view b) {
  // Reads the next dot-separated number; an exhausted version reads as 0.
  auto next = [](std::string_view& s) {
    uint64_t n = 0;
    if (s.empty()) return n;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end == s.data()) {
      s = {};  // not a number: stop rather than loop (callers pass valid versions)
      return n;
    }
    s.remove_prefix(static_cast<size_t>(end - s.data()));
    if (!s.empty() && s.front() == '.') s.remove_prefix(1);
    return n;
  };
  while (!a.empty() || !b.empty()) {
    uint64_t x = next(a);
    uint64_t y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace retort
