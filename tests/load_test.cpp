// Header-first loading (compiler/project.h, LoadMode::HeaderFirst): the
// graph from the headers parsed alone, the bodies parsed on other threads
// while `upgrade` replays. Whatever the threads do, the outcome must be a
// Complete load's: the same script, the same revisions and graph, the same
// diagnostics when a body or a header is broken, the same cache.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "compiler/ast_dump.h"
#include "compiler/digest.h"
#include "compiler/project.h"
#include "emit/registry.h"
#include "emit/script.h"
#include "lint/engine.h"
#include "lint/registry.h"
#include "tests/test_files.h"

namespace fs = std::filesystem;
using namespace retort;
using retort::testing::read_file;
using retort::testing::write_file;

namespace {

std::string id_of(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "%012d", i);
  return id;
}

// A chain of `count` revisions (enough for several loader threads) with a
// branch and its merge, tables, indexes and columns; the revisions of
// `broken_bodies` (not multiples of 5) lose a parenthesis, those of `broken_headers` their id.
class ChainProject {
 public:
  ChainProject(const std::string& name, int count, std::set<int> broken_bodies = {},
               std::set<int> broken_headers = {})
      : dir_(fs::temp_directory_path() /
             ("retort-load-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "migrations");
    write_file(dir_ / "retort.toml",
               "[project]\nmigrations = \"migrations\"\ndialect = \"postgresql\"\n");
    for (int i = 1; i <= count; ++i) {
      std::string text = broken_headers.count(i) ? "revision\n" : "revision " + id_of(i) + "\n";
      // Revisions 11 and 12 both follow 10; 13 merges them.
      if (i == 12) {
        text += "  revises " + id_of(10) + "\n";
      } else if (i == 13) {
        text += "  revises " + id_of(11) + ", " + id_of(12) + "\n";
      } else if (i > 1) {
        text += "  revises " + id_of(i - 1) + "\n";
      }
      text += "  message 'step " + std::to_string(i) + "';\n\nupgrade {\n";
      std::string table = "t" + std::to_string(i % 7);
      if (i <= 7) {
        text += "  create table " + table + " (id bigint primary key, name string(20));\n";
      } else if (i % 5 == 0) {
        // The column the revision before added.
        std::string column = "c" + std::to_string(i - 1), on = "t" + std::to_string((i - 1) % 7);
        text += "  create index ix_" + on + "_" + column + " on " + on + " (" + column + ");\n";
      } else {
        text += "  alter table " + table + " add column c" + std::to_string(i) + " string(20" +
                (broken_bodies.count(i) ? "" : ")") + ";\n";
      }
      text += "}\n";
      write_file(dir_ / "migrations" / (id_of(i) + ".rev"), text);
    }
  }
  ~ChainProject() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  ChainProject(const ChainProject&) = delete;
  ChainProject& operator=(const ChainProject&) = delete;

  const fs::path& dir() const { return dir_; }

  // Replaces the first `from` of revision `revision`'s file with `to`.
  void edit(int revision, const std::string& from, const std::string& to) const {
    fs::path path = dir_ / "migrations" / (id_of(revision) + ".rev");
    std::string text = read_file(path);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << path;
    text.replace(at, from.size(), to);
    write_file(path, text);
  }

  Project open(bool cache = false) const {
    ProjectLocation where;
    where.start = dir_;
    where.cache.enabled = cache;  // ROOT/.retort/cache, as the CLI's
    return open_project(where);
  }

 private:
  fs::path dir_;
};

// The chain's project loaded in `mode`, and what the load reported.
struct Loaded {
  Project project;
  DiagnosticSink sink;
};
Loaded loaded(const ChainProject& chain, LoadMode mode) {
  Loaded out{chain.open(), {}};
  load_revisions(out.project, out.sink, mode);
  return out;
}

std::string rendered(const DiagnosticSink& sink, const Project& project) {
  std::string out;
  SourceTexts texts = project.texts();
  for (const auto& d : sink.diagnostics()) out += render_diagnostic(d, texts);
  return out;
}

std::optional<std::string> upgrade_head(const Project& project, DiagnosticSink& sink) {
  std::string error;
  auto target = emit::parse_target("postgresql", project.config, error);
  EXPECT_TRUE(target) << error;
  auto renderer = emit::make_renderer(*target);
  emit::Range range = emit::upgrade_range(project.graph, "head");
  emit::ScriptOptions options{"test"};
  DiagnosticSink replay;
  options.replay_diagnostics = &replay;
  auto text = emit::upgrade_script(project, *renderer, range, options, sink);
  sink.absorb(std::move(replay));
  return text;
}

std::string everything(const Project& project) {
  std::string out;
  for (const auto& rev : project.revisions) out += rev.path + "\n" + ast::dump(rev) + "\n";
  for (const auto& node : project.graph.nodes()) out += node.id + " " + node.message + "\n";
  for (size_t i : project.graph.topological_order()) out += std::to_string(i) + " ";
  return out;
}

}  // namespace

