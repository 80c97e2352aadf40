// The integrity file `retort.sum`, through the real binary: `new` and
// `merge` keep it, `check` reports an edited revision and a hand-edited
// line, `sum` accepts on purpose, `fmt` follows a file it reformats, and
// two git branches that each add a revision conflict on it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include "tests/test_files.h"

namespace fs = std::filesystem;

namespace {

using retort::testing::read_file;

using CommandRun = retort::testing::ShellRun;
/// A scratch project folder, removed at the end.
using Scratch = retort::testing::ScratchDir;

/// The one revision file whose name ends with `suffix`.
fs::path revision_file(const Scratch& s, const std::string& suffix) {
  for (const auto& e : fs::directory_iterator(s.dir() / "migrations")) {
    std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.ends_with(suffix)) return e.path();
  }
  return {};
}

void append(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::app) << text;
}

TEST(Integrity, NewKeepsTheFileAndCheckReportsAnEditUntilSum) {
  Scratch s("edit");
  ASSERT_EQ(s.retort("init").code, 0);
  ASSERT_EQ(s.retort("new -m one --id 000000000001").code, 0);
  ASSERT_EQ(s.retort("new -m two --id 000000000002").code, 0);
  std::string sum = read_file(s.dir() / "migrations" / "retort.sum");
  EXPECT_NE(sum.find("\n000000000001 "), std::string::npos) << sum;
  EXPECT_LT(sum.find("\n000000000001 "), sum.find("\n000000000002 ")) << sum;
  EXPECT_EQ(s.retort("check").code, 0);

  append(revision_file(s, "_one.rev"), "-- edited after it was summed\n");
  CommandRun edited = s.retort("check");
  EXPECT_EQ(edited.code, 2);
  EXPECT_NE(edited.output.find("error[integrity]: revision \"000000000001\" was edited after it "
                               "was summed (migrations/retort.sum:3)"),
            std::string::npos)
      << edited.output;

  CommandRun accepted = s.retort("sum");
  EXPECT_EQ(accepted.code, 0);
  EXPECT_EQ(accepted.output, "wrote migrations/retort.sum (2 revisions)\n");
  EXPECT_EQ(s.retort("check").code, 0);
}

TEST(Integrity, AHandEditedLineAndUnlistedRevisionsAreReported) {
  Scratch s("lines");
  ASSERT_EQ(s.retort("init").code, 0);
  ASSERT_EQ(s.retort("new -m one --id 000000000001").code, 0);
  ASSERT_EQ(s.retort("new -m two --id 000000000002").code, 0);
  fs::path sum = s.dir() / "migrations" / "retort.sum";
  std::string text = read_file(sum);
  // Drop the first revision's line: the second no longer follows.
  size_t first = text.find("\n000000000001 ") + 1;
  text.erase(first, text.find('\n', first) + 1 - first);
  std::ofstream(sum, std::ios::binary) << text;
  CommandRun r = s.retort("check");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("migrations/retort.sum:3:1: error[integrity]: this line does not follow "
                          "from the lines before it"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("warning[integrity]: revision \"000000000001\" is not in the integrity "
                          "file"),
            std::string::npos)
      << r.output;
}

TEST(Integrity, FmtFollowsOnlyAFileThatMatchedItsLine) {
  Scratch s("fmt");
  ASSERT_EQ(s.retort("init").code, 0);
  ASSERT_EQ(s.retort("new -m one --id 000000000001").code, 0);
  ASSERT_EQ(s.retort("new -m two --id 000000000002").code, 0);
  ASSERT_EQ(s.retort("sum").code, 0);
  // Summed in a layout fmt changes: fmt rewrites the file and its line.
  fs::path one = revision_file(s, "_one.rev");
  std::string text = read_file(one);
  std::ofstream(one, std::ios::binary) << "   " << text;
  ASSERT_EQ(s.retort("sum").code, 0);
  CommandRun formatted = s.retort("fmt");
  EXPECT_EQ(formatted.code, 0) << formatted.output;
  EXPECT_NE(formatted.output.find("formatted migrations/000000000001_one.rev"), std::string::npos)
      << formatted.output;
  EXPECT_EQ(s.retort("check").code, 0) << s.retort("check").output;

  // Edited after it was summed, then formatted: still reported.
  fs::path two = revision_file(s, "_two.rev");
  std::string two_text = read_file(two);
  std::ofstream(two, std::ios::binary) << "   " << two_text << "-- edited\n";
  ASSERT_EQ(s.retort("fmt").code, 0);
  CommandRun r = s.retort("check");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("revision \"000000000002\" was edited after it was summed"),
            std::string::npos)
      << r.output;
}

TEST(Integrity, TwoBranchesThatEachAddARevisionConflictInGit) {
  Scratch s("git");
  std::string git = "git -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false ";
  ASSERT_EQ(s.retort("init").code, 0);
  ASSERT_EQ(s.retort("new -m base --id 000000000001").code, 0);
  ASSERT_EQ(
      s.shell(git + "init -q -b main && " + git + "add -A && " + git + "commit -qm base").code, 0);
  ASSERT_EQ(s.shell(git + "checkout -qb left").code, 0);
  ASSERT_EQ(s.retort("new -m left --id 00000000000a").code, 0);
  ASSERT_EQ(s.shell(git + "add -A && " + git + "commit -qm left").code, 0);
  ASSERT_EQ(s.shell(git + "checkout -q main && " + git + "checkout -qb right").code, 0);
  ASSERT_EQ(s.retort("new -m right --id 00000000000b").code, 0);
  ASSERT_EQ(s.shell(git + "add -A && " + git + "commit -qm right").code, 0);
  CommandRun merge = s.shell(git + "merge -q --no-edit left");
  EXPECT_NE(merge.code, 0) << merge.output;
  CommandRun conflicted = s.shell(git + "diff --name-only --diff-filter=U");
  EXPECT_EQ(conflicted.output, "migrations/retort.sum\n");
}

}  // namespace
