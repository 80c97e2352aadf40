// The lint rules as a set: each has its docs and fixtures that fire and stay
// clean (the fixtures' exact output is checked by golden_test), the docs
// pages are not stale, and the machine-readable formats are what their
// readers need (JSON parses, SARIF has what GitHub code scanning reads,
// `--since` finds the changed files with git).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lint/docs.h"
#include "lint/registry.h"
#include "tests/test_files.h"

namespace fs = std::filesystem;
using namespace retort::lint;

namespace {

const fs::path kSource = RETORT_SOURCE_DIR;

using retort::testing::read_file;

bool kebab(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.find("--") == std::string_view::npos;
}

// True when a golden transcript holds a finding of `id` in any format.
bool fires(const std::string& transcript, std::string_view id) {
  std::string id_s(id);
  return transcript.find("[" + id_s + "]") != std::string::npos ||
         transcript.find("\"rule\": \"" + id_s + "\"") != std::string::npos ||
         transcript.find("title=" + id_s + "::") != std::string::npos;
}

struct ShellRun {
  int code = 0;
  std::string out;
};

// Runs a shell command line; stdout captured.
ShellRun shell(const std::string& line) {
  fs::path out = fs::temp_directory_path() / ("retort-lint-test-" + std::to_string(::getpid()));
  int status = std::system((line + " >'" + out.string() + "'").c_str());
  ShellRun r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
  fs::remove(out);
  return r;
}

TEST(Registry, IdsAreUniqueKebabCaseAndDocumented) {
  RuleSet rules = make_rules();
  std::set<std::string> ids;
  for (const auto& r : rules) {
    const RuleInfo& info = r->info();
    SCOPED_TRACE(std::string(info.id));
    EXPECT_TRUE(kebab(info.id));
    EXPECT_TRUE(ids.insert(std::string(info.id)).second) << "duplicate id";
    EXPECT_FALSE(info.summary.empty());
    EXPECT_FALSE(info.why.empty());
    EXPECT_FALSE(info.better.empty());
    EXPECT_FALSE(info.example_fires.empty());
    EXPECT_FALSE(info.example_passes.empty());
    EXPECT_NE(info.example_fires, info.example_passes);
    EXPECT_EQ(find_rule(rules, info.id), r.get());
    if (info.dialects != "all") {
      std::string_view rest = info.dialects;
      while (!rest.empty()) {
        std::string_view one = rest.substr(0, rest.find(','));
        EXPECT_TRUE(one == "postgresql" || one == "mysql" || one == "mariadb" || one == "sqlite" ||
                    one == "mssql" || one == "oracle")
            << "unknown dialect " << one;
        rest.remove_prefix(std::min(rest.size(), one.size() + 1));
      }
    }
  }
}

// Every rule has fixtures/lint/RULE/ok*/ that stay clean and err*/ that
// fire, each a project whose `cmd` golden_test runs.
TEST(Fixtures, EveryRuleFiresAndStaysClean) {
  for (const auto& r : make_rules()) {
    std::string id(r->info().id);
    SCOPED_TRACE(id);
    fs::path dir = kSource / "fixtures" / "lint" / id;
    ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
    size_t ok = 0, err = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      fs::path expected = entry.path() / "expected.out";
      ASSERT_TRUE(fs::exists(entry.path() / "cmd")) << entry.path();
      ASSERT_TRUE(fs::exists(expected)) << expected;
      std::string transcript = read_file(expected);
      if (name.rfind("ok", 0) == 0) {
        ++ok;
        EXPECT_FALSE(fires(transcript, id)) << expected << " must stay clean of " << id;
      } else if (name.rfind("err", 0) == 0) {
        ++err;
        EXPECT_TRUE(fires(transcript, id)) << expected << " must fire " << id;
      } else {
        ADD_FAILURE() << entry.path() << ": case folders are named ok* or err*";
      }
    }
    EXPECT_GE(ok, 1u) << "no ok* case";
    EXPECT_GE(err, 1u) << "no err* case";
  }
}

// No fixture folder for a rule that does not exist (a renamed rule).
TEST(Fixtures, NoOrphanRuleFolders) {
  RuleSet rules = make_rules();
  for (const auto& entry : fs::directory_iterator(kSource / "fixtures" / "lint")) {
    std::string name = entry.path().filename().string();
    if (name == "formats" || name == "engine") continue;  // not one rule's cases
    EXPECT_NE(find_rule(rules, name), nullptr) << entry.path() << " names no rule";
  }
}

// docs/rules/ is generated from RuleInfo; RETORT_UPDATE_GOLDEN=1 rewrites it.
TEST(Docs, RulePagesAreFresh) {
  auto pages = rule_docs(make_rules());
  fs::path dir = kSource / "docs" / "rules";
  const char* update = std::getenv("RETORT_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!pages.count(entry.path().filename().string())) fs::remove(entry.path());
    }
    for (const auto& [name, text] : pages) std::ofstream(dir / name, std::ios::binary) << text;
    return;
  }
  for (const auto& [name, text] : pages) {
    EXPECT_EQ(read_file(dir / name), text)
        << "docs/rules/" << name << " is stale: run RETORT_UPDATE_GOLDEN=1 build/lint_test";
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_TRUE(pages.count(entry.path().filename().string()))
        << entry.path() << " documents no rule";
  }
}

