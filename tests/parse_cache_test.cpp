// The cache of parsed revisions (docs/cache.md): the AST serializer's round
// trip on every parseable fixture, the decoder under random damage, and the
// real binary on a copy of examples/: hits, misses, corrupt and foreign
// packs, concurrent runs, --no-cache, `retort init`'s .gitignore line, and
// the parallel loader on a project big enough to use several threads.
#include "compiler/parse_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiler/ast_dump.h"
#include "compiler/digest.h"
#include "compiler/parser.h"
#include "compiler/project.h"
#include "tests/test_files.h"

namespace fs = std::filesystem;
using namespace retort;

namespace {

using retort::testing::read_file;

using retort::testing::write_file;

// The key of every entry (and every script header's checksum): the
// standard's test vectors, one of them over many blocks.
TEST(Sha256, GivesTheStandardsTestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  const auto bytes = sha256("abc");
  EXPECT_EQ(bytes.front(), 0xba);
  EXPECT_EQ(bytes.back(), 0xad);
}

// Every `.rev` under fixtures/ and examples/, sorted.
std::vector<fs::path> every_revision_file() {
  std::vector<fs::path> out;
  for (const char* top : {"fixtures", "examples"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(RETORT_SOURCE_DIR) / top)) {
      if (e.is_regular_file() && e.path().extension() == ".rev") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct CommandRun {
  int code = 0;
  std::string out;
  std::string err;
};

/// A copy of examples/ in a temporary folder, removed at the end.
class Scratch {
 public:
  explicit Scratch(const std::string& name)
      : dir_(fs::temp_directory_path() /
             ("retort-cache-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::path examples = fs::path(RETORT_SOURCE_DIR) / "examples";
    fs::copy(examples / "retort.toml", dir_ / "retort.toml");
    fs::copy(examples / "migrations", dir_ / "migrations", fs::copy_options::recursive);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    fs::remove(dir_.string() + ".out", ignored);
    fs::remove(dir_.string() + ".err", ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const fs::path& dir() const { return dir_; }
  fs::path pack() const { return dir_ / ".retort" / "cache" / "revisions.pack"; }

  /// `retort ARGS` in the project, with `env` (VAR=value ...) before it.
  CommandRun retort(const std::string& args, const std::string& env = "") const {
    std::string out = dir_.string() + ".out", err = dir_.string() + ".err";
    std::string line = "cd '" + dir_.string() + "' && NO_COLOR=1 " + env + " '" + RETORT_BINARY +
                       "' " + args + " >'" + out + "' 2>'" + err + "'";
    int status = std::system(line.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
  }
  /// The stats line of a run with RETORT_CACHE_STATS=1, and its stderr without it.
  std::pair<std::string, CommandRun> with_stats(const std::string& args) const {
    CommandRun run = retort(args, "RETORT_CACHE_STATS=1");
    std::string stats;
    auto at = run.err.find("retort: cache: ");
    if (at != std::string::npos) {
      auto end = run.err.find('\n', at);
      stats = run.err.substr(at, end - at);
      run.err.erase(at, end - at + 1);
    }
    return {stats, run};
  }

 private:
  fs::path dir_;
};

size_t count_revisions(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir / "migrations"))
    n += e.path().extension() == ".rev";
  return n;
}

std::string stats_line(size_t hits, size_t misses, bool written) {
  return "retort: cache: " + std::to_string(hits) + " hits, " + std::to_string(misses) +
         " misses, pack " + (written ? "written" : "unchanged");
}

void expect_same(const CommandRun& a, const CommandRun& b) {
  EXPECT_EQ(a.code, b.code);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.err, b.err);
}

const char* const kCommands[] = {"check", "upgrade head --dialect postgresql"};

// ---------------------------------------------------------------- serializer

TEST(ParseCacheTest, RoundTripOfEveryParseableFixture) {
  size_t checked = 0;
  for (const auto& path : every_revision_file()) {
    SourceFile source{path.lexically_relative(RETORT_SOURCE_DIR).generic_string(), read_file(path)};
    DiagnosticSink sink;
    auto parsed = parse_revision(source, sink);
    if (!parsed || sink.has_errors()) continue;
    parsed->path = source.path;
    std::string bytes = serialize_revision(*parsed);
    auto decoded = deserialize_revision(bytes);
    ASSERT_TRUE(decoded.has_value()) << source.path;
    EXPECT_EQ(ast::dump(*decoded), ast::dump(*parsed)) << source.path;
    EXPECT_EQ(decoded->path, parsed->path);
    // The bytes are a function of the AST: a second trip writes the same.
    EXPECT_EQ(serialize_revision(*decoded), bytes) << source.path;
    ++checked;
  }
  EXPECT_GT(checked, 50u);
}

TEST(ParseCacheTest, DecoderSurvivesRandomDamage) {
  // A valid pack of every parseable example, then thousands of mutations.
  std::map<std::string, std::string_view> entries;
  std::deque<std::string> asts;
  for (const auto& path : every_revision_file()) {
    if (path.string().find("/examples/") == std::string::npos) continue;
    SourceFile source{path.filename().string(), read_file(path)};
    DiagnosticSink sink;
    auto parsed = parse_revision(source, sink);
    if (!parsed || sink.has_errors()) continue;
    asts.push_back(serialize_revision(*parsed));
    entries.emplace(sha256_hex(source.text), asts.back());
  }
  ASSERT_FALSE(asts.empty());
  ParseCacheKey key = ParseCacheKey::current();
  std::string pack = ParseCache::encode_pack(key, entries);
  ASSERT_TRUE(ParseCache::decode_pack(key, pack).has_value());

  std::mt19937 random(12345);
  auto mutate = [&random](std::string bytes) {
    int edits = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < edits && !bytes.empty(); ++i) {
      size_t at = random() % bytes.size();
      switch (random() % 5) {
        case 0:
          bytes[at] = static_cast<char>(random());
          break;
        case 1:
          bytes[at] = static_cast<char>(bytes[at] ^ (1 << (random() % 8)));
          break;
        case 2:
          bytes.resize(at);
          break;
        case 3:
          bytes.insert(at, 1, static_cast<char>(random()));
          break;
        default:
          bytes[at] = '\xff';
          break;
      }
    }
    return bytes;
  };
  size_t decoded_anyway = 0;
  for (int i = 0; i < 3000; ++i) {
    auto damaged = ParseCache::decode_pack(key, mutate(pack));
    decoded_anyway += damaged.has_value();
    // Past the checksums: the AST decoder itself on damaged bytes.
    auto ast_bytes = mutate(asts[static_cast<size_t>(i) % asts.size()]);
    if (auto file = deserialize_revision(ast_bytes)) {
      (void)ast::dump(*file);  // a decoded AST is safe to walk
      (void)serialize_revision(*file);
    }
  }
  EXPECT_EQ(decoded_anyway, 0u);  // every damage of the pack is caught by a checksum
  EXPECT_FALSE(deserialize_revision("").has_value());
  EXPECT_FALSE(deserialize_revision(std::string(64, '\xff')).has_value());
}

TEST(ParseCacheTest, AnotherToolVersionOrGrammarIsAllMisses) {
  fs::path dir = fs::temp_directory_path() / ("retort-cache-key-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path pack = dir / "revisions.pack";
  ast::RevisionFile file;
  file.header.id.text = "abc";
  ParseCacheKey key{"1.0.0", "grammar-a"};
  {
    ParseCache cache(pack, key);
    cache.record("0123", file);
    cache.save();
    EXPECT_TRUE(cache.stats().pack_written);
  }
  {
    ParseCache cache(pack, key);
    EXPECT_EQ(cache.loaded_entries(), 1u);
    ASSERT_TRUE(cache.lookup("0123").has_value());
    EXPECT_EQ(cache.lookup("0123")->header.id.text, "abc");
  }
  for (const ParseCacheKey& other :
       {ParseCacheKey{"1.0.1", "grammar-a"}, ParseCacheKey{"1.0.0", "grammar-b"}}) {
    ParseCache cache(pack, other);
    EXPECT_EQ(cache.loaded_entries(), 0u);
    EXPECT_FALSE(cache.lookup("0123").has_value());
    EXPECT_EQ(cache.stats().misses, 1u);
  }
  fs::remove_all(dir);
}

// A pack is written from the run's entries in key order, the later of two
// for one key winning, and read back whole.
TEST(ParseCacheTest, ASavedPackHasEachKeyOnceTheLaterWinning) {
  fs::path dir = fs::temp_directory_path() / ("retort-cache-order-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path pack = dir / "revisions.pack";
  ParseCacheKey key{"1.0.0", "grammar-a"};
  auto named = [](const char* id) {
    ast::RevisionFile file;
    file.header.id.text = id;
    return file;
  };
  {
    ParseCache cache(pack, key);
    cache.record("0123", named("first"));
    cache.record("0042", named("other"));
    cache.record("0123", named("second"));
    cache.save();
    ASSERT_TRUE(cache.stats().pack_written);
  }
  ParseCache cache(pack, key);
  EXPECT_EQ(cache.loaded_entries(), 2u);
  ASSERT_TRUE(cache.lookup("0123").has_value());
  EXPECT_EQ(cache.lookup("0123")->header.id.text, "second");
  EXPECT_EQ(cache.lookup("0042")->header.id.text, "other");
  // The decoded entries view the bytes: they must outlive them.
  const std::string bytes = read_file(pack);
  auto entries = ParseCache::decode_pack(key, bytes);
  ASSERT_TRUE(entries.has_value());
  EXPECT_EQ(ParseCache::encode_pack(key, *entries), bytes);
  fs::remove_all(dir);
}

// A file written from pieces holds them in order, small ones gathered and
// large ones not; when the pieces fail, the old file stays and no
// temporary file is left.
TEST(WriteFileAtomically, WritesThePiecesInOrderOrNothing) {
  fs::path dir = fs::temp_directory_path() / ("retort-pieces-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path file = dir / "out";
  std::vector<std::string> pieces{"head;", std::string(300 << 10, 'b'), ""};
  for (int i = 0; i < 5000; ++i) pieces.push_back(std::to_string(i) + ",");
  pieces.push_back(std::string(600 << 10, 'd'));
  pieces.push_back(";tail");
  std::string whole;
  for (const auto& p : pieces) whole += p;
  write_file_atomically(file, [&](const TextSink& sink) {
    for (const auto& p : pieces) sink(p);
  });
  EXPECT_EQ(read_file(file), whole);
  EXPECT_THROW(write_file_atomically(file,
                                     [](const TextSink& sink) {
                                       sink(std::string(400 << 10, 'x'));
                                       throw std::runtime_error("no more");
                                     }),
               std::runtime_error);
  EXPECT_EQ(read_file(file), whole);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(entries, 1u);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- the binary

TEST(ParseCacheTest, WarmRunIsAllHitsWithTheSameOutput) {
  Scratch s("warm");
  size_t n = count_revisions(s.dir());
  ASSERT_GT(n, 0u);
  for (const char* command : kCommands) {
    bool first = !fs::exists(s.pack());
    CommandRun reference = s.retort(std::string("--no-cache ") + command);
    EXPECT_EQ(fs::exists(s.pack()), !first) << "--no-cache wrote the cache";
    auto [cold_stats, cold] = s.with_stats(command);
    EXPECT_EQ(cold_stats, first ? stats_line(0, n, true) : stats_line(n, 0, false)) << command;
    expect_same(cold, reference);
    std::string pack = read_file(s.pack());
    auto mtime = fs::last_write_time(s.pack());
    auto [warm_stats, warm] = s.with_stats(command);
    EXPECT_EQ(warm_stats, stats_line(n, 0, false)) << command;
    expect_same(warm, reference);
    // All hits: the pack is not touched.
    EXPECT_EQ(read_file(s.pack()), pack);
    EXPECT_EQ(fs::last_write_time(s.pack()), mtime);
    // Without the stats variable nothing about the cache is printed.
    expect_same(s.retort(command), reference);
  }
}

TEST(ParseCacheTest, EditingOneFileParsesOnlyThatFile) {
  Scratch s("edit");
  size_t n = count_revisions(s.dir());
  s.retort("check");
  fs::path edited;
  for (const auto& e : fs::directory_iterator(s.dir() / "migrations")) {
    if (e.path().extension() == ".rev") edited = std::max(edited, e.path());
  }
  write_file(edited, read_file(edited) + "\n-- an edit\n");
  CommandRun reference = s.retort("--no-cache check");
  auto [stats, run] = s.with_stats("check");
  EXPECT_EQ(stats, stats_line(n - 1, 1, true));
  expect_same(run, reference);
  EXPECT_EQ(s.with_stats("check").first, stats_line(n, 0, false));
}

TEST(ParseCacheTest, CorruptPackIsIgnoredAndRewritten) {
  Scratch s("corrupt");
  size_t n = count_revisions(s.dir());
  for (const char* command : kCommands) {
    CommandRun reference = s.retort(std::string("--no-cache ") + command);
    s.retort(command);
    std::string good = read_file(s.pack());
    ASSERT_FALSE(good.empty());
    std::string flipped = good;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x5a);
    std::string wrong_magic = good;
    wrong_magic[0] = 'X';
    for (const std::string& damaged : {good.substr(0, good.size() / 3), flipped, wrong_magic,
                                       std::string("garbage"), std::string()}) {
      write_file(s.pack(), damaged);
      auto [stats, run] = s.with_stats(command);
      if (damaged == flipped) {
        // One damaged entry fails its checksum: that file is parsed again
        // (or, if the flip broke the pack's structure, every file is).
        size_t misses = 0;
        for (size_t m = 1; m <= n; ++m) {
          if (stats == stats_line(n - m, m, true)) misses = m;
        }
        EXPECT_GE(misses, 1u) << command << ": " << stats;
      } else {
        EXPECT_EQ(stats, stats_line(0, n, true)) << command;
      }
      expect_same(run, reference);
      EXPECT_EQ(s.with_stats(command).first, stats_line(n, 0, false)) << "pack not rewritten";
    }
  }
}

TEST(ParseCacheTest, PackOfAnotherToolVersionIsAllMisses) {
  Scratch s("foreign");
  size_t n = count_revisions(s.dir());
  s.retort("check");
  std::string pack = read_file(s.pack());
  auto entries = ParseCache::decode_pack(ParseCacheKey::current(), pack);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), n);
  ParseCacheKey older = ParseCacheKey::current();
  older.tool_version += "-older";
  write_file(s.pack(), ParseCache::encode_pack(older, *entries));
  EXPECT_EQ(s.with_stats("check").first, stats_line(0, n, true));
  ParseCacheKey other_grammar = ParseCacheKey::current();
  other_grammar.grammar_hash = "0000";
  write_file(s.pack(), ParseCache::encode_pack(other_grammar, *entries));
  EXPECT_EQ(s.with_stats("check").first, stats_line(0, n, true));
  EXPECT_EQ(s.with_stats("check").first, stats_line(n, 0, false));
}

TEST(ParseCacheTest, ConcurrentRunsAgreeAndLeaveAValidPack) {
  Scratch s("concurrent");
  size_t n = count_revisions(s.dir());
  CommandRun reference = s.retort("--no-cache check");
  const int runs = 6;
  std::string line = "cd '" + s.dir().string() + "' && for i in $(seq " + std::to_string(runs) +
                     "); do NO_COLOR=1 '" + RETORT_BINARY + "' check >out.$i 2>err.$i & done; wait";
  ASSERT_EQ(std::system(line.c_str()), 0);
  for (int i = 1; i <= runs; ++i) {
    EXPECT_EQ(read_file(s.dir() / ("out." + std::to_string(i))), reference.out);
    EXPECT_EQ(read_file(s.dir() / ("err." + std::to_string(i))), reference.err);
  }
  std::string pack = read_file(s.pack());
  auto entries = ParseCache::decode_pack(ParseCacheKey::current(), pack);
  ASSERT_TRUE(entries.has_value());
  EXPECT_EQ(entries->size(), n);
  EXPECT_EQ(s.with_stats("check").first, stats_line(n, 0, false));
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(s.pack().parent_path()))
    EXPECT_EQ(e.path().filename(), "revisions.pack");
}

TEST(ParseCacheTest, NoCacheNeitherReadsNorWrites) {
  Scratch s("nocache");
  CommandRun reference = s.retort("--no-cache check");
  EXPECT_FALSE(fs::exists(s.dir() / ".retort"));
  s.retort("check");
  write_file(s.pack(), "not a pack");
  auto [stats, run] = s.with_stats("--no-cache check");
  EXPECT_EQ(stats, "");  // the cache was not even opened
  expect_same(run, reference);
  EXPECT_EQ(read_file(s.pack()), "not a pack");
}

TEST(ParseCacheTest, CacheDirFromTheEnvironment) {
  Scratch s("envdir");
  size_t n = count_revisions(s.dir());
  fs::path shared = s.dir().string() + "-shared";
  std::string env = "RETORT_CACHE_DIR='" + shared.string() + "' RETORT_CACHE_STATS=1";
  CommandRun first = s.retort("check", env);
  EXPECT_NE(first.err.find(stats_line(0, n, true)), std::string::npos) << first.err;
  CommandRun second = s.retort("check", env);
  EXPECT_NE(second.err.find(stats_line(n, 0, false)), std::string::npos) << second.err;
  EXPECT_FALSE(fs::exists(s.dir() / ".retort"));
  fs::remove_all(shared);
}

TEST(ParseCacheTest, InitIgnoresTheCacheFolderOnce) {
  Scratch s("init");
  fs::path fresh = s.dir() / "fresh";
  ASSERT_EQ(s.retort("init fresh").code, 0);
  EXPECT_EQ(read_file(fresh / ".gitignore"), ".retort/\n");

  fs::path existing = s.dir() / "existing";
  fs::create_directories(existing);
  write_file(existing / ".gitignore", "node_modules/");
  ASSERT_EQ(s.retort("init existing").code, 0);
  EXPECT_EQ(read_file(existing / ".gitignore"), "node_modules/\n.retort/\n");

  fs::path already = s.dir() / "already";
  fs::create_directories(already);
  write_file(already / ".gitignore", "build/\n.retort/\n");
  ASSERT_EQ(s.retort("init already").code, 0);
  EXPECT_EQ(read_file(already / ".gitignore"), "build/\n.retort/\n");
}

}  // namespace

// A project big enough to be loaded by several threads (docs/cache.md,
// "Loading"): the outcome is the same on every run, with and without the
// cache, and the diagnostics come in file order whichever thread met them.
TEST(ParseCacheTest, ParallelLoadingIsDeterministic) {
  Scratch s("parallel");
  fs::remove_all(s.dir() / "migrations");
  fs::create_directories(s.dir() / "migrations");
  constexpr int kRevisions = 600;
  const std::vector<int> broken{37, 301, 599};
  for (int i = 1; i <= kRevisions; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "%012d", i);
    std::string text = std::string("revision ") + id + "\n";
    if (i > 1) {
      char parent[16];
      std::snprintf(parent, sizeof parent, "%012d", i - 1);
      text += std::string("  revises ") + parent + "\n";
    }
    text += "  message 'step';\n\nupgrade {\n";
    if (i == 1) {
      text += "  create table t (id bigint primary key);\n";
    } else if (std::find(broken.begin(), broken.end(), i) != broken.end()) {
      text += "  alter table t add column c" + std::to_string(i) + " string(20\n";
    } else {
      text += "  alter table t add column c" + std::to_string(i) + " string(20);\n";
    }
    text += "}\n";
    write_file(s.dir() / "migrations" / (std::string(id) + ".rev"), text);
  }
  CommandRun first = s.retort("--no-cache check");
  EXPECT_EQ(first.code, 2);
  size_t last = 0;
  for (int b : broken) {
    char id[16];
    std::snprintf(id, sizeof id, "%012d", b);
    size_t at = first.err.find(std::string("migrations/") + id + ".rev:");
    ASSERT_NE(at, std::string::npos) << id << "\n" << first.err;
    EXPECT_GE(at, last) << "diagnostics out of file order";
    last = at;
  }
  for (int run = 0; run < 3; ++run) expect_same(s.retort("--no-cache check"), first);
  s.retort("check");  // fills the cache with the files that parse
  auto [stats, warm] = s.with_stats("check");
  EXPECT_EQ(stats, stats_line(kRevisions - broken.size(), broken.size(), false));
  expect_same(warm, first);
}
