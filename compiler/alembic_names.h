// The names a server or SQLAlchemy gives what an Alembic script leaves
// unnamed or names too long, so that revisions read from Alembic scripts
// use the names the database really has (language.md, "Naming").
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace retort::alembic {

/// PostgreSQL's longest identifier in bytes (NAMEDATALEN - 1).
inline constexpr size_t kPostgresNameBytes = 63;

/// An identifier as PostgreSQL keeps it: cut to 63 bytes at a character
/// boundary (truncate_identifier()).
std::string pg_identifier(std::string_view name);

/// PostgreSQL's makeObjectName(): `name1_name2_label` (name2 may be empty),
/// cut to 63 bytes by shortening the longer of name1 and name2 first, at
/// UTF-8 character boundaries.
std::string pg_object_name(std::string_view name1, std::string_view name2, std::string_view label);

/// The column part of a unique or foreign key name: the names joined by
/// `_`, as ChooseIndexNameAddition() / ChooseForeignKeyConstraintNameAddition()
/// build it (each name cut to 63 bytes, stopping once the text is 64 bytes).
std::string pg_columns_part(const std::vector<std::string>& columns);

/// ChooseConstraintName() / ChooseRelationName(): the first of `label`,
/// `label1`, `label2`, ... whose name is not in `taken`; the name is added
/// to `taken`.
std::string pg_choose_name(std::string_view name1, std::string_view name2, std::string_view label,
                           std::set<std::string>& taken);

/// SQLAlchemy's cut of a name made by a naming convention or `op.f()` that
/// is longer than `max_chars` characters: its first max_chars - 8
/// characters, `_`, and the last 4 hex digits of its MD5.
std::string sqlalchemy_truncate(std::string_view name, size_t max_chars = kPostgresNameBytes);

}  // namespace retort::alembic