// The JSON and SARIF documents parse, and SARIF carries what GitHub code
// scanning reads (checked with Python's json module, which is always here).
TEST(Formats, JsonAndSarifAreWhatTheirReadersNeed) {
  std::string project = (kSource / "fixtures" / "lint" / "drop-column" / "err").string();
  std::string retort = std::string("'") + RETORT_BINARY + "' -C '" + project + "' lint ";
  std::string check_json = R"PY(
import json, sys
d = json.load(sys.stdin)
assert d["version"] == 1
f = d["findings"]
assert len(f) >= 1
for x in f:
    assert set(x) == {"file","line","column","end_line","end_column","severity","rule","message","help","revision"}, x
assert d["summary"]["error"] == len([x for x in f if x["severity"] == "error"])
)PY";
  std::string check_sarif = R"PY(
import json, sys
d = json.load(sys.stdin)
assert d["version"] == "2.1.0"
assert d["$schema"].endswith("sarif-2.1.0.json")
run = d["runs"][0]
drv = run["tool"]["driver"]
assert drv["name"] == "retort" and drv["version"]
assert run["columnKind"] == "unicodeCodePoints"
ids = [r["id"] for r in drv["rules"]]
assert len(ids) == len(set(ids))
for r in drv["rules"]:
    assert r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
    assert r["defaultConfiguration"]["level"] in ("error", "warning", "note", "none")
assert run["results"]
for res in run["results"]:
    assert drv["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    assert res["level"] in ("error", "warning", "note")
    assert res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]
    assert not loc["artifactLocation"]["uri"].startswith("/")
    reg = loc["region"]
    assert reg["startLine"] >= 1 and reg["startColumn"] >= 1
    assert reg["endLine"] >= reg["startLine"]
)PY";
  auto py = [](const std::string& code) {
    fs::path script = fs::temp_directory_path() / ("retort-check-" + std::to_string(::getpid()));
    std::ofstream(script) << code;
    return script;
  };
  fs::path json_check = py(check_json);
  ShellRun json = shell(retort + "--format json | /usr/bin/python3 '" + json_check.string() +
                        "' && echo parsed");
  EXPECT_EQ(json.out, "parsed\n");
  fs::path sarif_check = py(check_sarif);
  ShellRun sarif = shell(retort + "--format sarif | /usr/bin/python3 '" + sarif_check.string() +
                         "' && echo parsed");
  EXPECT_EQ(sarif.out, "parsed\n");
  fs::remove(json_check);
  fs::remove(sarif_check);
}

// `--since REF` reports only the revision files git says were added or
// modified since REF (committed or not, and untracked ones), while the
// whole chain is still replayed for context.
TEST(Since, ReportsOnlyFilesChangedSinceTheRef) {
  fs::path repo = fs::temp_directory_path() / ("retort-since-" + std::to_string(::getpid()));
  fs::remove_all(repo);
  fs::copy(kSource / "fixtures" / "lint" / "drop-column" / "err", repo,
           fs::copy_options::recursive);
  fs::remove(repo / "cmd");
  fs::remove(repo / "expected.out");
  std::string git = "git -C '" + repo.string() +
                    "' -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false ";
  fs::path later = repo / "migrations" / "0002_drop_legacy.rev";
  std::string second = read_file(later);
  fs::remove(later);
  ASSERT_EQ(shell(git + "init -q && " + git + "add -A && " + git + "commit -qm one").code, 0);
  std::string retort = std::string("'") + RETORT_BINARY + "' -C '" + repo.string() + "' lint ";

  // Nothing changed since HEAD: nothing reported.
  ShellRun none = shell(retort + "--since HEAD --format json");
  EXPECT_EQ(none.code, 0);
  EXPECT_EQ(none.out.find("drop-column"), std::string::npos) << none.out;

  // An untracked new revision is reported.
  std::ofstream(later, std::ios::binary) << second;
  ShellRun untracked = shell(retort + "--since HEAD --format json");
  EXPECT_EQ(untracked.code, 1);
  EXPECT_NE(untracked.out.find("0002_drop_legacy.rev"), std::string::npos) << untracked.out;

  // Committed, it is still changed relative to the first commit, not to HEAD.
  ASSERT_EQ(shell(git + "add -A && " + git + "commit -qm two").code, 0);
  EXPECT_EQ(shell(retort + "--since HEAD --format json").code, 0);
  EXPECT_EQ(shell(retort + "--since HEAD~1 --format json").code, 1);

  // A ref git does not know is bad input, said as such.
  EXPECT_EQ(shell(retort + "--since no-such-ref 2>/dev/null").code, 2);
  fs::remove_all(repo);
}

}  // namespace
