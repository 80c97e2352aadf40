// The naming convention for constraints and indexes the compiler names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace retort {

/// Templates from `[naming]` in retort.toml. Placeholders: {table},
/// {columns} (joined with `_`), {column}, {ref_table}.
struct NamingConvention {
  std::string primary_key = "pk_{table}";
  std::string unique = "uq_{table}_{columns}";
  std::string foreign_key = "fk_{table}_{columns}_{ref_table}";
  std::string check = "ck_{table}_{columns}";
  std::string index = "ix_{table}_{columns}";
  std::string default_constraint = "df_{table}_{column}";
};

/// Fills a template. The result is cut to `max_bytes` with a stable hash
/// suffix when longer (PostgreSQL's limit is 63 bytes).
std::string apply_naming(std::string_view pattern, std::string_view table,
                         const std::vector<std::string>& columns, std::string_view ref_table,
                         size_t max_bytes = 63);

}  // namespace retort
