// Private to the Alembic reader (alembic_reader.cpp, alembic_ops.cpp,
// alembic_values.cpp, alembic_types.cpp):
// the values a script's expressions evaluate to, and the reader's state.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/alembic_python.h"
#include "compiler/ast.h"
#include "compiler/diagnostics.h"

namespace retort::alembic {

struct Keyword;
struct TableHandle;

/// A Python value, evaluated statically.
struct Value {
  enum class Kind {
    None,
    Bool,    ///< truth
    Number,  ///< text: "42", "-1.5"
    String,  ///< text; conv: made by op.f()
    List,    ///< items
    Tuple,   ///< items
    Dict,    ///< items: keys, values
    Ref,     ///< text: a known name, not called ("sa.Integer", "op.get_bind")
    Object,  ///< text: what was called ("sa.Column"); items: positional; keywords;
             ///< receiver: the object of a method call (text ".create")
    Table,   ///< table: a table handle (op.create_table's result, sa.table(...))
  };
  Kind kind = Kind::None;
  std::string text;
  bool truth = false;
  bool conv = false;
  std::vector<Value> items;
  std::vector<Value> values;
  std::vector<Keyword> keywords;
  std::shared_ptr<Value> receiver;
  std::shared_ptr<TableHandle> table;
  const py::Expr* expr = nullptr;  ///< where it was written
  SourceSpan span;

  bool is(Kind k) const { return kind == k; }
  bool is_object() const { return kind == Kind::Object; }
  bool is_object(std::string_view path) const { return kind == Kind::Object && text == path; }
  /// A type class or instance, a function, ...: `sa.Integer` and `sa.Integer()`.
  bool names(std::string_view path) const {
    return (kind == Kind::Object || kind == Kind::Ref) && text == path;
  }
  const Value* keyword(std::string_view name) const;
};

struct Keyword {
  std::string name;
  SourceSpan span;  ///< `name=value`
  Value value;
};

/// A table an op.bulk_insert can fill: op.create_table's result or sa.table(...).
struct TableHandle {
  ast::QualifiedName name;
  std::vector<std::string> columns;  ///< empty: unknown (any key accepted)
  bool batch = false;                ///< an op.batch_alter_table(...) block's handle
};

/// A name in scope: an imported module or object, a table handle (or a
/// batch's), or a module-level variable or function (never evaluated).
struct Symbol {
  enum class Kind { Module, Table, Variable, Function } kind = Kind::Module;
  std::string path;  ///< Module: the Python path ("sqlalchemy.dialects.postgresql")
  std::shared_ptr<TableHandle> table;
  SourceSpan span;
};

/// A type as Alembic would create it on PostgreSQL.
struct TypeResult {
  ast::Type type;
  std::optional<ast::CreateEnum> create;  ///< sa.Enum / postgresql.ENUM made with the table
  std::optional<std::string> collation;   ///< sa.String(collation=...)
  bool integer = false;                   ///< an integer type (autoincrement)
};

/// A constraint read from sa.*Constraint, sa.ForeignKey, sa.Column flags.
struct ConstraintSpec {
  ast::TableConstraint constraint;  ///< name absent: PostgreSQL names it
  /// Check only: the columns its condition reads (PostgreSQL names it
  /// `{table}_{column}_check` when there is exactly one), and whether they
  /// are known (false: raw SQL whose columns only the table's names tell).
  std::vector<std::string> check_columns;
  bool check_columns_known = true;
  std::string raw_check;  ///< the raw SQL when check_columns_known is false
  std::string in_column;  ///< check written in this column's definition (MariaDB names it so)
  bool not_valid = false;
};

/// An index read from sa.Index(...), op.create_index(...) or `index=True`.
struct IndexSpec {
  ast::CreateIndex index;
  SourceSpan span;
};

/// sa.Column(...), read.
struct ColumnResult {
  ast::ColumnDef def;
  std::optional<ast::CreateEnum> create_enum;
  bool primary_key = false;
  bool unique = false;
  bool index = false;
  bool integer = false;
  bool server_default = false;
  bool python_default = false;              ///< default= (not DDL, but it stops autoincrement)
  bool identity = false;                    ///< sa.Identity()
  std::string autoincrement = "auto";       ///< "auto", "true", "false", "ignore_fk"
  std::vector<ConstraintSpec> constraints;  ///< from sa.ForeignKey / sa.CheckConstraint
  SourceSpan span;
};

/// Where a statement being read goes, and the handles in scope.
struct Block {
  std::vector<ast::Statement>* out = nullptr;
  std::map<std::string, Symbol, std::less<>> locals;
};

/// The reader: one per file.
class Reader {
 public:
  Reader(const SourceFile& file, DiagnosticSink& sink);
  std::optional<ast::RevisionFile> read(const py::Module& module);

