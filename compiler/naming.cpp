#include "compiler/naming.h"

#include <fmt/format.h>

#include <array>

#include "compiler/digest.h"
#include "compiler/text_util.h"

namespace retort {

namespace {

// The first 4 bytes of SHA-256 of `text`, as 8 hex digits: stable across
// runs, platforms and versions, unlike std::hash.
std::string short_hash(std::string_view text) {
  const std::array<unsigned char, 32> digest = sha256(text);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", digest[0], digest[1], digest[2], digest[3]);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '_';
    out += parts[i];
  }
  return out;
}

}  // namespace

std::string apply_naming(std::string_view pattern, std::string_view table,
                         const std::vector<std::string>& columns, std::string_view ref_table,
                         size_t max_bytes) {
  std::string name;
  for (size_t i = 0; i < pattern.size();) {
    auto placeholder = [&](std::string_view p) { return pattern.substr(i).starts_with(p); };
    if (placeholder("{table}")) {
      name += table;
      i += 7;
    } else if (placeholder("{columns}")) {
      name += join(columns);
      i += 9;
    } else if (placeholder("{column}")) {
      if (!columns.empty()) name += columns.front();
      i += 8;
    } else if (placeholder("{ref_table}")) {
      name += ref_table;
      i += 11;
    } else {
      name += pattern[i++];
    }
  }
  // max_bytes == 0: no limit (SQLite).
  if (max_bytes == 0 || name.size() <= max_bytes) return name;
  std::string suffix = "_" + short_hash(name);
  if (max_bytes <= suffix.size()) return suffix.substr(suffix.size() - max_bytes);
  std::string_view head = utf8_prefix(name, max_bytes - suffix.size());
  // `ix_a_` + `_1a2b3c4d` would read as a double underscore.
  while (!head.empty() && head.back() == '_') head.remove_suffix(1);
  return std::string(head) + suffix;
}

}  // namespace retort