TEST(HeaderFirstLoad, UpgradeWhileParsingGivesTheCompleteLoadsScript) {
  ChainProject chain("same", 700);
  Project complete = chain.open();
  DiagnosticSink complete_sink;
  load_revisions(complete, complete_sink, LoadMode::Complete);
  ASSERT_TRUE(complete_sink.empty()) << rendered(complete_sink, complete);
  DiagnosticSink want_sink;
  auto want = upgrade_head(complete, want_sink);
  ASSERT_TRUE(want);

  for (int run = 0; run < 3; ++run) {
    Project project = chain.open();
    DiagnosticSink sink;
    load_revisions(project, sink, LoadMode::HeaderFirst);
    EXPECT_TRUE(sink.empty());
    ASSERT_NE(project.pending, nullptr) << "the load was not header-first";
    DiagnosticSink script_sink;
    auto got = upgrade_head(project, script_sink);
    finish_loading(project, sink);
    EXPECT_TRUE(sink.empty()) << rendered(sink, project);
    EXPECT_EQ(project.pending, nullptr);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, *want);
    EXPECT_EQ(rendered(script_sink, project), rendered(want_sink, complete));
    EXPECT_EQ(everything(project), everything(complete));
  }
}

// A long chain is linted on two threads, split where they meet (or where
// the test says): the findings (the replay's errors among them, in their
// place) must be those of linting it all on one thread, wherever the split
// falls, with an @allow used and one unused.
TEST(TwoThreads, LintFindsWhatLintingOnOneThreadFindsWhereverTheChainIsSplit) {
  for (bool replay_error : {false, true}) {
    ChainProject chain(replay_error ? "lint-split-replay" : "lint-split", 300);
    chain.edit(150, "  create index",
               "  @allow(index-not-concurrent, 'a small table')\n  create index");
    chain.edit(151, "  alter table", "  @allow(drop-table, 'nothing is dropped')\n  alter table");
    if (replay_error) chain.edit(141, "alter table t", "alter table no_such_table_");
    // Named, not a structured binding: the lambda below captures it, and
    // clang before 16 cannot capture a structured binding.
    auto loaded_chain = loaded(chain, LoadMode::Complete);
    const Project& project = loaded_chain.project;
    ASSERT_FALSE(loaded_chain.sink.has_errors()) << rendered(loaded_chain.sink, project);
    ASSERT_TRUE(project.worth_two_replaying_threads() || std::thread::hardware_concurrency() < 2);
    lint::RuleSet rules = lint::make_rules();
    auto lint_with = [&](bool two_threads, size_t split_at) {
      lint::LintOptions options;
      options.targets = {{"postgresql", "15"}, {"mysql", "8.0"}, {"sqlite", "3.45"}};
      options.two_threads = two_threads;
      options.split_at = split_at;
      SchemaModel after;
      options.schema_after = &after;
      DiagnosticSink findings;
      lint::run_lint(project, rules, options, findings);
      return std::make_pair(rendered(findings, project), after.table_count());
    };
    auto [one_thread, tables] = lint_with(false, 0);
    EXPECT_NE(one_thread.find("index-not-concurrent"), std::string::npos) << one_thread;
    EXPECT_NE(one_thread.find("unused-allow"), std::string::npos) << one_thread;
    if (replay_error) {
      EXPECT_NE(one_thread.find("no_such_table_"), std::string::npos) << one_thread;
    }
    // 0: where the threads meet; then before and after the @allows and the
    // replay error, and at either end.
    for (size_t split_at : {0u, 1u, 140u, 141u, 142u, 150u, 151u, 152u, 299u}) {
      auto [two, two_tables] = lint_with(true, split_at);
      EXPECT_EQ(two, one_thread) << "split at " << split_at;
      EXPECT_EQ(two_tables, tables) << "split at " << split_at;
    }
  }
}