  // ---------------------------------------------------------- diagnostics
  void error(const SourceSpan& span, std::string message, std::string help);
  /// An error about a construct that cannot be read statically, with the
  /// standard help (convert it by hand, or mark it `# retort: ignore`).
  void cannot(const SourceSpan& span, std::string message);
  void note(const SourceSpan& span, std::string message);
  size_t errors() const { return errors_; }

  // ---------------------------------------------------- values (alembic_values.cpp)
  /// Evaluates an expression; reports why not (and returns nothing) when it
  /// cannot be evaluated statically.
  std::optional<Value> eval(const py::ExprPtr& e, const Block* block);
  /// The dotted text of a name or attribute chain, as written ("op.get_bind").
  static std::string dotted(const py::Expr& e);
  /// The canonical name of a Python path ("sqlalchemy.types.Integer" ->
  /// "sa.Integer"), or empty when it is not a module Retort knows.
  static std::string canonical(std::string_view path);

  /// What a value is, for messages: "a string", "sa.Integer", "a list".
  static std::string what(const Value& v);

  std::optional<std::string> string(const Value& v, std::string_view role);
  std::optional<bool> boolean(const Value& v, std::string_view role);
  /// A name from a string: quoted when SQLAlchemy would quote it (upper case, odd characters).
  std::optional<ast::Name> name(const Value& v, std::string_view role);
  /// A constraint or index name: SQLAlchemy cuts op.f() names over 63 characters.
  std::optional<ast::Name> object_name(const Value& v, std::string_view role);
  std::optional<ast::QualifiedName> qualified(const Value& name, const Value* schema,
                                              std::string_view role);
  /// A list or tuple of names (a single string also, where SQLAlchemy allows it).
  std::optional<std::vector<ast::Name>> name_list(const Value& v, std::string_view role,
                                                  bool single_ok = false);
  std::optional<TypeResult> type(const Value& v);
  std::optional<ast::RefAction> ref_action(const Value& v, std::string_view role);
  /// SQL text (a string or sa.text(...)) as a Retort expression when it is
  /// one, else as sql($$...$$) kept verbatim.
  std::optional<ast::ExprPtr> sql_expression(const Value& v, std::string_view role);
  /// A server_default value: a string literal, sa.text(...), sa.func.*(),
  /// sa.true()/sa.false(); null for sa.FetchedValue() (no DDL).
  std::optional<ast::ExprPtr> server_default(const Value& v);
  /// A literal for insert: string, number, bool, None.
  std::optional<ast::ExprPtr> literal(const Value& v, std::string_view role);
  std::optional<ColumnResult> column(const Value& v);
  /// sa.PrimaryKeyConstraint / UniqueConstraint / ForeignKeyConstraint / CheckConstraint.
  std::optional<ConstraintSpec> constraint(const Value& v);
  /// sa.ForeignKey('table.column', ...) of column `column`.
  std::optional<ConstraintSpec> foreign_key(const Value& v, const ast::Name& column);
  std::optional<ast::References> references(const std::vector<Value>& targets,
                                            const Value* ondelete, const Value* onupdate,
                                            const SourceSpan& span);
  /// Refuses deferrable=True, initially=..., match=... (Retort cannot express them).
  bool plain_constraint_options(const Value& v);
  /// sa.table('t', sa.column('a'), ...) or sa.Table('t', sa.MetaData(), sa.Column(...), ...).
  std::shared_ptr<TableHandle> table_handle(const Value& v);
  std::optional<IndexSpec> index_item(const Value& v, const ast::QualifiedName& table);
  /// One key of an index: a column name, or sa.text(...) (an expression, `x DESC`).
  std::optional<ast::IndexKey> index_key(const Value& v);

