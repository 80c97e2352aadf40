// The golden-file runner. Every case under fixtures/ runs the real `retort`
// binary and compares exit code, stdout and stderr with the expected file.
//
//   fixtures/parse/{ok,err}/NAME.rev   runs `retort debug parse NAME.rev`,
//                                      expected in NAME.out beside it
//   fixtures/**/CASE/cmd               a folder holding a project: each line
//                                      of `cmd` is one retort command line,
//                                      expected in CASE/expected.out
//   fixtures/**/CASE/cmd.VARIANT       more commands on the same project,
//                                      expected in CASE/expected.VARIANT.out
//                                      (one per dialect: cmd.mssql, ...)
//
// Cases run in a temporary copy of their folder, so a command that writes
// files cannot change the fixture. RETORT_UPDATE_GOLDEN=1 rewrites the
// expectations so that a reviewer sees the change in the diff.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "tests/test_files.h"

namespace fs = std::filesystem;

namespace {

struct GoldenCase {
  std::string name;                    // test name
  fs::path folder;                     // folder copied to the sandbox
  std::vector<std::string> commands;   // argument strings, shell-quoted
  fs::path expected;                   // the golden file
  std::vector<std::string> skip_copy;  // files of `folder` that are not inputs
};

// Names the case in gtest's messages instead of dumping its bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << c.name;
}

using retort::testing::read_file;

std::string sanitize(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

std::vector<GoldenCase> discover() {
  std::vector<GoldenCase> cases;
  fs::path root = fs::path(RETORT_SOURCE_DIR) / "fixtures";
  if (!fs::exists(root)) return cases;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const fs::path& p = entry.path();
    std::string rel = fs::relative(p, root).generic_string();
    if (entry.is_regular_file() && p.extension() == ".rev" &&
        (rel.rfind("parse/ok/", 0) == 0 || rel.rfind("parse/err/", 0) == 0) &&
        p.parent_path().filename() != "migrations") {
      GoldenCase c;
      c.name = sanitize(fs::relative(p, root).replace_extension().generic_string());
      c.folder = p.parent_path();
      c.commands = {"debug parse '" + p.filename().string() + "'"};
      c.expected = fs::path(p).replace_extension(".out");
      cases.push_back(c);
    } else if (entry.is_regular_file() && p.stem() == "cmd") {
      // "cmd" or "cmd.VARIANT": the variant is the extension without its dot.
      std::string variant = p.extension().string();
      if (!variant.empty()) variant.erase(0, 1);
      GoldenCase c;
      c.name = sanitize(fs::relative(p.parent_path(), root).generic_string() +
                        (variant.empty() ? "" : "_" + variant));
      c.folder = p.parent_path();
      std::istringstream lines(read_file(p));
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line[0] != '#') c.commands.push_back(line);
      }
      c.expected =
          p.parent_path() / (variant.empty() ? "expected.out" : "expected." + variant + ".out");
      // Commands and expectations of every variant are not inputs.
      for (const auto& sibling : fs::directory_iterator(c.folder)) {
        std::string n = sibling.path().filename().string();
        if (n == "cmd" || n.rfind("cmd.", 0) == 0 ||
            (n.rfind("expected.", 0) == 0 && sibling.path().extension() == ".out")) {
          c.skip_copy.push_back(n);
        }
      }
      cases.push_back(c);
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.name < b.name; });
  return cases;
}

// Runs one command line in `cwd`, returning the transcript block.
std::string run_command(const fs::path& cwd, const std::string& args, const fs::path& scratch) {
  fs::path out = scratch / "stdout.txt";
  fs::path err = scratch / "stderr.txt";
  std::string shell = "cd '" + cwd.string() +
                      "' && NO_COLOR=1 SOURCE_DATE_EPOCH=1700000000 '" RETORT_BINARY "' " + args +
                      " >'" + out.string() + "' 2>'" + err.string() + "'";
  int status = std::system(shell.c_str());
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (WIFSIGNALED(status)) code = 128 + WTERMSIG(status);
  std::string block = "$ retort " + args + "\n";
  block += "--- exit " + std::to_string(code) + "\n";
  std::string o = read_file(out);
  std::string e = read_file(err);
  if (!o.empty()) block += "--- stdout\n" + o + (o.back() == '\n' ? "" : "\n--- (no newline)\n");
  if (!e.empty()) block += "--- stderr\n" + e + (e.back() == '\n' ? "" : "\n--- (no newline)\n");
  return block;
}

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, Matches) {
  const GoldenCase& c = GetParam();
  fs::path sandbox =
      fs::temp_directory_path() / ("retort-golden-" + std::to_string(::getpid()) + "-" + c.name);
  fs::remove_all(sandbox);
  fs::create_directories(sandbox / ".scratch");
  fs::path work = sandbox / "case";
  fs::copy(c.folder, work, fs::copy_options::recursive);
  for (const auto& s : c.skip_copy) fs::remove(work / s);

  std::string transcript;
  for (const auto& command : c.commands) {
    transcript += run_command(work, command, sandbox / ".scratch");
  }
  fs::remove_all(sandbox);

  const char* update = std::getenv("RETORT_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(c.expected, std::ios::binary) << transcript;
    return;
  }
  ASSERT_TRUE(fs::exists(c.expected))
      << c.expected << " is missing; run with RETORT_UPDATE_GOLDEN=1 and review it";
  EXPECT_EQ(read_file(c.expected), transcript)
      << "golden file " << c.expected
      << " is stale; run with RETORT_UPDATE_GOLDEN=1 and review the diff";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Golden, ::testing::ValuesIn(discover()),
                         [](const ::testing::TestParamInfo<GoldenCase>& param_info) {
                           return param_info.param.name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Golden);

// Every golden file belongs to a case: a renamed fixture must not leave a
// stale expectation behind.
TEST(GoldenFiles, NoOrphans) {
  fs::path root = fs::path(RETORT_SOURCE_DIR) / "fixtures";
  if (!fs::exists(root)) return;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".out" && p.filename().string().rfind("expected.", 0) != 0) {
      EXPECT_TRUE(fs::exists(fs::path(p).replace_extension(".rev"))) << "orphan golden " << p;
    }
    std::string n = p.filename().string();
    if (n.rfind("expected.", 0) == 0 && p.extension() == ".out") {
      // expected.out <- cmd, expected.V.out <- cmd.V
      std::string variant = n == "expected.out" ? "" : n.substr(9, n.size() - 9 - 4);
      fs::path cmd = p.parent_path() / (variant.empty() ? "cmd" : "cmd." + variant);
      EXPECT_TRUE(fs::exists(cmd)) << "orphan golden " << p;
    }
  }
}

}  // namespace