// A second replaying thread needs a long chain and cores not busy
// parsing: not while a header-first load parses every body (a cold run),
// but once it is done, or after a Complete load.
TEST(ProjectLoad, ASecondReplayingThreadOnlyWhenTheCoresAreFree) {
  const bool cores = std::thread::hardware_concurrency() > 1;
  ChainProject chain("behind", 300);
  {
    auto [project, sink] = loaded(chain, LoadMode::Complete);
    EXPECT_EQ(project.bodies_parsed_behind(), 0u);
    EXPECT_EQ(project.worth_two_replaying_threads(), cores);
  }
  {
    auto [project, sink] = loaded(chain, LoadMode::HeaderFirst);
    ASSERT_NE(project.pending, nullptr);
    EXPECT_EQ(project.bodies_parsed_behind(), 300u);
    EXPECT_FALSE(project.worth_two_replaying_threads());
    ASSERT_TRUE(finish_loading(project, sink)) << rendered(sink, project);
    EXPECT_EQ(project.worth_two_replaying_threads(), cores);
  }
  ChainProject short_chain("behind-short", 40);
  auto [project, sink] = loaded(short_chain, LoadMode::Complete);
  EXPECT_FALSE(project.worth_two_replaying_threads());
}

// The files a project loads are the regular `.rev` files of its folder,
// symbolic links followed, as std::filesystem lists them: not a folder, a
// dot file, another extension or a dangling link.
TEST(ProjectLoad, LoadsTheRegularRevFilesOfTheFolder) {
  ChainProject chain("listing", 3);
  const fs::path migrations = chain.dir() / "migrations";
  fs::create_directories(migrations / "folder.rev");
  write_file(migrations / ".rev", "not a revision");
  write_file(migrations / "notes.txt", "not a revision");
  fs::create_symlink(chain.dir() / "nowhere.rev", migrations / "gone.rev");
  write_file(chain.dir() / "elsewhere.rev", "revision " + id_of(4) + "\n  revises " + id_of(3) +
                                                "\n  message 'linked';\n\nupgrade {\n}\n");
  fs::create_symlink(chain.dir() / "elsewhere.rev", migrations / "linked.rev");

  std::vector<std::string> want;
  for (const auto& entry : fs::directory_iterator(migrations)) {
    if (entry.path().extension() == ".rev" && entry.is_regular_file())
      want.push_back("migrations/" + entry.path().filename().string());
  }
  std::sort(want.begin(), want.end());
  ASSERT_EQ(want.size(), 4u);

  auto [project, sink] = loaded(chain, LoadMode::Complete);
  EXPECT_TRUE(sink.empty()) << rendered(sink, project);
  std::vector<std::string> got;
  for (const auto& source : project.sources) got.push_back(source.path);
  EXPECT_EQ(got, want);
  EXPECT_EQ(project.graph.size(), 4u);
}

TEST(ProjectLoad, ARevisionsHashIsItsFilesByPlaceAndByPath) {
  ChainProject chain("hashes", 200);
  for (LoadMode mode : {LoadMode::Complete, LoadMode::HeaderFirst}) {
    auto [project, sink] = loaded(chain, mode);
    ASSERT_TRUE(finish_loading(project, sink)) << rendered(sink, project);
    ASSERT_EQ(project.revisions.size(), 200u);
    for (const auto& rev : project.revisions) {
      std::string by_path = project.source_sha256(rev.path);
      EXPECT_EQ(by_path, sha256_hex(project.source_text(rev.path)));
      EXPECT_EQ(project.source_sha256(rev), by_path) << rev.path;
    }
    // A revision that is not one of the project's is looked up by its path.
    ast::RevisionFile copy = project.revisions[3];
    EXPECT_EQ(project.source_sha256(copy), project.source_sha256(copy.path));
    copy.path = "elsewhere.rev";
    EXPECT_EQ(project.source_sha256(copy), sha256_hex(""));
  }
}

