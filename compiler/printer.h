// The canonical `.rev` text of an AST: the one layout of spec/language.md
// and examples/. Parsing the printed text gives the same AST (spans aside).
// Comments are not in the AST: layout_revision() says where each printed
// construct came from, so that `retort fmt` can put them back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"

namespace retort {

/// A whole revision file: annotations, header, upgrade and downgrade blocks,
/// ending with a newline.
std::string print_revision(const ast::RevisionFile& file);

/// One printed construct (annotation, header, statement, column, table
/// constraint, alter action, block, closing brace) and where it came from.
struct PrintedConstruct {
  size_t first_line = 0;  ///< index into PrintedLayout::lines
  size_t last_line = 0;
  SourceSpan source;  ///< its span in the file that was parsed
  size_t indent = 0;  ///< the indent of a comment line placed before it
  /// On the first construct of a statement that follows another in its
  /// block: where the previous statement ended in the source (a blank line
  /// the author left between them is kept).
  std::optional<uint32_t> gap_from;
};

/// print_revision() line by line (without line ends), with its constructs
/// in the order they were printed, an outer one before those inside it.
struct PrintedLayout {
  std::vector<std::string> lines;
  std::vector<PrintedConstruct> constructs;
};
PrintedLayout layout_revision(const ast::RevisionFile& file);

/// One statement with its annotations, each line indented by `indent`
/// spaces, ending with `;` and no newline.
std::string print_statement(const ast::Statement& statement, int indent = 0);

/// A type as written: `string(20)`, `decimal(10, 2)`, `my_enum`,
/// `native(postgresql: 'jsonb')`.
std::string print_type(const ast::Type& type);

/// An expression, with the parentheses the AST keeps (ExprKind::Paren) and
/// those its tree needs where the precedence would read it otherwise.
std::string print_expr(const ast::Expr& expr);

/// A name, double-quoted when it was quoted or must be (not a plain lower
/// case identifier, or a keyword the grammar refuses as a name).
std::string print_name(const ast::Name& name);

/// A '...' string literal, a quote doubled inside.
std::string print_string(std::string_view text);

/// A dollar-quoted body: `$$text$$`, or `$body$text$body$` (with a tag that
/// does not occur in the text) when `$$` would close it early.
std::string print_dollar(std::string_view text);

}  // namespace retort