  // ------------------------------------------------------------- naming
  /// The names PostgreSQL gives unnamed constraints (`{table}_pkey`, ...),
  /// unique within the schema among the names this file has used.
  ast::Name server_name(const ast::QualifiedName& table, const ConstraintSpec& c,
                        const SourceSpan& span);
  /// SQLAlchemy's default index name, `ix_{schema_}{table}_{column}`.
  ast::Name convention_index_name(const ast::QualifiedName& table, const std::string& column,
                                  const SourceSpan& span);
  void use_name(const ast::QualifiedName& table, const std::string& name);
  /// Names the unnamed constraints of a table made or altered here (check
  /// constraints on raw SQL: by the words of `columns`).
  bool name_constraints(const ast::QualifiedName& table, std::vector<ConstraintSpec>& specs,
                        const std::vector<std::string>& columns);

  const SourceFile& file() const { return file_; }

 private:
  const SourceFile& file_;
  DiagnosticSink& sink_;
  LineIndex lines_;
  size_t errors_ = 0;
  std::map<std::string, Symbol, std::less<>> globals_;
  std::map<std::string, std::set<std::string>, std::less<>> taken_;  // by schema
  std::set<std::string> enums_made_;  // schema.name of enums this file creates
  std::map<std::string, std::vector<std::string>, std::less<>> table_columns_;  // tables made here

  // ------------------------------------------- the script (alembic_reader.cpp)
  void read_header(const py::Module& module, ast::RevisionFile& out);
  void read_docstring(const py::Stmt& s, ast::Header& h);
  std::optional<ast::RevisionId> revision_id(const Value& v, std::string_view role);
  std::vector<ast::RevisionId> revision_ids(const Value& v, std::string_view role);
  void read_function(const py::Stmt& def, std::vector<ast::Statement>& out, bool downgrade,
                     ast::RevisionFile* file);
  void read_body(const std::vector<py::Stmt>& body, Block& block, bool downgrade);
  void read_statement(const py::Stmt& s, Block& block);
  void read_with(const py::Stmt& s, Block& block);
  void read_assign(const py::Stmt& s, Block& block);
  void bind_import(const py::Stmt& s, std::map<std::string, Symbol, std::less<>>& scope);
  void call(const Value& call, Block& block, const std::shared_ptr<TableHandle>& batch,
            std::shared_ptr<TableHandle>* result);
  void enum_method(const Value& call, Block& block);
  void emit(Block& block, ast::StatementNode node, const SourceSpan& span);

  friend class OpReader;
};

/// Reads one op call (`op.create_table(...)`, or `batch_op.add_column(...)`
/// when `batch` is the block's table) into `block`; `result`, when given,
/// receives op.create_table's table (for op.bulk_insert).
void read_op(Reader& reader, Block& block, const Value& call,
             const std::shared_ptr<TableHandle>& batch, std::string_view op,
             std::shared_ptr<TableHandle>* result);

/// Whether `ns` is the short name of a SQLAlchemy dialect module.
inline bool dialect_module(std::string_view ns) {
  return ns == "postgresql" || ns == "mysql" || ns == "sqlite" || ns == "mssql" || ns == "oracle";
}

/// The help of errors about constructs that cannot be read statically.
extern const char* const kConvertHelp;

}  // namespace retort::alembic
