// PostgreSQL's and SQLAlchemy's naming rules, transcribed from their
// sources (PostgreSQL src/backend/commands/indexcmds.c and
// catalog/pg_constraint.c; SQLAlchemy sql/compiler.py).
#include "compiler/alembic_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "compiler/digest.h"
#include "compiler/text_util.h"

namespace retort::alembic {

namespace {

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

/// Byte offset of character `index` of `s` (its size past the end).
size_t char_offset(std::string_view s, size_t index) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == index) return i;
      ++chars;
    }
  }
  return s.size();
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

/// N when `name` is `prefix` followed by decimal digits only (InnoDB reads
/// the number the same way: no sign, no spaces).
std::optional<unsigned long> number_after(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  unsigned long n = 0;
  for (char c : name.substr(prefix.size())) {
    if (c < '0' || c > '9' || n > 100000000) return std::nullopt;
    n = n * 10 + static_cast<unsigned long>(c - '0');
  }
  return n;
}

}  // namespace

std::string pg_identifier(std::string_view name) {
  return std::string(utf8_prefix(name, kPostgresNameBytes));  // as pg_mbcliplen() cuts
}

std::string pg_object_name(std::string_view name1, std::string_view name2, std::string_view label) {
  size_t overhead = 0;
  size_t name1chars = name1.size();
  size_t name2chars = name2.size();
  if (!name2.empty()) ++overhead;  // the separating underscore
  if (!label.empty()) overhead += label.size() + 1;
  size_t available = kPostgresNameBytes > overhead ? kPostgresNameBytes - overhead : 1;
  while (name1chars + name2chars > available) {
    if (name1chars > name2chars) {
      --name1chars;
    } else {
      --name2chars;
    }
  }
  // Cut as pg_mbcliplen() cuts: never inside a character.
  std::string out(utf8_prefix(name1, name1chars));
  if (!name2.empty()) {
    out += '_';
    out += utf8_prefix(name2, name2chars);
  }
  if (!label.empty()) {
    out += '_';
    out += label;
  }
  return out;
}

std::string pg_columns_part(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += '_';
    // strlcpy(buf + buflen, name, NAMEDATALEN): at most 63 bytes of each
    // (a byte cut, as the C code makes it).
    out += c.substr(0, kPostgresNameBytes);
    if (out.size() >= kPostgresNameBytes + 1) break;
  }
  return out;
}

std::string pg_choose_name(std::string_view name1, std::string_view name2, std::string_view label,
                           std::set<std::string>& taken) {
  std::string name =
      pg_choose_name(name1, name2, label, [&](const std::string& n) { return taken.count(n) > 0; });
  taken.insert(name);
  return name;
}

std::string pg_choose_name(std::string_view name1, std::string_view name2, std::string_view label,
                           const NameTaken& taken) {
  std::string modlabel(label);
  for (int pass = 1;; ++pass) {
    std::string name = pg_object_name(name1, name2, modlabel);
    if (!taken(name)) return name;
    modlabel = fmt::format("{}{}", label, pass);
  }
}

std::string mysql_key_name(std::string_view first_column, const NameTaken& taken) {
  std::string column(first_column);
  if (!taken(column) && !equal_ignoring_case(column, kMysqlPrimaryName)) return column;
  // strmake(buff, field_name, sizeof(buff) - 4): room for `_NN` in 64 bytes.
  std::string base(utf8_prefix(column, kMysqlNameBytes - 3));
  for (int i = 2; i < 100; ++i) {
    std::string name = fmt::format("{}_{}", base, i);
    if (!taken(name)) return name;
  }
  return "not_specified";  // the server's own answer past 99 keys
}

std::string mysql_numbered_name(std::string_view table, std::string_view infix,
                                const std::vector<std::string>& existing) {
  std::string prefix = std::string(table) + std::string(infix);
  unsigned long highest = 0;
  for (const auto& name : existing) {
    if (auto n = number_after(name, prefix)) highest = std::max(highest, *n);
  }
  return fmt::format("{}{}", prefix, highest + 1);
}

std::optional<std::string> mysql_renamed(std::string_view name, std::string_view from,
                                         std::string_view to, std::string_view infix) {
  std::string prefix = std::string(from) + std::string(infix);
  if (!number_after(name, prefix)) return std::nullopt;
  return std::string(to) + std::string(infix) + std::string(name.substr(prefix.size()));
}

std::string mariadb_check_name(const NameTaken& taken) {
  for (unsigned n = 1;; ++n) {
    std::string name = fmt::format("CONSTRAINT_{}", n);
    if (!taken(name)) return name;
  }
}

std::string sqlalchemy_truncate(std::string_view name, size_t max_chars) {
  if (utf8_chars(name) <= max_chars) return std::string(name);
  const std::array<unsigned char, 16> digest = md5(name);
  // md5_hex(name)[-4:]: the last two bytes of the digest, in hex.
  std::string hash = fmt::format("{:02x}{:02x}", digest[14], digest[15]);
  return std::string(name.substr(0, char_offset(name, max_chars - 8))) + "_" + hash;
}

}  // namespace retort::alembic
