// The small Python tree of an Alembic revision script: what the Alembic
// parse layer (compiler/alembic_parser.cpp) builds from the ANTLR parse
// tree, and what the reader (compiler/alembic_reader.cpp) evaluates. It
// keeps the shape of every construct the reader evaluates and only a name
// and a place for the others, so that the reader can say what it cannot
// read and where. Nothing here sees ANTLR types.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/source.h"

namespace retort::alembic::py {

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

enum class ExprKind {
  Name,         ///< text: the identifier
  Attribute,    ///< object.text
  Call,         ///< object(args)
  String,       ///< text: the decoded value (implicit concatenation done)
  Number,       ///< text: a decimal integer or float, underscores removed
  Bool,         ///< text: "True" / "False"
  None,         ///< None
  List,         ///< [items]
  Tuple,        ///< (items)
  Dict,         ///< {items[i]: values[i]}
  Negative,     ///< -object
  Unsupported,  ///< text: what it is, for messages ("a lambda", "an f-string")
};

/// One argument of a call: positional (keyword empty), `name=value`,
/// `*value` (star) or `**value` (double_star).
struct Argument {
  std::string keyword;
  ExprPtr value;
  bool star = false;
  bool double_star = false;
  SourceSpan span;  ///< the whole argument, keyword included
};

struct Expr {
  ExprKind kind = ExprKind::None;
  std::string text;
  ExprPtr object;
  std::vector<ExprPtr> items;
  std::vector<ExprPtr> values;
  std::vector<Argument> args;
  /// String only: the value is, byte for byte, the file's text from
  /// content_begin (one literal with no escapes), so that a position in
  /// the value is a position in the file.
  bool verbatim = false;
  uint32_t content_begin = 0;
  SourceSpan span;
};

enum class StmtKind {
  Expression,  ///< value
  Assign,      ///< targets = value (value may be null: `x: int`)
  Import,      ///< bindings
  Pass,
  Return,  ///< value, may be null
  Raise,
  Def,    ///< name; body
  With,   ///< with_items; body
  Other,  ///< text: what it is ("a for loop"); continuation: else/elif/except/finally
};

/// A name an import binds: `import sqlalchemy as sa` binds "sa" to
/// "sqlalchemy"; `from alembic import op` binds "op" to "alembic.op";
/// `import a.b` binds "a" to "a"; `from x import *` binds "*" to "x".
struct Binding {
  std::string name;
  std::string path;
  SourceSpan span;
};

struct WithItem {
  ExprPtr context;
  ExprPtr target;  ///< after `as`; may be null
};

struct Stmt {
  StmtKind kind = StmtKind::Pass;
  std::string text;  ///< Def: the function's name; Other: what it is
  ExprPtr value;
  std::vector<ExprPtr> targets;
  bool annotated = false;     ///< Assign: `x: T = v`
  bool augmented = false;     ///< Assign: `x += v`
  bool has_params = false;    ///< Def
  bool decorated = false;     ///< Def
  bool continuation = false;  ///< Other: else/elif/except/finally of a statement named already
  bool ignored = false;       ///< marked `# retort: ignore`
  std::vector<Binding> bindings;
  std::vector<WithItem> with_items;
  std::vector<Stmt> body;
  SourceSpan span;  ///< simple statements: all of it; compound ones: the header to its ':'
};

struct Module {
  std::vector<Stmt> body;
};

/// Parses an Alembic revision script (UTF-8 Python) into the tree above.
/// Syntax errors become `error[syntax]` diagnostics in `sink` (the first
/// one only, as Python reports); the tree is returned only when there are
/// none. A statement whose first line ends with `# retort: ignore`, or
/// that follows a line holding only that comment, is marked ignored.
/// Never throws for bad input; an internal failure of the runtime throws
/// RunError(3).
std::optional<Module> parse_python(const SourceFile& file, DiagnosticSink& sink);

}  // namespace retort::alembic::py
