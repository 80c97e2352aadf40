#include "emit/registry.h"

#include <fmt/format.h>

namespace retort::emit {

const std::vector<DialectEntry>& dialect_registry() {
  // One line per dialect, in dialects.md's order.
  // clang-format off
  static const std::vector<DialectEntry> kRegistry{
      {"postgresql", &make_postgresql_renderer},
      {"mysql", &make_mysql_renderer},
      {"mariadb", &make_mariadb_renderer},
      {"sqlite", &make_sqlite_renderer},
      {"mssql", &make_mssql_renderer},
      {"oracle", &make_oracle_renderer},
  };
  // clang-format on
  return kRegistry;
}

std::unique_ptr<Renderer> make_renderer(const Target& target) {
  for (const auto& entry : dialect_registry()) {
    if (entry.name == target.dialect) return entry.make(target);
  }
  return nullptr;
}

std::optional<Target> parse_target(std::string_view spec, const Config& config,
                                   std::string& error) {
  std::string_view name = spec.empty() ? std::string_view(config.dialect) : spec;
  std::optional<std::string> version;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    version = std::string(name.substr(at + 1));
    name = name.substr(0, at);
  }
  auto canonical = canonical_dialect(name);
  if (!canonical) {
    error = fmt::format(
        "unknown dialect \"{}\"; expected one of postgresql, mysql, mariadb, sqlite, mssql, oracle",
        name);
    return std::nullopt;
  }
  if (version && !is_valid_version(*version)) {
    error = fmt::format(
        "bad version \"{}\" in \"{}\": expected numbers joined by dots, as "
        "\"{}@{}\"",
        *version, spec, *canonical, default_dialect_version(*canonical));
    return std::nullopt;
  }
  return Target{*canonical, version ? *version : config.version_of(*canonical)};
}

}  // namespace retort::emit
