#include "compiler/diagnostics.h"

#include <gtest/gtest.h>

namespace retort {
namespace {

Diagnostic at(const LineIndex& index, uint32_t begin, uint32_t end, std::string message,
              std::string help = {}) {
  Diagnostic d;
  d.code = "drop-column";
  d.file = "migrations/3f2a_add.rev";
  d.span = index.span(begin, end);
  d.message = std::move(message);
  d.help = std::move(help);
  return d;
}

TEST(Diagnostics, RendersClangLike) {
  std::string text = "upgrade {\n  alter table users drop column legacy_flag;\n}\n";
  LineIndex index(text);
  uint32_t begin = static_cast<uint32_t>(text.find("alter"));
  uint32_t end = static_cast<uint32_t>(text.find(';') + 1);
  auto d = at(index, begin, end, "dropping column \"users.legacy_flag\" destroys its data",
              "deploy code that no longer reads the column first");
  SourceTexts texts{{d.file, text}};
  EXPECT_EQ(render_diagnostic(d, texts),
            "migrations/3f2a_add.rev:2:3: error[drop-column]: dropping column "
            "\"users.legacy_flag\" destroys its data\n"
            "    2 |   alter table users drop column legacy_flag;\n"
            "      |   ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
            "   help: deploy code that no longer reads the column first\n");
}

TEST(Diagnostics, ColumnsCountCodePoints) {
  std::string text = "-- café ünïcode\nx 'é' bad;\n";
  LineIndex index(text);
  uint32_t begin = static_cast<uint32_t>(text.find("bad"));
  auto d = at(index, begin, begin + 3, "oops");
  EXPECT_EQ(d.span.line, 2u);
  EXPECT_EQ(d.span.column, 7u);  // x, space, ', é, ', space: 6 code points before
  SourceTexts texts{{d.file, text}};
  EXPECT_EQ(render_diagnostic(d, texts),
            "migrations/3f2a_add.rev:2:7: error[drop-column]: oops\n"
            "    2 | x 'é' bad;\n"
            "      |       ^~~\n");
}

TEST(Diagnostics, EscapesControlCharactersAndKeepsTheCaretAligned) {
  std::string text = "a\x01\tb\xe2\x80\xae;\n";
  LineIndex index(text);
  uint32_t begin = static_cast<uint32_t>(text.find(';'));
  auto d = at(index, begin, begin + 1, "m");
  SourceTexts texts{{d.file, text}};
  EXPECT_EQ(render_diagnostic(d, texts),
            "migrations/3f2a_add.rev:1:6: error[drop-column]: m\n"
            "    1 | a\\x01 b\\u{202e};\n"
            "      |                ^\n");
}

TEST(Diagnostics, MultiLineSpanUnderlinesToTheEndOfTheFirstLine) {
  std::string text = "create table t (\n  a int\n);\n";
  LineIndex index(text);
  auto d = at(index, 0, static_cast<uint32_t>(text.size() - 1), "m");
  SourceTexts texts{{d.file, text}};
  EXPECT_EQ(render_diagnostic(d, texts),
            "migrations/3f2a_add.rev:1:1: error[drop-column]: m\n"
            "    1 | create table t (\n"
            "      | ^~~~~~~~~~~~~~~~\n");
}

TEST(Diagnostics, WholeFileAndNoFile) {
  Diagnostic d;
  d.code = "graph";
  d.file = "migrations/a.rev";
  d.message = "m";
  EXPECT_EQ(render_diagnostic(d, {}), "migrations/a.rev: error[graph]: m\n");
  d.file.clear();
  d.severity = Severity::warning;
  EXPECT_EQ(render_diagnostic(d, {}), "warning[graph]: m\n");
}

TEST(Diagnostics, SinkSortsByFileLineColumnCode) {
  DiagnosticSink sink;
  SourceSpan s2{0, 1, 2, 1, 2, 2};
  SourceSpan s1{0, 1, 1, 5, 1, 6};
  sink.error("schema", "b.rev", s1, "x");
  sink.error("syntax", "a.rev", s2, "y");
  sink.warning("drop-column", "a.rev", s2, "z");
  sink.sort();
  ASSERT_EQ(sink.diagnostics().size(), 3u);
  EXPECT_EQ(sink.diagnostics()[0].code, "drop-column");
  EXPECT_EQ(sink.diagnostics()[1].code, "syntax");
  EXPECT_EQ(sink.diagnostics()[2].file, "b.rev");
  EXPECT_EQ(sink.error_count(), 2u);
}

TEST(Utf8, FindsInvalidSequences) {
  EXPECT_EQ(find_invalid_utf8("plain"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xc3\xa9"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(find_invalid_utf8("ab\xc3"), 2u);            // truncated
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(find_invalid_utf8("\xed\xa0\x80"), 0u);      // surrogate
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
}

TEST(LineIndex, LinesAndColumns) {
  LineIndex index("ab\ncd\r\nef");
  EXPECT_EQ(index.line_count(), 3u);
  EXPECT_EQ(index.line_text(2), "cd");
  EXPECT_EQ(index.line_of(3), 2u);
  EXPECT_EQ(index.column_of(4), 2u);
  EXPECT_EQ(index.line_text(3), "ef");
}

}  // namespace
}  // namespace retort

namespace retort {
namespace {

TEST(Diagnostics, LongLinesAreShownAsAWindowAroundTheColumn) {
  std::string text = std::string(300, 'a') + "X" + std::string(300, 'b') + "\n";
  LineIndex index(text);
  Diagnostic d;
  d.code = "syntax";
  d.file = "f.rev";
  d.span = index.span(300, 301);
  SourceTexts texts{{d.file, text}};
  std::string expected_line = "..." + std::string(40, 'a') + "X" + std::string(79, 'b') + "...";
  EXPECT_EQ(render_diagnostic(d, texts),
            "f.rev:1:301: error[syntax]: \n"
            "    1 | " +
                expected_line +
                "\n"
                "      | " +
                std::string(43, ' ') + "^\n");
}

TEST(Diagnostics, InvalidBytesAreEscapedInTheEcho) {
  std::string text = "ab\xff\xfe;\n";
  LineIndex index(text);
  Diagnostic d;
  d.code = "syntax";
  d.file = "f.rev";
  d.span = index.span(2, 3);
  SourceTexts texts{{d.file, text}};
  EXPECT_EQ(render_diagnostic(d, texts),
            "f.rev:1:3: error[syntax]: \n"
            "    1 | ab\\xff\\xfe;\n"
            "      |   ^~~~\n");
}

}  // namespace
}  // namespace retort
