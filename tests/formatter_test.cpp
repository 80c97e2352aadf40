// `retort fmt`'s formatter: golden cases in fixtures/fmt/ (NAME.rev
// formatted is NAME.formatted; RETORT_UPDATE_GOLDEN=1 rewrites them), and
// every `.rev` file of the repository that parses: formatting keeps its
// comments, is idempotent, and leaves the printer's own text as it is.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/formatter.h"
#include "compiler/parser.h"
#include "compiler/printer.h"

namespace fs = std::filesystem;

namespace retort {
namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Formatted {
  std::optional<std::string> text;
  std::string messages;
};

Formatted format(std::string text, std::string path = "t.rev") {
  SourceFile source{std::move(path), std::move(text)};
  DiagnosticSink sink;
  Formatted f;
  f.text = format_revision(source, sink);
  for (const auto& d : sink.diagnostics()) {
    f.messages += std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " +
                  d.code + ": " + d.message + "\n";
  }
  return f;
}

std::string formatted(const std::string& text) {
  Formatted f = format(text);
  EXPECT_TRUE(f.text.has_value()) << f.messages << text;
  return f.text.value_or("");
}

TEST(Formatter, KeepsCommentsBesideWhatTheyDescribe) {
  std::string in =
      "-- top of the file\n"
      "revision r1 message 'm';\n"
      "upgrade {\n"
      "-- before the table\n"
      "create table t (id bigint primary key, -- the key\n"
      "  -- the name\n"
      "  name text not null);   -- after the statement\n"
      "alter table t add column a int, -- first\n"
      "  add column b int;\n"
      "  /* before the brace */\n"
      "}\n"
      "-- the end\n";
  EXPECT_EQ(formatted(in),
            "-- top of the file\n"
            "revision r1\n"
            "  message 'm';\n"
            "\n"
            "upgrade {\n"
            "  -- before the table\n"
            "  create table t (\n"
            "    id   bigint primary key,  -- the key\n"
            "    -- the name\n"
            "    name text not null,\n"
            "  );  -- after the statement\n"
            "\n"
            "  alter table t\n"
            "    add column a integer,  -- first\n"
            "    add column b integer;\n"
            "  /* before the brace */\n"
            "}\n"
            "-- the end\n");
}

TEST(Formatter, CommentBetweenAnnotationAndStatementStaysThere) {
  std::string in =
      "revision r1;\nupgrade {\n  @allow(drop-table, 'gone')\n  -- why\n  drop table t;\n}\n";
  EXPECT_EQ(formatted(in),
            "revision r1;\n\nupgrade {\n  @allow(drop-table, 'gone')\n  -- why\n  drop table "
            "t;\n}\n");
}

TEST(Formatter, TwoCommentsForOnePrintedLineDoNotMerge) {
  std::string in =
      "revision r1;\nupgrade {\n  alter table t\n    add column a int, -- x\n    add column b int "
      "-- y\n"
      "  ; -- z\n}\n";
  EXPECT_EQ(formatted(in),
            "revision r1;\n\nupgrade {\n  alter table t\n    add column a integer,  -- x\n"
            "    add column b integer;  -- y\n  -- z\n}\n");
}

TEST(Formatter, SyntaxErrorsAreReportedAndNothingIsFormatted) {
  Formatted f = format("revision r1;\nupgrade {\n  create tabel t (id int);\n}\n");
  EXPECT_FALSE(f.text.has_value());
  EXPECT_NE(f.messages.find("syntax"), std::string::npos) << f.messages;
}

TEST(Formatter, GoldenCases) {
  fs::path dir = fs::path(RETORT_SOURCE_DIR) / "fixtures" / "fmt";
  bool update = std::getenv("RETORT_UPDATE_GOLDEN") != nullptr;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".rev") continue;
    ++cases;
    Formatted f = format(read(entry.path()), entry.path().filename().string());
    std::string got = f.text ? *f.text : "(not formatted)\n" + f.messages;
    fs::path expected = fs::path(entry.path()).replace_extension(".formatted");
    if (update) {
      std::ofstream(expected, std::ios::binary) << got;
      continue;
    }
    EXPECT_EQ(got, read(expected)) << entry.path() << " (RETORT_UPDATE_GOLDEN=1 rewrites it)";
  }
  EXPECT_GT(cases, 0);
}

/// Every revision file in fixtures/ and examples/ that parses.
std::vector<fs::path> parseable_revisions() {
  std::vector<fs::path> out;
  for (const char* top : {"fixtures", "examples"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(RETORT_SOURCE_DIR) / top)) {
      if (entry.path().extension() != ".rev") continue;
      SourceFile source{entry.path().string(), read(entry.path())};
      DiagnosticSink sink;
      if (parse_revision(source, sink)) out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Formatter, EveryRevisionFileIsFormattedIdempotently) {
  auto files = parseable_revisions();
  ASSERT_GT(files.size(), 200u);
  for (const auto& p : files) {
    std::string text = read(p);
    Formatted once = format(text, p.string());
    ASSERT_TRUE(once.text.has_value()) << p << "\n" << once.messages;
    Formatted twice = format(*once.text, p.string());
    ASSERT_TRUE(twice.text.has_value()) << p << "\n" << twice.messages;
    EXPECT_EQ(*twice.text, *once.text) << p << ": formatting again changes the text";
    std::vector<SourceComment> comments;
    DiagnosticSink sink;
    SourceFile source{p.string(), text};
    auto ast = parse_revision(source, sink, &comments);
    ASSERT_TRUE(ast.has_value());
    // The printer's own text is already canonical.
    std::string printed = print_revision(*ast);
    EXPECT_EQ(formatted(printed), printed) << p;
  }
}

}  // namespace
}  // namespace retort