TEST(HeaderFirstLoad, ABrokenBodyEndsAsACompleteLoadDoes) {
  ChainProject chain("body", 400, {9, 151, 399});
  Loaded complete = loaded(chain, LoadMode::Complete);
  ASSERT_TRUE(complete.sink.has_errors());

  auto [project, sink] = loaded(chain, LoadMode::HeaderFirst);
  ASSERT_NE(project.pending, nullptr) << "the headers are sound: the load is header-first";
  DiagnosticSink script_sink;
  upgrade_head(project, script_sink);  // meets the broken revisions as missing
  finish_loading(project, sink);
  EXPECT_EQ(rendered(sink, project), rendered(complete.sink, complete.project));
  EXPECT_TRUE(project.revisions.empty());
  EXPECT_TRUE(project.graph.nodes().empty());
}

// A header that does not parse, or a graph with a diagnostic: loaded
// Complete, with a Complete load's diagnostics.
void expect_loaded_complete(const ChainProject& chain) {
  Loaded complete = loaded(chain, LoadMode::Complete);
  ASSERT_FALSE(complete.sink.empty());
  Loaded first = loaded(chain, LoadMode::HeaderFirst);
  EXPECT_EQ(first.project.pending, nullptr);
  EXPECT_EQ(rendered(first.sink, first.project), rendered(complete.sink, complete.project));
  EXPECT_EQ(everything(first.project), everything(complete.project));
}

TEST(HeaderFirstLoad, ABrokenHeaderOrGraphMakesTheLoadComplete) {
  for (int broken : {1, 200}) {
    ChainProject chain("header" + std::to_string(broken), 300, {77}, {broken});
    expect_loaded_complete(chain);
  }
  // A parent that does not exist.
  ChainProject chain("graph", 300);
  std::string text = read_file(chain.dir() / "migrations" / (id_of(40) + ".rev"));
  text.replace(text.find(id_of(39)), 12, id_of(9999));
  write_file(chain.dir() / "migrations" / (id_of(40) + ".rev"), text);
  expect_loaded_complete(chain);
}

TEST(HeaderFirstLoad, AProjectLeftPendingIsLetGoCleanly) {
  ChainProject chain("dropped", 500);
  for (int run = 0; run < 5; ++run) {
    Project project = chain.open();
    DiagnosticSink sink;
    load_revisions(project, sink, LoadMode::HeaderFirst);
    ASSERT_NE(project.pending, nullptr);
    if (run % 2 == 1) project.revision(id_of(250));  // part way
    // Dropped without finish_loading, as when a command throws.
  }
}

