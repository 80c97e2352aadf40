// The typed AST of a revision file. Built once from the parse tree by the
// AST builder (compiler/ast_builder.cpp); nothing past it sees ANTLR types.
// Statements are a closed set: a std::variant visited with std::visit.
// Every node keeps its source span.
#pragma once

#include <concepts>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/source.h"

namespace retort::ast {

/// A value kept out of line, for the rarely set parts of a small node:
/// empty costs one pointer, reading an empty box gives a default `T`, and
/// copies are deep, so it behaves as a plain `T` (or, tested with
/// has_value, a `std::optional<T>`) member would. An
/// `ast::Type` is in every column, cast and schema column; with its enum
/// name and dialect texts inline it was 312 bytes (bench/README.md).
template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(T value) : value_(std::make_unique<T>(std::move(value))) {}
  Boxed(const Boxed& o) : value_(o.value_ ? std::make_unique<T>(*o.value_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& o) {
    // In place when both hold a value, as std::optional assigns.
    if (value_ && o.value_) {
      if (this != &o) *value_ = *o.value_;
    } else {
      value_ = o.value_ ? std::make_unique<T>(*o.value_) : nullptr;
    }
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  /// Takes an optional's value, or empties the box.
  template <typename O>
  requires std::same_as<std::remove_cvref_t<O>, std::optional<T>> Boxed& operator=(O&& o) {
    value_ = o ? std::make_unique<T>(*std::forward<O>(o)) : nullptr;
    return *this;
  }

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  void reset() { value_.reset(); }
  const T& operator*() const { return value_ ? *value_ : empty(); }
  const T* operator->() const { return &**this; }
  /// The value, made (default) first if the box is empty.
  T& edit() {
    if (!value_) value_ = std::make_unique<T>();
    return *value_;
  }

 private:
  static const T& empty() {
    static const T value{};
    return value;
  }
  std::unique_ptr<T> value_;
};

/// An identifier as written. Unquoted names are already folded to lower case.
struct Name {
  std::string text;
  bool quoted = false;
  SourceSpan span;
  bool operator==(const Name& o) const { return text == o.text; }
};

/// `schema.name` or `name`.
struct QualifiedName {
  Boxed<Name> schema;  ///< mostly absent: out of line
  Name name;
  SourceSpan span;
  /// "schema.name" or "name": the key the schema model uses.
  std::string key() const { return schema ? schema->text + "." + name.text : name.text; }
};

/// A text that differs per dialect: `$$...$$` alone (one entry, dialect
/// empty) or `(postgresql: $$...$$, default: $$...$$)`. Also used for
/// `native(...)` types, whose bodies are strings.
struct DialectText {
  struct Entry {
    std::string dialect;  ///< "postgresql", "mysql", ..., "default"; empty: every dialect
    std::string text;     ///< verbatim body
    SourceSpan span;
  };
  std::vector<Entry> entries;
  SourceSpan span;
  /// The body for `dialect` (mysql also covers mariadb), else `default`, else null.
  const std::string* for_dialect(std::string_view dialect) const;
};

// ------------------------------------------------------------------ types

enum class TypeKind {
  Boolean,
  Smallint,
  Integer,
  Bigint,
  Decimal,  ///< precision/scale optional
  Real,
  Double,
  String,  ///< length optional (`string` with no limit)
  Char,    ///< length required
  Text,
  Binary,
  Date,
  Time,
  Timestamp,
  Timestamptz,
  Uuid,
  Json,
  Enum,    ///< a user enum: `enum_name`
  Native,  ///< native('jsonb') or native(postgresql: 'jsonb', mysql: 'json')
};

struct Type {
  TypeKind kind = TypeKind::Text;
  std::optional<int> length;     ///< string(n), char(n)
  std::optional<int> precision;  ///< decimal(p, s)
  std::optional<int> scale;
  Boxed<QualifiedName> enum_name;  ///< TypeKind::Enum
  Boxed<DialectText> native;       ///< TypeKind::Native
  /// The type's own spelling on some dialects, replacing the portable one
  /// there (and any CHECK standing in for it): `text native(mysql: 'TEXT')`.
  /// The Alembic reader sets it where SQLAlchemy spells a type otherwise
  /// (`sa.Text` is TEXT on MySQL, not LONGTEXT), so that the database is
  /// the one Alembic would build. Never `default`; for Portable kinds and enums.
  Boxed<DialectText> spelled;
  SourceSpan span;
};

/// The portable spelling of a type: `string(20)`, `decimal(10, 2)`, `my_enum`.
std::string type_to_string(const Type& t);
bool same_type(const Type& a, const Type& b);

// ------------------------------------------------------------ expressions

struct Expr;
/// Expressions are immutable once built and shared, so the schema model
/// can keep a default or check without copying the tree.
using ExprPtr = std::shared_ptr<const Expr>;

enum class ExprKind {
  String,   ///< text: the value, unescaped
  Number,   ///< text: as written (`42`, `3.25`)
  Boolean,  ///< text: "true" / "false"
  Null,
  Column,   ///< names: one or two parts (`a` or `t.a`)
  Unary,    ///< op: "-", "+", "not"; args[0]
  Binary,   ///< op: "=", "<>", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "||", "and", "or"
  IsNull,   ///< args[0]; negated: `is not null`
  In,       ///< args[0] [not] in (args[1..])
  Like,     ///< args[0] [not] like args[1]
  Between,  ///< args[0] [not] between args[1] and args[2]
  Cast,     ///< cast(args[0] as type)
  Call,     ///< text: function name (lower case); args. `now()`, `gen_uuid()`, ...
  Keyword,  ///< text: "current_timestamp" / "current_date"
  Raw,      ///< sql($$...$$): text verbatim
  Paren,    ///< ( args[0] ), kept so printing round-trips
};

struct Expr {
  ExprKind kind = ExprKind::Null;
  std::string text;
  std::string op;
  bool negated = false;
  std::vector<Name> names;
  std::vector<ExprPtr> args;
  std::optional<Type> cast_type;
  SourceSpan span;
};

/// The portable spelling of an expression, for messages and dumps.
std::string expr_to_string(const Expr& e);
/// Column names an expression reads, in order of first appearance.
std::vector<std::string> expr_columns(const Expr& e);

// ------------------------------------------------------------ constraints

enum class RefAction { NoAction, Restrict, Cascade, SetNull, SetDefault };
std::string_view ref_action_name(RefAction a);  ///< "no action", "cascade", ...

struct References {
  QualifiedName table;
  std::vector<Name> columns;  ///< empty: the referenced table's primary key
  std::optional<RefAction> on_delete;
  std::optional<RefAction> on_update;
  SourceSpan span;
};

enum class ConstraintKind { PrimaryKey, Unique, ForeignKey, Check };
std::string_view constraint_kind_name(ConstraintKind k);  ///< "primary key", ...

/// A constraint an Alembic script left unnamed: each server names it by its
/// own rule, and the replay predicts every dialect's name from the schema
/// at that point (language.md, "Naming"). Only the Alembic reader and
/// derived downgrades make it: `.rev` text has no syntax for it.
struct ServerNamed {
  /// Check: the columns its condition reads, as PostgreSQL counts them
  /// (`{table}_{column}_check` when there is exactly one).
  std::vector<std::string> check_columns;
  /// Check written in a column's definition: that column (MariaDB names
  /// the check after it). Empty: a table-level check.
  std::string in_column;
  /// The names it already has per dialect ("mysql", "mariadb"), with
  /// `TableConstraint::name` PostgreSQL's: a derived downgrade adding back
  /// a constraint it had. Empty: predict them.
  std::map<std::string, std::string> names;
};

/// A table constraint, or a column constraint lifted to table level.
struct TableConstraint {
  /// Absent: named by the naming convention. With `server_named`:
  /// PostgreSQL's name as far as the script itself tells (the printer
  /// writes it); the replay predicts the real one.
  std::optional<Name> name;
  ConstraintKind kind = ConstraintKind::Check;
  std::vector<Name> columns;     ///< pk, unique, fk
  Boxed<References> references;  ///< fk
  ExprPtr check;                 ///< check
  std::optional<ServerNamed> server_named;
  SourceSpan span;
};

/// A column definition: `name TYPE [constraints...]`.
struct ColumnDef {
  Name name;
  Type type;
  std::optional<bool> not_null;  ///< `not null` (true) / `null` (false) / unsaid
  ExprPtr default_value;
  bool primary_key = false;
  bool unique = false;
  bool identity = false;
  Boxed<References> references;
  std::vector<ExprPtr> checks;
  Boxed<std::string> comment;  ///< mostly absent: out of line
  Boxed<std::string> collate;
  SourceSpan span;
};

// ---------------------------------------------------------- alter actions

struct AddColumn {
  ColumnDef column;
  SourceSpan span;
};
struct DropColumn {
  Name column;
  bool cascade = false;
  SourceSpan span;
};
struct RenameColumn {
  Name column;
  Name new_name;
  SourceSpan span;
};
struct AlterColumnType {
  Name column;
  Type type;
  ExprPtr using_expr;
  SourceSpan span;
};
struct SetNotNull {
  Name column;
  SourceSpan span;
};
struct DropNotNull {
  Name column;
  SourceSpan span;
};
struct SetDefault {
  Name column;
  ExprPtr value;
  SourceSpan span;
};
struct DropDefault {
  Name column;
  SourceSpan span;
};
struct SetColumnComment {
  Name column;
  std::string comment;
  SourceSpan span;
};
struct AddConstraint {
  TableConstraint constraint;
  bool not_valid = false;
  SourceSpan span;
};
/// `add constraint NAME unique|primary key using index INDEX`.
struct AddConstraintUsingIndex {
  Name name;
  ConstraintKind kind = ConstraintKind::Unique;
  Name index;
  SourceSpan span;
};
struct ValidateConstraint {
  Name name;
  SourceSpan span;
};
struct DropConstraint {
  Name name;
  SourceSpan span;
};
struct RenameConstraint {
  Name name;
  Name new_name;
  SourceSpan span;
};

using AlterAction =
    std::variant<AddColumn, DropColumn, RenameColumn, AlterColumnType, SetNotNull, DropNotNull,
                 SetDefault, DropDefault, SetColumnComment, AddConstraint, AddConstraintUsingIndex,
                 ValidateConstraint, DropConstraint, RenameConstraint>;

/// The span of any alter action.
const SourceSpan& action_span(const AlterAction& a);

// ------------------------------------------------------------- statements

struct CreateTable {
  QualifiedName name;
  bool if_not_exists = false;
  std::vector<ColumnDef> columns;
  std::vector<TableConstraint> constraints;
  std::optional<std::string> comment;
};
struct DropTable {
  QualifiedName name;
  bool if_exists = false;
  bool cascade = false;
};
struct RenameTable {
  QualifiedName name;
  Name new_name;
};
struct AlterTable {
  QualifiedName name;
  std::vector<AlterAction> actions;
};

struct IndexKey {
  std::optional<Name> column;  ///< a column, or
  ExprPtr expr;                ///< a parenthesised expression
  bool descending = false;
  SourceSpan span;
};
struct CreateIndex {
  std::optional<Name> name;  ///< absent: named by the naming convention
  QualifiedName table;
  bool unique = false;
  bool concurrently = false;
  bool if_not_exists = false;
  std::vector<IndexKey> keys;
  std::vector<Name> include;
  ExprPtr where;
  Boxed<Name> method;  ///< mostly absent: out of line (a statement is as large as its largest kind)
};
struct DropIndex {
  QualifiedName name;
  bool concurrently = false;
  bool if_exists = false;
};
struct RenameIndex {
  QualifiedName name;
  Name new_name;
};

struct EnumValue {
  std::string value;
  SourceSpan span;
};
struct CreateEnum {
  QualifiedName name;
  std::vector<EnumValue> values;
};
struct AlterEnumAddValue {
  QualifiedName name;
  EnumValue value;
  Boxed<EnumValue> before;  ///< mostly absent: out of line
  Boxed<EnumValue> after;
};
struct DropEnum {
  QualifiedName name;
};

struct CreateView {
  QualifiedName name;
  DialectText body;
};
struct DropView {
  QualifiedName name;
};

struct CreateSchema {
  Name name;
};
struct DropSchema {
  Name name;
};

struct CommentOnTable {
  QualifiedName table;
  std::string comment;
};
struct CommentOnColumn {
  QualifiedName table;
  Name column;
  std::string comment;
};

struct Insert {
  QualifiedName table;
  std::vector<Name> columns;
  std::vector<std::vector<ExprPtr>> rows;  ///< literals (possibly negated numbers)
};

struct Execute {
  DialectText body;
  std::optional<DialectText> reverse;
};

/// Not written by users: the derived downgrade of an `insert` deletes the
/// same rows by primary key (`key_columns`, one row of literals per row).
struct DeleteRows {
  QualifiedName table;
  std::vector<Name> key_columns;
  std::vector<std::vector<ExprPtr>> keys;
};

using StatementNode = std::variant<CreateTable, DropTable, RenameTable, AlterTable, CreateIndex,
                                   DropIndex, RenameIndex, CreateEnum, AlterEnumAddValue, DropEnum,
                                   CreateView, DropView, CreateSchema, DropSchema, CommentOnTable,
                                   CommentOnColumn, Insert, Execute, DeleteRows>;

// ------------------------------------------------------------ annotations

enum class AnnotationKind { Allow, Only, Except, Transaction };

/// `@allow(rule, ..., 'reason')`, `@only(dialect, ...)`, `@except(...)`,
/// `@transaction(none)`.
struct Annotation {
  AnnotationKind kind = AnnotationKind::Allow;
  std::vector<Name> args;  ///< rule ids, dialect names, or `none`
  std::string reason;      ///< @allow only
  SourceSpan span;
};

struct Statement {
  StatementNode node;
  std::vector<Annotation> annotations;
  SourceSpan span;  ///< from the first keyword to the `;` (annotations excluded)
};

/// The keyword phrase of a statement for messages: "create table", ...
std::string_view statement_kind_name(const StatementNode& node);

// ------------------------------------------------------------- revision

struct RevisionId {
  std::string text;  ///< verbatim, case-sensitive
  SourceSpan span;
};

struct Header {
  RevisionId id;
  std::vector<RevisionId> revises;  ///< none: a base; two or more: a merge
  std::vector<RevisionId> depends_on;
  std::vector<Name> labels;
  std::optional<std::string> message;
  std::optional<std::string> author;
  std::optional<std::string> created;  ///< 'YYYY-MM-DD HH:MM:SS', UTC
  SourceSpan span;
};

enum class DowngradeKind { Derived, Written, Irreversible };

/// One parsed `.rev` file.
struct RevisionFile {
  std::string path;                          ///< relative to the project root
  std::vector<Annotation> file_annotations;  ///< @allow / @transaction before the header
  Header header;
  std::vector<Statement> upgrade;
  SourceSpan upgrade_span;
  DowngradeKind downgrade_kind = DowngradeKind::Derived;
  std::vector<Statement> downgrade;
  SourceSpan downgrade_span;
};

}  // namespace retort::ast
