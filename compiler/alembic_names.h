// The names a server or SQLAlchemy gives what an Alembic script leaves
// unnamed or names too long, so that revisions read from Alembic scripts
// use the names the database really has (language.md, "Naming").
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace retort::alembic {

/// PostgreSQL's longest identifier in bytes (NAMEDATALEN - 1).
inline constexpr size_t kPostgresNameBytes = 63;
/// MySQL's and MariaDB's longest identifier (64 characters; bytes here).
inline constexpr size_t kMysqlNameBytes = 64;

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

/// Whether a name is in use where the server looks.
using NameTaken = std::function<bool(const std::string&)>;

/// The same, with the server's own look-up: the first name `taken` refuses
/// not (nothing is recorded).
std::string pg_choose_name(std::string_view name1, std::string_view name2, std::string_view label,
                           const NameTaken& taken);

// MySQL and MariaDB (checked on MariaDB 10.11; MySQL 8 by its sources and
// manual; docs/language.md, "Decisions").

/// The name both give a primary key, whatever it was called.
inline constexpr std::string_view kMysqlPrimaryName = "PRIMARY";

/// make_unique_key_name(): the name of an unnamed unique key, from its first
/// column: the column's name, else `{column}_2`, `_3`, ... up to `_99`,
/// the first that `taken` (the table's key names, compared ignoring case)
/// refuses not; never `PRIMARY`.
std::string mysql_key_name(std::string_view first_column, const NameTaken& taken);

/// The name of an unnamed foreign key (InnoDB, `{table}_ibfk_{N}`) or
/// MySQL 8 check (`{table}_chk_{N}`): `infix` is "_ibfk_" or "_chk_", and
/// N is one more than the highest N among `existing` (the table's names of
/// that kind) that have the form `{table}{infix}{N}`.
std::string mysql_numbered_name(std::string_view table, std::string_view infix,
                                const std::vector<std::string>& existing);

/// `name` when it has the form `{from}{infix}{N}` (a name the server made
/// for table `from`), renamed to `{to}{infix}{N}` as the server renames it
/// with its table; else nothing.
std::optional<std::string> mysql_renamed(std::string_view name, std::string_view from,
                                         std::string_view to, std::string_view infix);

/// MariaDB's name of an unnamed table-level check: `CONSTRAINT_{N}`, the
/// smallest N >= 1 whose name no check of the table (`taken`) has.
std::string mariadb_check_name(const NameTaken& taken);

/// SQLAlchemy's cut of a name made by a naming convention or `op.f()` that
/// is longer than `max_chars` characters: its first max_chars - 8
/// characters, `_`, and the last 4 hex digits of its MD5.
std::string sqlalchemy_truncate(std::string_view name, size_t max_chars = kPostgresNameBytes);

}  // namespace retort::alembic