TEST(HeaderFirstLoad, TheCacheFillsAndHitsAsAfterACompleteLoad) {
  ChainProject chain("cache", 300, {121});
  for (int run = 0; run < 2; ++run) {
    std::string stats_file = chain.dir().string() + ".stats";
    std::string line = "cd '" + chain.dir().string() + "' && NO_COLOR=1 RETORT_CACHE_STATS=1 '" +
                       RETORT_BINARY + "' upgrade head >/dev/null 2>'" + stats_file + "'";
    int status = std::system(line.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);  // revision 121 does not parse
    std::string err = read_file(stats_file);
    fs::remove(stats_file);
    std::string want = run == 0 ? "retort: cache: 0 hits, 300 misses, pack written"
                                : "retort: cache: 299 hits, 1 misses, pack unchanged";
    EXPECT_NE(err.find(want), std::string::npos) << err;
    EXPECT_NE(err.find(id_of(121) + ".rev:"), std::string::npos) << err;
  }
  // With the broken file mended, the upgrade is header-first again and
  // matches a run without the cache. This is a pre-commit hook's run: one
  // body is parsed behind the load while the script is rendered behind
  // the replay, three threads at once (ci/test runs it under TSan too).
  std::string path = (chain.dir() / "migrations" / (id_of(121) + ".rev")).string();
  std::string text = read_file(path);
  text.replace(text.find("string(20;"), 10, "string(20);");
  write_file(path, text);
  Project cached = chain.open(true);
  DiagnosticSink sink;
  load_revisions(cached, sink, LoadMode::HeaderFirst);
  ASSERT_NE(cached.pending, nullptr) << "one body to parse: header-first";
  EXPECT_EQ(cached.bodies_parsed_behind(), 1u);
  EXPECT_EQ(cached.worth_two_replaying_threads(), std::thread::hardware_concurrency() > 1);
  DiagnosticSink script_sink;
  auto got = upgrade_head(cached, script_sink);
  finish_loading(cached, sink);
  EXPECT_TRUE(sink.empty()) << rendered(sink, cached);
  Project fresh = chain.open();
  load_revisions(fresh, sink, LoadMode::Complete);
  auto want = upgrade_head(fresh, script_sink);
  ASSERT_TRUE(got && want);
  EXPECT_EQ(*got, *want);
}

namespace {

struct CommandRun {
  int code = -1;
  std::string out, err;
};

CommandRun run_retort(const fs::path& dir, const std::string& args, const std::string& env) {
  std::string out = dir.string() + ".out", err = dir.string() + ".err";
  std::string line = "cd '" + dir.string() + "' && NO_COLOR=1 " + env + " '" + RETORT_BINARY +
                     "' " + args + " >'" + out + "' 2>'" + err + "'";
  int status = std::system(line.c_str());
  CommandRun run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
  fs::remove(out);
  fs::remove(err);
  return run;
}

}  // namespace

// The commands that load header-first, against the same commands told to
// load Complete (RETORT_LOAD=complete): the same stdout, stderr and exit
// code on a sound chain, one with a broken body, one with a broken header
// and one whose replay fails, with and without the cache (whose line on
// stderr must match too), and `lint` given a file that is not a revision.
TEST(HeaderFirstLoad, CommandsSayWhatTheySayAfterACompleteLoad) {
  struct Variant {
    std::string name;
    std::set<int> bodies, headers;
    bool replay_error = false;
  };
  const std::vector<Variant> variants = {
      {"sound", {}, {}}, {"body", {33, 151}, {}}, {"head", {}, {260}}, {"replay", {}, {}, true}};
  const std::vector<std::string> commands = {"upgrade head",
                                             "upgrade head --dialect sqlite",
                                             "check",
                                             "lint",
                                             "lint --format json",
                                             "lint migrations/" + id_of(140) + ".rev retort.toml"};
  for (const auto& v : variants) {
    ChainProject chain("cli-" + v.name, 300, v.bodies, v.headers);
    if (v.replay_error) {
      // Revision 141 adds a column to a table that does not exist.
      chain.edit(141, "alter table t", "alter table no_such_table_");
    }
    for (const auto& command : commands) {
      for (const char* cache : {"--no-cache", "", ""}) {  // no cache, then a cold and a warm one
        std::string args = std::string(cache) + " " + command;
        // With the cache's line on stderr: its hits, misses and writes.
        std::string cache_env = "RETORT_CACHE_STATS=1 RETORT_CACHE_DIR=" + chain.dir().string();
        CommandRun want =
            run_retort(chain.dir(), args, "RETORT_LOAD=complete " + cache_env + ".complete");
        CommandRun got = run_retort(chain.dir(), args, cache_env + ".first");
        EXPECT_EQ(got.code, want.code) << v.name << ": " << args;
        EXPECT_EQ(got.out, want.out) << v.name << ": " << args;
        EXPECT_EQ(got.err, want.err) << v.name << ": " << args;
      }
    }
    fs::remove_all(chain.dir().string() + ".complete");
    fs::remove_all(chain.dir().string() + ".first");
  }
}
