// Private to the parse layer (parser.cpp, ast_builder.cpp): the one place
// besides parser.cpp that sees ANTLR types. Nothing else includes this.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "RevisionParser.h"
#include "compiler/ast.h"
#include "compiler/diagnostics.h"

namespace retort::parse {

/// Maps ANTLR's positions (code-point indexes) to byte offsets and to the
/// line/column spans of the AST. Columns are code points, as LineIndex.
class Positions {
 public:
  explicit Positions(std::string_view text);

  /// Byte offset of code point `index` (the text's size past the end).
  uint32_t byte_of(size_t index) const;
  /// The span of one token (an empty span at the end for EOF).
  SourceSpan token_span(const antlr4::Token* t) const { return span(t, t); }
  /// From the start of `first` to the end of `last`.
  SourceSpan span(const antlr4::Token* first, const antlr4::Token* last) const;
  /// An empty span just after `t`: where a missing `;` belongs.
  SourceSpan after(const antlr4::Token* t) const;
  /// The source text of a token, byte for byte.
  std::string_view text(const antlr4::Token* t) const;
  std::string_view source() const { return text_; }

 private:
  std::string_view text_;
  std::vector<uint32_t> bytes_;  // code point -> byte offset; empty when ASCII
};

/// Builds the typed AST from a parse tree without syntax errors. Purely
/// syntactic rules the grammar does not express (duplicate header clauses,
/// @allow without a reason, ...) are reported as error[syntax]; the AST is
/// returned only when there are none.
std::optional<ast::RevisionFile> build_ast(grammar::RevisionParser::File_Context* tree,
                                           const Positions& positions, const SourceFile& file,
                                           DiagnosticSink& sink);

/// The header of a file's head (fileHead: annotations, header, `upgrade`),
/// checked as build_ast checks it; the annotations are left to build_ast.
std::optional<ast::Header> build_header(grammar::RevisionParser::FileHeadContext* tree,
                                        const Positions& positions, const SourceFile& file,
                                        DiagnosticSink& sink);

/// The canonical name of a dialect as written in annotations, `execute (...)`
/// and `native(...)` (`postgres` -> `postgresql`), or empty when unknown.
std::string canonical_dialect(std::string_view name);

}  // namespace retort::parse
