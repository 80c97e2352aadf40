// The lexer of revision files, written by hand for the generated parser.
// It makes exactly the tokens grammar/Revision.g4's lexer rules make: the
// same types, channels, code-point indexes, lines and columns
// (tests/lexer_test.cpp compares the two on every fixture and on generated
// text, and the parse_revision fuzz target on whatever it finds).
//
// Why by hand: the ANTLR 4.9 C++ runtime guards every DFA edge lookup with
// one process-wide lock (ATNSimulator::_edgeLock), taken per character by
// a generated lexer, so lexers on several threads queued on it and the
// parallel load barely scaled; lexing was also most of a parse's time.
// The grammar stays the definition: the parser, the token types and the
// keywords (read from the generated vocabulary) come from it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace antlr4 {
class CharStream;
class TokenSource;
}  // namespace antlr4

namespace retort::parse {

/// The characters of a revision file and the lexer that reads them, for
/// the generated parser. Made from valid UTF-8 text; a byte-order mark at
/// the start reads as a blank (blank_byte_order_mark). The lexer never
/// fails: what is no token is an ERROR_CHAR token, as in the grammar.
struct RevisionInput {
  RevisionInput();
  ~RevisionInput();
  RevisionInput(RevisionInput&&) noexcept;
  std::unique_ptr<antlr4::CharStream> chars;  ///< the tokens' text comes from here
  std::unique_ptr<antlr4::TokenSource> lexer;
};
RevisionInput make_revision_lexer(const std::string& text);

/// The tokens of `text` (valid UTF-8) as "type channel start stop
/// line:column" lines, from the generated lexer and from the hand-written
/// one, for comparison (tests/lexer_test.cpp and the parse_revision fuzz
/// target).
std::string generated_lexer_tokens(std::string_view text);
std::string hand_lexer_tokens(std::string_view text);

}  // namespace retort::parse
