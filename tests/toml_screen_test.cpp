// Tests of the screen run before toml++ (compiler/toml_screen.h): it stops
// every input that could reach toml++'s undefined behaviour, at the right
// character, and lets every other kind of valid TOML through.
#include "compiler/toml_screen.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace retort {
namespace {

// Valid TOML of every lexical kind, with characters outside ASCII wherever
// TOML allows them: the screen passes each.
const std::vector<std::string> kValid = {
    "",
    "\xEF\xBB\xBF[project]\nmigrations = \"m\"\n",  // a byte-order mark
    "# café\n[project] # naïve\nmigrations = \"migrations\" # ünïcode\n",
    "a = \"é\"\nb = 'é'\nc = \"\"\"é\n é\"\"\"\nd = '''é\n\\é'''\n",
    "a = \"\\\"é\\\\\"\nb = \"\\u00e9\"\n",                 // escapes in a basic string
    "a = \"\"\"x\\\"\"\"é\"\"\"\nb = \"\"\"\"é\"\"\"\"\n",  // quotes inside and at the end
    "a = '''''é'''''\n",                                    // two extra quotes at each end
    "a = \"\"\"one \\\n    two é\"\"\"\n",                  // a line-ending backslash, then ASCII
    "a = \"\"\"\\\\\n é\"\"\"\n",                           // an escaped backslash ends no line
    "a = \"\"\"\\\"é\"\"\"\n",                              // an escaped quote
    "a = [\n  [1, 2],\n  [\"é\"],\n]\n",  // arrays over lines, nested at line start
    "a = [ { b = \"é\" }, { c = [ 1 ] } ]\n",
    "[[t]]\nx = 1\n[[t]]\nx = 2\n",
    "[ \"é\" . b ]\nx = 1\n['q'.\"r\"]\n",  // quoted keys in headers
    "\"é\" = 1\n'ü'.v = 2\n",               // quoted keys
    "[a]\r\nb = \"é\"\r\n",                 // CRLF
    "t = 1979-05-27T07:32:00Z\nf = -1.5e3\ni = 0x1F\nb = true\n",
    "d = 1979-05-27 07:32:00\na = [1,[2, \"\xC3\xA9\"],{x=\"\xC3\xA9\"}]\n",
};

TEST(TomlScreen, LetsEveryKindOfValidTomlThrough) {
  for (const std::string& text : kValid) {
    auto hazard = find_toml_hazard(text);
    EXPECT_FALSE(hazard.has_value())
        << text << "\nstopped at " << hazard->offset << ": " << hazard->message;
  }
}

struct Stopped {
  std::string text;
  std::string at;  // the text from the offending character on
};

TEST(TomlScreen, StopsWhatTomlPlusPlusCannotRead) {
  const std::vector<Stopped> cases = {
      // The fuzzer's two inputs (fixtures/fuzz/parse_config/).
      {"c\xEF\xBB\xB8[egrations = \"mi\"c", "\xEF\xBB\xB8[egrations = \"mi\"c"},
      {"[{column}", "{column}"},
      // Outside ASCII where a token may start or end.
      {"a = 1 \xC2\xA1\n", "\xC2\xA1\n"},
      {"a = \"x\"\xC3\xA9\n", "\xC3\xA9\n"},
      {"\xC3\xA9 = 1\n", "\xC3\xA9 = 1\n"},
      {"a.\xC3\xA9 = 1\n", "\xC3\xA9 = 1\n"},
      {"[a\xC3\xA9]\n", "\xC3\xA9]\n"},
      {"a = [1, \xE3\x80\x81]\n", "\xE3\x80\x81]\n"},
      {"x = 1\n\xEF\xBB\xBF[a]\n", "\xEF\xBB\xBF[a]\n"},  // a byte-order mark past the start
      // A quote inside a bare token does not start a string: toml++ reads
      // the token on to a space, comma, bracket or `#` (the fuzzer's third).
      {"igrations = 1_timeout!=!\"\xCB\xA3prooject]\n", "\xCB\xA3prooject]\n"},
      {"[ect]\nmigrti0=-[\"po.\xCE\xA7S[fU\0\0e]\n", "\xCE\xA7S[fU"},  // and the fourth
      {"a = 1.\"\xC3\xA9\"\n", "\xC3\xA9\"\n"},
      {"a = 1 \"\xC3\xA9\"\n", "\xC3\xA9\"\n"},
      {"a = [1 \"\xC3\xA9\"]\n", "\xC3\xA9\"]\n"},
      {"a\"\xC3\xA9\" = 1\n", "\xC3\xA9\" = 1\n"},
      {"[a]\"\xC3\xA9\"\n", "\xC3\xA9\"\n"},
      // A table header without a name.
      {"[\n", "\n"},
      {"[[ {x}]]\n", "{x}]]\n"},
      {"[[[project]\n", "[project]\n"},  // found by the fuzzer with toml++'s asserts on
      {"[[ [x]]]\n", "[x]]]\n"},
      {"x = 1\n  [=]\n", "=]\n"},
      // In a multi-line basic string, after a backslash.
      {"a = \"\"\"x\\\xC3\xA9\"\"\"\n", "\xC3\xA9\"\"\"\n"},
      {"a = \"\"\"x\\\n\n   \xC3\xA9\"\"\"\n", "\xC3\xA9\"\"\"\n"},
      {"a = \"\"\"x\\  \t\r\n\xEF\xBB\xB8\"\"\"\n", "\xEF\xBB\xB8\"\"\"\n"},
  };
  for (const Stopped& c : cases) {
    auto hazard = find_toml_hazard(c.text);
    ASSERT_TRUE(hazard.has_value()) << c.text;
    EXPECT_EQ(c.text.substr(hazard->offset), c.at) << c.text;
    EXPECT_FALSE(hazard->message.empty());
  }
}

TEST(TomlScreen, AHeaderIsOnlyAtTheStartOfALine) {
  // `[` inside a value is an array: `{` after it is an inline table.
  EXPECT_FALSE(find_toml_hazard("a = [{b = 1}]\n").has_value());
  EXPECT_FALSE(find_toml_hazard("a = [\n[{b = 1}]]\n").has_value());
  // After the array closes, a line starts a header again.
  EXPECT_TRUE(find_toml_hazard("a = [\n1]\n[{b}]\n").has_value());
}

TEST(TomlScreen, StopsScanningWhereTomlPlusPlusStops) {
  // An unclosed string is toml++'s error to report; what follows is never
  // read.
  EXPECT_FALSE(find_toml_hazard("a = \"open\n\xC3\xA9 = 1\n").has_value());
  EXPECT_FALSE(find_toml_hazard("a = 'open\n\xC3\xA9 = 1\n").has_value());
  EXPECT_FALSE(find_toml_hazard("a = \"\"\"open\n\xC3\xA9 = 1\n").has_value());
}

}  // namespace
}  // namespace retort
