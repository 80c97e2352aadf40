// The hand-written lexer (compiler/revision_lexer.h) against the lexer ANTLR
// generates from grammar/Revision.g4: the same tokens (type, channel,
// code-point start and stop, line and column) on every revision file of the
// fixtures and examples, on hand-picked edge cases, and on generated text.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/revision_lexer.h"
#include "compiler/source.h"

namespace fs = std::filesystem;

namespace retort {
namespace {

void expect_same_tokens(const std::string& text, const std::string& what) {
  ASSERT_EQ(find_invalid_utf8(text), std::string_view::npos) << what;
  EXPECT_EQ(parse::hand_lexer_tokens(text), parse::generated_lexer_tokens(text))
      << what << "\n--- text ---\n"
      << text;
}

TEST(RevisionLexer, EveryRevisionFileOfTheFixtures) {
  size_t files = 0;
  for (const char* root : {"fixtures", "examples"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(RETORT_SOURCE_DIR) / root)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".rev") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (find_invalid_utf8(text.str()) != std::string_view::npos) continue;  // never lexed
      expect_same_tokens(text.str(), entry.path().string());
      ++files;
    }
  }
  EXPECT_GT(files, 100u);
}

TEST(RevisionLexer, EdgeCases) {
  const std::vector<std::string> cases = {
      "",
      " \t\r\n\f",
      "create CREATE Create createx create$ _create create_ current_date CURRENT_TIMESTAMP",
      "a$b$ $ $$ $$body$$ $a$ x $b$ y $a$ $a$ unterminated $tag$ $1$ $_$x$_$",
      "$$ unterminated",
      "$a$$a$",
      "$a",
      "$",
      "$$$",
      "'' 'it''s' 'unterminated",
      "'a''",
      "'a'''",
      "\"\" \"q\"\"x\" \"open",
      "\"a\"\"",
      "-- comment\r\nx --\n-",
      "--",
      "- -",
      "/* c */ /**/ /*/ x */ /*** / **/ /* open",
      "/*",
      "/*/",
      "/**",
      "*/",
      "a/b*c",
      "|| | ! != <> <= >= < > = ; , . : ( ) { } @ + - * /",
      "1 12 1.5 1. .5 1.5.6 12abc 1_ 9e9 1.5e 007 1975ea83b712 1$",
      "é 'é' \"ü\" -- ß\n/* ☃ */ $$ 𝄞 $$ x\u202ey",
      std::string("nul\0inside 'a\0b'", 17),
      "\v\x01\x7f #",
      "revision a;\nupgrade {\n  create table t (id bigint primary key);\n}\n",
      "\xEF\xBB\xBFrevision a;",
      "\xEF\xBB\xBF",
      "a \xEF\xBB\xBF b",
      "\xEF\xBB\xBF\xEF\xBB\xBF",
  };
  for (const auto& text : cases) expect_same_tokens(text, "edge case");
}

// Text made of pieces that meet at every boundary: quotes, tags, comment
// marks, digits, letters, operators, line breaks, non-ASCII.
TEST(RevisionLexer, GeneratedText) {
  const std::vector<std::string> pieces = {
      "'",  "\"", "$",    "$$", "$a$", "$b$", "-",     "--",   "/",  "*",    "/*", "*/",
      "\n", "\r", " ",    "\t", "a",   "Z",   "_",     "1",    "9",  ".",    "<",  ">",
      "=",  "!",  "|",    "é",  "☃",   ";",   "(",     "{",    "@",  "x$",   "in", "IS",
      "to", "on", "null", "0.", ".5",  "e",   "table", "NoT ", "\f", "\x01",
  };
  uint64_t state = 20261202;
  auto next = [&](uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  };
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    for (uint64_t k = next(24); k-- > 0;) text += pieces[next(pieces.size())];
    expect_same_tokens(text, "generated #" + std::to_string(n));
    if (::testing::Test::HasFailure()) return;  // one readable failure, not thousands
  }
}

}  // namespace
}  // namespace retort
