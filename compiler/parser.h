// The parse layer's interface: text in, AST out. ANTLR stays behind it.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"

namespace retort {

/// Expressions (and parenthesised lists) nest at most this deep (language.md).
inline constexpr int kMaxNesting = 256;

/// Checks what must hold before a file reaches the ANTLR runtime: valid
/// UTF-8 (the runtime aborts otherwise) and under 4 GB (spans are 32-bit).
/// Reports an `error[syntax]` (with `utf8_help` for bad bytes) and returns
/// false when either fails.
bool check_parseable_text(const SourceFile& file, std::string_view utf8_help, DiagnosticSink& sink);

/// A comment of a revision file (`-- ...` or `/* ... */`).
struct SourceComment {
  SourceSpan span;
  /// Nothing but blanks before it on its line.
  bool own_line = false;
};

/// The parser's prediction caches (ANTLR's DFA) for one thread. The
/// generated parser shares one set between all threads, which makes threads
/// wait on each other; a workspace per thread keeps its own, and reusing it
/// across files keeps the DFA warm. (The lexer is hand-written and needs no
/// cache: compiler/revision_lexer.h.) Not thread-safe itself.
class ParseWorkspace {
 public:
  ParseWorkspace();
  ~ParseWorkspace();
  ParseWorkspace(const ParseWorkspace&) = delete;
  ParseWorkspace& operator=(const ParseWorkspace&) = delete;
  struct Caches;  // defined where ANTLR is seen: parser.cpp
  Caches& caches() { return *caches_; }

 private:
  std::unique_ptr<Caches> caches_;
};

/// Parses one revision file on its own: nothing is shared between calls but
/// read-only tables, so files can be parsed in parallel (give each thread
/// its own `workspace`; without one, the runtime's shared caches are used). Syntax errors are
/// collected into `sink` (as many as recovery finds, `error[syntax]`); the
/// AST is returned only when the file has none. Never throws for bad input;
/// an internal failure of the runtime throws RunError(3).
/// `comments`, when given, receives the file's comments in order.
std::optional<ast::RevisionFile> parse_revision(const SourceFile& file, DiagnosticSink& sink,
                                                std::vector<SourceComment>* comments = nullptr,
                                                ParseWorkspace* workspace = nullptr);

/// The header of a revision file, read without its body (the `fileHead`
/// rule: annotations, header, `upgrade`). Loading reads every header first,
/// to build the revision graph before any body is parsed. Nullopt at any
/// doubt (a syntax error in the head, a diagnostic, bad UTF-8): then only
/// the full parse can say what is wrong. Never throws.
std::optional<ast::Header> parse_revision_header(const SourceFile& file,
                                                 ParseWorkspace* workspace = nullptr);

}  // namespace retort
